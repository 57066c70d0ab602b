package io.cdnguard.benchmarks;

import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.internal.CdnRecognizer;
import io.cdnguard.internal.Counters;
import io.cdnguard.internal.Freshness;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * <p>Inputs are 64 pre-built exchanges per thread with varied, realistic CDN header sets
 * (CloudFront, Fastly, Cloudflare, Akamai), paths, statuses (200 and 304) and {@code Cache-Control}
 * values, rotated so that branch predictors and inlining see the real mix. Each thread has its own
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

    /** Per-thread inputs: 64 exchanges and their classified equivalents. */
    @State(Scope.Thread)
    public static class Inputs {
        private static final java.util.concurrent.atomic.AtomicInteger THREADS = new java.util.concurrent.atomic.AtomicInteger();

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

        @Setup
        public void setUp(Guard g) {
            int thread = THREADS.getAndIncrement();
            exchanges = Exchanges.build(64, new Random(1234 + thread), "/t" + thread);
            int n = exchanges.length;
            cdn = new int[n];
            status = new int[n];
            bytes = new long[n];
            nanos = new long[n];
            revalidation = new boolean[n];
            ttl = new long[n];
            pop = new long[n];
            hash = new long[n];
            CdnRecognizer recognizer = new CdnRecognizer(io.cdnguard.RecognitionRules.defaults(), "/cdnguard");
            for (int i = 0; i < n; i++) {
                BenchExchange e = exchanges[i];
                int cls = recognizer.classify(e.requestHeaders(), null, e.path());
                cdn[i] = CdnRecognizer.cdn(cls) == null ? 7 : CdnRecognizer.cdn(cls).ordinal();
                status[i] = e.status();
                bytes[i] = e.responseBytes();
                nanos[i] = e.durationNanos();
                revalidation[i] = e.status() == 304 && e.conditional();
                long f = Freshness.parse(e.responseHeaders(), System.currentTimeMillis());
                ttl[i] = Freshness.cacheable(f) ? Freshness.lifetimeSeconds(f) : -1;
                pop[i] = CdnRecognizer.popCode(cls, e.requestHeaders());
                hash[i] = Counters.hashPath(e.path());
            }
        }
    }

    /** One CDN fetch through the full public recording path. */
    @Benchmark
    public void fullRecord(Guard g, Inputs in) {
        g.guard.record(in.exchanges[in.next++ & 63]);
    }

    /** The counters layer alone, with an already-classified fetch (no recognition, no freshness parsing, no expiry). */
    @Benchmark
    public void countersOnly(Guard g, Inputs in) {
        int i = in.next++ & 63;
        Counters c = g.counters;
        c.recordCdn(c.stripe(), in.cdn[i], in.status[i], in.bytes[i], in.nanos[i], in.revalidation[i], in.ttl[i],
                in.pop[i], in.hash[i], c.coarseNow());
    }

    /**
     * An allocation-free {@link HeaderSource}: a small fixed array of name/value pairs with their
     * names' hash codes, scanned linearly (compare the lookup name's cached {@link String#hashCode()}
     * first, then the name), as a small header map would.
     */
    static final class ArrayHeaders implements HeaderSource {
        private final int[] hashes;
        private final String[] names;
        private final String[] values;

        ArrayHeaders(List<String[]> pairs) {
            hashes = new int[pairs.size()];
            names = new String[pairs.size()];
            values = new String[pairs.size()];
            for (int i = 0; i < names.length; i++) {
                names[i] = pairs.get(i)[0];
                hashes[i] = names[i].hashCode();
                values[i] = pairs.get(i)[1];
            }
        }

        @Override
        public CharSequence get(String lowerCaseName) {
            int h = lowerCaseName.hashCode();
            int[] hs = hashes;
            for (int i = 0; i < hs.length; i++) {
                if (hs[i] == h && names[i].equals(lowerCaseName)) {
                    return values[i];
                }
            }
            return null;
        }
    }

    /** An immutable exchange over {@link ArrayHeaders}. */
    static final class BenchExchange implements Exchange {
        private final String path;
        private final int status;
        private final long bytes;
        private final long nanos;
        private final HeaderSource request;
        private final HeaderSource response;

        BenchExchange(String path, int status, long bytes, long nanos, HeaderSource request, HeaderSource response) {
            this.path = path;
            this.status = status;
            this.bytes = bytes;
            this.nanos = nanos;
            this.request = request;
            this.response = response;
        }

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public CharSequence path() {
            return path;
        }

        @Override
        public int status() {
            return status;
        }

        @Override
        public long responseBytes() {
            return bytes;
        }

        @Override
        public long durationNanos() {
            return nanos;
        }

        @Override
        public HeaderSource requestHeaders() {
            return request;
        }

        @Override
        public HeaderSource responseHeaders() {
            return response;
        }

        @Override
        public CharSequence clientAddress() {
            return "130.176.12.34";
        }
    }

    /** Builds varied, realistic CDN exchanges. */
    static final class Exchanges {
        private Exchanges() {
        }

        private static final String[] CACHE_CONTROL = {
            "public, max-age=3600",
            "max-age=31536000, immutable",
            "public, s-maxage=600, max-age=60",
            "no-cache",
            "public, max-age=86400, stale-while-revalidate=60, stale-if-error=3600",
            "private, max-age=0",
            "max-age=300",
            null, // Expires only
        };

        private static final String[] PATHS = {
            "/static/js/app.3f9a1c.js", "/static/css/site.css", "/img/hero@2x.webp", "/fonts/inter-var.woff2",
            "/api/v1/catalog?page=2", "/index.html", "/assets/logo.svg", "/media/video/intro-720p.mp4",
        };

        static BenchExchange[] build(int n, Random r, String prefix) {
            BenchExchange[] out = new BenchExchange[n];
            String[] pops = {"FRA", "IAD", "NRT", "LHR", "CDG", "SIN", "GRU", "SYD"};
            for (int i = 0; i < n; i++) {
                String pop = pops[r.nextInt(pops.length)];
                boolean conditional = r.nextInt(3) == 0;
                List<String[]> req = new ArrayList<>();
                req.add(new String[] {"host", "origin.example.com"});
                req.add(new String[] {"accept-encoding", "gzip, br"});
                switch (i % 4) {
                    case 0: // CloudFront
                        req.add(new String[] {"user-agent", "Amazon CloudFront"});
                        req.add(new String[] {"via", "1.1 " + hex(r, 32) + ".cloudfront.net (CloudFront)"});
                        req.add(new String[] {"x-amz-cf-id", base64(r, 56)});
                        req.add(new String[] {"x-forwarded-for", "203.0.113." + r.nextInt(250)});
                        break;
                    case 1: // Fastly
                        req.add(new String[] {"user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"});
                        req.add(new String[] {"fastly-ff", "cache-" + pop.toLowerCase() + "19120-" + pop + ", cache-"
                                + pop.toLowerCase() + "19133-" + pop});
                        req.add(new String[] {"cdn-loop", "Fastly"});
                        req.add(new String[] {"fastly-client-ip", "198.51.100." + r.nextInt(250)});
                        req.add(new String[] {"x-varnish", Integer.toString(100000 + r.nextInt(900000))});
                        break;
                    case 2: // Cloudflare
                        req.add(new String[] {"user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"});
                        req.add(new String[] {"cf-ray", hex(r, 16) + "-" + pop});
                        req.add(new String[] {"cdn-loop", "cloudflare"});
                        req.add(new String[] {"cf-connecting-ip", "192.0.2." + r.nextInt(250)});
                        req.add(new String[] {"cf-ipcountry", "DE"});
                        req.add(new String[] {"cf-visitor", "{\"scheme\":\"https\"}"});
                        break;
                    default: // Akamai
                        req.add(new String[] {"user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"});
                        req.add(new String[] {"akamai-origin-hop", "2"});
                        req.add(new String[] {"via", "1.1 v1-akamaitech.net(ghost) (AkamaiGHost), 1.1 akamai.net(ghost) (AkamaiGHost)"});
                        req.add(new String[] {"true-client-ip", "203.0.113." + r.nextInt(250)});
                        break;
                }
                if (conditional) {
                    req.add(new String[] {"if-none-match", "\"" + hex(r, 16) + "\""});
                }
                int status = conditional && r.nextInt(4) != 0 ? 304 : 200;
                List<String[]> resp = new ArrayList<>();
                resp.add(new String[] {"content-type", "application/javascript"});
                String cc = CACHE_CONTROL[r.nextInt(CACHE_CONTROL.length)];
                if (cc != null) {
                    resp.add(new String[] {"cache-control", cc});
                } else {
                    resp.add(new String[] {"date", "Mon, 23 Nov 2026 21:00:00 GMT"});
                    resp.add(new String[] {"expires", "Mon, 23 Nov 2026 22:00:00 GMT"});
                }
                resp.add(new String[] {"etag", "\"" + hex(r, 16) + "\""});
                String path = prefix + PATHS[i % PATHS.length].replace(".", "-" + i + ".");
                out[i] = new BenchExchange(path, status, status == 304 ? 0 : 1_000 + r.nextInt(200_000),
                        200_000 + r.nextInt(20_000_000), new ArrayHeaders(req), new ArrayHeaders(resp));
            }
            return out;
        }

        private static String hex(Random r, int n) {
            StringBuilder sb = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                sb.append("0123456789abcdef".charAt(r.nextInt(16)));
            }
            return sb.toString();
        }

        private static String base64(Random r, int n) {
            String a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            StringBuilder sb = new StringBuilder(n);
            for (int i = 0; i < n; i++) {
                sb.append(a.charAt(r.nextInt(a.length())));
            }
            return sb.append("==").toString();
        }
    }
}
