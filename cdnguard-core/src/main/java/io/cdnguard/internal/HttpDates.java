package io.cdnguard.internal;

/**
 * Parses HTTP dates (RFC 9110 section 5.6.7) into epoch milliseconds without allocating.
 *
 * <p>Accepts the three formats a recipient must accept:
 * <ul>
 *   <li>IMF-fixdate: {@code Sun, 06 Nov 1994 08:49:37 GMT}</li>
 *   <li>obsolete RFC 850: {@code Sunday, 06-Nov-94 08:49:37 GMT} (two-digit years 70..99 are
 *       19xx, 00..69 are 20xx)</li>
 *   <li>ANSI C asctime: {@code Sun Nov  6 08:49:37 1994}</li>
 * </ul>
 * Leading and trailing white space is tolerated; the day name is checked only for being letters
 * (it is redundant with the date); the zone must be {@code GMT} (or {@code UTC}, which some
 * servers send). Anything else, including out-of-range fields and text over 256 characters,
 * returns {@link #INVALID}.
 *
 * <p>Stateless and allocation-free: safe on the hot path from any thread.
 */
public final class HttpDates {

    /** Returned for text that is not an HTTP date. */
    public static final long INVALID = Long.MIN_VALUE;

    /** Longer text is not a date, however much white space pads it. */
    private static final int MAX_LENGTH = 256;

    private HttpDates() {
    }

    /**
     * Parses an HTTP date.
     *
     * @param text the header value, may be {@code null}
     * @return epoch milliseconds, or {@link #INVALID}
     */
    public static long parse(CharSequence text) {
        if (text == null || text.length() > MAX_LENGTH) {
            return INVALID;
        }
        int n = text.length();
        int p = 0;
        while (p < n && Ascii.isOws(text.charAt(p))) {
            p++;
        }
        while (n > p && Ascii.isOws(text.charAt(n - 1))) {
            n--;
        }
        // day name: letters
        int nameStart = p;
        while (p < n && Ascii.isLetter(text.charAt(p))) {
            p++;
        }
        int nameLen = p - nameStart;
        if (nameLen < 3 || p >= n) {
            return INVALID;
        }
        char sep = text.charAt(p);
        if (sep == ',') {
            p++;
            if (p >= n || text.charAt(p) != ' ') {
                return INVALID;
            }
            p++;
            if (nameLen == 3) {
                return imfFixdate(text, p, n);
            }
            return rfc850(text, p, n);
        }
        if (sep == ' ' && nameLen == 3) {
            return asctime(text, p + 1, n);
        }
        return INVALID;
    }

    // "06 Nov 1994 08:49:37 GMT"
    private static long imfFixdate(CharSequence s, int p, int n) {
        if (n - p != 24) {
            return INVALID;
        }
        int day = digits(s, p, 2);
        if (s.charAt(p + 2) != ' ' || s.charAt(p + 6) != ' ') {
            return INVALID;
        }
        int month = month(s, p + 3);
        int year = digits(s, p + 7, 4);
        if (s.charAt(p + 11) != ' ') {
            return INVALID;
        }
        return timeAndZone(s, p + 12, n, year, month, day);
    }

    // "06-Nov-94 08:49:37 GMT"
    private static long rfc850(CharSequence s, int p, int n) {
        if (n - p != 22) {
            return INVALID;
        }
        int day = digits(s, p, 2);
        if (s.charAt(p + 2) != '-' || s.charAt(p + 6) != '-' || s.charAt(p + 9) != ' ') {
            return INVALID;
        }
        int month = month(s, p + 3);
        int yy = digits(s, p + 7, 2);
        if (yy < 0) {
            return INVALID;
        }
        int year = yy < 70 ? 2000 + yy : 1900 + yy;
        return timeAndZone(s, p + 10, n, year, month, day);
    }

