package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthEndpoint.Response;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.testing.FakeSnapshot;
import io.cdnguard.testing.ManualTimeSource;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class HealthEndpointTest {

    private static final long T = 1_795_000_000_000L;
    private static final Map<HealthStatus, Integer> DEFAULTS = Map.of(
            HealthStatus.UP, 200, HealthStatus.DEGRADED, 200, HealthStatus.DOWN, 503);

    private final AtomicReference<HealthReport> report = new AtomicReference<>(reportOf(HealthStatus.UP));
    private final Supplier<GuardSnapshot> snapshots = () -> new FakeSnapshot(T);

    private static HealthReport reportOf(HealthStatus s) {
        return HealthReport.of(T, Map.of("cdn-traffic", CheckResult.of(s, "secret message").withDetail("backend", "10.1.2.3")));
    }

    private DefaultHealthEndpoint endpoint(String token) {
        return new DefaultHealthEndpoint("/cdnguard", token, DEFAULTS, report::get, snapshots);
    }

    private static String body(Response r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void matches_prefixAndBelowOnly() {
        DefaultHealthEndpoint e = endpoint(null);
        assertThat(e.prefix()).isEqualTo("/cdnguard");
        assertThat(e.matches("/cdnguard")).isTrue();
        assertThat(e.matches("/cdnguard/")).isTrue();
        assertThat(e.matches("/cdnguard/health")).isTrue();
        assertThat(e.matches("/cdnguard/anything/else")).isTrue();
        assertThat(e.matches("/cdnguardx")).isFalse();
        assertThat(e.matches("/cdnguardx/health")).isFalse();
        assertThat(e.matches("/assets/cdnguard/health")).isFalse();
        assertThat(e.matches("/")).isFalse();
        assertThat(e.matches("")).isFalse();
        assertThat(e.matches(null)).isFalse();
    }

    @Test
    void matches_rootPrefix_onlyTheEndpointPaths() {
        DefaultHealthEndpoint e = new DefaultHealthEndpoint("/", null, DEFAULTS, report::get, snapshots);
        assertThat(e.matches("/health")).isTrue();
        assertThat(e.matches("/health/lb")).isTrue();
        assertThat(e.matches("/metrics")).isTrue();
        assertThat(e.matches("/index.html")).isFalse();
        assertThat(e.handle("GET", "/health/lb", null).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @EnumSource(HealthStatus.class)
    void health_defaultHttpStatus_is200_200_503(HealthStatus s) {
        report.set(reportOf(s));
        DefaultHealthEndpoint e = endpoint(null);
        int expected = s == HealthStatus.DOWN ? 503 : 200;

        Response health = e.handle("GET", "/cdnguard/health", null);
        Response lb = e.handle("GET", "/cdnguard/health/lb", null);
        Response metrics = e.handle("GET", "/cdnguard/metrics", null);

        assertThat(health.status()).isEqualTo(expected);
        assertThat(health.contentType()).isEqualTo("application/health+json");
        assertThat(HealthJsonTestParser.parseObject(body(health))).containsEntry("status", s.apiStatus());
        assertThat(lb.status()).isEqualTo(expected);
        assertThat(lb.contentType()).isEqualTo("text/plain; charset=utf-8");
        assertThat(body(lb)).isEqualTo(s.name() + "\n");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        assertThat(PrometheusTextTestParser.parse(body(metrics)).get("cdnguard_status").samples.get(0).value)
                .isEqualTo(s.code());
        for (Response r : List.of(health, lb, metrics)) {
            assertThat(r.cacheControl()).isEqualTo("no-store");
            assertThat(r.allow()).isNull();
        }
    }

    @Test
    void health_configuredHttpStatus_isUsed() {
        Map<HealthStatus, Integer> map = new EnumMap<>(HealthStatus.class);
        map.put(HealthStatus.DEGRADED, 429);
        map.put(HealthStatus.DOWN, 500);
        DefaultHealthEndpoint e = new DefaultHealthEndpoint("/cdnguard", null, map, report::get, snapshots);

        report.set(reportOf(HealthStatus.DEGRADED));
        assertThat(e.handle("GET", "/cdnguard/health", null).status()).isEqualTo(429);
        assertThat(e.handle("GET", "/cdnguard/health/lb", null).status()).isEqualTo(429);
        report.set(reportOf(HealthStatus.DOWN));
        assertThat(e.handle("GET", "/cdnguard/health/lb", null).status()).isEqualTo(500);
        report.set(reportOf(HealthStatus.UP));
        assertThat(e.handle("GET", "/cdnguard/health/lb", null).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/cdnguard/health", "/cdnguard/health/lb", "/cdnguard/metrics"})
    void head_sameStatusAndHeaders_contentLengthOfGet(String path) {
        report.set(reportOf(HealthStatus.DOWN));
        DefaultHealthEndpoint e = endpoint(null);
        Response get = e.handle("GET", path, null);
        Response head = e.handle("HEAD", path, null);
        assertThat(head.status()).isEqualTo(get.status());
        assertThat(head.contentType()).isEqualTo(get.contentType());
        assertThat(head.contentLength()).isEqualTo(get.contentLength()).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "get", "TRACE"})
    void otherMethods_are405WithAllow(String method) {
        Response r = endpoint(null).handle(method, "/cdnguard/health", null);
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.allow()).isEqualTo("GET, HEAD");
        assertThat(endpoint(null).handle(null, "/cdnguard/metrics", null).status()).isEqualTo(405);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/cdnguard", "/cdnguard/", "/cdnguard/health/", "/cdnguard/healthz", "/cdnguard/metrics/x",
        "/cdnguard/health/lb/", "/elsewhere", "/cdnguard/../etc/passwd"})
    void unknownPaths_are404(String path) {
        assertThat(endpoint(null).handle("GET", path, null).status()).isEqualTo(404);
    }

    @Test
    void token_notConfigured_detailsForEveryone() {
        report.set(reportOf(HealthStatus.DEGRADED));
        assertThat(body(endpoint(null).handle("GET", "/cdnguard/health", null))).contains("secret message", "10.1.2.3");
    }

    @Test
    void token_configured_detailsOnlyWithRightBearer() {
        report.set(reportOf(HealthStatus.DEGRADED));
        DefaultHealthEndpoint e = endpoint("s3cret-token");

        assertThat(body(e.handle("GET", "/cdnguard/health", "Bearer s3cret-token"))).contains("secret message", "10.1.2.3");
        assertThat(body(e.handle("GET", "/cdnguard/health", "bearer s3cret-token"))).contains("secret message");
        for (String wrong : new String[] {null, "", "Bearer", "Bearer ", "Bearer s3cret-tokeN", "Bearer s3cret-token2",
            "Basic s3cret-token", "s3cret-token", "Bearer s3cret", "Bearers3cret-token"}) {
            Response r = e.handle("GET", "/cdnguard/health", wrong);
            assertThat(r.status()).isEqualTo(200);
            Map<String, Object> doc = HealthJsonTestParser.parseObject(body(r));
            assertThat(doc).as("authorization %s", wrong).containsOnlyKeys("status", "description", "cdnguardStatus", "time")
                    .containsEntry("status", "warn").containsEntry("cdnguardStatus", "DEGRADED");
        }
    }

    @Test
    void token_configuredEmpty_neverShowsDetails() {
        DefaultHealthEndpoint e = endpoint("");
        assertThat(e.detailsAllowed("Bearer ")).isFalse();
        assertThat(e.detailsAllowed(null)).isFalse();
        assertThat(body(e.handle("GET", "/cdnguard/health", "Bearer "))).doesNotContain("secret message");
    }

    @Test
    void token_doesNotHideTheLbWordOrMetrics() {
        report.set(reportOf(HealthStatus.DOWN));
        DefaultHealthEndpoint e = endpoint("t");
        assertThat(body(e.handle("GET", "/cdnguard/health/lb", null))).isEqualTo("DOWN\n");
        assertThat(e.handle("GET", "/cdnguard/metrics", null).status()).isEqualTo(200);
    }

    @Test
    void failures_become500_neverThrow() {
        DefaultHealthEndpoint e = new DefaultHealthEndpoint("/cdnguard", null, DEFAULTS,
                () -> {
                    throw new IllegalStateException("no report");
                },
                () -> {
                    throw new UnsupportedOperationException("engine not built");
                });
        assertThat(e.handle("GET", "/cdnguard/health", null).status()).isEqualTo(500);
        assertThat(e.handle("GET", "/cdnguard/health/lb", null).status()).isEqualTo(500);
        assertThat(e.handle("GET", "/cdnguard/metrics", null).status()).isEqualTo(500);
        DefaultHealthEndpoint nulls = new DefaultHealthEndpoint("/cdnguard", null, DEFAULTS, () -> null, () -> null);
        assertThat(nulls.handle("GET", "/cdnguard/health", null).status()).isEqualTo(500);
        assertThat(nulls.handle("GET", "/cdnguard/metrics", null).status()).isEqualTo(500);
    }

    @Test
    void metricsFailing_doesNotAffectHealth() {
        DefaultHealthEndpoint e = new DefaultHealthEndpoint("/cdnguard", null, DEFAULTS, report::get, () -> {
            throw new UnsupportedOperationException("engine not built");
        });
        assertThat(e.handle("GET", "/cdnguard/metrics", null).status()).isEqualTo(500);
        assertThat(e.handle("GET", "/cdnguard/health", null).status()).isEqualTo(200);
    }

    @Test
    void requests_neverEvaluateChecks_theyRenderTheLastReport() {
        AtomicInteger runs = new AtomicInteger();
        Check counting = new Check() {
            @Override
            public String name() {
                return "counting";
            }

            @Override
            public CheckResult evaluate(GuardSnapshot snapshot) {
                runs.incrementAndGet();
                return CheckResult.down("down");
            }
        };
        ManualTimeSource time = new ManualTimeSource(T);
        try (Evaluator ev = new Evaluator("ep", time, () -> { }, snapshots, List.of(counting), List.of(), 10_000, 10_000, false)) {
            DefaultHealthEndpoint e = new DefaultHealthEndpoint("/cdnguard", null, DEFAULTS, ev::current, snapshots);
            assertThat(body(e.handle("GET", "/cdnguard/health/lb", null))).isEqualTo("UP\n");
            ev.evaluateNow();
            for (int i = 0; i < 5; i++) {
                e.handle("GET", "/cdnguard/health", null);
                e.handle("GET", "/cdnguard/health/lb", null);
                e.handle("GET", "/cdnguard/metrics", null);
            }
            assertThat(runs.get()).isEqualTo(1);
            assertThat(body(e.handle("GET", "/cdnguard/health/lb", null))).isEqualTo("DOWN\n");
        }
    }
}
