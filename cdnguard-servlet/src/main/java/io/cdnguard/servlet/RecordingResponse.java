package io.cdnguard.servlet;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The per-request {@link ServletExchange} of {@link CdnGuardFilter} when it wraps the response: the
 * application gets its {@link #wrapper()}, a response wrapper that counts the body bytes written
 * through it.
 *
 * <p>It never buffers the body: the wrapper's {@code getOutputStream()} and {@code getWriter()}
 * return thin pass-through wrappers ({@link CountingOutputStream}, {@link CountingWriter}) that add the
 * length of each write to a counter and hand the bytes straight to the container's own stream or
 * writer.
 *
 * <p>Implementation notes: one instance per request, plus its {@link Wrapper}, a small {@link
 * RequestView} for the request headers and client address, and the stream or writer wrapper if the
 * application writes a body. {@code bytes}, {@code errorSent} and {@code writeFailed} are plain
 * fields written by whichever thread currently owns the response (the request thread, or the
 * application's async writer, one at a time as the Servlet specification requires) and read when the
 * exchange is recorded: on the request thread after the filter chain returned, or in {@link
 * #onComplete(AsyncEvent)}, which the container calls after {@code AsyncContext.complete()} under its
 * own synchronisation (a happens-before edge in Jetty and Tomcat). The rest, recording at most once
 * included, is {@link ServletExchange}'s.
 */
final class RecordingResponse extends ServletExchange {

    private final Wrapper wrapper;
    private CountingOutputStream stream;
    private ServletOutputStream streamDelegate;
    private PrintWriter writer;
    private PrintWriter writerDelegate;
    private long bytes;
    private boolean errorSent;
    private boolean writeFailed;
    private boolean asyncBodyElsewhere;

    RecordingResponse(CdnGuardFilter filter, HttpServletRequest request, HttpServletResponse response, long startNanos) {
        super(filter, request, response, startNanos);
        this.wrapper = new Wrapper(response);
    }

    /** The response the application gets. */
    HttpServletResponse wrapper() {
        return wrapper;
    }

    // ---- counting ------------------------------------------------------------------------------

    void add(long n) {
        bytes += n;
    }

    void writeFailed() {
        writeFailed = true;
    }

    /** Body bytes counted so far (since the last reset). */
    long countedBytes() {
        return bytes;
    }

    private static int bytesPerCharMode(String charset) {
        if (charset == null) {
            return CountingWriter.ONE_BYTE;
        }
        try {
            Charset cs = Charset.forName(charset);
            if (cs.equals(StandardCharsets.UTF_8)) {
                return CountingWriter.UTF_8;
            }
            if (cs.equals(StandardCharsets.UTF_16) || cs.equals(StandardCharsets.UTF_16BE) || cs.equals(StandardCharsets.UTF_16LE)) {
                return CountingWriter.TWO_BYTES;
            }
        } catch (RuntimeException e) {
            // an unknown charset name: the container will have refused it already; count chars
        }
        return CountingWriter.ONE_BYTE;
    }

    /**
     * The response wrapper the application writes through: counts, never buffers. Its state lives in
     * the enclosing {@link RecordingResponse}.
     */
    final class Wrapper extends HttpServletResponseWrapper {

        Wrapper(HttpServletResponse response) {
            super(response);
        }

        /** The container's stream, wrapped once (again only if the container hands out another one, after a reset). */
        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            ServletOutputStream out = response.getOutputStream();
            if (stream == null || streamDelegate != out) {
                stream = new CountingOutputStream(out, RecordingResponse.this);
                streamDelegate = out;
            }
            return stream;
        }

        /** The container's writer, wrapped once (again only if the container hands out another one, after a reset). */
        @Override
        public PrintWriter getWriter() throws IOException {
            PrintWriter w = response.getWriter();
            if (writer == null || writerDelegate != w) {
                writer = new CountingWriter.Print(new CountingWriter(w, RecordingResponse.this, bytesPerCharMode(response.getCharacterEncoding())), w);
                writerDelegate = w;
            }
            return writer;
        }

        @Override
        public void reset() {
            super.reset();
            bytes = 0;
        }

        @Override
        public void resetBuffer() {
            super.resetBuffer();
            bytes = 0;
        }

        /**
         * A 4xx/5xx {@code sendError} makes the container write an error page we do not see: bytes
         * unknown. Below 400 (Jetty's default servlet answers 304 through {@code sendError}) no body is sent.
         */
        @Override
        public void sendError(int sc, String msg) throws IOException {
            super.sendError(sc, msg);
            errorBody(sc);
        }

        @Override
        public void sendError(int sc) throws IOException {
            super.sendError(sc);
            errorBody(sc);
        }

        private void errorBody(int sc) {
            bytes = 0;
            if (sc >= 400) {
                errorSent = true;
            }
        }

        @Override
        public void sendRedirect(String location) throws IOException {
            super.sendRedirect(location);
            bytes = 0;
        }
    }

    // ---- what only the wrapper knows -------------------------------------------------------------

    @Override
    void beforeAsyncComplete() {
        if (stream == null && writer == null && !errorSent) {
            // Nothing went through this wrapper: the body (if any) was written to the container's
            // own response (AsyncContext.getResponse() after a no-argument startAsync()).
            asyncBodyElsewhere = true;
        }
    }

    @Override
    boolean bodyWriteFailed() {
        return writeFailed;
    }

    @Override
    boolean containerWroteBody() {
        return errorSent;
    }

    /**
     * Body bytes the application wrote through this response since its last reset; 0 for {@code HEAD}
     * (Servlet 6.1 containers let {@code doGet} write and discard the body); -1 when the container
     * wrote the body itself (an error page after {@code sendError} or an exception); for an async
     * response written entirely around this wrapper, its {@code Content-Length} (else -1).
     */
    @Override
    public long responseBytes() {
        if ("HEAD".equals(method)) {
            return 0;
        }
        if (asyncBodyElsewhere) {
            return CdnGuardFilter.declaredLength(response);
        }
        return bytesUnknown ? -1 : bytes;
    }
}
