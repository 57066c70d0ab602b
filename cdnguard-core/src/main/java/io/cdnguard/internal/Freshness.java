package io.cdnguard.internal;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;

/**
 * Shared-cache freshness lifetime of a response (RFC 9111, RFC 9213, RFC 5861), as a CDN in front
 * of this origin will compute it.
 *
 * <p>{@link #parse} returns a packed long; decode it with the static accessors. The first source
 * that decides wins:
 * <ol>
 *   <li>the CDN-targeted fields the fetching CDN honours (table below), if one has a deciding
 *       directive: for {@code CDN-Cache-Control} (RFC 9213) and
 *       {@code Cloudflare-CDN-Cache-Control} {@code no-store}, unqualified {@code private},
 *       unqualified {@code no-cache}, {@code s-maxage} or {@code max-age}; for
 *       {@code Surrogate-Control} (Edge Architecture 1.0) {@code no-store} or {@code max-age} (an
 *       ESI {@code max-age=60+600} extension is ignored);</li>
 *   <li>{@code Cache-Control}: {@code no-store} or unqualified {@code private} make the response
 *       {@linkplain #UNCACHEABLE uncacheable}; unqualified {@code no-cache} means lifetime 0
 *       (stored, but revalidated every time); otherwise {@code s-maxage} over {@code max-age};</li>
 *   <li>{@code Expires} minus {@code Date} (minus {@code nowMillis} when {@code Date} is missing or
 *       invalid), never below 0; an invalid {@code Expires} ({@code 0}, {@code -1}, garbage) means
 *       already expired, lifetime 0 (RFC 9111 section 5.3);</li>
 *   <li>otherwise {@link #UNKNOWN}.</li>
 * </ol>
 * {@code stale-while-revalidate} and {@code stale-if-error} (RFC 5861) come from the deciding field,
 * or from {@code Cache-Control} when the deciding field has none.
 *
 * <p>Targeted fields by CDN (a field a CDN ignores is not even looked up, which also keeps the
 * recording path short):
 * <ul>
 *   <li>Cloudflare: {@code Cloudflare-CDN-Cache-Control}, else {@code CDN-Cache-Control}; with both
 *       present Cloudflare reads only its own
 *       (developers.cloudflare.com/cache/concepts/cdn-cache-control/). No {@code Surrogate-Control}.</li>
 *   <li>Fastly: {@code Surrogate-Control}, then {@code Cache-Control} {@code s-maxage}/{@code max-age},
 *       then {@code Expires} (fastly.com/documentation/guides/full-site-delivery/caching/about-cache-control-headers).</li>
 *   <li>CloudFront: none; it reads {@code Cache-Control} ({@code s-maxage} over {@code max-age}) and
 *       {@code Expires} only (AWS CloudFront developer guide, "Managing how long content stays in the
 *       cache").</li>
 *   <li>Google Cloud CDN: none; its TTL comes from {@code max-age}, {@code s-maxage} or
 *       {@code Expires} (cloud.google.com/cdn/docs/using-ttl-overrides).</li>
 *   <li>Akamai (honours {@code CDN-Cache-Control}, and {@code Surrogate-Control} when configured),
 *       Azure, Varnish, others and an unknown CDN ({@code cdnOrdinal} -1): {@code CDN-Cache-Control},
 *       then {@code Surrogate-Control}, as before the table existed.</li>
 * </ul>
 *
 * <p>Malformed input never throws: invalid directive values ({@code max-age=abc},
 * {@code max-age=-5}) are ignored as if absent, duplicates resolve to the first valid occurrence,
 * values past 2^31 seconds clamp to 2^31 (RFC 9111 section 1.2.2). See {@link FreshnessDirectives}
 * for the grammar tolerated.
 *
 * <h2>Packing</h2>
 * Bits 0..31 hold the lifetime (0..2^31 s); bits 32..45 and 46..59 hold stale-while-revalidate and
 * stale-if-error in a 14-bit code (2-bit unit, 12-bit count: exact up to 4095 s, then rounded up to
 * whole minutes up to 4095 min, whole hours up to 4095 h, then whole days, saturating at 4095 days);
 * bit 61 is {@link #UNCACHEABLE}, bit 62 {@link #UNKNOWN}. A packed value is never negative.
 *
 * <h2>Implementation notes</h2>
 * Stateless: no fields besides constants, so it is trivially lock-free. Allocation-free: header
 * values are scanned in place through {@link CharSequence#charAt} by {@link FreshnessDirectives}
 * (one pass per field, results packed into a {@code long}; a {@code String} value is usually
 * answered from its lock-free, allocation-free memo of recent values, see "The memo" there) and
 * {@link HttpDates}; no strings, no boxing. Bounded: each header value is scanned at most once,
 * over its first {@link Ascii#MAX_SCAN} (4096) characters only. Header lookups: {@code Cache-Control} plus the fetching CDN's targeted fields (0
 * for CloudFront and Google, 1 for Fastly, 1-2 for Cloudflare, 2 otherwise), and {@code Expires}/{@code Date}
 * only when no field decided.
 */
