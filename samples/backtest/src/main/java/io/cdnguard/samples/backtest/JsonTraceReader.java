package io.cdnguard.samples.backtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.cdnguard.UpstreamFailure;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Reads the JSON Lines trace format ({@code trace-format.md}) with jackson-core's streaming parser:
 * no data binding, no per-line maps; header values are copied from the parser's character buffer
 * into the reused {@link TraceExchange}.
 *
 * <p>A line is malformed when it is not one JSON object (bad JSON, cut short, trailing content), or
 * when a required field ({@code ts}, {@code method}, {@code path}, {@code status}) is missing or of
 * the wrong type, or the timestamp cannot be read or lies outside years 0000..9999.
 */
public final class JsonTraceReader extends TraceReader {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    /** Earliest timestamp accepted: 0000-01-01T00:00:00Z. */
    static final long MIN_TIMESTAMP = -62_167_219_200_000L;
    /** Latest timestamp accepted: 9999-12-31T23:59:59.999Z. */
    static final long MAX_TIMESTAMP = 253_402_300_799_999L;

    private final String[] backendNames = new String[64];
    private int backendCount;

    /** Reads from {@code in}, which it closes when closed. */
    public JsonTraceReader(InputStream in) {
        super(in);
    }

    @Override
    public boolean next() throws IOException {
        while (lines.nextLine()) {
            lineNumber++;
            if (lines.tooLong()) {
                markMalformed();
                continue;
            }
            byte[] b = lines.buffer();
            int off = lines.start();
            int len = lines.length();
            if (blank(b, off, len)) {
                continue;
            }
            exchange.reset();
            boolean ok;
            try (JsonParser p = FACTORY.createParser(b, off, len)) {
                ok = parse(p);
            } catch (IOException | RuntimeException e) {
                ok = false;
            }
            if (ok) {
                records++;
                return true;
            }
            markMalformed();
        }
        return false;
    }

    private boolean parse(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return false;
        }
        boolean hasTs = false;
        boolean hasMethod = false;
        boolean hasPath = false;
        boolean hasStatus = false;
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            switch (name) {
                case "ts":
                    if (t == JsonToken.VALUE_STRING) {
                        timestamp = Rfc3339.parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                        if (timestamp == Rfc3339.INVALID) {
                            timestamp = numericText(p);
                            if (timestamp == Rfc3339.INVALID) {
                                return false;
                            }
                        }
                    } else if (t == JsonToken.VALUE_NUMBER_INT) {
                        timestamp = p.getValueAsLong();
                    } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
                        timestamp = (long) p.getDoubleValue();
                    } else {
                        return false;
                    }
                    if (timestamp < MIN_TIMESTAMP || timestamp > MAX_TIMESTAMP) {
                        return false; // outside years 0000..9999: a corrupt value, not a time to simulate up to
                    }
                    hasTs = true;
                    break;
                case "method":
                    if (t != JsonToken.VALUE_STRING) {
                        return false;
                    }
                    exchange.method(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    hasMethod = true;
                    break;
                case "path":
                    if (t != JsonToken.VALUE_STRING) {
                        return false;
                    }
                    char[] c = p.getTextCharacters();
                    int o = p.getTextOffset();
                    int l = p.getTextLength();
                    for (int i = 0; i < l; i++) {
                        if (c[o + i] == '?') {
                            l = i;
                            break;
                        }
                    }
                    exchange.path(c, o, l);
                    hasPath = true;
                    break;
                case "status":
                    if (t != JsonToken.VALUE_NUMBER_INT) {
                        return false;
                    }
                    long s = p.getValueAsLong();
                    exchange.status(s < 0 || s > 9999 ? 0 : (int) s);
                    hasStatus = true;
                    break;
                case "bytes":
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        exchange.bytes(p.getValueAsLong());
                    }
                    break;
                case "duration_ms":
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        double ms = p.getDoubleValue();
                        exchange.durationNanos(ms >= 0 && ms < 1e9 ? (long) (ms * 1_000_000.0) : -1);
                    }
                    break;
                case "backend":
                    if (t == JsonToken.VALUE_STRING) {
                        exchange.backend(backendName(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()));
                    } else {
                        skip(p, t);
                    }
                    break;
                case "error":
                    if (t == JsonToken.VALUE_STRING) {
                        exchange.failure(failure(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()));
                    } else {
                        skip(p, t);
                    }
                    break;
                case "req":
                case "resp":
                    if (t == JsonToken.START_OBJECT) {
                        if (!headers(p, name.equals("req"))) {
                            return false;
                        }
                    } else {
                        skip(p, t);
                    }
                    break;
                default:
                    skip(p, t);
                    break;
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT) {
            return false;
        }
        if (p.nextToken() != null) {
            return false; // trailing content on the line
        }
        return hasTs && hasMethod && hasPath && hasStatus;
    }

    private boolean headers(JsonParser p, boolean request) throws IOException {
        String name;
        while ((name = p.nextFieldName()) != null) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_STRING) {
                String n = lower(name);
                if (request) {
                    exchange.requestHeader(n, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                } else {
                    exchange.responseHeader(n, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                }
            } else {
                skip(p, t);
            }
        }
        return p.currentToken() == JsonToken.END_OBJECT;
    }

    private static String lower(String name) {
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch >= 'A' && ch <= 'Z') {
                return name.toLowerCase(Locale.ROOT).intern();
            }
        }
        return name;
    }

    private static void skip(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
        }
    }

    private static long numericText(JsonParser p) throws IOException {
        char[] c = p.getTextCharacters();
        int o = p.getTextOffset();
        int l = p.getTextLength();
        if (l == 0 || l > 18) {
            return Rfc3339.INVALID;
        }
        long v = 0;
        for (int i = 0; i < l; i++) {
            char ch = c[o + i];
            if (ch < '0' || ch > '9') {
                return Rfc3339.INVALID;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    private final CharSlice failureSlice = new CharSlice();

    private UpstreamFailure failure(char[] c, int o, int l) {
        return UpstreamFailure.fromLabel(failureSlice.set(c, o, l));
    }

    /** Backend names are few: keep one String per name (bounded) instead of one per line. */
    private String backendName(char[] c, int o, int l) {
        if (l == 0) {
            return null;
        }
        for (int i = 0; i < backendCount; i++) {
            String s = backendNames[i];
            if (s.length() == l && same(s, c, o, l)) {
                return s;
            }
        }
        String s = new String(c, o, l);
        if (backendCount < backendNames.length) {
            backendNames[backendCount++] = s;
        }
        return s;
    }

    private static boolean same(String s, char[] c, int o, int l) {
        for (int i = 0; i < l; i++) {
            if (s.charAt(i) != c[o + i]) {
                return false;
            }
        }
        return true;
    }
}
