package io.cdnguard.benchmarks;

import com.codahale.metrics.Counter;
import com.codahale.metrics.ExponentiallyDecayingReservoir;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What recording one CDN fetch costs with general-purpose metrics libraries, for comparison with
 * {@link RecordBenchmark}: a Dropwizard composite (a request {@link Meter}, a status-class {@link
 * Counter}, a latency and a TTL {@link Histogram} with Dropwizard's default exponentially decaying
 * reservoir) shared by all threads, and a bare {@link LongAdder} increment as the floor.
 * These record already-classified values: they do no header recognition or freshness parsing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PeerBenchmark {

    /** Metrics shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class Shared {
        Meter requests;
        Counter[] statusClasses;
        Histogram latency;
        Histogram ttl;
        LongAdder adder;

        @Setup
        public void setUp() {
            requests = new Meter();
            statusClasses = new Counter[5];
            for (int i = 0; i < 5; i++) {
                statusClasses[i] = new Counter();
            }
            latency = new Histogram(new ExponentiallyDecayingReservoir());
            ttl = new Histogram(new ExponentiallyDecayingReservoir());
            adder = new LongAdder();
        }
    }

    /** Per-thread inputs: 64 varied fetches. */
    @State(Scope.Thread)
    public static class Inputs {
        int[] status;
        long[] nanos;
        long[] ttl;
        int next;

        @Setup
        public void setUp() {
            Random r = new Random(1234);
            long[] ttls = {3600, 31_536_000, 600, 0, 86_400, -1, 300, 3600};
            status = new int[64];
            nanos = new long[64];
            ttl = new long[64];
            for (int i = 0; i < 64; i++) {
                status[i] = r.nextInt(4) == 0 ? 304 : 200;
                nanos[i] = 200_000 + r.nextInt(20_000_000);
                ttl[i] = ttls[r.nextInt(ttls.length)];
            }
        }
    }

    /** Meter.mark + status-class Counter.inc + latency and TTL Histogram.update. */
    @Benchmark
    public void dropwizardComposite(Shared s, Inputs in) {
        int i = in.next++ & 63;
        s.requests.mark();
        s.statusClasses[in.status[i] / 100 - 1].inc();
        s.latency.update(in.nanos[i]);
        if (in.ttl[i] >= 0) {
            s.ttl.update(in.ttl[i]);
        }
    }

    /** One shared LongAdder increment: the floor for any shared counter. */
    @Benchmark
    public void longAdder(Shared s) {
        s.adder.increment();
    }
}
