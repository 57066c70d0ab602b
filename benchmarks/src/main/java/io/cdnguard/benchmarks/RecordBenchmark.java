package io.cdnguard.benchmarks;

import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.RecognitionRules;
import io.cdnguard.benchmarks.BenchData.BenchExchange;
import io.cdnguard.internal.CdnRecognizer;
import io.cdnguard.internal.Counters;
import io.cdnguard.internal.Freshness;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The recording path: one CDN fetch through {@link CdnGuard#record(Exchange)} (recognition,
 * freshness, counters, expiry tracking), and the counters layer alone.
 *
 * <p>Inputs are the {@link BenchData} exchanges ({@link BenchData#N} per thread: seven CDNs' header
 * sets, statuses 200/304/404, a dozen cache policies), the same as {@link RecordPartsBenchmark}'s,
 * rotated so that branch predictors and inlining see the real mix. Each thread has its own
 * paths (CDN fills of one asset from two threads at the same instant are rare in production); the
 * guard is shared by all threads, so {@code -t 2} measures two threads recording into one guard.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'RecordBenchmark' -f 1 -wi 3 -w 2s -i 5 -r 2s -bm avgt -tu ns -prof gc -t 2
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecordBenchmark {

    /** The guard, shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class Guard {
        CdnGuard guard;
        Counters counters;

        @Setup
        public void setUp() {
            guard = CdnGuard.builder().expectBackends("asset-1", "asset-2").build();
            counters = new Counters(System.currentTimeMillis(), 10_000, 360, List.of("asset-1", "asset-2"), 64, 64,
                    null, 0);
        }

        @TearDown
        public void tearDown() {
            guard.close();
        }
    }

    /** Per-thread inputs: {@link BenchData#N} exchanges and their classified equivalents. */
    @State(Scope.Thread)
    public static class Inputs {
        private static final AtomicInteger THREADS = new AtomicInteger();

        BenchExchange[] exchanges;
        int[] cdn;
        int[] status;
        long[] bytes;
        long[] nanos;
        boolean[] revalidation;
        long[] ttl;
        long[] pop;
        long[] hash;
        int next;

        /** Builds this thread's exchanges ({@link BenchData}) and classifies them once, as the record path would. */
        @Setup
        public void setUp(Guard g) {
            int thread = THREADS.getAndIncrement();
            exchanges = BenchData.exchanges(1234 + thread, "/t" + thread);
            int n = exchanges.length;
            cdn = new int[n];
            status = new int[n];
            bytes = new long[n];
            nanos = new long[n];
            revalidation = new boolean[n];
            ttl = new long[n];
            pop = new long[n];
            hash = new long[n];
            CdnRecognizer recognizer = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");
            long now = System.currentTimeMillis();
            for (int i = 0; i < n; i++) {
                BenchExchange e = exchanges[i];
                long classified = recognizer.classifyWithPop(e.requestHeaders(), e.clientAddress(), e.path());
                Cdn c = CdnRecognizer.cdn(CdnRecognizer.classificationOf(classified));
                if (c == null) {
                    throw new IllegalStateException("input " + i + " not recognised as a CDN fetch: " + e.path());
                }
                cdn[i] = c.ordinal();
                status[i] = e.status();
                bytes[i] = e.responseBytes();
                nanos[i] = e.durationNanos();
                revalidation[i] = e.status() == 304 && e.conditional();
                if (e.status() / 100 == 2 || e.status() == 304) {
                    long f = Freshness.parse(e.responseHeaders(), c.ordinal(), now);
                    ttl[i] = Freshness.cacheable(f) ? Freshness.lifetimeSeconds(f) : -1;
                } else {
                    ttl[i] = Counters.NO_TTL;
                }
                pop[i] = CdnRecognizer.popOf(classified);
                hash[i] = Counters.hashPath(e.path());
            }
        }
    }

    /** One CDN fetch through the full public recording path. */
    @Benchmark
    public void fullRecord(Guard g, Inputs in) {
        g.guard.record(in.exchanges[in.next++ & BenchData.MASK]);
    }

    /** The counters layer alone, with an already-classified fetch (no recognition, no freshness parsing, no expiry). */
    @Benchmark
    public void countersOnly(Guard g, Inputs in) {
        int i = in.next++ & BenchData.MASK;
        Counters c = g.counters;
        c.recordCdn(c.stripe(), in.cdn[i], in.status[i], in.bytes[i], in.nanos[i], in.revalidation[i], in.ttl[i],
                in.pop[i], in.hash[i], c.coarseNow());
    }
}
