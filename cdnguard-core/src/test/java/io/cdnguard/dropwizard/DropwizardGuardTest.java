package io.cdnguard.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import io.cdnguard.CdnGuard;
import io.cdnguard.HealthStatus;
import io.cdnguard.MutableExchange;
import io.cdnguard.testing.ManualTimeSource;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Dropwizard adapters on a real {@link CdnGuard}. */
class DropwizardGuardTest {

    private final ManualTimeSource clock = new ManualTimeSource(1_795_000_000_000L);
    private final CdnGuard guard = CdnGuard.builder().timeSource(clock).evaluationThread(false)
            .expectBackends("asset-1").build();

    @AfterEach
    void close() {
        guard.close();
    }

    private void cdnFetches(int n, int status) {
        MutableExchange e = new MutableExchange();
        for (int i = 0; i < n; i++) {
            guard.record(e.reset().method("GET").path("/a.css").status(status).bytes(10).durationNanos(1_000_000L)
                    .requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-AMS"));
        }
    }

    @Test
    void metricsAndHealthCheck_followTheGuard() {
        MetricRegistry registry = new MetricRegistry();
        new CdnGuardMetrics(guard).bindTo(registry);
        CdnGuardHealthCheck unhealthyWhenDegraded = new CdnGuardHealthCheck(guard, HealthStatus.DEGRADED);
        CdnGuardHealthCheck byDefault = new CdnGuardHealthCheck(guard);

        assertThat(registry.getGauges()).containsKeys(
                CdnGuardMetricNames.BACKEND_EXCHANGES.metricName("asset-1"),
                CdnGuardMetricNames.CHECK_STATUS.metricName("upstream-failures"),
                CdnGuardMetricNames.CHECK_STATUS.metricName("cdn-errors"));
        assertThat(unhealthyWhenDegraded.execute().isHealthy()).isTrue();

        cdnFetches(50, 200);
        cdnFetches(10, 500);
        clock.advance(Duration.ofSeconds(2));
        guard.evaluateNow();

        assertThat(registry.getGauges().get("cdnguard.cdn.fetches.cloudflare.5xx").getValue()).isEqualTo(10L);
        assertThat(registry.getGauges().get(CdnGuardMetricNames.CHECK_STATUS.metricName("cdn-errors")).getValue()).isEqualTo(1);
        HealthCheck.Result strict = unhealthyWhenDegraded.execute();
        assertThat(strict.isHealthy()).isFalse();
        assertThat(strict.getMessage()).startsWith("DEGRADED: cdn-errors DEGRADED");
        assertThat(byDefault.execute().isHealthy()).isTrue();
    }
}
