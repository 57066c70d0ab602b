package io.cdnguard.servlet;

import io.cdnguard.CdnGuard;
import jakarta.servlet.ServletException;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a {@link CdnGuard} from {@code web.xml} init-parameters. Each bad parameter is a {@link
 * ServletException} naming it, so that a typo fails the deployment instead of running a guard
 * configured differently from what was written.
 */
final class GuardConfig {

    static final String EXPECT_BACKENDS = "expect-backends";
    static final String ENDPOINT_PREFIX = "endpoint-prefix";
    static final String DETAILS_TOKEN = "details-token";
    static final String EVALUATION_PERIOD = "evaluation-period";
    static final String WINDOW_BUCKET = "window-bucket";
    static final String WINDOW_BUCKETS = "window-buckets";
    static final String REFETCH_GRACE = "refetch-grace";
    static final String TRACKED_ASSETS = "tracked-assets";
    static final String MAX_POPS = "max-pops";
    static final String MAX_UNKNOWN_BACKENDS = "max-unknown-backends";
    static final String NAME = "name";
    static final String BASELINE_DIRECTORY = "baseline-directory";
    static final String DETECTION_CHECKS = "detection-checks";
    static final String TRACE_LOG = "trace-log";
    static final String ZONE = "zone";

    static final List<String> NAMES = Collections.unmodifiableList(Arrays.asList(EXPECT_BACKENDS, ENDPOINT_PREFIX,
            DETAILS_TOKEN, EVALUATION_PERIOD, WINDOW_BUCKET, WINDOW_BUCKETS, REFETCH_GRACE, TRACKED_ASSETS, MAX_POPS,
            MAX_UNKNOWN_BACKENDS, NAME, BASELINE_DIRECTORY, DETECTION_CHECKS, TRACE_LOG, ZONE));

    private GuardConfig() {
    }

    /**
     * Builds and starts a guard from the parameters (name to value; absent names take the core's
     * defaults).
     *
     * @throws ServletException naming the first unknown or bad parameter
     */
    static CdnGuard build(Map<String, String> params) throws ServletException {
        for (String name : params.keySet()) {
            if (!NAMES.contains(name)) {
                throw new ServletException("cdnguard: unknown init-param '" + name + "'; known: " + String.join(", ", NAMES) + ", wrap-response");
            }
        }
        CdnGuard.Builder b = CdnGuard.builder();
        String v = params.get(EXPECT_BACKENDS);
        if (v != null && !v.isBlank()) {
            // "a,b,c" or, by route class, "static:asset-1,asset-2; api:api-1,api-2": CdnGuard.Builder#expectBackendSpec
            try {
                b.expectBackendSpec(v);
            } catch (IllegalArgumentException e) {
                throw new ServletException("cdnguard: init-param '" + EXPECT_BACKENDS + "': " + e.getMessage(), e);
            }
        }
        v = params.get(NAME);
        if (v != null && !v.trim().isEmpty()) {
            b.name(v.trim());
        }
        v = params.get(BASELINE_DIRECTORY);
        if (v != null && !v.trim().isEmpty()) {
            try {
                b.baselineDirectory(Paths.get(v.trim()));
            } catch (InvalidPathException e) {
                throw new ServletException("cdnguard: init-param '" + BASELINE_DIRECTORY + "' is not a path: '" + v + "'", e);
            }
        }
        v = params.get(ZONE);
        if (v != null && !v.trim().isEmpty()) {
            try {
                b.zone(java.time.ZoneId.of(v.trim()));
            } catch (java.time.DateTimeException e) {
                throw new ServletException("cdnguard: init-param '" + ZONE + "' is not a time zone (e.g. Europe/Berlin, UTC, +05:30): '"
                        + v + "'", e);
            }
        }
        v = params.get(DETECTION_CHECKS);
        if (v != null) {
            b.detectionChecks(bool(DETECTION_CHECKS, v));
        }
        v = params.get(TRACE_LOG);
        if (v != null) {
            b.traceLog(bool(TRACE_LOG, v));
        }
        v = params.get(ENDPOINT_PREFIX);
        if (v != null) {
            String prefix = v.trim();
            if (!prefix.startsWith("/") || prefix.length() > 1 && prefix.endsWith("/")) {
                throw new ServletException("cdnguard: init-param '" + ENDPOINT_PREFIX
                        + "' must start with '/' and not end with one: '" + v + "'");
            }
            b.endpointPrefix(prefix);
        }
        v = params.get(DETAILS_TOKEN);
        if (v != null) {
            if (v.trim().isEmpty()) {
                // a placeholder that expanded to nothing must not silently make the details public
                throw new ServletException("cdnguard: init-param '" + DETAILS_TOKEN
                        + "' is blank; remove it to show details to everyone, or give a token");
            }
            b.detailsToken(v.trim());
        }
        v = params.get(EVALUATION_PERIOD);
        if (v != null) {
            b.evaluationPeriod(duration(EVALUATION_PERIOD, v));
        }
        String bucket = params.get(WINDOW_BUCKET);
        String buckets = params.get(WINDOW_BUCKETS);
        if (bucket != null || buckets != null) {
            b.window(bucket == null ? Duration.ofSeconds(10) : duration(WINDOW_BUCKET, bucket),
                    buckets == null ? 360 : integer(WINDOW_BUCKETS, buckets));
        }
        v = params.get(REFETCH_GRACE);
        if (v != null) {
            b.refetchGrace(duration(REFETCH_GRACE, v));
        }
        v = params.get(TRACKED_ASSETS);
        if (v != null) {
            b.trackedAssets(integer(TRACKED_ASSETS, v));
        }
        v = params.get(MAX_POPS);
        if (v != null) {
            b.maxPops(integer(MAX_POPS, v));
        }
        v = params.get(MAX_UNKNOWN_BACKENDS);
        if (v != null) {
            b.maxUnknownBackends(integer(MAX_UNKNOWN_BACKENDS, v));
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ServletException("cdnguard: bad init-param " + params.keySet() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a duration: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d}, a plain
     * number of seconds, or ISO-8601 ({@code PT10S}).
     */
    static Duration duration(String param, String value) throws ServletException {
        String s = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            }
            char unit = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
            String number = Character.isDigit(unit) ? s : s.substring(0, s.length() - 1).trim();
            long n = Long.parseLong(number);
            switch (unit) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                case 'd':
                    return Duration.ofDays(n);
                default:
                    if (Character.isDigit(unit)) {
                        return Duration.ofSeconds(n);
                    }
                    throw new NumberFormatException("unit");
            }
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new ServletException("cdnguard: init-param '" + param + "' is not a duration (10s, 500ms, 5m, 1h, PT10S): '"
                    + value + "'", e);
        }
    }

    static boolean bool(String param, String value) throws ServletException {
        String s = value.trim().toLowerCase(Locale.ROOT);
        if (s.equals("true")) {
            return true;
        }
        if (s.equals("false")) {
            return false;
        }
        throw new ServletException("cdnguard: init-param '" + param + "' must be true or false: '" + value + "'");
    }

    static int integer(String param, String value) throws ServletException {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new ServletException("cdnguard: init-param '" + param + "' is not an integer: '" + value + "'", e);
        }
    }
}
