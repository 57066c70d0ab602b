package io.cdnguard.benchmarks;

import io.cdnguard.Cdn;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.UpstreamFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Realistic, varied inputs shared by the benchmarks of this suite: CDN fetches with the header sets
 * that CloudFront, Fastly, Akamai, Cloudflare, Google Cloud CDN, Azure Front Door and a Varnish tier
 * really send to an origin, asset paths of several shapes, statuses 200 / 304 (conditional) / 404
 * and a spread of {@code Cache-Control} values (plus {@code Expires}/{@code Date}, {@code
 * CDN-Cache-Control} and {@code Surrogate-Control} variants).
 *
 * <p>Everything is built once in a {@code @Setup}; the benchmarks rotate through a power-of-two
 * array of them with an index, so branch predictors and the JIT's type profiles see the real mix,
 * not one constant exchange. Header lookups go through {@link ArrayHeaders}, which is
 * allocation-free, so any allocation {@code -prof gc} reports belongs to the code under test.
 */
final class BenchData {

    /** Exchanges per rotation: a power of two, so the index is masked, not divided. */
    static final int N = 64;

    /** Mask for the rotation index. */
    static final int MASK = N - 1;

    /** The CDNs the inputs rotate through, in the order of {@link #cdnOf}. */
    static final Cdn[] CDNS = {
        Cdn.CLOUDFRONT, Cdn.FASTLY, Cdn.CLOUDFLARE, Cdn.AKAMAI, Cdn.CLOUDFRONT, Cdn.GOOGLE, Cdn.AZURE, Cdn.VARNISH,
    };

