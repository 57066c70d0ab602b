package io.cdnguard.samples.backtest;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Splits a byte stream into lines without copying them: the current line is {@code length()} bytes
 * of {@code buffer()} at {@code start()}. A trailing {@code \r} is dropped; a last line without a
 * newline is returned as is. Lines longer than {@code maxLine} bytes are skipped and reported with
 * {@link #tooLong()}, so memory stays bounded whatever the input.
 */
final class LineSource implements Closeable {

    private final InputStream in;
    private final int maxLine;
    private byte[] buf;
    private int pos;
    private int limit;
    private int scanFrom;
    private boolean eof;
    private boolean skipping;

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
            for (int i = scanFrom; i < limit; i++) {
                if (buf[i] == '\n') {
                    lineStart = pos;
                    int end = i;
                    if (end > pos && buf[end - 1] == '\r') {
                        end--;
                    }
                    lineLen = end - pos;
                    tooLong = skipping;
                    skipping = false;
                    if (tooLong) {
                        lineLen = 0;
                    }
                    pos = i + 1;
                    scanFrom = pos;
                    return true;
                }
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

    byte[] buffer() {
        return buf;
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
