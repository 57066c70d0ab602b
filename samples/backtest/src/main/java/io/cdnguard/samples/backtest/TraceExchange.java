package io.cdnguard.samples.backtest;

import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.UpstreamFailure;

/**
 * The one reusable {@link Exchange} of a trace reader: every line is decoded into the same instance.
 * Header values and the path live in one growing {@code char[]} arena; headers are small arrays of
 * lower-case name / value-slice pairs, so decoding a line allocates no map and no per-header object.
 * Not thread-safe; a reader owns one.
 */
public final class TraceExchange implements Exchange {

    /** Most headers kept per message; further ones are ignored. */
    static final int MAX_HEADERS = 48;
    /** Most characters of text (path and header values) kept per line. */
    static final int MAX_TEXT = 1 << 20;

    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};

    private char[] text = new char[4096];
    private int textLen;

    private String method = "GET";
    private final CharSlice path = new CharSlice();
    private int status;
    private long bytes = -1;
    private long durationNanos = -1;
    private String backend;
    private UpstreamFailure failure;
    private boolean forceConditional;
    private final CharSlice clientAddress = new CharSlice();
    private boolean hasClientAddress;
    private final Headers request = new Headers();
    private final Headers response = new Headers();

    /** Clears the exchange for the next line. */
    public void reset() {
        textLen = 0;
        method = "GET";
        path.set(text, 0, 0);
        status = 0;
        bytes = -1;
        durationNanos = -1;
        backend = null;
        failure = null;
        forceConditional = false;
        hasClientAddress = false;
        request.size = 0;
        response.size = 0;
    }

    /** Copies {@code len} chars into the arena and returns the slice start, or -1 when full. */
    private int store(char[] src, int off, int len) {
        if (textLen + len > MAX_TEXT) {
            return -1;
        }
        if (textLen + len > text.length) {
            char[] bigger = new char[Math.min(MAX_TEXT, Math.max(text.length * 2, textLen + len))];
            System.arraycopy(text, 0, bigger, 0, textLen);
            text = bigger;
            // rebind existing slices to the new arena
            path.buf = bigger;
            clientAddress.buf = bigger;
            request.rebind(bigger);
            response.rebind(bigger);
        }
        System.arraycopy(src, off, text, textLen, len);
        int start = textLen;
        textLen += len;
        return start;
    }

    private int store(CharSequence s) {
        int n = s.length();
        if (textLen + n > MAX_TEXT) {
            return -1;
        }
        char[] tmp = n <= scratch.length ? scratch : new char[n];
        for (int i = 0; i < n; i++) {
            tmp[i] = s.charAt(i);
        }
        return store(tmp, 0, n);
    }

    private char[] scratch = new char[512];

    /** Sets the method from characters, reusing constant strings for the common methods. */
    public void method(char[] buf, int off, int len) {
        for (String m : METHODS) {
            if (m.length() == len && eq(m, buf, off, len)) {
                method = m;
                return;
            }
        }
        method = new String(buf, off, len);
    }

    private static boolean eq(String s, char[] buf, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (s.charAt(i) != buf[off + i]) {
                return false;
            }
        }
        return true;
    }

    /** Sets the method. */
    public void method(String m) {
        this.method = m == null ? "" : m;
    }

    /** Sets the path from characters (copied). */
    public void path(char[] buf, int off, int len) {
        int start = store(buf, off, len);
        if (start >= 0) {
            path.set(text, start, len);
        }
    }

    /** Sets the path (copied). */
    public void path(CharSequence p) {
        int start = store(p);
        if (start >= 0) {
            path.set(text, start, p.length());
        }
    }

    /** Sets the status. */
    public void status(int status) {
        this.status = status;
    }

    /** Sets the response bytes. */
    public void bytes(long bytes) {
        this.bytes = bytes;
    }

    /** Sets the duration. */
    public void durationNanos(long nanos) {
        this.durationNanos = nanos;
    }

    /** Sets the backend name. */
    public void backend(String backend) {
        this.backend = backend;
    }

    /** Sets the upstream failure. */
    public void failure(UpstreamFailure failure) {
        this.failure = failure;
    }

    /** Marks the request conditional whatever its headers say (combined logs: a 304 implies it). */
    public void forceConditional(boolean conditional) {
        this.forceConditional = conditional;
    }

    /** Sets the client address (copied). */
    public void clientAddress(char[] buf, int off, int len) {
        int start = store(buf, off, len);
        if (start >= 0) {
            clientAddress.set(text, start, len);
            hasClientAddress = true;
        }
    }

    @Override
    public CharSequence clientAddress() {
        return hasClientAddress ? clientAddress : null;
    }

    /** Adds a request header; {@code name} must be lower case. */
    public void requestHeader(String name, char[] buf, int off, int len) {
        int start = store(buf, off, len);
        if (start >= 0) {
            request.add(name, text, start, len);
        }
    }

    /** Adds a request header; {@code name} must be lower case. */
    public void requestHeader(String name, CharSequence value) {
        int start = store(value);
        if (start >= 0) {
            request.add(name, text, start, value.length());
        }
    }

    /** Adds a response header; {@code name} must be lower case. */
    public void responseHeader(String name, char[] buf, int off, int len) {
        int start = store(buf, off, len);
        if (start >= 0) {
            response.add(name, text, start, len);
        }
    }

    /** Adds a response header; {@code name} must be lower case. */
    public void responseHeader(String name, CharSequence value) {
        int start = store(value);
        if (start >= 0) {
            response.add(name, text, start, value.length());
        }
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public CharSequence path() {
        return path;
    }

    @Override
    public int status() {
        return status;
    }

    @Override
    public long responseBytes() {
        return bytes;
    }

    @Override
    public long durationNanos() {
        return durationNanos;
    }

    @Override
    public HeaderSource requestHeaders() {
        return request;
    }

    @Override
    public HeaderSource responseHeaders() {
        return response;
    }

    @Override
    public boolean conditional() {
        return forceConditional || Exchange.super.conditional();
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public UpstreamFailure failure() {
        return failure;
    }

    /**
     * Headers as parallel arrays of lower-case names, their hash codes and value slices. A lookup
     * compares the cached hash codes first, so a miss costs one int comparison per header (the core
     * asks for several headers an exchange does not have); names from the JSON reader are interned,
     * so a hit on a constant name is an identity comparison.
     */
    static final class Headers implements HeaderSource {
        final String[] names = new String[MAX_HEADERS];
        final int[] hashes = new int[MAX_HEADERS];
        final CharSlice[] values = new CharSlice[MAX_HEADERS];
        int size;

        Headers() {
            for (int i = 0; i < MAX_HEADERS; i++) {
                values[i] = new CharSlice();
            }
        }

        void add(String name, char[] buf, int off, int len) {
            if (size < MAX_HEADERS) {
                names[size] = name;
                hashes[size] = name.hashCode();
                values[size].set(buf, off, len);
                size++;
            }
        }

        void rebind(char[] arena) {
            for (int i = 0; i < size; i++) {
                values[i].buf = arena;
            }
        }

        @Override
        public CharSequence get(String lowerCaseName) {
            int h = lowerCaseName.hashCode();
            for (int i = 0; i < size; i++) {
                if (hashes[i] == h) {
                    String n = names[i];
                    if (n == lowerCaseName || n.equals(lowerCaseName)) {
                        return values[i];
                    }
                }
            }
            return null;
        }

        int size() {
            return size;
        }
    }
}