    // "Nov  6 08:49:37 1994"
    private static long asctime(CharSequence s, int p, int n) {
        if (n - p != 20) {
            return INVALID;
        }
        int month = month(s, p);
        if (s.charAt(p + 3) != ' ') {
            return INVALID;
        }
        int day;
        if (s.charAt(p + 4) == ' ') {
            day = digits(s, p + 5, 1);
        } else {
            day = digits(s, p + 4, 2);
        }
        if (s.charAt(p + 6) != ' ' || s.charAt(p + 15) != ' ') {
            return INVALID;
        }
        int year = digits(s, p + 16, 4);
        long t = time(s, p + 7);
        return combine(year, month, day, t);
    }

    // "08:49:37 GMT"
    private static long timeAndZone(CharSequence s, int p, int n, int year, int month, int day) {
        if (n - p != 12 || s.charAt(p + 8) != ' ') {
            return INVALID;
        }
        if (!Ascii.equalsIgnoreCase(s, p + 9, p + 12, "gmt") && !Ascii.equalsIgnoreCase(s, p + 9, p + 12, "utc")) {
            return INVALID;
        }
        return combine(year, month, day, time(s, p));
    }

    /** Seconds of the day for "hh:mm:ss" at p, or -1. */
    private static long time(CharSequence s, int p) {
        if (s.charAt(p + 2) != ':' || s.charAt(p + 5) != ':') {
            return -1;
        }
        int h = digits(s, p, 2);
        int m = digits(s, p + 3, 2);
        int sec = digits(s, p + 6, 2);
        if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60) {
            return -1;
        }
        return h * 3600L + m * 60L + Math.min(sec, 59);
    }

    private static long combine(int year, int month, int day, long secondsOfDay) {
        if (year < 0 || month < 1 || day < 1 || secondsOfDay < 0 || day > daysInMonth(year, month)) {
            return INVALID;
        }
        return (daysFromCivil(year, month, day) * 86_400L + secondsOfDay) * 1000L;
    }

    /**
     * Month 1..12 from a three-letter name at p (case-insensitive), or -1: the three ASCII-lowered
     * characters packed into an int and switched on (one lookup, not up to twelve comparisons).
     */
    private static int month(CharSequence s, int p) {
        char c0 = s.charAt(p);
        char c1 = s.charAt(p + 1);
        char c2 = s.charAt(p + 2);
        if ((c0 | c1 | c2) >= 128) {
            return -1;
        }
        switch (Ascii.lower(c0) << 16 | Ascii.lower(c1) << 8 | Ascii.lower(c2)) {
            case 'j' << 16 | 'a' << 8 | 'n':
                return 1;
            case 'f' << 16 | 'e' << 8 | 'b':
                return 2;
            case 'm' << 16 | 'a' << 8 | 'r':
                return 3;
            case 'a' << 16 | 'p' << 8 | 'r':
                return 4;
            case 'm' << 16 | 'a' << 8 | 'y':
                return 5;
            case 'j' << 16 | 'u' << 8 | 'n':
                return 6;
            case 'j' << 16 | 'u' << 8 | 'l':
                return 7;
            case 'a' << 16 | 'u' << 8 | 'g':
                return 8;
            case 's' << 16 | 'e' << 8 | 'p':
                return 9;
            case 'o' << 16 | 'c' << 8 | 't':
                return 10;
            case 'n' << 16 | 'o' << 8 | 'v':
                return 11;
            case 'd' << 16 | 'e' << 8 | 'c':
                return 12;
            default:
                return -1;
        }
    }

    /** The decimal value of exactly {@code count} digits at p, or -1. */
    private static int digits(CharSequence s, int p, int count) {
        int v = 0;
        for (int i = 0; i < count; i++) {
            char c = s.charAt(p + i);
            if (!Ascii.isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static int daysInMonth(int year, int month) {
        switch (month) {
            case 2:
                boolean leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
                return leap ? 29 : 28;
            case 4:
            case 6:
            case 9:
            case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
    static long daysFromCivil(int year, int month, int day) {
        long y = month <= 2 ? year - 1 : year;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }
}
