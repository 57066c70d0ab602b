package io.cdnguard.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The per-request {@link ServletExchange} of {@link CdnGuardFilter} when it does not wrap the
 * response ({@link CdnGuardFilter.ResponseWrapping}) outside Tomcat: in Jetty under {@code auto}, in
 * any container but Tomcat under {@code false} (Tomcat's own response gets {@link TomcatExchange}).
 *
 * <p>The application gets the container's response untouched, so the container keeps its own fast
 * paths (Jetty's default servlet writes a cached file's buffer straight to the connection only for
 * an unwrapped response). The price: the body size is the response's {@code Content-Length} when
 * it declares one, else unknown ({@code -1}); 1xx, 204, 304 and {@code HEAD} count 0. A failed body
 * write is seen only if it reaches the filter as an exception (a committed response cut short) or,
 * for an async request, as an {@code IOException} in {@link #onError(jakarta.servlet.AsyncEvent)}.
 *
 * <p>Implementation notes: no state of its own; see {@link ServletExchange}.
 */
final class DirectExchange extends ServletExchange {

    DirectExchange(CdnGuardFilter filter, HttpServletRequest request, HttpServletResponse response, long startNanos) {
        super(filter, request, response, startNanos);
    }

    /**
     * 0 for {@code HEAD}, 1xx, 204 and 304 (no body); -1 after an exception the container answers
     * with its error page; else the response's {@code Content-Length}, or -1 if it declares none.
     */
    @Override
    public long responseBytes() {
        if (bodiless()) {
            return 0;
        }
        return bytesUnknown ? -1 : CdnGuardFilter.declaredLength(response);
    }
}
