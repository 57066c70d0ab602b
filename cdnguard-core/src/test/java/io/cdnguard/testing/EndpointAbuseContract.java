package io.cdnguard.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CdnGuard;
import io.cdnguard.MutableExchange;
import io.cdnguard.RequestKind;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.RawConnection.Reply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Abuse of cdnguard's endpoints over real sockets, written once and run by every adapter against its
 * real servers (Netty pipelines, Jetty 12, Tomcat 11): unknown paths, wrong methods, a request body
 * left unread, a 64 KiB query string, 16 KiB and 200 KiB headers, missing and wrong tokens,
 * client-sent header values that must never be reflected, and hostile strings in everything that
 * reaches the outputs (backend names, check names, messages and details, an exception message),
 * parsed back with the adapter's strict JSON parser and linted with {@code promtool} when it is on
 * the {@code PATH}.
 *
 * <p>An adapter test is a subclass that starts its servers on the guard given to {@link #start}
 * (one fresh guard and fresh servers per test), stops them in {@link #stopServers}, and says in one
 * {@link Server} per server where servers really differ: the paths the server itself refuses or
 * normalises, the statuses with which it refuses requests over its own size limits. Everything else
 * is asserted the same way for every server.
 */
@Timeout(60)
public abstract class EndpointAbuseContract {

    /** The details token of the guard under test. */
    public static final String TOKEN = "s3cret-token";

    /** The keys of the status-only health view (no token, or a wrong one). */
    static final String[] STATUS_ONLY = {"status", "description", "cdnguardStatus", "time"};

    /** Paths under the endpoint prefix that every server answers 404 (cdnguard's endpoints decide). */
    static final List<String> NOT_FOUND = List.of("/cdnguard", "/cdnguard/", "/cdnguard/nope", "/cdnguard/health/",
            "/cdnguard/health/x", "/cdnguard/health/lb/", "/cdnguard/metrics/x", "/cdnguard/HEALTH",
            "/cdnguard/" + "a".repeat(3000));

    /** A query string of 64 KiB of percent-encoded {@code "</script>}. */
    static final String HUGE_QUERY = "?q=" + "%22%3C%2Fscript%3E".repeat(65_536 / 18);

    /**
     * One real server that serves cdnguard's endpoints, and what differs between servers: set by the
     * adapter test from the server's documented behaviour and limits.
     */
    public static final class Server {
        final String name;
        final int port;
        boolean recordsOwnRequests;
        String assetPath;
        boolean acceptsDuplicateHost;
        List<String> notFound = List.of();
        List<String> refused = List.of();
        List<String> servedAsHealth = List.of();
        String traceAllow;
        int hugeQuery = 200;
        int hugeHeaders = 200;
        int header200KiB = 431;
        boolean closesAfterRefusal = true;
        int largestServedQuery = 6_000;
        int longestWrongToken = 7_000;

        private Server(String name, int port) {
            this.name = name;
            this.port = port;
        }

        /** A server called {@code name} (in messages) on {@code 127.0.0.1:port}. */
        public static Server of(String name, int port) {
            return new Server(name, port);
        }

        /** The guard records the requests to this server's endpoints (as SELF). Default: no. */
        public Server recordsOwnRequests() {
            this.recordsOwnRequests = true;
            return this;
        }

        /**
         * The server also serves the host application, which answers 200 at {@code path} (with any
         * {@code CDN-Loop}, {@code User-Agent} or {@code Cookie}), and the guard records those exchanges.
         */
        public Server assets(String path) {
            this.assetPath = path;
            return this;
        }

        /** The server serves a request with a second {@code Host} header (RFC 9112 says answer 400). */
        public Server acceptsDuplicateHost() {
            this.acceptsDuplicateHost = true;
            return this;
        }

        /** Further paths under the prefix that reach cdnguard's endpoints and are answered 404. */
        public Server notFound(String... paths) {
            this.notFound = List.of(paths);
            return this;
        }

        /** Paths the server itself refuses (or normalises out of the prefix): a client error, never 200 or 500. */
        public Server refused(String... paths) {
            this.refused = List.of(paths);
            return this;
        }

        /**
         * Paths the server itself decodes or normalises onto {@code /cdnguard/health} (a decoded
         * {@code %68}, merged slashes): served as the health endpoint, status-only view.
         */
        public Server servedAsHealth(String... paths) {
            this.servedAsHealth = List.of(paths);
            return this;
        }

        /**
         * The server answers {@code TRACE} itself, 405 with this {@code Allow} header, before any filter
         * or servlet runs. Default: it reaches cdnguard's endpoints, which answer 405 {@code GET, HEAD}.
         */
        public Server answersTraceItself(String allow) {
            this.traceAllow = allow;
            return this;
        }

        /**
         * The statuses for a request over this server's size limits, 200 where it serves it: a 64 KiB
         * query string, 32 KiB of headers (a 16 KiB one and a 16,000 byte {@code User-Agent}), and a
         * 200 KiB header. Defaults: 200, 200, 431.
         */
        public Server limits(int hugeQuery, int hugeHeaders, int header200KiB) {
            this.hugeQuery = hugeQuery;
            this.hugeHeaders = hugeHeaders;
            this.header200KiB = header200KiB;
            return this;
        }

        /**
         * The server keeps the connection open after refusing a request over its limits (the default is
         * that it answers and closes, as servers do with a request they could not read to its end).
         */
        public Server keepsConnectionAfterRefusal() {
            this.closesAfterRefusal = false;
            return this;
        }

        /** The longest query string served (with a 1,000 byte header beside it). Default 6,000. */
        public Server largestServedQuery(int chars) {
            this.largestServedQuery = chars;
            return this;
        }

        /** The longest wrong {@code Authorization} token sent (within the server's header limit). Default 7,000. */
        public Server longestWrongToken(int chars) {
            this.longestWrongToken = chars;
            return this;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The guard's clock. */
    protected final ManualTimeSource time = new ManualTimeSource(Instant.parse("2026-04-05T02:00:00Z"));
    /** The guard under test: hostile check names, messages, details and backend names. */
    protected CdnGuard guard;
    private List<Server> servers;

    /** Starts the adapter's servers on {@code guard}, all on 127.0.0.1 and ephemeral ports. */
    protected abstract List<Server> start(CdnGuard guard) throws Exception;

    /** Stops what {@link #start} started. */
    protected abstract void stopServers() throws Exception;

    /** Runs after the servers and the guard are closed (a leak check). */
    protected void afterStop() {
    }

    /**
     * Parses one JSON object strictly: duplicate keys, trailing content and raw control characters are
     * errors. The adapter passes its real parser in (the core's tests have none).
     */
    protected abstract Map<String, Object> parseJson(String json) throws IOException;

    @BeforeEach
    final void startGuardAndServers() throws Exception {
        CdnGuard.Builder b = CdnGuard.builder().timeSource(time).evaluationThread(false).detailsToken(TOKEN)
                .builtInChecks(false).check(new Hostile.ThrowingCheck());
        for (String s : Hostile.STRINGS) {
            b.check(new Hostile.HostileCheck("check " + s));
        }
        b.expectBackend("expected " + Hostile.STRINGS.get(3));
        guard = b.build();
        for (String s : Hostile.STRINGS) {
            guard.record(new MutableExchange().status(502).backend("backend " + s).failure(UpstreamFailure.CONNECT_REFUSED));
        }
        guard.evaluateNow();
        servers = start(guard);
    }

    @AfterEach
    final void stopGuardAndServers() throws Exception {
        try {
            stopServers();
        } finally {
            guard.close();
        }
        afterStop();
    }

    // ------------------------------------------------------------------ routes and methods

    @Test
    void unknownPathsUnderThePrefix_404_orRefusedByTheServer() throws Exception {
        for (Server s : servers) {
            List<String> paths = new ArrayList<>(NOT_FOUND);
            paths.addAll(s.notFound);
            for (String path : paths) {
                Reply r = RawConnection.exchange(s.port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(r.status).as("%s on %s", path, s).isEqualTo(404);
            }
            // paths the server itself refuses or normalises: a client error, never a 200 or a 500
            for (String path : s.refused) {
                Reply r = RawConnection.exchange(s.port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(r.status).as("%s on %s", path, s).isBetween(400, 499);
            }
            for (String path : s.servedAsHealth) {
                Reply r = RawConnection.exchange(s.port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(r.status).as("%s on %s", path, s).isEqualTo(200);
                assertThat(keys(r.body)).as("%s on %s", path, s).containsExactly(STATUS_ONLY);
            }
        }
    }

    @Test
    void wrongMethods_405_withAllowHeader() throws Exception {
        for (Server s : servers) {
            for (String path : List.of("/cdnguard/health", "/cdnguard/health/lb", "/cdnguard/metrics")) {
                for (String method : List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND")) {
                    String body = method.equals("POST") || method.equals("PUT") ? "x=1" : "";
                    Reply r = RawConnection.exchange(s.port, method + " " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                            + body.length() + "\r\n\r\n" + body);
                    String allow = method.equals("TRACE") && s.traceAllow != null ? s.traceAllow : "GET, HEAD";
                    assertThat(r.status).as("%s %s on %s", method, path, s).isEqualTo(405);
                    assertThat(r.headers).as("%s %s on %s", method, path, s).containsEntry("allow", allow);
                }
            }
        }
    }

    @Test
    void postWithABody_thenAGet_onOneConnection_bodyDiscarded_bothAnswered() throws Exception {
        for (Server s : servers) {
            try (RawConnection raw = new RawConnection(s.port)) {
                String body = "z".repeat(50_000);
                raw.send("POST /cdnguard/health HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                        + "GET /cdnguard/health/lb HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(raw.read().status).as("POST on %s", s).isEqualTo(405);
                Reply lb = raw.read();
                assertThat(lb.status).as("GET after the POST on %s", s).isEqualTo(200);
                assertThat(lb.body).isEqualTo("DEGRADED\n");
            }
        }
    }

    // ------------------------------------------------------------------ huge requests

    @Test
    void hugeQueryString64KiB_servedOrRefusedByTheServer_nothingLoggedAsError() throws Exception {
        long self = guard.snapshot().otherRequests(RequestKind.SELF);
        long served = 0;
        try (Hostile.StdErr err = new Hostile.StdErr()) {
            for (Server s : servers) {
                Reply r = hugeRequest(s, s.hugeQuery, "64 KiB query", "GET /cdnguard/health" + HUGE_QUERY + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(r.body).doesNotContain("</script").doesNotContain("%22").doesNotContain("%3C");
                if (r.status == 200) {
                    assertThat(keys(r.body)).containsExactly(STATUS_ONLY);
                }
                Reply m = hugeRequest(s, s.hugeQuery, "64 KiB query, metrics", "GET /cdnguard/metrics" + HUGE_QUERY
                        + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(m.body).doesNotContain("%3C");
                if (s.recordsOwnRequests && s.hugeQuery == 200) {
                    served += 2;
                }
            }
            assertThat(err.problems()).as("nothing logged as an error or warning").isEmpty();
        }
        // the requests served are recorded (as SELF), the ones refused by the server never reach the guard
        long expected = self + served;
        await(() -> guard.snapshot().otherRequests(RequestKind.SELF) == expected);
    }

    @Test
    void hugeHeaders_servedOrRefusedByTheServer_thenWithinLimitsServed_nothingLoggedAsError() throws Exception {
        try (Hostile.StdErr err = new Hostile.StdErr()) {
            for (Server s : servers) {
                Reply h = hugeRequest(s, s.hugeHeaders, "16 KiB header", "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nX-Filler: "
                        + "f".repeat(16_384) + "\r\nUser-Agent: " + "u".repeat(16_000) + "\r\n\r\n");
                assertThat(h.body).doesNotContain("fff").doesNotContain("uuu");
                // never answered from partial headers
                Reply h2 = hugeRequest(s, s.header200KiB, "200 KiB header", "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nX-Filler: "
                        + "f".repeat(200_000) + "\r\n\r\n");
                assertThat(h2.body).doesNotContain("fff");
                // a large request within the server's limits is served normally, and the server still serves the next client
                Reply ok = RawConnection.exchange(s.port, "GET /cdnguard/health?q=" + "a".repeat(s.largestServedQuery)
                        + " HTTP/1.1\r\nHost: x\r\nX-F: " + "f".repeat(1_000) + "\r\n\r\n");
                assertThat(ok.status).as("large request within the limits of %s", s).isEqualTo(200);
                assertThat(keys(ok.body)).containsExactly(STATUS_ONLY);
                assertThat(RawConnection.exchange(s.port, "GET /cdnguard/health/lb HTTP/1.1\r\nHost: x\r\n\r\n").status)
                        .as("next client on %s", s).isEqualTo(200);
            }
            assertThat(err.problems()).as("nothing logged as an error or warning").isEmpty();
        }
    }

    /**
     * Sends one request over the server's limits (or within them, where it has large ones) on a new
     * connection. Served: 200. Refused: the server's status, the connection closed after a request it
     * could not read, and nothing of the request echoed.
     */
    private static Reply hugeRequest(Server s, int expected, String what, String request) throws IOException {
        if (expected == 200) {
            Reply r = RawConnection.exchange(s.port, request);
            assertThat(r.status).as("%s on %s", what, s).isEqualTo(200);
            return r;
        }
        Reply r = RawConnection.exchangeThenClose(s.port, request);
        assertThat(r.status).as("%s on %s", what, s).isEqualTo(expected);
        assertThat(r.closed).as("%s on %s: connection closed after a request it could not read", what, s)
                .isEqualTo(s.closesAfterRefusal);
        assertThat(r.body).as("%s on %s: the refusal echoes nothing", what, s).doesNotContain("/script")
                .doesNotContain("%2Fscript");
        return r;
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void missingOrWrongToken_statusOnlyView_rightTokenDetails() throws Exception {
        for (Server s : servers) {
            List<String> wrong = List.of("", "Bearer", "Bearer ", "Bearer s3cret", "Bearer s3cret-token-x",
                    "Basic czNjcmV0LXRva2Vu", "Bearer  s3cret-token.", "s3cret-token", "Bearer " + "t".repeat(s.longestWrongToken));
            Reply none = RawConnection.exchange(s.port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(keys(none.body)).as("no token on %s", s).containsExactly(STATUS_ONLY);
            for (String auth : wrong) {
                Reply r = RawConnection.exchange(s.port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth
                        + "\r\n\r\n");
                String shown = auth.length() > 40 ? auth.substring(0, 40) : auth;
                assertThat(r.status).as("%s on %s", shown, s).isEqualTo(200);
                assertThat(keys(r.body)).as("wrong token %s on %s", shown, s).containsExactly(STATUS_ONLY);
            }
            for (String auth : List.of("Bearer " + TOKEN, "bearer " + TOKEN, "BEARER   " + TOKEN + "  ")) {
                Reply r = RawConnection.exchange(s.port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: " + auth
                        + "\r\n\r\n");
                assertThat(keys(r.body)).as("%s on %s", auth, s).contains("checks");
            }
        }
    }

    // ------------------------------------------------------------------ reflection and escaping

    @Test
    void clientSentHeaderValues_neverReflected_inHealthOrMetrics() throws Exception {
        String marker = "zz\"<marker>\\";
        for (Server s : servers) {
            if (s.assetPath == null) {
                continue;
            }
            List<String> names = new ArrayList<>(List.of("User-Agent", "Via", "CDN-Loop", "CF-Ray", "X-Amz-Cf-Pop", "Fastly-FF",
                    "X-Served-By", "X-Forwarded-For", "Referer", "X-Backend", "Cookie"));
            if (s.acceptsDuplicateHost) {
                names.add("Host");
            }
            List<String> requests = new ArrayList<>();
            for (String name : names) {
                requests.add("GET " + s.assetPath + " HTTP/1.1\r\nHost: x\r\nCDN-Loop: made-up-cdn-" + name.length() + "; v=1, "
                        + marker + "\r\n" + name + ": " + marker + "\r\n\r\n");
            }
            requests.add("GET " + s.assetPath + " HTTP/1.1\r\nHost: x\r\nCF-Ray: 7a1b2c3d4e5f6a7b-ZQ" + marker + "\r\n\r\n");
            requests.add("GET " + s.assetPath + " HTTP/1.1\r\nHost: x\r\nFastly-FF: cache-fra-" + marker + "\r\n\r\n");
            long before = guard.snapshot().cdnFetches() + guard.snapshot().otherRequests(RequestKind.DIRECT);
            try (RawConnection raw = new RawConnection(s.port)) {
                raw.send(String.join("", requests)); // pipelined on one connection
                for (int i = 0; i < requests.size(); i++) {
                    assertThat(raw.read().status).as("request %d on %s", i, s).isEqualTo(200);
                }
            }
            await(() -> guard.snapshot().cdnFetches() + guard.snapshot().otherRequests(RequestKind.DIRECT)
                    == before + requests.size());
            guard.evaluateNow();
            String health = RawConnection.exchange(s.port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TOKEN + "\r\n\r\n").body;
            String metrics = RawConnection.exchange(s.port, "GET /cdnguard/metrics HTTP/1.1\r\nHost: x\r\n\r\n").body;
            for (String body : List.of(health, metrics)) {
                assertThat(body).doesNotContain("marker").doesNotContain("made-up-cdn").doesNotContain("zz\\\"");
            }
            for (String line : metrics.split("\n")) {
                if (line.startsWith("cdnguard_cdn_pop_fetches_total{")) {
                    assertThat(line).matches("cdnguard_cdn_pop_fetches_total\\{cdn=\"[a-z]+\",pop=\"[A-Z0-9]{1,8}\"} \\d+");
                }
            }
        }
    }

    @Test
    void hostileCheckAndBackendNames_healthJsonParsesBackExactly_andIsScriptSafe() throws Exception {
        for (Server s : servers) {
            Reply r = RawConnection.exchange(s.port, "GET /cdnguard/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                    + "\r\n\r\n");
            assertThat(r.headers.get("content-type")).as("on %s", s).startsWith("application/health+json");
            Map<String, Object> doc = parseJson(r.body);
            @SuppressWarnings("unchecked")
            Map<String, Object> checks = (Map<String, Object>) doc.get("checks");
            for (String h : Hostile.STRINGS) {
                assertThat(checks).as("check named %s on %s", h, s).containsKey("check " + h);
                @SuppressWarnings("unchecked")
                Map<String, Object> c = (Map<String, Object>) ((List<Object>) checks.get("check " + h)).get(0);
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
            assertThat(Hostile.hasRawControl(r.body)).as("raw control character on %s in %s", s, r.body).isFalse();
        }
    }

    @Test
    void hostileCheckAndBackendNames_metricsPassPromtool_andLabelsRoundTrip() throws Exception {
        List<byte[]> expositions = new ArrayList<>();
        for (Server s : servers) {
            Reply r = RawConnection.exchange(s.port, "GET /cdnguard/metrics HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(r.status).as("on %s", s).isEqualTo(200);
            List<String> labels = new ArrayList<>();
            for (String line : r.body.split("\n", -1)) {
                if (line.startsWith("cdnguard_backend_exchanges_total{backend=\"")) {
                    labels.add(unescapeLabel(line.substring(line.indexOf('"') + 1, line.lastIndexOf("\",expected="))));
                }
                assertThat(line).as("a sample never starts inside a label value").doesNotStartWith("fake_total");
            }
            for (String h : Hostile.STRINGS) {
                // lone surrogates cannot be encoded in UTF-8: they arrive as '?'
                String expected = new String(("backend " + h).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
                assertThat(labels).as("on %s", s).contains(expected);
            }
            expositions.add(r.bodyBytes);
        }
        Path promtool = Hostile.promtool();
        Assumptions.assumeTrue(promtool != null, "promtool not on PATH (CI installs it)");
        for (byte[] exposition : expositions) {
            assertThat(Hostile.promtoolCheck(promtool, exposition)).as("promtool exit code and output").containsExactly("0");
        }
    }

    @Test
    void parseJson_duplicateKeysTrailingContentRawControls_rejected() throws Exception {
        for (String bad : List.of("{\"a\":1,\"a\":2}", "{\"a\":1} {}", "{\"a\":\"x\u0001y\"}", "[1]", "{\"a\":1")) {
            assertThatThrownBy(() -> parseJson(bad)).as(bad).isInstanceOf(IOException.class);
        }
        assertThat(parseJson("{\"b\":1,\"a\":[{\"c\":\"\\ud800\"}]}")).containsOnlyKeys("b", "a");
    }

    // ------------------------------------------------------------------ helpers

    /** The top-level keys of a JSON object, in order, parsed strictly. */
    protected List<String> keys(String json) throws IOException {
        return new ArrayList<>(parseJson(json).keySet());
    }

    /** A Prometheus label value unescaped ({@code \\}, {@code \"}, {@code \n}). */
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

    /**
     * Waits (up to 10 s) until {@code condition} holds: an exchange is recorded when its response is
     * complete, which may be just after the client read it.
     */
    public static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
