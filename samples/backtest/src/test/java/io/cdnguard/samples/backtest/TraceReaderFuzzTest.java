package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CdnGuard;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile trace files for {@link JsonTraceReader}, {@link CombinedLogReader} and {@link Rfc3339}:
 * good lines (with control characters, NUL, lone surrogates, quotes, 8 KiB values and more headers
 * than kept) interleaved with malformed ones (random raw bytes, invalid UTF-8, cut lines, wrong
 * types, trailing content, nesting bombs, absurd timestamps), blank lines, CRLF and a missing final
 * newline. The readers must return exactly the good lines, in order and with their values (no lost
 * data), count every malformed line once and report its physical (1-based) line number.
 */
class TraceReaderFuzzTest {

    // ------------------------------------------------------------------ the model

    /** One generated line: its bytes and, if well-formed, what the reader must return. */
    record Line(byte[] bytes, Expect expect, boolean blank) {
        @Override
        public String toString() {
            String s = new String(bytes, StandardCharsets.ISO_8859_1);
            return (blank ? "BLANK " : expect == null ? "BAD " : "GOOD ") + (s.length() > 300 ? s.substring(0, 300) + "..." : s);
        }
    }

    /** What a good line decodes to. */
    record Expect(long ts, String method, String path, int status, String headerName, String headerValue) {
    }

    private static final String[] METHODS = {"GET", "HEAD", "POST", "PURGE", "get", "M\u00e9THOD"};

