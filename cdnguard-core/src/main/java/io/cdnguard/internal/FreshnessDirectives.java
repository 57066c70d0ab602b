package io.cdnguard.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
 * stale-while-revalidate / stale-if-error values. Lock-free (its fields are constants, two
 * character-class tables filled in the static initializer and never written again, published by
 * class initialisation, and the memo below): it scans at most the first {@link Ascii#MAX_SCAN}
 * characters once and allocates nothing, so a 64 KiB header with thousands of directives costs
 * bounded work; a directive cut by that limit is ignored (a cut {@code no-cachee} is not {@code no-cache}).
 * Names shorter than 7 characters or not starting with {@code m}, {@code n},
 * {@code p} or {@code s} are skipped without comparison.
 *
 * <p>Two scanners implement the grammar: {@link #scanChars} all of it over any
 * {@code CharSequence}; {@link #fastScan} the plain form real servers send
 * ({@code public, max-age=3600}) over a {@code String}, with the {@code String}'s own
 * {@code indexOf} and {@code startsWith}, handing anything else (quotes, upper case, white space
 * around {@code =}, {@code +ext}, {@code ;targeting}) to {@code scanChars}. A differential property test checks that
 * they agree on generated directive soup.
 *
 * <h2>The memo</h2>
 * A summary is a pure function of the field's characters and {@code cacheControlSemantics}, and
 * the same few {@code Cache-Control} values come back on almost every response: an application's
 * constants, which Jetty's {@code HttpFields} and Tomcat's {@code MimeHeaders} hand back as the very
 * {@code String} instance the application set ({@code HttpServletResponse.getHeader}), Jetty's
 * pre-encoded fields, and values built per response ({@code "public, max-age=" + ttl}, as in the
 * Netty sample) that are new instances with the same few contents. So {@link #summarize} keeps,
 * per semantics, a direct-mapped table of {@value #MEMO_SLOTS} (value, summary) pairs for
 * {@code String} values of at most {@value #MEMO_MAX_LENGTH} characters (other
 * {@code CharSequence}s may be mutable, for example a reused {@code StringBuilder}, and are always
 * scanned). The slot comes from a fingerprint (length, last four characters and the characters at
 * a quarter, half and three quarters: seven loads, not a pass over the value); a hit is confirmed with {@link String#equals} (identity first, then an
 * intrinsic array compare), so a fingerprint collision costs a scan, never a wrong answer.
 *
 * <p>Implementation notes (the memo is on the recording hot path, read by every request thread):
 * each slot is a seqlock, the pattern of {@code StampedLock}'s optimistic reads and of H.-J. Boehm,
 * "Can seqlocks get along with programming language memory models?" (MSPC 2012):
 * {@code MEMO_LONGS[2 * slot]} is the slot's version (odd while a writer is inside),
 * {@code MEMO_LONGS[2 * slot + 1]} the summary, {@code MEMO_KEYS[slot]} the value.
 * <ul>
 *   <li>A reader loads the version with acquire semantics, then the key and the summary (opaque),
 *       then issues {@link VarHandle#acquireFence()} and loads the version again; it uses the pair
 *       only if both versions are equal and even. Any write that the key or summary load observed
 *       began with an odd version store that is ordered before it (below), and the second version
 *       load is ordered after both data loads by the fence, so it sees that odd or a later version
 *       and the pair is rejected: an accepted pair was written by one writer, completely.</li>
 *   <li>A writer (only after a miss, having scanned the value) enters by a {@code compareAndSet} of
 *       the version from even to odd, issues {@link VarHandle#releaseFence()} so that the odd
 *       version is visible before either data store, stores key and summary (opaque), and leaves
 *       with a release store of version + 2. A writer that finds the slot odd or loses the CAS simply
 *       does not cache (it already has its answer): no spinning, no blocking, no lock.</li>
 *   <li>Allocation-free: the tables are allocated once in the static initialiser; a miss stores a
 *       reference to the caller's {@code String} and a {@code long}. The key read without a
 *       happens-before edge is safe to use: a {@code String}'s fields are final, so any reference to
 *       it sees it fully constructed.</li>
 *   <li>Bounded: at most {@code 2 * }{@value #MEMO_SLOTS} values of at most
 *       {@value #MEMO_MAX_LENGTH} characters are retained (about 128 KiB at worst).</li>
 *   <li>Many distinct values in one slot (thousands of per-asset lifetimes) make every lookup a miss
 *       and a slot write; that costs one scan (as without the memo) plus the CAS and a cache line
 *       moving between cores, never a wrong result.</li>
 * </ul>
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
        if (field instanceof String) {
            String value = (String) field;
            int len = value.length();
            if (len <= MEMO_MAX_LENGTH && len > 0) {
                return memoized(value, len, cacheControlSemantics);
            }
        }
        return scan(field, cacheControlSemantics);
    }

    /** Values longer than this are always scanned (and never retained by the memo). */
    static final int MEMO_MAX_LENGTH = 128;
    /** Slots per semantics in the memo; a power of two. */
    static final int MEMO_SLOTS = 256;
    private static final int MEMO_BITS = Integer.numberOfTrailingZeros(MEMO_SLOTS);
    /** The memo's values: slot {@code i} of Cache-Control semantics, {@code MEMO_SLOTS + i} of Surrogate-Control. */
    private static final Object[] MEMO_KEYS = new Object[2 * MEMO_SLOTS];
    /** Per slot: {@code [2 * slot]} the seqlock version, {@code [2 * slot + 1]} the summary. */
    private static final long[] MEMO_LONGS = new long[4 * MEMO_SLOTS];
    private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /**
     * The memo slot of a non-empty value: a fingerprint of its length, its last four characters
     * (where the number of a trailing {@code max-age} is) and the characters at a quarter, half and
     * three quarters of it, multiplied and cut to {@link #MEMO_BITS}, in the table half of its
     * semantics. Seven loads, not a pass over the value (a fresh value per response would pay
     * {@link String#hashCode()} in full).
     */
    static int memoSlot(String value, int len, boolean cacheControlSemantics) {
        int last = len - 1;
        long tail = value.charAt(last) | (long) value.charAt(Math.max(last - 1, 0)) << 16
                | (long) value.charAt(Math.max(last - 2, 0)) << 32 | (long) value.charAt(Math.max(last - 3, 0)) << 48;
        long spread = value.charAt(len >> 2) | (long) value.charAt(len >> 1) << 16
                | (long) value.charAt((3 * len) >> 2) << 32 | (long) len << 48;
        long f = tail * 0xC2B2AE3D27D4EB4FL ^ spread * 0x9E3779B97F4A7C15L;
        int slot = (int) ((f ^ f >>> 29) * 0xBF58476D1CE4E5B9L >>> (64 - MEMO_BITS));
        return cacheControlSemantics ? slot : slot + MEMO_SLOTS;
    }

    private static long memoized(String value, int len, boolean cacheControlSemantics) {
        int slot = memoSlot(value, len, cacheControlSemantics);
        int v = slot << 1;
        long version = (long) LONGS.getAcquire(MEMO_LONGS, v);
        Object key = KEYS.getOpaque(MEMO_KEYS, slot);
        long summary = (long) LONGS.getOpaque(MEMO_LONGS, v + 1);
        VarHandle.acquireFence();
        if ((version & 1) == 0 && version == (long) LONGS.getOpaque(MEMO_LONGS, v)
                && (key == value || value.equals(key))) {
            return summary;
        }
        summary = scan(value, cacheControlSemantics);
        long now = (long) LONGS.getOpaque(MEMO_LONGS, v);
        if ((now & 1) == 0 && LONGS.compareAndSet(MEMO_LONGS, v, now, now + 1)) {
            VarHandle.releaseFence(); // the odd version is visible before the data stores
            KEYS.setOpaque(MEMO_KEYS, slot, value);
            LONGS.setOpaque(MEMO_LONGS, v + 1, summary);
            LONGS.setRelease(MEMO_LONGS, v, now + 2);
        }
        return summary;
    }

    /** {@link #summarize} without the memo: one pass over the field. */
    static long scan(CharSequence field, boolean cacheControlSemantics) {
        if (field instanceof String && field.length() <= Ascii.MAX_SCAN) {
            long summary = fastScan((String) field, cacheControlSemantics);
            if (summary != BAIL) {
                return summary;
            }
        }
        return scanChars(field, cacheControlSemantics);
    }

    /** {@link #fastScan}'s "not the plain form, ask {@link #scanChars}"; no summary has both bits. */
    static final long BAIL = UNDECIDED | UNCACHEABLE;

    /**
     * The plain form real servers send, over a {@code String}, with the {@code String}'s own bulk
     * operations instead of a decision per character (the character-by-character scanner costs
     * about 1.4 ns a character on the benchmark mix, mostly data-dependent branches): one intrinsic
     * {@link String#indexOf(int)}
     * for quotes over the whole field, one {@link String#indexOf(int, int)} per directive to find its
     * comma, and {@link String#startsWith(String, int)} (a plain byte loop) against the lower-case
     * names. Accepted: {@code ,}-separated directives with spaces or tabs between them, known names
     * in lower case, each followed by the comma, the end, or {@code =} and (for the numeric ones)
     * nothing but digits up to the comma or the end. Anything else returns {@link #BAIL} and the
     * field is read again by {@link #scanChars}, which implements the whole grammar: a quote anywhere,
     * a known name in another case (or a name of another case that starts like one), white space
     * or {@code ;} after a known name, a numeric value with {@code +}, {@code ;}, white space or
     * other text. On the fields it accepts the two agree (a differential property test checks it).
     * The caller guarantees {@code s.length() <= MAX_SCAN}, so nothing is cut.
     */
    static long fastScan(String s, boolean cacheControlSemantics) {
        if (s.indexOf('"') >= 0) {
            return BAIL;
        }
        int n = s.length();
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
            if (c == ',' || c == ' ' || c == '\t') {
                i++;
                continue;
            }
            int end = s.indexOf(',', i);
            if (end < 0) {
                end = n;
            }
            int id;
            int nameLength;
            switch (c) {
                case 'm':
                    if (s.startsWith("max-age", i)) {
                        id = D_MAX_AGE;
                        nameLength = 7;
                    } else if (s.startsWith("must-", i)) {
                        id = D_OTHER; // must-revalidate, must-understand: 'u' rules out max-age in any case
                        nameLength = 0;
                    } else {
                        return BAIL;
                    }
                    break;
                case 'p':
                    if (s.startsWith("private", i)) {
                        id = D_PRIVATE;
                        nameLength = 7;
                    } else if (s.startsWith("pu", i) || s.startsWith("pro", i)) {
                        id = D_OTHER; // public, proxy-revalidate: 'u', 'o' rule out private in any case
                        nameLength = 0;
                    } else {
                        return BAIL;
                    }
                    break;
                case 'n':
                    if (s.startsWith("no-store", i)) {
                        id = D_NO_STORE;
                        nameLength = 8;
                    } else if (s.startsWith("no-cache", i)) {
                        id = D_NO_CACHE;
                        nameLength = 8;
                    } else if (s.startsWith("no-transform", i)) {
                        id = D_OTHER;
                        nameLength = 0;
                    } else {
                        return BAIL;
                    }
                    break;
                case 's':
                    if (s.startsWith("s-maxage", i)) {
                        id = D_S_MAXAGE;
                        nameLength = 8;
                    } else if (s.startsWith("stale-while-revalidate", i)) {
                        id = D_SWR;
                        nameLength = 22;
                    } else if (s.startsWith("stale-if-error", i)) {
                        id = D_SIE;
                        nameLength = 14;
                    } else {
                        return BAIL;
                    }
                    break;
                case 'M':
                case 'N':
                case 'P':
                case 'S':
                    return BAIL; // maybe a known name in upper or mixed case
                default:
                    id = D_OTHER; // no known name starts with another character, in any case
                    nameLength = 0;
                    break;
            }
            if (id == D_OTHER) {
                i = end; // no quotes in the field: the directive, value included, ends at its comma
                continue;
            }
            int nameEnd = i + nameLength;
            i = end;
            boolean hasValue = false;
            long value = INVALID;
            if (nameEnd < end) {
                c = s.charAt(nameEnd);
                if (c != '=') {
                    if (c < 128 && NAME_END[c]) {
                        return BAIL; // white space or ';' after the name
                    }
                    continue; // a longer name (max-agex, no-stores): not a known one
                }
                hasValue = true;
                if (id >= D_NUMERIC) {
                    int from = nameEnd + 1;
                    if (from < end) {
                        long v = 0;
                        for (int k = from; k < end; k++) {
                            int d = s.charAt(k) - '0';
                            if (d < 0 || d > 9) {
                                return BAIL; // "+ext", ";x", white space, junk: the full grammar decides
                            }
                            if (v < MAX_DELTA) {
                                v = v * 10 + d;
                            }
                        }
                        value = Math.min(v, MAX_DELTA);
                    }
                }
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
                default: // D_SIE
                    if (sie < 0) {
                        sie = value;
                    }
                    break;
            }
        }
        return pack(cacheControlSemantics, noStore, barePrivate, bareNoCache, sMaxAge, maxAge, swr, sie);
    }

    /** The full grammar over any {@code CharSequence}, its first {@link Ascii#MAX_SCAN} characters. */
    static long scanChars(CharSequence field, boolean cacheControlSemantics) {
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
        return pack(cacheControlSemantics, noStore, barePrivate, bareNoCache, sMaxAge, maxAge, swr, sie);
    }

    /** Packs what a scan found into a summary (values negative when absent or invalid). */
    private static long pack(boolean cacheControlSemantics, boolean noStore, boolean barePrivate,
            boolean bareNoCache, long sMaxAge, long maxAge, long swr, long sie) {
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
