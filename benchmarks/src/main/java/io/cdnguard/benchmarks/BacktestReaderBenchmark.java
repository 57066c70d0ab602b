package io.cdnguard.benchmarks;

import io.cdnguard.CdnGuard;
import io.cdnguard.TimeSource;
import io.cdnguard.samples.backtest.GuardSetup;
import io.cdnguard.samples.backtest.JsonTraceReader;
import io.cdnguard.samples.backtest.sim.JsonTraceWriter;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Backtest reader throughput (issue 3; issue 6 lists it in the suite), in lines per second: the
 * JSON Lines reader alone ({@link #read}), and the reader feeding a guard built as the backtest
 * builds it ({@link #readAndRecord}: record every line, tick when the simulated clock moves, no
 * evaluation: that is the checks' cost, measured elsewhere).
 *
 * <p>The input is an in-memory trace of the simulator's {@code normal} scenario (seed 1, its first
 * {@value #LINES} lines: CDN fetches with their CDN's headers, probes, direct hits, in trace order),
 * generated in {@code @Setup}. Each invocation reads it all once; {@code readAndRecord} shifts the
 * timestamps by one trace span per pass so that simulated time keeps moving forward.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'BacktestReaderBenchmark' -f 1 -wi 5 -w 2s -i 5 -r 2s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BacktestReaderBenchmark {

    /** Lines per invocation (one pass over the in-memory trace). */
    public static final int LINES = 16_384;

    /** The trace, as bytes. */
    @State(Scope.Benchmark)
    public static class Trace {
        byte[] bytes;
        long firstMillis;
        long spanMillis;

        @Setup
        public void setUp() throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream(16 << 20);
            try (JsonTraceWriter w = new JsonTraceWriter(all)) {
                new Simulator(Scenario.named("normal", 1, 2, null)).run(w);
            }
            byte[] b = all.toByteArray();
            int end = 0;
            for (int n = 0; n < LINES; n++) {
                while (b[end] != '\n') {
                    end++;
                }
                end++;
            }
            bytes = java.util.Arrays.copyOf(b, end);
            long first = Long.MIN_VALUE;
            long last = Long.MIN_VALUE;
            try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(bytes))) {
                while (r.next()) {
                    if (first == Long.MIN_VALUE) {
                        first = r.timestampMillis();
                    }
                    last = Math.max(last, r.timestampMillis());
                }
                if (r.records() != LINES) {
                    throw new IllegalStateException("expected " + LINES + " records, read " + r.records());
                }
            }
            firstMillis = first;
            spanMillis = last - first + 1000;
        }
    }

    /** A guard as the backtest builds it, on a simulated clock. */
    @State(Scope.Thread)
    public static class Guard {
        final SimClock clock = new SimClock();
        CdnGuard guard;
        long shift;

        @Setup(Level.Trial)
        public void setUp(Trace trace) {
            clock.millis = trace.firstMillis; // the backtest starts its clock at the first record
            guard = new GuardSetup().build(clock, (check, previous, result, at) -> { });
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            guard.close();
        }
    }

    /** The simulated clock. */
    static final class SimClock implements TimeSource {
        volatile long millis;

        @Override
        public long currentTimeMillis() {
            return millis;
        }
    }

    /**
     * The reader alone: every line parsed into the reused exchange. Nothing asks for a header here,
     * so the reader skips every header value (it decodes only those asked for on earlier lines);
     * {@link #readAndRecord} has the core's lookups.
     */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public long read(Trace trace, Blackhole bh) throws IOException {
        long sum = 0;
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(trace.bytes))) {
            while (r.next()) {
                sum += r.timestampMillis() + r.exchange().status();
                bh.consume(r.exchange());
            }
        }
        return sum;
    }

    /** The reader feeding the guard: record each line at its (shifted) time, tick when the clock moves. */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public long readAndRecord(Trace trace, Guard g) throws IOException {
        long shift = g.shift;
        g.shift += trace.spanMillis;
        SimClock clock = g.clock;
        CdnGuard guard = g.guard;
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(trace.bytes))) {
            while (r.next()) {
                long ts = r.timestampMillis() + shift;
                if (ts > clock.millis) {
                    clock.millis = ts;
                    guard.tick();
                }
                guard.record(r.exchange());
            }
            return r.records();
        }
    }
}
