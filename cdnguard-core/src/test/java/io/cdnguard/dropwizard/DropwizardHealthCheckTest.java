package io.cdnguard.dropwizard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.codahale.metrics.health.HealthCheck;
import com.codahale.metrics.health.HealthCheckRegistry;
import io.cdnguard.CheckResult;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DropwizardHealthCheckTest {

    private static final long T = 1_795_000_000_000L;

    private final AtomicReference<HealthReport> report = new AtomicReference<>();

    private static HealthReport report(HealthStatus s, String message) {
        Map<String, CheckResult> m = new LinkedHashMap<>();
        m.put("cdn-traffic", CheckResult.of(s, message).withDetail("fetches", 0L));
        m.put("cdn-errors", CheckResult.up("fine"));
        return HealthReport.of(T, m);
    }

    @Test
    void up_isHealthy() {
        report.set(report(HealthStatus.UP, "ok"));
        HealthCheck.Result r = new CdnGuardHealthCheck(report::get, HealthStatus.DOWN).execute();
        assertThat(r.isHealthy()).isTrue();
        assertThat(r.getMessage()).isEqualTo("UP");
        assertThat(r.getDetails()).containsEntry("status", "UP").containsKey("checks");
    }

    @Test
    void degraded_isHealthyByDefault_butNamesTheCheck() {
        report.set(report(HealthStatus.DEGRADED, "no CDN fetches for 20 min (100% quieter)"));
        HealthCheck.Result r = new CdnGuardHealthCheck(report::get, HealthStatus.DOWN).execute();
        assertThat(r.isHealthy()).isTrue();
        assertThat(r.getMessage()).isEqualTo("DEGRADED: cdn-traffic DEGRADED (no CDN fetches for 20 min (100% quieter))");
        assertThat(r.getDetails()).containsEntry("status", "DEGRADED");
    }

    @Test
    void degraded_isUnhealthyWhenConfigured() {
        report.set(report(HealthStatus.DEGRADED, "x"));
        assertThat(new CdnGuardHealthCheck(report::get, HealthStatus.DEGRADED).execute().isHealthy()).isFalse();
    }

    @Test
    @SuppressWarnings("unchecked")
    void down_isUnhealthy_withPerCheckDetails() {
        report.set(report(HealthStatus.DOWN, "gone"));
        HealthCheckRegistry registry = new HealthCheckRegistry();
        registry.register("cdnguard", new CdnGuardHealthCheck(report::get, HealthStatus.DOWN));
        HealthCheck.Result r = registry.runHealthCheck("cdnguard");

        assertThat(r.isHealthy()).isFalse();
        Map<String, Object> checks = (Map<String, Object>) r.getDetails().get("checks");
        Map<String, Object> traffic = (Map<String, Object>) checks.get("cdn-traffic");
        assertThat(traffic).containsEntry("status", "DOWN").containsEntry("message", "gone")
                .containsEntry("details", Map.of("fetches", 0L));
    }

    @Test
    void reportFailing_isUnhealthyNotThrown() {
        HealthCheck.Result r = new CdnGuardHealthCheck(() -> {
            throw new IllegalStateException("engine not built");
        }, HealthStatus.DOWN).execute();
        assertThat(r.isHealthy()).isFalse();
        assertThat(r.getError()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void unhealthyAtUp_isRejected() {
        assertThatThrownBy(() -> new CdnGuardHealthCheck(report::get, HealthStatus.UP))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UP");
    }
}
