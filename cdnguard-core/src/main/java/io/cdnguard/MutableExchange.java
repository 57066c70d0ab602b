package io.cdnguard;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A reusable, mutable {@link Exchange} for feeding a {@link CdnGuard} by hand, in tests and in
 * backtests. Not thread-safe: use one per thread, {@link #reset()} between exchanges.
 *
 * <p>It copies the headers it is given into two small hash maps (a name given twice keeps its
 * first value), so, unlike the record call itself, it allocates: convenient, not for a server's
 * request path. A production adapter implements {@link Exchange} on an object it already has per
 * request, and {@link HeaderSource} over the headers it already holds.
 *
 * <pre>{@code
 * MutableExchange e = new MutableExchange();
 * e.reset().method("GET").path("/app.js").status(200).bytes(5120).durationNanos(800_000)
 *     .requestHeader("user-agent", "Amazon CloudFront")
 *     .responseHeader("cache-control", "public, max-age=3600");
 * guard.record(e);
 * }</pre>
 */
public final class MutableExchange implements Exchange {

    private final Map<String, CharSequence> request = new HashMap<>();
    private final Map<String, CharSequence> response = new HashMap<>();
    private final HeaderSource requestHeaders = request::get;
    private final HeaderSource responseHeaders = response::get;

    private String method = "GET";
    private CharSequence path = "/";
    private int status;
    private long bytes = -1;
    private long durationNanos = -1;
    private CharSequence clientAddress;
    private boolean aborted;
    private String backend;
    private UpstreamFailure failure;

    /** Clears every field and header, ready for the next exchange. */
    public MutableExchange reset() {
        request.clear();
        response.clear();
        method = "GET";
        path = "/";
        status = 0;
        bytes = -1;
        durationNanos = -1;
        clientAddress = null;
        aborted = false;
        backend = null;
        failure = null;
        return this;
    }

    /** Sets the method. */
    public MutableExchange method(String method) {
        this.method = method == null ? "" : method;
        return this;
    }

    /** Sets the path. */
    public MutableExchange path(CharSequence path) {
        this.path = path == null ? "" : path;
        return this;
    }

    /** Sets the status. */
    public MutableExchange status(int status) {
        this.status = status;
        return this;
    }

    /** Sets the response body size. */
    public MutableExchange bytes(long bytes) {
        this.bytes = bytes;
        return this;
    }

    /** Sets the duration. */
    public MutableExchange durationNanos(long durationNanos) {
        this.durationNanos = durationNanos;
        return this;
    }

    /** Adds a request header (the name is lower-cased; a repeated name keeps the first value). */
    public MutableExchange requestHeader(String name, CharSequence value) {
        request.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
        return this;
    }

    /** Adds a response header (the name is lower-cased; a repeated name keeps the first value). */
    public MutableExchange responseHeader(String name, CharSequence value) {
        response.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
        return this;
    }

    /** Sets the client address. */
    public MutableExchange clientAddress(CharSequence clientAddress) {
        this.clientAddress = clientAddress;
        return this;
    }

    /** Marks the exchange aborted. */
    public MutableExchange aborted(boolean aborted) {
        this.aborted = aborted;
        return this;
    }

    /** Sets the backend. */
    public MutableExchange backend(String backend) {
        this.backend = backend;
        return this;
    }

    /** Sets the upstream failure. */
    public MutableExchange failure(UpstreamFailure failure) {
        this.failure = failure;
        return this;
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
        return requestHeaders;
    }

    @Override
    public HeaderSource responseHeaders() {
        return responseHeaders;
    }

    @Override
    public CharSequence clientAddress() {
        return clientAddress;
    }

    @Override
    public boolean aborted() {
        return aborted;
    }

    @Override
    public String backend() {
        return backend;
    }

    @Override
    public UpstreamFailure failure() {
        return failure;
    }
}
