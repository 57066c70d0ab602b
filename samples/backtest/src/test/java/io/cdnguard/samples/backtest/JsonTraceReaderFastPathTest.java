package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reader's shortcuts (predicted field names, the name table, the exact decimal parse, the
 * eight-byte newline search) against plain jackson decoding of the same lines.
 */
class JsonTraceReaderFastPathTest {

    private static final JsonFactory JSON = new JsonFactory();

    /** What a plain jackson decode says a line holds: top-level scalars as text, headers lower-cased. */
    private static final class Expected {
        String method;
        String path;
        long status;
        double durationMs = Double.NaN;
        final Map<String, String> req = new LinkedHashMap<>();
        final Map<String, String> resp = new LinkedHashMap<>();
    }

    private static Expected decode(String line) throws IOException {
        Expected x = new Expected();
        try (JsonParser p = JSON.createParser(line)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "method" -> x.method = p.getText();
                    case "path" -> {
                        String s = p.getText();
                        int q = s.indexOf('?');
                        x.path = q < 0 ? s : s.substring(0, q);
                    }
                    case "status" -> x.status = p.getLongValue();
                    case "duration_ms" -> x.durationMs = p.getDoubleValue();
                    case "req", "resp" -> {
                        Map<String, String> m = name.equals("req") ? x.req : x.resp;
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String h = p.currentName().toLowerCase(Locale.ROOT);
                            p.nextToken();
                            m.putIfAbsent(h, p.getText());
                        }
                    }
                    default -> {
                        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                            p.skipChildren();
                        }
                    }
                }
            }
        }
        return x;
    }

    /** Random lines in a few header shapes, with escapes, non-ASCII text, odd spacing and case. */
    private static List<String> lines(long seed, int n) {
        Random rnd = new Random(seed);
        String[] values = {"Amazon CloudFront", "caf\u00e9 \u2603", "quote \\\"x\\\" here", "tab\\tand\\\\slash", "\\u0041BC",
            "", "public, max-age=300", "1.1 abc.cloudfront.net (CloudFront)", "x".repeat(37), "\\/path"};
        String[][] shapes = {
            {"host", "user-agent", "accept"},
            {"host", "user-agent", "via", "x-amz-cf-id", "accept-encoding", "x-forwarded-for", "if-none-match"},
            {"Host", "User-Agent", "CF-Ray", "cdn-loop", "if-modified-since"},
            {"h\\u0065llo", "user-agent"},
        };
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String[] shape = shapes[rnd.nextInt(shapes.length)];
            String sep = rnd.nextInt(8) == 0 ? " : " : ":";
            StringBuilder sb = new StringBuilder("{\"ts\"").append(sep).append("\"2021-04-04T02:00:0")
                .append(rnd.nextInt(10)).append('.').append(100 + rnd.nextInt(900)).append("Z\",");
            sb.append("\"method\"").append(sep).append(rnd.nextBoolean() ? "\"GET\"" : "\"H\\u0045AD\"").append(',');
            sb.append("\"path\"").append(sep).append('"').append(values[rnd.nextInt(values.length)]).append(rnd.nextBoolean() ? "?q=1" : "")
                .append("\",\"status\"").append(sep).append(200 + rnd.nextInt(400)).append(',');
            sb.append("\"duration_ms\"").append(sep).append(rnd.nextInt(5000)).append(rnd.nextBoolean() ? "." + rnd.nextInt(1000) : "")
                .append(rnd.nextInt(10) == 0 ? "e1" : "").append(',');
            sb.append("\"req\"").append(sep).append('{');
            for (int h = 0; h < shape.length; h++) {
                sb.append(h == 0 ? "" : ",").append('"').append(shape[h]).append('"').append(sep).append('"')
                    .append(values[rnd.nextInt(values.length)]).append('"');
            }
            sb.append("},\"resp\"").append(sep).append("{\"cache-control\"").append(sep).append('"')
                .append(values[rnd.nextInt(values.length)]).append("\"}}");
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void next_randomShapesEscapesAndUnicode_matchPlainJacksonDecoding() throws IOException {
        List<String> lines = lines(42, 3000);
        String text = String.join("\n", lines) + "\n";
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))) {
            for (String line : lines) {
                assertThat(r.next()).as(line).isTrue();
                Expected x = decode(line);
                TraceExchange e = r.exchange();
                assertThat(e.method()).as(line).isEqualTo(x.method);
                assertThat(e.path().toString()).as(line).isEqualTo(x.path);
                assertThat(e.status()).as(line).isEqualTo((int) x.status);
                assertThat(e.durationNanos()).as(line).isEqualTo((long) (x.durationMs * 1_000_000.0));
                for (Map.Entry<String, String> h : x.req.entrySet()) {
                    assertThat(String.valueOf(e.requestHeaders().get(h.getKey()))).as(line + " " + h.getKey()).isEqualTo(h.getValue());
                }
                for (Map.Entry<String, String> h : x.resp.entrySet()) {
                    assertThat(String.valueOf(e.responseHeaders().get(h.getKey()))).as(line + " " + h.getKey()).isEqualTo(h.getValue());
                }
                assertThat(e.requestHeaders().get("not-there")).isNull();
            }
            assertThat(r.next()).isFalse();
            assertThat(r.malformed()).isZero();
        }
    }

    @Test
    void next_manyLinesThroughTheRefillingBuffer_matchPlainJacksonDecoding() throws IOException {
        // many lines through the 256 KiB line buffer, lines cut at every refill boundary
        List<String> lines = lines(7, 20_000);
        String text = String.join("\n", lines);
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))) {
            int i = 0;
            while (r.next()) {
                Expected x = decode(lines.get(i++));
                assertThat(String.valueOf(r.exchange().responseHeaders().get("cache-control"))).isEqualTo(x.resp.get("cache-control"));
                assertThat(r.exchange().path().toString()).isEqualTo(x.path);
            }
            assertThat(i).isEqualTo(lines.size());
        }
    }

    @Test
    void next_manyDistinctHeaderNames_tableBounded_valuesStillRead() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            sb.append("{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200,\"req\":{\"x-")
                .append(i).append("\":\"v").append(i).append("\",\"X-Upper-").append(i).append("\":\"u\"}}\n");
        }
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)))) {
            for (int i = 0; i < 600; i++) {
                assertThat(r.next()).isTrue();
                assertThat(r.exchange().requestHeaders().get("x-" + i).toString()).isEqualTo("v" + i);
                assertThat(r.exchange().requestHeaders().get("x-upper-" + i).toString()).isEqualTo("u");
            }
        }
    }

    @Test
    void decimal_isExactlyParseDouble_orNaN() {
        Random rnd = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            int intDigits = 1 + rnd.nextInt(8);
            int fracDigits = rnd.nextInt(9);
            StringBuilder sb = new StringBuilder();
            sb.append(1 + rnd.nextInt(9));
            for (int d = 1; d < intDigits; d++) {
                sb.append(rnd.nextInt(10));
            }
            if (fracDigits > 0) {
                sb.append('.');
                for (int d = 0; d < fracDigits; d++) {
                    sb.append(rnd.nextInt(10));
                }
            }
            String s = rnd.nextInt(20) == 0 ? "0." + sb.toString().replace(".", "") : sb.toString();
            char[] c = s.toCharArray();
            double got = JsonTraceReader.decimal(c, 0, c.length);
            assertThat(Double.isNaN(got) || got == Double.parseDouble(s)).as(s).isTrue();
            if (s.replace(".", "").replaceFirst("^0+", "").length() <= 15) {
                assertThat(got).as(s).isEqualTo(Double.parseDouble(s));
            }
        }
        for (String s : new String[] {"", ".", "1.", ".5", "-1.5", "1e3", "1.5E-2", "1234567890123456", "0.1.2", "NaN"}) {
            char[] c = s.toCharArray();
            assertThat(JsonTraceReader.decimal(c, 0, c.length)).as(s).isNaN();
        }
    }

    @Test
    void indexOfNewline_matchesAByteLoop() {
        Random rnd = new Random(5);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[rnd.nextInt(40)];
            for (int j = 0; j < b.length; j++) {
                int k = rnd.nextInt(12);
                b[j] = (byte) (k == 0 ? '\n' : k == 1 ? 0x0B : k == 2 ? 0x8A : k == 3 ? 0x09 : 'a' + k);
            }
            int from = b.length == 0 ? 0 : rnd.nextInt(b.length + 1);
            int to = from + rnd.nextInt(b.length - from + 1);
            int expected = -1;
            for (int j = from; j < to; j++) {
                if (b[j] == '\n') {
                    expected = j;
                    break;
                }
            }
            assertThat(LineSource.indexOfNewline(b, from, to)).isEqualTo(expected);
        }
    }

    /** Reads {@code text} with the reader and with a parser per line ({@code bulkLines} false): the same outcome. */
    private static JsonTraceReader assertSameAsParserPerLine(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(b));
        try (JsonTraceReader plain = new JsonTraceReader(new ByteArrayInputStream(b), false)) {
            while (true) {
                boolean f = r.next();
                assertThat(f).isEqualTo(plain.next());
                assertThat(r.lines()).isEqualTo(plain.lines());
                if (!f) {
                    break;
                }
                assertThat(r.exchange().path().toString()).isEqualTo(plain.exchange().path().toString());
                assertThat(r.timestampMillis()).isEqualTo(plain.timestampMillis());
            }
            assertThat(r.records()).isEqualTo(plain.records());
            assertThat(r.malformed()).isEqualTo(plain.malformed());
            assertThat(r.firstMalformed()).isEqualTo(plain.firstMalformed());
        }
        r.close();
        return r;
    }

    @Test
    void next_linesReadWithoutNewlineSearch_sameLinesAndNumbersAsTheSearch() throws IOException {
        String rec = "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/p%d\",\"status\":200}";
        StringBuilder sb = new StringBuilder();
        String[] ends = {"\n", "\r\n", " \t\n", " \r\n", "\r\r\n", "\r \n", "\n\n", "\n  \n", "\n\r\n"};
        for (int i = 0; i < 400; i++) {
            String line = String.format(Locale.ROOT, rec, i);
            switch (i % 23) {
                case 5 -> line = line.replace(",\"status\"", ",\n\"status\""); // a record over two lines
                case 7 -> line = line.replace(",\"status\"", ",\r\"status\""); // a lone CR inside: one line
                case 11 -> line = line + line; // two records on a line
                case 13 -> line = "  " + line; // leading white space
                case 17 -> line = line.substring(0, line.length() - 3); // cut short
                case 19 -> line = line + " x"; // trailing content
                default -> { }
            }
            sb.append(line).append(ends[i % ends.length]);
        }
        sb.append(String.format(Locale.ROOT, rec, 999)); // the last line, without a newline
        JsonTraceReader r = assertSameAsParserPerLine(sb.toString());
        assertThat(r.malformed()).isGreaterThan(0);
        assertThat(r.unsearchedLines).as("lines read without a newline search").isGreaterThan(r.records() / 8);
        assertThat(r.unsearchedLines).isLessThan(r.records());
    }

    @Test
    void next_recordsAcrossRefills_newlineSearchSkippedOnlyWithinTheBuffer() throws IOException {
        List<String> lines = lines(9, 30_000);
        JsonTraceReader r = assertSameAsParserPerLine(String.join("\n", lines) + "\n");
        assertThat(r.records()).isEqualTo(lines.size());
        assertThat(r.unsearchedLines).isGreaterThan(lines.size() * 9L / 10);
        assertThat(r.lines.refills()).as("buffer refills").isGreaterThan(5);
        // a line the buffer's end cuts would be a parse error on a branch C2 compiled as a trap:
        // the reader's methods compiled again, a tenth of a second of a one-core run each time
        assertThat(r.fastGiveUps).as("cut lines handed to jackson").isZero();
    }

    @Test
    void conditional_answeredFromHeaderNames_withoutDecodingTheValue() throws IOException {
        String text = "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":304,"
            + "\"req\":{\"If-None-Match\":\"\\\"v1\\\"\"}}\n"
            + "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":304,"
            + "\"req\":{\"if-modified-since\":\"Sun, 04 Apr 2021 01:00:00 GMT\"}}\n"
            + "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":304,"
            + "\"req\":{\"etag\":\"x\"}}\n";
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)))) {
            boolean[] expected = {true, true, false};
            for (boolean e : expected) {
                assertThat(r.next()).isTrue();
                assertThat(r.exchange().conditional()).isEqualTo(e);
            }
            assertThat(r.rereads).as("no line read again to decode a value").isZero();
        }
    }

    @Test
    void values_recurringValuesShareOneString_uniqueOnesLeftOut_tableBounded() throws IOException {
        StringBuilder sb = new StringBuilder();
        int n = 5000;
        for (int i = 0; i < n; i++) {
            sb.append("{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200,\"req\":{")
                .append("\"user-agent\":\"agent-").append(i % 7).append("\",\"x-id\":\"id-").append(i)
                .append("\"},\"resp\":{\"cache-control\":\"max-age=").append(i % 3).append("\"}}\n");
        }
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.UTF_8)))) {
            CharSequence first = null;
            for (int i = 0; i < n; i++) {
                assertThat(r.next()).isTrue();
                CharSequence ua = r.exchange().requestHeaders().get("user-agent");
                assertThat(ua.toString()).isEqualTo("agent-" + (i % 7));
                assertThat(r.exchange().requestHeaders().get("x-id").toString()).isEqualTo("id-" + i);
                assertThat(r.exchange().responseHeaders().get("cache-control").toString()).isEqualTo("max-age=" + (i % 3));
                if (i == 7) {
                    first = ua;
                }
                if (i % 7 == 0 && i > 7) {
                    assertThat(ua).as("the same canonical String").isSameAs(first);
                }
            }
            // 7 agents, 3 policies (again when the ids evicted them), and the ids until their name
            // was left out (one window of lookups)
            assertThat(r.values.created).isLessThanOrEqualTo(JsonTraceReader.Values.WINDOW + 100);
            assertThat(r.exchange().requestHeaders().get("x-id")).isNotInstanceOf(String.class);
            assertThat(r.exchange().requestHeaders().get("user-agent")).isInstanceOf(String.class);
        }
    }
}