    /** Status class labels by {@code status / 100}, for the peer libraries' label values. */
    static final String[] STATUS_LABELS = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};

    private static final String[] CACHE_CONTROL = {
        "public, max-age=3600",
        "max-age=31536000, immutable",
        "public, s-maxage=600, max-age=60",
        "no-cache",
        "public, max-age=86400, stale-while-revalidate=60, stale-if-error=3600",
        "private, max-age=0",
        "max-age=300",
        null, // Expires and Date only
        "public, max-age=604800",
        "no-store",
        "public, max-age=900, must-revalidate",
        "max-age=60, stale-while-revalidate=30",
    };

    private static final String[] PATHS = {
        "/static/js/app.3f9a1c.js", "/static/css/site.css", "/img/hero@2x.webp", "/fonts/inter-var.woff2",
        "/api/v1/catalog", "/index.html", "/assets/logo.svg", "/media/video/intro-720p.mp4",
        "/img/products/12345/thumb-320.jpg", "/favicon.ico", "/static/chunks/framework-2c79e2a6.js", "/robots.txt",
    };

    private static final String[] POPS = {"FRA", "IAD", "NRT", "LHR", "CDG", "SIN", "GRU", "SYD", "AMS", "ORD"};

    private BenchData() {
    }

    /** The CDN the {@code i}-th built exchange comes from. */
    static Cdn cdnOf(int i) {
        return CDNS[i % CDNS.length];
    }

    /**
     * Builds {@link #N} varied CDN fetches.
     *
     * @param seed the random seed (use a different one per thread for different values)
     * @param pathPrefix prefixed to every path, e.g. {@code "/t0"} so threads fetch different assets
     */
    static BenchExchange[] exchanges(long seed, String pathPrefix) {
        Random r = new Random(seed);
        BenchExchange[] out = new BenchExchange[N];
        for (int i = 0; i < N; i++) {
            out[i] = exchange(r, i, pathPrefix + PATHS[i % PATHS.length].replace(".", "-" + i + "."), null);
        }
        return out;
    }

    /**
     * Builds one CDN fetch of {@code path} from CDN {@link #cdnOf cdnOf(i)}.
     *
     * @param cacheControl the {@code Cache-Control} value, or {@code null} for one of the built-in mix
     */
    static BenchExchange exchange(Random r, int i, String path, String cacheControl) {
        String pop = POPS[r.nextInt(POPS.length)];
        List<String[]> req = new ArrayList<>();
        req.add(new String[] {"host", "origin.example.com"});
        req.add(new String[] {"accept-encoding", "gzip, br"});
        String client = "130.176." + r.nextInt(256) + "." + r.nextInt(256);
        switch (cdnOf(i)) {
            case CLOUDFRONT:
                req.add(new String[] {"user-agent", "Amazon CloudFront"});
                req.add(new String[] {"via", "1.1 " + hex(r, 32) + ".cloudfront.net (CloudFront)"});
                req.add(new String[] {"x-amz-cf-id", base64(r, 54)});
                if (r.nextBoolean()) {
                    req.add(new String[] {"x-amz-cf-pop", pop + (10 + r.nextInt(80)) + "-P" + (1 + r.nextInt(5))});
                }
                req.add(new String[] {"x-forwarded-for", "203.0.113." + r.nextInt(250)});
                break;
            case FASTLY:
                req.add(new String[] {"user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15"});
                req.add(new String[] {"fastly-ff", "cache-" + pop.toLowerCase() + (19000 + r.nextInt(200)) + "-" + pop
                        + ", cache-" + pop.toLowerCase() + (19000 + r.nextInt(200)) + "-" + pop});
                req.add(new String[] {"cdn-loop", "Fastly"});
                req.add(new String[] {"fastly-client-ip", "198.51.100." + r.nextInt(250)});
                req.add(new String[] {"x-varnish", Integer.toString(100_000 + r.nextInt(900_000))});
                client = "151.101." + r.nextInt(256) + "." + r.nextInt(256);
                break;
            case CLOUDFLARE:
                req.add(new String[] {"user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36"});
                req.add(new String[] {"cf-ray", hex(r, 16) + "-" + pop});
                req.add(new String[] {"cdn-loop", "cloudflare"});
                req.add(new String[] {"cf-connecting-ip", "192.0.2." + r.nextInt(250)});
                req.add(new String[] {"cf-ipcountry", "DE"});
                req.add(new String[] {"cf-visitor", "{\"scheme\":\"https\"}"});
                client = "172.68." + r.nextInt(256) + "." + r.nextInt(256);
                break;
            case AKAMAI:
                req.add(new String[] {"user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"});
                req.add(new String[] {"akamai-origin-hop", "2"});
                req.add(new String[] {"via", "1.1 v1-akamaitech.net(ghost) (AkamaiGHost), 1.1 akamai.net(ghost) (AkamaiGHost)"});
                req.add(new String[] {"true-client-ip", "203.0.113." + r.nextInt(250)});
                req.add(new String[] {"x-akamai-config-log-detail", "true"});
                client = "23.50." + r.nextInt(256) + "." + r.nextInt(256);
                break;
            case GOOGLE:
                req.add(new String[] {"user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"});
                req.add(new String[] {"via", "1.1 google"});
                req.add(new String[] {"x-cloud-trace-context", hex(r, 32) + "/" + Math.abs(r.nextLong()) + ";o=1"});
                req.add(new String[] {"x-forwarded-for", "203.0.113." + r.nextInt(250) + ", 34.117.0.1"});
                req.add(new String[] {"x-forwarded-proto", "https"});
                client = "35.191." + r.nextInt(256) + "." + r.nextInt(256);
                break;
            case AZURE:
                req.add(new String[] {"user-agent", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile"});
                // Front Door appends "Via: 1.1 Azure" to every backend request (learn.microsoft.com,
                // "Protocol support for HTTP headers in Azure Front Door")
                req.add(new String[] {"via", "1.1 Azure"});
                req.add(new String[] {"x-azure-ref", "0" + base64(r, 20) + "RlJBMzFFREdFMDMxMgA" + hex(r, 24)});
                req.add(new String[] {"x-azure-fdid", hex(r, 8) + "-" + hex(r, 4) + "-" + hex(r, 4) + "-" + hex(r, 4) + "-" + hex(r, 12)});
                req.add(new String[] {"x-forwarded-host", "www.example.com"});
                req.add(new String[] {"x-forwarded-for", "203.0.113." + r.nextInt(250)});
                client = "147.243." + r.nextInt(256) + "." + r.nextInt(256);
                break;
            case VARNISH:
            default:
                req.add(new String[] {"user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"});
                req.add(new String[] {"via", "1.1 varnish-" + pop.toLowerCase() + "-" + r.nextInt(9) + " (Varnish/7.4)"});
                req.add(new String[] {"x-varnish", Integer.toString(1_000_000 + r.nextInt(9_000_000))});
                req.add(new String[] {"x-forwarded-for", "203.0.113." + r.nextInt(250)});
                client = "10.0." + r.nextInt(256) + "." + r.nextInt(256);
                break;
        }
        boolean conditional = r.nextInt(3) == 0;
        if (conditional) {
            if (r.nextBoolean()) {
                req.add(new String[] {"if-none-match", "\"" + hex(r, 16) + "\""});
            } else {
                req.add(new String[] {"if-modified-since", "Sun, 22 Nov 2026 08:12:31 GMT"});
            }
        }
        int roll = r.nextInt(10);
        int status = conditional && roll < 8 ? 304 : roll == 9 ? 404 : 200;

        List<String[]> resp = new ArrayList<>();
        resp.add(new String[] {"content-type", contentType(path)});
        String cc = cacheControl != null ? cacheControl : CACHE_CONTROL[r.nextInt(CACHE_CONTROL.length)];
        if (status == 404) {
            cc = "public, max-age=60";
        }
        if (cc != null) {
            resp.add(new String[] {"cache-control", cc});
            if (r.nextInt(8) == 0) {
                resp.add(new String[] {"cdn-cache-control", "max-age=86400"});
            } else if (r.nextInt(8) == 0) {
                resp.add(new String[] {"surrogate-control", "max-age=7200, stale-if-error=86400"});
            }
        } else {
            resp.add(new String[] {"date", "Mon, 23 Nov 2026 21:00:00 GMT"});
            resp.add(new String[] {"expires", "Mon, 23 Nov 2026 22:00:00 GMT"});
        }
        resp.add(new String[] {"etag", "\"" + hex(r, 16) + "\""});
        resp.add(new String[] {"last-modified", "Sun, 22 Nov 2026 08:12:31 GMT"});
        resp.add(new String[] {"vary", "Accept-Encoding"});
        long bytes = status == 304 ? 0 : status == 404 ? 153 : 1_000 + r.nextInt(400_000);
        long nanos = 150_000 + (long) (Math.abs(r.nextGaussian()) * 8_000_000);
        return new BenchExchange(path, status, bytes, nanos, new ArrayHeaders(req), new ArrayHeaders(resp), client);
    }

    private static String contentType(String path) {
        if (path.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (path.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        if (path.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (path.endsWith(".webp") || path.endsWith(".jpg")) {
            return "image/webp";
        }
        return "application/octet-stream";
    }

    static String hex(Random r, int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append("0123456789abcdef".charAt(r.nextInt(16)));
        }
        return sb.toString();
    }

    static String base64(Random r, int n) {
        String a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        StringBuilder sb = new StringBuilder(n + 2);
        for (int i = 0; i < n; i++) {
            sb.append(a.charAt(r.nextInt(a.length())));
        }
        return sb.append("==").toString();
    }

    /**
     * An allocation-free {@link HeaderSource}: a small fixed array of name/value pairs with the names'
     * hash codes, scanned linearly (the lookup name's cached {@link String#hashCode()} first, then the
     * name), as a small server-side header map would.
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

    /** An exchange over {@link ArrayHeaders}; optionally names a backend and a failure (set in setup only). */
    static final class BenchExchange implements Exchange {
        final String path;
        final int status;
        final long bytes;
        final long nanos;
        final ArrayHeaders request;
        final ArrayHeaders response;
        final String client;
        String backend;
        UpstreamFailure failure;

        BenchExchange(String path, int status, long bytes, long nanos, ArrayHeaders request, ArrayHeaders response,
                String client) {
            this.path = path;
            this.status = status;
            this.bytes = bytes;
            this.nanos = nanos;
            this.request = request;
            this.response = response;
            this.client = client;
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
            return client;
        }

        @Override
        public String backend() {
            return backend;
        }

        @Override
        public UpstreamFailure failure() {
            return failure;
        }

        /** A copy with another status and byte count (same headers, path and duration). */
        BenchExchange withStatus(int newStatus, long newBytes) {
            BenchExchange e = new BenchExchange(path, newStatus, newBytes, nanos, request, response, client);
            e.backend = backend;
            e.failure = failure;
            return e;
        }
    }
}
