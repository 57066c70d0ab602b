package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.samples.backtest.sim.JsonTraceWriter;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reader's bulk parser (one jackson parser over many lines) and skipped header values (decoded
 * by reading the line again when first asked for) against a jackson parser per line decoding every
 * value ({@code new JsonTraceReader(in, false)}, the reader as it was before): the same records with the
 * same values, the same malformed lines, on every scenario's trace and on many thousands of mutated
 * lines (bytes replaced, inserted and deleted with JSON's structural characters, escapes, control
 * characters, newlines, non-ASCII and number syntax), through the refilling line buffer.
 */
class JsonTraceReaderDifferentialTest {

    private static byte[] trace(Scenario sc, int maxLines) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JsonTraceWriter w = new JsonTraceWriter(bos)) {
            new Simulator(sc).run(w);
        }
        byte[] b = bos.toByteArray();
        int end = 0;
        for (int n = 0; n < maxLines && end < b.length; n++) {
            while (b[end] != '\n') {
                end++;
            }
            end++;
        }
        return java.util.Arrays.copyOf(b, end);
    }

    /** Reads {@code input} with and without the bulk parser and asserts the same outcome, line by line. */
    private static void assertSameAsJackson(byte[] input) throws IOException {
        try (JsonTraceReader bulk = new JsonTraceReader(in(input));
             JsonTraceReader plain = new JsonTraceReader(in(input), false)) {
            long n = 0;
            while (true) {
                boolean f = bulk.next();
                boolean p = plain.next();
                assertThat(f).as("record %d", n).isEqualTo(p);
                if (!f) {
                    break;
                }
                n++;
                assertThat(bulk.lines()).as("line number of record %d", n).isEqualTo(plain.lines());
                assertSameRecord(bulk, plain);
            }
            assertThat(bulk.lines()).isEqualTo(plain.lines());
            assertThat(bulk.records()).isEqualTo(plain.records());
            assertThat(bulk.malformed()).isEqualTo(plain.malformed());
            assertThat(bulk.firstMalformed()).isEqualTo(plain.firstMalformed());
            assertThat(plain.bulkRecords).isZero();
            assertThat(plain.rereads).isZero();
            lastBulkShare = bulk.records() == 0 ? 0 : (double) bulk.bulkRecords / bulk.records();
            rereads += bulk.rereads;
        }
    }

    /** The share of records the last {@link #assertSameAsJackson} run read with the bulk parser. */
    private static double lastBulkShare;

    /**
     * When set, the header names asked of both readers (the rest of the bulk reader's values stay
     * skipped by jackson, never decoded); {@code null}: every name on the line, so every value is
     * decoded after its name's first line.
     */
    private static String[] askOnly;

    /** Lines the bulk readers read again to decode skipped values, summed over the runs. */
    private static long rereads;

    /** An input stream that returns odd-sized chunks, so lines straddle buffer refills. */
    private static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b) {
            private int calls;

            @Override
            public synchronized int read(byte[] buf, int off, int len) {
                return super.read(buf, off, Math.min(len, 1 + (calls++ * 7919) % 70_000));
            }
        };
    }

    private static void assertSameRecord(JsonTraceReader bulk, JsonTraceReader plain) {
        String line = "line " + plain.lines();
        TraceExchange a = bulk.exchange();
        TraceExchange b = plain.exchange();
        assertThat(bulk.timestampMillis()).as(line).isEqualTo(plain.timestampMillis());
        assertThat(a.method()).as(line).isEqualTo(b.method());
        assertThat(a.path().toString()).as(line).isEqualTo(b.path().toString());
        assertThat(a.status()).as(line).isEqualTo(b.status());
        assertThat(a.responseBytes()).as(line).isEqualTo(b.responseBytes());
        assertThat(a.durationNanos()).as(line).isEqualTo(b.durationNanos());
        assertThat(a.backend()).as(line).isEqualTo(b.backend());
        assertThat(a.failure()).as(line).isEqualTo(b.failure());
        assertThat(a.conditional()).as(line).isEqualTo(b.conditional());
        assertSameHeaders(line + " req", (TraceExchange.Headers) a.requestHeaders(), (TraceExchange.Headers) b.requestHeaders());
        assertSameHeaders(line + " resp", (TraceExchange.Headers) a.responseHeaders(), (TraceExchange.Headers) b.responseHeaders());
    }

    private static void assertSameHeaders(String what, TraceExchange.Headers a, TraceExchange.Headers b) {
        assertThat(a.size()).as(what).isEqualTo(b.size());
        if (askOnly != null) {
            for (String n : askOnly) {
                assertThat(String.valueOf(a.get(n))).as(what + " " + n).isEqualTo(String.valueOf(b.get(n)));
            }
            return;
        }
        for (int i = 0; i < b.size(); i++) {
            assertThat(a.names[i]).as(what).isEqualTo(b.names[i]);
            assertThat(a.names[i]).as(what + ": names are interned, lower case").isSameAs(b.names[i]);
            assertThat(String.valueOf(a.get(b.names[i]))).as(what + " " + b.names[i]).isEqualTo(String.valueOf(b.get(b.names[i])));
        }
        assertThat(a.get("not-there")).isNull();
    }

    /**
     * The same two runs asking only for the names the core reads on these traces, as the backtest
     * does: every other value is skipped by jackson on every line (bad UTF-8, escapes and control
     * characters in the mutated lines included), and must decide the same records and malformed lines.
     */
    @Test
    void next_onlyTheCoresNamesAskedFor_skippedValuesDecideTheSameAsDecodedOnes() throws IOException {
        askOnly = new String[] {"user-agent", "via", "cdn-loop", "cf-ray", "x-amz-cf-pop", "cache-control", "fastly-ff"};
        rereads = 0;
        try {
            next_everyScenario_sameRecordsAsAParserPerLine();
            next_mutatedLines_sameRecordsAndMalformedLinesAsAParserPerLine();
        } finally {
            askOnly = null;
        }
        assertThat(rereads).as("lines read again to decode a value first asked for").isPositive();
    }

    @Test
    void next_everyScenario_sameRecordsAsAParserPerLine() throws IOException {
        for (String name : Scenario.NAMES) {
            assertSameAsJackson(trace(Scenario.named(name, 5, 2, null).fromDay(1), 6_000));
            assertThat(lastBulkShare).as("%s: share of records read by the bulk parser", name).isGreaterThan(0.99);
        }
        assertSameAsJackson(trace(Scenario.named("gateway-no-backend", 2, 1, null).scaled(5), 20_000));
        assertThat(lastBulkShare).isGreaterThan(0.99);
    }

    @Test
    void next_mutatedLines_sameRecordsAndMalformedLinesAsAParserPerLine() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        for (String name : new String[] {"normal", "april4", "gateway-no-backend", "silent-backend", "partial-drop"}) {
            byte[] t = trace(Scenario.named(name, 3, 1, null), 300);
            int s = 0;
            for (int i = 0; i < t.length; i++) {
                if (t[i] == '\n') {
                    seeds.add(java.util.Arrays.copyOfRange(t, s, i));
                    s = i + 1;
                }
            }
        }
        String[] extra = {
            "{\"ts\":\"2021-04-04T02:00:00.5+02:00\",\"method\":\"get\",\"path\":\"/a?b\",\"status\":-0,\"bytes\":1.5e3,"
                + "\"duration_ms\":12,\"req\":{\"Via\":\"1.1 x (CloudFront)\",\"x\":\"\\u00e9\\ud83d\\ude00\\/\\b\"}}",
            "{ \"ts\" : 1617501600000 , \"method\" : \"HEAD\" , \"path\" : \"/x\" , \"status\" : 304 }",
            "\t{\"ts\":\"2021-04-04T02:00:60.999Z\",\"method\":\"GET\",\"path\":\"/p\",\"status\":200,\"extra\":[1,2],"
                + "\"more\":{\"a\":{}},\"n\":null,\"t\":true,\"f\":-1.25E-3,\"resp\":{\"etag\":\"\\\"v1\\\"\"}}  ",
            "{\"ts\":\"2021-04-04T02:00:00.123Z\",\"method\":\"GET\",\"path\":\"/p\",\"status\":200,\"backend\":null,"
                + "\"error\":\"connect_refused\",\"duration_ms\":0.0000000000000000000001,\"req\":{\"\":\"empty name\"}}",
            "{\"ts\":\"2021-04-04T02:00:00.123z\",\"method\":\"GET\",\"path\":\"/p\",\"status\":200,\"req\":{\"a\\u0062\":\"x\"}}\r",
            "{\"ts\":\"2021-04-04T02:00:00.123Z\",\"method\":\"G\u00c9T\",\"path\":\"/\u00e9\",\"status\":200,\"req\":{\"h\u00e9\":\"caf\u00e9\"}}",
        };
        String[] split = {
            // a record over two lines, two records on one line, an object then more: each line alone decides
            "{\"ts\":\"2021-04-04T02:00:00.123Z\",\"method\":\"GET\",\n\"path\":\"/p\",\"status\":200}",
            "{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/p\",\"status\":200}{\"ts\":1,\"method\":\"GET\",\"path\":\"/q\",\"status\":200}",
            "{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/p\",\"status\":200} 1",
            "{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/p\",\"status\":200}\r\r \t",
            "\ufeff{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/bom\",\"status\":200}",
            "{}", "{", "}", "[]", "\"x\"", "1", "{\"a\":", "\r{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/cr\",\"status\":200}",
        };
        for (String e : split) {
            seeds.add(e.getBytes(StandardCharsets.UTF_8));
        }
        for (String e : extra) {
            seeds.add(e.getBytes(StandardCharsets.UTF_8));
        }
        byte[][] pieces = {
            {'"'}, {'\\'}, {'{'}, {'}'}, {','}, {':'}, {' '}, {'\t'}, {'\r'}, {'\n'}, {0}, {0x1F}, {0x7F}, {(byte) 0x80},
            {(byte) 0xC3, (byte) 0xA9}, {(byte) 0xC3}, {'0'}, {'9'}, {'-'}, {'.'}, {'e'}, {'E'}, {'+'}, {'u'}, {'/'}, {'?'},
            {'a'}, {'Z'}, {'['}, {']'}, "\\u00".getBytes(StandardCharsets.US_ASCII), "\\\"".getBytes(StandardCharsets.US_ASCII),
            "null".getBytes(StandardCharsets.US_ASCII), "\"x\":1,".getBytes(StandardCharsets.US_ASCII),
        };
        Random rnd = new Random(20261124);
        for (int round = 0; round < 6; round++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int n = 0; n < 4_000; n++) {
                byte[] line = seeds.get(rnd.nextInt(seeds.size()));
                int mutations = rnd.nextInt(4); // a quarter of the lines unchanged
                for (int m = 0; m < mutations; m++) {
                    line = mutate(line, rnd, pieces);
                }
                out.write(line, 0, line.length);
                byte[] ending = ENDINGS[Math.min(rnd.nextInt(20), ENDINGS.length - 1)];
                out.write(ending, 0, ending.length);
            }
            assertSameAsJackson(out.toByteArray());
            assertThat(lastBulkShare).as("mutated lines still mostly read by the bulk parser").isGreaterThan(0.3);
        }
    }

    /** Line endings: mostly a newline, sometimes CRLF, a blank line or trailing whitespace. */
    private static final byte[][] ENDINGS = {"\r\n".getBytes(StandardCharsets.US_ASCII), "\n\n".getBytes(StandardCharsets.US_ASCII),
        " \t\n".getBytes(StandardCharsets.US_ASCII), "\n".getBytes(StandardCharsets.US_ASCII)};

    private static byte[] mutate(byte[] line, Random rnd, byte[][] pieces) {
        if (line.length == 0) {
            return line;
        }
        int at = rnd.nextInt(line.length);
        byte[] piece = pieces[rnd.nextInt(pieces.length)];
        ByteArrayOutputStream o = new ByteArrayOutputStream(line.length + piece.length);
        switch (rnd.nextInt(3)) {
            case 0: // replace one byte
                o.write(line, 0, at);
                o.write(piece, 0, piece.length);
                o.write(line, at + 1, line.length - at - 1);
                break;
            case 1: // insert
                o.write(line, 0, at);
                o.write(piece, 0, piece.length);
                o.write(line, at, line.length - at);
                break;
            default: // delete a few bytes
                int n = Math.min(line.length - at, 1 + rnd.nextInt(3));
                o.write(line, 0, at);
                o.write(line, at + n, line.length - at - n);
                break;
        }
        return o.toByteArray();
    }

    @Test
    void next_lastLineWithoutNewline_andOverlongLine_sameAsAParserPerLine() throws IOException {
        String good = "{\"ts\":\"2021-04-04T02:00:00.123Z\",\"method\":\"GET\",\"path\":\"/p\",\"status\":200}";
        String overlong = "{\"ts\":\"2021-04-04T02:00:00.123Z\",\"method\":\"GET\",\"path\":\"/" + "x".repeat(TraceReader.MAX_LINE)
            + "\",\"status\":200}";
        String text = good + "\n" + overlong + "\n" + good + "\n\n   \n" + good;
        assertSameAsJackson(text.getBytes(StandardCharsets.US_ASCII));
        try (JsonTraceReader r = new JsonTraceReader(in(text.getBytes(StandardCharsets.US_ASCII)))) {
            int n = 0;
            while (r.next()) {
                n++;
            }
            assertThat(n).isEqualTo(3);
            assertThat(r.malformed()).isEqualTo(1);
            assertThat(r.firstMalformed()).containsExactly(2L);
        }
    }
}
