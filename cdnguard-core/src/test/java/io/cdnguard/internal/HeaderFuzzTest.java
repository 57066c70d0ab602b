package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.BackendStats;
import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HeaderSource;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.ManualTimeSource;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile exchanges through the public recording path ({@link CdnGuard#record}, {@link
 * CdnGuard#classify}): random and near-valid header values (64 KiB, control characters, NUL, lone
 * surrogates, numbers past {@code Long.MAX_VALUE}), absurd statuses, sizes and durations, header
 * sources and exchanges that throw or lie about their length, and values that never end.
 *
 * <p>Complements {@link CdnRecognizerProperties} and {@link FreshnessProperties} (which fuzz the
 * internals directly): here every exchange must be counted exactly once, in exactly one bucket,
 * nothing may throw into the caller, the bounded tables stay bounded and every label that reaches
 * the outputs is well-formed. Each try runs under {@link Bounded} so a hang fails the property.
 */
class HeaderFuzzTest {

    static final List<String> REQUEST_NAMES = List.of("user-agent", "via", "cdn-loop", "x-amz-cf-id", "x-amz-cf-pop",
            "fastly-ff", "x-served-by", "fastly-client-ip", "x-varnish", "cf-ray", "akamai-origin-hop", "x-azure-ref",
            "x-azure-fdid", "x-fd-healthprobe", "x-cloud-trace-context", "if-none-match", "if-modified-since");

    static final List<String> RESPONSE_NAMES = List.of("cache-control", "cdn-cache-control", "surrogate-control",
            "expires", "date");

    /** Recognition and freshness grammar pieces, valid and broken, plus hostile characters. */
    static final List<String> FRAGMENTS = List.of("1.1 ", "HTTP/1.1 ", ".cloudfront.net", "(CloudFront)",
            "Amazon CloudFront", "cloudflare", "Fastly", "akamai", "(AkamaiGHost)", "google", "Azure", "varnish", "-FRA",
            "!LCY!", "cache-fra19120-FRA", "7a1b2c3d4e5f6a7b", "Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBh==", "FRA56-P5",
            "ELB-HealthChecker/2.0", "kube-probe/", "HAProxy", "max-age", "s-maxage", "no-store", "no-cache", "private",
            "stale-while-revalidate", "stale-if-error", "=", "\"", "\\", ",", ", ", ";", " ", "\t", "(", ")", "!", "-",
            "0", "60", "-5", "99999999999999999999999", "9223372036854775808", "+600",
            "Sun, 06 Nov 1994 08:49:37 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT",
            "\u0000", "\r", "\n", "\u007f", "\uD800", "\uDFFF", "\u2028", "\u00ff", "\uFFFF", "</script>");

    @Provide
    static Arbitrary<String> hostile() {
        Arbitrary<String> random = Arbitraries.strings().all().ofMaxLength(300);
        Arbitrary<String> nearValid = Arbitraries.of(FRAGMENTS).list().ofMaxSize(30).map(l -> String.join("", l));
        Arbitrary<String> huge = Arbitraries.of(FRAGMENTS).list().ofMinSize(1).ofMaxSize(4)
                .map(l -> String.join("", l))
                .map(s -> s.isEmpty() ? "x" : s)
                .map(s -> s.repeat(65_536 / s.length() + 1));
        Arbitrary<String> controls = Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMaxLength(64);
        Arbitrary<String> surrogates = Arbitraries.strings().withCharRange('\uD800', '\uDFFF').ofMaxLength(64);
        Arbitrary<String> hugeNumber = Arbitraries.integers().between(19, 5000)
                .map(n -> "max-age=" + "9".repeat(n));
        Arbitrary<String> thousands = Arbitraries.of(FRAGMENTS).list().ofMinSize(1).ofMaxSize(3)
                .map(l -> (String.join("", l) + ",").repeat(3000));
        return Arbitraries.frequencyOf(Tuple.of(6, random), Tuple.of(12, nearValid), Tuple.of(1, huge),
                Tuple.of(2, controls), Tuple.of(2, surrogates), Tuple.of(1, hugeNumber), Tuple.of(1, thousands),
                Tuple.of(1, Arbitraries.just("")));
    }

    @Provide
    static Arbitrary<Map<String, String>> requestHeaders() {
        return Arbitraries.maps(Arbitraries.of(REQUEST_NAMES), hostile()).ofMaxSize(8).map(HashMap::new);
    }

    @Provide
    static Arbitrary<Map<String, String>> responseHeaders() {
        return Arbitraries.maps(Arbitraries.of(RESPONSE_NAMES), hostile()).ofMaxSize(5).map(HashMap::new);
    }

    /** How an exchange misbehaves. */
    enum Mode {
        /** A plain exchange with hostile values. */
        PLAIN,
        /** Request header lookups throw a RuntimeException. */
        REQUEST_HEADERS_THROW,
        /** Response header lookups throw an Error. */
        RESPONSE_HEADERS_THROW_ERROR,
        /** Header values claim a length they do not have (charAt throws past the real end). */
        LYING_LENGTH,
        /** Header values are endless (length Integer.MAX_VALUE, computed characters). */
        ENDLESS,
        /** {@link Exchange#status()} throws. */
        STATUS_THROWS,
        /** {@link Exchange#requestHeaders()} and {@link Exchange#responseHeaders()} return null. */
        NULL_SOURCES
    }

    /** A configurable, possibly hostile exchange. */
    static final class Fx implements Exchange {
        Mode mode = Mode.PLAIN;
        String method = "GET";
        String path = "/";
        int status;
        long bytes;
        long duration;
        Map<String, String> req = Map.of();
        Map<String, String> resp = Map.of();
        String client;
        boolean aborted;
        String backend;
        UpstreamFailure failure;

        @Override
        public String method() {
            return method;
        }

        @Override
        public CharSequence path() {
            return path;
        }

        @Override
        public int status() {
            if (mode == Mode.STATUS_THROWS) {
                throw new IllegalStateException("status unavailable");
            }
            return status;
        }

        @Override
        public long responseBytes() {
            return bytes;
        }

        @Override
        public long durationNanos() {
            return duration;
        }

        @Override
        public HeaderSource requestHeaders() {
            return mode == Mode.NULL_SOURCES ? null : source(req, false);
        }

        @Override
        public HeaderSource responseHeaders() {
            return mode == Mode.NULL_SOURCES ? null : source(resp, true);
        }

        private HeaderSource source(Map<String, String> map, boolean response) {
            switch (mode) {
                case REQUEST_HEADERS_THROW:
                    if (!response) {
                        return name -> {
                            throw new IllegalArgumentException("broken adapter");
                        };
                    }
                    return map::get;
                case RESPONSE_HEADERS_THROW_ERROR:
                    if (response) {
                        return name -> {
                            throw new StackOverflowError("broken adapter");
                        };
                    }
                    return map::get;
                case LYING_LENGTH:
                    return name -> {
                        String v = map.get(name);
                        return v == null ? null : new Lying(v);
                    };
                case ENDLESS:
                    return name -> map.containsKey(name) ? new Endless(map.get(name)) : null;
                default:
                    return map::get;
            }
        }

        @Override
        public CharSequence clientAddress() {
            return client;
        }

        @Override
        public boolean aborted() {
            return aborted;
        }

        @Override
        public String backend() {
            return backend;
        }

        @Override
        public UpstreamFailure failure() {
            return failure;
        }

        @Override
        public String toString() {
            return "Fx{" + mode + ", status=" + status + ", bytes=" + bytes + ", duration=" + duration + ", path="
                    + abbreviate(path) + ", req=" + abbreviate(String.valueOf(req)) + ", resp="
                    + abbreviate(String.valueOf(resp)) + ", backend=" + abbreviate(backend) + "}";
        }
    }

    static String abbreviate(String s) {
        return s == null || s.length() <= 200 ? s : s.substring(0, 200) + "...(" + s.length() + " chars)";
    }

    /** Claims to be 1 MiB longer than it is; charAt past the real end throws. */
    static final class Lying implements CharSequence {
        private final String s;

        Lying(String s) {
            this.s = s;
        }

        @Override
        public int length() {
            return s.length() + (1 << 20);
        }

        @Override
        public char charAt(int index) {
            return s.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }

    /** A value of length Integer.MAX_VALUE repeating a seed: any scan not bounded by MAX_SCAN never ends. */
    static final class Endless implements CharSequence {
        private final String seed;

        Endless(String seed) {
            this.seed = seed == null || seed.isEmpty() ? "max-age=1, " : seed;
        }

        @Override
        public int length() {
            return Integer.MAX_VALUE;
        }

        @Override
        public char charAt(int index) {
            if (index < 0) {
                throw new IndexOutOfBoundsException(index);
            }
            return seed.charAt(index % seed.length());
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            throw new UnsupportedOperationException("would need " + (end - start) + " chars");
        }

        @Override
        public String toString() {
            throw new UnsupportedOperationException("endless");
        }
    }

    @Provide
    Arbitrary<Integer> statuses() {
        return Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.integers().between(100, 599)),
                Tuple.of(6, Arbitraries.of(200, 200, 304, 206, 404, 500, 502, 503)),
                Tuple.of(2, Arbitraries.integers()),
                Tuple.of(2, Arbitraries.of(0, -1, 99, 600, 1000, Integer.MIN_VALUE, Integer.MAX_VALUE)));
    }

    @Provide
    Arbitrary<Long> absurdLongs() {
        return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.longs()),
                Tuple.of(4, Arbitraries.longs().between(-1, 10_000_000)),
                Tuple.of(2, Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, -1L, 0L, 1L << 40, (1L << 40) + 1)));
    }

    @Provide
    Arbitrary<Fx> exchanges() {
        Arbitrary<String> paths = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.of("/a.js", "/cdnguard/health",
                        "/cdnguard", "/cdnguardx", "/cdnguard/metrics?x", "")),
                Tuple.of(3, hostile()));
        Arbitrary<String> backends = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(null)),
                Tuple.of(3, Arbitraries.of("asset-1", "asset-2")),
                Tuple.of(3, hostile()));
        Arbitrary<UpstreamFailure> failures = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(null)),
                Tuple.of(1, Arbitraries.of(UpstreamFailure.class)));
        Arbitrary<Mode> modes = Arbitraries.frequencyOf(Tuple.of(20, Arbitraries.just(Mode.PLAIN)),
                Tuple.of(1, Arbitraries.of(Mode.class)));
        Arbitrary<String> clients = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.of("130.176.1.2",
                "[2600:9000::1]:443", "::ffff:1.2.3.4", "999.1.1.1"), hostile());
        return Combinators.combine(
                        Combinators.combine(modes, paths, statuses(), absurdLongs(), absurdLongs()).as(Tuple::of),
                        Combinators.combine(requestHeaders(), responseHeaders(), clients, Arbitraries.of(true, false),
                                backends, failures).as(Tuple::of))
                .as((a, b) -> {
                    Fx e = new Fx();
                    e.mode = a.get1();
                    e.path = a.get2();
                    e.status = a.get3();
                    e.bytes = a.get4();
                    e.duration = a.get5();
                    e.req = b.get1();
                    e.resp = b.get2();
                    e.client = b.get3();
                    e.aborted = b.get4();
                    e.backend = b.get5();
                    e.failure = b.get6();
                    return e;
                });
    }

    private static final int MAX_UNKNOWN = 8;
    private static final int MAX_POPS = 8;

    private static CdnGuard guard(ManualTimeSource time) {
        return CdnGuard.builder().timeSource(time).evaluationThread(false)
                .window(Duration.ofSeconds(10), 6)
                .expectBackends("asset-1", "asset-2")
                .maxUnknownBackends(MAX_UNKNOWN).maxPops(MAX_POPS).trackedAssets(64)
                .build();
    }

    @Property(tries = 300)
    void record_hostileExchanges_neverThrow_andEachIsCountedExactlyOnce(
            @ForAll @Size(max = 40) List<@From("exchanges") Fx> exchanges) {
        ManualTimeSource time = new ManualTimeSource(1_700_000_000_000L);
        try (CdnGuard g = guard(time)) {
            long withBackend = 0;
            long withFailure = 0;
            long abortedCount = 0;
            for (Fx e : exchanges) {
                Bounded.run(() -> g.record(e)); // must not throw, whatever e does
                withBackend += e.backend != null ? 1 : 0;
                withFailure += e.failure != null ? 1 : 0;
                abortedCount += e.aborted ? 1 : 0;
                time.advance(Duration.ofSeconds(3));
                g.tick();
            }
            GuardSnapshot s = Bounded.call(g::snapshot);
            long counted = s.cdnFetches() + s.invalid() + s.otherRequests(RequestKind.PROBE)
                    + s.otherRequests(RequestKind.DIRECT) + s.otherRequests(RequestKind.SELF);
            assertThat(counted).as("every exchange counted exactly once").isEqualTo(exchanges.size());
            assertThat(s.aborted()).isEqualTo(abortedCount);
            assertThat(s.upstreamFailures()).isEqualTo(withFailure);
            long perBackend = s.backends().stream().mapToLong(BackendStats::exchanges).sum();
            assertThat(perBackend + s.unknownBackendOverflow()).isEqualTo(withBackend);
            assertThat(s.backends()).hasSizeLessThanOrEqualTo(2 + MAX_UNKNOWN);
            for (BackendStats b : s.backends()) {
                assertThat(b.name().length()).as("kept backend name length").isLessThanOrEqualTo(BackendTable.MAX_UNKNOWN_NAME);
            }
            assertThat(s.pops()).hasSizeLessThanOrEqualTo(MAX_POPS);
            for (PopStats p : s.pops()) {
                assertThat(p.pop()).matches("[A-Z0-9]{1,8}");
                assertThat(p.fetches()).isPositive();
            }
            assertThat(s.cdnBytes()).isNotNegative();
            assertThat(s.freshness().count()).isBetween(0L, s.cdnFetches());
            assertThat(s.freshness().sum()).isBetween(0.0, s.freshness().count() * 10.0 * 31_536_000L);
            assertThat(s.latency().count()).isBetween(0L, s.cdnFetches());
            assertThat(s.latency().sum()).isNotNegative();
            assertThat(s.expiry().tracked()).isBetween(0L, 64L);
            assertThat(s.expiry().overdue()).isNotNegative();
            assertThat(s.expiry().oldestOverdueMillis()).isNotNegative();
            // and every output renders and stays bounded (no label per path or header value)
            String metrics = new String(g.endpoint().handle("GET", "/cdnguard/metrics", null).body(),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertThat(metrics).startsWith("# HELP");
            assertThat(metrics.length()).isLessThan(200_000);
        }
    }

    @Property(tries = 1000)
    void classify_hostileHeaders_isAValidKind_andAgreesWithRecord(@ForAll("requestHeaders") Map<String, String> req,
                                                                 @ForAll boolean endless) {
        ManualTimeSource time = new ManualTimeSource(1_700_000_000_000L);
        try (CdnGuard g = guard(time)) {
            HeaderSource h = endless ? name -> req.containsKey(name) ? new Endless(req.get(name)) : null : req::get;
            RequestKind kind = Bounded.call(() -> g.classify(h, null));
            assertThat(kind).isNotNull();
            Fx e = new Fx();
            e.req = req;
            e.mode = endless ? Mode.ENDLESS : Mode.PLAIN;
            e.status = 200;
            e.path = "/asset.js";
            Bounded.run(() -> g.record(e));
            GuardSnapshot s = g.snapshot();
            long recorded = kind == RequestKind.CDN ? s.cdnFetches() : s.otherRequests(kind);
            assertThat(recorded).as("record files the exchange under the kind classify returns").isEqualTo(1);
            assertThat(s.invalid()).isZero();
        }
    }

    @Test
    void record_absurdlyLongUnknownBackendNames_countedAsOverflow_neverKept() {
        try (CdnGuard g = guard(new ManualTimeSource(1_700_000_000_000L))) {
            for (int i = 0; i < 1000; i++) {
                Fx e = new Fx();
                e.status = 502;
                e.backend = i + "b".repeat(BackendTable.MAX_UNKNOWN_NAME);
                e.failure = UpstreamFailure.CONNECT_REFUSED;
                g.record(e);
            }
            Fx ok = new Fx();
            ok.status = 200;
            ok.backend = "b".repeat(BackendTable.MAX_UNKNOWN_NAME);
            g.record(ok);
            GuardSnapshot s = g.snapshot();
            assertThat(s.unknownBackendOverflow()).isEqualTo(1000);
            assertThat(s.backends()).extracting(BackendStats::name)
                    .containsExactlyInAnyOrder("asset-1", "asset-2", "b".repeat(BackendTable.MAX_UNKNOWN_NAME));
            assertThat(s.upstreamFailures(UpstreamFailure.CONNECT_REFUSED)).isEqualTo(1000);
        }
    }

    @Test
    @Timeout(60)
    void endlessValues_everyHeaderAtOnce_recordAndParseFinish() {
        Map<String, String> all = new HashMap<>();
        for (String n : REQUEST_NAMES) {
            all.put(n, "1.1 a168957bd8c8.cloudfront.net (CloudFront), ");
        }
        HeaderSource endlessReq = name -> all.containsKey(name) ? new Endless(all.get(name)) : null;
        HeaderSource endlessResp = name -> new Endless("public, max-age=60, s-maxage=" + name.length() + ", ");
        long f = Freshness.parse(endlessResp, 0);
        assertThat(Freshness.lifetimeSeconds(f)).isEqualTo("cdn-cache-control".length());
        CdnRecognizer r = new CdnRecognizer(null, "/cdnguard");
        long c = r.classifyWithPop(endlessReq, new Endless("130.176.1.2"), new Endless("/cdnguard"));
        assertThat(CdnRecognizer.kind(CdnRecognizer.classificationOf(c))).isEqualTo(RequestKind.SELF);
        c = r.classifyWithPop(endlessReq, new Endless("130.176.1.2"), new Endless("/a.js"));
        assertThat(CdnRecognizer.kind(CdnRecognizer.classificationOf(c))).isEqualTo(RequestKind.CDN);
        assertThat(HttpDates.parse(new Endless("Sun, 06 Nov 1994 08:49:37 GMT"))).isEqualTo(HttpDates.INVALID);
    }
}