public final class Freshness {

    private Freshness() {
    }

    /** Packed result: no freshness information at all. */
    public static final long UNKNOWN = 1L << 62;

    /** Packed result flag: not storable by a shared cache ({@code no-store}, {@code private}). */
    public static final long UNCACHEABLE = 1L << 61;

    private static final int CLOUDFRONT = Cdn.CLOUDFRONT.ordinal();
    private static final int CLOUDFLARE = Cdn.CLOUDFLARE.ordinal();
    private static final int FASTLY = Cdn.FASTLY.ordinal();
    private static final int GOOGLE = Cdn.GOOGLE.ordinal();

    private static final long LIFETIME_MASK = FreshnessDirectives.LIFETIME_MASK;
    private static final int SWR_SHIFT = FreshnessDirectives.SWR_SHIFT;
    private static final int SIE_SHIFT = FreshnessDirectives.SIE_SHIFT;
    private static final long STALE_MASK = FreshnessDirectives.STALE_MASK;

    /**
     * Parses the response headers. Allocation-free, never throws; malformed directives are ignored.
     *
     * @param response the response headers
     * @param nowMillis the current (coarse) time, used only for {@code Expires} without {@code Date}
     * @return a packed result
     */
    public static long parse(HeaderSource response, long nowMillis) {
        return parse(response, -1, nowMillis);
    }

    /**
     * Parses the response headers as the given CDN reads them: the CDN-targeted fields are looked
     * up only for the CDNs that honour them (see the class notes for the table and its sources).
     * Allocation-free, never throws; malformed directives are ignored.
     *
     * @param response the response headers
     * @param cdnOrdinal the {@link Cdn#ordinal()} of the CDN that fetched, or -1 if unknown (then
     *     every targeted field is honoured, as by {@link #parse(HeaderSource, long)})
     * @param nowMillis the current (coarse) time, used only for {@code Expires} without {@code Date}
     * @return a packed result
     */
    public static long parse(HeaderSource response, int cdnOrdinal, long nowMillis) {
        if (response == null) {
            return UNKNOWN;
        }
        long cacheControl = FreshnessDirectives.summarize(get(response, "cache-control"), true);
        long decider = FreshnessDirectives.NONE;
        if (cdnOrdinal == CLOUDFLARE) {
            // Cloudflare-CDN-Cache-Control first; with it present Cloudflare ignores CDN-Cache-Control
            CharSequence own = get(response, "cloudflare-cdn-cache-control");
            decider = own != null ? FreshnessDirectives.summarize(own, true)
                    : FreshnessDirectives.summarize(get(response, "cdn-cache-control"), true);
        } else if (cdnOrdinal == FASTLY) {
            decider = FreshnessDirectives.summarize(get(response, "surrogate-control"), false);
        } else if (cdnOrdinal != CLOUDFRONT && cdnOrdinal != GOOGLE) {
            decider = FreshnessDirectives.summarize(get(response, "cdn-cache-control"), true);
            if (FreshnessDirectives.undecided(decider)) {
                decider = FreshnessDirectives.summarize(get(response, "surrogate-control"), false);
            }
        }
        if (FreshnessDirectives.undecided(decider)) {
            decider = cacheControl;
        }
        if (FreshnessDirectives.uncacheable(decider)) {
            return UNCACHEABLE;
        }
        long lifetime;
        if (FreshnessDirectives.undecided(decider)) {
            CharSequence expires = get(response, "expires");
            if (expires == null) {
                return UNKNOWN;
            }
            lifetime = expiresLifetime(expires, get(response, "date"), nowMillis);
            decider = cacheControl;
        } else {
            lifetime = decider & FreshnessDirectives.LIFETIME_MASK;
        }
        long swr = (decider & FreshnessDirectives.HAS_SWR) != 0 ? decider : cacheControl;
        long sie = (decider & FreshnessDirectives.HAS_SIE) != 0 ? decider : cacheControl;
        return Math.min(lifetime, FreshnessDirectives.MAX_DELTA)
                | (swr & (FreshnessDirectives.STALE_MASK << SWR_SHIFT))
                | (sie & (FreshnessDirectives.STALE_MASK << SIE_SHIFT));
    }

