package io.cdnguard.benchmarks;

import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.benchmarks.BenchData.BenchExchange;
import io.cdnguard.internal.CdnRecognizer;
import io.cdnguard.internal.Counters;
import io.cdnguard.internal.ExpiryTracker;
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
 * cdnguard's record path ({@link CdnGuard#record(Exchange)}) taken apart, one benchmark per part, on
 * the same varied inputs as the whole ({@link BenchData}: seven CDNs' header sets, statuses
 * 200/304/404, a dozen cache policies):
 * <ul>
 *   <li>{@link #whole}: {@link CdnGuard#record(Exchange)} itself, on these inputs (a guard with the
 *       defaults and its evaluation thread on), so the parts can be added up against it;
 *   <li>{@link #headerLookupsOnly}: the floor, only the header lookups the record path makes
 *       (same names, same order), the values merely tested for {@code null};
 *   <li>{@link #recognition}: {@link CdnRecognizer#classifyWithPop} (the CDN and its POP);
 *   <li>{@link #conditional}: {@link Exchange#conditional()} (two header lookups);
 *   <li>{@link #freshness}: {@link Freshness#parse};
 *   <li>{@link #pathHash}: {@link Counters#hashPath} (the expiry table's key);
 *   <li>{@link #counters}: {@link Counters#stripe} + {@link Counters#recordCdn} without an expiry
 *       tracker (status, bytes, latency and TTL histograms, revalidations, POP);
 *   <li>{@link #wheel}: {@link ExpiryTracker#onFetch} (the hashed asset table and the timing wheel).
 * </ul>
 * The parts add up to roughly {@code RecordBenchmark.fullRecord} (which also pays an interface call per
 * exchange accessor and the {@code try}); a part that dominates the sum is where to look first.
 *
 * <p>The counters and the tracker are in a {@link Scope#Benchmark} state, so {@code -t 2} has two
 * threads record into the same objects, as two request threads of one server do. Inputs and the
 * rotation index are per thread (the benchmark harness must not add a shared cache line of its own),
 * and each thread fetches its own assets.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar RecordPartsBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc -t 1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RecordPartsBenchmark {

    /** The recording objects, shared by every benchmark thread. */
    @State(Scope.Benchmark)
    public static class Shared {
        CdnGuard guard;
        CdnRecognizer recognizer;
        Counters counters;
        ExpiryTracker expiry;
        // It's intentionally not declared as final to avoid constant folding
        long now;

        /** Builds the objects as {@link CdnGuard.Builder#build()} does with its defaults. */
        @Setup
        public void setUp() {
            now = System.currentTimeMillis();
            guard = CdnGuard.builder().expectBackends("asset-1", "asset-2").build();
            recognizer = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");
            counters = new Counters(now, 10_000, 360, List.of("asset-1", "asset-2"), 64, 64, null, 0);
            expiry = new ExpiryTracker(1 << 16, 60_000, now);
        }

        /** Closes the guard (stops its evaluation thread). */
        @TearDown
        public void tearDown() {
            guard.close();
        }
    }

    /** Per-thread inputs: {@link BenchData#N} exchanges and their classified equivalents. */
    @State(Scope.Thread)
    public static class Inputs {
        private static final AtomicInteger THREADS = new AtomicInteger();

        // It's intentionally not declared as final to avoid constant folding
        BenchExchange[] exchanges;
        int[] cdn;
        int[] status;
        long[] bytes;
        long[] nanos;
        boolean[] revalidation;
        long[] ttl;
        long[] pop;
        long[] hash;
        /** Per exchange, the request header names the record path looks up, in its order. */
        String[][] requestLookups;
        /** Per exchange, the response header names the record path looks up, in its order. */
        String[][] responseLookups;
        int next;

        /** Builds this thread's exchanges and classifies them once, as the record path would. */
        @Setup
        public void setUp(Shared s) {
            int thread = THREADS.getAndIncrement();
            exchanges = BenchData.exchanges(4242 + thread, "/t" + thread);
            int n = exchanges.length;
            cdn = new int[n];
            status = new int[n];
            bytes = new long[n];
            nanos = new long[n];
            revalidation = new boolean[n];
            ttl = new long[n];
            pop = new long[n];
            hash = new long[n];
            requestLookups = new String[n][];
            responseLookups = new String[n][];
            CdnGuard probe = CdnGuard.builder().evaluationThread(false).persistBaseline(false).build();
            for (int i = 0; i < n; i++) {
                BenchExchange e = exchanges[i];
                String[][] names = LookupCount.recordLookups(probe, e);
                requestLookups[i] = names[0];
                responseLookups[i] = names[1];
                int cls = s.recognizer.classify(e.requestHeaders(), e.clientAddress(), e.path());
                if (CdnRecognizer.cdn(cls) == null) {
                    throw new IllegalStateException("input " + i + " not recognised as a CDN fetch: " + e.path());
                }
                cdn[i] = CdnRecognizer.cdn(cls).ordinal();
                status[i] = e.status();
                bytes[i] = e.responseBytes();
                nanos[i] = e.durationNanos();
                revalidation[i] = e.status() == 304 && e.conditional();
                if (e.status() / 100 == 2 || e.status() == 304) {
                    long f = Freshness.parse(e.responseHeaders(), cdn[i], s.now);
                    ttl[i] = Freshness.cacheable(f) ? Freshness.lifetimeSeconds(f) : -1;
                } else {
                    ttl[i] = Counters.NO_TTL;
                }
                pop[i] = CdnRecognizer.popCode(cls, e.requestHeaders());
                hash[i] = Counters.hashPath(e.path());
            }
            probe.close();
        }
    }

    /** The whole record call on the same inputs as the parts. */
    @Benchmark
    public void whole(Shared s, Inputs in) {
        s.guard.record(in.exchanges[in.next++ & BenchData.MASK]);
    }

    /**
     * Recognition: which CDN (or probe, or direct hit) sent the request, and its POP, in one pass
     * ({@link CdnRecognizer#classifyWithPop}, as {@link CdnGuard#record} calls it).
     */
    @Benchmark
    public long recognition(Shared s, Inputs in) {
        BenchExchange e = in.exchanges[in.next++ & BenchData.MASK];
        return s.recognizer.classifyWithPop(e.requestHeaders(), e.clientAddress(), e.path());
    }

    /**
     * The floor: only the header lookups {@link CdnGuard#record} makes for each exchange (the same
     * names in the same order, recorded once in setup through counting header sources), with
     * nothing done with the values but a null test. Whatever recognition, freshness and the
     * conditional test cost beyond this is scanning and deciding; this much is the header map's.
     */
    @Benchmark
    public int headerLookupsOnly(Inputs in) {
        int i = in.next++ & BenchData.MASK;
        BenchExchange e = in.exchanges[i];
        HeaderSource req = e.requestHeaders();
        HeaderSource resp = e.responseHeaders();
        int found = 0;
        for (String name : in.requestLookups[i]) {
            if (req.get(name) != null) {
                found++;
            }
        }
        for (String name : in.responseLookups[i]) {
            if (resp.get(name) != null) {
                found++;
            }
        }
        return found;
    }

    /** Whether the request was a conditional revalidation (the {@link Exchange#conditional()} default). */
    @Benchmark
    public boolean conditional(Inputs in) {
        return in.exchanges[in.next++ & BenchData.MASK].conditional();
    }

    /**
     * Freshness: the shared-cache lifetime from the response headers (RFC 9111 / 9213 precedence),
     * as the fetching CDN reads them (known here, as on the record path, from recognition).
     */
    @Benchmark
    public long freshness(Shared s, Inputs in) {
        int i = in.next++ & BenchData.MASK;
        return Freshness.parse(in.exchanges[i].responseHeaders(), in.cdn[i], s.now);
    }

    /** The path hash that keys the expiry table. */
    @Benchmark
    public long pathHash(Inputs in) {
        return Counters.hashPath(in.exchanges[in.next++ & BenchData.MASK].path());
    }

    /** Counters: stripe lookup plus every counter of a classified fetch, without the expiry wheel. */
    @Benchmark
    public void counters(Shared s, Inputs in) {
        int i = in.next++ & BenchData.MASK;
        Counters c = s.counters;
        c.recordCdn(c.stripe(), in.cdn[i], in.status[i], in.bytes[i], in.nanos[i], in.revalidation[i], in.ttl[i],
                in.pop[i], in.hash[i], c.coarseNow());
    }

    /**
     * The expiry wheel: the hashed asset table's swap and the wheel slot counts, for the fetches the
     * record path hands it (2xx and 304; a 404 skips it, as in {@link Counters#recordCdn}).
     */
    @Benchmark
    public void wheel(Shared s, Inputs in) {
        int i = in.next++ & BenchData.MASK;
        long ttl = in.ttl[i];
        if (ttl != Counters.NO_TTL) {
            s.expiry.onFetch(in.hash[i], ttl, s.now);
        }
    }
}
