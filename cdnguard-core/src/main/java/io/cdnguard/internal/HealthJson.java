package io.cdnguard.internal;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthReport;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renders a {@link HealthReport} as {@code application/health+json}, after the IETF draft "Health
 * Check Response Format for HTTP APIs" (draft-inadarei-api-health-check).
 *
 * <p>Full document (details shown):
 * <pre>{@code
 * {"status":"warn","description":"cdnguard","cdnguardStatus":"DEGRADED","time":"2026-11-23T21:00:00Z",
 *  "checks":{
 *   "cdn-errors":[{"status":"warn","cdnguardStatus":"DEGRADED","time":"2026-11-23T21:00:00Z",
 *                  "output":"CDN 5xx ratio 12.5% ...","observedValue":0.125,
 *                  "details":{"errors":5,"fetches":40,"ratio":0.125,"windowSeconds":60}}],
 *   "upstream-failures":[{"status":"pass","cdnguardStatus":"UP","time":"...","output":"..."}]}}
 * }</pre>
 * {@code status} is the draft's pass/warn/fail; {@code cdnguardStatus} is cdnguard's own word
 * (UP/DEGRADED/DOWN). A check's detail entries named {@code observedValue} and {@code observedUnit}
 * are lifted to the draft's fields of that name; the others go under {@code details}.
 *
 * <p>Status-only document (details hidden): {@code {"status":"warn","description":"cdnguard",
 * "cdnguardStatus":"DEGRADED","time":"..."}}: no check names, messages or details.
 *
 * <p>Stateless and thread-safe.
 */
public final class HealthJson {

    /** The media type. */
    public static final String CONTENT_TYPE = "application/health+json";

    /** The {@code description} field. */
    static final String DESCRIPTION = "cdnguard";

    private HealthJson() {
    }

    /**
     * Renders the report.
     *
     * @param report the report
     * @param details whether to include the checks (names, messages, details)
     * @return the JSON document, ending with a newline
     */
    public static String render(HealthReport report, boolean details) {
        StringBuilder sb = new StringBuilder(details ? 512 : 128);
        JsonWriter w = new JsonWriter(sb);
        String time = rfc3339(report.timeMillis());
        sb.append('{');
        w.string("status").raw(":").string(report.status().apiStatus());
        sb.append(',');
        w.string("description").raw(":").string(DESCRIPTION);
        sb.append(',');
        w.string("cdnguardStatus").raw(":").string(report.status().name());
        sb.append(',');
        w.string("time").raw(":").string(time);
        if (details) {
            sb.append(',');
            w.string("checks").raw(":{");
            boolean first = true;
            for (Map.Entry<String, CheckResult> e : report.checks().entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                w.string(e.getKey()).raw(":[");
                check(w, e.getValue(), time);
                sb.append(']');
            }
            sb.append('}');
        }
        sb.append("}\n");
        return sb.toString();
    }

    private static void check(JsonWriter w, CheckResult r, String time) {
        w.raw("{");
        w.string("status").raw(":").string(r.status().apiStatus());
        w.raw(",").string("cdnguardStatus").raw(":").string(r.status().name());
        w.raw(",").string("time").raw(":").string(time);
        if (!r.message().isEmpty()) {
            w.raw(",").string("output").raw(":").string(r.message());
        }
        Map<String, Object> rest = new LinkedHashMap<>();
        for (Map.Entry<String, Object> d : r.details().entrySet()) {
            String k = d.getKey();
            if ("observedValue".equals(k) || "observedUnit".equals(k)) {
                w.raw(",").string(k).raw(":").value(d.getValue());
            } else {
                rest.put(k, d.getValue());
            }
        }
        if (!rest.isEmpty()) {
            w.raw(",").string("details").raw(":").value(rest);
        }
        w.raw("}");
    }

    /** Formats epoch milliseconds as RFC 3339 in UTC, e.g. {@code 2026-11-23T21:00:00.123Z}. */
    static String rfc3339(long millis) {
        return DateTimeFormatter.ISO_INSTANT.format(Instant.ofEpochMilli(millis));
    }
}
