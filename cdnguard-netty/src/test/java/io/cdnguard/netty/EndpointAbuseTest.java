package io.cdnguard.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.cdnguard.CdnGuard;
import io.cdnguard.MutableExchange;
import io.cdnguard.RequestKind;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.Hostile;
import io.cdnguard.testing.ManualTimeSource;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Abuse of cdnguard's endpoints over a real socket, through {@link CdnGuardEndpointHandler} in a
 * host pipeline (with the host's own, larger codec limits) and through {@link CdnGuardAdminServer}
 * (Netty's default limits): unknown paths, wrong methods, a 64 KiB query string, a 16 KiB header,
 * missing and wrong tokens, and hostile strings in everything that reaches the outputs (backend
 * names, check names, messages and details, an exception message), parsed back with jackson and
 * linted with {@code promtool}.
 */
@Timeout(60)
class EndpointAbuseTest {

    static final String TOKEN = "s3cret-token";

    private final ManualTimeSource time = new ManualTimeSource(Instant.parse("2026-04-05T02:00:00Z"));
    private CdnGuard guard;
    private TestServer host;
    private CdnGuardAdminServer admin;

    @BeforeAll
    static void leaks() {
        LeakDetection.install();
    }

    @BeforeEach
    void start() throws Exception {
        CdnGuard.Builder b = CdnGuard.builder().timeSource(time).evaluationThread(false).detailsToken(TOKEN).builtInChecks(false)
                .check(new Hostile.ThrowingCheck());
        for (String s : Hostile.STRINGS) {
            b.check(new Hostile.HostileCheck("check " + s));
        }
        b.expectBackend("expected " + Hostile.STRINGS.get(3));
        guard = b.build();
        for (String s : Hostile.STRINGS) {
            guard.record(new MutableExchange().status(502).backend("backend " + s).failure(UpstreamFailure.CONNECT_REFUSED));
        }
        guard.evaluateNow();
        host = new TestServer(ch -> ch.pipeline()
                .addLast(new HttpServerCodec(80_000, 32_768, 8192))
                .addLast(new CdnGuardHandler(guard))
                .addLast(new CdnGuardEndpointHandler(guard))
                .addLast(new AssetApp()));
        admin = CdnGuardAdminServer.start(guard, "127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        if (admin != null) {
            admin.close();
        }
        if (host != null) {
            host.close();
        }
        guard.close();
        LeakDetection.assertNoLeaks();
    }

    // ------------------------------------------------------------------ routes and methods

    @Test
    void unknownPathsUnderThePrefix_404_onBothServers() throws Exception {
        for (int port : new int[] {host.port(), admin.port()}) {
            for (String path : List.of("/cdnguard", "/cdnguard/", "/cdnguard/nope", "/cdnguard/health/", "/cdnguard/health/x",
                    "/cdnguard/health/lb/", "/cdnguard/metrics/x", "/cdnguard//health", "/cdnguard/HEALTH",
                    "/cdnguard/%68ealth", "/cdnguard/health%00", "/cdnguard/" + "a".repeat(3000))) {
                Reply r = exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(r.status).as("%s on %d", path, port).isEqualTo(404);
            }
        }
    }

    @Test
    void wrongMethods_405_withAllowHeader_onBothServers() throws Exception {
        for (int port : new int[] {host.port(), admin.port()}) {
            for (String path : List.of("/cdnguard/health", "/cdnguard/health/lb", "/cdnguard/metrics")) {
                for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND")) {
                    String body = method.equals("POST") || method.equals("PUT") ? "x=1" : "";
                    Reply r = exchange(port, method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                            + "\r\n\r\n" + body);
                    assertThat(r.status).as("%s %s", method, path).isEqualTo(405);
                    assertThat(r.headers).containsEntry("allow", "GET, HEAD");
                }
            }
        }
    }

    @Test
    void postWithABody_thenAGet_onOneConnection_bodyDiscarded_bothAnswered() throws Exception {
        try (Raw raw = new Raw(host.port())) {
            String body = "z".repeat(50_000);
            raw.send("POST /cdnguard/health HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                    + "GET /cdnguard/health/lb HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(raw.read().status).isEqualTo(405);
            Reply lb = raw.read();
            assertThat(lb.status).isEqualTo(200);
            assertThat(lb.body).isEqualTo("DEGRADED\n");
        }
    }

    // ------------------------------------------------------------------ huge requests

    @Test
    void hugeQueryString64KiB_hostPipeline_answersHealth_noErrorLogged() throws Exception {
        String query = "?q=" + "%22%3C%2Fscript%3E".repeat(65_536 / 18);
        try (Hostile.StdErr err = new Hostile.StdErr()) {
            Reply r = exchange(host.port(), "GET /cdnguard/health" + query + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r.status).isEqualTo(200);
            assertThat(keys(r.body)).containsExactly("status", "description", "cdnguardStatus", "time");
            assertThat(r.body).doesNotContain("</script").doesNotContain("%22");
            Reply m = exchange(host.port(), "GET /cdnguard/metrics" + query + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(m.status).isEqualTo(200);
            assertThat(m.body).doesNotContain("%3C");
            assertThat(err.problems()).isEmpty();
        }
        TestServer.await(() -> guard.snapshot().otherRequests(RequestKind.SELF) == 2);
    }

    @Test
    void header16KiB_hostPipeline_answersHealth_noErrorLogged() throws Exception {
        try (Hostile.StdErr err = new Hostile.StdErr()) {
            Reply r = exchange(host.port(), "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nX-Filler: " + "f".repeat(16_384)
                    + "\r\nUser-Agent: " + "u".repeat(16_000) + "\r\n\r\n");
            assertThat(r.status).isEqualTo(200);
            assertThat(r.body).doesNotContain("fff").doesNotContain("uuu");
            assertThat(err.problems()).isEmpty();
        }
    }

    @Test
    void hugeQueryAndHugeHeader_adminServerWithDefaultLimits_saneClientErrorAndClose_noErrorLogged() throws Exception {
        try (Hostile.StdErr err = new Hostile.StdErr()) {
            Reply q = exchangeThenClose(admin.port(), "GET /cdnguard/health?q=" + "a".repeat(65_536) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(q.status).as("64 KiB request line").isEqualTo(414);
            assertThat(q.closed).as("connection closed after a request it could not read").isTrue();
            Reply h = exchangeThenClose(admin.port(), "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nX-Filler: " + "f".repeat(16_384)
                    + "\r\n\r\n");
            // over Netty's default 8 KiB header limit: refused, never answered from the partial headers
            assertThat(h.status).as("16 KiB header").isEqualTo(431);
            assertThat(h.closed).isTrue();
            Reply h2 = exchangeThenClose(admin.port(), "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nX-Filler: "
                    + "f".repeat(200_000) + "\r\n\r\n");
            assertThat(h2.status).as("200 KiB header").isEqualTo(431);
            assertThat(h2.closed).isTrue();
            // and the admin server still serves the next client
            assertThat(exchange(admin.port(), "GET /cdnguard/health/lb HTTP/1.1\r\nHost: x\r\n\r\n").status).isEqualTo(200);
            assertThat(err.problems()).isEmpty();
        }
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void missingOrWrongToken_statusOnlyView_rightTokenDetails() throws Exception {
        List<String> wrong = new ArrayList<>(List.of("", "Bearer", "Bearer ", "Bearer s3cret", "Bearer s3cret-token-x",
                "Basic czNjcmV0LXRva2Vu", "Bearer  s3cret-token.", "s3cret-token", "Bearer " + "t".repeat(30_000)));
        for (int port : new int[] {host.port(), admin.port()}) {
            Reply none = exchange(port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(keys(none.body)).as("no token").containsExactly("status", "description", "cdnguardStatus", "time");
            for (String auth : wrong) {
                if (port == admin.port() && auth.length() > 8000) {
                    continue; // over the admin server's default header limit: answered 431 (see above)
                }
                Reply r = exchange(port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n");
                assertThat(r.status).as(auth).isEqualTo(200);
                assertThat(keys(r.body)).as("wrong token %s", auth.length() > 40 ? auth.substring(0, 40) : auth)
                        .containsExactly("status", "description", "cdnguardStatus", "time");
            }
            for (String auth : List.of("Bearer " + TOKEN, "bearer " + TOKEN, "BEARER   " + TOKEN + "  ")) {
                Reply r = exchange(port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n");
                assertThat(keys(r.body)).as(auth).contains("checks");
            }
        }
    }

    // ------------------------------------------------------------------ reflection and escaping

    @Test
    void clientSentHeaderValues_neverReflected_inHealthOrMetrics() throws Exception {
        String marker = "zz\"<marker>\\";
        List<String> requests = new ArrayList<>();
        for (String name : List.of("User-Agent", "Via", "CDN-Loop", "CF-Ray", "X-Amz-Cf-Pop", "Fastly-FF", "X-Served-By",
                "X-Forwarded-For", "Host", "Referer", "X-Backend", "Cookie")) {
            requests.add("GET /ttl/60 HTTP/1.1\r\nHost: x\r\nCDN-Loop: made-up-cdn-" + name.length() + "; v=1, " + marker
                    + "\r\n" + name + ": " + marker + "\r\n\r\n");
        }
        requests.add("GET /ttl/60 HTTP/1.1\r\nHost: x\r\nCF-Ray: 7a1b2c3d4e5f6a7b-ZQ" + marker + "\r\n\r\n");
        requests.add("GET /ttl/60 HTTP/1.1\r\nHost: x\r\nFastly-FF: cache-fra-" + marker + "\r\n\r\n");
        long before = guard.snapshot().cdnFetches() + guard.snapshot().otherRequests(RequestKind.DIRECT);
        try (Raw raw = new Raw(host.port())) {
            raw.send(String.join("", requests));
            for (int i = 0; i < requests.size(); i++) {
                raw.read();
            }
        }
        TestServer.await(() -> guard.snapshot().cdnFetches() + guard.snapshot().otherRequests(RequestKind.DIRECT)
                == before + requests.size());
        guard.evaluateNow();
        String health = exchange(host.port(), "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\n\r\n").body;
        String metrics = exchange(host.port(), "GET /cdnguard/metrics HTTP/1.1\r\nHost: x\r\n\r\n").body;
        for (String body : List.of(health, metrics)) {
            assertThat(body).doesNotContain("marker").doesNotContain("made-up-cdn").doesNotContain("zz\\\"");
        }
        for (String line : metrics.split("\n")) {
            if (line.startsWith("cdnguard_cdn_pop_fetches_total{")) {
                assertThat(line).matches("cdnguard_cdn_pop_fetches_total\\{cdn=\"[a-z]+\",pop=\"[A-Z0-9]{1,8}\"} \\d+");
            }
        }
    }

    @Test
    void hostileCheckAndBackendNames_healthJsonParsesBackExactly_andIsScriptSafe() throws Exception {
        for (int port : new int[] {host.port(), admin.port()}) {
            Reply r = exchange(port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");
            assertThat(r.headers.get("content-type")).startsWith("application/health+json");
            Map<String, Object> doc = parseStrict(r.body);
            @SuppressWarnings("unchecked")
            Map<String, Object> checks = (Map<String, Object>) doc.get("checks");
            for (String s : Hostile.STRINGS) {
                assertThat(checks).as("check named %s", s).containsKey("check " + s);
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) ((List<Object>) checks.get("check " + s)).get(0);
                assertThat(c.get("output")).isEqualTo("message " + Hostile.ALL);
                assertThat(c.get("observedValue")).isEqualTo(Hostile.ALL);
                @SuppressWarnings("unchecked")
                Map<String, Object> details = (Map<String, Object>) c.get("details");
                for (int i = 0; i < Hostile.STRINGS.size(); i++) {
                    assertThat(details).containsEntry("k" + i + Hostile.STRINGS.get(i), Hostile.STRINGS.get(i));
                }
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> thrown = (Map<String, Object>) ((List<Object>) checks.get("throws")).get(0);
            assertThat(thrown.get("cdnguardStatus")).isEqualTo("DEGRADED");
            assertThat((String) thrown.get("output")).contains(Hostile.ALL);
            // script-safe and single-line: no raw <, >, &, control characters, U+2028/2029
            assertThat(r.body).doesNotContain("<").doesNotContain(">").doesNotContain("&");
            assertThat(Hostile.hasRawControl(r.body)).as("raw control character in %s", r.body).isFalse();
        }
    }

    @Test
    void hostileCheckAndBackendNames_metricsPassPromtool_andLabelsRoundTrip() throws Exception {
        Path promtool = Hostile.promtool();
        Reply r = exchange(admin.port(), "GET /cdnguard/metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(r.status).isEqualTo(200);
        List<String> labels = new ArrayList<>();
        for (String line : r.body.split("\n", -1)) {
            if (line.startsWith("cdnguard_backend_exchanges_total{backend=\"")) {
                labels.add(unescapeLabel(line.substring(line.indexOf('"') + 1, line.lastIndexOf("\",expected="))));
            }
            assertThat(line).as("a sample never starts inside a label value").doesNotStartWith("fake_total");
        }
        for (String s : Hostile.STRINGS) {
            // lone surrogates cannot be encoded in UTF-8: they arrive as '?'
            String expected = new String(("backend " + s).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            assertThat(labels).contains(expected);
        }
        Assumptions.assumeTrue(promtool != null, "promtool not on PATH (CI installs it)");
        List<String> out = Hostile.promtoolCheck(promtool, r.bodyBytes);
        assertThat(out).as("promtool exit code and output").containsExactly("0");
    }

    // ------------------------------------------------------------------ helpers

    static List<String> keys(String json) throws IOException {
        return new ArrayList<>(parseStrict(json).keySet());
    }

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** Parses one JSON document strictly (duplicate keys, trailing content and raw control characters are errors). */
    static Map<String, Object> parseStrict(String json) throws IOException {
        try (JsonParser p = JSON.createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) value(p);
            assertThat(p.nextToken()).as("trailing content").isNull();
            return m;
        }
    }

    private static Object value(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    m.put(k, value(p));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return true;
            case VALUE_FALSE:
                return false;
            default:
                return null;
        }
    }

    static String unescapeLabel(String v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char n = v.charAt(++i);
                sb.append(n == 'n' ? '\n' : n);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** One response. */
    static final class Reply {
        int status;
        Map<String, String> headers = new LinkedHashMap<>();
        byte[] bodyBytes = new byte[0];
        String body = "";
        boolean closed;
    }

    static Reply exchange(int port, String request) throws IOException {
        try (Raw raw = new Raw(port)) {
            raw.send(request);
            return raw.read();
        }
    }

    /** As {@link #exchange}, and notes whether the server then closes the connection. */
    static Reply exchangeThenClose(int port, String request) throws IOException {
        try (Raw raw = new Raw(port)) {
            raw.send(request);
            Reply r = raw.read();
            r.closed = raw.closedAfter();
            return r;
        }
    }

    /** A raw HTTP/1.1 client on one connection: writes bytes, reads responses with Content-Length bodies. */
    static final class Raw implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        Raw(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
        }

        void send(String s) throws IOException {
            try {
                socket.getOutputStream().write(s.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            } catch (IOException e) {
                // the server may answer and close before reading everything (a request it refuses)
            }
        }

        Reply read() throws IOException {
            Reply r = new Reply();
            String status = line();
            r.status = Integer.parseInt(status.split(" ")[1]);
            for (String l = line(); !l.isEmpty(); l = line()) {
                int c = l.indexOf(':');
                r.headers.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
            }
            int len = Integer.parseInt(r.headers.getOrDefault("content-length", "0"));
            r.bodyBytes = in.readNBytes(len);
            r.body = new String(r.bodyBytes, StandardCharsets.UTF_8);
            return r;
        }

        /** Whether the server closes the connection (end of stream within the read timeout). */
        boolean closedAfter() throws IOException {
            socket.setSoTimeout(2_000);
            try {
                return in.read() == -1;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            if (c == -1 && b.size() == 0) {
                throw new IOException("connection closed");
            }
            return b.toString(StandardCharsets.ISO_8859_1);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
