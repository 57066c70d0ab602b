package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.BackendStats;
import io.cdnguard.Cdn;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import io.cdnguard.RollingWindow;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CountersTest {

    private static final long T0 = 1_700_000_000_000L; // aligned to 10 s
    private static final long BUCKET = 10_000;

    private final Counters counters = new Counters(T0, BUCKET, 6, List.of("asset-1", "asset-2"), 3, 2, null, 0);

    private void cdn(Cdn cdn, int status) {
        counters.recordClassified(RequestKind.CDN, cdn, status, 100, 1_000_000, false, Counters.NO_TTL, 0, "/a",
                false, null, null);
    }

    private void other(RequestKind kind) {
        counters.recordClassified(kind, null, 200, 10, 1_000, false, Counters.NO_TTL, 0, "/", false, null, null);
    }

    private void gateway(String backend, UpstreamFailure failure) {
        counters.recordClassified(RequestKind.CDN, Cdn.FASTLY, failure == null ? 200 : 502, 0, 1_000, false,
                Counters.NO_TTL, 0, "/", false, backend, failure);
    }

    private long[] cdnPerBucket(RollingWindow w) {
        long[] r = new long[w.buckets()];
        for (int i = 0; i < r.length; i++) {
            r[i] = w.cdnFetches(i);
        }
        return r;
    }

    @Test
    void record_cdnFetch_countsLifetimeAndCurrentBucket() {
        cdn(Cdn.CLOUDFRONT, 200);
        cdn(Cdn.CLOUDFRONT, 503);
        cdn(Cdn.FASTLY, 304);
        other(RequestKind.PROBE);
        other(RequestKind.DIRECT);
        other(RequestKind.DIRECT);

        GuardSnapshotImpl s = counters.snapshot();

        assertThat(s.cdnFetches()).isEqualTo(3);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT)).isEqualTo(2);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SERVER_ERROR)).isEqualTo(1);
        assertThat(s.cdnFetches(Cdn.FASTLY, StatusClass.REDIRECTION)).isEqualTo(1);
        assertThat(s.otherRequests(RequestKind.PROBE)).isEqualTo(1);
        assertThat(s.otherRequests(RequestKind.DIRECT)).isEqualTo(2);
        assertThat(s.otherRequests(RequestKind.CDN)).isEqualTo(3);
        assertThat(s.cdnBytes()).isEqualTo(300);
        assertThat(s.latency().count()).isEqualTo(3);
        assertThat(s.latency().sum()).isCloseTo(0.003, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.window().cdnFetches(0)).isEqualTo(3);
        assertThat(s.window().cdnFetches(0, StatusClass.SERVER_ERROR)).isEqualTo(1);
        assertThat(s.window().otherRequests(0, RequestKind.DIRECT)).isEqualTo(2);
        assertThat(s.window().cdnFetches(1)).isZero();
        assertThat(s.window().currentBucketStartMillis()).isEqualTo(T0);
        assertThat(s.timeMillis()).isEqualTo(T0);
        assertThat(s.startMillis()).isEqualTo(T0);
    }

    @Test
    void tick_bucketEnds_countsMoveToBucketOneAndExpireAfterWindow() {
        cdn(Cdn.AKAMAI, 200);
        counters.tick(T0 + BUCKET - 1);
        assertThat(counters.snapshot().window().cdnFetches(0)).isEqualTo(1);

        counters.tick(T0 + BUCKET);
        cdn(Cdn.AKAMAI, 200);
        cdn(Cdn.AKAMAI, 200);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(cdnPerBucket(s.window())).containsExactly(2, 1, 0, 0, 0, 0);
        assertThat(s.window().currentBucketStartMillis()).isEqualTo(T0 + BUCKET);

        counters.tick(T0 + 2 * BUCKET + 5);
        cdn(Cdn.AKAMAI, 500);
        s = counters.snapshot();
        assertThat(cdnPerBucket(s.window())).containsExactly(1, 2, 1, 0, 0, 0);
        assertThat(s.window().cdnFetchesLast(2)).isEqualTo(3);
        assertThat(s.window().cdnFetchesLast(2, StatusClass.SERVER_ERROR)).isEqualTo(1);

        long lifetimeBefore = s.cdnFetches();
        // bucket 0 of T0 is 6 buckets old at T0 + 6 * BUCKET: gone from the window
        counters.tick(T0 + 6 * BUCKET);
        s = counters.snapshot();
        assertThat(cdnPerBucket(s.window())).containsExactly(0, 0, 0, 0, 1, 2);
        assertThat(s.cdnFetches()).isEqualTo(lifetimeBefore);
        counters.tick(T0 + 8 * BUCKET);
        s = counters.snapshot();
        assertThat(cdnPerBucket(s.window())).containsExactly(0, 0, 0, 0, 0, 0);
        assertThat(s.cdnFetches()).isEqualTo(4);
    }

    @Test
    void tick_jumpOfManyWindows_emptiesWindowAndKeepsLifetime() {
        cdn(Cdn.FASTLY, 200);
        counters.tick(T0 + BUCKET);
        cdn(Cdn.FASTLY, 200);
        counters.tick(T0 + 1_000 * BUCKET + 3);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(cdnPerBucket(s.window())).containsOnly(0);
        assertThat(s.window().currentBucketStartMillis()).isEqualTo(T0 + 1_000 * BUCKET);
        assertThat(s.cdnFetches()).isEqualTo(2);
        assertThat(s.timeMillis()).isEqualTo(T0 + 1_000 * BUCKET + 3);

        cdn(Cdn.FASTLY, 200);
        counters.tick(T0 + 1_002 * BUCKET);
        assertThat(cdnPerBucket(counters.snapshot().window())).containsExactly(0, 0, 1, 0, 0, 0);
    }

    @Test
    void tick_jumpOfExactlyTheWindow_keepsOnlyTheNewBuckets() {
        cdn(Cdn.FASTLY, 200);
        counters.tick(T0 + 5 * BUCKET);
        assertThat(cdnPerBucket(counters.snapshot().window())).containsExactly(0, 0, 0, 0, 0, 1);
        counters.tick(T0 + 6 * BUCKET);
        assertThat(cdnPerBucket(counters.snapshot().window())).containsOnly(0);
    }

    @Test
    void tick_clockStepsBackLessThanABucket_neitherRotatesNorMovesClockBack() {
        counters.tick(T0 + BUCKET + 500);
        cdn(Cdn.FASTLY, 200);
        counters.tick(T0 + BUCKET - 4_000);
        cdn(Cdn.FASTLY, 200);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.window().currentBucketStartMillis()).isEqualTo(T0 + BUCKET);
        assertThat(s.timeMillis()).isEqualTo(T0 + BUCKET + 500);
        assertThat(cdnPerBucket(s.window())).containsExactly(2, 0, 0, 0, 0, 0);
    }

    @Test
    void tick_clockStepsBackAnHour_startsNewBucketAtNewTimeWithoutLosingCounts() {
        counters.tick(T0 + 2 * BUCKET);
        cdn(Cdn.FASTLY, 200);
        counters.tick(T0 + 2 * BUCKET - 3_600_000L);
        cdn(Cdn.FASTLY, 200);
        cdn(Cdn.FASTLY, 200);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.window().currentBucketStartMillis()).isEqualTo(T0 + 2 * BUCKET - 3_600_000L);
        assertThat(s.timeMillis()).isEqualTo(T0 + 2 * BUCKET - 3_600_000L);
        assertThat(cdnPerBucket(s.window())).containsExactly(2, 1, 0, 0, 0, 0);
        assertThat(s.cdnFetches()).isEqualTo(3);

        counters.tick(T0 + 3 * BUCKET - 3_600_000L);
        assertThat(cdnPerBucket(counters.snapshot().window())).containsExactly(0, 2, 1, 0, 0, 0);
    }

    @Test
    void tick_absurdTimes_neverThrowAndRecover() {
        cdn(Cdn.FASTLY, 200);
        counters.tick(-1);
        counters.tick(Long.MIN_VALUE);
        assertThat(counters.snapshot().window().currentBucketStartMillis()).isEqualTo(T0);
        counters.tick(Long.MAX_VALUE);
        counters.tick(T0 + 3 * BUCKET);
        cdn(Cdn.FASTLY, 200);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.window().currentBucketStartMillis()).isEqualTo(T0 + 3 * BUCKET);
        assertThat(s.window().cdnFetches(0)).isEqualTo(1);
        assertThat(s.cdnFetches()).isEqualTo(2);
    }

    @Test
    void snapshot_lifetimeTotals_neverDecreaseAcrossRotations() {
        long previous = 0;
        long recorded = 0;
        for (int b = 0; b < 20; b++) {
            for (int i = 0; i <= b % 3; i++) {
                cdn(Cdn.CLOUDFLARE, 200);
                recorded++;
            }
            counters.tick(T0 + b * BUCKET + 1);
            GuardSnapshotImpl s = counters.snapshot();
            assertThat(s.cdnFetches()).isGreaterThanOrEqualTo(previous);
            assertThat(s.window().cdnFetchesLast(6)).isLessThanOrEqualTo(s.cdnFetches());
            previous = s.cdnFetches();
        }
        assertThat(previous).isEqualTo(recorded);
    }

    @Test
    void record_invalidStatus_countsInvalidOnlyButKeepsGatewayCounts() {
        counters.recordClassified(RequestKind.CDN, Cdn.FASTLY, 0, 10, 10, false, Counters.NO_TTL, 0, "/", true,
                "asset-1", UpstreamFailure.CONNECT_REFUSED);
        counters.recordClassified(RequestKind.CDN, Cdn.FASTLY, 600, 10, 10, false, Counters.NO_TTL, 0, "/", false,
                null, null);
        counters.recordClassified(RequestKind.DIRECT, null, -1, 10, 10, false, Counters.NO_TTL, 0, "/", false, null,
                null);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.invalid()).isEqualTo(3);
        assertThat(s.cdnFetches()).isZero();
        assertThat(s.otherRequests(RequestKind.DIRECT)).isZero();
        assertThat(s.aborted()).isEqualTo(1);
        assertThat(s.upstreamFailures(UpstreamFailure.CONNECT_REFUSED)).isEqualTo(1);
        assertThat(s.backends().get(0).failures(UpstreamFailure.CONNECT_REFUSED)).isEqualTo(1);
    }

    @Test
    void record_revalidationAndTtl_fillRevalidationsAndFreshness() {
        counters.recordClassified(RequestKind.CDN, Cdn.CLOUDFRONT, 304, 0, 2_000_000, true, 3600, 0, "/app.js",
                false, null, null);
        counters.recordClassified(RequestKind.CDN, Cdn.CLOUDFRONT, 200, 5_000, 2_000_000, false, -1, 0, "/x",
                false, null, null);
        counters.recordClassified(RequestKind.CDN, Cdn.CLOUDFRONT, 200, 5_000, 2_000_000, false, 60, 0, "/y",
                false, null, null);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.revalidations(Cdn.CLOUDFRONT)).isEqualTo(1);
        assertThat(s.revalidations(Cdn.FASTLY)).isZero();
        assertThat(s.window().revalidations(0)).isEqualTo(1);
        assertThat(s.freshness().count()).isEqualTo(2);
        assertThat(s.freshness().sum()).isEqualTo(3660.0);
    }

    @Test
    void record_absurdValues_areClampedNotOverflowed() {
        counters.recordClassified(RequestKind.CDN, Cdn.CLOUDFRONT, 200, Long.MAX_VALUE, Long.MAX_VALUE, false,
                Long.MAX_VALUE, 0, "/", false, null, null);
        counters.recordClassified(RequestKind.CDN, Cdn.CLOUDFRONT, 200, Long.MAX_VALUE, Long.MAX_VALUE, false,
                Long.MAX_VALUE, 0, "/", false, null, null);
        counters.recordClassified(RequestKind.CDN, Cdn.CLOUDFRONT, 200, -5, -5, false, Counters.NO_TTL, 0, "/",
                false, null, null);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.cdnBytes()).isPositive();
        assertThat(s.latency().sum()).isPositive();
        assertThat(s.latency().count()).isEqualTo(2);
        assertThat(s.latency().count(s.latency().bucketCount() - 1)).isEqualTo(2);
        assertThat(s.freshness().sum()).isPositive();
    }

    @Test
    void backends_expectedFirstThenUnknownUpToCapThenOverflow() {
        gateway("asset-2", null);
        gateway("new-1", null);
        gateway("new-2", UpstreamFailure.RESET);
        gateway("asset-1", UpstreamFailure.CONNECT_TIMEOUT);
        gateway("new-3", null);
        gateway("new-4", null);
        gateway("new-5", UpstreamFailure.RESET);
        gateway("new-1", null);
        gateway(null, UpstreamFailure.NO_BACKEND);

        GuardSnapshotImpl s = counters.snapshot();
        List<String> names = s.backends().stream().map(BackendStats::name).collect(Collectors.toList());
        assertThat(names).containsExactly("asset-1", "asset-2", "new-1", "new-2", "new-3");
        assertThat(s.backends()).extracting(BackendStats::expected).containsExactly(true, true, false, false, false);
        assertThat(s.backends().get(0).exchanges()).isEqualTo(1);
        assertThat(s.backends().get(0).failures(UpstreamFailure.CONNECT_TIMEOUT)).isEqualTo(1);
        assertThat(s.backends().get(2).exchanges()).isEqualTo(2);
        assertThat(s.backends().get(3).failures()).isEqualTo(1);
        assertThat(s.unknownBackendOverflow()).isEqualTo(2);
        assertThat(s.upstreamFailures()).isEqualTo(4);
        assertThat(s.upstreamFailures(UpstreamFailure.RESET)).isEqualTo(2);
        assertThat(s.upstreamFailures(UpstreamFailure.NO_BACKEND)).isEqualTo(1);
        assertThat(s.backendExchanges()).isEqualTo(9);
        assertThat(s.window().backendExchanges(0)).isEqualTo(9);
        assertThat(s.window().upstreamFailures(0)).isEqualTo(4);
    }

    @Test
    void backends_noneRecorded_expectedStillListedWithZeros() {
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.backends()).extracting(BackendStats::name).containsExactly("asset-1", "asset-2");
        assertThat(s.backends()).extracting(BackendStats::exchanges).containsOnly(0L);
    }

    @Test
    void pops_cappedAndOverflowCounted() {
        long fra = code("FRA");
        long iad = code("IAD");
        long nrt = code("NRT");
        pop(Cdn.CLOUDFRONT, fra);
        pop(Cdn.CLOUDFRONT, fra);
        pop(Cdn.FASTLY, fra); // same code, other CDN: a distinct POP
        pop(Cdn.CLOUDFRONT, iad);
        pop(Cdn.CLOUDFRONT, nrt);
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(s.pops()).extracting(PopStats::pop).containsExactly("FRA", "FRA");
        assertThat(s.pops()).extracting(PopStats::cdn).containsExactly(Cdn.CLOUDFRONT, Cdn.FASTLY);
        assertThat(s.pops()).extracting(PopStats::fetches).containsExactly(2L, 1L);
        assertThat(s.popOverflow()).isEqualTo(2);
    }

    private void pop(Cdn cdn, long code) {
        counters.recordClassified(RequestKind.CDN, cdn, 200, 1, 1, false, Counters.NO_TTL, code, "/", false, null,
                null);
    }

    private static long code(String s) {
        long c = 0;
        for (int i = 0; i < s.length(); i++) {
            c = (c << 8) | s.charAt(i);
        }
        return c;
    }

    @Test
    void hashPath_isStableAndSpreads() {
        assertThat(Counters.hashPath("/app.js")).isEqualTo(Counters.hashPath(new StringBuilder("/app.js")));
        assertThat(Counters.hashPath("/app.js")).isNotEqualTo(Counters.hashPath("/app.jt"));
        assertThat(Counters.hashPath(null)).isZero();
        java.util.Set<Long> low = new java.util.HashSet<>();
        for (int i = 0; i < 1024; i++) {
            low.add(Counters.hashPath("/img/" + i + ".png") & 1023);
        }
        assertThat(low.size()).isGreaterThan(550); // ~1024 * (1 - 1/e) expected for a uniform hash
    }

    @Test
    void stripes_arePowerOfTwoAtLeastTwiceProcessors() {
        int n = counters.stripes();
        assertThat(Integer.bitCount(n)).isEqualTo(1);
        assertThat(n).isGreaterThanOrEqualTo(Math.min(64, 2 * Runtime.getRuntime().availableProcessors()));
        assertThat(new Counters(T0, BUCKET, 6, List.of(), 0, 0, null, 5).stripes()).isEqualTo(8);
        assertThat(new Counters(T0, BUCKET, 6, List.of(), 0, 0, null, 1).stripes()).isEqualTo(1);
    }

    @Test
    void packedClassification_decodingMatchesRecognizerContract() {
        for (RequestKind k : RequestKind.values()) {
            for (Cdn c : new Cdn[] {null, Cdn.CLOUDFRONT, Cdn.OTHER, Cdn.VARNISH}) {
                int packed = CdnRecognizer.pack(k, c);
                assertThat(Counters.KINDS[packed & 0xF]).isEqualTo(CdnRecognizer.kind(packed));
                int cdn = ((packed >>> 4) & 0xF) - 1;
                assertThat(cdn < 0 ? null : Counters.CDNS[cdn]).isEqualTo(CdnRecognizer.cdn(packed));
            }
        }
    }
}
