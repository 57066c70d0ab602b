package io.cdnguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import jakarta.servlet.DispatcherType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The filter and health servlet scenarios, written once and run against each real container over real
 * HTTP. One container and one guard per container class; counts are asserted as deltas of the guard's
 * lifetime totals over one test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServletContainerContract {

    /** A CloudFront origin fetch, as CloudFront sends it. */
    static final String[] CLOUDFRONT = {
        "User-Agent", "Amazon CloudFront",
        "X-Amz-Cf-Id", "Lxk3dNDgQX9s9YwqJ3M8H0bGq4oJm0HkfPCxzyMUvDvH6wW4n8ZqGA==",
        "Via", "1.1 5d8f1e0c2b7a9e3d.cloudfront.net (CloudFront)",
    };

    /** A Cloudflare origin fetch. */
    static final String[] CLOUDFLARE = {
        "CF-Ray", "8c1f2a3b4c5d6e7f-FRA",
        "CDN-Loop", "cloudflare",
        "CF-Connecting-IP", "203.0.113.9",
    };

    /** A check the tests flip. */
    static final class Switch implements Check {
        volatile HealthStatus status = HealthStatus.UP;

        @Override
        public String name() {
            return "switch";
        }

        @Override
        public CheckResult evaluate(GuardSnapshot snapshot) {
            return CheckResult.of(status, "flipped by the test");
        }
    }

    static final String TOKEN = "s3cret-token";

    final LinkedBlockingQueue<Captured> recorded = new LinkedBlockingQueue<>();
    final Switch switchCheck = new Switch();
    final TestApp.CatchingFilter catching = new TestApp.CatchingFilter();
    final TestApp.BoomServlet boom = new TestApp.BoomServlet();
    final TestApp.BytesServlet bytes = new TestApp.BytesServlet();
    volatile RuntimeException failRecording;
    CdnGuard guard;
    Container container;
    URI base;
    HttpClient http;
    GuardSnapshot before;

    Path staticRoot;

    abstract Container newContainer();

    /** The wrapping mode the filter is constructed with. */
    abstract CdnGuardFilter.ResponseWrapping wrapping();

    /** Whether, in this container, that mode wraps the response. */
    abstract boolean expectWrapped();

    /**
     * The bytes the filter reports for a body of {@code written} bytes: exact with a wrapper; without
     * one, only when the response declares its Content-Length by the time it is recorded, else -1
     * (unknown).
     */
    long expectedBytes(long written, boolean declaresLength) {
        return expectWrapped() || declaresLength ? written : -1;
    }

    /**
     * Whether this setup counts a body written through the output stream without a {@code
     * Content-Length}: with a wrapper, and without one in Tomcat (its own counter).
     */
    boolean countsStreamBytes() {
        return expectWrapped();
    }

    /** {@link #expectedBytes} for a body written through the output stream. */
    long expectedStreamBytes(long written, boolean declaresLength) {
        return countsStreamBytes() || declaresLength ? written : -1;
    }

    /** What an exchange with {@link #expectedBytes} adds to the guard's cdnBytes (unknown adds nothing). */
    static long counted(long bytes) {
        return Math.max(0, bytes);
    }

    @BeforeAll
    void startContainer() throws Exception {
        staticRoot = Files.createTempDirectory("cdnguard-static");
        TestApp.writeStaticFiles(staticRoot);
        guard = CdnGuard.builder().evaluationThread(false).check(switchCheck).detailsToken(TOKEN).build();
        CdnGuardFilter filter = new CdnGuardFilter(guard, (io.cdnguard.Exchange e) -> {
            RuntimeException fail = failRecording;
            if (fail != null) {
                throw fail;
            }
            Captured c = Captured.of(e);
            guard.record(e);
            recorded.add(c);
        }, wrapping());
        WebApp app = new WebApp()
                .staticRoot(staticRoot)
                .compression(true)
                .filter("catching", catching, "/*", DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR)
                .filter("hostile", new TestApp.HostileWrapperFilter(), "/*")
                .filter("cdnguard", filter, "/*", DispatcherType.REQUEST, DispatcherType.ASYNC, DispatcherType.ERROR)
                .filter("cache-control", new TestApp.CacheControlFilter(), "/*")
                .servlet("hello", new TestApp.HelloServlet(), "/hello")
                .servlet("bytes", bytes, "/bytes")
                .servlet("async", new TestApp.AsyncServlet(), "/async")
                .servlet("async-context", new TestApp.AsyncContextResponseServlet(), "/async-context")
                .servlet("async-timeout", new TestApp.AsyncTimeoutServlet(), "/async-timeout")
                .servlet("missing", new TestApp.MissingServlet(), "/missing")
                .servlet("old", new TestApp.RedirectServlet(), "/old")
                .servlet("boom", boom, "/boom")
                .servlet("text", new TestApp.TextServlet(), "/text")
                .servlet("error-page", new TestApp.ErrorPageServlet(), "/error-page")
                .servlet("gateway", new TestApp.GatewayServlet(), "/gateway")
                .servlet("cdnguard", new CdnGuardHealthServlet(guard), "/cdnguard/*")
                .errorPage(404, "/error-page")
                .errorPage(500, "/error-page");
        container = newContainer();
        base = container.start(app);
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    void stopContainer() throws Exception {
        if (container != null) {
            container.close();
        }
        if (guard != null) {
            guard.close();
        }
        TestApp.deleteTree(staticRoot);
    }

    @BeforeEach
    void resetCounters() throws Exception {
        catching.caught = null;
        failRecording = null;
        switchCheck.status = HealthStatus.UP;
        // Recording trails the response a little: let the previous test's last exchanges land (a
        // marker request goes through after them), then start from a clean queue and fresh totals.
        assertThat(send("GET", "/hello", "X-Test-Marker", "1").statusCode()).isEqualTo(200);
        for (Captured c; (c = recorded.poll(10, TimeUnit.SECONDS)) != null && !c.marker(); ) {
            // an exchange of the previous test
        }
        recorded.clear();
        before = guard.snapshot();
    }

    // ---- scenarios ---------------------------------------------------------------------------------

    @Test
    void plainServlet_cdnFetch_recordedOnceWithStatusBytesAndTtl() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/hello", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(200);
        byte[] expected = TestApp.helloBytes();
        assertThat(r.body()).isEqualTo(expected);
        Captured e = awaitOne();
        assertThat(e.method()).isEqualTo("GET");
        assertThat(e.path()).isEqualTo("/hello");
        assertThat(e.status()).isEqualTo(200);
        // written through the writer without a Content-Length: unknown without a wrapper
        assertThat(e.bytes()).isEqualTo(expectedBytes(expected.length, false)).isNotEqualTo(TestApp.HELLO.length());
        assertThat(e.wrapped()).isEqualTo(expectWrapped());
        assertThat(e.durationNanos()).isPositive();
        assertThat(e.aborted()).isFalse();
        assertThat(e.conditional()).isFalse();
        assertThat(e.cacheControl()).isEqualTo("public, max-age=600");
        assertThat(e.cdnId()).isEqualTo(CLOUDFRONT[3]);
        assertThat(e.clientAddress()).isEqualTo("127.0.0.1");
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS))).isEqualTo(1);
        assertThat(delta(after, before, GuardSnapshot::cdnFetches)).isEqualTo(1);
        assertThat(delta(after, before, GuardSnapshot::cdnBytes)).isEqualTo(counted(expectedBytes(expected.length, false)));
        assertThat(after.freshness().count() - before.freshness().count()).isEqualTo(1);
        assertThat(after.freshness().sum() - before.freshness().sum()).isCloseTo(600.0, within(1e-6));
        assertThat(after.latency().count() - before.latency().count()).isEqualTo(1);
    }

    @Test
    void cloudflareFetch_isAttributedToCloudflare() throws Exception {
        assertThat(send("GET", "/hello", CLOUDFLARE).statusCode()).isEqualTo(200);
        awaitOne();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFLARE, StatusClass.SUCCESS))).isEqualTo(1);
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT))).isZero();
    }

    @Test
    void directRequest_isNotACdnFetch() throws Exception {
        assertThat(send("GET", "/hello").statusCode()).isEqualTo(200);
        awaitOne();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, GuardSnapshot::cdnFetches)).isZero();
        assertThat(delta(after, before, s -> s.otherRequests(RequestKind.DIRECT))).isEqualTo(1);
    }

    @Test
    void staticFiles_defaultServlet_recordTtlPerFileType() throws Exception {
        String[][] files = {
            {"/app.js", TestApp.APP_JS, "public, max-age=3600"},
            {"/logo.svg", TestApp.LOGO_SVG, "public, max-age=86400"},
            {"/index.html", TestApp.INDEX_HTML, "public, max-age=60"},
        };
        for (String[] f : files) {
            HttpResponse<byte[]> r = send("GET", f[0], CLOUDFRONT);
            assertThat(r.statusCode()).as(f[0]).isEqualTo(200);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(f[1]);
            assertThat(r.headers().firstValue("cache-control")).hasValue(f[2]);
            assertThat(r.headers().firstValue("etag")).isPresent();
            assertThat(r.headers().firstValue("last-modified")).isPresent();
            Captured e = awaitOne();
            assertThat(e.path()).isEqualTo(f[0]);
            assertThat(e.status()).isEqualTo(200);
            // the default servlets declare Content-Length: exact in both modes
            assertThat(e.bytes()).isEqualTo(expectedBytes(f[1].length(), true));
            assertThat(e.cacheControl()).isEqualTo(f[2]);
        }
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS))).isEqualTo(3);
        assertThat(after.freshness().count() - before.freshness().count()).isEqualTo(3);
        assertThat(after.freshness().sum() - before.freshness().sum()).isCloseTo(3600.0 + 86400.0 + 60.0, within(1e-6));
        long total = TestApp.APP_JS.length() + TestApp.LOGO_SVG.length() + TestApp.INDEX_HTML.length();
        assertThat(delta(after, before, GuardSnapshot::cdnBytes)).isEqualTo(total);
    }

    @Test
    void conditionalGet_matchingEtag_answers304_countedAsRevalidation() throws Exception {
        HttpResponse<byte[]> first = send("GET", "/style.css", CLOUDFRONT);
        assertThat(first.statusCode()).isEqualTo(200);
        String etag = first.headers().firstValue("etag").orElseThrow();
        awaitOne();

        HttpResponse<byte[]> second = send("GET", "/style.css", concat(CLOUDFRONT, "If-None-Match", etag));

        assertThat(second.statusCode()).isEqualTo(304);
        assertThat(second.body()).isEmpty();
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(304);
        assertThat(e.conditional()).isTrue();
        assertThat(e.bytes()).isZero();
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.revalidations(Cdn.CLOUDFRONT))).isEqualTo(1);
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.REDIRECTION))).isEqualTo(1);
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS))).isEqualTo(1);
    }

    @Test
    void asyncComplete_recordedOnceWhenCompleted() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/async", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(TestApp.ASYNC_BODY);
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(200);
        // written through the stream without a Content-Length. Without a wrapper: Jetty has closed the
        // output and set the Content-Length of the buffered body before it calls onComplete; Tomcat
        // has not, but counts the bytes written itself.
        assertThat(e.bytes()).isEqualTo(expectedStreamBytes(TestApp.ASYNC_BODY.length(), container instanceof JettyContainer));
        assertThat(e.cacheControl()).isEqualTo("max-age=60");
        assertThat(e.aborted()).isFalse();
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS))).isEqualTo(1);
        assertThat(after.freshness().sum() - before.freshness().sum()).isCloseTo(60.0, within(1e-6));
    }

    @Test
    void asyncWrittenThroughAsyncContextResponse_recordsTheDeclaredLength() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/async-context", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(TestApp.ASYNC_BODY);
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.bytes()).isEqualTo(TestApp.ASYNC_BODY.length());
        assertNoMoreRecorded();
    }

    @Test
    void asyncTimeout_recordedOnceWithTheStatusSent() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/async-timeout", CLOUDFRONT);

        assertThat(r.statusCode()).isBetween(500, 599);
        Captured e = awaitOne();
        assertThat(e.path()).isEqualTo("/async-timeout");
        assertThat(e.status()).isEqualTo(r.statusCode());
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SERVER_ERROR))).isEqualTo(1);
        assertThat(delta(after, before, GuardSnapshot::cdnFetches)).isEqualTo(1);
    }

    @Test
    void sendError_recordedOnceWithErrorStatus_errorDispatchNotCounted() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/missing", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("custom error page\n");
        Captured e = awaitOne();
        assertThat(e.path()).isEqualTo("/missing");
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.bytes()).as("the container's error page is not written through the filter").isEqualTo(-1);
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.CLIENT_ERROR))).isEqualTo(1);
        assertThat(delta(after, before, GuardSnapshot::cdnFetches)).isEqualTo(1);
    }

    @Test
    void sendRedirect_recorded302() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/old", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(302);
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(302);
        assertNoMoreRecorded();
        assertThat(delta(guard.snapshot(), before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.REDIRECTION))).isEqualTo(1);
    }

    @Test
    void servletThrows_recordedAs500_exceptionRethrownUnchanged() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/boom", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(catching.caught).isSameAs(boom.thrown);
        Captured e = awaitOne();
        assertThat(e.path()).isEqualTo("/boom");
        assertThat(e.status()).isEqualTo(500);
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SERVER_ERROR))).isEqualTo(1);
        assertThat(delta(after, before, GuardSnapshot::cdnFetches)).isEqualTo(1);
    }

    @Test
    void head_recordsStatusAndHeadersWithZeroBytes() throws Exception {
        for (String path : new String[] {"/hello", "/app.js"}) {
            HttpResponse<byte[]> r = send("HEAD", path, CLOUDFRONT);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.body()).isEmpty();
            Captured e = awaitOne();
            assertThat(e.method()).isEqualTo("HEAD");
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.bytes()).as(path).isZero();
            assertThat(e.cacheControl()).isNotNull();
        }
        assertNoMoreRecorded();

        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS))).isEqualTo(2);
        assertThat(delta(after, before, GuardSnapshot::cdnBytes)).isZero();
    }

    @Test
    void compressedResponse_recordsTheBytesTheApplicationWrote() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/text", concat(CLOUDFRONT, "Accept-Encoding", "gzip"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
        assertThat(r.body().length).isLessThan(TestApp.TEXT_SIZE / 4);
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            assertThat(in.readAllBytes()).hasSize(TestApp.TEXT_SIZE);
        }
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(200);
        // streamed without a Content-Length: unknown without a wrapper, except in Tomcat
        long expected = expectedStreamBytes(TestApp.TEXT_SIZE, false);
        assertThat(e.bytes()).isEqualTo(expected);
        assertNoMoreRecorded();
        assertThat(delta(guard.snapshot(), before, GuardSnapshot::cdnBytes)).isEqualTo(counted(expected));
    }

    @Test
    void largeStreamedResponse_heapDoesNotGrowWithItsSize() throws Exception {
        long size = 200L * 1024 * 1024;
        HttpRequest req = request("GET", "/bytes?n=" + size + "&heap=1", CLOUDFRONT);
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        long received = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                received += n;
            }
        }

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(received).isEqualTo(size);
        Captured e = awaitOne();
        // streamed without a Content-Length: unknown without a wrapper, except in Tomcat
        long expected = expectedStreamBytes(size, false);
        assertThat(e.bytes()).isEqualTo(expected);
        long grown = bytes.heapMiddle - bytes.heapBefore;
        assertThat(grown).as("heap growth after streaming %d MB through the filter", size / 2 / 1024 / 1024)
                .isLessThan(32L * 1024 * 1024);
        assertThat(delta(guard.snapshot(), before, GuardSnapshot::cdnBytes)).isEqualTo(counted(expected));
    }

    @Test
    void wrappers_holdNoBodyBuffer() {
        for (Class<?> c : List.of(ServletExchange.class, RecordingResponse.class, RecordingResponse.Wrapper.class, DirectExchange.class, TomcatExchange.class, RequestView.class, CountingOutputStream.class, CountingWriter.class,
                CountingWriter.Print.class)) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                Class<?> t = f.getType();
                assertThat(t.isArray() || ByteBuffer.class.isAssignableFrom(t)
                        || java.io.ByteArrayOutputStream.class.isAssignableFrom(t)
                        || java.io.CharArrayWriter.class.isAssignableFrom(t) || StringBuilder.class.isAssignableFrom(t))
                        .as("%s.%s is a buffer", c.getSimpleName(), f.getName()).isFalse();
            }
        }
    }

    @Test
    void guardFailure_neverReachesTheApplication() throws Exception {
        failRecording = new IllegalStateException("guard exploded");

        HttpResponse<byte[]> r = send("GET", "/hello", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(TestApp.helloBytes());
        assertThat(catching.caught).isNull();
    }

    @Test
    void foreignRequestWrapperThatThrows_requestServedButNotRecorded() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/hello", concat(CLOUDFRONT, "X-Hostile", "1"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(TestApp.helloBytes());
        assertThat(catching.caught).isNull();
        // the next exchange recorded is the marker: the hostile one was skipped, not half-recorded
        assertThat(send("GET", "/hello", "X-Test-Marker", "1").statusCode()).isEqualTo(200);
        assertThat(awaitOne().marker()).isTrue();
    }

    @Test
    void wrappingMode_isTheExpectedOneForThisContainer() throws Exception {
        assertThat(send("GET", "/app.js", CLOUDFRONT).statusCode()).isEqualTo(200);
        Captured e = awaitOne();
        assertThat(e.wrapped()).as("%s with %s", container.name(), wrapping()).isEqualTo(expectWrapped());
    }

    // ---- gateway attributes ------------------------------------------------------------------------

    @Test
    void gatewayAttributes_backendAndFailureName_countedOnTheBackendRow() throws Exception {
        String backend = "gw-" + getClass().getSimpleName();
        // Each exchange is awaited before the next request: the client can read a response before the
        // filter has recorded it, so two back-to-back requests may be recorded in either order.
        List<Captured> all = new ArrayList<>();
        HttpResponse<byte[]> r = send("GET", "/gateway?backend=" + backend + "&failure=connect_refused", CLOUDFRONT);
        assertThat(r.statusCode()).isEqualTo(502);
        all.add(awaitOne());
        HttpResponse<byte[]> r2 = send("GET", "/gateway?backend=" + backend + "&failure=READ_TIMEOUT&enum=1&status=504",
                CLOUDFRONT);
        assertThat(r2.statusCode()).isEqualTo(504);
        all.add(awaitOne());
        HttpResponse<byte[]> ok = send("GET", "/gateway?backend=" + backend + "&status=200", CLOUDFRONT);
        assertThat(ok.statusCode()).isEqualTo(200);
        all.add(awaitOne());

        assertThat(all).extracting(Captured::backend).containsOnly(backend);
        assertThat(all).extracting(Captured::failure)
                .containsExactly(io.cdnguard.UpstreamFailure.CONNECT_REFUSED, io.cdnguard.UpstreamFailure.READ_TIMEOUT, null);
        assertNoMoreRecorded();
        GuardSnapshot after = guard.snapshot();
        io.cdnguard.BackendStats row = backendRow(after, backend);
        assertThat(row.exchanges()).isEqualTo(3);
        assertThat(row.failures(io.cdnguard.UpstreamFailure.CONNECT_REFUSED)).isEqualTo(1);
        assertThat(row.failures(io.cdnguard.UpstreamFailure.READ_TIMEOUT)).isEqualTo(1);
        assertThat(row.failures()).isEqualTo(2);
        assertThat(delta(after, before, s -> s.upstreamFailures(io.cdnguard.UpstreamFailure.CONNECT_REFUSED))).isEqualTo(1);
        assertThat(delta(after, before, s -> s.upstreamFailures(io.cdnguard.UpstreamFailure.READ_TIMEOUT))).isEqualTo(1);
        assertThat(delta(after, before, s -> s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SERVER_ERROR))).isEqualTo(2);
    }

    @Test
    void gatewayAttributes_unknownFailureName_ignored_backendStillCounted() throws Exception {
        String backend = "gw-unknown-" + getClass().getSimpleName();
        HttpResponse<byte[]> r = send("GET", "/gateway?backend=" + backend + "&failure=martians&status=503", CLOUDFRONT);

        assertThat(r.statusCode()).isEqualTo(503);
        Captured e = awaitOne();
        assertThat(e.backend()).isEqualTo(backend);
        assertThat(e.failure()).isNull();
        assertNoMoreRecorded();
        GuardSnapshot after = guard.snapshot();
        assertThat(backendRow(after, backend).exchanges()).isEqualTo(1);
        assertThat(backendRow(after, backend).failures()).isZero();
        assertThat(delta(after, before, GuardSnapshot::upstreamFailures)).isZero();
    }

    @Test
    void noGatewayAttributes_noBackendCounted() throws Exception {
        assertThat(send("GET", "/hello", CLOUDFRONT).statusCode()).isEqualTo(200);
        Captured e = awaitOne();
        assertThat(e.backend()).isNull();
        assertThat(e.failure()).isNull();
    }

    static io.cdnguard.BackendStats backendRow(GuardSnapshot s, String name) {
        return s.backends().stream().filter(b -> b.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no backend row " + name + " in " + s.backends()));
    }

    // ---- health servlet ----------------------------------------------------------------------------

    @Test
    void health_checkGoesDown_answers503_andLbWordDown() throws Exception {
        guard.evaluateNow();
        // Each exchange is awaited before the next request (see gatewayAttributes_...: a response can
        // reach the client before the filter has recorded it).
        List<Captured> all = new ArrayList<>();
        HttpResponse<byte[]> up = send("GET", "/cdnguard/health");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.headers().firstValue("content-type").orElse("")).startsWith("application/health+json");
        assertThat(up.headers().firstValue("cache-control")).hasValue("no-store");
        all.add(awaitOne());
        HttpResponse<byte[]> lbUp = send("GET", "/cdnguard/health/lb");
        assertThat(lbUp.statusCode()).isEqualTo(200);
        assertThat(new String(lbUp.body(), StandardCharsets.UTF_8).trim()).isEqualTo("UP");
        all.add(awaitOne());

        switchCheck.status = HealthStatus.DOWN;
        guard.evaluateNow();

        HttpResponse<byte[]> down = send("GET", "/cdnguard/health", CLOUDFRONT);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.headers().firstValue("cache-control")).hasValue("no-store");
        all.add(awaitOne());
        HttpResponse<byte[]> lbDown = send("GET", "/cdnguard/health/lb");
        assertThat(lbDown.statusCode()).isEqualTo(503);
        assertThat(new String(lbDown.body(), StandardCharsets.UTF_8).trim()).isEqualTo("DOWN");
        all.add(awaitOne());

        assertThat(all).extracting(Captured::status).containsExactly(200, 200, 503, 503);
        assertThat(all).extracting(Captured::path)
                .containsExactly("/cdnguard/health", "/cdnguard/health/lb", "/cdnguard/health", "/cdnguard/health/lb");
        assertNoMoreRecorded();
        GuardSnapshot after = guard.snapshot();
        assertThat(delta(after, before, s -> s.otherRequests(RequestKind.SELF))).isEqualTo(4);
        assertThat(delta(after, before, GuardSnapshot::cdnFetches)).as("the endpoint's own paths are SELF, even from a CDN")
                .isZero();

        switchCheck.status = HealthStatus.UP;
        guard.evaluateNow();
        assertThat(send("GET", "/cdnguard/health").statusCode()).isEqualTo(200);
    }

    @Test
    void health_headMethodsAndUnknownPaths() throws Exception {
        guard.evaluateNow();
        HttpResponse<byte[]> head = send("HEAD", "/cdnguard/health");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("cache-control")).hasValue("no-store");

        HttpResponse<byte[]> lbGet = send("GET", "/cdnguard/health/lb");
        HttpResponse<byte[]> lbHead = send("HEAD", "/cdnguard/health/lb");
        assertThat(lbHead.statusCode()).isEqualTo(lbGet.statusCode());
        assertThat(lbHead.body()).isEmpty();
        assertThat(lbHead.headers().firstValueAsLong("content-length")).as("HEAD carries the GET body's length")
                .hasValue(lbGet.body().length);

        HttpResponse<byte[]> post = send("POST", "/cdnguard/health");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow").orElse("")).contains("GET");
        assertThat(post.headers().firstValue("cache-control")).hasValue("no-store");

        HttpResponse<byte[]> unknown = send("GET", "/cdnguard/nothing-here");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("cache-control")).hasValue("no-store");
    }

    @Test
    void health_detailsOnlyWithBearerToken() throws Exception {
        guard.evaluateNow();
        String anonymous = new String(send("GET", "/cdnguard/health").body(), StandardCharsets.UTF_8);
        String authorised = new String(send("GET", "/cdnguard/health", "Authorization", "Bearer " + TOKEN).body(),
                StandardCharsets.UTF_8);
        String wrong = new String(send("GET", "/cdnguard/health", "Authorization", "Bearer nope").body(),
                StandardCharsets.UTF_8);

        assertThat(authorised).contains("switch");
        assertThat(anonymous).doesNotContain("switch");
        assertThat(wrong).doesNotContain("switch");
    }

    @Test
    void metrics_countCdnFetchesExactly() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(send("GET", "/app.js", CLOUDFRONT).statusCode()).isEqualTo(200);
        }
        await(3);
        GuardSnapshot after = guard.snapshot();
        long fetches = after.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS);
        assertThat(fetches - before.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(3);

        HttpResponse<byte[]> metrics = send("GET", "/cdnguard/metrics");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("cache-control")).hasValue("no-store");
        String text = new String(metrics.body(), StandardCharsets.UTF_8);
        assertThat(text).containsPattern("(?m)^cdnguard_cdn_fetches_total\\{cdn=\"cloudfront\",status=\"2xx\"\\} " + fetches + "$");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    HttpRequest request(String method, String pathAndQuery, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(60));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
    }

    HttpResponse<byte[]> send(String method, String pathAndQuery, String... headers) throws IOException, InterruptedException {
        return http.send(request(method, pathAndQuery, headers), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Waits for the next recorded exchange (recording may trail the response a little: async completion). */
    Captured awaitOne() throws InterruptedException {
        return await(1).get(0);
    }

    List<Captured> await(int n) throws InterruptedException {
        List<Captured> out = new ArrayList<>();
        while (out.size() < n) {
            Captured c = recorded.poll(10, TimeUnit.SECONDS);
            assertThat(c).as("exchange %d of %d recorded", out.size() + 1, n).isNotNull();
            out.add(c);
        }
        return out;
    }

    /**
     * Proves nothing else was recorded: sends a marker request, and the next recorded exchange must be
     * the marker. The marker is a direct request (no CDN headers): it moves no CDN counter.
     */
    void assertNoMoreRecorded() throws Exception {
        assertThat(send("GET", "/hello", "X-Test-Marker", "1").statusCode()).isEqualTo(200);
        Captured next = recorded.poll(10, TimeUnit.SECONDS);
        assertThat(next).isNotNull();
        assertThat(next.marker()).as("unexpected extra exchange recorded: %s", next).isTrue();
    }

    /** after - before of one counter. */
    long delta(GuardSnapshot after, GuardSnapshot before, java.util.function.ToLongFunction<GuardSnapshot> counter) {
        return counter.applyAsLong(after) - counter.applyAsLong(before);
    }
}
