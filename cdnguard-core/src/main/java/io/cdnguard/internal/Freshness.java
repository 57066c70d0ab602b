package io.cdnguard.internal;

import io.cdnguard.HeaderSource;

/**
 * Shared-cache freshness lifetime of a response (RFC 9111, RFC 9213, RFC 5861). CONTRACT STUB: the
 * freshness work replaces the body; the signatures are the contract the engine codes against.
 *
 * <p>{@link #parse} returns a packed long; decode it with the static accessors.
 */
public final class Freshness {

    private Freshness() {
    }

    /**
     * Parses the response headers. Allocation-free, never throws; malformed directives are ignored.
     *
     * @param response the response headers
     * @param nowMillis the current (coarse) time, used only for {@code Expires} without {@code Date}
     * @return a packed result
     */
    public static long parse(HeaderSource response, long nowMillis) {
        return UNKNOWN;
    }

    /** Packed result: no freshness information at all. */
    public static final long UNKNOWN = 1L << 62;

    /** Packed result flag: not storable by a shared cache ({@code no-store}, {@code private}). */
    public static final long UNCACHEABLE = 1L << 61;

    /** Whether a shared cache may store the response and an explicit lifetime is known. */
    public static boolean cacheable(long packed) {
        return (packed & (UNKNOWN | UNCACHEABLE)) == 0;
    }

    /** The freshness lifetime in seconds (0 for {@code no-cache} or {@code max-age=0}); meaningful when {@link #cacheable}. */
    public static long lifetimeSeconds(long packed) {
        return packed & 0xFF_FFFF_FFFFL;
    }

    /** {@code stale-while-revalidate} seconds, 0 if absent. */
    public static long staleWhileRevalidateSeconds(long packed) {
        return 0;
    }

    /** {@code stale-if-error} seconds, 0 if absent. */
    public static long staleIfErrorSeconds(long packed) {
        return 0;
    }
}
