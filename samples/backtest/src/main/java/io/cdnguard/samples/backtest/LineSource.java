package io.cdnguard.samples.backtest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Splits a byte stream into lines without copying them: the current line is {@code length()} bytes
 * of {@code buffer()} at {@code start()}. A trailing {@code \r} is dropped; a last line without a
 * newline is returned as is. Lines longer than {@code maxLine} bytes are skipped and reported with
 * {@link #tooLong()}, so memory stays bounded whatever the input.
 *
 * <p>The newline search reads eight bytes at a time (SWAR: a word whose byte equals {@code \n}
 * XORs to a zero byte, found with the classic {@code (x - 0x01..) & ~x & 0x80..} test), which
 * matters at several hundred bytes per line.
 */
final class LineSource implements Closeable {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

    private final InputStream in;
    private final int maxLine;
    private byte[] buf;
    private int pos;
    private int limit;
    private int scanFrom;
    private boolean eof;
    private boolean skipping;
    /** Times the buffer was refilled (its pending bytes moved, replaced or appended to). */
    private int refills;

    private int lineStart;
    private int lineLen;
    private boolean tooLong;

    LineSource(InputStream in, int maxLine) {
        this.in = in;
        this.maxLine = Math.max(1024, maxLine);
        this.buf = new byte[Math.min(1 << 18, this.maxLine)];
    }

    /** Advances to the next line; false at the end of the input. */
    boolean nextLine() throws IOException {
        while (true) {
            int i = indexOfNewline(buf, scanFrom, limit);
            if (i >= 0) {
                takeLine(i);
                tooLong = skipping;
                skipping = false;
                if (tooLong) {
                    lineLen = 0;
                }
                return true;
            }
            scanFrom = limit;
            if (eof) {
                if (pos < limit || skipping) {
                    lineStart = pos;
                    lineLen = skipping ? 0 : limit - pos;
                    tooLong = skipping;
                    skipping = false;
                    pos = limit;
                    scanFrom = limit;
                    return true;
                }
                return false;
            }
            refills++;
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                scanFrom -= pos;
                pos = 0;
            }
            if (limit == buf.length) {
                if (buf.length < maxLine) {
                    byte[] bigger = new byte[Math.min(maxLine, buf.length * 2)];
                    System.arraycopy(buf, 0, bigger, 0, limit);
                    buf = bigger;
                } else {
                    skipping = true; // discard the overlong line's bytes so far
                    limit = 0;
                    scanFrom = 0;
                }
            }
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                eof = true;
            } else {
                limit += n;
            }
        }
    }

    /**
     * Where the next line starts: the index in {@link #buffer()} {@link #nextLine} continues from
     * (valid while {@link #refills()} stays the same).
     */
    int position() {
        return pos;
    }

    /**
     * Makes the line from {@link #position()} to the newline at {@code newline} (found by the
     * caller, who checked that no other newline comes before it and that it lies below {@link
     * #limit()}) the current line, exactly as {@link #nextLine} would have: a trailing {@code \r}
     * dropped, the next line starting after the newline.
     */
    void advanceTo(int newline) {
        takeLine(newline);
        tooLong = false;
    }

    /** The line from {@code pos} to the newline at {@code newline} becomes the current one (a trailing {@code \r} dropped). */
    private void takeLine(int newline) {
        lineStart = pos;
        int end = newline;
        if (end > pos && buf[end - 1] == '\r') {
            end--;
        }
        lineLen = end - pos;
        pos = newline + 1;
        scanFrom = pos;
    }

    /** Index of the first {@code \n} in {@code b[from, to)}, or -1. */
    static int indexOfNewline(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES;
            long t = (x - ONES) & ~x & HIGHS;
            if (t != 0) {
                // the lowest flagged byte is exact (borrows only flag bytes above a real zero)
                return i + (Long.numberOfTrailingZeros(t) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    byte[] buffer() {
        return buf;
    }

    /** The end of the bytes read into {@link #buffer()} so far: lines up to it are final until the next refill. */
    int limit() {
        return limit;
    }

    /**
     * How many times the buffer was refilled: while it stays the same, the bytes of {@link
     * #buffer()} below {@link #limit()} do not change and keep their indexes.
     */
    int refills() {
        return refills;
    }

    int start() {
        return lineStart;
    }

    int length() {
        return lineLen;
    }

    boolean tooLong() {
        return tooLong;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
