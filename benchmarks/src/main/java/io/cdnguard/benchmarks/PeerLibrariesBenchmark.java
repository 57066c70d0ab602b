package io.cdnguard.benchmarks;

import com.codahale.metrics.ExponentiallyDecayingReservoir;
import io.cdnguard.Cdn;
import io.cdnguard.benchmarks.BenchData.BenchExchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * What the figures of one CDN fetch cost with the metrics libraries an origin would otherwise use, on
 * already-classified values (no header recognition, no freshness parsing): the peers of {@code
 * RecordBenchmark.fullRecord}, next to {@code PeerBenchmark.dropwizardComposite}.
 * <ul>
 *   <li>Dropwizard Metrics 4.2, each metric of the composite alone: {@link #dropwizardMeter},
 *       {@link #dropwizardCounter}, {@link #dropwizardHistogram} (default exponentially decaying
 *       reservoir);
 *   <li>Micrometer, as servlet filters usually do it: a tagged {@code registry.counter("cdn.fetches",
 *       "cdn", cdn, "status", sc)} lookup per request plus {@code Timer.record(duration)}, on a
 *       {@link SimpleMeterRegistry} ({@link #micrometerTagged});
 *   <li>Prometheus client_java 1.x: a labelled counter ({@code labelValues(cdn, status).inc()}) and a
 *       labelled histogram with its default classic and native buckets ({@code labelValues(cdn).observe()})
 *       ({@link #prometheusLabelled});
 *   <li>the floor: {@link LongAdder#increment()}, {@link AtomicLong#incrementAndGet()} on one shared
 *       counter, and {@link System#nanoTime()}, which cdnguard's record path never calls.
 * </ul>
 * All metrics are in a {@link Scope#Benchmark} state: with {@code -t 2} two threads update the same
 * metrics, as two request threads of one server do. Inputs and the rotation index are per thread.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PeerLibrariesBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PeerLibrariesBenchmark {

    /** The metrics, shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class Shared {
        com.codahale.metrics.Meter dwMeter;
        com.codahale.metrics.Counter dwCounter;
        com.codahale.metrics.Histogram dwHistogram;
        MeterRegistry registry;
        Timer mmTimer;
        io.prometheus.metrics.core.metrics.Counter promCounter;
        io.prometheus.metrics.core.metrics.Histogram promHistogram;
        LongAdder adder;
        AtomicLong atomic;

        /** Creates every metric; registries are private to the benchmark (nothing global). */
        @Setup
        public void setUp() {
            dwMeter = new com.codahale.metrics.Meter();
            dwCounter = new com.codahale.metrics.Counter();
            dwHistogram = new com.codahale.metrics.Histogram(new ExponentiallyDecayingReservoir());
            registry = new SimpleMeterRegistry();
            mmTimer = Timer.builder("cdn.fetch.duration").register(registry);
            promCounter = io.prometheus.metrics.core.metrics.Counter.builder()
                    .name("cdn_fetches_total")
                    .help("CDN fetches")
                    .labelNames("cdn", "status")
                    .build();
            promHistogram = io.prometheus.metrics.core.metrics.Histogram.builder()
                    .name("cdn_fetch_duration_seconds")
                    .help("CDN fetch duration")
                    .labelNames("cdn")
                    .build();
            adder = new LongAdder();
            atomic = new AtomicLong();
        }
    }

    /** Per-thread inputs: the label values and measurements of {@link BenchData#N} varied fetches. */
    @State(Scope.Thread)
    public static class Inputs {
        private static final AtomicInteger THREADS = new AtomicInteger();

        // It's intentionally not declared as final to avoid constant folding
        String[] cdn;
        String[] statusClass;
        long[] nanos;
        double[] seconds;
        int next;

        /** Classifies this thread's exchanges once, so the peers record ready-made values. */
        @Setup
        public void setUp() {
            int thread = THREADS.getAndIncrement();
            BenchExchange[] exchanges = BenchData.exchanges(4242 + thread, "/t" + thread);
            int n = exchanges.length;
            cdn = new String[n];
            statusClass = new String[n];
            nanos = new long[n];
            seconds = new double[n];
            for (int i = 0; i < n; i++) {
                Cdn c = BenchData.cdnOf(i);
                cdn[i] = c.label();
                statusClass[i] = BenchData.STATUS_LABELS[exchanges[i].status() / 100];
                nanos[i] = exchanges[i].durationNanos();
                seconds[i] = nanos[i] / 1e9;
            }
        }
    }

    /** Dropwizard {@code Meter.mark()}: a LongAdder plus the EWMA tick check (which reads the clock). */
    @Benchmark
    public Object dropwizardMeter(Shared s) {
        s.dwMeter.mark();
        return s.dwMeter;
    }

    /** Dropwizard {@code Counter.inc()}: a LongAdder. */
    @Benchmark
    public Object dropwizardCounter(Shared s) {
        s.dwCounter.inc();
        return s.dwCounter;
    }

    /** Dropwizard {@code Histogram.update()} with the default exponentially decaying reservoir. */
    @Benchmark
    public Object dropwizardHistogram(Shared s, Inputs in) {
        s.dwHistogram.update(in.nanos[in.next++ & BenchData.MASK]);
        return s.dwHistogram;
    }

    /** Micrometer: a tagged counter looked up per request, incremented, plus a Timer.record of the duration. */
    @Benchmark
    public Object micrometerTagged(Shared s, Inputs in) {
        int i = in.next++ & BenchData.MASK;
        s.registry.counter("cdn.fetches", "cdn", in.cdn[i], "status", in.statusClass[i]).increment();
        s.mmTimer.record(in.nanos[i], TimeUnit.NANOSECONDS);
        return s.mmTimer;
    }

    /** Prometheus client_java 1.x: a labelled counter increment and a labelled histogram observation. */
    @Benchmark
    public Object prometheusLabelled(Shared s, Inputs in) {
        int i = in.next++ & BenchData.MASK;
        s.promCounter.labelValues(in.cdn[i], in.statusClass[i]).inc();
        s.promHistogram.labelValues(in.cdn[i]).observe(in.seconds[i]);
        return s.promHistogram;
    }

    /** One shared {@link LongAdder#increment()}: the floor for any striped counter. */
    @Benchmark
    public Object longAdder(Shared s) {
        s.adder.increment();
        return s.adder;
    }

    /** One shared {@link AtomicLong#incrementAndGet()}: a single contended cache line at {@code -t 2}. */
    @Benchmark
    public long atomicLong(Shared s) {
        return s.atomic.incrementAndGet();
    }

    /** {@link System#nanoTime()}: what a per-request clock read costs (cdnguard's record path has none). */
    @Benchmark
    public long nanoTime() {
        return System.nanoTime();
    }
}
