package io.cdnguard.internal;

import io.cdnguard.RequestKind;
import io.cdnguard.RollingWindow;
import io.cdnguard.StatusClass;

/**
 * The immutable {@link RollingWindow} of a {@link GuardSnapshotImpl}: the current bucket's counts,
 * taken at snapshot time, and the closed buckets' counts, shared (read-only) with the counters'
 * published state: bucket {@code i > 0} is absolute bucket {@code head - i}, at ring slot {@code
 * (head - i) mod buckets}, in chunks of {@link Counters#CHUNK} slots that are never written after
 * publication.
 */
final class WindowImpl implements RollingWindow {

    private final long bucketMillis;
    private final int buckets;
    private final long currentStart;
    /** {@code current[c]}: window cell {@code c} of the current bucket. */
    private final long[] current;
    /** {@code chunks[slot / CHUNK][(slot % CHUNK) * W + c]}: window cell {@code c} of the closed bucket at ring slot {@code slot}. */
    private final long[][] chunks;
    /** The current bucket's ring slot: {@code head mod buckets}. */
    private final int headSlot;

    WindowImpl(long bucketMillis, int buckets, long currentStart, long[] current, long[][] chunks, long head) {
        this.bucketMillis = bucketMillis;
        this.buckets = buckets;
        this.currentStart = currentStart;
        this.current = current;
        this.chunks = chunks;
        this.headSlot = (int) Math.floorMod(head, (long) buckets);
    }

    private long cell(int bucket, int c) {
        if (bucket <= 0) {
            return bucket == 0 ? current[c] : 0;
        }
        if (bucket >= buckets) {
            return 0;
        }
        int slot = headSlot - bucket; // 0 < bucket < buckets: one correction at most
        if (slot < 0) {
            slot += buckets;
        }
        return chunks[slot / Counters.CHUNK][(slot % Counters.CHUNK) * Counters.W + c];
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
