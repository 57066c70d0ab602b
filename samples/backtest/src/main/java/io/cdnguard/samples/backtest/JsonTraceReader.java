package io.cdnguard.samples.backtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
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
 * <p>Implementation notes (throughput, issue #3). Jackson tokenizes and validates every byte of
 * every line, over the {@link LineSource} buffer (no String per line), and the reader avoids the
 * per-line and per-token work it does not need:
 * <ul>
 *   <li>One parser reads the buffer's lines one record after the other (jackson reads a sequence
 *       of root-level values), instead of one parser per line: a parser, its context and symbol
 *       table cost more than a short line's tokens, and about 700 bytes of garbage. A record it
 *       reads counts only when it starts on its line (the parser starts at a line's start or after
 *       the previous record's line, and only blank lines come between) and ends on it, followed by
 *       whitespace only: then it is, token for token, what a parser of that line alone reads. Any
 *       other outcome (bad JSON, a record over two lines, trailing content, a missing field, the
 *       buffer refilled) decides nothing: the line gets a parser of its own, as before, which
 *       decides, and the next bulk parser starts after it.</li>
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
 *   <li>A header value under a name (with an id) that nobody asked for on an earlier line is not
 *       decoded: jackson skips the string (it still checks it) and the header is added without its
 *       value. The core reads a few of a line's headers, always by the same names, so most values
 *       (host, etag, x-request-id, ...) are never copied. When one is asked for, the line is read
 *       again by a parser of its own (its bytes stay in the buffer until the next line) to decode
 *       the skipped values, and that name is decoded on every later line: a run reads a line again
 *       about once per spelling of a name the core asks for ("Via" and "via" are two).</li>
 *   <li>After a line the bulk parser read, the next line is read without looking for its end
 *       first ({@code nextLineRecord}): when it starts with an opening brace, jackson reads the record
 *       from there, and its end, the white space after it and the newline are found from where
 *       jackson stopped; jackson's own line count (its row) tells that no line break lies inside
 *       the record. Anything else (a blank or indented line, a record over two lines, trailing
 *       content, the buffer's end) goes the usual way. This saves the newline search over every
 *       byte of every line (about 5 % of a busy trace's reading and recording). It is tried only
 *       when the buffer holds at least twice the longest record line so far ({@link #fastMargin}):
 *       a line cut by the buffer's end ends jackson's parse on branches C2 compiled as traps
 *       (end of input inside a string, a number, white space: a new one at almost every refill),
 *       and each trap had the reader's parse compiled again, 0.2 to 0.5 s of C2 each, on the same
 *       core as the reading in a one-core run.</li>
 *   <li>Header values that recur (user agents, {@code Cache-Control} policies, {@code CDN-Loop})
 *       are handed to the core as one canonical {@code String} each ({@code Values}), not as a
 *       copy in the arena, so the core's {@code String} fast paths and its {@code Cache-Control}
 *       memo (which keeps {@code String}s only) apply: about 8 % of reading and recording on a
 *       busy trace. Names whose values do not recur are left out after a window of lookups.</li>
 *   <li>{@code status} and integral {@code bytes} are converted from jackson's text of the number
 *       (up to 18 digits; anything else by jackson, as before); the timestamp's minute prefix is
 *       converted once per minute ({@code Rfc3339.Stream}).</li>
 * </ul>
 * Both are checked against a parser per line decoding every value ({@code
 * JsonTraceReaderDifferentialTest}, {@code JsonTraceReaderFastPathTest}). Measured and not kept, earlier: leaving plain-ASCII header
 * values undecoded as a view of the line's bytes (decoded by hand from jackson's token offsets
 * when asked for) was no faster than letting jackson decode them, and it was a second string
 * decoder; a byte-level hand parser in front of jackson (issue #3 asks for jackson alone); and
 * reading the closing brace's offset from {@code ParserBase.getTokenCharacterOffset()} instead of
 * the {@code JsonLocation} {@code currentLocation()} allocates: jackson 2.18's
 * {@code nextFieldName(SerializableString)} does not record the offset of a closing brace, so
 * every record looked cut and went to a parser of its own.
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
    /** Least {@link #fastMargin}. */
    static final int MIN_FAST_MARGIN = 4096;

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
    final Values values = new Values();
    private final Rfc3339.Stream timestamps = new Rfc3339.Stream();
    /** Per object kind, the id of the name that followed each name last time (slot MAX_NAMES: the first name), or -1. */
    private final int[][] successor = new int[3][MAX_NAMES + 1];
    /** Per object kind, the successor before that (a different name), or -1. */
    private final int[][] alternative = new int[3][MAX_NAMES + 1];

    /**
     * The parser reading consecutive lines of the buffer (null when there is none), over {@code
     * bulkBuf[bulkFrom, bulkEnd)} as it was at refill {@code bulkRefills}; positioned after the
     * last record it read, whose line ended in whitespace.
     */
    private JsonParser bulk;
    private byte[] bulkBuf;
    private int bulkFrom;
    private int bulkEnd;
    private int bulkRefills;

    /**
     * Where the line after the last record the bulk parser read starts (-1: unknown, or no bulk
     * parser), jackson's row number there, and where that record's closing brace ended, for
     * {@link #nextLineRecord}.
     */
    private int fastPos = -1;
    /**
     * Bytes the buffer must hold from {@link #fastPos} on for {@link #nextLineRecord} to try: twice
     * the longest record line read so far, so that the line it reads is, but for a line more than
     * twice as long as any before it, whole in the buffer.
     */
    private int fastMargin = MIN_FAST_MARGIN;
    private int fastRow;
    private int endRow;
    private int endAt;

    /** Whether lines are read by one parser over the buffer ({@link #bulk}) first (always, but for tests and benchmarks). */
    private final boolean bulkLines;

    /** Records read by the bulk parser (the others by a parser of their own), for tests. */
    long bulkRecords;
    /** Of those, the lines read without a newline search first ({@link #nextLineRecord}), for tests. */
    long unsearchedLines;
    /** Lines {@link #nextLineRecord} tried and left to the usual way, for tests. */
    long fastGiveUps;

    /** Per name id: whether a header value under that name was asked for (then decoded on every line). */
    private final boolean[] needed = new boolean[MAX_NAMES];
    /** Lines read again to decode skipped header values, for tests. */
    long rereads;

    /** Reads from {@code in}, which it closes when closed. */
    public JsonTraceReader(InputStream in) {
        this(in, true);
    }

    /**
     * Reads from {@code in}; with {@code bulkLines} false every line gets a parser of its own (the
     * reference the bulk parser is tested against, and measured against).
     */
    JsonTraceReader(InputStream in, boolean bulkLines) {
        super(in);
        this.bulkLines = bulkLines;
        if (bulkLines) {
            exchange.skippedValues = this::decodeSkipped;
        }
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
        if (fastPos >= 0 && nextLineRecord()) {
            lineNumber++;
            bulkRecords++;
            unsearchedLines++;
            records++;
            return true;
        }
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
                continue; // whitespace to the bulk parser too
            }
            exchange.reset();
            boolean ok = bulkLines && bulkRecord(b, off, len);
            if (ok) {
                bulkRecords++;
                afterLine(b);
            } else {
                closeBulk(); // it has not read this line as one record: the next parser starts after it
                exchange.reset();
                try (JsonParser p = FACTORY.createParser(b, off, len)) {
                    ok = parse(p) && p.nextToken() == null; // nothing after the object on the line
                } catch (IOException | RuntimeException e) {
                    ok = false;
                }
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
     * Reads the line {@code b[off, off + len)} with the bulk parser, opening one at this line if
     * need be: true when it read exactly one well-formed record that ends on this line, followed by
     * whitespace only; false having decided nothing (the line then gets a parser of its own, which
     * decides), the bulk parser then being in an unknown place.
     *
     * <p>Why this is the line's own parse: the bulk parser starts at a line's start or after a
     * record it read, whose line it checked is whitespace to its end; between records there are
     * only blank lines (whitespace to jackson, as the newlines are), since any other line closes
     * it. So the first token it reads is this line's first, the object it reads is the one a parser
     * of the line alone reads, token for token, and the line's end (whitespace only after the
     * object) is what that parser's {@code nextToken() == null} checks.
     */
    private boolean bulkRecord(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r')) {
            i++;
        }
        if (i >= end || b[i] != '{') {
            return false; // not an object (no line of them is a record): no bulk parser for it
        }
        if (bulk == null || b != bulkBuf || lines.refills() != bulkRefills || off < bulkFrom || end > bulkEnd) {
            closeBulk();
            if (!openBulk(b, off)) {
                return false;
            }
        }
        try {
            JsonParser p = bulk;
            if (!parse(p)) {
                return false;
            }
            JsonLocation at = p.currentLocation();
            long after = at.getByteOffset(); // just after the closing brace, from bulkFrom
            endRow = at.getLineNr();
            endAt = bulkFrom + (int) after;
            if (after <= i - bulkFrom || after > end - bulkFrom) {
                return false; // not on this line (a record over several lines): the line alone decides
            }
            for (int k = bulkFrom + (int) after; k < end; k++) {
                byte c = b[k];
                if (c != ' ' && c != '\t' && c != '\r') {
                    return false; // trailing content: the line alone decides
                }
            }
            longest(len);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Opens the bulk parser at the line starting at {@code off}, over the rest of the buffer; false
     * when the line's first four bytes are not plain ASCII text: jackson guesses the encoding (a BOM,
     * UTF-16 or UTF-32 from zero bytes) from them, as it does for that line alone, so they must not
     * depend on the line's length.
     */
    private boolean openBulk(byte[] b, int off) {
        int limit = lines.limit();
        if (limit - off < 4) {
            return false;
        }
        for (int k = off; k < off + 4; k++) {
            byte c = b[k];
            if ((c < 0x20 || c > 0x7E) && c != '\t' && c != '\r') {
                return false;
            }
        }
        try {
            bulk = FACTORY.createParser(b, off, limit - off);
        } catch (IOException | RuntimeException e) {
            return false;
        }
        bulkBuf = b;
        bulkFrom = off;
        bulkEnd = limit;
        bulkRefills = lines.refills();
        return true;
    }

    /**
     * Decodes the header values of the current line that were skipped ({@link
     * TraceExchange.Headers#addSkipped}), when the core asks for one: reads the line again with a
     * parser of its own (the line's bytes stay in the buffer until the next line is read) and
     * hands the k-th string value of the {@code req} and {@code resp} objects to the k-th header,
     * the order {@link #headers} added them in. The name asked for is decoded on every later line.
     */
    private void decodeSkipped() {
        rereads++;
        if (exchange.askedSkipped >= 0 && exchange.askedSkipped < MAX_NAMES) {
            needed[exchange.askedSkipped] = true;
        }
        TraceExchange.Headers req = (TraceExchange.Headers) exchange.requestHeaders();
        TraceExchange.Headers resp = (TraceExchange.Headers) exchange.responseHeaders();
        int[] at = new int[2];
        try (JsonParser p = FACTORY.createParser(lines.buffer(), lines.start(), lines.length())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                int k = "req".equals(name) ? 0 : "resp".equals(name) ? 1 : -1;
                if (k < 0 || t != JsonToken.START_OBJECT) {
                    skip(p, t);
                    continue;
                }
                TraceExchange.Headers h = k == 0 ? req : resp;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    JsonToken v = p.nextToken();
                    if (v != JsonToken.VALUE_STRING) {
                        skip(p, v);
                        continue;
                    }
                    int i = at[k]++;
                    if (i < h.size() && h.skippedId[i] >= 0) {
                        exchange.fillSkipped(h, i, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the line was read before: it does not fail now
        }
        for (TraceExchange.Headers h : new TraceExchange.Headers[] {req, resp}) {
            for (int i = 0; i < h.size(); i++) {
                if (h.skippedId[i] >= 0) {
                    exchange.fillSkipped(h, i, new char[0], 0, 0); // not expected: never ask again
                }
            }
        }
    }

    /**
     * After the bulk parser read the current line's record (by {@link #bulkRecord}): where the next
     * line starts and jackson's row there, when the line ended in {@code [ \t]*} and a newline
     * (optionally {@code \r\n}) within the bulk parser's bytes, so that {@link #nextLineRecord} may
     * read the next line without a newline search. Any other end (a lone {@code \r}, the last line
     * without a newline) leaves the next line to the usual way.
     */
    private void afterLine(byte[] b) {
        fastPos = -1;
        int next = lines.position();
        int nl = next - 1;
        if (nl < endAt || nl >= bulkEnd || b[nl] != '\n') {
            return;
        }
        int end = nl > endAt && b[nl - 1] == '\r' ? nl - 1 : nl;
        for (int k = endAt; k < end; k++) {
            if (b[k] != ' ' && b[k] != '\t') {
                return;
            }
        }
        fastRow = endRow + 1; // \n or \r\n: one line break for jackson
        fastPos = next;
    }

    /**
     * Reads the next line with the bulk parser without looking for its end first: true when the
     * line (at {@link #fastPos}, right after the previous record's line) starts with an opening brace
     * and jackson reads one well-formed record that starts and ends on jackson's row
     * {@link #fastRow} (no line break inside it), followed by white space and a newline within the
     * parser's bytes. Then {@link LineSource#advanceTo} makes that newline the line's end, and the
     * line is, byte for byte, the one {@link LineSource#nextLine} finds, read as {@link #bulkRecord}
     * reads it. False having decided nothing: the bulk parser is closed, and the line goes the
     * usual way ({@code nextLine}, {@code bulkRecord}, a parser of its own).
     *
     * <p>Why jackson's first token is the opening brace at {@code fastPos}: the parser stopped after
     * the previous record's closing brace, and everything from there to {@code fastPos} is that
     * line's trailing white space and newline ({@link #afterLine} and this method check it).
     */
    private boolean nextLineRecord() {
        byte[] b = bulkBuf;
        int pos = fastPos;
        fastPos = -1;
        if (bulk == null || b != lines.buffer() || lines.refills() != bulkRefills || pos != lines.position()
                || bulkEnd - pos < fastMargin || b[pos] != '{') {
            return false;
        }
        exchange.reset();
        try {
            JsonParser p = bulk;
            if (parse(p)) {
                JsonLocation at = p.currentLocation();
                int row = at.getLineNr();
                int k = bulkFrom + (int) at.getByteOffset(); // just after the closing brace
                if (row == fastRow && k > pos) {
                    int end = bulkEnd;
                    while (k < end) {
                        byte c = b[k];
                        if (c == '\n') {
                            longest(k - pos);
                            lines.advanceTo(k);
                            endAt = k;
                            fastRow = row + 1;
                            fastPos = k + 1;
                            return true;
                        }
                        if (c == '\r' && k + 1 < end && b[k + 1] == '\n') {
                            k++; // one line break for jackson, as the newline alone
                            continue;
                        }
                        if (c != ' ' && c != '\t') {
                            break; // trailing content or a lone \r: the usual way decides
                        }
                        k++;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the usual way decides
        }
        fastGiveUps++;
        closeBulk();
        exchange.reset();
        return false;
    }

    /** Notes a record line's length for {@link #fastMargin}. */
    private void longest(int len) {
        if (len > fastMargin >> 1) {
            fastMargin = len > TraceReader.MAX_LINE ? 2 * TraceReader.MAX_LINE : 2 * len;
        }
    }

    private void closeBulk() {
        fastPos = -1;
        JsonParser p = bulk;
        if (p != null) {
            bulk = null;
            bulkBuf = null;
            try {
                p.close();
            } catch (IOException | RuntimeException e) {
                // a parser over bytes in memory: nothing to release but its buffers
            }
        }
    }

    @Override
    public void close() throws IOException {
        closeBulk();
        super.close();
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
                        timestamp = timestamps.parse(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
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
                    long s = integer(p);
                    exchange.status(s < 0 || s > 9999 ? 0 : (int) s);
                    hasStatus = true;
                    break;
                case F_BYTES:
                    if (t == JsonToken.VALUE_NUMBER_INT) {
                        exchange.bytes(integer(p));
                    } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
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
        return hasTs && hasMethod && hasPath && hasStatus; // the caller checks the rest of the line
    }

    private boolean headers(JsonParser p, boolean request) throws IOException {
        int kind = request ? REQ : RESP;
        int id = START;
        while ((id = nextName(p, kind, id)) != END) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.VALUE_STRING) {
                if (id >= 0 && !needed[id] && bulkLines) {
                    // not asked for on any line yet: jackson skips the string, decoded only if asked for
                    exchange.skippedHeader(request, names.lower[id], names.lowerHash[id], id);
                    continue;
                }
                String n = id >= 0 ? names.lower[id] : lower(p.currentName());
                if (id >= 0) {
                    String v = values.canonical(id, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    if (v != null) {
                        exchange.header(request, n, names.lowerHash[id], v);
                        continue;
                    }
                }
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
        /** Per id: {@code lower[id].hashCode()}, read from here rather than from each name's String. */
        final int[] lowerHash = new int[MAX_NAMES];
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
            lowerHash[size] = lower[size].hashCode();
            keys[i] = n; // the free slot the probe ended on
            ids[i] = size;
            return size++;
        }

        int size() {
            return size;
        }
    }

    /**
     * Canonical {@code String}s of the header values that recur (user agents, {@code Cache-Control}
     * policies, {@code CDN-Loop}): a value found here is handed to the core as that {@code String},
     * not copied into the arena, and the core's {@code String} fast paths and its freshness memo
     * (which keeps {@code String} values only) apply. Bounded: {@value #SLOTS} values of at most
     * {@value #MAX_LENGTH} chars, in a two-way table whose slot is a fingerprint of the value (its
     * length and seven of its chars, not a pass over it); a hit is confirmed by comparing every
     * char. A name whose values do not recur (request ids, {@code CF-Ray}) is left out after
     * {@value #WINDOW} lookups with fewer than half hits: its values stay arena slices, allocating
     * nothing. The core reads the same characters either way; only which path reads them differs.
     */
    static final class Values {
        static final int SLOTS = 1024;
        static final int MAX_LENGTH = 256;
        static final int WINDOW = 1024;

        private final String[] strings = new String[SLOTS];
        private final char[][] chars = new char[SLOTS][];
        /** Per name id: lookups and hits in the current window. */
        private final int[] lookups = new int[MAX_NAMES];
        private final int[] hits = new int[MAX_NAMES];
        /** Per name id: whether its values are left out (they do not recur). */
        private final boolean[] off = new boolean[MAX_NAMES];
        private int victim;
        /** Values made canonical (misses), for tests. */
        long created;

        /** The canonical {@code String} of {@code c[o, o + l)}, or null when name {@code id}'s values are left out. */
        String canonical(int id, char[] c, int o, int l) {
            if (off[id] || l > MAX_LENGTH) {
                return null;
            }
            if (l == 0) {
                return "";
            }
            int n = ++lookups[id];
            int s = slot(c, o, l);
            char[] k = chars[s];
            if (k == null || k.length != l || !java.util.Arrays.equals(k, 0, l, c, o, o + l)) {
                s ^= 1;
                k = chars[s];
                if (k == null || k.length != l || !java.util.Arrays.equals(k, 0, l, c, o, o + l)) {
                    return miss(id, n, s, c, o, l);
                }
            }
            int h = ++hits[id];
            if (n == WINDOW) {
                window(id, h);
            }
            return strings[s];
        }

        private String miss(int id, int n, int s, char[] c, int o, int l) {
            if (n == WINDOW) {
                window(id, hits[id]);
                if (off[id]) {
                    return null;
                }
            }
            created++;
            int w = chars[s] == null ? s : chars[s ^ 1] == null ? s ^ 1 : s ^ (victim ^= 1);
            char[] k = java.util.Arrays.copyOfRange(c, o, o + l);
            chars[w] = k;
            strings[w] = new String(k);
            return strings[w];
        }

        private void window(int id, int h) {
            if (2 * h < WINDOW) {
                off[id] = true;
            }
            lookups[id] = 0;
            hits[id] = 0;
        }

        /** An even slot from the length and seven chars (the last four, a quarter, half and three quarters in). */
        private static int slot(char[] c, int o, int l) {
            int e = o + l - 1;
            long tail = c[e] | (long) c[Math.max(e - 1, o)] << 16 | (long) c[Math.max(e - 2, o)] << 32
                    | (long) c[Math.max(e - 3, o)] << 48;
            long spread = c[o + (l >> 2)] | (long) c[o + (l >> 1)] << 16 | (long) c[o + ((3 * l) >> 2)] << 32
                    | (long) l << 48;
            long f = tail * 0xC2B2AE3D27D4EB4FL ^ spread * 0x9E3779B97F4A7C15L;
            return (int) ((f ^ f >>> 29) * 0xBF58476D1CE4E5B9L >>> (64 - 10)) & ~1;
        }
    }

    private static void skip(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
        }
    }

    /**
     * The value of the current {@code VALUE_NUMBER_INT}: up to 18 digits (no sign) converted from
     * its text, anything else by {@link JsonParser#getValueAsLong()} (which throws for a value out
     * of the {@code long} range, as before).
     */
    private static long integer(JsonParser p) throws IOException {
        long v = numericText(p);
        return v == Rfc3339.INVALID ? p.getValueAsLong() : v;
    }

    /** The current token's text as up to 18 digits (no sign), or {@link Rfc3339#INVALID}. */
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
