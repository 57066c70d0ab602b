package io.cdnguard.dropwizard;

import com.codahale.metrics.Clock;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.MetricSet;
import io.cdnguard.BackendStats;
import io.cdnguard.CacheExpiry;
import io.cdnguard.CdnGuard;
import io.cdnguard.Cdn;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthReport;
import io.cdnguard.HistogramSnapshot;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A Dropwizard {@link MetricSet} of gauges with the same figures as cdnguard's Prometheus endpoint,
 * named by {@link CdnGuardMetricNames}.
 *
 * <pre>{@code
 * new CdnGuardMetrics(guard).bindTo(registry);   // or registry.registerAll(new CdnGuardMetrics(guard))
 * }</pre>
 *
 * <p>All gauges read one shared snapshot, taken at most once per second (so a reporter pass reads
 * consistent figures and takes one snapshot, not one per gauge). Monotonic totals are exposed as
 * gauges because Dropwizard counters cannot be set. The per-backend and per-check gauges cover the
 * backends and checks known when the set is created (the expected backends and the configured
 * checks). A figure that cannot be read (for example if the snapshot fails) reads as {@code null};
 * a gauge never throws.
 *
 * <p>Thread-safe: the shared snapshot is a volatile reference to an immutable holder; two readers
 * racing at expiry may both take a snapshot, which is harmless.
 */
public final class CdnGuardMetrics implements MetricSet {

    /** How long the shared snapshot is reused, milliseconds. */
    static final long CACHE_MILLIS = 1000;

    private static final RequestKind[] OTHER_KINDS = {RequestKind.PROBE, RequestKind.DIRECT, RequestKind.SELF};
    private static final double[] QUANTILES = {0.5, 0.95, 0.99};
    private static final String[] QUANTILE_NAMES = {"p50", "p95", "p99"};

    private final Supplier<GuardSnapshot> snapshots;
    private final Supplier<HealthReport> reports;
    private final List<String> checkNames;
    private final List<String> backendNames;
    private final Clock clock;
    private final long cacheNanos;
    private volatile Taken taken;

    private static final class Taken {
        final GuardSnapshot snapshot;
        final long atNanos;

        Taken(GuardSnapshot snapshot, long atNanos) {
            this.snapshot = snapshot;
            this.atNanos = atNanos;
        }
    }

    /**
     * The metrics of {@code guard}: backends from its snapshot now, checks from {@link CdnGuard#checks()}.
     *
     * @param guard the guard
     */
    public CdnGuardMetrics(CdnGuard guard) {
        this(Objects.requireNonNull(guard, "guard")::snapshot, guard::health, checkNames(guard.checks()),
                backendNames(guard.snapshot()), Clock.defaultClock(), CACHE_MILLIS);
    }

    /** For tests and other report sources. */
    CdnGuardMetrics(Supplier<GuardSnapshot> snapshots, Supplier<HealthReport> reports, List<String> checkNames,
            List<String> backendNames, Clock clock, long cacheMillis) {
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.reports = Objects.requireNonNull(reports, "reports");
        this.checkNames = List.copyOf(checkNames);
        this.backendNames = List.copyOf(backendNames);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cacheNanos = TimeUnit.MILLISECONDS.toNanos(cacheMillis);
    }

    private static List<String> checkNames(List<Check> checks) {
        List<String> names = new ArrayList<>();
        for (Check c : checks) {
            names.add(c.name());
        }
        return names;
    }

    static List<String> backendNames(GuardSnapshot s) {
        List<String> names = new ArrayList<>();
        try {
            for (BackendStats b : s.backends()) {
                names.add(b.name());
            }
        } catch (RuntimeException e) {
            return Collections.emptyList();
        }
        return names;
    }

    /**
     * Registers every gauge of this set in {@code registry}.
     *
     * @param registry the registry
     * @return this
     * @throws IllegalArgumentException if a name is already registered
     */
    public CdnGuardMetrics bindTo(MetricRegistry registry) {
        registry.registerAll(this);
        return this;
    }

