package io.cdnguard;

/**
 * One completed HTTP exchange (request and response) as an adapter reports it to {@link
 * CdnGuard#record(Exchange)}.
 *
 * <p>Adapters implement this on an object they already have per connection or per request and
 * reuse it, so that recording allocates nothing. {@link CdnGuard#record(Exchange)} reads the
 * methods on the calling thread, before it returns, and never keeps a reference; it reads each at
 * most once, except that the trace log (when on) reads the exchange a second time, so the methods
 * must answer the same when asked twice.
 * {@link MutableExchange} is a ready implementation for code that feeds exchanges by hand.
 */
public interface Exchange {

    /** The request method, e.g. {@code "GET"}; never {@code null} (use {@code ""} if unknown). */
    String method();

    /** The request path without query string; used only as a hash key for expiry tracking. */
    CharSequence path();

    /** The response status code sent; 0 if no response was sent. */
    int status();

    /** Response body bytes written; negative if unknown. */
    long responseBytes();

    /** Time from request received to response completed, in nanoseconds; negative if unknown. */
    long durationNanos();

    /** The request's headers (for CDN recognition and conditional detection). */
    HeaderSource requestHeaders();

    /** The response's headers (for freshness). */
    HeaderSource responseHeaders();

    /**
     * The client's IP address as text (IPv4 dotted quad or IPv6), or {@code null} if unknown; used
     * only by trusted-range recognition rules.
     */
    default CharSequence clientAddress() {
        return null;
    }

    /**
     * Whether the request was a conditional revalidation ({@code If-None-Match} or {@code
     * If-Modified-Since}). The default reads the request headers: {@code If-None-Match} first (CDNs
     * revalidate with the entity tag when they have one, so one lookup usually decides), then
     * {@code If-Modified-Since}; {@code false} when {@link #requestHeaders()} is {@code null}.
     * {@link CdnGuard#record(Exchange)} asks only for a 304 response.
     */
    default boolean conditional() {
        HeaderSource h = requestHeaders();
        return h != null && (h.get("if-none-match") != null || h.get("if-modified-since") != null);
    }

    /** Whether the exchange ended before the response completed (client gone, write failed). */
    default boolean aborted() {
        return false;
    }

    /**
     * The upstream backend that served this request or was tried and failed (gateways only), or
     * {@code null}.
     */
    default String backend() {
        return null;
    }

    /** Why no backend answered (gateways only), or {@code null} if none failed. */
    default UpstreamFailure failure() {
        return null;
    }
}
