package io.cdnguard.samples.backtest;

/**
 * A reusable {@link CharSequence} view over a region of a shared {@code char[]}. Rebinding it
 * allocates nothing; {@link #toString()} allocates.
 */
final class CharSlice implements CharSequence {

    char[] buf = new char[0];
    int off;
    int len;

    CharSlice set(char[] buf, int off, int len) {
        this.buf = buf;
        this.off = off;
        this.len = len;
        return this;
    }

    @Override
    public int length() {
        return len;
    }

    @Override
    public char charAt(int index) {
        if (index < 0 || index >= len) {
            throw new IndexOutOfBoundsException(index);
        }
        return buf[off + index];
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return toString().subSequence(start, end);
    }

    boolean contentEquals(String s) {
        if (s.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (buf[off + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return new String(buf, off, len);
    }
}
