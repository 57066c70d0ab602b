package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.UpstreamFailure;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonTraceReaderTest {

    static final String LINE = "{\"ts\":\"2021-04-04T01:59:58.120Z\",\"method\":\"GET\",\"path\":\"/static/chat.js?v=3\",\"status\":304,"
        + "\"bytes\":0,\"duration_ms\":0.8,\"extra\":{\"a\":[1,2,{\"b\":3}]},\"req\":{\"user-agent\":\"Amazon CloudFront\","
        + "\"via\":\"1.1 5f3c.cloudfront.net (CloudFront)\",\"if-none-match\":\"\\\"v41\\\"\",\"X-Amz-Cf-Id\":\"abc\"},"
        + "\"resp\":{\"cache-control\":\"public, max-age=3600\",\"etag\":\"\\\"v41\\\"\"}}";

    private static JsonTraceReader reader(String text) {
        return new JsonTraceReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void next_fullLine_fillsEveryField() throws IOException {
        try (JsonTraceReader r = reader(LINE + "\n")) {
            assertThat(r.next()).isTrue();
            TraceExchange e = r.exchange();
            assertThat(r.timestampMillis()).isEqualTo(Instant.parse("2021-04-04T01:59:58.120Z").toEpochMilli());
            assertThat(e.method()).isEqualTo("GET");
            assertThat(e.path().toString()).isEqualTo("/static/chat.js");
            assertThat(e.status()).isEqualTo(304);
            assertThat(e.responseBytes()).isZero();
            assertThat(e.durationNanos()).isEqualTo(800_000L);
            assertThat(e.requestHeaders().get("user-agent").toString()).isEqualTo("Amazon CloudFront");
            assertThat(e.requestHeaders().get("if-none-match").toString()).isEqualTo("\"v41\"");
            assertThat(e.requestHeaders().get("x-amz-cf-id").toString()).isEqualTo("abc");
            assertThat(e.requestHeaders().get("cache-control")).isNull();
            assertThat(e.responseHeaders().get("cache-control").toString()).isEqualTo("public, max-age=3600");
            assertThat(e.conditional()).isTrue();
            assertThat(e.backend()).isNull();
            assertThat(e.failure()).isNull();
            assertThat(r.next()).isFalse();
            assertThat(r.records()).isEqualTo(1);
            assertThat(r.malformed()).isZero();
        }
    }

    @Test
    void next_epochMillisAndGatewayFields_read() throws IOException {
        String l = "{\"ts\":1617501600000,\"method\":\"HEAD\",\"path\":\"/static/a.js\",\"status\":503,\"error\":\"no_backend\",\"backend\":null}\n"
            + "{\"ts\":1617501601000.0,\"method\":\"GET\",\"path\":\"/api/v1\",\"status\":502,\"backend\":\"api-1\",\"error\":\"connect_refused\"}\n"
            + "{\"ts\":\"1617501602000\",\"method\":\"GET\",\"path\":\"/x\",\"status\":200,\"backend\":\"api-1\"}\n";
        try (JsonTraceReader r = reader(l)) {
            assertThat(r.next()).isTrue();
            assertThat(r.timestampMillis()).isEqualTo(1617501600000L);
            assertThat(r.exchange().method()).isEqualTo("HEAD");
            assertThat(r.exchange().failure()).isEqualTo(UpstreamFailure.NO_BACKEND);
            assertThat(r.exchange().backend()).isNull();
            assertThat(r.exchange().requestHeaders().get("user-agent")).isNull();
            assertThat(r.next()).isTrue();
            assertThat(r.timestampMillis()).isEqualTo(1617501601000L);
            assertThat(r.exchange().backend()).isEqualTo("api-1");
            assertThat(r.exchange().failure()).isEqualTo(UpstreamFailure.CONNECT_REFUSED);
            String first = r.exchange().backend();
            assertThat(r.next()).isTrue();
            assertThat(r.timestampMillis()).isEqualTo(1617501602000L);
            assertThat(r.exchange().backend()).isSameAs(first);
            assertThat(r.exchange().failure()).isNull();
        }
    }

    @Test
    void next_malformedLines_countedWithLineNumbers_andSkipped() throws IOException {
        String text = LINE + "\n"
            + "not json\n"                                                       // 2 bad JSON
            + "\n"                                                               // 3 blank: ignored
            + "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"status\":200}\n" // 4 no path
            + "{\"ts\":\"yesterday\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200}\n" // 5 bad ts
            + "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":\"200\"}\n" // 6 status not int
            + "{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200} {}\n" // 7 trailing
            + "[1,2]\n"                                                          // 8 not an object
            + LINE + "\n"                                                        // 9 ok
            + LINE.substring(0, 120);                                            // 10 truncated last line
        try (JsonTraceReader r = reader(text)) {
            List<Long> ts = new ArrayList<>();
            while (r.next()) {
                ts.add(r.timestampMillis());
            }
            assertThat(ts).hasSize(2);
            assertThat(r.records()).isEqualTo(2);
            assertThat(r.malformed()).isEqualTo(7);
            assertThat(r.firstMalformed()).containsExactly(2L, 4L, 5L, 6L, 7L, 8L, 10L);
            assertThat(r.lines()).isEqualTo(10);
        }
    }

    @Test
    void next_recordsStraddlingOrSharingLines_eachLineDecidedAlone_andTheNextLineParses() throws IOException {
        String a = "{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/a\",\"status\":200}";
        String text = a + "\n"                                                      // 1 ok
            + "{\"ts\":1617501600001,\"method\":\"GET\",\n"                         // 2 a record over two lines
            + "\"path\":\"/b\",\"status\":200}\n"                                   // 3 its second half
            + a + "\n"                                                              // 4 ok
            + a + a + "\n"                                                          // 5 two records on one line
            + a + " \t\r\r\n"                                                       // 6 ok: trailing whitespace, CRs
            + " \t\n"                                                               // 7 blank
            + "\uFEFF" + a + "\n"                                                   // 8 a BOM: jackson skips it at a line's start
            + a + "\u0000\n"                                                        // 9 a null byte after the record
            + "\t" + a + "\n";                                                      // 10 ok
        try (JsonTraceReader r = reader(text)) {
            List<Long> lines = new ArrayList<>();
            while (r.next()) {
                lines.add(r.lines());
                assertThat(r.exchange().path().toString()).isEqualTo("/a");
            }
            assertThat(lines).containsExactly(1L, 4L, 6L, 8L, 10L);
            assertThat(r.firstMalformed()).containsExactly(2L, 3L, 5L, 9L);
            assertThat(r.lines()).isEqualTo(10);
            assertThat(r.bulkRecords).as("records read by the parser over the buffer").isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void headers_valuesNeverAskedFor_areSkipped_andDecodedWhenFirstAskedFor() throws IOException {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            text.append("{\"ts\":1617501600000,\"method\":\"GET\",\"path\":\"/a\",\"status\":200,\"req\":{\"User-Agent\":\"ua")
                .append(i).append("\",\"x-n\":1,\"host\":\"h\\u00e9").append(i).append("\",\"accept\":\"\\\"a\\\"").append(i)
                .append("\"},\"resp\":{\"etag\":\"e").append(i).append("\"}}\n");
        }
        try (JsonTraceReader r = reader(text.toString())) {
            for (int i = 0; i < 30; i++) {
                assertThat(r.next()).isTrue();
                assertThat(r.exchange().requestHeaders().get("user-agent").toString()).isEqualTo("ua" + i);
                assertThat(r.exchange().requestHeaders().get("not-there")).isNull();
            }
            assertThat(r.rereads).as("the line read again once, when user-agent was first asked for").isEqualTo(1);
            assertThat(r.next()).isTrue();
            assertThat(r.exchange().requestHeaders().get("accept").toString()).isEqualTo("\"a\"30");
            assertThat(r.exchange().requestHeaders().get("host").toString()).isEqualTo("h\u00e930");
            assertThat(r.exchange().responseHeaders().get("etag").toString()).isEqualTo("e30");
            assertThat(r.exchange().requestHeaders().get("user-agent").toString()).isEqualTo("ua30");
            assertThat(r.rereads).isEqualTo(2);
            while (r.next()) {
                assertThat(r.exchange().requestHeaders().get("host").toString()).startsWith("h\u00e9");
                assertThat(r.exchange().responseHeaders().get("etag").toString()).startsWith("e");
            }
            // line 31 read again for accept (which decoded host and etag too), line 32 for host, 33 for etag:
            // a name is decoded on every line once it was asked for while skipped
            assertThat(r.rereads).isEqualTo(4);
            assertThat(r.records()).isEqualTo(50);
        }
    }

    @Test
    void next_overlongLine_isMalformed_andReadingGoesOn() throws IOException {
        StringBuilder sb = new StringBuilder(LINE).append('\n').append("{\"ts\":\"");
        for (int i = 0; i < TraceReader.MAX_LINE + 10; i++) {
            sb.append('x');
        }
        sb.append("\"}\n").append(LINE).append('\n');
        try (JsonTraceReader r = reader(sb.toString())) {
            assertThat(r.next()).isTrue();
            assertThat(r.next()).isTrue();
            assertThat(r.next()).isFalse();
            assertThat(r.firstMalformed()).containsExactly(2L);
        }
    }

    @Test
    void open_gzipFile_isDecompressed_andCrLfAccepted(@TempDir Path dir) throws IOException {
        Path gz = dir.resolve("t.jsonl.gz");
        try (OutputStream os = new GZIPOutputStream(Files.newOutputStream(gz))) {
            for (int i = 0; i < 5000; i++) {
                os.write(LINE.replace("01:59:58.120Z", String.format("02:%02d:%02dZ", i / 60 % 60, i % 60)).getBytes(StandardCharsets.UTF_8));
                os.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
        }
        try (TraceReader r = new JsonTraceReader(TraceReader.open(gz))) {
            int n = 0;
            while (r.next()) {
                n++;
                assertThat(r.exchange().responseHeaders().get("etag").toString()).isEqualTo("\"v41\"");
            }
            assertThat(n).isEqualTo(5000);
            assertThat(r.malformed()).isZero();
        }
        Path plain = dir.resolve("t.jsonl");
        Files.writeString(plain, LINE + "\n");
        try (TraceReader r = new JsonTraceReader(TraceReader.open(plain))) {
            assertThat(r.next()).isTrue();
        }
    }

    @Test
    void next_manyHeadersAndLongValues_boundedAndStillCorrect() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        StringBuilder sb = new StringBuilder("{\"ts\":\"2021-04-04T02:00:00Z\",\"method\":\"GET\",\"path\":\"/a\",\"status\":200,\"req\":{");
        for (int i = 0; i < 100; i++) {
            sb.append(i == 0 ? "" : ",").append("\"h").append(i).append("\":\"").append("v".repeat(200)).append(i).append('"');
        }
        sb.append("}}\n");
        bos.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(bos.toByteArray()))) {
            assertThat(r.next()).isTrue();
            assertThat(r.exchange().requestHeaders().get("h1").toString()).isEqualTo("v".repeat(200) + "1");
            assertThat(r.exchange().requestHeaders().get("h47").toString()).endsWith("47");
            assertThat(r.exchange().requestHeaders().get("h99")).isNull(); // beyond the header cap
            assertThat(r.exchange().path().toString()).isEqualTo("/a");
        }
    }
}
