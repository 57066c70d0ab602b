package io.cdnguard.dropwizard;

import com.codahale.metrics.MetricRegistry;

/**
 * The Dropwizard metric names of {@link CdnGuardMetrics}. Each constant is a base name; per-label
 * gauges append the label values as further dot-separated parts, e.g. {@code
 * cdnguard.cdn.fetches.cloudfront.5xx} from {@link #CDN_FETCHES} with {@code "cloudfront", "5xx"}.
 */
public enum CdnGuardMetricNames {
    /** CDN fetches since start: the total, and {@code .<cdn>.<status class>}. */
    CDN_FETCHES("cdnguard.cdn.fetches"),
    /** Conditional CDN fetches answered 304 since start, {@code .<cdn>}. */
    CDN_REVALIDATIONS("cdnguard.cdn.revalidations"),
    /** Response body bytes sent to CDNs since start. */
    CDN_BYTES("cdnguard.cdn.bytes"),
    /** Requests not from a CDN since start, {@code .<kind>} (probe, direct, self). */
    OTHER_REQUESTS("cdnguard.requests.other"),
    /** Exchanges that ended before the response completed since start. */
    ABORTED("cdnguard.aborted"),
    /** Exchanges recorded with an invalid status since start. */
    INVALID("cdnguard.invalid"),
    /** Upstream failures since start: the total, and {@code .<kind>}. */
    UPSTREAM_FAILURES("cdnguard.upstream.failures"),
    /** Exchanges naming a backend since start, {@code .<backend>} (backends known at registration). */
    BACKEND_EXCHANGES("cdnguard.backend.exchanges"),
    /** Upstream failures on a backend since start, {@code .<backend>} (backends known at registration). */
    BACKEND_FAILURES("cdnguard.backend.failures"),
    /** Exchanges naming an unknown backend after the cap was reached. */
    UNKNOWN_BACKEND_OVERFLOW("cdnguard.backend.unknown-overflow"),
    /** CDN fetches naming an edge location (POP) after the cap on tracked POPs was reached. */
    POP_OVERFLOW("cdnguard.cdn.pop-overflow"),
    /** CDN fetch duration in seconds: {@code .count}, {@code .sum}, {@code .p50}, {@code .p95}, {@code .p99}. */
    FETCH_DURATION("cdnguard.cdn.fetch-duration-seconds"),
    /** Freshness lifetime in seconds: {@code .count}, {@code .sum}, {@code .p50}, {@code .p95}, {@code .p99}. */
    FRESHNESS_LIFETIME("cdnguard.cdn.freshness-lifetime-seconds"),
    /** Cached copies expiring within a horizon, {@code .<horizon>} (1m .. 24h). */
    CACHE_EXPIRING("cdnguard.cache.expiring"),
    /** Cached copies overdue for a refetch. */
    CACHE_OVERDUE("cdnguard.cache.overdue"),
    /** Seconds since the oldest overdue copy expired. */
    CACHE_OLDEST_OVERDUE_SECONDS("cdnguard.cache.oldest-overdue-seconds"),
    /** Distinct assets tracked for expiry. */
    CACHE_TRACKED_ASSETS("cdnguard.cache.tracked-assets"),
    /** Overall health at the last evaluation: 0 UP, 1 DEGRADED, 2 DOWN. */
    STATUS("cdnguard.status"),
    /** Each check's health at the last evaluation, {@code .<check>}: 0 UP, 1 DEGRADED, 2 DOWN. */
    CHECK_STATUS("cdnguard.check.status");

    private final String base;

    CdnGuardMetricNames(String base) {
        this.base = base;
    }

    /** The base name, e.g. {@code "cdnguard.cdn.fetches"}. */
    public String metricName() {
        return base;
    }

    /** The base name with further parts, dot-separated; {@code null} or empty parts are skipped. */
    public String metricName(String... parts) {
        return MetricRegistry.name(base, parts);
    }
}