    /** Whether a shared cache may store the response and an explicit lifetime is known. */
    public static boolean cacheable(long packed) {
        return (packed & (UNKNOWN | UNCACHEABLE)) == 0;
    }

    /** The freshness lifetime in seconds (0 for {@code no-cache} or {@code max-age=0}); meaningful when {@link #cacheable}. */
    public static long lifetimeSeconds(long packed) {
        return packed & LIFETIME_MASK;
    }

    /** {@code stale-while-revalidate} seconds, 0 if absent; exact up to 4095 s, rounded up beyond (see class notes). */
    public static long staleWhileRevalidateSeconds(long packed) {
        return cacheable(packed) ? decodeStale((packed >>> SWR_SHIFT) & STALE_MASK) : 0;
    }

    /** {@code stale-if-error} seconds, 0 if absent; exact up to 4095 s, rounded up beyond (see class notes). */
    public static long staleIfErrorSeconds(long packed) {
        return cacheable(packed) ? decodeStale((packed >>> SIE_SHIFT) & STALE_MASK) : 0;
    }

    private static long expiresLifetime(CharSequence expires, CharSequence date, long nowMillis) {
        long exp = HttpDates.parse(expires);
        if (exp == HttpDates.INVALID) {
            return 0;
        }
        long base = HttpDates.parse(date);
        if (base == HttpDates.INVALID) {
            base = nowMillis;
        }
        // both are within a few thousand years of 1970 (4-digit years) unless base is an absurd nowMillis
        long diff = exp - base;
        if ((exp ^ base) < 0 && (exp ^ diff) < 0) {
            diff = base < 0 ? Long.MAX_VALUE : Long.MIN_VALUE; // overflow: exp - base has base's opposite sign
        }
        if (diff <= 0) {
            return 0;
        }
        return Math.min(diff / 1000, FreshnessDirectives.MAX_DELTA);
    }

    static long encodeStale(long seconds) {
        if (seconds <= 0) {
            return 0;
        }
        seconds = Math.min(seconds, 4095L * 86_400);
        if (seconds <= 4095) {
            return seconds;
        }
        long minutes = (seconds + 59) / 60;
        if (minutes <= 4095) {
            return (1L << 12) | minutes;
        }
        long hours = (seconds + 3599) / 3600;
        if (hours <= 4095) {
            return (2L << 12) | hours;
        }
        long days = (seconds + 86_399) / 86_400;
        return (3L << 12) | days;
    }

    static long decodeStale(long code) {
        long count = code & 0xFFF;
        switch ((int) (code >>> 12) & 3) {
            case 0:
                return count;
            case 1:
                return count * 60;
            case 2:
                return count * 3600;
            default:
                return count * 86_400;
        }
    }

    private static CharSequence get(HeaderSource headers, String name) {
        try {
            return headers.get(name);
        } catch (RuntimeException e) {
            // a broken adapter must not break the host's request; treat as absent
            return null;
        }
    }
}
