package io.cdnguard.internal;

/**
 * Allocation-free ASCII helpers for scanning header values held as {@link CharSequence}.
 *
 * <p>Every method is static, stateless and total: {@code null} sequences behave as empty, indices
 * are clamped, non-ASCII characters never match an ASCII literal. Nothing here allocates, so the
 * helpers are safe on the recording hot path from any number of threads.
 *
 * <p>All scans are bounded by {@link #MAX_SCAN}: only the first 4 KiB of a header value are ever
 * looked at, whatever its length, so a hostile 64 KiB header costs at most a few microseconds.
 * A value longer than that is <em>cut</em> ({@link #isCut}): its end is never seen, so a token that
 * runs up to the scan limit may continue past it ({@code no-cache} read from a cut
 * {@code no-cachee}). Helpers that decide on a whole value or on a token's end answer "no match" for
 * a cut value rather than a partial one ({@link #trimmedEqualsIgnoreCase}); scanners check
 * {@link #endsAtCut} before taking a token that ends at the limit as complete.
 */
final class Ascii {

    /** The longest prefix of any header value that recognition and freshness parsing scan: 4096 chars. */
    static final int MAX_SCAN = 4096;

    private Ascii() {
    }

    /** The scanned length of {@code s}: its length capped at {@link #MAX_SCAN}, 0 for {@code null}. */
    static int scanLength(CharSequence s) {
        if (s == null) {
            return 0;
        }
        int n = s.length();
        return n > MAX_SCAN ? MAX_SCAN : n;
    }

    /** Whether {@code s} is longer than {@link #MAX_SCAN}, so that its end is never scanned. */
    static boolean isCut(CharSequence s) {
        return s != null && s.length() > MAX_SCAN;
    }

    /**
     * Whether a token of {@code s} that a bounded scan ended at {@code end} ends at the scan limit of
     * a cut value, so that it may continue past what was scanned and must not be taken as complete.
     */
    static boolean endsAtCut(CharSequence s, int end) {
        return end >= MAX_SCAN && isCut(s);
    }

    /** ASCII lower case of {@code c}; other characters unchanged. */
    static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    /** ASCII upper case of {@code c}; other characters unchanged. */
    static char upper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 32) : c;
    }

    static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAlnum(char c) {
        return isLetter(c) || isDigit(c);
    }

    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * {@link #isHex} with one branch instead of three: {@code c | 0x20} folds upper to lower case
     * (and maps no other character into {@code a-f}), and each range test is a single comparison
     * (a character below the range wraps to a large value). For tight loops over long hex runs.
     */
    static boolean isHexFast(char c) {
        return ((c - '0') & 0xFFFF) < 10 | (((c | 0x20) - 'a') & 0xFFFF) < 6;
    }

    /** Optional white space (RFC 9110 OWS): space or horizontal tab. */
    static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** Whether {@code s} is {@code null} or has only OWS in its scanned prefix. */
    static boolean isBlank(CharSequence s) {
        int n = scanLength(s);
        for (int i = 0; i < n; i++) {
            if (!isOws(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code s[from, to)} equals {@code lowerLiteral} ignoring ASCII case.
     *
     * @param lowerLiteral an ASCII literal in lower case
     */
    static boolean equalsIgnoreCase(CharSequence s, int from, int to, String lowerLiteral) {
        if (s == null || from < 0 || to > s.length() || to - from != lowerLiteral.length()) {
            return false;
        }
        for (int i = 0; i < lowerLiteral.length(); i++) {
            if (lower(s.charAt(from + i)) != lowerLiteral.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code s} starts at {@code from} with {@code lowerLiteral} ignoring ASCII case. */
    static boolean regionMatches(CharSequence s, int from, String lowerLiteral) {
        if (s == null || from < 0 || from + lowerLiteral.length() > s.length()) {
            return false;
        }
        for (int i = 0; i < lowerLiteral.length(); i++) {
            if (lower(s.charAt(from + i)) != lowerLiteral.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The first index in {@code s[from, to)} where {@code lowerNeedle} starts ignoring ASCII case, or
     * -1. {@code to} is clamped to the sequence length.
     */
    static int indexOfIgnoreCase(CharSequence s, int from, int to, String lowerNeedle) {
        if (s == null) {
            return -1;
        }
        int end = Math.min(to, s.length()) - lowerNeedle.length();
        if (lowerNeedle.isEmpty()) {
            return from <= end ? from : -1;
        }
        // (c | 0x20) == first holds for both cases of a letter (and for a few other characters),
        // so it is a cheap filter: regionMatches confirms every candidate, first character included
        int first = lowerNeedle.charAt(0) | 0x20;
        for (int i = Math.max(0, from); i <= end; i++) {
            if ((s.charAt(i) | 0x20) == first && regionMatches(s, i, lowerNeedle)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the scanned prefix of {@code s} contains {@code lowerNeedle} ignoring ASCII case. */
    static boolean containsIgnoreCase(CharSequence s, String lowerNeedle) {
        return indexOfIgnoreCase(s, 0, scanLength(s), lowerNeedle) >= 0;
    }

    /**
     * Whether {@code s}, with leading and trailing OWS removed, equals {@code lowerLiteral} ignoring
     * case. A cut value ({@link #isCut}) never does: its end, trailing OWS or not, is not seen.
     */
    static boolean trimmedEqualsIgnoreCase(CharSequence s, String lowerLiteral) {
        if (isCut(s)) {
            return false;
        }
        int n = scanLength(s);
        int from = 0;
        while (from < n && isOws(s.charAt(from))) {
            from++;
        }
        int to = n;
        while (to > from && isOws(s.charAt(to - 1))) {
            to--;
        }
        return equalsIgnoreCase(s, from, to, lowerLiteral);
    }

    /** Whether {@code s} starts (after leading OWS) with {@code lowerLiteral} ignoring ASCII case. */
    static boolean startsWithIgnoreCase(CharSequence s, String lowerLiteral) {
        int n = scanLength(s);
        int from = 0;
        while (from < n && isOws(s.charAt(from))) {
            from++;
        }
        return regionMatches(s, from, lowerLiteral);
    }
}
