package io.cdnguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.catalina.connector.ResponseFacade;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wrap-response=auto} in real embedded Tomcat 11: the application and Tomcat's default
 * servlet get Tomcat's own {@code ResponseFacade}, so a large static file still goes out with
 * sendfile, and the bytes recorded come from Tomcat's counters (or the sendfile range).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TomcatUnwrappedTest {

    /** Above Tomcat's default sendfileSize (48 KiB). */
    static final int BIG = 200 * 1024;
    static final String LATIN1 = "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, \u00e0 la carte\n";
    static final String UTF8 = "hello \u2013 \u2713 \ud83d\ude00\n";

    final LinkedBlockingQueue<Captured> recorded = new LinkedBlockingQueue<>();
    final Probe probe = new Probe();
    Path staticRoot;
    byte[] big;
    TomcatContainer container;
    URI base;
    HttpClient http;

    /** Inside the cdnguard filter: what the chain below it saw. */
    static final class Probe implements Filter {
        volatile String responseClass;
        volatile Object sendfile;
        volatile long contentWritten;

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            responseClass = response.getClass().getName();
            chain.doFilter(request, response);
            sendfile = request.getAttribute(TomcatResponses.SENDFILE_FILENAME);
            contentWritten = response instanceof ResponseFacade ? ((ResponseFacade) response).getContentWritten() : -2;
        }
    }

    /** GET /stream?n=N[&flush=1][&type=T]: N bytes through the stream in 1000-byte writes, flushed each (chunked). */
    static final class StreamServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            int n = Integer.parseInt(req.getParameter("n"));
            String type = req.getParameter("type");
            resp.setContentType(type == null ? "application/octet-stream" : type);
            boolean flush = "1".equals(req.getParameter("flush"));
            byte[] chunk = new byte[1000];
            Arrays.fill(chunk, (byte) 'y');
            ServletOutputStream out = resp.getOutputStream();
            for (int written = 0; written < n; written += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, n - written));
                if (flush) {
                    out.flush();
                }
            }
        }
    }

    /** GET /writer?charset=C[&length=1]: {@link #LATIN1} or {@link #UTF8} through the writer. */
    static final class WriterServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String charset = req.getParameter("charset");
            String text = charset.equalsIgnoreCase("utf-8") ? UTF8 : LATIN1;
            resp.setContentType("text/plain; charset=" + charset);
            if ("1".equals(req.getParameter("length"))) {
                resp.setContentLength(text.getBytes(charset).length);
            }
            PrintWriter w = resp.getWriter();
            w.print(text);
        }
    }

    /** GET /reset: writes 5000 bytes, resets the buffer, writes 10. */
    static final class ResetServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            ServletOutputStream out = resp.getOutputStream();
            out.write(new byte[5000]);
            resp.resetBuffer();
            out.write(new byte[10]);
        }
    }

    /** GET /missing: sendError(404); Tomcat's error report valve writes the page. */
    static final class MissingServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.sendError(404, "no such asset");
        }
    }

    @BeforeAll
    void start() throws Exception {
        staticRoot = Files.createTempDirectory("cdnguard-tomcat-unwrapped");
        big = new byte[BIG];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >>> 8));
        }
        Files.write(staticRoot.resolve("big.bin"), big);
        Files.writeString(staticRoot.resolve("small.txt"), "small static file\n");
        container = new TomcatContainer();
        base = container.start(app(CdnGuardFilter.ResponseWrapping.AUTO, recorded, probe).staticRoot(staticRoot));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static WebApp app(CdnGuardFilter.ResponseWrapping wrapping, LinkedBlockingQueue<Captured> sink, Probe probe) {
        CdnGuardFilter filter = new CdnGuardFilter(null, e -> sink.add(Captured.of(e)), wrapping);
        return new WebApp()
                .filter("cdnguard", filter, "/*", DispatcherType.REQUEST, DispatcherType.ERROR)
                .filter("probe", probe, "/*")
                .servlet("stream", new StreamServlet(), "/stream")
                .servlet("writer", new WriterServlet(), "/writer")
                .servlet("reset", new ResetServlet(), "/reset")
                .servlet("missing", new MissingServlet(), "/missing");
    }

    @AfterAll
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
        TestApp.deleteTree(staticRoot);
    }

    @BeforeEach
    void clear() {
        recorded.clear();
        probe.sendfile = null;
        probe.responseClass = null;
    }

    // ---- the response is Tomcat's own ---------------------------------------------------------------

    @Test
    void auto_servletSeesTomcatsOwnResponse_notAWrapper() throws Exception {
        assertThat(send("GET", "/stream?n=10").statusCode()).isEqualTo(200);

        Captured e = awaitOne();
        assertThat(probe.responseClass).isEqualTo(TomcatResponses.FACADE);
        assertThat(e.wrapped()).isFalse();
    }

    // ---- static files: sendfile kept ------------------------------------------------------------------

    @Test
    void bigStaticFile_goesOutWithSendfile_bytesRecordedAreTheFileLength() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/big.bin");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(big);
        assertThat(probe.sendfile).as("Tomcat's default servlet chose sendfile").isNotNull();
        assertThat(probe.contentWritten).as("sendfile bytes are not in getContentWritten()").isZero();
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(200);
        assertThat(e.bytes()).isEqualTo(BIG);
    }

    @Test
    void bigStaticFile_rangeWithSendfile_recordsTheRangeLength() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/big.bin", "Range", "bytes=1000-99999");

        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(big, 1000, 100_000));
        assertThat(probe.sendfile).isNotNull();
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(206);
        assertThat(e.bytes()).isEqualTo(99_000);
    }

    @Test
    void smallStaticFile_writtenByTheDefaultServlet_countedByTomcat() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/small.txt");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(probe.sendfile).as("below sendfileSize").isNull();
        Captured e = awaitOne();
        assertThat(e.bytes()).isEqualTo(r.body().length).isEqualTo("small static file\n".length());
    }

    @Test
    void head_bigStaticFile_zeroBytes() throws Exception {
        HttpResponse<byte[]> r = send("HEAD", "/big.bin");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValueAsLong("content-length")).hasValue(BIG);
        Captured e = awaitOne();
        assertThat(e.method()).isEqualTo("HEAD");
        assertThat(e.bytes()).isZero();
    }

    @Test
    void conditional_bigStaticFile_304_zeroBytes() throws Exception {
        HttpResponse<byte[]> first = send("GET", "/big.bin");
        String etag = first.headers().firstValue("etag").orElseThrow();
        awaitOne();

        HttpResponse<byte[]> r = send("GET", "/big.bin", "If-None-Match", etag);

        assertThat(r.statusCode()).isEqualTo(304);
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(304);
        assertThat(e.conditional()).isTrue();
        assertThat(e.bytes()).isZero();
    }

    // ---- written bodies -------------------------------------------------------------------------------

    @Test
    void chunkedStreamWrites_noContentLength_exactBytes() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/stream?n=123457&flush=1");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-length")).isEmpty();
        assertThat(r.body()).hasSize(123_457);
        Captured e = awaitOne();
        assertThat(e.bytes()).isEqualTo(123_457);
    }

    @Test
    void streamWrites_utf8ContentType_exactBytes() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/stream?n=777&type=application/json;charset=utf-8");

        assertThat(r.statusCode()).isEqualTo(200);
        Captured e = awaitOne();
        assertThat(e.bytes()).as("through the stream: bytes, whatever the charset").isEqualTo(777);
    }

    @Test
    void writer_latin1_exactBytes() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/writer?charset=ISO-8859-1");

        assertThat(r.body()).isEqualTo(LATIN1.getBytes(StandardCharsets.ISO_8859_1));
        Captured e = awaitOne();
        assertThat(e.bytes()).isEqualTo(LATIN1.length());
    }

    @Test
    void writer_utf8_withoutLength_unknown_withLength_exact() throws Exception {
        byte[] utf8 = UTF8.getBytes(StandardCharsets.UTF_8);
        assertThat(utf8.length).isNotEqualTo(UTF8.length());

        assertThat(send("GET", "/writer?charset=UTF-8").body()).isEqualTo(utf8);
        assertThat(awaitOne().bytes()).as("Tomcat counts chars, not bytes, for the writer").isEqualTo(-1);

        assertThat(send("GET", "/writer?charset=UTF-8&length=1").body()).isEqualTo(utf8);
        assertThat(awaitOne().bytes()).isEqualTo(utf8.length);
    }

    @Test
    void resetBuffer_countsOnlyWhatFollows() throws Exception {
        assertThat(send("GET", "/reset").body()).hasSize(10);

        assertThat(awaitOne().bytes()).isEqualTo(10);
    }

    @Test
    void sendError_containerWritesThePage_unknownBytes() throws Exception {
        HttpResponse<byte[]> r = send("GET", "/missing");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).isNotEmpty();
        Captured e = awaitOne();
        assertThat(e.status()).isEqualTo(404);
        assertThat(e.bytes()).isEqualTo(-1);
        assertThat(send("GET", "/stream?n=1").statusCode()).isEqualTo(200);
        assertThat(awaitOne().path()).as("the next exchange recorded is the next request").isEqualTo("/stream");
    }

    // ---- other modes, fallback ------------------------------------------------------------------------

    @Test
    void never_onTomcat_alsoReadsTomcatsCount() throws Exception {
        LinkedBlockingQueue<Captured> sink = new LinkedBlockingQueue<>();
        Probe p = new Probe();
        try (TomcatContainer c = new TomcatContainer()) {
            URI uri = c.start(app(CdnGuardFilter.ResponseWrapping.NEVER, sink, p));
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(uri + "/stream?n=4321&flush=1")).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.body()).hasSize(4321);
            Captured e = sink.poll(10, TimeUnit.SECONDS);
            assertThat(e).isNotNull();
            assertThat(e.wrapped()).isFalse();
            assertThat(p.responseClass).isEqualTo(TomcatResponses.FACADE);
            assertThat(e.bytes()).isEqualTo(4321);
        }
    }

    @Test
    void lookUp_realFacade_readsCountAndWriterUse() {
        TomcatResponses t = TomcatResponses.lookUp(ResponseFacade.class);

        assertThat(t).isNotNull();
        assertThat(t.readsWriterUse()).isTrue();
    }

    @Test
    void lookUp_otherClasses_none() {
        assertThat(TomcatResponses.lookUp(String.class)).isNull();
        assertThat(TomcatResponses.lookUp(jakarta.servlet.http.HttpServletResponseWrapper.class)).isNull();
    }

    @Test
    void lookUp_facadeWithoutGetContentWritten_fallsBackToWrapping(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("org/apache/catalina/connector/ResponseFacade.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package org.apache.catalina.connector; public class ResponseFacade { }\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "-d", dir.toString(), src.toString())).isZero();
        try (URLClassLoader loader = new URLClassLoader(new java.net.URL[] {dir.toUri().toURL()},
                ClassLoader.getPlatformClassLoader())) {
            Class<?> fake = loader.loadClass(TomcatResponses.FACADE);
            assertThat(fake).isNotSameAs(ResponseFacade.class);

            assertThat(TomcatResponses.lookUp(fake)).isNull();
        }
    }

    @Test
    void oneBytePerChar_knowsLatin1AndAscii() {
        assertThat(List.of("ISO-8859-1", "iso-8859-1", "US-ASCII")).allMatch(TomcatExchange::oneBytePerChar);
        assertThat(List.of("UTF-8", "UTF-16", "windows-1251x")).noneMatch(TomcatExchange::oneBytePerChar);
    }

    // ---- helpers --------------------------------------------------------------------------------------

    HttpResponse<byte[]> send(String method, String pathAndQuery, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    Captured awaitOne() throws InterruptedException {
        Captured c = recorded.poll(10, TimeUnit.SECONDS);
        assertThat(c).as("an exchange recorded").isNotNull();
        return c;
    }
}
