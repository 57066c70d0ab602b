package io.cdnguard.samples.backtest;

/**
 * Allocation-free parsing of RFC 3339 timestamps ({@code 2021-04-04T02:14:00.123Z}, any fraction,
 * {@code Z} or a {@code +hh:mm} offset; a space instead of {@code T} is accepted) and formatting in
 * UTC with {@code Z}.
 */
public final class Rfc3339 {

    /** Returned by {@link #parse} for text that is not a timestamp. */
    public static final long INVALID = Long.MIN_VALUE;

    private Rfc3339() {
    }

    /** Parses a timestamp into epoch milliseconds, or {@link #INVALID}. */
    public static long parse(CharSequence s) {
        int n = s.length();
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = s.charAt(i);
        }
        return parse(c, 0, n);
    }

    /** Parses {@code len} chars at {@code off} into epoch milliseconds, or {@link #INVALID}. */
    public static long parse(char[] c, int off, int len) {
        if (len < 19) {
            return INVALID;
        }
        long minute = minute(c, off);
        return minute == INVALID ? INVALID : rest(c, off, len, minute);
    }

    /** Length of the minute prefix {@code yyyy-mm-ddThh:mm} that {@link #minute} reads. */
    static final int MINUTE_PREFIX = 16;

    /**
     * The first {@value #MINUTE_PREFIX} chars at {@code off}, {@code yyyy-mm-ddThh:mm} (any of
     * {@code T}, {@code t}, space), as seconds since the epoch of that minute in the timestamp's own
     * offset, or {@link #INVALID}.
     */
    static long minute(char[] c, int off) {
        int year = digits(c, off, 4);
        int month = digits(c, off + 5, 2);
        int day = digits(c, off + 8, 2);
        int hour = digits(c, off + 11, 2);
        int min = digits(c, off + 14, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23
                || min < 0 || min > 59 || c[off + 4] != '-' || c[off + 7] != '-' || c[off + 13] != ':') {
            return INVALID;
        }
        char t = c[off + 10];
        if (t != 'T' && t != 't' && t != ' ') {
            return INVALID;
        }
        if (day > daysInMonth(year, month)) {
            return INVALID;
        }
        return daysFromCivil(year, month, day) * 86400L + hour * 3600L + min * 60L;
    }

    /**
     * The rest of a timestamp of {@code len >= 19} chars at {@code off} whose minute prefix is
     * {@code minute} ({@link #minute}, valid): {@code :ss}, the fraction and the zone; epoch
     * milliseconds or {@link #INVALID}.
     */
    private static long rest(char[] c, int off, int len, long minute) {
        int sec = digits(c, off + 17, 2);
        if (sec < 0 || sec > 60 || c[off + 16] != ':') {
            return INVALID;
        }
        int end = off + len;
        int i = off + 19;
        long millis = 0;
        if (i < end && c[i] == '.') {
            i++;
            int fracStart = i;
            int scale = 100;
            while (i < end && c[i] >= '0' && c[i] <= '9') {
                millis += (c[i] - '0') * scale;
                scale /= 10;
                i++;
            }
            if (i == fracStart) {
                return INVALID;
            }
        }
        if (i >= end) {
            return INVALID; // RFC 3339 requires a zone
        }
        int offsetMinutes;
        char z = c[i];
        if (z == 'Z' || z == 'z') {
            offsetMinutes = 0;
            i++;
        } else if ((z == '+' || z == '-') && i + 6 <= end && c[i + 3] == ':') {
            int oh = digits(c, i + 1, 2);
            int om = digits(c, i + 4, 2);
            if (oh < 0 || oh > 23 || om < 0 || om > 59) {
                return INVALID;
            }
            offsetMinutes = (oh * 60 + om) * (z == '-' ? -1 : 1);
            i += 6;
        } else {
            return INVALID;
        }
        if (i != end) {
            return INVALID;
        }
        long secs = minute + Math.min(sec, 59) - offsetMinutes * 60L;
        return secs * 1000L + millis;
    }

    /**
     * {@link Rfc3339#parse(char[], int, int)} for a stream of timestamps: it remembers the last
     * valid minute prefix ({@code yyyy-mm-ddThh:mm}) and its value, so a timestamp in the same minute
     * as the one before (nearly every line of a busy trace) costs a 16-char comparison and the
     * seconds, fraction and zone. The same result as {@code parse} for every input (tested on random
     * ones). Not thread-safe: a reader owns one.
     */
    static final class Stream {
        private final char[] prefix = new char[MINUTE_PREFIX];
        private long minute = INVALID;

        /** Parses {@code len} chars at {@code off} into epoch milliseconds, or {@link #INVALID}. */
        long parse(char[] c, int off, int len) {
            if (len < 19) {
                return INVALID;
            }
            long m = minute;
            if (m == INVALID || !java.util.Arrays.equals(prefix, 0, MINUTE_PREFIX, c, off, off + MINUTE_PREFIX)) {
                m = Rfc3339.minute(c, off);
                if (m == INVALID) {
                    return INVALID;
                }
                System.arraycopy(c, off, prefix, 0, MINUTE_PREFIX);
                minute = m;
            }
            return rest(c, off, len, m);
        }
    }

    private static int digits(char[] c, int off, int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
            char ch = c[off + i];
            if (ch < '0' || ch > '9') {
                return -1;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    private static int daysInMonth(int y, int m) {
        switch (m) {
            case 2:
                return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
            case 4: case 6: case 9: case 11:
                return 30;
            default:
                return 31;
        }
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
    static long daysFromCivil(long y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = (y >= 0 ? y : y - 399) / 400;
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }

    /** Formats epoch milliseconds as RFC 3339 UTC with {@code Z}; milliseconds only when not zero. */
    public static String format(long epochMillis) {
        StringBuilder sb = new StringBuilder(24);
        formatTo(epochMillis, sb);
        return sb.toString();
    }

    /** Appends the {@link #format} of {@code epochMillis} to {@code sb}. */
    public static void formatTo(long epochMillis, StringBuilder sb) {
        long secs = Math.floorDiv(epochMillis, 1000L);
        int ms = (int) Math.floorMod(epochMillis, 1000L);
        long days = Math.floorDiv(secs, 86400L);
        int sod = (int) Math.floorMod(secs, 86400L);
        // civil from days
        long z = days + 719468;
        long era = (z >= 0 ? z : z - 146096) / 146097;
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long y = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int d = (int) (doy - (153 * mp + 2) / 5 + 1);
        int m = (int) (mp < 10 ? mp + 3 : mp - 9);
        y += m <= 2 ? 1 : 0;
        pad(sb, y, 4).append('-');
        pad(sb, m, 2).append('-');
        pad(sb, d, 2).append('T');
        pad(sb, sod / 3600, 2).append(':');
        pad(sb, sod / 60 % 60, 2).append(':');
        pad(sb, sod % 60, 2);
        if (ms != 0) {
            sb.append('.');
            pad(sb, ms, 3);
        }
        sb.append('Z');
    }

    private static StringBuilder pad(StringBuilder sb, long v, int width) {
        String s = Long.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
