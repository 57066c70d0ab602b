/**
 * Optional Dropwizard Metrics adapters: {@link io.cdnguard.dropwizard.CdnGuardMetrics}, a {@code MetricSet} of
 * gauges with the same figures as the Prometheus endpoint, and {@link io.cdnguard.dropwizard.CdnGuardHealthCheck},
 * a {@code HealthCheck} reporting the guard's last evaluated health.
 *
 * <p>Requires {@code io.dropwizard.metrics:metrics-core} (and {@code metrics-healthchecks} for the
 * health check) on the class path; cdnguard-core declares them optional.
 */
package io.cdnguard.dropwizard;
