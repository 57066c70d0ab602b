package io.cdnguard.samples.backtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import io.cdnguard.UpstreamFailure;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * Reads the JSON Lines trace format ({@code trace-format.md}) with jackson-core's streaming parser:
 * no data binding, no per-line maps, no String per line.
 *
 * <p>A line is malformed when it is not one JSON object (bad JSON, cut short, trailing content), or
 * when a required field ({@code ts}, {@code method}, {@code path}, {@code status}) is missing or of
 * the wrong type, or the timestamp cannot be read or lies outside years 0000..9999.
 *
 * <p>Implementation notes (throughput, issue #3). Jackson tokenizes and validates every line (one
 * parser per line, over the line's bytes in the {@link LineSource} buffer: no String per line); on
 * top of it the reader avoids per-token work it does not need:
 * <ul>
 *   <li>Field names are predicted: each object kind (the record, {@code req}, {@code resp}) remembers
 *       the last two names that followed each name on earlier lines (traces repeat a few header
 *       orders), and asks jackson to match the predicted name's bytes
 *       ({@link JsonParser#nextFieldName(SerializableString)}) instead of hashing the name into its
 *       symbol table. A wrong guess falls back to the plain parse; the second candidate is then
 *       recognised by identity (jackson and the table both hold interned names).</li>
 *   <li>Names get a small id from a bounded table ({@value #MAX_NAMES} names of at most
 *       {@value #MAX_NAME_LENGTH} chars; others are parsed and lower-cased as before) that holds their
 *       lower-case interned form, so a mixed-case header name is lower-cased once per run, not once
 *       per line, and header lookups by constant name compare by identity.</li>
 *   <li>{@code duration_ms} with at most 15 digits and no exponent is converted exactly (both the
 *       digits and the power of ten are exact doubles, so one division is the correctly rounded
 *       value {@link Double#parseDouble} gives) without jackson's String-based parse.</li>
 * </ul>
 * Measured and not kept: leaving plain-ASCII header values undecoded (a view of the line's bytes,
 * jackson skipping the string) was no faster than letting jackson decode them, since the value
 * still has to be scanned twice, and it relied on jackson's token offsets.
 */
public final class JsonTraceReader extends TraceReader {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    /** Earliest timestamp accepted: 0000-01-01T00:00:00Z. */
    static final long MIN_TIMESTAMP = -62_167_219_200_000L;
    /** Latest timestamp accepted: 9999-12-31T23:59:59.999Z. */
    static final long MAX_TIMESTAMP = 253_402_300_799_999L;

    /** Most distinct field names given an id (and predicted); further names are parsed plainly. */
    static final int MAX_NAMES = 256;
    /** Longest field name given an id. */
    static final int MAX_NAME_LENGTH = 64;

    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
        1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    // object kinds, for name prediction
    private static final int RECORD = 0;
    private static final int REQ = 1;
    private static final int RESP = 2;
    private static final int START = -2;
    private static final int END = -3;

    // the record's fields: ids 0..9 of every reader's name table
    private static final String[] FIELDS = {"ts", "method", "path", "status", "bytes", "duration_ms", "backend", "error",
        "req", "resp"};
    private static final int F_TS = 0;
    private static final int F_METHOD = 1;
    private static final int F_PATH = 2;
    private static final int F_STATUS = 3;
    private static final int F_BYTES = 4;
    private static final int F_DURATION = 5;
    private static final int F_BACKEND = 6;
    private static final int F_ERROR = 7;
    private static final int F_REQ = 8;
    private static final int F_RESP = 9;

    private final String[] backendNames = new String[64];
    private int backendCount;

    private final Names names = new Names();
    /** Per object kind, the id of the name that followed each name last time (slot MAX_NAMES: the first name), or -1. */
    private final int[][] successor = new int[3][MAX_NAMES + 1];
    /** Per object kind, the successor before that (a different name), or -1. */
    private final int[][] alternative = new int[3][MAX_NAMES + 1];

    /** Reads from {@code in}, which it closes when closed. */
    public JsonTraceReader(InputStream in) {
        super(in);
        for (String f : FIELDS) {
            names.id(f);
        }
        for (int k = 0; k < 3; k++) {
            java.util.Arrays.fill(successor[k], -1);
            java.util.Arrays.fill(alternative[k], -1);
        }
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

    /**
     * Reads the next field name of an object of {@code kind}, after the field {@code prev} (an id,
     * -1 for a name without one, {@link #START} for the first): returns its id, -1 for a name without
     * one (its text is {@code p.currentName()}), or {@link #END} when the object has no more fields.
     */
    private int nextName(JsonParser p, int kind, int prev) throws IOException {
        int slot = prev == START ? MAX_NAMES : prev; // the first name of an object is predicted from slot MAX_NAMES
        if (slot < 0) {
            String n = p.nextFieldName();
            return n == null ? END : names.id(n);
        }
        int[] next = successor[kind];
        int[] alt = alternative[kind];
        int predicted = next[slot];
        int id;
        if (predicted >= 0) {
            if (p.nextFieldName(names.serialized[predicted])) {
                return predicted; // seen in this place last time: nothing to learn
            }
            if (p.currentToken() != JsonToken.FIELD_NAME) {
                return END;
            }
            String n = p.currentName();
            int other = alt[slot];
            // names from jackson and from the table are both interned: identity decides
            id = other >= 0 && names.text[other] == n ? other : names.id(n);
        } else {
            String n = p.nextFieldName();
            if (n == null) {
                return END;
            }
            id = names.id(n);
        }
        if (id >= 0) {
            alt[slot] = predicted; // keep the two latest successors: traces alternate between a few shapes
            next[slot] = id;
        }
        return id;
    }

    private boolean parse(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return false;
        }
        boolean hasTs = false;
        boolean hasMethod = false;
        boolean hasPath = false;
        boolean hasStatus = false;
        int id = START;
        while ((id = nextName(p, RECORD, id)) != END) {
            JsonToken t = p.nextToken();
            switch (id) {
                case F_TS:
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
                case F_METHOD:
                    if (t != JsonToken.VALUE_STRING) {
                        return false;
                    }
                    exchange.method(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    hasMethod = true;
                    break;
                case F_PATH:
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
                case F_STATUS:
                    if (t != JsonToken.VALUE_NUMBER_INT) {
                        return false;
                    }
                    long s = p.getValueAsLong();
                    exchange.status(s < 0 || s > 9999 ? 0 : (int) s);
                    hasStatus = true;
                    break;
                case F_BYTES:
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        exchange.bytes(p.getValueAsLong());
                    }
                    break;
                case F_DURATION:
                    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                        double ms = decimal(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                        if (Double.isNaN(ms)) {
                            ms = p.getDoubleValue();
                        }
                        exchange.durationNanos(ms >= 0 && ms < 1e9 ? (long) (ms * 1_000_000.0) : -1);
                    }
                    break;
                case F_BACKEND:
                    if (t == JsonToken.VALUE_STRING) {
                        exchange.backend(backendName(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()));
                    } else {
                        skip(p, t);
                    }
                    break;
                case F_ERROR:
                    if (t == JsonToken.VALUE_STRING) {
                        exchange.failure(failure(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()));
                    } else {
                        skip(p, t);
                    }
                    break;
                case F_REQ:
                case F_RESP:
                    if (t == JsonToken.START_OBJECT) {
                        if (!headers(p, id == F_REQ)) {
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
        int kind = request ? REQ : RESP;
        int id = START;
        while ((id = nextName(p, kind, id)) != END) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_STRING) {
                String n = id >= 0 ? names.lower[id] : lower(p.currentName());
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

    /**
     * {@code digits[.digits]} with at most 15 significant digits and 22 decimals, converted exactly
     * (the same double as {@link Double#parseDouble}); {@code NaN} for anything else.
     */
    static double decimal(char[] c, int off, int len) {
        if (len == 0 || c[off] == '.') {
            return Double.NaN;
        }
        long m = 0;
        int digits = 0;
        int decimals = -1;
        for (int i = off; i < off + len; i++) {
            char ch = c[i];
            if (ch >= '0' && ch <= '9') {
                if (m != 0 || ch != '0') {
                    digits++;
                }
                m = m * 10 + (ch - '0');
                if (decimals >= 0) {
                    decimals++;
                }
                if (digits > 15) {
                    return Double.NaN;
                }
            } else if (ch == '.' && decimals < 0) {
                decimals = 0;
            } else {
                return Double.NaN;
            }
        }
        if (decimals == 0 || decimals > 22) {
            return Double.NaN;
        }
        return decimals < 0 ? (double) m : m / POW10[decimals];
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

    /**
     * Field names with a small id: their text, serialized form (for matching) and lower-case interned
     * form. Looked up in an open-addressing table of interned names (identity first, then the cached
     * hash code and {@code String.equals}): no boxing, and no {@code HashMap} call sites whose type
     * profile the rest of the program shares.
     */
    static final class Names {
        final SerializedString[] serialized = new SerializedString[MAX_NAMES];
        final String[] text = new String[MAX_NAMES];
        final String[] lower = new String[MAX_NAMES];
        private final String[] keys = new String[MAX_NAMES * 2]; // at most half full: a probe always ends
        private final int[] ids = new int[MAX_NAMES * 2];
        private int size;

        /** The id of {@code name}, adding it while there is room; -1 when the table is full or the name too long. */
        int id(String name) {
            int h = name.hashCode();
            int mask = keys.length - 1;
            int i = (h ^ (h >>> 16)) & mask;
            for (String k; (k = keys[i]) != null; i = (i + 1) & mask) {
                if (k == name || (k.hashCode() == h && k.equals(name))) {
                    return ids[i];
                }
            }
            if (size == MAX_NAMES || name.length() > MAX_NAME_LENGTH) {
                return -1;
            }
            String n = name.intern();
            text[size] = n;
            serialized[size] = new SerializedString(n);
            lower[size] = n.toLowerCase(Locale.ROOT).intern();
            keys[i] = n; // the free slot the probe ended on
            ids[i] = size;
            return size++;
        }

        int size() {
            return size;
        }
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
