package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cdnguard.Cdn;
import io.cdnguard.CheckResult;
import io.cdnguard.HealthReport;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.internal.PrometheusTextTestParser.Family;
import io.cdnguard.internal.PrometheusTextTestParser.Sample;
import io.cdnguard.testing.FakeSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    static final long T = 1_795_000_000_000L;

    /** A snapshot with something in every family. */
    static FakeSnapshot busySnapshot() {
        FakeSnapshot s = new FakeSnapshot(T).startMillis(T - 60_000)
                .cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS, 1000)
                .cdnFetches(Cdn.CLOUDFRONT, StatusClass.SERVER_ERROR, 7)
                .cdnFetches(Cdn.FASTLY, StatusClass.REDIRECTION, 30)
                .revalidations(Cdn.FASTLY, 30)
                .otherRequests(RequestKind.PROBE, 12)
                .otherRequests(RequestKind.DIRECT, 3)
                .misc(2, 1, 123_456_789L)
                .upstreamFailures(UpstreamFailure.CONNECT_REFUSED, 4)
                .upstreamFailures(UpstreamFailure.NO_BACKEND, 2)
                .backend("asset-1", true, 500, Map.of(UpstreamFailure.CONNECT_REFUSED, 4L))
                .backend("asset-2", true, 0, Map.of())
                .backend("stray", false, 9, Map.of())
                .unknownBackendOverflow(5)
                .pop(Cdn.CLOUDFRONT, "FRA", 600)
                .pop(Cdn.CLOUDFRONT, "LHR", 400)
                .popOverflow(3)
                .latency(new FakeSnapshot.Histogram(new double[] {0.005, 0.01, 0.1, 1, 10})
                        .add(0.001).add(0.007).add(0.05).add(0.05).add(2).add(30))
                .expiry(new FakeSnapshot.Expiry().within(0, 1).within(1, 2).within(2, 3).within(3, 10).within(4, 20).within(5, 40)
                        .set(3, 90_500, 100, 97, 4096));
        return s;
    }

    static HealthReport busyReport() {
        Map<String, CheckResult> checks = new LinkedHashMap<>();
        checks.put("cdn-errors", CheckResult.up("ok"));
        checks.put("cdn-traffic", CheckResult.degraded("quiet"));
        return HealthReport.of(T, checks);
    }

    private static Map<String, Family> render(FakeSnapshot s, HealthReport r) {
        return PrometheusTextTestParser.parse(PrometheusText.render(s, r));
    }

    private static double value(Family f, String... labels) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            want.put(labels[i], labels[i + 1]);
        }
        List<Sample> hits = f.samples.stream().filter(x -> x.labels.equals(want)).collect(Collectors.toList());
        assertThat(hits).as("%s%s", f.name, want).hasSize(1);
        return hits.get(0).value;
    }

    @Test
    void render_parsesBack_withHelpAndTypeOncePerFamily() {
        Map<String, Family> fams = render(busySnapshot(), busyReport());
        assertThat(fams.keySet()).contains("cdnguard_cdn_fetches_total", "cdnguard_revalidations_total",
                "cdnguard_other_requests_total", "cdnguard_aborted_total", "cdnguard_invalid_total",
                "cdnguard_cdn_bytes_total", "cdnguard_upstream_failures_total", "cdnguard_upstream_failures_by_kind_total",
                "cdnguard_backend_exchanges_total", "cdnguard_cdn_pop_fetches_total", "cdnguard_cache_expiring",
                "cdnguard_cache_overdue", "cdnguard_cache_oldest_overdue_seconds", "cdnguard_cache_tracked_assets",
                "cdnguard_fetch_duration_seconds", "cdnguard_freshness_lifetime_seconds", "cdnguard_check_status",
                "cdnguard_status");
        for (Family f : fams.values()) {
            assertThat(f.samples).as(f.name).isNotEmpty();
            if (f.type.equals("counter")) {
                assertThat(f.name).endsWith("_total");
            }
        }
    }

    @Test
    void render_everyCdnAndStatusClass_isExportedWithZeros() {
        Family f = render(busySnapshot(), busyReport()).get("cdnguard_cdn_fetches_total");
        assertThat(f.samples).hasSize(Cdn.values().length * StatusClass.values().length);
        assertThat(value(f, "cdn", "cloudfront", "status", "2xx")).isEqualTo(1000);
        assertThat(value(f, "cdn", "cloudfront", "status", "5xx")).isEqualTo(7);
        assertThat(value(f, "cdn", "akamai", "status", "5xx")).isZero();
        assertThat(value(f, "cdn", "other", "status", "1xx")).isZero();
    }

    @Test
    void render_countersAndGauges_carrySnapshotValues() {
        Map<String, Family> fams = render(busySnapshot(), busyReport());
        assertThat(value(fams.get("cdnguard_revalidations_total"), "cdn", "fastly")).isEqualTo(30);
        assertThat(value(fams.get("cdnguard_other_requests_total"), "kind", "probe")).isEqualTo(12);
        assertThat(value(fams.get("cdnguard_other_requests_total"), "kind", "self")).isZero();
        assertThat(fams.get("cdnguard_other_requests_total").samples).hasSize(3);
        assertThat(value(fams.get("cdnguard_aborted_total"))).isEqualTo(2);
        assertThat(value(fams.get("cdnguard_invalid_total"))).isEqualTo(1);
        assertThat(value(fams.get("cdnguard_cdn_bytes_total"))).isEqualTo(123_456_789);
        assertThat(value(fams.get("cdnguard_upstream_failures_by_kind_total"), "kind", "no_backend")).isEqualTo(2);
        assertThat(value(fams.get("cdnguard_unknown_backend_overflow_total"))).isEqualTo(5);
        assertThat(value(fams.get("cdnguard_cdn_pop_fetches_total"), "cdn", "cloudfront", "pop", "LHR")).isEqualTo(400);
        assertThat(value(fams.get("cdnguard_cdn_pop_overflow_total"))).isEqualTo(3);
        assertThat(fams.get("cdnguard_cdn_pop_overflow_total").type).isEqualTo("counter");
        assertThat(value(fams.get("cdnguard_cache_expiring"), "within", "24h")).isEqualTo(40);
        assertThat(fams.get("cdnguard_cache_expiring").samples).hasSize(6);
        assertThat(value(fams.get("cdnguard_cache_overdue"))).isEqualTo(3);
        assertThat(value(fams.get("cdnguard_cache_oldest_overdue_seconds"))).isCloseTo(90.5, within(1e-9));
        assertThat(value(fams.get("cdnguard_cache_tracked_assets"))).isEqualTo(4096);
        assertThat(value(fams.get("cdnguard_cache_due_total"))).isEqualTo(100);
        assertThat(value(fams.get("cdnguard_cache_refetched_total"))).isEqualTo(97);
        assertThat(value(fams.get("cdnguard_start_time_seconds"))).isEqualTo((T - 60_000) / 1000.0);
    }

    @Test
    void render_backends_everyKindExportedIncludingIdleExpectedBackend() {
        Map<String, Family> fams = render(busySnapshot(), busyReport());
        Family failures = fams.get("cdnguard_upstream_failures_total");
        assertThat(failures.samples).hasSize(3 * UpstreamFailure.values().length);
        assertThat(value(failures, "backend", "asset-1", "kind", "connect_refused")).isEqualTo(4);
        assertThat(value(failures, "backend", "asset-2", "kind", "reset")).isZero();
        Family exchanges = fams.get("cdnguard_backend_exchanges_total");
        assertThat(value(exchanges, "backend", "asset-2", "expected", "true")).isZero();
        assertThat(value(exchanges, "backend", "stray", "expected", "false")).isEqualTo(9);
    }

    @Test
    void render_statusGauges_useCodes() {
        Map<String, Family> fams = render(busySnapshot(), busyReport());
        assertThat(value(fams.get("cdnguard_status"))).isEqualTo(1);
        assertThat(value(fams.get("cdnguard_check_status"), "check", "cdn-errors")).isZero();
        assertThat(value(fams.get("cdnguard_check_status"), "check", "cdn-traffic")).isEqualTo(1);
        assertThat(value(fams.get("cdnguard_last_evaluation_timestamp_seconds"))).isEqualTo(T / 1000.0);
    }

    @Test
    void render_histogram_isCumulativeWithInfEqualToCount() {
        FakeSnapshot s = busySnapshot();
        Map<String, Family> fams = render(s, busyReport());
        for (String name : List.of("cdnguard_fetch_duration_seconds", "cdnguard_freshness_lifetime_seconds")) {
            Family f = fams.get(name);
            assertThat(f.type).isEqualTo("histogram");
            List<Sample> buckets = f.samples.stream().filter(x -> x.name.endsWith("_bucket")).collect(Collectors.toList());
            double prevLe = Double.NEGATIVE_INFINITY;
            double prevCount = 0;
            for (Sample b : buckets) {
                double le = b.labels.get("le").equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.labels.get("le"));
                assertThat(le).as(name).isGreaterThan(prevLe);
                assertThat(b.value).as(name).isGreaterThanOrEqualTo(prevCount);
                prevLe = le;
                prevCount = b.value;
            }
            assertThat(buckets.get(buckets.size() - 1).labels.get("le")).isEqualTo("+Inf");
            double count = f.samples.stream().filter(x -> x.name.equals(name + "_count")).findFirst().orElseThrow().value;
            assertThat(prevCount).isEqualTo(count);
        }
        Family latency = fams.get("cdnguard_fetch_duration_seconds");
        assertThat(value(latency.samples.stream().filter(x -> x.name.endsWith("_bucket")).collect(Collectors.toList()), "le", "0.01"))
                .isEqualTo(2);
        assertThat(value(latency.samples.stream().filter(x -> x.name.endsWith("_count")).collect(Collectors.toList())))
                .isEqualTo(6).isEqualTo(s.latency().count());
        assertThat(value(latency.samples.stream().filter(x -> x.name.endsWith("_sum")).collect(Collectors.toList())))
                .isCloseTo(s.latency().sum(), within(1e-9));
    }

    private static double value(List<Sample> samples, String... labels) {
        Family f = new Family("x");
        f.samples.addAll(samples);
        return value(f, labels);
    }

    @Test
    void render_hostileLabelValues_areEscapedAndParseBack() {
        String hostile = "we\"ird\\name\nwith </script> & \u00fc";
        FakeSnapshot s = new FakeSnapshot(T).backend(hostile, false, 3, Map.of()).pop(Cdn.FASTLY, hostile, 2);
        HealthReport r = HealthReport.of(T, Map.of(hostile, CheckResult.down("x")));
        String text = PrometheusText.render(s, r);

        assertThat(text).contains("we\\\"ird\\\\name\\nwith");
        Map<String, Family> fams = PrometheusTextTestParser.parse(text);
        assertThat(value(fams.get("cdnguard_backend_exchanges_total"), "backend", hostile, "expected", "false")).isEqualTo(3);
        assertThat(value(fams.get("cdnguard_cdn_pop_fetches_total"), "cdn", "fastly", "pop", hostile)).isEqualTo(2);
        assertThat(value(fams.get("cdnguard_check_status"), "check", hostile)).isEqualTo(2);
    }

    @Test
    void render_expiryThrowing_skipsOnlyTheCacheFamilies() {
        FakeSnapshot s = busySnapshot().expiryThrows(new UnsupportedOperationException("expiry tracker not built yet"));
        Map<String, Family> fams = render(s, busyReport());
        assertThat(fams).doesNotContainKeys("cdnguard_cache_expiring", "cdnguard_cache_overdue");
        assertThat(fams).containsKeys("cdnguard_cdn_fetches_total", "cdnguard_fetch_duration_seconds", "cdnguard_status");
    }

    @Test
    void render_emptySnapshotAndNoReport_isStillValid() {
        Map<String, Family> fams = render(new FakeSnapshot(T), null);
        assertThat(fams).doesNotContainKey("cdnguard_status");
        assertThat(fams.get("cdnguard_cdn_fetches_total").samples).allSatisfy(x -> assertThat(x.value).isZero());
        assertThat(fams.get("cdnguard_upstream_failures_total").samples).isEmpty();
    }

    @Test
    void formatDouble_specialValues() {
        assertThat(PrometheusText.formatDouble(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
        assertThat(PrometheusText.formatDouble(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
        assertThat(PrometheusText.formatDouble(Double.NaN)).isEqualTo("NaN");
        assertThat(PrometheusText.formatDouble(1e-4)).isEqualTo("0.0001");
        assertThat(PrometheusText.formatDouble(3.1536e7)).isEqualTo("31536000.0");
        assertThat(PrometheusText.formatDouble(1_795_000_001.5)).isEqualTo("1795000001.5");
        for (double d : new double[] {1e-7, 1e-12, 0.33, 2.5e20, -4.25, 0, Double.MIN_VALUE, Double.MAX_VALUE}) {
            String f = PrometheusText.formatDouble(d);
            assertThat(f).matches(PrometheusTextTestParser.VALUE);
            assertThat(Double.parseDouble(f)).isEqualTo(d);
        }
    }
}
