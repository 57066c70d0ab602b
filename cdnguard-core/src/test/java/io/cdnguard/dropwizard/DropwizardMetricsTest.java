package io.cdnguard.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.cdnguard.Cdn;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.FakeSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class DropwizardMetricsTest {

    private static final long T = 1_795_000_000_000L;

    /** A Dropwizard clock that moves only when told to. */
    static final class ManualClock extends Clock {
        final AtomicLong nanos = new AtomicLong();

        @Override
        public long getTick() {
            return nanos.get();
        }
    }

    private final ManualClock clock = new ManualClock();
    private final AtomicInteger snapshotsTaken = new AtomicInteger();
    private final AtomicReference<FakeSnapshot> current = new AtomicReference<>(snapshot(7));
    private final AtomicReference<HealthReport> report = new AtomicReference<>(report(HealthStatus.DEGRADED));
    private final Supplier<GuardSnapshot> snapshots = () -> {
        snapshotsTaken.incrementAndGet();
        return current.get();
    };

    private static FakeSnapshot snapshot(long errors) {
        return new FakeSnapshot(T)
                .cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS, 100)
                .cdnFetches(Cdn.CLOUDFRONT, StatusClass.SERVER_ERROR, errors)
                .revalidations(Cdn.FASTLY, 3)
                .otherRequests(RequestKind.PROBE, 9)
                .misc(1, 2, 4096)
                .upstreamFailures(UpstreamFailure.RESET, 4)
                .backend("asset-1", true, 50, Map.of(UpstreamFailure.RESET, 4L))
                .latency(new FakeSnapshot.Histogram(new double[] {0.01, 0.1, 1}).add(0.005).add(0.05).add(0.5))
                .expiry(new FakeSnapshot.Expiry().within(5, 12).set(2, 30_000, 0, 0, 99));
    }

    private static HealthReport report(HealthStatus s) {
        Map<String, CheckResult> m = new LinkedHashMap<>();
        m.put("cdn-errors", CheckResult.of(s, "x"));
        m.put("upstream-failures", CheckResult.up("ok"));
        return HealthReport.of(T, m);
    }

    private CdnGuardMetrics metrics() {
        return new CdnGuardMetrics(snapshots, report::get, List.of("cdn-errors", "upstream-failures"),
                CdnGuardMetrics.backendNames(current.get()), clock, 1000);
    }

    private static Object value(MetricRegistry r, String name) {
        Gauge<?> g = r.getGauges().get(name);
        assertThat(g).as(name).isNotNull();
        return g.getValue();
    }

    @Test
    void bindTo_registersGaugesWithSnapshotFigures() {
        MetricRegistry r = new MetricRegistry();
        metrics().bindTo(r);

        assertThat(value(r, CdnGuardMetricNames.CDN_FETCHES.metricName())).isEqualTo(107L);
        assertThat(value(r, "cdnguard.cdn.fetches.cloudfront.5xx")).isEqualTo(7L);
        assertThat(value(r, CdnGuardMetricNames.CDN_FETCHES.metricName("akamai", "2xx"))).isEqualTo(0L);
        assertThat(value(r, CdnGuardMetricNames.CDN_REVALIDATIONS.metricName("fastly"))).isEqualTo(3L);
        assertThat(value(r, CdnGuardMetricNames.OTHER_REQUESTS.metricName("probe"))).isEqualTo(9L);
        assertThat(value(r, CdnGuardMetricNames.CDN_BYTES.metricName())).isEqualTo(4096L);
        assertThat(value(r, CdnGuardMetricNames.ABORTED.metricName())).isEqualTo(1L);
        assertThat(value(r, CdnGuardMetricNames.INVALID.metricName())).isEqualTo(2L);
        assertThat(value(r, CdnGuardMetricNames.UPSTREAM_FAILURES.metricName("reset"))).isEqualTo(4L);
        assertThat(value(r, CdnGuardMetricNames.BACKEND_EXCHANGES.metricName("asset-1"))).isEqualTo(50L);
        assertThat(value(r, CdnGuardMetricNames.BACKEND_FAILURES.metricName("asset-1"))).isEqualTo(4L);
        assertThat(value(r, CdnGuardMetricNames.FETCH_DURATION.metricName("count"))).isEqualTo(3L);
        assertThat(value(r, CdnGuardMetricNames.FETCH_DURATION.metricName("p50"))).isEqualTo(0.1);
        assertThat(value(r, CdnGuardMetricNames.CACHE_EXPIRING.metricName("24h"))).isEqualTo(12L);
        assertThat(value(r, CdnGuardMetricNames.CACHE_OLDEST_OVERDUE_SECONDS.metricName())).isEqualTo(30.0);
        assertThat(value(r, CdnGuardMetricNames.CACHE_TRACKED_ASSETS.metricName())).isEqualTo(99L);
        assertThat(value(r, CdnGuardMetricNames.STATUS.metricName())).isEqualTo(1);
        assertThat(value(r, CdnGuardMetricNames.CHECK_STATUS.metricName("cdn-errors"))).isEqualTo(1);
        assertThat(value(r, CdnGuardMetricNames.CHECK_STATUS.metricName("upstream-failures"))).isEqualTo(0);
        assertThat(r.getNames()).allSatisfy(n -> assertThat(n).startsWith("cdnguard."));
    }

    @Test
    void gauges_shareOneSnapshotUntilItAges() {
        MetricRegistry r = new MetricRegistry();
        metrics().bindTo(r);
        snapshotsTaken.set(0);

        r.getGauges().values().forEach(Gauge::getValue);
        assertThat(snapshotsTaken.get()).isEqualTo(1);

        current.set(snapshot(8));
        assertThat(value(r, "cdnguard.cdn.fetches.cloudfront.5xx")).isEqualTo(7L); // still the shared one
        clock.nanos.addAndGet(1_000_000_000L);
        assertThat(value(r, "cdnguard.cdn.fetches.cloudfront.5xx")).isEqualTo(8L);
        assertThat(snapshotsTaken.get()).isEqualTo(2);
    }

    @Test
    void statusGauges_followTheReport() {
        MetricRegistry r = new MetricRegistry();
        metrics().bindTo(r);
        report.set(report(HealthStatus.DOWN));
        assertThat(value(r, CdnGuardMetricNames.STATUS.metricName())).isEqualTo(2);
        assertThat(value(r, CdnGuardMetricNames.CHECK_STATUS.metricName("cdn-errors"))).isEqualTo(2);
    }

    @Test
    void unreadableFigures_readAsNull_neverThrow() {
        current.set(snapshot(1).expiryThrows(new UnsupportedOperationException("expiry not built")));
        MetricRegistry r = new MetricRegistry();
        metrics().bindTo(r);
        assertThat(value(r, CdnGuardMetricNames.CACHE_OVERDUE.metricName())).isNull();
        assertThat(value(r, CdnGuardMetricNames.CDN_BYTES.metricName())).isEqualTo(4096L);

        CdnGuardMetrics broken = new CdnGuardMetrics(() -> {
            throw new IllegalStateException("no engine");
        }, () -> {
            throw new IllegalStateException("no report");
        }, List.of("x"), List.of(), clock, 1000);
        MetricRegistry r2 = new MetricRegistry();
        broken.bindTo(r2);
        assertThat(r2.getGauges().values()).allSatisfy(g -> assertThat(g.getValue()).isNull());
    }

    @Test
    void bindTo_twice_failsLikeDropwizard() {
        MetricRegistry r = new MetricRegistry();
        metrics().bindTo(r);
        assertThatThrownBy(() -> metrics().bindTo(r)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void metricNames_areUniqueAndDotted() {
        assertThat(CdnGuardMetricNames.values()).extracting(CdnGuardMetricNames::metricName).doesNotHaveDuplicates()
                .allSatisfy(n -> assertThat(n).matches("cdnguard(\\.[a-z0-9-]+)+"));
        assertThat(CdnGuardMetricNames.CDN_FETCHES.metricName("cloudfront", "5xx")).isEqualTo("cdnguard.cdn.fetches.cloudfront.5xx");
    }
}
