package io.cdnguard.internal;

import io.cdnguard.RequestKind;
import io.cdnguard.RollingWindow;
import io.cdnguard.StatusClass;

/** The immutable {@link RollingWindow} of a {@link GuardSnapshotImpl}: per-bucket counts computed at snapshot time. */
final class WindowImpl implements RollingWindow {

    private final long bucketMillis;
    private final int buckets;
    private final long currentStart;
    /** {@code counts[i * W + c]}: window cell {@code c} of bucket {@code i} (0 = current). */
    private final long[] counts;

    WindowImpl(long bucketMillis, int buckets, long currentStart, long[] counts) {
        this.bucketMillis = bucketMillis;
        this.buckets = buckets;
        this.currentStart = currentStart;
        this.counts = counts;
    }

    private long cell(int bucket, int c) {
        if (bucket < 0 || bucket >= buckets) {
            return 0;
        }
        return counts[bucket * Counters.W + c];
    }

    @Override
    public long bucketMillis() {
        return bucketMillis;
    }

    @Override
    public int buckets() {
        return buckets;
    }

    @Override
    public long currentBucketStartMillis() {
        return currentStart;
    }

    @Override
    public long cdnFetches(int bucket) {
        long s = 0;
        for (int sc = 0; sc < Counters.NS; sc++) {
            s += cell(bucket, Counters.W_CDN + sc);
        }
        return s;
    }

    @Override
    public long cdnFetches(int bucket, StatusClass statusClass) {
        return cell(bucket, Counters.W_CDN + statusClass.ordinal());
    }

    @Override
    public long revalidations(int bucket) {
        return cell(bucket, Counters.W_REVALIDATION);
    }

    @Override
    public long otherRequests(int bucket, RequestKind kind) {
        return kind == RequestKind.CDN ? cdnFetches(bucket) : cell(bucket, Counters.W_OTHER + kind.ordinal());
    }

    @Override
    public long backendExchanges(int bucket) {
        return cell(bucket, Counters.W_BACKEND);
    }

    @Override
    public long upstreamFailures(int bucket) {
        return cell(bucket, Counters.W_UPSTREAM);
    }

    @Override
    public String toString() {
        return "RollingWindow{" + buckets + " x " + bucketMillis + " ms, current from " + currentStart
                + ", cdn last " + buckets + ": " + cdnFetchesLast(buckets) + '}';
    }
}
