package io.cdnguard.internal;

/**
 * An allocation-free scanner for {@code Cache-Control}-style directive lists ({@code Cache-Control},
 * {@code CDN-Cache-Control}, {@code Surrogate-Control}).
 *
 * <p>Grammar tolerated (RFC 9111 section 5.2 plus what real servers send): directives separated by
 * commas, optional white space anywhere between tokens and around {@code =}, names compared
 * case-insensitively and exactly ({@code max-agex} is not {@code max-age}), values as tokens or
 * quoted strings ({@code max-age="60"}) with backslash escapes, an ESI-style {@code +extension}
 * after a number ({@code max-age=60+600}, Surrogate-Control) and a {@code ;targeting} suffix,
 * both ignored. Other text between a value and the next comma ({@code max-age="6"0},
 * {@code max-age=60 x}) makes the value invalid; an unterminated quoted string is invalid and
 * swallows the rest of the field.
 *
 * <p>Numbers: a value is a delta-seconds only if it is one or more ASCII digits; {@code -5},
 * {@code abc}, {@code 1.5} and an empty value are invalid and ignored. Values past 2^31 are clamped
 * to {@link #MAX_DELTA} (RFC 9111 section 1.2.2), however many digits follow within the scanned
 * prefix (a value cut by the scan limit is ignored, see below). When a directive
 * occurs more than once, the first occurrence with a valid value wins (RFC 9111 section 4.2.1
 * allows "the first occurrence").
 *
 * <p>{@link #summarize} reads a field in a single pass and returns everything freshness needs from
 * it packed in one {@code long}: whether it decides (and how), the lifetime, and the
 * stale-while-revalidate / stale-if-error values. Stateless and lock-free (its only fields are
 * constants and two character-class tables filled in the static initializer and never written
 * again, published by class initialisation): it scans at most the first {@link Ascii#MAX_SCAN}
 * characters once and allocates nothing, so a 64 KiB header with thousands of directives costs
 * bounded work; a directive cut by that limit is ignored (a cut {@code no-cachee} is not {@code no-cache}).
 * Names shorter than 7 characters or not starting with {@code m}, {@code n},
 * {@code p} or {@code s} are skipped without comparison.
 */
final class FreshnessDirectives {

    /** The clamp for delta-seconds values: 2^31 seconds (RFC 9111 section 1.2.2). */
    static final long MAX_DELTA = 1L << 31;

    /** Summary bits 0..31: the lifetime the field decides. */
    static final long LIFETIME_MASK = 0xFFFF_FFFFL;
    /** Summary bits 32..45: stale-while-revalidate code ({@link Freshness#encodeStale}). */
    static final int SWR_SHIFT = 32;
    /** Summary bits 46..59: stale-if-error code. */
    static final int SIE_SHIFT = 46;
    /** Mask of one stale code after shifting. */
    static final long STALE_MASK = 0x3FFF;
    /** Summary flag: the field has a valid stale-while-revalidate. */
    static final long HAS_SWR = 1L << 60;
    /** Summary flag: the field has a valid stale-if-error. */
    static final long HAS_SIE = 1L << 61;
    /** Summary flag: the field makes the response uncacheable. */
    static final long UNCACHEABLE = 1L << 62;
    /** Summary flag: the field does not decide the lifetime (absent, or no deciding directive). */
    static final long UNDECIDED = 1L << 63;

    /** The summary of an absent field. */
    static final long NONE = UNDECIDED;

    private static final long INVALID = -2;

    private FreshnessDirectives() {
    }

    /** Whether a summary decides nothing. */
    static boolean undecided(long summary) {
        return (summary & UNDECIDED) != 0;
    }

    /** Whether a summary makes the response uncacheable. */
    static boolean uncacheable(long summary) {
        return (summary & UNCACHEABLE) != 0;
    }

