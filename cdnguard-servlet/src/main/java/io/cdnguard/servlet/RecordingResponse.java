package io.cdnguard.servlet;

import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The per-request object of {@link CdnGuardFilter}: a response wrapper that counts the body bytes
 * written through it, the {@link Exchange} view handed to the guard, the response {@link
 * HeaderSource}, and the {@link AsyncListener} that records an async request when it completes.
 *
 * <p>It never buffers the body: {@link #getOutputStream()} and {@link #getWriter()} return thin
 * pass-through wrappers ({@link CountingOutputStream}, {@link CountingWriter}) that add the length
 * of each write to a counter and hand the bytes straight to the container's own stream or writer.
 *
 * <p>Implementation notes: one instance per request (plus a small {@link RequestView} for the request
 * headers and client address, plus the stream or writer wrapper if the application writes a body). {@code bytes}, {@code errorSent},
 * {@code writeFailed} and {@code errorAborted} are plain fields written by whichever thread
 * currently owns the response (the request thread, or the application's async writer, one at a
 * time as the Servlet specification requires) and read when the exchange is recorded: on the
 * request thread after the filter chain returned, or in {@link #onComplete(AsyncEvent)}, which the
 * container calls after {@code AsyncContext.complete()} under its own synchronisation (a
 * happens-before edge in Jetty and Tomcat). {@code recorded} is volatile and claimed by CAS, so
 * that the exchange is recorded at most once whatever path reaches {@link #finish(int, boolean)}.
 * Recording is wrapped so that nothing the guard throws reaches the application or the container.
 */
final class RecordingResponse extends HttpServletResponseWrapper implements Exchange, HeaderSource, AsyncListener {

    private static final AtomicIntegerFieldUpdater<RecordingResponse> RECORDED =
            AtomicIntegerFieldUpdater.newUpdater(RecordingResponse.class, "recorded");

    private final CdnGuardFilter filter;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final RequestView requestView;
    private final String method;
    private final String requestUri;
    private final String contextPath;
    private final long startNanos;

    private CountingOutputStream stream;
    private ServletOutputStream streamDelegate;
    private PrintWriter writer;
    private PrintWriter writerDelegate;
    private long bytes;
    private boolean errorSent;
    private boolean writeFailed;
    private boolean errorAborted;

    private volatile int recorded;
    private int status;
    private long durationNanos;
    private boolean aborted;
    private boolean bytesUnknown;
    private boolean asyncBodyElsewhere;

    RecordingResponse(CdnGuardFilter filter, HttpServletRequest request, HttpServletResponse response, long startNanos) {
        super(response);
        this.filter = filter;
        this.request = request;
        this.response = response;
        this.requestView = new RequestView(request);
        this.method = request.getMethod();
        this.requestUri = request.getRequestURI();
        this.contextPath = request.getContextPath();
        this.startNanos = startNanos;
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

    /** The container's stream, wrapped once (again only if the container hands out another one, after a reset). */
    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        ServletOutputStream out = response.getOutputStream();
        if (stream == null || streamDelegate != out) {
            stream = new CountingOutputStream(out, this);
            streamDelegate = out;
        }
        return stream;
    }

    /** The container's writer, wrapped once (again only if the container hands out another one, after a reset). */
    @Override
    public PrintWriter getWriter() throws IOException {
        PrintWriter w = response.getWriter();
        if (writer == null || writerDelegate != w) {
            writer = new CountingWriter.Print(new CountingWriter(w, this, bytesPerCharMode(response.getCharacterEncoding())), w);
            writerDelegate = w;
        }
        return writer;
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

    // ---- completion ----------------------------------------------------------------------------

    /** The chain returned normally: record now, or when the async cycle completes. */
    void chainReturned() {
        try {
            if (request.isAsyncStarted()) {
                try {
                    request.getAsyncContext().addListener(this);
                    return;
                } catch (IllegalStateException e) {
                    // the async cycle ended between the two calls: the response is final, record now
                }
            }
            finish(response.getStatus(), false);
        } catch (RuntimeException e) {
            filter.recordingFailed(e);
        }
    }

    /**
     * The chain threw. Not committed: the container answers 500 (its error page), so record 500.
     * Committed: the status already sent stands and the exchange is cut short.
     */
    void chainFailed() {
        try {
            if (response.isCommitted()) {
                finish(response.getStatus(), true);
            } else {
                bytesUnknown = true;
                finish(HttpServletResponse.SC_INTERNAL_SERVER_ERROR, false);
            }
        } catch (RuntimeException e) {
            filter.recordingFailed(e);
        }
    }

    /** Records this exchange once; never throws. */
    void finish(int sentStatus, boolean cutShort) {
        if (!RECORDED.compareAndSet(this, 0, 1)) {
            return;
        }
        this.status = sentStatus;
        this.durationNanos = System.nanoTime() - startNanos;
        this.aborted = cutShort || writeFailed || errorAborted;
        if (errorSent) {
            bytesUnknown = true;
        }
        filter.deliver(this);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        try {
            if (stream == null && writer == null && !errorSent) {
                // Nothing went through this wrapper: the body (if any) was written to the container's
                // own response (AsyncContext.getResponse() after a no-argument startAsync()).
                asyncBodyElsewhere = true;
            }
            finish(response.getStatus(), false);
        } catch (RuntimeException e) {
            filter.recordingFailed(e);
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        // The container (or another listener) still completes the response: onComplete records it
        // with the status actually sent (the container's 500 when nobody handles the timeout).
    }

    @Override
    public void onError(AsyncEvent event) {
        if (event.getThrowable() instanceof IOException) {
            errorAborted = true;
        }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // A new async cycle (startAsync during an async dispatch) drops the registered listeners.
        try {
            event.getAsyncContext().addListener(this);
        } catch (RuntimeException e) {
            filter.recordingFailed(e);
        }
    }

    // ---- Exchange ------------------------------------------------------------------------------

    @Override
    public String method() {
        return method == null ? "" : method;
    }

    /** The request URI (raw, without query string) minus the context path. */
    @Override
    public CharSequence path() {
        return CdnGuardFilter.pathWithinContext(requestUri, contextPath);
    }

    @Override
    public int status() {
        return status;
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

    @Override
    public long durationNanos() {
        return durationNanos;
    }

    @Override
    public HeaderSource requestHeaders() {
        return requestView;
    }

    @Override
    public HeaderSource responseHeaders() {
        return this;
    }

    /** The client address, resolved from the container only if read (see {@link RequestView}). */
    @Override
    public CharSequence clientAddress() {
        return requestView;
    }

    @Override
    public boolean aborted() {
        return aborted;
    }

    /** The request attribute {@value CdnGuardFilter#BACKEND_ATTRIBUTE}, if a non-empty string. */
    @Override
    public String backend() {
        return CdnGuardFilter.backendOf(request);
    }

    /** The request attribute {@value CdnGuardFilter#UPSTREAM_FAILURE_ATTRIBUTE}, if it names a failure. */
    @Override
    public io.cdnguard.UpstreamFailure failure() {
        return CdnGuardFilter.failureOf(request);
    }

    /** The response {@link HeaderSource}: the container's own, case-insensitive header lookup. */
    @Override
    public CharSequence get(String lowerCaseName) {
        return response.getHeader(lowerCaseName);
    }
}
