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
            h.slices[i].set(text, start, len);
        }
        h.skippedId[i] = -1;
    }

    /**
     * Adds a request or response header without its value ({@link Headers#addSkipped}); {@code name}
     * must be lower case, {@code nameHash} its {@code hashCode()}.
     */
    void skippedHeader(boolean requestHeader, String name, int nameHash, int id) {
        (requestHeader ? request : response).addSkipped(name, nameHash, id);
    }

    /**
     * Adds a header whose value is an immutable {@code String} held as is (the reader's canonical
     * copy of a value that recurs, {@code JsonTraceReader.Values}): nothing is copied, and the core's
     * {@code String} fast paths and memos apply to it. {@code name} must be lower case.
     */
    void header(boolean requestHeader, String name, int nameHash, String value) {
        (requestHeader ? request : response).add(name, nameHash, value);
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

    /**
     * {@inheritDoc} Answered from the request headers' names alone ({@link Headers#contains}): the
     * same answer as the default's {@code get(...) != null} (a header is present with a value or not
     * at all), without decoding an {@code If-None-Match} value the reader skipped.
     */
    @Override
    public boolean conditional() {
        return forceConditional || request.contains("if-none-match") || request.contains("if-modified-since");
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
     * Headers as parallel arrays of lower-case names, their hash codes and values (a reused slice of
     * the arena, or a {@code String} the reader holds as the canonical copy of a recurring value), with
     * a 64-slot index by hash code: a miss (the core asks for many headers an exchange does not have)
     * is usually one probe, a hit compares cached hash codes from the first header in its slot on;
     * names from the JSON reader are interned, so a hit on a constant name is an identity
     * comparison. A header may be added without its value ({@link #addSkipped}): asking for it has
     * the owner's {@code skippedValues} decode the line's skipped values first; {@link #contains}
     * answers presence without that.
     */
    static final class Headers implements HeaderSource {
        final String[] names = new String[MAX_HEADERS];
        final int[] hashes = new int[MAX_HEADERS];
        /** Per header: its value, the header's own {@link #slices slice} or a {@code String} added as is. */
        final CharSequence[] values = new CharSequence[MAX_HEADERS];
        /** Per header, reused from line to line: the view of its value in the arena. */
        final CharSlice[] slices = new CharSlice[MAX_HEADERS];
        /**
         * Per slot of a hash code ({@link #slot}): {@code generation << 8 | (1 + i)}, {@code i} the
         * index of the first header of this line whose name hashes there; an entry of an earlier
         * generation is empty. A lookup starts there, so a header the line does not have (most of the
         * core's lookups) costs one probe, not one comparison per header; clearing is one increment.
         */
        private final int[] index = new int[64];
        /** The current line's generation, 1 to 2^23: wraps by clearing {@link #index}. */
        private int generation = 1;
        /** Per header: -1 when its value is in {@link #values}, else the name id the reader skipped its value under. */
        final int[] skippedId = new int[MAX_HEADERS];
        private final TraceExchange owner;
        int size;

        Headers(TraceExchange owner) {
            this.owner = owner;
            for (int i = 0; i < MAX_HEADERS; i++) {
                slices[i] = new CharSlice();
            }
        }

        private static int slot(int h) {
            return (h ^ (h >>> 6) ^ (h >>> 12)) & 63;
        }

        void clear() {
            if (size != 0) {
                size = 0;
                if (++generation == 1 << 23) {
                    java.util.Arrays.fill(index, 0);
                    generation = 1;
                }
            }
        }

        private void indexLast() {
            int s = slot(hashes[size]);
            if (index[s] >>> 8 != generation) {
                index[s] = generation << 8 | (size + 1);
            }
        }

        /** Appends header {@code size} (the caller checked there is room). */
        private void append(String name, int nameHash, CharSequence value, int skipped) {
            names[size] = name;
            hashes[size] = nameHash;
            indexLast();
            values[size] = value;
            skippedId[size] = skipped;
            size++;
        }

        void add(String name, char[] buf, int off, int len) {
            if (size < MAX_HEADERS) {
                append(name, name.hashCode(), slices[size].set(buf, off, len), -1);
            }
        }

        void add(String name, int nameHash, String value) {
            if (size < MAX_HEADERS) {
                append(name, nameHash, value, -1);
            }
        }

        /**
         * Adds a header whose value the reader did not decode (jackson skipped the string), under
         * the reader's name id {@code id}; the owner's {@code skippedValues} must set it ({@link
         * TraceExchange#fillSkipped}) before it is returned.
         */
        void addSkipped(String name, int nameHash, int id) {
            if (size < MAX_HEADERS) {
                append(name, nameHash, slices[size].set(owner.text, 0, 0), id);
            }
        }

        void rebind(char[] arena) {
            for (int i = 0; i < size; i++) {
                slices[i].buf = arena;
            }
        }

        /** Index of the first header named {@code lowerCaseName}, or -1. */
        private int find(String lowerCaseName) {
            int h = lowerCaseName.hashCode();
            int e = index[slot(h)];
            if (e >>> 8 != generation) {
                return -1;
            }
            for (int i = (e & 0xFF) - 1; i < size; i++) {
                if (hashes[i] == h) {
                    String n = names[i];
                    if (n == lowerCaseName || n.equals(lowerCaseName)) {
                        return i;
                    }
                }
            }
            return -1;
        }

        /** Whether the header is present: {@code get(lowerCaseName) != null}, without decoding a skipped value. */
        boolean contains(String lowerCaseName) {
            return find(lowerCaseName) >= 0;
        }

        @Override
        public CharSequence get(String lowerCaseName) {
            int i = find(lowerCaseName);
            if (i < 0) {
                return null;
            }
            if (skippedId[i] >= 0 && owner.skippedValues != null) {
                owner.askedSkipped = skippedId[i];
                owner.skippedValues.run(); // decodes every skipped value of the line
            }
            return values[i];
        }

        int size() {
            return size;
        }
    }
}
