package io.cdnguard.benchmarks;

import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.benchmarks.BenchData.BenchExchange;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recording while the evaluation side reads: two threads record CDN fetches into one guard while a
 * third takes a {@link CdnGuard#snapshot()} every millisecond (a health endpoint or a metrics scraper
 * polling the guard a thousand times a second: a hundred times the real once-per-10-s evaluation,
 * so any interference is magnified). JMH reports the group and each role: {@code
 * recordWhileSnapshot:record} should stay close to {@code RecordBenchmark.fullRecord} at {@code -t 2};
 * if snapshots slowed recording (a lock, a cache line the reader writes, safepoint pauses from its
 * allocation), it would show there.
 *
 * <p>The reader is paced ({@link LockSupport#parkNanos}) rather than looping flat out: three busy
 * threads on a 2-core machine would make the recorders wait for a core, which measures the
 * scheduler, not cdnguard. Its role's score is therefore about 1 ms plus one snapshot. The guard
 * runs with its evaluation thread on (it ticks the coarse clock every second), as in production.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ContentionBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ContentionBenchmark {

    static final long READER_PAUSE_NANOS = 1_000_000;

    /** The guard shared by the three threads of a group. */
    @State(Scope.Group)
    public static class Shared {
        // It's intentionally not declared as final to avoid constant folding
        CdnGuard guard;

        /** Builds a guard with the defaults and two expected backends. */
        @Setup(Level.Trial)
        public void setUp() {
            guard = CdnGuard.builder().expectBackends("asset-1", "asset-2").build();
        }

        /** Closes the guard (stops its evaluation thread). */
        @TearDown(Level.Trial)
        public void tearDown() {
            guard.close();
        }
    }

    /** A recording thread's own varied exchanges and rotation index. */
    @State(Scope.Thread)
    public static class Inputs {
        private static final AtomicInteger THREADS = new AtomicInteger();

        // It's intentionally not declared as final to avoid constant folding
        BenchExchange[] exchanges;
        int next;

        /** Builds this thread's exchanges (its own asset paths). */
        @Setup(Level.Trial)
        public void setUp() {
            int thread = THREADS.getAndIncrement();
            exchanges = BenchData.exchanges(4242 + thread, "/t" + thread);
        }
    }

    /** A request thread recording one CDN fetch. */
    @Benchmark
    @Group("recordWhileSnapshot")
    @GroupThreads(2)
    public void record(Shared s, Inputs in) {
        s.guard.record(in.exchanges[in.next++ & BenchData.MASK]);
    }

    /** The reader: one full snapshot, then a pause of {@value #READER_PAUSE_NANOS} ns. */
    @Benchmark
    @Group("recordWhileSnapshot")
    @GroupThreads(1)
    public GuardSnapshot snapshot(Shared s) {
        GuardSnapshot snapshot = s.guard.snapshot();
        LockSupport.parkNanos(READER_PAUSE_NANOS);
        return snapshot;
    }
}
