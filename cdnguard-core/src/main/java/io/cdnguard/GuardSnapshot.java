package io.cdnguard;

import java.util.List;

/**
 * An immutable view of a {@link CdnGuard}'s counters at one instant, as the evaluation side sees
 * them. Checks judge it; the exposition formats print it.
 *
 * <p>Lifetime totals are monotonic from the guard's start (they never go down, so Prometheus'
 * {@code increase()} works on them); {@link #window()} holds the recent per-bucket counts. Taking a
 * snapshot never blocks recording; a record racing the snapshot is either in it or in the next one.
 *
 * <p>When each count goes up: a recorded exchange is classified once as {@link RequestKind#CDN},
 * {@link RequestKind#PROBE}, {@link RequestKind#DIRECT} or {@link RequestKind#SELF}. A CDN exchange
 * adds one to {@link #cdnFetches(Cdn, StatusClass)} for its CDN and status class, its bytes to
 * {@link #cdnBytes()}, its duration to {@link #latency()}, its freshness lifetime to {@link
 * #freshness()} (when the response is cacheable), and one to {@link #revalidations(Cdn)} when it was
 * conditional and answered 304. Any other exchange adds one to {@link #otherRequests(RequestKind)}.
 * Any exchange naming a backend adds to that backend's counts; any exchange with an {@link
 * UpstreamFailure} adds one to {@link #upstreamFailures(UpstreamFailure)}.
 */
public interface GuardSnapshot {

    /** The evaluation time this snapshot was taken at, epoch milliseconds (from the guard's {@link TimeSource}). */
    long timeMillis();

    /** When the guard started, epoch milliseconds. */
    long startMillis();

    /** CDN fetches of all CDNs and statuses since start. */
    long cdnFetches();

    /** CDN fetches by one CDN, all statuses, since start. */
    long cdnFetches(Cdn cdn);

    /** CDN fetches by one CDN with one status class since start. */
    long cdnFetches(Cdn cdn, StatusClass statusClass);

    /** Conditional CDN fetches answered 304, by CDN, since start. */
    long revalidations(Cdn cdn);

    /** Non-CDN requests of one kind since start ({@link RequestKind#CDN} returns {@link #cdnFetches()}). */
    long otherRequests(RequestKind kind);

    /** Exchanges that ended before the response completed, since start (all kinds). */
    long aborted();

    /** Exchanges recorded with a status outside 100..599 (counted and otherwise skipped). */
    long invalid();

    /** Response body bytes sent to CDNs since start. */
    long cdnBytes();

    /** Upstream failures of one kind since start. */
    long upstreamFailures(UpstreamFailure kind);

    /** All upstream failures since start. */
    long upstreamFailures();

    /** Fetch durations of CDN fetches, in seconds. */
    HistogramSnapshot latency();

    /** Shared-cache freshness lifetimes of cacheable CDN fetches, in seconds. */
    HistogramSnapshot freshness();

    /**
     * Every backend: the expected ones (declared at build time) first, in declaration order, then
     * unknown names as first seen, up to the configured cap.
     */
    List<BackendStats> backends();

    /** Exchanges naming an unknown backend after the cap on unknown names was reached. */
    long unknownBackendOverflow();

    /** CDN fetches by edge location (POP), where the CDN's headers name it; bounded in number. */
    List<PopStats> pops();

    /**
     * CDN fetches naming an edge location (POP) after the cap on distinct POPs was reached (see
     * {@link CdnGuard.Builder#maxPops(int)}); they are counted here instead of in {@link #pops()}.
     * A steadily growing value means the cap is too small for the CDN's footprint.
     *
     * <p>The default returns 0, for implementations written before this count existed; the guard's
     * own snapshots override it.
     *
     * @return the overflow count since start
     */
    default long popOverflow() {
        return 0;
    }

    /** Expiring cache age counts. */
    CacheExpiry expiry();

    /** Recent per-bucket counts. */
    RollingWindow window();
}
