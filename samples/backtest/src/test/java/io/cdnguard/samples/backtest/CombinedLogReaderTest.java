package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class CombinedLogReaderTest {

    private static CombinedLogReader reader(String text, long ttl) {
        return new CombinedLogReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), ttl);
    }

    @Test
    void next_cloudFrontLine_parsed_withSynthesisedFreshness() throws IOException {
        String l = "130.176.1.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /static/a.js?v=2 HTTP/1.1\" 304 0 \"-\" \"Amazon CloudFront\"\n";
        try (CombinedLogReader r = reader(l, 3600)) {
            assertThat(r.next()).isTrue();
            assertThat(r.timestampMillis()).isEqualTo(OffsetDateTime.parse("2000-10-10T13:55:36-07:00").toInstant().toEpochMilli());
            TraceExchange e = r.exchange();
            assertThat(e.method()).isEqualTo("GET");
            assertThat(e.path().toString()).isEqualTo("/static/a.js");
            assertThat(e.status()).isEqualTo(304);
            assertThat(e.responseBytes()).isZero();
            assertThat(e.requestHeaders().get("user-agent").toString()).isEqualTo("Amazon CloudFront");
            assertThat(e.requestHeaders().get("referer")).isNull();
            assertThat(e.responseHeaders().get("cache-control").toString()).isEqualTo("max-age=3600");
            assertThat(e.conditional()).isTrue();
            assertThat(e.clientAddress().toString()).isEqualTo("130.176.1.1");
        }
    }

    @Test
    void next_browserLineWithQuotesAndDashBytes_parsed() throws IOException {
        String l = "::1 - frank [01/Apr/2021:00:00:01 +0000] \"POST /api/x HTTP/2.0\" 404 - \"https://ex.com/?q=\\\"a\\\"\" "
            + "\"Mozilla/5.0 (X11) \\\"quoted\\\"\" extra-field 0.003\n";
        try (CombinedLogReader r = reader(l, 0)) {
            assertThat(r.next()).isTrue();
            TraceExchange e = r.exchange();
            assertThat(e.method()).isEqualTo("POST");
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.responseBytes()).isEqualTo(-1);
            assertThat(e.requestHeaders().get("user-agent").toString()).startsWith("Mozilla/5.0");
            assertThat(e.responseHeaders().get("cache-control")).isNull();
            assertThat(e.conditional()).isFalse();
        }
    }

    @Test
    void next_malformedLines_counted() throws IOException {
        String good = "1.2.3.4 - - [04/Apr/2021:02:00:00 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"Amazon CloudFront\"";
        String text = good + "\n"
            + "garbage\n"
            + "1.2.3.4 - - [04/Foo/2021:02:00:00 +0000] \"GET /a HTTP/1.1\" 200 10 \"-\" \"x\"\n"
            + "1.2.3.4 - - [04/Apr/2021:02:00:00 +0000] \"GET /a HTTP/1.1\" 2000 10 \"-\" \"x\"\n"
            + "1.2.3.4 - - [04/Apr/2021:02:00:00 +0000] \"GET /a HTTP/1.1\n"
            + good + "\n"
            + good.substring(0, 30);
        try (CombinedLogReader r = reader(text, 60)) {
            int n = 0;
            while (r.next()) {
                n++;
            }
            assertThat(n).isEqualTo(2);
            assertThat(r.firstMalformed()).containsExactly(2L, 3L, 4L, 5L, 7L);
        }
    }
}
