package io.cdnguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.cdnguard.CdnGuard;
import io.cdnguard.MutableExchange;
import io.cdnguard.RequestKind;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.Hostile;
import jakarta.servlet.DispatcherType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Abuse of cdnguard's endpoints ({@link CdnGuardHealthServlet} behind {@link CdnGuardFilter}) in a
 * real embedded Jetty 12 over a raw socket: unknown paths, wrong methods, a 64 KiB query string and
 * a 16 KiB header (Jetty's own limits answer first), missing and wrong tokens, client-sent header
 * values that must never be reflected, and hostile strings in everything that reaches the outputs
 * (backend names, check names, messages, details, an exception message), parsed back with jackson
 * and linted with {@code promtool}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class JettyEndpointAbuseTest {

    static final String TOKEN = "s3cret-token";

    private CdnGuard guard;
    private JettyContainer container;
    private int port;

    @BeforeAll
    void start() throws Exception {
        CdnGuard.Builder b = CdnGuard.builder().evaluationThread(false).builtInChecks(false).detailsToken(TOKEN)
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
        WebApp app = new WebApp()
                .filter("cdnguard", new CdnGuardFilter(guard), "/*", DispatcherType.REQUEST, DispatcherType.ASYNC)
                .servlet("hello", new TestApp.HelloServlet(), "/hello")
                .servlet("cdnguard", new CdnGuardHealthServlet(guard), "/cdnguard/*");
        container = new JettyContainer();
        URI base = container.start(app);
        port = base.getPort();
    }

    @AfterAll
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
        if (guard != null) {
            guard.close();
        }
    }

    // ------------------------------------------------------------------ routes and methods

    @Test
    void unknownPathsUnderThePrefix_404() throws Exception {
        for (String path : List.of("/cdnguard", "/cdnguard/", "/cdnguard/nope", "/cdnguard/health/", "/cdnguard/health/x",
                "/cdnguard/health/lb/", "/cdnguard/metrics/x", "/cdnguard/HEALTH", "/cdnguard/" + "a".repeat(3000))) {
            assertThat(exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").status).as(path).isEqualTo(404);
        }
        // paths Jetty itself refuses or normalises: a client error, never a 200 or a 500
        for (String path : List.of("/cdnguard//health", "/cdnguard/health%00", "/cdnguard/./x", "/cdnguard/%2e%2e/x",
                "/cdnguard/health;x=1/..;/y")) {
            assertThat(exchange("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").status).as(path).isBetween(400, 499);
        }
    }

    @Test
    void wrongMethods_405_withAllowHeader() throws Exception {
        for (String path : List.of("/cdnguard/health", "/cdnguard/health/lb", "/cdnguard/metrics")) {
            for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND")) {
                String body = method.equals("POST") || method.equals("PUT") ? "x=1" : "";
                Reply r = exchange(method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                        + "\r\n\r\n" + body);
                assertThat(r.status).as("%s %s", method, path).isEqualTo(405);
                assertThat(r.headers).containsEntry("allow", "GET, HEAD");
            }
        }
    }

    // ------------------------------------------------------------------ huge requests

    @Test
    void hugeQueryString64KiB_and16KiBHeader_clientErrorFromJetty_nothingLoggedAsError() throws Exception {
        try (Hostile.StdErr err = new Hostile.StdErr()) {
            Reply q = exchangeThenClose("GET /cdnguard/health?q=" + "%3C%2Fscript%3E".repeat(65_536 / 15)
                    + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(q.status).as("64 KiB query").isIn(414, 431);
            assertThat(q.body).doesNotContain("script").doesNotContain("%3C");
            Reply h = exchangeThenClose("GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nX-Filler: " + "f".repeat(16_384)
                    + "\r\n\r\n");
            assertThat(h.status).as("16 KiB header").isEqualTo(431);
            assertThat(h.body).doesNotContain("fff");
            // a large request that fits Jetty's limits is served normally
            Reply ok = exchange("GET /cdnguard/health?q=" + "a".repeat(6_000) + " HTTP/1.1\r\nHost: x\r\nX-F: "
                    + "f".repeat(1_000) + "\r\n\r\n");
            assertThat(ok.status).isEqualTo(200);
            assertThat(keys(ok.body)).containsExactly("status", "description", "cdnguardStatus", "time");
            assertThat(err.problems()).as("nothing logged as an error or warning").isEmpty();
        }
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void missingOrWrongToken_statusOnlyView_rightTokenDetails() throws Exception {
        Reply none = exchange("GET /cdnguard/health HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(keys(none.body)).containsExactly("status", "description", "cdnguardStatus", "time");
        for (String auth : List.of("", "Bearer", "Bearer ", "Bearer s3cret", "Bearer s3cret-token-x", "Basic czNjcmV0LXRva2Vu",
                "Bearer  s3cret-token.", "s3cret-token", "Bearer " + "t".repeat(7_000))) {
            Reply r = exchange("GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n");
            assertThat(r.status).isEqualTo(200);
            assertThat(keys(r.body)).as("wrong token %s", auth.length() > 40 ? auth.substring(0, 40) : auth)
                    .containsExactly("status", "description", "cdnguardStatus", "time");
        }
        for (String auth : List.of("Bearer " + TOKEN, "bearer " + TOKEN, "BEARER   " + TOKEN + "  ")) {
            Reply r = exchange("GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth + "\r\n\r\n");
            assertThat(keys(r.body)).as(auth).contains("checks");
        }
    }

    // ------------------------------------------------------------------ reflection and escaping

    @Test
    void clientSentHeaderValues_neverReflected_inHealthOrMetrics() throws Exception {
        String marker = "zz\"<marker>\\";
        long before = guard.snapshot().cdnFetches() + guard.snapshot().otherRequests(RequestKind.DIRECT);
        int n = 0;
        for (String name : List.of("User-Agent", "Via", "CDN-Loop", "CF-Ray", "X-Amz-Cf-Pop", "Fastly-FF", "X-Served-By",
                "X-Forwarded-For", "Referer", "X-Backend", "Cookie")) {
            Reply r = exchange("GET /hello HTTP/1.1\r\nHost: x\r\nCDN-Loop: made-up-cdn-" + name.length() + "; v=1, " + marker
                    + "\r\n" + name + ": " + marker + "\r\n\r\n");
            assertThat(r.status).isEqualTo(200);
            n++;
        }
        long expected = before + n;
        await(() -> guard.snapshot().cdnFetches() + guard.snapshot().otherRequests(RequestKind.DIRECT) == expected);
        guard.evaluateNow();
        String health = exchange("GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n").body;
        String metrics = exchange("GET /cdnguard/metrics HTTP/1.1\r\nHost: x\r\n\r\n").body;
        for (String body : List.of(health, metrics)) {
            assertThat(body).doesNotContain("marker").doesNotContain("made-up-cdn");
        }
        for (String line : metrics.split("\n")) {
            if (line.startsWith("cdnguard_cdn_pop_fetches_total{")) {
                assertThat(line).matches("cdnguard_cdn_pop_fetches_total\\{cdn=\"[a-z]+\",pop=\"[A-Z0-9]{1,8}\"} \\d+");
            }
        }
    }

    @Test
    void hostileCheckAndBackendNames_healthJsonParsesBackExactly_andIsScriptSafe() throws Exception {
        Reply r = exchange("GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN + "\r\n\r\n");
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
        assertThat(r.body).doesNotContain("<").doesNotContain(">").doesNotContain("&");
        assertThat(Hostile.hasRawControl(r.body)).as("raw control character").isFalse();
    }

    @Test
    void hostileCheckAndBackendNames_metricsPassPromtool_andLabelsRoundTrip() throws Exception {
        Path promtool = Hostile.promtool();
        Reply r = exchange("GET /cdnguard/metrics HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(r.status).isEqualTo(200);
        List<String> labels = new ArrayList<>();
        for (String line : r.body.split("\n", -1)) {
            if (line.startsWith("cdnguard_backend_exchanges_total{backend=\"")) {
                labels.add(unescapeLabel(line.substring(line.indexOf('"') + 1, line.lastIndexOf("\",expected="))));
            }
            assertThat(line).doesNotStartWith("fake_total");
        }
        for (String s : Hostile.STRINGS) {
            assertThat(labels).contains(new String(("backend " + s).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8));
        }
        Assumptions.assumeTrue(promtool != null, "promtool not on PATH (CI installs it)");
        assertThat(Hostile.promtoolCheck(promtool, r.bodyBytes)).as("promtool exit code and output").containsExactly("0");
    }

    // ------------------------------------------------------------------ helpers

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    static List<String> keys(String json) throws IOException {
        return new ArrayList<>(parseStrict(json).keySet());
    }

    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

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

    static final class Reply {
        int status;
        Map<String, String> headers = new LinkedHashMap<>();
        byte[] bodyBytes = new byte[0];
        String body = "";
        boolean closed;
    }

    Reply exchange(String request) throws IOException {
        try (Raw raw = new Raw(port)) {
            raw.send(request);
            return raw.read();
        }
    }

    Reply exchangeThenClose(String request) throws IOException {
        try (Raw raw = new Raw(port)) {
            raw.send(request);
            Reply r = raw.read();
            r.closed = raw.closedAfter();
            return r;
        }
    }

    /** A raw HTTP/1.1 client on one connection; reads Content-Length and chunked bodies. */
    static final class Raw implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;

        Raw(int port) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            in = socket.getInputStream();
        }

        void send(String s) {
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
            if ("chunked".equalsIgnoreCase(r.headers.get("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
                    b.writeBytes(in.readNBytes(size));
                    line();
                }
                line();
                r.bodyBytes = b.toByteArray();
            } else {
                r.bodyBytes = in.readNBytes(Integer.parseInt(r.headers.getOrDefault("content-length", "0")));
            }
            r.body = new String(r.bodyBytes, StandardCharsets.UTF_8);
            return r;
        }

        boolean closedAfter() throws IOException {
            socket.setSoTimeout(2_000);
            try {
                return in.read() == -1;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true;
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
