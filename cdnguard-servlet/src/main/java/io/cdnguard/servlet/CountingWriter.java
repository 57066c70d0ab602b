package io.cdnguard.servlet;

import java.io.PrintWriter;
import java.io.Writer;

/**
 * A pass-through {@link Writer} over the container's {@link PrintWriter}: every write goes straight
 * to it and only the encoded length is added to the owning {@link RecordingResponse}. Holds no
 * buffer. The length is exact for UTF-8 and single-byte charsets (and UTF-16 without BOM), counted
 * per char without encoding anything.
 *
 * <p>Implementation notes: no mutable state of its own; see {@link RecordingResponse} for the count.
 * The container's writer swallows I/O errors (it is a {@link PrintWriter}); {@link Print#checkError()}
 * reports them.
 */
final class CountingWriter extends Writer {

    static final int ONE_BYTE = 0;
    static final int UTF_8 = 1;
    static final int TWO_BYTES = 2;

    private final PrintWriter delegate;
    private final RecordingResponse owner;
    private final int mode;

    CountingWriter(PrintWriter delegate, RecordingResponse owner, int mode) {
        super(delegate);
        this.delegate = delegate;
        this.owner = owner;
        this.mode = mode;
    }

    private int encoded(int c) {
        switch (mode) {
            case UTF_8:
                if (c < 0x80) {
                    return 1;
                }
                if (c < 0x800 || Character.isSurrogate((char) c)) {
                    return 2; // a surrogate pair encodes as four bytes, two per half
                }
                return 3;
            case TWO_BYTES:
                return 2;
            default:
                return 1;
        }
    }

    @Override
    public void write(int c) {
        delegate.write(c);
        owner.add(encoded(c));
    }

    @Override
    public void write(char[] buf, int off, int len) {
        delegate.write(buf, off, len);
        long n;
        if (mode == ONE_BYTE) {
            n = len;
        } else {
            n = 0;
            for (int i = off, end = off + len; i < end; i++) {
                n += encoded(buf[i]);
            }
        }
        owner.add(n);
    }

    @Override
    public void write(String s, int off, int len) {
        delegate.write(s, off, len);
        long n;
        if (mode == ONE_BYTE) {
            n = len;
        } else {
            n = 0;
            for (int i = off, end = off + len; i < end; i++) {
                n += encoded(s.charAt(i));
            }
        }
        owner.add(n);
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /**
     * The {@link PrintWriter} the application gets: prints through a {@link CountingWriter} (so that
     * {@code println}'s line separator is counted too) and reports the container writer's errors.
     */
    static final class Print extends PrintWriter {

        private final PrintWriter container;

        Print(CountingWriter out, PrintWriter container) {
            super(out, false);
            this.container = container;
        }

        @Override
        public boolean checkError() {
            boolean mine = super.checkError();
            return container.checkError() || mine;
        }
    }
}
