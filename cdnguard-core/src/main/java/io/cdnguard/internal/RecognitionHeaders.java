package io.cdnguard.internal;

import io.cdnguard.Cdn;

/**
 * Allocation-free readers for the request header values CDN recognition looks at: {@code Via}
 * entries (RFC 9110 section 7.6.3), {@code CDN-Loop} ids (RFC 8586), the shape of CDN request-id
 * headers, and POP codes.
 *
 * <p>Stateless, total, lock-free and allocation-free: values are scanned with
 * {@link CharSequence#charAt}, only their first {@link Ascii#MAX_SCAN} characters (a token running
 * into that limit of a longer value is never taken as complete: see {@link Ascii#endsAtCut}), and results are
 * returned as primitives (bit masks over {@link Cdn#ordinal()}, spans packed as
 * {@code (start << 32) | end}, a {@code Via} scan's mask and span packed together by
 * {@link #viaScan}, POP codes packed as up to 8 ASCII bytes). The only fields besides constants are
 * two character-class tables and the precomputed answers for a few exact values CDNs send, filled
 * in the static initializer and never written again, so the class initialisation publishes them
 * safely to every thread.
 *
 * <p>A value that is a {@link String} (what most servers hand out) takes fast paths with the same
 * answers: whole-value comparisons against those exact values ({@code 1.1 google},
 * {@code 1.1 akamai.net(ghost) (AkamaiGHost)}, {@code cloudflare}, ...), CloudFront's
 * {@code 1.1 <hex id>.cloudfront.net (CloudFront)} recognised whole by two intrinsic comparisons
 * and one pass over the id ({@link #cloudFrontViaIdEnd}), Varnish's
 * {@code 1.1 <host> (Varnish/<version>)} likewise ({@link #varnishViaScanned}), and String's vectorised {@code indexOf}
 * to find the separators of a {@code Via} of the usual shape ({@link #simpleScan}); any other
 * {@link CharSequence}, and any value outside these shapes, takes the general
 * character-by-character scan. The whole-value paths also say, in two flag bits of the
 * {@link #viaScan} result ({@link #SPAN_NO_POP}, {@link #SPAN_HEX_ID}), what the POP read from the
 * span will be, so the recogniser does not scan the same value a second time. None of this is a
 * memo: the exact values are what those CDNs send on every fetch, and nothing is learnt at run
 * time.
 */
final class RecognitionHeaders {

    /** Bit of the CDN in a mask returned by {@link #viaMask} or {@link #cdnLoopMask}. */
    static int bit(Cdn cdn) {
        return 1 << cdn.ordinal();
    }

    /** A span that was not found. */
    static final long NO_SPAN = -1;

    private RecognitionHeaders() {
    }

    // ------------------------------------------------------------------ Via

    /** The CDNs named by the entries of a {@code Via} value, as a bit mask (0 if none). */
    static int viaMask(CharSequence via) {
        return (int) scanVia(via, -1);
    }

    /**
     * The CDNs named by a {@code Via} value and, in the same pass, the received-by span of the
     * first entry of the first CDN in recognition order among CloudFront, Akamai and Varnish that it
     * names (the only CDNs whose POP comes from {@code Via}), so the winner's POP needs no second
     * scan, and the CDN of the last entry. Decode with {@link #scannedMask}, {@link #scannedSpanCdn},
     * {@link #scannedSpan} and {@link #scannedNearest}.
     */
    static long viaScan(CharSequence via) {
        if (via instanceof String) {
            long r = simpleScan((String) via);
            if (r != NOT_SIMPLE) {
                return r;
            }
        }
        return scanVia(via, WANT_MASK_AND_SPAN);
    }

