package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CdnGuard;
import io.cdnguard.HealthEndpoint;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.MutableExchange;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.internal.PrometheusTextTestParser.Family;
import io.cdnguard.internal.PrometheusTextTestParser.Sample;
import io.cdnguard.testing.ManualTimeSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The health model and exposition through a real {@link CdnGuard} (engine, recogniser, evaluator). */
class HealthEndpointGuardTest {

    private static final long T0 = 1_795_000_000_000L;

    private final ManualTimeSource clock = new ManualTimeSource(T0);
    private CdnGuard guard;

    @AfterEach
    void close() {
        if (guard != null) {
            guard.close();
        }
    }

    static CdnGuard busyGuard(ManualTimeSource clock, String token) {
        CdnGuard g = CdnGuard.builder().timeSource(clock).evaluationThread(false)
                .expectBackends("asset-1", "asset-2").detailsToken(token).build();
        MutableExchange cdn = new MutableExchange();
        for (int i = 0; i < 110; i++) {
            cdn.reset().method("GET").path("/static/app-" + (i % 7) + ".js").status(i < 10 ? 503 : 200).bytes(1000)
                    .durationNanos(3_000_000L).requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-FRA")
                    .responseHeader("cache-control", "public, max-age=3600");
            g.record(cdn);
        }
        MutableExchange gw = new MutableExchange();
        for (int i = 0; i < 20; i++) {
            gw.reset().method("GET").path("/x").status(i < 15 ? 502 : 200).bytes(10).durationNanos(1_000_000L)
                    .requestHeader("user-agent", "curl/8").backend("asset-1")
                    .failure(i < 15 ? UpstreamFailure.CONNECT_REFUSED : null);
            g.record(gw);
        }
        return g;
    }

    private static String body(HealthEndpoint.Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void realGuard_builtInChecksJudgeRecordedTraffic_andEndpointsRenderIt() {
        guard = busyGuard(clock, "tok");
        HealthEndpoint ep = guard.endpoint();
        assertThat(body(ep.handle("GET", "/cdnguard/health/lb", null))).isEqualTo("UP\n"); // nothing evaluated yet

        clock.advance(Duration.ofSeconds(1));
        HealthReport r = guard.evaluateNow();

        assertThat(r.checks().get("upstream-failures").status()).isEqualTo(HealthStatus.DOWN);
        assertThat(r.checks().get("cdn-errors").status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(r.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(guard.health()).isSameAs(r);

        HealthEndpoint.Response lb = ep.handle("GET", "/cdnguard/health/lb", null);
        assertThat(lb.status()).isEqualTo(503);
        assertThat(body(lb)).isEqualTo("DOWN\n");

        Map<String, Object> hidden = HealthJsonTestParser.parseObject(body(ep.handle("GET", "/cdnguard/health", null)));
        assertThat(hidden).containsOnlyKeys("status", "description", "cdnguardStatus", "time").containsEntry("status", "fail");
        Map<String, Object> full = HealthJsonTestParser.parseObject(body(ep.handle("GET", "/cdnguard/health", "Bearer tok")));
        assertThat(full.get("checks")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsKeys("upstream-failures", "cdn-errors");
    }

    @Test
    void realGuard_metricsParseBack_withRecordedFigures() {
        guard = busyGuard(clock, null);
        guard.evaluateNow();
        HealthEndpoint.Response m = guard.endpoint().handle("GET", "/cdnguard/metrics", null);
        assertThat(m.status()).isEqualTo(200);
        Map<String, Family> fams = PrometheusTextTestParser.parse(body(m));

        assertThat(sample(fams, "cdnguard_cdn_fetches_total", Map.of("cdn", "cloudflare", "status", "2xx"))).isEqualTo(100);
        assertThat(sample(fams, "cdnguard_cdn_fetches_total", Map.of("cdn", "cloudflare", "status", "5xx"))).isEqualTo(10);
        assertThat(sample(fams, "cdnguard_upstream_failures_total", Map.of("backend", "asset-1", "kind", "connect_refused")))
                .isEqualTo(15);
        assertThat(sample(fams, "cdnguard_upstream_failures_total", Map.of("backend", "asset-2", "kind", "connect_refused")))
                .isZero();
        assertThat(sample(fams, "cdnguard_backend_exchanges_total", Map.of("backend", "asset-1", "expected", "true")))
                .isEqualTo(20);
        assertThat(sample(fams, "cdnguard_status", Map.of())).isEqualTo(2);
        assertThat(sample(fams, "cdnguard_check_status", Map.of("check", "cdn-errors"))).isEqualTo(1);
        Family latency = fams.get("cdnguard_fetch_duration_seconds");
        double count = latency.samples.stream().filter(s -> s.name.endsWith("_count")).findFirst().orElseThrow().value;
        double inf = latency.samples.stream().filter(s -> "+Inf".equals(s.labels.get("le"))).findFirst().orElseThrow().value;
        assertThat(count).isEqualTo(inf).isEqualTo(110);
    }

    private static double sample(Map<String, Family> fams, String family, Map<String, String> labels) {
        Family f = fams.get(family);
        assertThat(f).as(family).isNotNull();
        List<Sample> hits = f.samples.stream().filter(s -> s.labels.equals(labels)).collect(java.util.stream.Collectors.toList());
        assertThat(hits).as("%s%s in %s", family, labels, f.samples).hasSize(1);
        return hits.get(0).value;
    }
}
