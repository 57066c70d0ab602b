package io.cdnguard.dropwizard;

import com.codahale.metrics.health.HealthCheck;
import io.cdnguard.CdnGuard;
import io.cdnguard.CheckResult;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A Dropwizard {@link HealthCheck} reporting a guard's last evaluated health ({@link
 * CdnGuard#health()}); it never evaluates the checks itself.
 *
 * <pre>{@code
 * healthChecks.register("cdnguard", new CdnGuardHealthCheck(guard));
 * }</pre>
 *
 * <p>Dropwizard health is binary. By default the result is unhealthy only when the guard is {@link
 * HealthStatus#DOWN}, matching the HTTP endpoint's default (DEGRADED answers 200); pass {@link
 * HealthStatus#DEGRADED} to the two-argument constructor to be unhealthy from DEGRADED on. Either way
 * the message names the checks that are not UP, and the details carry {@code status} (the overall
 * word) and, per check, its status, message and details.
 *
 * <p>Thread-safe: reads the guard's immutable report.
 */
public final class CdnGuardHealthCheck extends HealthCheck {

    private final Supplier<HealthReport> reports;
    private final HealthStatus unhealthyAt;

    /**
     * Unhealthy when the guard is DOWN.
     *
     * @param guard the guard
     */
    public CdnGuardHealthCheck(CdnGuard guard) {
        this(guard, HealthStatus.DOWN);
    }

    /**
     * Unhealthy when the guard's status is {@code unhealthyAt} or worse.
     *
     * @param guard the guard
     * @param unhealthyAt {@link HealthStatus#DEGRADED} or {@link HealthStatus#DOWN}
     * @throws IllegalArgumentException if {@code unhealthyAt} is UP
     */
    public CdnGuardHealthCheck(CdnGuard guard, HealthStatus unhealthyAt) {
        this(Objects.requireNonNull(guard, "guard")::health, unhealthyAt);
    }

    /** For tests and other report sources. */
    CdnGuardHealthCheck(Supplier<HealthReport> reports, HealthStatus unhealthyAt) {
        this.reports = Objects.requireNonNull(reports, "reports");
        if (Objects.requireNonNull(unhealthyAt, "unhealthyAt") == HealthStatus.UP) {
            throw new IllegalArgumentException("unhealthyAt must be DEGRADED or DOWN: " + unhealthyAt);
        }
        this.unhealthyAt = unhealthyAt;
    }

    @Override
    protected Result check() {
        HealthReport report = reports.get();
        StringBuilder msg = new StringBuilder(report.status().name());
        Map<String, Object> checks = new LinkedHashMap<>();
        String sep = ": ";
        for (Map.Entry<String, CheckResult> e : report.checks().entrySet()) {
            CheckResult r = e.getValue();
            if (r.status() != HealthStatus.UP) {
                msg.append(sep).append(e.getKey()).append(' ').append(r.status());
                if (!r.message().isEmpty()) {
                    msg.append(" (").append(r.message()).append(')');
                }
                sep = "; ";
            }
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("status", r.status().name());
            c.put("message", r.message());
            c.put("details", r.details());
            checks.put(e.getKey(), c);
        }
        ResultBuilder b = report.status().compareTo(unhealthyAt) >= 0 ? Result.builder().unhealthy() : Result.builder().healthy();
        return b.withMessage("%s", msg.toString())
                .withDetail("status", report.status().name())
                .withDetail("checks", checks)
                .build();
    }
}