    /**
     * {@code s.indexOf(c, from)} for {@code s} of length {@code n}: String's vectorised intrinsic
     * for a long value, a plain loop for a short one (where the intrinsic's setup costs more than it
     * saves).
     */
    private static int indexOf(String s, char c, int from, int n) {
        if (n > 24) {
            return s.indexOf(c, from);
        }
        for (int i = from; i < n; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    /** {@link #simpleScan}: the value is not of the simple shape; use {@link #scanVia}. */
    private static final long NOT_SIMPLE = -1;

    /**
     * {@link #viaScan} of a {@code Via} value of the simple shape of nearly every fetch
     * ({@code 1.1 google}, {@code 1.1 <id>.cloudfront.net (CloudFront)}, a few such entries
     * separated by commas) found by String's vectorised {@code indexOf} and a few literal
     * comparisons instead of a loop per character; {@link #NOT_SIMPLE} for anything else (a tab, a
     * comma inside parentheses, a value longer than the scan limit).
     *
     * <p>Exactly {@link #scanVia}'s answer for such a value: when every comma ends an entry (no
     * parenthesis is open at any comma) and the only white space is spaces, each entry is the text
     * between two commas, its protocol ends at its first space, its received-by at the next space
     * outside parentheses, and its comment runs to the comma. The last entry's comment runs to the
     * end of the value whatever its parentheses, so only the entries before a comma are checked
     * for parentheses left open.
     */
    private static long simpleScan(String s) {
        int n = s.length();
        // the exact values Google Cloud CDN, Azure Front Door, Fastly/Varnish and Akamai send: one
        // intrinsic comparison, the answer precomputed by scanVia itself
        int known = knownVia(n);
        if (known >= 0 && s.equals(KNOWN_VIA[known])) {
            return KNOWN_VIA_SCANNED[known];
        }
        // CloudFront's own shape, whole: two intrinsic comparisons and one pass over the id
        if (cloudFrontViaIdEnd(s) >= 0) {
            return cloudFrontViaScanned(n);
        }
        // Varnish's own shape, 1.1 <host> (Varnish/<version>)
        long varnish = varnishViaScanned(s, n);
        if (varnish != NOT_SIMPLE) {
            return varnish;
        }
        if (n > Ascii.MAX_SCAN || indexOf(s, '\t', 0, n) >= 0) {
            return NOT_SIMPLE;
        }
        int mask = 0;
        int spanCdn = -1;
        int spanRank = Integer.MAX_VALUE;
        int spanStart = 0;
        int spanEnd = 0;
        int nearest = -1;
        int pos = 0;
        while (pos < n) {
            int end = indexOf(s, ',', pos, n);
            if (end < 0) {
                end = n;
            }
            int i = pos;
            pos = end + 1;
            while (i < end && s.charAt(i) == ' ') {
                i++;
            }
            if (i == end) {
                continue; // separators only: no entry
            }
            int protoEnd = indexOf(s, ' ', i, n);
            if (protoEnd < 0 || protoEnd >= end) {
                nearest = -1; // a protocol without received-by
                continue;
            }
            int byStart = protoEnd + 1;
            while (byStart < end && s.charAt(byStart) == ' ') {
                byStart++;
            }
            if (byStart == end) {
                nearest = -1;
                continue;
            }
            int space = indexOf(s, ' ', byStart, n);
            int byEnd = space < 0 || space > end ? end : space;
            int paren = indexOf(s, '(', byStart, n);
            if (paren >= 0 && paren < byEnd) {
                // a parenthesised part in received-by (akamai.net(ghost)): spaces inside it do not end it
                int depth = 0;
                int j = byStart;
                while (j < end) {
                    char c = s.charAt(j);
                    if (c == '(') {
                        depth++;
                    } else if (c == ')') {
                        depth = Math.max(0, depth - 1);
                    } else if (depth == 0 && c == ' ') {
                        break;
                    }
                    j++;
                }
                if (depth > 0 && end < n) {
                    return NOT_SIMPLE; // the comma is inside parentheses
                }
                byEnd = j;
            }
            int commentStart = byEnd;
            while (commentStart < end && s.charAt(commentStart) == ' ') {
                commentStart++;
            }
            if (end < n && !closedAt(s, commentStart, end)) {
                return NOT_SIMPLE;
            }
            int cdn = viaEntryCdn(s, byStart, byEnd, commentStart, end);
            nearest = cdn;
            if (cdn < 0) {
                continue;
            }
            mask |= 1 << cdn;
            int rank = spanRank(cdn);
            if (rank >= 0 && rank < spanRank) {
                spanRank = rank;
                spanCdn = cdn;
                spanStart = byStart;
                spanEnd = byEnd;
            }
        }
        return mask | (long) (spanCdn + 1) << 8 | (long) spanStart << 16 | (long) spanEnd << 32
                | (long) (nearest + 1) << 48;
    }

    /**
     * Flag of a {@link #viaScan} result: the {@link #hostCode} of its span is 0 (a generic host such
     * as {@code akamai.net(ghost)}), so no POP needs to be read from it. Set only by the whole-value
     * fast paths, for a span of a CDN other than CloudFront; the general scan leaves it clear (the
     * answer is the same, only not precomputed).
     */
    static final long SPAN_NO_POP = 1L << 56;

    /**
     * Flag of a {@link #viaScan} result: its span is CloudFront's {@code <hex id>.cloudfront.net},
     * whose first 8 hex digits are the POP code ({@code CdnRecognizer}'s CloudFront host code) with
     * no second pass. Set only by the whole-value fast path; the general scan leaves it clear.
     */
    static final long SPAN_HEX_ID = 1L << 57;

    /** Both fast-path flags: mask them off to compare a fast-path result with the general scan's. */
    static final long FAST_PATH_FLAGS = SPAN_NO_POP | SPAN_HEX_ID;

    /** {@code ".cloudfront.net (CloudFront)"}: how CloudFront's own {@code Via} entry ends. */
    private static final String CLOUDFRONT_VIA_END = ".cloudfront.net (CloudFront)";

    /**
     * Where the id ends in a {@code Via} value of exactly CloudFront's shape,
     * {@code 1.1 <id>.cloudfront.net (CloudFront)} with an id of at least 8 hex digits and nothing
     * else; -1 for any other value. Such a value is one entry whose received-by is
     * {@code <id>.cloudfront.net} (no comma, space or parenthesis in it) and whose comment is
     * {@code (CloudFront)}, so its {@link #viaScan} is known without scanning
     * ({@link #cloudFrontViaScanned}); {@code startsWith} and {@code endsWith} are intrinsics, and
     * only the id is read character by character.
     */
    static int cloudFrontViaIdEnd(String s) {
        int n = s.length();
        int idEnd = n - CLOUDFRONT_VIA_END.length();
        if (idEnd < 12 || n > Ascii.MAX_SCAN || !s.endsWith(CLOUDFRONT_VIA_END) || !s.startsWith("1.1 ")) {
            return -1;
        }
        for (int i = 4; i < idEnd; i++) {
            if (!Ascii.isHexFast(s.charAt(i))) {
                return -1;
            }
        }
        return idEnd;
    }

    /** The {@link #viaScan} of a value of length {@code n} for which {@link #cloudFrontViaIdEnd} is not -1. */
    private static long cloudFrontViaScanned(int n) {
        return (1L << CLOUDFRONT) | (long) (CLOUDFRONT + 1) << 8 | 4L << 16 | (long) (n - 13) << 32
                | (long) (CLOUDFRONT + 1) << 48 | SPAN_HEX_ID;
    }

    /** {@code " (Varnish/"}: what separates Varnish's host from its version in its own {@code Via} entry. */
    private static final String VARNISH_VIA_COMMENT = " (Varnish/";

    /**
     * The {@link #viaScan} of a {@code Via} value of exactly the shape Varnish 5 and later send,
     * {@code 1.1 <host> (Varnish/<version>)} with a host of lower-case letters, digits, {@code -} and
     * {@code .} and a version of digits and dots; {@link #NOT_SIMPLE} for any other value. Such a
     * value is one entry (no comma, tab or space in host or version) whose received-by is the host
     * and whose comment is {@code (Varnish/<version>)}, so the general scan's separators are known,
     * and the entry's CDN is {@link #viaEntryCdn}'s answer found with String's intrinsics (Varnish,
     * unless the lower-case host itself names another CDN: the comment names only Varnish). When
     * the host's first label contains {@code varnish} ({@code varnish}, {@code varnish-fra-3}),
     * {@link #hostCode} is 0 and the result says so ({@link #SPAN_NO_POP}), so the POP needs no
     * second pass either. Stateless, allocation-free, never throws (like every reader here).
     */
    private static long varnishViaScanned(String s, int n) {
        if (n < 17 || n > Ascii.MAX_SCAN || s.charAt(n - 1) != ')' || !s.startsWith("1.1 ")) {
            return NOT_SIMPLE;
        }
        int k = s.indexOf(VARNISH_VIA_COMMENT, 4);
        if (k <= 4) {
            return NOT_SIMPLE;
        }
        for (int i = k + VARNISH_VIA_COMMENT.length(); i < n - 1; i++) {
            char c = s.charAt(i);
            if ((c < '0' || c > '9') && c != '.') {
                return NOT_SIMPLE;
            }
        }
        int labelEnd = k;
        for (int i = k - 1; i >= 4; i--) {
            char c = s.charAt(i);
            if (c == '.') {
                labelEnd = i; // the first dot, found last
            } else if ((c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-') {
                return NOT_SIMPLE;
            }
        }
        // viaEntryCdn's answer, in its order, by String's intrinsics: the host is lower case and the
        // comment (Varnish/<digits and dots>) names Varnish and nothing else
        int hostLen = k - 4;
        int akamai = s.indexOf("akamai", 4);
        int cdn;
        if (hostLen > 15 && s.startsWith(".cloudfront.net", k - 15)) {
            cdn = CLOUDFRONT;
        } else if (akamai >= 0 && akamai + 6 <= k) {
            cdn = AKAMAI;
        } else if (hostLen == 5 && s.startsWith("azure", 4)) {
            cdn = AZURE;
        } else if (hostLen == 6 && s.startsWith("google", 4)) {
            cdn = GOOGLE;
        } else {
            cdn = VARNISH;
        }
        long scanned = (long) (cdn + 1) << 48 | 1L << cdn;
        if (spanRank(cdn) >= 0) {
            scanned |= (long) (cdn + 1) << 8 | 4L << 16 | (long) k << 32;
            if (cdn == VARNISH) {
                int v = s.indexOf("varnish", 4);
                if (v >= 0 && v + 7 <= labelEnd) {
                    scanned |= SPAN_NO_POP; // hostCode: a label naming varnish is generic
                }
            }
        }
        return scanned;
    }

    /**
     * The exact {@code Via} values CDNs send to origins whatever the request (no per-request id in
     * them), so a whole-value comparison answers for them: Azure Front Door's, Google Cloud CDN's,
     * a bare Varnish's, and Akamai's (its edge and, with tiered distribution, its parent tier).
     * Their {@link #viaScan} answers are computed by the general scan in the static initializer.
     */
    private static final String[] KNOWN_VIA = {
        "1.1 Azure",
        "1.1 google",
        "1.1 varnish",
        "1.1 akamai.net(ghost) (AkamaiGHost)",
        "1.1 v1-akamaitech.net(ghost) (AkamaiGHost)",
        "1.1 v1-akamaitech.net(ghost) (AkamaiGHost), 1.1 akamai.net(ghost) (AkamaiGHost)",
    };

    /** The index in {@link #KNOWN_VIA} of the only value of length {@code n} there, or -1 (lengths are distinct). */
    static int knownVia(int n) {
        switch (n) {
            case 9:
                return 0;
            case 10:
                return 1;
            case 11:
                return 2;
            case 35:
                return 3;
            case 42:
                return 4;
            case 79:
                return 5;
            default:
                return -1;
        }
    }

    /** Whether no parenthesis is left open at {@code to}, scanning {@code s[from, to)} from depth 0 as {@link #scanVia} does. */
    private static boolean closedAt(CharSequence s, int from, int to) {
        int depth = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            }
        }
        return depth == 0;
    }

    /** The CDN mask of a {@link #viaScan} result. */
    static int scannedMask(long scanned) {
        return (int) scanned & 0xFF;
    }

    /** The CDN ordinal whose span a {@link #viaScan} result holds, or -1. */
    static int scannedSpanCdn(long scanned) {
        return ((int) (scanned >>> 8) & 0xF) - 1;
    }

    /** The span (as {@link #viaReceivedBy} returns it) of a {@link #viaScan} result that holds one. */
    static long scannedSpan(long scanned) {
        return ((scanned >>> 16) & 0xFFFF) << 32 | ((scanned >>> 32) & 0xFFFF);
    }

    /**
     * The CDN ordinal of the last {@code Via} entry of a {@link #viaScan} result, or -1 if that entry
     * names no CDN (a corporate proxy, a malformed entry) or there is none. Each intermediary appends
     * its entry (RFC 9110 section 7.6.3), so this is the hop nearest the origin.
     */
    static int scannedNearest(long scanned) {
        return ((int) (scanned >>> 48) & 0xF) - 1;
    }

    private static final int WANT_MASK = -1;
    private static final int WANT_MASK_AND_SPAN = -2;

    /** Rank of a CDN for the span {@link #viaScan} keeps (lower wins), or -1 if its POP is not in Via. */
    private static int spanRank(int cdn) {
        if (cdn == CLOUDFRONT) {
            return 0;
        }
        if (cdn == AKAMAI) {
            return 1;
        }
        return cdn == VARNISH ? 2 : -1;
    }

    /**
     * The received-by span of the first {@code Via} entry attributed to {@code cdn}, or
     * {@link #NO_SPAN}.
     */
    static long viaReceivedBy(CharSequence via, Cdn cdn) {
        if (via instanceof String && spanRank(cdn.ordinal()) >= 0) {
            long r = simpleScan((String) via);
            if (r != NOT_SIMPLE) {
                if (scannedSpanCdn(r) == cdn.ordinal()) {
                    return scannedSpan(r); // the first entry of the best-ranked CDN named: this one
                }
                if ((scannedMask(r) & (1 << cdn.ordinal())) == 0) {
                    return NO_SPAN;
                }
            }
        }
        return scanVia(via, cdn.ordinal());
    }

    /**
     * One pass over the {@code Via} entries. Each entry is
     * {@code received-protocol RWS received-by [RWS comment]}; entries are separated by commas
     * outside comments. With {@link #WANT_MASK} returns the mask of CDNs seen, with
     * {@link #WANT_MASK_AND_SPAN} the {@link #viaScan} result, else the received-by span of the first
     * entry attributed to CDN ordinal {@code want}.
     */
    private static long scanVia(CharSequence s, int want) {
        int n = Ascii.scanLength(s);
        int mask = 0;
        int spanCdn = -1;
        int spanRank = Integer.MAX_VALUE;
        int spanStart = 0;
        int spanEnd = 0;
        int nearest = -1;
        int i = 0;
        while (i < n) {
            // skip separators
            char c = s.charAt(i);
            if (c == ',' || Ascii.isOws(c)) {
                i++;
                continue;
            }
            // received-protocol
            int protoStart = i;
            while (i < n && !Ascii.isOws(c = s.charAt(i)) && c != ',') {
                i++;
            }
            int protoEnd = i;
            while (i < n && Ascii.isOws(s.charAt(i))) {
                i++;
            }
            // received-by (may contain a parenthesised part without space, e.g. akamai.net(ghost))
            int byStart = i;
            int depth = 0;
            while (i < n) {
                c = s.charAt(i);
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth = Math.max(0, depth - 1);
                } else if (depth == 0 && (c == ',' || Ascii.isOws(c))) {
                    break;
                }
                i++;
            }
            int byEnd = i;
            while (i < n && Ascii.isOws(s.charAt(i))) {
                i++;
            }
            // optional comment and anything else up to the next comma outside parentheses
            int commentStart = i;
            depth = 0;
            while (i < n) {
                c = s.charAt(i);
                if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth = Math.max(0, depth - 1);
                } else if (c == ',' && depth == 0) {
                    break;
                }
                i++;
            }
            int commentEnd = i;
            if (commentEnd == n && Ascii.isCut(s)) {
                // the entry runs into the scan limit: its received-by or comment may continue
                // unseen (google-evil.example cut to google), so it names no CDN
                nearest = -1;
                break;
            }
            if (protoEnd == protoStart || byEnd == byStart) {
                nearest = -1;
                continue;
            }
            int cdn = viaEntryCdn(s, byStart, byEnd, commentStart, commentEnd);
            nearest = cdn;
            if (cdn < 0) {
                continue;
            }
            if (want < 0) {
                mask |= 1 << cdn;
                int rank = spanRank(cdn);
                if (want == WANT_MASK_AND_SPAN && rank >= 0 && rank < spanRank) {
                    spanRank = rank;
                    spanCdn = cdn;
                    spanStart = byStart;
                    spanEnd = byEnd;
                }
            } else if (cdn == want) {
                return ((long) byStart << 32) | byEnd;
            }
        }
        if (want == WANT_MASK_AND_SPAN) {
            return mask | (long) (spanCdn + 1) << 8 | (long) spanStart << 16 | (long) spanEnd << 32
                    | (long) (nearest + 1) << 48;
        }
        return want < 0 ? mask : NO_SPAN;
    }

    private static final int CLOUDFRONT = Cdn.CLOUDFRONT.ordinal();
    private static final int AKAMAI = Cdn.AKAMAI.ordinal();
    private static final int AZURE = Cdn.AZURE.ordinal();
    private static final int GOOGLE = Cdn.GOOGLE.ordinal();
    private static final int VARNISH = Cdn.VARNISH.ordinal();

    /**
     * The CDN ordinal a single Via entry names, or -1 (a corporate proxy, a plain server): CloudFront
     * ({@code (CloudFront)} comment or a {@code .cloudfront.net} host), else Akamai
     * ({@code AkamaiGHost} in the comment or {@code akamai} in the host), else Azure (host
     * {@code azure}), else Google (host {@code google}), else Varnish ({@code varnish} in host or
     * comment). Each literal is tried only where a length or a first letter admits it, and host and
     * comment are each searched once for both of their substrings.
     */
    private static int viaEntryCdn(CharSequence s, int byStart, int byEnd, int cStart, int cEnd) {
        int byLen = byEnd - byStart;
        int cLen = cEnd - cStart;
        if ((cLen == 12 && Ascii.equalsIgnoreCase(s, cStart, cEnd, "(cloudfront)"))
                || (byLen > 15 && (s.charAt(byEnd - 1) | 0x20) == 't' && endsWithIgnoreCase(s, byStart, byEnd, ".cloudfront.net"))) {
            return CLOUDFRONT;
        }
        int inBy = findAkamaiOrVarnish(s, byStart, byEnd, "akamai");
        if (inBy == AKAMAI) {
            return AKAMAI;
        }
        int inComment = cLen >= 7 ? findAkamaiOrVarnish(s, cStart, cEnd, "akamaighost") : -1;
        if (inComment == AKAMAI) {
            return AKAMAI;
        }
        if (byLen == 5 && Ascii.equalsIgnoreCase(s, byStart, byEnd, "azure")) {
            return AZURE;
        }
        if (byLen == 6 && Ascii.equalsIgnoreCase(s, byStart, byEnd, "google")) {
            return GOOGLE;
        }
        return inBy == VARNISH || inComment == VARNISH ? VARNISH : -1;
    }

    /**
     * One pass over {@code s[from, to)} for {@code akamai} (AKAMAI, which wins at once) and
     * {@code varnish} (VARNISH), ignoring ASCII case; -1 if neither. {@code c | 0x20} equals a
     * lower-case letter only for that letter in either case, so it filters exactly and
     * {@link Ascii#regionMatches} confirms.
     */
    private static int findAkamaiOrVarnish(CharSequence s, int from, int to, String akamaiNeedle) {
        int end = Math.min(to, s.length());
        int lastA = end - akamaiNeedle.length();
        int lastV = end - 7;
        int found = -1;
        for (int i = Math.max(0, from); i <= lastV || i <= lastA; i++) {
            int c = s.charAt(i) | 0x20;
            if (c == 'a') {
                if (i <= lastA && Ascii.regionMatches(s, i, akamaiNeedle)) {
                    return AKAMAI;
                }
            } else if (c == 'v' && found < 0 && i <= lastV && Ascii.regionMatches(s, i, "varnish")) {
                found = VARNISH;
            }
        }
        return found;
    }

    private static boolean endsWithIgnoreCase(CharSequence s, int from, int to, String lowerSuffix) {
        int start = to - lowerSuffix.length();
        return start > from && Ascii.regionMatches(s, start, lowerSuffix);
    }

    // ------------------------------------------------------------------ CDN-Loop

    /**
     * The CDNs named by a {@code CDN-Loop} value (RFC 8586: comma-separated cdn-ids, each a
     * pseudonym or host[:port], with optional {@code ;parameters}), as a bit mask; any non-empty id
     * not known is {@link Cdn#OTHER}.
     */
    static int cdnLoopMask(CharSequence s) {
        return loopMask(cdnLoopScan(s));
    }

    /**
     * {@link #cdnLoopMask} and, in the same pass, the last known (not {@link Cdn#OTHER}) id: each CDN
     * appends its id to the field (RFC 8586), so the last known id names the nearest of the CDNs that
     * add one. Decode with {@link #loopMask} and {@link #loopNearest}.
     */
    static int cdnLoopScan(CharSequence s) {
        if (s instanceof String) {
            // the exact values Cloudflare and Fastly send: one intrinsic comparison, the answer
            // precomputed by the general scan below
            String v = (String) s;
            switch (v.length()) {
                case 6:
                    if (v.equals("Fastly")) {
                        return LOOP_FASTLY;
                    }
                    break;
                case 10:
                    if (v.equals("cloudflare")) {
                        return LOOP_CLOUDFLARE;
                    }
                    break;
                default:
                    break;
            }
        }
        int n = Ascii.scanLength(s);
        int mask = 0;
        int nearest = -1;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (c == ',' || Ascii.isOws(c)) {
                i++;
                continue;
            }
            int start = i;
            while (i < n && (c = s.charAt(i)) != ',' && c != ';' && !Ascii.isOws(c)) {
                i++;
            }
            int end = i;
            if (Ascii.endsAtCut(s, end)) {
                break; // the id may continue past the scan limit (cloudflare-evil cut to cloudflare)
            }
            while (i < n && s.charAt(i) != ',') {
                i++;
            }
            int id = cdnLoopId(s, start, end);
            if (id >= 0) {
                mask |= 1 << id;
                if (id != OTHER) {
                    nearest = id;
                }
            }
        }
        return mask | (nearest + 1) << 16;
    }

    /** The CDN mask of a {@link #cdnLoopScan} result. */
    static int loopMask(int scanned) {
        return scanned & 0xFFFF;
    }

    /** The CDN ordinal of the last known id of a {@link #cdnLoopScan} result, or -1 if there is none. */
    static int loopNearest(int scanned) {
        return (scanned >>> 16) - 1;
    }

    private static final int OTHER = Cdn.OTHER.ordinal();

    /**
     * The CDN ordinal of one cdn-id, or -1 if it is not a plausible id (empty, over 255 chars, odd
     * characters). Known pseudonyms are told apart by length first, so an id is compared with at most
     * two literals.
     */
    private static int cdnLoopId(CharSequence s, int start, int end) {
        int len = end - start;
        if (len <= 0 || len > 255) {
            return -1;
        }
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !LOOP_ID_CHARS[c]) {
                return -1;
            }
        }
        switch (len) {
            case 5:
                return Ascii.equalsIgnoreCase(s, start, end, "azure") ? AZURE : OTHER;
            case 6:
                if (Ascii.equalsIgnoreCase(s, start, end, "fastly")) {
                    return FASTLY;
                }
                if (Ascii.equalsIgnoreCase(s, start, end, "akamai")) {
                    return AKAMAI;
                }
                return Ascii.equalsIgnoreCase(s, start, end, "google") ? GOOGLE : OTHER;
            case 7:
                return Ascii.equalsIgnoreCase(s, start, end, "varnish") ? VARNISH : OTHER;
            case 10:
                if (Ascii.equalsIgnoreCase(s, start, end, "cloudflare")) {
                    return CLOUDFLARE;
                }
                return Ascii.equalsIgnoreCase(s, start, end, "cloudfront") ? CLOUDFRONT : OTHER;
            case 14:
                return Ascii.equalsIgnoreCase(s, start, end, "azurefrontdoor") ? AZURE : OTHER;
            default:
                return OTHER;
        }
    }

    private static final int FASTLY = Cdn.FASTLY.ordinal();
    private static final int CLOUDFLARE = Cdn.CLOUDFLARE.ordinal();

    /** Characters of a plausible cdn-id: {@code [A-Za-z0-9._:\[\]-]}, one table load per character. */
    private static final boolean[] LOOP_ID_CHARS = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            LOOP_ID_CHARS[c] = Ascii.isAlnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
        }
    }

    // ------------------------------------------------------------------ value shapes

    /**
     * Whether a trimmed value is a token of {@code min..max} characters from
     * {@code [A-Za-z0-9+/=_-]} (base64 or base64url request ids such as {@code X-Amz-Cf-Id},
     * {@code X-Azure-Ref}). Rejects spoof probes such as {@code "test"}, {@code "1"} or
     * {@code "127.0.0.1"}.
     */
    static boolean isIdToken(CharSequence s, int min, int max) {
        if (Ascii.isCut(s)) {
            return false; // a whole-value shape: the end of a cut value is not seen
        }
        int n = Ascii.scanLength(s);
        int from = 0;
        while (from < n && Ascii.isOws(s.charAt(from))) {
            from++;
        }
        int to = n;
        while (to > from && Ascii.isOws(s.charAt(to - 1))) {
            to--;
        }
        int len = to - from;
        if (len < min || len > max) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= 128 || !ID_CHARS[c]) {
                return false;
            }
        }
        return true;
    }

    /** {@code [A-Za-z0-9+/=_-]}: one table load per character instead of a chain of ranges. */
    private static final boolean[] ID_CHARS = new boolean[128];

    static {
        for (char c = 0; c < 128; c++) {
            ID_CHARS[c] = Ascii.isAlnum(c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-';
        }
    }

    /** Whether a trimmed value is 1 to {@code maxDigits} ASCII digits ({@code Akamai-Origin-Hop}). */
    static boolean isSmallNumber(CharSequence s, int maxDigits) {
        if (Ascii.isCut(s)) {
            return false; // a whole-value shape: the end of a cut value is not seen
        }
        int n = Ascii.scanLength(s);
        int from = 0;
        while (from < n && Ascii.isOws(s.charAt(from))) {
            from++;
        }
        int to = n;
        while (to > from && Ascii.isOws(s.charAt(to - 1))) {
            to--;
        }
        if (to == from || to - from > maxDigits) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!Ascii.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether a value starts (after OWS) with a digit: {@code X-Varnish: 2313353937}. */
    static boolean startsWithDigit(CharSequence s) {
        int n = Ascii.scanLength(s);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!Ascii.isOws(c)) {
                return Ascii.isDigit(c);
            }
        }
        return false;
    }

    /**
     * Whether a value has the shape of a Cloudflare ray id: 8 to 32 hex digits, optionally followed
     * by {@code -} and a 2 to 8 letter colo code ({@code 7a1b2c3d4e5f6a7b-FRA}).
     */
    static boolean isRayId(CharSequence s) {
        if (Ascii.isCut(s)) {
            return false; // a whole-value shape: the end of a cut value is not seen
        }
        int n = Ascii.scanLength(s);
        int from = 0;
        while (from < n && Ascii.isOws(s.charAt(from))) {
            from++;
        }
        int to = n;
        while (to > from && Ascii.isOws(s.charAt(to - 1))) {
            to--;
        }
        int i = from;
        while (i < to && Ascii.isHex(s.charAt(i))) {
            i++;
        }
        int hex = i - from;
        if (hex < 8 || hex > 32) {
            return false;
        }
        if (i == to) {
            return true;
        }
        if (s.charAt(i) != '-') {
            return false;
        }
        int suffix = to - i - 1;
        if (suffix < 2 || suffix > 8) {
            return false;
        }
        for (int j = i + 1; j < to; j++) {
            if (!Ascii.isLetter(s.charAt(j))) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ POP codes

    /**
     * Packs {@code s[from, to)} (letters and digits only, 1 to 8 of them) upper-cased into a POP
     * code, or 0.
     */
    static long code(CharSequence s, int from, int to) {
        int len = to - from;
        if (s == null || from < 0 || len < 1 || len > 8 || to > s.length()) {
            return 0;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!Ascii.isAlnum(c)) {
                return 0;
            }
            v = (v << 8) | Ascii.upper(c);
        }
        return v;
    }

    /**
     * The letter run after the last {@code -} of {@code s[from, to)}: the POP of
     * {@code cache-fra19120-FRA} or {@code 7a1b2c3d4e5f6a7b-FRA}; 0 if there is none or it is not
     * 2 to 8 letters.
     */
    static long letterSuffixAfterDash(CharSequence s, int from, int to) {
        if (Ascii.endsAtCut(s, to)) {
            return 0; // the letter run may continue past the scan limit
        }
        int dash = -1;
        for (int i = to - 1; i >= from; i--) {
            if (s.charAt(i) == '-') {
                dash = i;
                break;
            }
        }
        if (dash < 0) {
            return 0;
        }
        int end = to;
        while (end > dash + 1 && Ascii.isOws(s.charAt(end - 1))) {
            end--;
        }
        int len = end - dash - 1;
        if (len < 2 || len > 8) {
            return 0;
        }
        for (int i = dash + 1; i < end; i++) {
            if (!Ascii.isLetter(s.charAt(i))) {
                return 0;
            }
        }
        return code(s, dash + 1, end);
    }

    /** The leading letters (2 to 8) of a trimmed value: {@code FRA56-P5} gives {@code FRA}; else 0. */
    static long leadingLetters(CharSequence s) {
        if (s instanceof String) {
            // CloudFront's X-Amz-Cf-Pop as sent (FRA56-P5): three upper-case letters, then a
            // non-letter; the same answer as the general path (no OWS before a letter, a run of 3,
            // nothing cut within the first 4 characters, code() of upper-case letters is themselves)
            String v = (String) s;
            if (v.length() >= 4) {
                char c0 = v.charAt(0);
                char c1 = v.charAt(1);
                char c2 = v.charAt(2);
                char c3 = v.charAt(3);
                if (isUpper(c0) && isUpper(c1) && isUpper(c2) && !Ascii.isLetter(c3)) {
                    return (long) c0 << 16 | (long) c1 << 8 | c2;
                }
            }
        }
        return leadingLettersChars(s);
    }

    /** {@link #leadingLetters} without the fast path: the general scan (package-private for the property test). */
    static long leadingLettersChars(CharSequence s) {
        int n = Ascii.scanLength(s);
        int from = 0;
        while (from < n && Ascii.isOws(s.charAt(from))) {
            from++;
        }
        int i = from;
        while (i < n && Ascii.isLetter(s.charAt(i))) {
            i++;
        }
        if (Ascii.endsAtCut(s, i)) {
            return 0; // the letter run may continue past the scan limit
        }
        int len = i - from;
        if (len < 2 || len > 8) {
            return 0;
        }
        return code(s, from, i);
    }

    /** End of the first comma-separated entry of a value (its scanned length if there is no comma). */
    static int firstEntryEnd(CharSequence s) {
        int n = Ascii.scanLength(s);
        if (s instanceof String) {
            int comma = ((String) s).indexOf(','); // vectorised
            return comma >= 0 && comma < n ? comma : n;
        }
        for (int i = 0; i < n; i++) {
            if (s.charAt(i) == ',') {
                return i;
            }
        }
        return n;
    }

    /**
     * A POP code from the host in a received-by span: an IATA-like token of exactly three upper-case
     * letters delimited by non-letters ({@code cache-FRA-12.example}) if there is one, else the first
     * DNS label when it identifies an edge host: up to 8 letters and digits upper-cased, the first 8
     * characters of a longer hex label (a CloudFront edge id), or an 8-character base-32 hash of any
     * other label. A generic label ({@code varnish}, {@code akamai...}) gives 0.
     */
    static long hostCode(CharSequence s, int from, int to) {
        // strip a "(ghost)" style suffix; in the same pass, note whether an IATA token is possible
        boolean upper = false;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '(') {
                to = i;
                break;
            }
            upper |= isUpper(c);
        }
        for (int i = from; upper && i + 3 <= to; i++) {
            if (isUpper(s.charAt(i)) && (i == from || !Ascii.isLetter(s.charAt(i - 1)))
                    && isUpper(s.charAt(i + 1)) && isUpper(s.charAt(i + 2))
                    && (i + 3 == to || !Ascii.isLetter(s.charAt(i + 3)))) {
                return code(s, i, i + 3);
            }
        }
        int labelEnd = from;
        while (labelEnd < to && s.charAt(labelEnd) != '.' && s.charAt(labelEnd) != ':') {
            labelEnd++;
        }
        int len = labelEnd - from;
        if (len == 0 || Ascii.indexOfIgnoreCase(s, from, labelEnd, "akamai") >= 0
                || Ascii.indexOfIgnoreCase(s, from, labelEnd, "varnish") >= 0) {
            return 0;
        }
        boolean alnum = true;
        boolean hex = true;
        for (int i = from; i < labelEnd; i++) {
            char c = s.charAt(i);
            alnum &= Ascii.isAlnum(c);
            hex &= Ascii.isHex(c);
        }
        if (alnum && len <= 8) {
            return code(s, from, labelEnd);
        }
        if (hex) {
            return code(s, from, from + 8);
        }
        // FNV-1a, 40 bits, as 8 base-32 characters A-Z2-7
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < labelEnd; i++) {
            h ^= Ascii.lower(s.charAt(i));
            h *= 0x100000001b3L;
        }
        long v = 0;
        for (int k = 0; k < 8; k++) {
            int d = (int) (h >>> (5 * k)) & 31;
            v = (v << 8) | (d < 26 ? 'A' + d : '2' + d - 26);
        }
        return v;
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    // Last in the class: initialised after every constant scanVia reads (class initialisation runs
    // in textual order).
    private static final long[] KNOWN_VIA_SCANNED = new long[KNOWN_VIA.length];

    static {
        for (int k = 0; k < KNOWN_VIA.length; k++) {
            String v = KNOWN_VIA[k];
            long scanned = scanVia(v, WANT_MASK_AND_SPAN);
            int spanCdn = scannedSpanCdn(scanned);
            if (spanCdn >= 0 && spanCdn != CLOUDFRONT) {
                long span = scannedSpan(scanned);
                if (hostCode(v, (int) (span >>> 32), (int) span) == 0) {
                    scanned |= SPAN_NO_POP;
                }
            }
            KNOWN_VIA_SCANNED[k] = scanned;
        }
    }

    private static final int LOOP_FASTLY = cdnLoopScan(new StringBuilder("Fastly"));
    private static final int LOOP_CLOUDFLARE = cdnLoopScan(new StringBuilder("cloudflare"));
}
