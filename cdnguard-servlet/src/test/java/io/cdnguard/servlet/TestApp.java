package io.cdnguard.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The servlets and filters of the test application, the same in both containers. */
final class TestApp {

    /** Written by /hello through the writer with println, in UTF-8 (non-ASCII and a surrogate pair on purpose: bytes != chars). */
    static final String HELLO = "hello, cdn \u2013 \u00fcn\u00efcode \u2713 \ud83d\ude00";

    /** What /hello sends: {@link #HELLO} and a line separator, in UTF-8. */
    static byte[] helloBytes() {
        return (HELLO + System.lineSeparator()).getBytes(StandardCharsets.UTF_8);
    }
    static final String ASYNC_BODY = "async done\n";
    static final int TEXT_SIZE = 20_000;

    static final String INDEX_HTML = "<!doctype html><title>demo</title><link rel=stylesheet href=style.css><script src=app.js></script>\n";
    static final String APP_JS = "console.log('cdnguard demo');\n";
    static final String STYLE_CSS = "body { font-family: sans-serif; }\n";
    static final String LOGO_SVG = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"8\" height=\"8\"><rect width=\"8\" height=\"8\"/></svg>\n";

    private TestApp() {
    }

    static void writeStaticFiles(Path root) throws IOException {
        Files.writeString(root.resolve("index.html"), INDEX_HTML);
        Files.writeString(root.resolve("app.js"), APP_JS);
        Files.writeString(root.resolve("style.css"), STYLE_CSS);
        Files.writeString(root.resolve("logo.svg"), LOGO_SVG);
    }

    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** GET /hello: a plain servlet writing through the writer, cacheable for 600 s. */
    static final class HelloServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setHeader("Cache-Control", "public, max-age=600");
            resp.setContentType("text/plain; charset=utf-8");
            PrintWriter w = resp.getWriter();
            w.println(HELLO);
        }
    }

    /** GET /bytes?n=N: N bytes through the output stream in 64 KiB chunks; with heap=1 measures heap mid-stream. */
    static final class BytesServlet extends HttpServlet {
        volatile long heapBefore;
        volatile long heapMiddle;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            long n = Long.parseLong(req.getParameter("n"));
            boolean heap = "1".equals(req.getParameter("heap"));
            resp.setContentType("application/octet-stream");
            resp.setHeader("Cache-Control", "public, max-age=86400");
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            ServletOutputStream out = resp.getOutputStream();
            if (heap) {
                heapBefore = usedHeapAfterGc();
            }
            long written = 0;
            boolean measured = false;
            while (written < n) {
                int len = (int) Math.min(chunk.length, n - written);
                out.write(chunk, 0, len);
                written += len;
                if (heap && !measured && written >= n / 2) {
                    heapMiddle = usedHeapAfterGc();
                    measured = true;
                }
            }
        }
    }

    static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** GET /async: completes from another thread after writing through the response it was given. */
    static final class AsyncServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            AsyncContext ac = req.startAsync();
            ac.start(() -> {
                try {
                    resp.setHeader("Cache-Control", "max-age=60");
                    resp.setContentType("text/plain; charset=utf-8");
                    resp.getOutputStream().write(ASYNC_BODY.getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                } finally {
                    ac.complete();
                }
            });
        }
    }

    /** GET /async-context: writes through AsyncContext.getResponse() (the unwrapped response), with a length. */
    static final class AsyncContextResponseServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            AsyncContext ac = req.startAsync();
            ac.start(() -> {
                try {
                    byte[] body = ASYNC_BODY.getBytes(StandardCharsets.UTF_8);
                    ServletResponse r = ac.getResponse();
                    r.setContentType("text/plain");
                    r.setContentLength(body.length);
                    r.getOutputStream().write(body);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                } finally {
                    ac.complete();
                }
            });
        }
    }

    /** GET /async-timeout: starts async and never completes; the container times it out. */
    static final class AsyncTimeoutServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            AsyncContext ac = req.startAsync();
            ac.setTimeout(100);
        }
    }

    /** GET /missing: sendError(404). */
    static final class MissingServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.sendError(404, "no such asset");
        }
    }

    /** GET /old: sendRedirect. */
    static final class RedirectServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.sendRedirect(req.getContextPath() + "/hello");
        }
    }

    /** GET /boom: throws {@link #thrown}. */
    static final class BoomServlet extends HttpServlet {
        final IllegalStateException thrown = new IllegalStateException("boom from the application");

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            throw thrown;
        }
    }

    /** GET /text: {@link #TEXT_SIZE} bytes of compressible text. */
    static final class TextServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.setHeader("Cache-Control", "max-age=300");
            byte[] line = "cdnguard compresses well, cdnguard compresses well\n".getBytes(StandardCharsets.US_ASCII);
            ServletOutputStream out = resp.getOutputStream();
            int written = 0;
            while (written < TEXT_SIZE) {
                int len = Math.min(line.length, TEXT_SIZE - written);
                out.write(line, 0, len);
                written += len;
            }
        }
    }

    /** The error page: written during the ERROR dispatch. */
    static final class ErrorPageServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.getWriter().print("custom error page\n");
        }
    }

    /**
     * GET /gateway?backend=B&amp;failure=F&amp;enum=1&amp;status=S: a gateway servlet naming its backend and
     * failure in the request attributes (the failure as an {@link io.cdnguard.UpstreamFailure} with
     * enum=1, else as the given string), answering S (default 502).
     */
    static final class GatewayServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String backend = req.getParameter("backend");
            if (backend != null) {
                req.setAttribute(CdnGuardFilter.BACKEND_ATTRIBUTE, backend);
            }
            String failure = req.getParameter("failure");
            if (failure != null) {
                req.setAttribute(CdnGuardFilter.UPSTREAM_FAILURE_ATTRIBUTE,
                        "1".equals(req.getParameter("enum")) ? io.cdnguard.UpstreamFailure.valueOf(failure) : failure);
            }
            String status = req.getParameter("status");
            resp.setStatus(status == null ? 502 : Integer.parseInt(status));
            resp.setContentType("text/plain");
            resp.setHeader("Cache-Control", "no-store");
            resp.getWriter().print("gateway\n");
        }
    }

    /** Outermost filter: remembers what the chain threw, and rethrows it. */
    static final class CatchingFilter implements Filter {
        volatile Throwable caught;

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            try {
                chain.doFilter(request, response);
            } catch (IOException | ServletException | RuntimeException | Error e) {
                caught = e;
                throw e;
            }
        }
    }

    /**
     * Before cdnguard: for a request with {@code X-Hostile: 1}, hands on a foreign request wrapper whose
     * first {@code getRequestURI()} throws (later calls answer normally), as a buggy wrapper of
     * another library might.
     */
    static final class HostileWrapperFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            if (!"1".equals(http.getHeader("X-Hostile"))) {
                chain.doFilter(request, response);
                return;
            }
            chain.doFilter(new HttpServletRequestWrapper(http) {
                private boolean thrown;

                @Override
                public String getRequestURI() {
                    if (!thrown) {
                        thrown = true;
                        throw new IllegalStateException("hostile wrapper");
                    }
                    return super.getRequestURI();
                }
            }, response);
        }
    }

    /** Sets Cache-Control on static files by type: css/js 3600, images 86400, html 60. */
    static final class CacheControlFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String uri = ((HttpServletRequest) request).getRequestURI();
            String cc = null;
            if (uri.endsWith(".css") || uri.endsWith(".js")) {
                cc = "public, max-age=3600";
            } else if (uri.endsWith(".svg") || uri.endsWith(".png")) {
                cc = "public, max-age=86400";
            } else if (uri.endsWith(".html")) {
                cc = "public, max-age=60";
            }
            if (cc != null) {
                ((HttpServletResponse) response).setHeader("Cache-Control", cc);
            }
            chain.doFilter(request, response);
        }
    }
}