    /** Hostile text that is still a legal JSON string once escaped. */
    @Provide
    static Arbitrary<String> text() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().all().ofMaxLength(80)),
                Tuple.of(3, Arbitraries.of("\u0000", "\"", "\\", "\n", "\r", "\t", "\u2028", "\uD800", "\uDFFF",
                        "\uD83D\uDE00", "</script>", "?", "\u00ff", "\u007f", "max-age=60", "Amazon CloudFront")
                        .list().ofMaxSize(12).map(l -> String.join("", l))),
                Tuple.of(1, Arbitraries.integers().between(1000, 8192).map(n -> "v".repeat(n))));
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** JSON string escaping; lone surrogates and control characters as {@code \\uXXXX}, others sometimes too. */
    static String json(String s, boolean escapeAll) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (c == '"') {
                sb.append("\\\"");
            } else if (c == '\\') {
                sb.append("\\\\");
            } else if (c < 0x20 || escapeAll || Character.isSurrogate(c) && !pair) {
                sb.append("\\u").append(HEX[c >> 12 & 0xF]).append(HEX[c >> 8 & 0xF]).append(HEX[c >> 4 & 0xF]).append(HEX[c & 0xF]);
            } else if (pair) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    @Provide
    static Arbitrary<Long> timestamps() {
        // years 0001..9999; the reader accepts any of them
        return Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.longs().between(1_500_000_000_000L, 1_800_000_000_000L)),
                Tuple.of(1, Arbitraries.longs().between(-62_135_596_800_000L, 253_402_300_799_999L)));
    }

    @Provide
    static Arbitrary<Line> goodJson() {
        Arbitrary<Integer> statuses = Arbitraries.frequencyOf(Tuple.of(5, Arbitraries.integers().between(100, 599)),
                Tuple.of(1, Arbitraries.integers().between(-100_000, 100_000)));
        Arbitrary<Integer> tsForm = Arbitraries.integers().between(0, 2);
        return Combinators.combine(timestamps(), tsForm, Arbitraries.of(METHODS), text(), statuses,
                        text().list().ofMaxSize(52), Arbitraries.of(true, false), Arbitraries.of(true, false))
                .as((ts, form, method, path, status, values, escapeAll, pretty) -> {
                    String tsText = form == 0 ? Long.toString(ts)
                            : form == 1 ? json(Instant.ofEpochMilli(ts).toString(), false)
                            : json(Long.toString(Math.floorMod(ts, JsonTraceReader.MAX_TIMESTAMP)), false);
                    long expectTs = form == 2 ? Math.floorMod(ts, JsonTraceReader.MAX_TIMESTAMP) : ts;
                    String sep = pretty ? " , " : ",";
                    StringBuilder sb = new StringBuilder(pretty ? "{ " : "{");
                    sb.append("\"ts\":").append(tsText).append(sep)
                            .append("\"method\":").append(json(method, escapeAll)).append(sep)
                            .append("\"path\":").append(json(path, escapeAll)).append(sep)
                            .append("\"status\":").append(status).append(sep)
                            .append("\"extra\":{\"deep\":[1,[2,{\"x\":null}],\"").append("y").append("\"]}").append(sep)
                            .append("\"req\":{");
                    for (int i = 0; i < values.size(); i++) {
                        sb.append(i == 0 ? "" : sep).append("\"X-H").append(i).append("\":").append(json(values.get(i), escapeAll));
                    }
                    sb.append("}}");
                    int q = path.indexOf('?');
                    String expectPath = q < 0 ? path : path.substring(0, q);
                    int expectStatus = status < 0 || status > 9999 ? 0 : status;
                    String hn = values.isEmpty() ? null : "x-h" + Math.min(values.size() - 1, TraceExchange.MAX_HEADERS - 1);
                    String hv = values.isEmpty() ? null : values.get(Math.min(values.size() - 1, TraceExchange.MAX_HEADERS - 1));
                    byte[] bytes = utf8(sb.toString());
                    if (bytes.length >= TraceReader.MAX_LINE) {
                        return bad(bytes); // too long to be read: counted as malformed
                    }
                    return new Line(bytes, new Expect(expectTs, method, expectPath, expectStatus, hn, hv), false);
                });
    }

    /** Java's UTF-8 encoder turns a lone surrogate into '?'; the generated JSON escapes them, so this is exact. */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final byte[][] INVALID_UTF8 = {{(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xC3}, {(byte) 0xE2, (byte) 0x82},
        {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {(byte) 0xFE, (byte) 0xFE}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};

    @Provide
    static Arbitrary<Line> badJson() {
        Arbitrary<Line> randomBytes = Arbitraries.bytes().list().ofMinSize(1).ofMaxSize(300).map(l -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (byte x : l) {
                b.write(x == '\n' || x == '{' ? 'x' : x); // never a line break, never an object start
            }
            b.write('#'); // never blank
            return bad(b.toByteArray());
        });
        Arbitrary<Line> cut = goodJson().flatMap(g -> Arbitraries.integers().between(1, g.bytes().length - 1)
                .map(n -> bad(java.util.Arrays.copyOf(g.bytes(), n))));
        Arbitrary<Line> invalidUtf8 = Combinators.combine(Arbitraries.of(INVALID_UTF8), Arbitraries.of("path", "method", "ua"))
                .as((inv, where) -> {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    b.writeBytes(utf8("{\"ts\":1617501600000,\"method\":\"" + (where.equals("method") ? "G" : "GET")));
                    if (where.equals("method")) {
                        b.writeBytes(inv);
                    }
                    b.writeBytes(utf8("\",\"path\":\"/a"));
                    if (where.equals("path")) {
                        b.writeBytes(inv);
                    }
                    b.writeBytes(utf8("\",\"status\":200,\"req\":{\"user-agent\":\"Amazon"));
                    if (where.equals("ua")) {
                        b.writeBytes(inv);
                    }
                    b.writeBytes(utf8("\"}}"));
                    return bad(b.toByteArray());
                });
        Arbitrary<Line> structural = Arbitraries.of(
                "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"status\":200}",
                "{\"ts\":\"yesterday\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":\"2021-02-29T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":\"2021-04-04T02:00:00\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":true,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":\"200\"}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":200.5}",
                "{\"ts\":1,\"method\":7,\"path\":\"/a\",\"status\":200}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":[\"/a\"],\"status\":200}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":99999999999999999999999}",
                "{\"ts\":99999999999999999999999,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":1e400,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":-1e300,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":9223372036854775807,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":-9223372036854775808,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":200} {}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":200,}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\u0001\",\"status\":200}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\\x\",\"status\":200}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\\ud8\",\"status\":200}",
                "{'ts':1,'method':'GET','path':'/a','status':200}",
                "{ts:1,method:\"GET\",path:\"/a\",status:200}",
                "{\"ts\":NaN,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":200,\"req\":{\"a\":\"b\"",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":200,\"req\":" + "[".repeat(5000) + "]".repeat(5000) + "}",
                "{\"ts\":1,\"method\":\"GET\",\"path\":\"/a\",\"status\":200,\"x\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3000) + "}",
                "[1,2]", "null", "\"string\"", "42", "}", "\u0000")
                .map(s -> bad(utf8(s)));
        return Arbitraries.frequencyOf(Tuple.of(3, randomBytes), Tuple.of(3, cut), Tuple.of(2, invalidUtf8),
                Tuple.of(3, structural));
    }

    static Line bad(byte[] b) {
        return new Line(b, null, false);
    }

    @Provide
    static Arbitrary<Line> blank() {
        return Arbitraries.of("", " ", "\t", " \t ", "\r").map(s -> new Line(utf8(s), null, true));
    }

    @Provide
    static Arbitrary<Line> jsonLines() {
        return Arbitraries.frequencyOf(Tuple.of(6, goodJson()), Tuple.of(4, badJson()), Tuple.of(1, blank()));
    }

    /** Joins lines with LF or CRLF, with or without a final line break. */
    static byte[] file(List<Line> lines, boolean crlf, boolean finalNewline) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < lines.size(); i++) {
            b.writeBytes(lines.get(i).bytes());
            if (i < lines.size() - 1 || finalNewline) {
                b.writeBytes(crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
            }
        }
        return b.toByteArray();
    }

    /** Whether the last line is a lone CR with no line break after it (then it is not a line at all). */
    private static void assertReadsExactly(TraceReader r, List<Line> lines, boolean finalNewline) throws IOException {
        List<Long> badLineNumbers = new ArrayList<>();
        List<Line> good = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            if (l.blank()) {
                continue;
            }
            if (l.expect() == null) {
                badLineNumbers.add((long) i + 1);
            } else {
                good.add(l);
            }
        }
        int k = 0;
        while (r.next()) {
            assertThat(k).as("more records than good lines").isLessThan(good.size());
            Expect e = good.get(k).expect();
            TraceExchange x = r.exchange();
            String why = "record " + k + ": " + good.get(k);
            assertThat(r.timestampMillis()).as(why).isEqualTo(e.ts());
            assertThat(x.method()).as(why).isEqualTo(e.method());
            assertThat(x.path().toString()).as(why).isEqualTo(e.path());
            assertThat(x.status()).as(why).isEqualTo(e.status());
            if (e.headerName() != null) {
                assertThat(String.valueOf(x.requestHeaders().get(e.headerName()))).as(why).isEqualTo(e.headerValue());
            }
            k++;
        }
        assertThat(k).as("every good line read, none lost").isEqualTo(good.size());
        assertThat(r.records()).isEqualTo(good.size());
        assertThat(r.malformed()).as("malformed lines counted once each").isEqualTo(badLineNumbers.size());
        assertThat(r.firstMalformed()).as("physical line numbers of the first malformed lines")
                .containsExactlyElementsOf(badLineNumbers.subList(0, Math.min(TraceReader.KEEP_MALFORMED, badLineNumbers.size())));
    }

    // ------------------------------------------------------------------ JSON Lines

    @Property(tries = 300)
    void jsonTrace_goodLinesAmongHostileOnes_allReadInOrder_badOnesCountedWithLineNumbers(
            @ForAll @Size(max = 40) List<@From("jsonLines") Line> lines, @ForAll boolean crlf, @ForAll boolean finalNewline)
            throws Exception {
        List<Line> ls = trimTrailingBlank(lines, finalNewline);
        byte[] bytes = file(ls, crlf, finalNewline);
        bounded(() -> {
            try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(bytes))) {
                assertReadsExactly(r, ls, finalNewline);
            }
            return null;
        });
    }

    /** A blank last line without a final newline is no line at all; drop it so line numbers stay exact. */
    private static List<Line> trimTrailingBlank(List<Line> lines, boolean finalNewline) {
        List<Line> ls = new ArrayList<>(lines);
        while (!finalNewline && !ls.isEmpty() && ls.get(ls.size() - 1).blank()) {
            ls.remove(ls.size() - 1);
        }
        return ls;
    }

    @Test
    @Timeout(60)
    void jsonTrace_overlongAndRawBinaryLines_skipped_neighboursKept() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String good = "{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}\n";
        b.writeBytes(utf8(good));                                                   // 1
        b.writeBytes(utf8("{\"ts\":1,\"path\":\"" + "x".repeat(3 * TraceReader.MAX_LINE) + "\"}\n")); // 2 overlong
        b.writeBytes(utf8(good));                                                   // 3
        byte[] binary = new byte[200_000];
        new java.util.Random(8).nextBytes(binary);
        for (int i = 0; i < binary.length; i++) {
            binary[i] = binary[i] == '\n' ? 0 : binary[i];
        }
        b.writeBytes(binary);                                                       // 4 binary garbage
        b.write('\n');
        b.writeBytes(new byte[TraceReader.MAX_LINE + 1]);                           // 5 a megabyte of NULs, no newline
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(b.toByteArray()))) {
            int n = 0;
            while (r.next()) {
                assertThat(r.exchange().path().toString()).isEqualTo("/a");
                n++;
            }
            assertThat(n).isEqualTo(2);
            assertThat(r.firstMalformed()).containsExactly(2L, 4L, 5L);
            assertThat(r.lines()).isEqualTo(5);
        }
    }

    // ------------------------------------------------------------------ combined log

    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    /** Latin-1 text without the characters that delimit a combined-log field. */
    @Provide
    static Arbitrary<String> logText() {
        return Arbitraries.strings().withCharRange('\u0001', '\u00ff').ofMaxLength(60)
                .map(s -> s.replace("\"", "").replace("\\", "").replace("\n", "").replace("\r", ""));
    }

    @Provide
    static Arbitrary<Line> goodLog() {
        Arbitrary<String> paths = logText().map(s -> "/" + s.replace(" ", "").replace("?", ""));
        return Combinators.combine(Arbitraries.longs().between(0, 253_402_300_799L - 86_400), Arbitraries.integers().between(-1080, 1080),
                        Arbitraries.of("GET", "HEAD", "POST", "\u00e9"), paths, Arbitraries.integers().between(100, 999),
                        Arbitraries.of("", "?q=1", "?" + "x".repeat(5000)), logText(), Arbitraries.of(true, false))
                .as((sec, offsetMin, method, path, status, query, ua, dashBytes) -> {
                    OffsetDateTime t = Instant.ofEpochSecond(sec).atOffset(ZoneOffset.ofTotalSeconds(offsetMin * 60));
                    String time = String.format(Locale.ROOT, "%02d/%s/%04d:%02d:%02d:%02d %s", t.getDayOfMonth(),
                            MONTHS[t.getMonthValue() - 1], t.getYear(), t.getHour(), t.getMinute(), t.getSecond(),
                            (offsetMin < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d%02d", Math.abs(offsetMin) / 60,
                                    Math.abs(offsetMin) % 60));
                    String line = "203.0.113.9 - - [" + time + "] \"" + method + " " + path + query + " HTTP/1.1\" " + status
                            + " " + (dashBytes ? "-" : "1234") + " \"-\" \"" + ua + "\"";
                    String expectUa = ua.isEmpty() || ua.equals("-") ? null : ua;
                    return new Line(line.getBytes(StandardCharsets.ISO_8859_1),
                            new Expect(sec * 1000, method, path, status, expectUa == null ? null : "user-agent", expectUa), false);
                });
    }

    @Provide
    static Arbitrary<Line> badLog() {
        Arbitrary<Line> randomBytes = Arbitraries.bytes().list().ofMinSize(1).ofMaxSize(300).map(l -> {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (byte x : l) {
                b.write(x == '\n' || x == '[' ? 'x' : x); // no timestamp bracket: never a record
            }
            b.write('#');
            return bad(b.toByteArray());
        });
        // cut anywhere before the end of the request: the status is missing, so never a record
        Arbitrary<Line> cut = goodLog().flatMap(g -> {
            String s = new String(g.bytes(), StandardCharsets.ISO_8859_1);
            int reqEnd = s.indexOf("HTTP/1.1\"") + "HTTP/1.1".length();
            return Arbitraries.integers().between(1, reqEnd).map(n -> bad(java.util.Arrays.copyOf(g.bytes(), n)));
        });
        Arbitrary<Line> structural = Arbitraries.of(
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 2000 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 20 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" abc 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 x",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 1 \"unterminated",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 1 \"-\" \"unterminated",
                "1.2.3.4 - - [10/Foo/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 1",
                "1.2.3.4 - - [32/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 1",
                "1.2.3.4 - - [10/Oct/2000:24:55:36 -0700] \"GET /a HTTP/1.1\" 200 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 *0700] \"GET /a HTTP/1.1\" 200 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700 \"GET /a HTTP/1.1\" 200 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] GET /a HTTP/1.1 200 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET\" 200 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \" /a HTTP/1.1\" 200 1",
                " - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 1",
                "1.2.3.4 - - [] \"GET /a HTTP/1.1\" 200 1",
                "1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\"")
                .map(s -> bad(s.getBytes(StandardCharsets.ISO_8859_1)));
        return Arbitraries.frequencyOf(Tuple.of(3, randomBytes), Tuple.of(3, cut), Tuple.of(2, structural));
    }

    @Provide
    static Arbitrary<Line> logLines() {
        return Arbitraries.frequencyOf(Tuple.of(6, goodLog()), Tuple.of(4, badLog()), Tuple.of(1, blank()));
    }

    @Property(tries = 300)
    void combinedLog_goodLinesAmongHostileOnes_allReadInOrder_badOnesCountedWithLineNumbers(
            @ForAll @Size(max = 40) List<@From("logLines") Line> lines, @ForAll boolean crlf, @ForAll boolean finalNewline)
            throws Exception {
        List<Line> ls = trimTrailingBlank(lines, finalNewline);
        byte[] bytes = file(ls, crlf, finalNewline);
        bounded(() -> {
            try (CombinedLogReader r = new CombinedLogReader(new ByteArrayInputStream(bytes), 60)) {
                assertReadsExactly(r, ls, finalNewline);
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ RFC 3339

    @Provide
    Arbitrary<String> rfc3339ish() {
        Arbitrary<String> fromInstant = Combinators.combine(timestamps(), Arbitraries.integers().between(-1080, 1080),
                        Arbitraries.integers().between(0, 12), Arbitraries.of("T", "t", " ", "x"), Arbitraries.of(true, false))
                .as((ms, off, fracDigits, t, zulu) -> {
                    OffsetDateTime odt = Instant.ofEpochMilli(ms).atOffset(zulu ? ZoneOffset.UTC : ZoneOffset.ofTotalSeconds(off * 60));
                    String frac = fracDigits == 0 ? "" : "." + String.format(Locale.ROOT, "%09d", odt.getNano()).substring(0, Math.min(9, fracDigits))
                            + "7".repeat(Math.max(0, fracDigits - 9));
                    String zone = zulu ? "Z" : String.format(Locale.ROOT, "%s%02d:%02d", off < 0 ? "-" : "+", Math.abs(off) / 60, Math.abs(off) % 60);
                    return String.format(Locale.ROOT, "%04d-%02d-%02d%s%02d:%02d:%02d%s%s", odt.getYear(), odt.getMonthValue(),
                            odt.getDayOfMonth(), t, odt.getHour(), odt.getMinute(), odt.getSecond(), frac, zone);
                });
        Arbitrary<String> mutated = Combinators.combine(fromInstant, Arbitraries.integers().between(0, 40),
                Arbitraries.chars().all()).as((s, at, c) -> {
                    int i = Math.min(at, s.length());
                    return s.substring(0, i) + c + s.substring(Math.min(s.length(), i + 1));
                });
        Arbitrary<String> cut = fromInstant.flatMap(s -> Arbitraries.integers().between(0, s.length()).map(n -> s.substring(0, n)));
        return Arbitraries.frequencyOf(Tuple.of(4, fromInstant), Tuple.of(4, mutated), Tuple.of(2, cut),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(40)),
                Tuple.of(1, Arbitraries.of("9999-12-31T23:59:60Z", "0000-01-01T00:00:00Z", "2021-02-29T00:00:00Z",
                        "2020-02-29T00:00:00Z", "2021-04-04T02:14:00.Z", "2021-04-04T02:14:00+24:00", "2021-04-04T02:14:00+23:59")));
    }

    @Property(tries = 3000)
    void rfc3339_agreesWithJavaTime_whereverJavaTimeParses(@ForAll("rfc3339ish") String s) {
        long ours = Rfc3339.parse(s);
        long java;
        try {
            java = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant().toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            java = Rfc3339.INVALID;
        }
        if (s.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:[0-5]\\d(\\.\\d{1,9})?(Z|[+-]((0\\d|1[0-7]):[0-5]\\d|18:00))")) {
            // strict RFC 3339 (the grammar both accept): identical instants, or both reject (Feb 30, hour 24, ...)
            assertThat(ours).as(s).isEqualTo(java);
        }
        if (ours != Rfc3339.INVALID && java == Rfc3339.INVALID) {
            // only the documented leniencies: 't'/' ' separator, 'z', second 60, offsets past 18 h, over 9 digits of fraction
            String normal = s.substring(0, 10) + 'T' + s.substring(11).replace('z', 'Z').replace(":60", ":59");
            boolean bigOffset = s.length() > 6 && (s.charAt(s.length() - 6) == '+' || s.charAt(s.length() - 6) == '-')
                    && Integer.parseInt(s.substring(s.length() - 5, s.length() - 3)) > 18;
            boolean longFraction = s.matches(".*\\.\\d{10,}.*");
            if (!bigOffset && !longFraction) {
                assertThat(OffsetDateTime.parse(normal, DateTimeFormatter.ISO_OFFSET_DATE_TIME)).as(s).isNotNull();
            }
        }
    }

    // ------------------------------------------------------------------ the backtest itself

    @Property(tries = 15)
    void backtest_hostileTrace_finishes_andRecordsEveryGoodLine(@ForAll @Size(max = 30) List<@From("jsonLines") Line> lines,
                                                                @ForAll("absurdTs") long absurd) throws Exception {
        List<Line> ls = new ArrayList<>(lines);
        // one record far in the future (a corrupt timestamp) among ordinary ones
        ls.add(ls.size() / 2, new Line(utf8("{\"ts\":" + absurd + ",\"method\":\"GET\",\"path\":\"/x\",\"status\":200}"),
                new Expect(absurd, "GET", "/x", 200, null, null), false));
        byte[] bytes = file(ls, false, true);
        bounded(() -> {
            Backtest[] holder = new Backtest[1];
            holder[0] = new Backtest(Duration.ofMinutes(5), clock -> CdnGuard.builder().timeSource(clock)
                    .evaluationThread(false).listener(holder[0].listener()).build(), null, false);
            Backtest bt = holder[0];
            long good = 0;
            try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(bytes))) {
                while (r.next()) {
                    bt.record(r.timestampMillis(), r.exchange());
                    good++;
                }
            }
            bt.finish(bt.nowMillis());
            assertThat(bt.records()).isEqualTo(good);
            assertThat(bt.guard() != null).isEqualTo(good > 0);
            if (good > 0) {
                assertThat(bt.guard().snapshot().otherRequests(io.cdnguard.RequestKind.DIRECT)
                        + bt.guard().snapshot().cdnFetches() + bt.guard().snapshot().invalid()
                        + bt.guard().snapshot().otherRequests(io.cdnguard.RequestKind.PROBE)
                        + bt.guard().snapshot().otherRequests(io.cdnguard.RequestKind.SELF)).isEqualTo(good);
            }
            return null;
        });
    }

    @Test
    @Timeout(60)
    void backtest_recordYearsAhead_gapJumpedAfterEightDays_laterRecordsStillCounted() {
        long t0 = 1_617_501_600_000L;
        Backtest[] holder = new Backtest[1];
        holder[0] = new Backtest(Duration.ofMinutes(5), clock -> CdnGuard.builder().timeSource(clock)
                .evaluationThread(false).listener(holder[0].listener()).build(), null, false);
        Backtest bt = holder[0];
        TraceExchange e = new TraceExchange();
        e.reset();
        e.status(200);
        e.path("/a");
        bt.record(t0, e);
        bt.record(JsonTraceReader.MAX_TIMESTAMP, e); // a corrupt year-9999 timestamp: was ~8e8 evaluations
        bt.record(t0 + 1_000, e);                    // back in 2021: late, recorded at the current time
        bt.finish(bt.nowMillis());
        assertThat(bt.gapsJumped()).isEqualTo(1);
        assertThat(bt.evaluations()).isBetween(8L * 24 * 12 - 1, 8L * 24 * 12 + 1);
        assertThat(bt.records()).isEqualTo(3);
        assertThat(bt.lateRecords()).isEqualTo(1);
        assertThat(bt.nowMillis()).isEqualTo(JsonTraceReader.MAX_TIMESTAMP);
    }

    @Provide
    Arbitrary<Long> absurdTs() {
        return Arbitraries.of(253_402_300_799_999L, 32_503_680_000_000L, 1_000_000_000_000_000L, Long.MAX_VALUE,
                -62_135_596_800_000L, Long.MIN_VALUE, 1_617_501_600_000L + 400L * 86_400_000);
    }

    // ------------------------------------------------------------------ helpers

    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-bounded");
        t.setDaemon(true);
        return t;
    });

    /** Fails (instead of hanging the build) if one try runs past a generous limit; not a timing assertion. */
    static <T> T bounded(Callable<T> c) throws Exception {
        Future<T> f = RUNNER.submit(c);
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError("did not finish within 60 s: unbounded work on hostile input");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error) {
                throw (Error) e.getCause();
            }
            throw (Exception) e.getCause();
        }
    }
}
