package io.cdnguard.servlet;

import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.UpstreamFailure;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * The per-request object of {@link CdnGuardFilter} when it does not wrap the response ({@link
 * CdnGuardFilter.ResponseWrapping}): the {@link Exchange} view handed to the guard, the response
 * {@link HeaderSource} (the container's own response, read when the exchange is recorded), and the
 * {@link AsyncListener} that records an async request when it completes.
 *
 * <p>The application gets the container's response untouched, so the container keeps its own fast
 * paths (Jetty's default servlet writes a cached file's buffer straight to the connection only for
 * an unwrapped response). The price: the body size is the response's {@code Content-Length} when
 * it declares one, else unknown ({@code -1}); 1xx, 204, 304 and {@code HEAD} count 0. A failed body
 * write is seen only if it reaches the filter as an exception (a committed response cut short) or,
 * for an async request, as an {@code IOException} in {@link #onError(AsyncEvent)}.
 *
 * <p>Implementation notes: one instance per request (plus a {@link RequestView}). {@code
 * errorAborted} is a plain field written in {@link #onError(AsyncEvent)} and read in {@link
 * #onComplete(AsyncEvent)}, both called by the container under its own synchronisation of the async
 * cycle (a happens-before edge in Jetty and Tomcat). {@code recorded} is volatile and claimed by
 * CAS, so that the exchange is recorded at most once whatever path reaches {@link #finish(int,
 * boolean)}; {@code status}, {@code durationNanos}, {@code aborted} and {@code bytesUnknown} are
 * written by the thread that won that CAS just before it hands this object to the guard, which reads
 * them on the same thread. Recording is wrapped so that nothing the guard throws reaches the
 * application or the container.
 */
final class DirectExchange implements Exchange, HeaderSource, AsyncListener {

    private static final AtomicIntegerFieldUpdater<DirectExchange> RECORDED =
            AtomicIntegerFieldUpdater.newUpdater(DirectExchange.class, "recorded");

    private final CdnGuardFilter filter;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final RequestView requestView;
    private final String method;
    private final String requestUri;
    private final String contextPath;
    private final long startNanos;

    private boolean errorAborted;
    private volatile int recorded;
    private int status;
    private long durationNanos;
    private boolean aborted;
    private boolean bytesUnknown;

    DirectExchange(CdnGuardFilter filter, HttpServletRequest request, HttpServletResponse response, long startNanos) {
        this.filter = filter;
        this.request = request;
        this.response = response;
        this.requestView = new RequestView(request);
        this.method = request.getMethod();
        this.requestUri = request.getRequestURI();
        this.contextPath = request.getContextPath();
        this.startNanos = startNanos;
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
     * The chain threw. Not committed: the container answers 500 (its error page), so record 500 with
     * unknown bytes. Committed: the status already sent stands and the exchange is cut short.
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
        this.aborted = cutShort || errorAborted;
        filter.deliver(this);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        try {
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
     * 0 for {@code HEAD}, 1xx, 204 and 304 (no body); -1 after an exception the container answers
     * with its error page; else the response's {@code Content-Length}, or -1 if it declares none.
     */
    @Override
    public long responseBytes() {
        int s = status;
        if ("HEAD".equals(method) || s < 200 || s == 204 || s == 304) {
            return 0;
        }
        return bytesUnknown ? -1 : CdnGuardFilter.declaredLength(response);
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
    public UpstreamFailure failure() {
        return CdnGuardFilter.failureOf(request);
    }

    /** The response {@link HeaderSource}: the container's own, case-insensitive header lookup. */
    @Override
    public CharSequence get(String lowerCaseName) {
        return response.getHeader(lowerCaseName);
    }
}
