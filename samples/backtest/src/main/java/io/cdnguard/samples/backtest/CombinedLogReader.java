package io.cdnguard.samples.backtest;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads nginx/Apache "combined" access logs:
 * {@code ip - user [10/Oct/2000:13:55:36 -0700] "GET /a.js HTTP/1.1" 200 2326 "referer" "user-agent"}.
 *
 * <p>The log records only the user agent, so CDN recognition rests on it (CloudFront sends {@code
 * Amazon CloudFront}); freshness is synthesised from a default TTL as a {@code cache-control:
 * max-age=N} response header on 200 and 304 responses, and a 304 is taken as the answer to a
 * conditional request. Lines that do not parse are counted as malformed.
 */
public final class CombinedLogReader extends TraceReader {

    private static final String[] MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    private final String cacheControl;
    private char[] chars = new char[1024];

    /**
     * Reads from {@code in}.
     *
     * @param defaultTtlSeconds the freshness lifetime to assume for 200 and 304 responses; 0 or
     *     negative for none
     */
    public CombinedLogReader(InputStream in, long defaultTtlSeconds) {
        super(in);
        this.cacheControl = defaultTtlSeconds > 0 ? "max-age=" + defaultTtlSeconds : null;
    }

    @Override
    public boolean next() throws IOException {
        while (lines.nextLine()) {
            lineNumber++;
            if (lines.tooLong()) {
                markMalformed();
                continue;
            }
            byte[] b = lines.buffer();
            int off = lines.start();
            int len = lines.length();
            if (blank(b, off, len)) {
                continue;
            }
            if (chars.length < len) {
                chars = new char[Math.max(len, chars.length * 2)];
            }
            for (int i = 0; i < len; i++) {
                chars[i] = (char) (b[off + i] & 0xFF);
            }
            exchange.reset();
            if (parse(chars, len)) {
                records++;
                return true;
            }
            markMalformed();
        }
        return false;
    }

    private boolean parse(char[] c, int n) {
        int i = 0;
        int ipEnd = indexOf(c, ' ', 0, n);
        if (ipEnd <= 0) {
            return false;
        }
        exchange.clientAddress(c, 0, ipEnd);
        int lb = indexOf(c, '[', ipEnd, n);
        int rb = lb < 0 ? -1 : indexOf(c, ']', lb, n);
        if (rb < 0) {
            return false;
        }
        long ts = parseTime(c, lb + 1, rb);
        if (ts == Rfc3339.INVALID) {
            return false;
        }
        i = rb + 1;
        i = skipSpaces(c, i, n);
        if (i >= n || c[i] != '"') {
            return false;
        }
        int reqStart = i + 1;
        int reqEnd = closingQuote(c, reqStart, n);
        if (reqEnd < 0) {
            return false;
        }
        int sp1 = indexOf(c, ' ', reqStart, reqEnd);
        if (sp1 <= reqStart) {
            return false;
        }
        int sp2 = indexOf(c, ' ', sp1 + 1, reqEnd);
        int pathEnd = sp2 < 0 ? reqEnd : sp2;
        int q = indexOf(c, '?', sp1 + 1, pathEnd);
        if (q >= 0) {
            pathEnd = q;
        }
        exchange.method(c, reqStart, sp1 - reqStart);
        exchange.path(c, sp1 + 1, pathEnd - sp1 - 1);
        i = skipSpaces(c, reqEnd + 1, n);
        int status = 0;
        int digits = 0;
        while (i < n && c[i] >= '0' && c[i] <= '9' && digits < 4) {
            status = status * 10 + (c[i] - '0');
            i++;
            digits++;
        }
        if (digits != 3 || (i < n && c[i] != ' ')) {
            return false;
        }
        exchange.status(status);
        i = skipSpaces(c, i, n);
        if (i < n && c[i] == '-') {
            i++;
        } else {
            long bytes = 0;
            int d = 0;
            while (i < n && c[i] >= '0' && c[i] <= '9' && d < 18) {
                bytes = bytes * 10 + (c[i] - '0');
                i++;
                d++;
            }
            if (d == 0) {
                return false;
            }
            exchange.bytes(bytes);
        }
        i = skipSpaces(c, i, n);
        if (i < n && c[i] == '"') { // referer
            int e = closingQuote(c, i + 1, n);
            if (e < 0) {
                return false;
            }
            if (e - i - 1 > 0 && !(e - i - 1 == 1 && c[i + 1] == '-')) {
                exchange.requestHeader("referer", c, i + 1, e - i - 1);
            }
            i = skipSpaces(c, e + 1, n);
            if (i < n && c[i] == '"') { // user agent
                int e2 = closingQuote(c, i + 1, n);
                if (e2 < 0) {
                    return false;
                }
                if (e2 - i - 1 > 0 && !(e2 - i - 1 == 1 && c[i + 1] == '-')) {
                    exchange.requestHeader("user-agent", c, i + 1, e2 - i - 1);
                }
            }
        }
        if (cacheControl != null && (status == 200 || status == 304)) {
            exchange.responseHeader("cache-control", cacheControl);
        }
        exchange.forceConditional(status == 304);
        timestamp = ts;
        return true;
    }

    /** {@code 10/Oct/2000:13:55:36 -0700} to epoch millis, or {@link Rfc3339#INVALID}. */
    static long parseTime(char[] c, int s, int e) {
        if (e - s != 26 || c[s + 2] != '/' || c[s + 6] != '/' || c[s + 11] != ':' || c[s + 14] != ':'
                || c[s + 17] != ':' || c[s + 20] != ' ') {
            return Rfc3339.INVALID;
        }
        int day = num(c, s, 2);
        int month = -1;
        for (int m = 0; m < 12; m++) {
            String name = MONTHS[m];
            if (c[s + 3] == name.charAt(0) && c[s + 4] == name.charAt(1) && c[s + 5] == name.charAt(2)) {
                month = m + 1;
                break;
            }
        }
        int year = num(c, s + 7, 4);
        int hour = num(c, s + 12, 2);
        int min = num(c, s + 15, 2);
        int sec = num(c, s + 18, 2);
        char sign = c[s + 21];
        int oh = num(c, s + 22, 2);
        int om = num(c, s + 24, 2);
        if (day < 1 || day > 31 || month < 0 || year < 0 || hour < 0 || hour > 23 || min < 0 || min > 59
                || sec < 0 || sec > 60 || (sign != '+' && sign != '-') || oh < 0 || om < 0) {
            return Rfc3339.INVALID;
        }
        long offset = (oh * 60L + om) * (sign == '-' ? -1 : 1);
        long days = Rfc3339.daysFromCivil(year, month, day);
        return (days * 86400L + hour * 3600L + min * 60L + Math.min(sec, 59) - offset * 60L) * 1000L;
    }

    private static int num(char[] c, int off, int n) {
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

    private static int indexOf(char[] c, char ch, int from, int to) {
        for (int i = from; i < to; i++) {
            if (c[i] == ch) {
                return i;
            }
        }
        return -1;
    }

    private static int skipSpaces(char[] c, int i, int n) {
        while (i < n && c[i] == ' ') {
            i++;
        }
        return i;
    }

    private static int closingQuote(char[] c, int from, int n) {
        for (int i = from; i < n; i++) {
            if (c[i] == '\\') {
                i++;
            } else if (c[i] == '"') {
                return i;
            }
        }
        return -1;
    }
}