    /**
     * Summarises one field in a single pass.
     *
     * <p>Deciding directives: {@code no-store} (any form) makes the response uncacheable; with
     * {@code cacheControlSemantics} also unqualified {@code private} (uncacheable), unqualified
     * {@code no-cache} (lifetime 0) and {@code s-maxage} (over {@code max-age}); then
     * {@code max-age}. Without {@code cacheControlSemantics} (Surrogate-Control) only {@code no-store}
     * and {@code max-age} decide. The qualified {@code private="Set-Cookie"} and
     * {@code no-cache="Set-Cookie"} only restrict some fields and do not decide.
     *
     * @param field the field value, may be {@code null}
     * @return a packed summary; {@link #NONE} for {@code null}
     */
    static long summarize(CharSequence field, boolean cacheControlSemantics) {
        if (field == null) {
            return NONE;
        }
        CharSequence s = field;
        int n = Ascii.scanLength(s);
        boolean noStore = false;
        boolean barePrivate = false;
        boolean bareNoCache = false;
        long sMaxAge = -1;
        long maxAge = -1;
        long swr = -1;
        long sie = -1;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == ',' || Ascii.isOws(c)) {
                i++;
                continue;
            }
            int nameStart = i;
            while (i < n) {
                c = s.charAt(i);
                if (c < 128 && NAME_END[c]) {
                    break;
                }
                i++;
            }
            int id = directive(s, nameStart, i);
            while (i < n && Ascii.isOws(s.charAt(i))) {
                i++;
            }
            boolean hasValue = i < n && s.charAt(i) == '=';
            long value = INVALID;
            if (hasValue) {
                i++;
                while (i < n && Ascii.isOws(s.charAt(i))) {
                    i++;
                }
                if (i < n && s.charAt(i) == '"') {
                    int start = ++i;
                    boolean escaped = false;
                    boolean closed = false;
                    while (i < n) {
                        c = s.charAt(i);
                        if (c == '\\') {
                            escaped = true;
                            i += 2;
                            continue;
                        }
                        if (c == '"') {
                            closed = true;
                            break;
                        }
                        i++;
                    }
                    if (id >= D_NUMERIC && !escaped && closed) {
                        value = number(s, start, i);
                    }
                    if (closed) {
                        i++; // closing quote
                    } else {
                        i = n;
                    }
                } else {
                    int start = i;
                    while (i < n) {
                        c = s.charAt(i);
                        if (c < 128 && VALUE_END[c]) {
                            break;
                        }
                        i++;
                    }
                    if (id >= D_NUMERIC) {
                        value = number(s, start, i);
                    }
                }
            }
            // a ";targeting" suffix is ignored; other text after the value makes it invalid
            while (i < n && Ascii.isOws(s.charAt(i))) {
                i++;
            }
            if (i < n && s.charAt(i) != ',' && s.charAt(i) != ';') {
                value = INVALID;
            }
            while (i < n && s.charAt(i) != ',') {
                i++;
            }
            if (i >= n && n < s.length() && s.charAt(n) != ',') {
                break; // cut by the scan limit: a partial name or value (no-cachee, max-age=12|34) must not count
            }
            switch (id) {
                case D_NO_STORE:
                    noStore = true;
                    break;
                case D_PRIVATE:
                    barePrivate |= !hasValue;
                    break;
                case D_NO_CACHE:
                    bareNoCache |= !hasValue;
                    break;
                case D_S_MAXAGE:
                    if (sMaxAge < 0) {
                        sMaxAge = value;
                    }
                    break;
                case D_MAX_AGE:
                    if (maxAge < 0) {
                        maxAge = value;
                    }
                    break;
                case D_SWR:
                    if (swr < 0) {
                        swr = value;
                    }
                    break;
                case D_SIE:
                    if (sie < 0) {
                        sie = value;
                    }
                    break;
                default:
                    break;
            }
        }
        long stale = (swr >= 0 ? HAS_SWR | (Freshness.encodeStale(swr) << SWR_SHIFT) : 0)
                | (sie >= 0 ? HAS_SIE | (Freshness.encodeStale(sie) << SIE_SHIFT) : 0);
        if (noStore || (cacheControlSemantics && barePrivate)) {
            return UNCACHEABLE | stale;
        }
        if (cacheControlSemantics && bareNoCache) {
            return stale;
        }
        if (cacheControlSemantics && sMaxAge >= 0) {
            return sMaxAge | stale;
        }
        if (maxAge >= 0) {
            return maxAge | stale;
        }
        return UNDECIDED | stale;
    }

    /** Characters that end a directive name: {@code , = ;} and OWS. One table load per character. */
    private static final boolean[] NAME_END = new boolean[128];
    /** Characters that end an unquoted value: {@code , ;} and OWS. */
    private static final boolean[] VALUE_END = new boolean[128];

    static {
        for (char c : new char[] {',', ';', ' ', '\t'}) {
            NAME_END[c] = true;
            VALUE_END[c] = true;
        }
        NAME_END['='] = true;
    }

    private static final int D_OTHER = 0;
    private static final int D_NO_STORE = 1;
    private static final int D_PRIVATE = 2;
    private static final int D_NO_CACHE = 3;
    /** Directives from here on take a delta-seconds value. */
    private static final int D_NUMERIC = 4;
    private static final int D_S_MAXAGE = 4;
    private static final int D_MAX_AGE = 5;
    private static final int D_SWR = 6;
    private static final int D_SIE = 7;

    private static int directive(CharSequence s, int from, int to) {
        int len = to - from;
        if (len < 7) {
            return D_OTHER; // e.g. public: the shortest known name (max-age, private) has 7 characters
        }
        // every known name starts with m, p, n or s: others need no comparison
        int first = s.charAt(from) | 0x20;
        if (first != 'm' && first != 'p' && first != 'n' && first != 's') {
            return D_OTHER;
        }
        switch (len) {
            case 7:
                if (Ascii.equalsIgnoreCase(s, from, to, "max-age")) {
                    return D_MAX_AGE;
                }
                return Ascii.equalsIgnoreCase(s, from, to, "private") ? D_PRIVATE : D_OTHER;
            case 8:
                if (Ascii.equalsIgnoreCase(s, from, to, "no-store")) {
                    return D_NO_STORE;
                }
                if (Ascii.equalsIgnoreCase(s, from, to, "s-maxage")) {
                    return D_S_MAXAGE;
                }
                return Ascii.equalsIgnoreCase(s, from, to, "no-cache") ? D_NO_CACHE : D_OTHER;
            case 14:
                return Ascii.equalsIgnoreCase(s, from, to, "stale-if-error") ? D_SIE : D_OTHER;
            case 22:
                return Ascii.equalsIgnoreCase(s, from, to, "stale-while-revalidate") ? D_SWR : D_OTHER;
            default:
                return D_OTHER;
        }
    }

    /**
     * The delta-seconds in {@code s[from, to)}: digits, optionally followed by an ESI
     * {@code +digits} extension (ignored). Clamped to {@link #MAX_DELTA}; {@code INVALID} if not a
     * number.
     */
    private static long number(CharSequence s, int from, int to) {
        if (from >= to) {
            return INVALID;
        }
        long v = 0;
        int i = from;
        while (i < to && Ascii.isDigit(s.charAt(i))) {
            if (v < MAX_DELTA) {
                v = v * 10 + (s.charAt(i) - '0');
            }
            i++;
        }
        if (i == from) {
            return INVALID;
        }
        if (i < to) {
            if (s.charAt(i) != '+' || i + 1 >= to) {
                return INVALID;
            }
            for (int j = i + 1; j < to; j++) {
                if (!Ascii.isDigit(s.charAt(j))) {
                    return INVALID;
                }
            }
        }
        return Math.min(v, MAX_DELTA);
    }
}
