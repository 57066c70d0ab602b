package io.cdnguard.internal;

import io.cdnguard.BackendStats;
import io.cdnguard.CacheExpiry;
import io.cdnguard.Cdn;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthReport;
import io.cdnguard.HistogramSnapshot;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders a {@link GuardSnapshot} and the last {@link HealthReport} in the Prometheus text
 * exposition format 0.0.4.
 *
 * <p>Every family has one {@code # HELP} and one {@code # TYPE} line. Label sets are bounded:
 * CDNs, status classes, request kinds, failure kinds and expiry horizons are enums; backends and
 * POPs are capped by the guard's configuration; check names are the configured checks. Every
 * {@code cdn × status} and {@code backend × kind} combination is exported, zeros included, so that
 * {@code increase()} and {@code absent()} work from the first scrape after a restart. No label ever
 * carries a request path. Label values are escaped ({@code \\}, {@code \"}, {@code \n}).
 *
 * <p>A family whose figures cannot be read (for example {@link GuardSnapshot#expiry()} throwing) is
 * left out of the output, and the failure is logged once per family; the rest still renders.
 *
 * <p>Stateless apart from that log-once set; thread-safe.
 */
public final class PrometheusText {

    private static final Logger log = LoggerFactory.getLogger(PrometheusText.class);

    /** The media type of format 0.0.4. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Set<String> LOGGED_FAILURES = ConcurrentHashMap.newKeySet();

    private static final RequestKind[] OTHER_KINDS = {RequestKind.PROBE, RequestKind.DIRECT, RequestKind.SELF};

    private PrometheusText() {
    }

    /** One family being written. */
    @FunctionalInterface
    private interface Family {
        void write(StringBuilder sb);
    }

    /**
     * Renders the exposition.
     *
     * @param s the counters
     * @param report the last evaluated report (for the status gauges)
     * @return the text, every line ending with {@code \n}
     */
    public static String render(GuardSnapshot s, HealthReport report) {
        StringBuilder sb = new StringBuilder(16_384);

        family(sb, "cdnguard_cdn_fetches_total", out -> {
            header(out, "cdnguard_cdn_fetches_total", "counter",
                    "CDN fetches served since start, by CDN and HTTP status class.");
            for (Cdn c : Cdn.values()) {
                for (StatusClass sc : StatusClass.values()) {
                    sample(out, "cdnguard_cdn_fetches_total", "cdn", c.label(), "status", sc.label(), s.cdnFetches(c, sc));
                }
            }
        });
        family(sb, "cdnguard_revalidations_total", out -> {
            header(out, "cdnguard_revalidations_total", "counter",
                    "Conditional CDN fetches answered 304 since start, by CDN.");
            for (Cdn c : Cdn.values()) {
                sample(out, "cdnguard_revalidations_total", "cdn", c.label(), s.revalidations(c));
            }
        });
        family(sb, "cdnguard_other_requests_total", out -> {
            header(out, "cdnguard_other_requests_total", "counter",
                    "Requests not from a CDN since start, by kind (probe, direct, self).");
            for (RequestKind k : OTHER_KINDS) {
                sample(out, "cdnguard_other_requests_total", "kind", k.label(), s.otherRequests(k));
            }
        });
        family(sb, "cdnguard_aborted_total", out -> {
            header(out, "cdnguard_aborted_total", "counter",
                    "Exchanges that ended before the response completed since start (all kinds).");
            sample(out, "cdnguard_aborted_total", s.aborted());
        });
        family(sb, "cdnguard_invalid_total", out -> {
            header(out, "cdnguard_invalid_total", "counter",
                    "Exchanges recorded with a status outside 100..599 since start (counted and skipped).");
            sample(out, "cdnguard_invalid_total", s.invalid());
        });
        family(sb, "cdnguard_cdn_bytes_total", out -> {
            header(out, "cdnguard_cdn_bytes_total", "counter", "Response body bytes sent to CDNs since start.");
            sample(out, "cdnguard_cdn_bytes_total", s.cdnBytes());
        });
        family(sb, "cdnguard_upstream_failures_by_kind_total", out -> {
            header(out, "cdnguard_upstream_failures_by_kind_total", "counter",
                    "All upstream failures since start, by kind, with or without a named backend.");
            for (UpstreamFailure f : UpstreamFailure.values()) {
                sample(out, "cdnguard_upstream_failures_by_kind_total", "kind", f.label(), s.upstreamFailures(f));
            }
        });
        List<BackendStats> backends = s.backends();
        family(sb, "cdnguard_upstream_failures_total", out -> {
            header(out, "cdnguard_upstream_failures_total", "counter",
                    "Upstream failures since start, by tracked backend and kind.");
            for (BackendStats b : backends) {
                for (UpstreamFailure f : UpstreamFailure.values()) {
                    sample(out, "cdnguard_upstream_failures_total", "backend", b.name(), "kind", f.label(), b.failures(f));
                }
            }
        });
        family(sb, "cdnguard_backend_exchanges_total", out -> {
            header(out, "cdnguard_backend_exchanges_total", "counter",
                    "Exchanges naming a backend since start, failures included; expected=true for declared backends.");
            for (BackendStats b : backends) {
                sample(out, "cdnguard_backend_exchanges_total", "backend", b.name(),
                        "expected", b.expected() ? "true" : "false", b.exchanges());
            }
        });
        family(sb, "cdnguard_unknown_backend_overflow_total", out -> {
            header(out, "cdnguard_unknown_backend_overflow_total", "counter",
                    "Exchanges naming an unknown backend after the cap on tracked unknown backends was reached.");
            sample(out, "cdnguard_unknown_backend_overflow_total", s.unknownBackendOverflow());
        });
        family(sb, "cdnguard_cdn_pop_fetches_total", out -> {
            header(out, "cdnguard_cdn_pop_fetches_total", "counter",
                    "CDN fetches since start by CDN edge location (POP), where the CDN names it; bounded in number.");
            for (PopStats p : s.pops()) {
                sample(out, "cdnguard_cdn_pop_fetches_total", "cdn", p.cdn().label(), "pop", p.pop(), p.fetches());
            }
        });
        family(sb, "cdnguard_cdn_pop_overflow_total", out -> {
            header(out, "cdnguard_cdn_pop_overflow_total", "counter",
                    "CDN fetches naming an edge location (POP) after the cap on tracked POPs was reached.");
            sample(out, "cdnguard_cdn_pop_overflow_total", s.popOverflow());
        });

        family(sb, "cdnguard_cache", out -> {
            CacheExpiry e = s.expiry();
            header(out, "cdnguard_cache_expiring", "gauge",
                    "Cached copies (as far as the origin can tell) expected to expire within the horizon (cumulative).");
            for (int h = 0; h < CacheExpiry.HORIZON_LABELS.length; h++) {
                sample(out, "cdnguard_cache_expiring", "within", CacheExpiry.HORIZON_LABELS[h], e.expiringWithin(h));
            }
            header(out, "cdnguard_cache_overdue", "gauge",
                    "Cached copies whose freshness ended without a refetch since.");
            sample(out, "cdnguard_cache_overdue", e.overdue());
            header(out, "cdnguard_cache_oldest_overdue_seconds", "gauge",
                    "Time since the oldest overdue copy expired, seconds; 0 if none.");
            sampleDouble(out, "cdnguard_cache_oldest_overdue_seconds", null, null, e.oldestOverdueMillis() / 1000.0);
            header(out, "cdnguard_cache_tracked_assets", "gauge", "Distinct assets currently tracked for expiry.");
            sample(out, "cdnguard_cache_tracked_assets", e.tracked());
            header(out, "cdnguard_cache_due_total", "counter", "Cached copies that came due (expired) since start.");
            sample(out, "cdnguard_cache_due_total", e.dueTotal());
            header(out, "cdnguard_cache_refetched_total", "counter",
                    "CDN fetches of an asset whose copy was tracked (refetches, on time or late) since start.");
            sample(out, "cdnguard_cache_refetched_total", e.refetchedTotal());
        });

        family(sb, "cdnguard_fetch_duration_seconds", out -> histogram(out, "cdnguard_fetch_duration_seconds",
                "Duration of CDN fetches, seconds.", s.latency()));
        family(sb, "cdnguard_freshness_lifetime_seconds", out -> histogram(out, "cdnguard_freshness_lifetime_seconds",
                "Shared-cache freshness lifetime of cacheable CDN fetches, seconds.", s.freshness()));

        if (report != null) {
            family(sb, "cdnguard_status", out -> {
                header(out, "cdnguard_status", "gauge",
                        "Overall health at the last evaluation: 0 UP, 1 DEGRADED, 2 DOWN.");
                sample(out, "cdnguard_status", report.status().code());
            });
            family(sb, "cdnguard_check_status", out -> {
                header(out, "cdnguard_check_status", "gauge",
                        "Each check's health at the last evaluation: 0 UP, 1 DEGRADED, 2 DOWN.");
                for (Map.Entry<String, CheckResult> e : report.checks().entrySet()) {
                    sample(out, "cdnguard_check_status", "check", e.getKey(), e.getValue().status().code());
                }
            });
            family(sb, "cdnguard_last_evaluation_timestamp_seconds", out -> {
                header(out, "cdnguard_last_evaluation_timestamp_seconds", "gauge",
                        "When the checks were last evaluated, seconds since the epoch.");
                sampleDouble(out, "cdnguard_last_evaluation_timestamp_seconds", null, null, report.timeMillis() / 1000.0);
            });
        }
        family(sb, "cdnguard_start_time_seconds", out -> {
            header(out, "cdnguard_start_time_seconds", "gauge", "When the guard started, seconds since the epoch.");
            sampleDouble(out, "cdnguard_start_time_seconds", null, null, s.startMillis() / 1000.0);
        });
        return sb.toString();
    }

    /** Writes one family into a scratch buffer and appends it only if it rendered completely. */
    private static void family(StringBuilder sb, String name, Family f) {
        StringBuilder scratch = new StringBuilder(256);
        try {
            f.write(scratch);
            sb.append(scratch);
        } catch (RuntimeException | LinkageError e) {
            if (LOGGED_FAILURES.add(name + ':' + e.getClass().getName())) {
                log.warn("cdnguard: metric family {} left out of the exposition: {}", name, e.toString());
            }
        }
    }

    private static void histogram(StringBuilder out, String name, String help, HistogramSnapshot h) {
        header(out, name, "histogram", help);
        long cumulative = 0;
        double previousBound = Double.NEGATIVE_INFINITY;
        int n = h.bucketCount();
        for (int i = 0; i < n; i++) {
            cumulative += Math.max(0, h.count(i));
            double bound = h.upperBound(i);
            // +Inf is written once below; a NaN or non-increasing bound (never from the engine) is
            // merged into the next bucket so the output stays valid and cumulative.
            if (bound == Double.POSITIVE_INFINITY || !(bound > previousBound)) {
                continue;
            }
            previousBound = bound;
            out.append(name).append("_bucket{le=\"").append(formatDouble(bound)).append("\"} ")
                    .append(cumulative).append('\n');
        }
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        out.append(name).append("_sum ").append(formatDouble(h.sum())).append('\n');
        out.append(name).append("_count ").append(cumulative).append('\n');
    }

    private static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ');
        escapeHelp(out, help);
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void sample(StringBuilder out, String name, long value) {
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void sample(StringBuilder out, String name, String l1, String v1, long value) {
        out.append(name).append('{').append(l1).append("=\"");
        escapeLabel(out, v1);
        out.append("\"} ").append(value).append('\n');
    }

    private static void sample(StringBuilder out, String name, String l1, String v1, String l2, String v2, long value) {
        out.append(name).append('{').append(l1).append("=\"");
        escapeLabel(out, v1);
        out.append("\",").append(l2).append("=\"");
        escapeLabel(out, v2);
        out.append("\"} ").append(value).append('\n');
    }

    private static void sampleDouble(StringBuilder out, String name, String l1, String v1, double value) {
        out.append(name);
        if (l1 != null) {
            out.append('{').append(l1).append("=\"");
            escapeLabel(out, v1);
            out.append("\"}");
        }
        out.append(' ').append(formatDouble(value)).append('\n');
    }

    /**
     * Formats a sample value or {@code le}: {@code +Inf}, {@code -Inf}, {@code NaN}; whole numbers as
     * {@code 3600.0}; other values in plain decimal notation ({@code 0.0001}, not {@code 1.0E-4})
     * where that is short, else as a Java double literal (which Prometheus also parses).
     */
    static String formatDouble(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (d == Double.POSITIVE_INFINITY) {
            return "+Inf";
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return "-Inf";
        }
        double abs = Math.abs(d);
        if (d == Math.rint(d) && abs < 1e15) {
            return (long) d + ".0";
        }
        if (abs >= 1e-9 && abs < 1e15) {
            return java.math.BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        return Double.toString(d);
    }

    /** Escapes a label value: backslash, double quote and line feed. */
    static void escapeLabel(StringBuilder out, String v) {
        if (v == null) {
            return;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '\\':
                    out.append("\\\\");
                    break;
                case '"':
                    out.append("\\\"");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                default:
                    out.append(c);
            }
        }
    }

    /** Escapes HELP text: backslash and line feed. */
    private static void escapeHelp(StringBuilder out, String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c == '\n') {
                out.append("\\n");
            } else {
                out.append(c);
            }
        }
    }
}
