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
 * The per-request object of {@link CdnGuardFilter}, whichever way it watches the response: the
 * {@link Exchange} view handed to the guard, the response {@link HeaderSource} (the container's own
 * response, read when the exchange is recorded), and the {@link AsyncListener} that records an async
 * request when it completes. {@link DirectExchange} and {@link TomcatExchange} leave the response
 * alone; {@link RecordingResponse} hands the application a counting wrapper. They differ only in what they know of
 * the body ({@link #responseBytes()} and the hooks below).
 *
 * <p>Implementation notes: one instance per request (plus a {@link RequestView}). {@code
 * errorAborted} is a plain field written in {@link #onError(AsyncEvent)} and read in {@link
 * #onComplete(AsyncEvent)}, both called by the container under its own synchronisation of the async
 * cycle (a happens-before edge in Jetty and Tomcat). {@code recorded} is volatile and claimed by
 * CAS, so that the exchange is recorded at most once whatever path reaches {@link #finish(int,
 * boolean)}; {@code status}, {@code durationNanos}, {@code aborted} and {@code bytesUnknown} are
 * written by the thread that won that CAS just before it hands this object to the guard, which reads
 * them on the same thread ({@code bytesUnknown} also by the request thread before, see {@link
 * #chainFailed()}). Recording is wrapped so that nothing the guard throws reaches the application or
 * the container.
 */
abstract class ServletExchange implements Exchange, HeaderSource, AsyncListener {

    private static final AtomicIntegerFieldUpdater<ServletExchange> RECORDED =
            AtomicIntegerFieldUpdater.newUpdater(ServletExchange.class, "recorded");

    final CdnGuardFilter filter;
    final HttpServletRequest request;
    final HttpServletResponse response;
    private final RequestView requestView;
    final String method;
    private final String requestUri;
    private final String contextPath;
    private final long startNanos;

    private boolean errorAborted;
    private volatile int recorded;
    private int status;
    private long durationNanos;
    private boolean aborted;
    boolean bytesUnknown;

    ServletExchange(CdnGuardFilter filter, HttpServletRequest request, HttpServletResponse response, long startNanos) {
        this.filter = filter;
        this.request = request;
        this.response = response;
        this.requestView = new RequestView(request);
        this.method = request.getMethod();
        this.requestUri = request.getRequestURI();
        this.contextPath = request.getContextPath();
        this.startNanos = startNanos;
    }

    // ---- what the two kinds know differently ---------------------------------------------------

    /** Called in {@link #onComplete(AsyncEvent)} before the exchange is recorded. */
    void beforeAsyncComplete() {
    }

    /** Whether a body write failed where this object could see it (cut short). */
    boolean bodyWriteFailed() {
        return false;
    }

    /** Whether the container wrote a body this object did not see (an error page): bytes unknown. */
    boolean containerWroteBody() {
        return false;
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
        this.aborted = cutShort || bodyWriteFailed() || errorAborted;
        if (containerWroteBody()) {
            bytesUnknown = true;
        }
        filter.deliver(this);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        try {
            beforeAsyncComplete();
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
     * Whether the response can have no body whatever was written: a {@code HEAD}, 1xx, 204 or 304
     * (the views that read bytes from the container count such a response as 0).
     */
    final boolean bodiless() {
        int s = status;
        return "HEAD".equals(method) || s < 200 || s == 204 || s == 304;
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
