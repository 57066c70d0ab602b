package io.cdnguard.samples.backtest.sim;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.cdnguard.samples.backtest.Rfc3339;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Writes simulated records as trace-format JSON Lines. */
public final class JsonTraceWriter implements TraceSink, Closeable {

    private final JsonGenerator g;
    private long lines;

    /** Writes to {@code out}, closed with this writer. */
    public JsonTraceWriter(OutputStream out) throws IOException {
        this.g = new JsonFactory().createGenerator(out);
        this.g.setRootValueSeparator(null);
    }

    @Override
    public void accept(SimRecord r) {
        try {
            g.writeStartObject();
            g.writeStringField("ts", Rfc3339.format(r.ts));
            g.writeStringField("method", r.method);
            g.writeStringField("path", r.path);
            g.writeNumberField("status", r.status);
            g.writeNumberField("bytes", r.bytes);
            g.writeFieldName("duration_ms");
            long centi = Math.max(0, Math.round(r.durationMs * 100));
            g.writeRawValue(centi / 100 + "." + (centi % 100 < 10 ? "0" : "") + centi % 100);
            if (r.backend != null) {
                g.writeStringField("backend", r.backend);
            }
            if (r.error != null) {
                g.writeStringField("error", r.error);
            }
            g.writeObjectFieldStart("req");
            for (int i = 0; i < r.req.size(); i += 2) {
                g.writeStringField(r.req.get(i), r.req.get(i + 1));
            }
            g.writeEndObject();
            g.writeObjectFieldStart("resp");
            for (int i = 0; i < r.resp.size(); i += 2) {
                g.writeStringField(r.resp.get(i), r.resp.get(i + 1));
            }
            g.writeEndObject();
            g.writeEndObject();
            g.writeRaw('\n');
            lines++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines written. */
    public long lines() {
        return lines;
    }

    @Override
    public void close() throws IOException {
        g.close();
    }
}
