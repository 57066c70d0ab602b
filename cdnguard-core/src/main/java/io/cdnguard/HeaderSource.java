package io.cdnguard;

/**
 * A read-only view of one message's HTTP headers, as the adapter already holds them.
 *
 * <p>cdnguard reads headers through this accessor so that it never copies a header map: a Netty
 * adapter wraps {@code HttpHeaders}, a servlet adapter wraps the request or response, a backtest
 * wraps the recorded JSON object. Implementations must not allocate per call where the underlying
 * store does not.
 */
@FunctionalInterface
public interface HeaderSource {

    /** A source with no headers. */
    HeaderSource EMPTY = name -> null;

    /**
     * Returns the first value of the named header, or {@code null} if absent.
     *
     * @param lowerCaseName the header name in lower case, e.g. {@code "cache-control"}; lookups
     *     must be case-insensitive with respect to the stored names
     * @return the value, or {@code null}
     */
    CharSequence get(String lowerCaseName);
}