    @Override
    public Map<String, Metric> getMetrics() {
        Map<String, Metric> m = new LinkedHashMap<>();
        gauge(m, CdnGuardMetricNames.CDN_FETCHES.metricName(), GuardSnapshot::cdnFetches);
        for (Cdn c : Cdn.values()) {
            for (StatusClass sc : StatusClass.values()) {
                gauge(m, CdnGuardMetricNames.CDN_FETCHES.metricName(c.label(), sc.label()), s -> s.cdnFetches(c, sc));
            }
            gauge(m, CdnGuardMetricNames.CDN_REVALIDATIONS.metricName(c.label()), s -> s.revalidations(c));
        }
        gauge(m, CdnGuardMetricNames.CDN_BYTES.metricName(), GuardSnapshot::cdnBytes);
        for (RequestKind k : OTHER_KINDS) {
            gauge(m, CdnGuardMetricNames.OTHER_REQUESTS.metricName(k.label()), s -> s.otherRequests(k));
        }
        gauge(m, CdnGuardMetricNames.ABORTED.metricName(), GuardSnapshot::aborted);
        gauge(m, CdnGuardMetricNames.INVALID.metricName(), GuardSnapshot::invalid);
        gauge(m, CdnGuardMetricNames.UPSTREAM_FAILURES.metricName(), GuardSnapshot::upstreamFailures);
        for (UpstreamFailure f : UpstreamFailure.values()) {
            gauge(m, CdnGuardMetricNames.UPSTREAM_FAILURES.metricName(f.label()), s -> s.upstreamFailures(f));
        }
        for (String b : backendNames) {
            gauge(m, CdnGuardMetricNames.BACKEND_EXCHANGES.metricName(b), s -> backend(s, b).exchanges());
            gauge(m, CdnGuardMetricNames.BACKEND_FAILURES.metricName(b), s -> backend(s, b).failures());
        }
        gauge(m, CdnGuardMetricNames.UNKNOWN_BACKEND_OVERFLOW.metricName(), GuardSnapshot::unknownBackendOverflow);
        gauge(m, CdnGuardMetricNames.POP_OVERFLOW.metricName(), GuardSnapshot::popOverflow);
        histogram(m, CdnGuardMetricNames.FETCH_DURATION, GuardSnapshot::latency);
        histogram(m, CdnGuardMetricNames.FRESHNESS_LIFETIME, GuardSnapshot::freshness);
        for (int h = 0; h < CacheExpiry.HORIZON_LABELS.length; h++) {
            int horizon = h;
            gauge(m, CdnGuardMetricNames.CACHE_EXPIRING.metricName(CacheExpiry.HORIZON_LABELS[h]),
                    s -> s.expiry().expiringWithin(horizon));
        }
        gauge(m, CdnGuardMetricNames.CACHE_OVERDUE.metricName(), s -> s.expiry().overdue());
        gauge(m, CdnGuardMetricNames.CACHE_OLDEST_OVERDUE_SECONDS.metricName(),
                s -> s.expiry().oldestOverdueMillis() / 1000.0);
        gauge(m, CdnGuardMetricNames.CACHE_TRACKED_ASSETS.metricName(), s -> s.expiry().tracked());
        m.put(CdnGuardMetricNames.STATUS.metricName(), (Gauge<Integer>) () -> {
            try {
                return reports.get().status().code();
            } catch (RuntimeException e) {
                return null;
            }
        });
        for (String check : checkNames) {
            m.put(CdnGuardMetricNames.CHECK_STATUS.metricName(check), (Gauge<Integer>) () -> {
                try {
                    CheckResult r = reports.get().checks().get(check);
                    return r == null ? null : r.status().code();
                } catch (RuntimeException e) {
                    return null;
                }
            });
        }
        return Collections.unmodifiableMap(m);
    }

    private static BackendStats backend(GuardSnapshot s, String name) {
        for (BackendStats b : s.backends()) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new IllegalStateException("no backend " + name);
    }

    private void histogram(Map<String, Metric> m, CdnGuardMetricNames family, Function<GuardSnapshot, HistogramSnapshot> h) {
        gauge(m, family.metricName("count"), s -> h.apply(s).count());
        gauge(m, family.metricName("sum"), s -> h.apply(s).sum());
        for (int i = 0; i < QUANTILES.length; i++) {
            double q = QUANTILES[i];
            gauge(m, family.metricName(QUANTILE_NAMES[i]), s -> h.apply(s).quantile(q));
        }
    }

    private <T> void gauge(Map<String, Metric> m, String name, Function<GuardSnapshot, T> read) {
        m.put(name, (Gauge<T>) () -> {
            try {
                return read.apply(snapshot());
            } catch (RuntimeException e) {
                return null;
            }
        });
    }

    /** The shared snapshot, refreshed when older than the cache time. */
    GuardSnapshot snapshot() {
        long now = clock.getTick();
        Taken t = taken;
        if (t == null || now - t.atNanos >= cacheNanos) {
            t = new Taken(Objects.requireNonNull(snapshots.get(), "snapshot"), now);
            taken = t;
        }
        return t.snapshot;
    }
}
