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
    private final Headers request = new Headers(this);
    private final Headers response = new Headers(this);
    /** Decodes the header values a reader skipped ({@link Headers#addSkipped}) when one is asked for; null if none. */
    Runnable skippedValues;
    /** The name id of the skipped value asked for, when {@link #skippedValues} runs. */
    int askedSkipped = -1;

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
        request.clear();
        response.clear();
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

    /**
     * Sets a value {@link Headers#addSkipped} left out: copied into the arena, as if it had been
     * added with the header.
     */
    void fillSkipped(Headers h, int i, char[] buf, int off, int len) {
        int start = store(buf, off, len);
        if (start >= 0) {
            h.values[i].set(text, start, len);
        }
        h.skippedId[i] = -1;
    }

    /** Adds a request or response header without its value ({@link Headers#addSkipped}); {@code name} must be lower case. */
    void skippedHeader(boolean requestHeader, String name, int id) {
        (requestHeader ? request : response).addSkipped(name, id);
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
     * Headers as parallel arrays of lower-case names, their hash codes and value slices, with a
     * 64-slot index by hash code: a miss (the core asks for many headers an exchange does not have)
     * is usually one probe, a hit compares cached hash codes from the first header in its slot on;
     * names from the JSON reader are interned, so a hit on a constant name is an identity
     * comparison. A header may be added without its value ({@link #addSkipped}): asking for it has
     * the owner's {@code skippedValues} decode the line's skipped values first.
     */
    static final class Headers implements HeaderSource {
        final String[] names = new String[MAX_HEADERS];
        final int[] hashes = new int[MAX_HEADERS];
        final CharSlice[] values = new CharSlice[MAX_HEADERS];
        /**
         * Per slot of a hash code ({@link #slot}): 1 + the index of the first header whose name
         * hashes there, 0 if none; a lookup starts there, so a header the line does not have (most
         * of the core's lookups) costs one probe, not one comparison per header.
         */
        private final byte[] index = new byte[64];
        /** Per header: -1 when its value is in {@link #values}, else the name id the reader skipped its value under. */
        final int[] skippedId = new int[MAX_HEADERS];
        private final TraceExchange owner;
        int size;

        Headers(TraceExchange owner) {
            this.owner = owner;
            for (int i = 0; i < MAX_HEADERS; i++) {
                values[i] = new CharSlice();
            }
        }

        private static int slot(int h) {
            return (h ^ (h >>> 6) ^ (h >>> 12)) & 63;
        }

        void clear() {
            if (size != 0) {
                java.util.Arrays.fill(index, (byte) 0); // 64 bytes: a few wide stores
                size = 0;
            }
        }

        private void indexLast() {
            int s = slot(hashes[size]);
            if (index[s] == 0) {
                index[s] = (byte) (size + 1);
            }
        }

        void add(String name, char[] buf, int off, int len) {
            if (size < MAX_HEADERS) {
                names[size] = name;
                hashes[size] = name.hashCode();
                indexLast();
                values[size].set(buf, off, len);
                skippedId[size] = -1;
                size++;
            }
        }

        /**
         * Adds a header whose value the reader did not decode (jackson skipped the string), under
         * the reader's name id {@code id}; the owner's {@code skippedValues} must set it ({@link
         * TraceExchange#fillSkipped}) before it is returned.
         */
        void addSkipped(String name, int id) {
            if (size < MAX_HEADERS) {
                names[size] = name;
                hashes[size] = name.hashCode();
                indexLast();
                values[size].set(owner.text, 0, 0);
                skippedId[size] = id;
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
            int first = index[slot(h)];
            if (first == 0) {
                return null;
            }
            for (int i = first - 1; i < size; i++) {
                if (hashes[i] == h) {
                    String n = names[i];
                    if (n == lowerCaseName || n.equals(lowerCaseName)) {
                        if (skippedId[i] >= 0 && owner.skippedValues != null) {
                            owner.askedSkipped = skippedId[i];
                            owner.skippedValues.run(); // decodes every skipped value of the line
                        }
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
