package io.cdnguard.internal;

import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthEndpoint;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HealthEndpoint} contract's implementation.
 *
 * <p>Routes, under the prefix {@code P}:
 * <ul>
 *   <li>{@code P/health}: {@link HealthJson} ({@code application/health+json}); HTTP status by the
 *       status map (default UP 200, DEGRADED 200, DOWN 503);
 *   <li>{@code P/health/lb}: {@code UP}, {@code DEGRADED} or {@code DOWN} and a line feed as
 *       {@code text/plain; charset=utf-8}; same HTTP status;
 *   <li>{@code P/metrics}: {@link PrometheusText}, always 200, from a fresh snapshot;
 *   <li>anything else at or under {@code P}: 404.
 * </ul>
 * Only {@code GET} and {@code HEAD} are allowed on the three routes (else 405 with
 * {@code Allow: GET, HEAD}). For {@code HEAD} the response carries the same body as {@code GET}
 * so that {@link Response#contentLength()} is right; adapters send the headers only.
 *
 * <p>Health and LB responses render the last evaluated report; checks are never evaluated on the
 * request thread. Details (check names, messages, details) are shown when no token is configured,
 * or when the {@code Authorization} header is {@code Bearer <token>} (scheme case-insensitive,
 * token compared in constant time); otherwise the status-only document is served. A configured
 * empty token never matches. {@link #handle} never throws: any failure is a 500 with a short
 * plain-text body, logged once per distinct failure.
 *
 * <p>Thread-safe: immutable apart from the volatile last-failure string used for log-once.
 */
public final class DefaultHealthEndpoint implements HealthEndpoint {

    private static final Logger log = LoggerFactory.getLogger(DefaultHealthEndpoint.class);

    /** The {@code Allow} header of 405 responses. */
    static final String ALLOW = "GET, HEAD";

    private static final String LB_CONTENT_TYPE = "text/plain; charset=utf-8";

    private final String prefix;
    private final String base;
    private final byte[] expectedToken;
    private final boolean tokenConfigured;
    private final Map<HealthStatus, Integer> httpStatus = new EnumMap<>(HealthStatus.class);
    private final Supplier<HealthReport> report;
    private final Supplier<GuardSnapshot> snapshot;
    private volatile String lastFailure;

    /**
     * @param prefix path prefix without trailing slash (or {@code "/"}: then only the three
     *     endpoint paths themselves match)
     * @param detailsToken token required to see details, or {@code null}
     * @param httpStatus HTTP status per health status; missing entries default to UP 200,
     *     DEGRADED 200, DOWN 503
     * @param report the last evaluated report
     * @param snapshot takes a counters snapshot (for metrics)
     */
    public DefaultHealthEndpoint(String prefix, String detailsToken, Map<HealthStatus, Integer> httpStatus,
            Supplier<HealthReport> report, Supplier<GuardSnapshot> snapshot) {
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.base = "/".equals(prefix) ? "" : prefix;
        this.tokenConfigured = detailsToken != null;
        this.expectedToken = detailsToken == null ? new byte[0] : detailsToken.getBytes(StandardCharsets.UTF_8);
        this.httpStatus.put(HealthStatus.UP, 200);
        this.httpStatus.put(HealthStatus.DEGRADED, 200);
        this.httpStatus.put(HealthStatus.DOWN, 503);
        if (httpStatus != null) {
            this.httpStatus.putAll(httpStatus);
        }
        this.report = Objects.requireNonNull(report, "report");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
    }

    @Override
    public String prefix() {
        return prefix;
    }

    @Override
    public boolean matches(CharSequence path) {
        if (path == null) {
            return false;
        }
        if (base.isEmpty()) {
            return route(path) != Route.NONE;
        }
        int n = base.length();
        if (path.length() < n || !base.contentEquals(path.subSequence(0, n))) {
            return false;
        }
        return path.length() == n || path.charAt(n) == '/';
    }

    private enum Route { HEALTH, LB, METRICS, NONE }

    private Route route(CharSequence path) {
        int n = base.length();
        if (path.length() < n || !base.contentEquals(path.subSequence(0, n))) {
            return Route.NONE;
        }
        String rest = path.subSequence(n, path.length()).toString();
        switch (rest) {
            case "/health":
                return Route.HEALTH;
            case "/health/lb":
                return Route.LB;
            case "/metrics":
                return Route.METRICS;
            default:
                return Route.NONE;
        }
    }

    @Override
    public Response handle(String method, CharSequence path, CharSequence authorization) {
        try {
            if (!matches(path)) {
                return Response.text(404, "not found\n");
            }
            Route route = route(path);
            if (route == Route.NONE) {
                return Response.text(404, "not found\n");
            }
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                return new Response(405, "text/plain; charset=utf-8",
                        "method not allowed\n".getBytes(StandardCharsets.UTF_8), ALLOW);
            }
            Response r;
            switch (route) {
                case HEALTH: {
                    HealthReport rep = Objects.requireNonNull(report.get(), "report");
                    String json = HealthJson.render(rep, detailsAllowed(authorization));
                    r = new Response(status(rep.status()), HealthJson.CONTENT_TYPE,
                            json.getBytes(StandardCharsets.UTF_8), null);
                    break;
                }
                case LB: {
                    HealthReport rep = Objects.requireNonNull(report.get(), "report");
                    r = new Response(status(rep.status()), LB_CONTENT_TYPE,
                            (rep.status().name() + "\n").getBytes(StandardCharsets.UTF_8), null);
                    break;
                }
                default: {
                    GuardSnapshot snap = Objects.requireNonNull(snapshot.get(), "snapshot");
                    String text = PrometheusText.render(snap, report.get());
                    r = new Response(200, PrometheusText.CONTENT_TYPE, text.getBytes(StandardCharsets.UTF_8), null);
                }
            }
            if (lastFailure != null) {
                lastFailure = null;
                log.info("cdnguard endpoint {} answers again", prefix);
            }
            return r;
        } catch (Throwable t) {
            String key = t.getClass().getName() + ": " + t.getMessage();
            if (!key.equals(lastFailure)) {
                lastFailure = key;
                log.warn("cdnguard endpoint {} failed; answering 500", prefix, t);
            }
            return Response.text(500, "internal error\n");
        }
    }

    private int status(HealthStatus s) {
        Integer code = httpStatus.get(s);
        return code == null ? (s == HealthStatus.DOWN ? 503 : 200) : code;
    }

    /** Whether the request may see details: no token configured, or {@code Bearer <token>}. */
    boolean detailsAllowed(CharSequence authorization) {
        if (!tokenConfigured) {
            return true;
        }
        if (authorization == null || expectedToken.length == 0) {
            return false;
        }
        String a = authorization.toString();
        if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        int start = 7;
        while (start < a.length() && a.charAt(start) == ' ') {
            start++;
        }
        int end = a.length();
        while (end > start && (a.charAt(end - 1) == ' ' || a.charAt(end - 1) == '\t')) {
            end--;
        }
        byte[] given = a.substring(start, end).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, expectedToken);
    }
}
