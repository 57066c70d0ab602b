package io.cdnguard.samples.backtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.cdnguard.HealthStatus;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * One health transition of a check (or of {@code overall}) at a simulated time.
 *
 * @param atMillis the evaluation time, epoch milliseconds
 * @param check the check name, or {@code overall}
 * @param status the new status
 * @param previous the status before
 * @param message the check's message
 */
public record Transition(long atMillis, String check, HealthStatus status, HealthStatus previous, String message) {

    private static final JsonFactory FACTORY = new JsonFactory();

    /**
     * The spec's output line (without newline):
     * {@code {"ts":"2021-04-04T02:14:00Z","check":"cdn-traffic","status":"DEGRADED","previous":"UP","message":"..."}}.
     */
    public String toJson() {
        StringWriter w = new StringWriter(128);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("ts", Rfc3339.format(atMillis));
            g.writeStringField("check", check);
            g.writeStringField("status", status.name());
            g.writeStringField("previous", previous.name());
            g.writeStringField("message", message == null ? "" : message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
