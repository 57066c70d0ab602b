package io.cdnguard.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;

/**
 * A pass-through {@link ServletOutputStream}: every write goes straight to the container's stream
 * and only its length is added to the owning {@link RecordingResponse}. Holds no buffer, so memory
 * does not grow with the size of the body.
 *
 * <p>Implementation notes: no state of its own beyond the two final references; the count lives in
 * the owner (see {@link RecordingResponse} for who writes it). A write that fails marks the exchange
 * as cut short and rethrows the container's exception unchanged. Non-blocking I/O ({@link
 * #isReady()}, {@link #setWriteListener(WriteListener)}) is delegated untouched.
 */
final class CountingOutputStream extends ServletOutputStream {

    private final ServletOutputStream delegate;
    private final RecordingResponse owner;

    CountingOutputStream(ServletOutputStream delegate, RecordingResponse owner) {
        this.delegate = delegate;
        this.owner = owner;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            delegate.write(b);
        } catch (IOException | RuntimeException e) {
            owner.writeFailed();
            throw e;
        }
        owner.add(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            delegate.write(b, off, len);
        } catch (IOException | RuntimeException e) {
            owner.writeFailed();
            throw e;
        }
        owner.add(len);
    }

    @Override
    public void flush() throws IOException {
        try {
            delegate.flush();
        } catch (IOException e) {
            owner.writeFailed();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            delegate.close();
        } catch (IOException e) {
            owner.writeFailed();
            throw e;
        }
    }

    @Override
    public boolean isReady() {
        return delegate.isReady();
    }

    @Override
    public void setWriteListener(WriteListener writeListener) {
        delegate.setWriteListener(writeListener);
    }
}
