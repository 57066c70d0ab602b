package io.cdnguard;

/**
 * Recent counts in fixed-length time buckets (by default 360 buckets of 10 s: the last hour).
 *
 * <p>Bucket 0 is the current, still filling bucket; bucket {@code i} ended {@code i} bucket lengths
 * ago. {@code last(n)} sums buckets {@code 0..n-1}. Buckets before the guard started count zero.
 */
public interface RollingWindow {

    /** The length of one bucket in milliseconds. */
    long bucketMillis();

    /** How many buckets are kept. */
    int buckets();

    /** The start of the current bucket, epoch milliseconds. */
    long currentBucketStartMillis();

    /** CDN fetches (all CDNs, all statuses) in bucket {@code i}. */
    long cdnFetches(int bucket);

    /** CDN fetches of one status class in bucket {@code i}. */
    long cdnFetches(int bucket, StatusClass statusClass);

    /** CDN revalidations (conditional, answered 304) in bucket {@code i}. */
    long revalidations(int bucket);

    /** Non-CDN requests of one kind in bucket {@code i}. */
    long otherRequests(int bucket, RequestKind kind);

    /** Exchanges that reached or tried a backend (gateways) in bucket {@code i}, failures included. */
    long backendExchanges(int bucket);

    /** Upstream failures (all kinds) in bucket {@code i}. */
    long upstreamFailures(int bucket);

    /** Sum of {@link #cdnFetches(int)} over the last {@code n} buckets. */
    default long cdnFetchesLast(int n) {
        long s = 0;
        for (int i = 0; i < n && i < buckets(); i++) {
            s += cdnFetches(i);
        }
        return s;
    }

    /** Sum of {@link #cdnFetches(int, StatusClass)} over the last {@code n} buckets. */
    default long cdnFetchesLast(int n, StatusClass statusClass) {
        long s = 0;
        for (int i = 0; i < n && i < buckets(); i++) {
            s += cdnFetches(i, statusClass);
        }
        return s;
    }

    /** Sum of {@link #backendExchanges(int)} over the last {@code n} buckets. */
    default long backendExchangesLast(int n) {
        long s = 0;
        for (int i = 0; i < n && i < buckets(); i++) {
            s += backendExchanges(i);
        }
        return s;
    }

    /** Sum of {@link #upstreamFailures(int)} over the last {@code n} buckets. */
    default long upstreamFailuresLast(int n) {
        long s = 0;
        for (int i = 0; i < n && i < buckets(); i++) {
            s += upstreamFailures(i);
        }
        return s;
    }
}
