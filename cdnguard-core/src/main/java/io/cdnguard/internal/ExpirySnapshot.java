package io.cdnguard.internal;

import io.cdnguard.CacheExpiry;
import java.util.Arrays;

/**
 * An immutable {@link CacheExpiry} as taken by {@link ExpiryTracker#snapshot(long)}, with a few
 * diagnostic figures beyond the interface.
 */
public final class ExpirySnapshot implements CacheExpiry {

    private final long[] expiring;
    private final long overdue;
    private final long oldestOverdueMillis;
    private final long dueTotal;
    private final long refetchedTotal;
    private final long lateRefetchedTotal;
    private final long tracked;
    private final long beyondHorizon;
    private final long evictedTotal;
    private final long forgottenTotal;

    ExpirySnapshot(long[] expiring, long overdue, long oldestOverdueMillis, long dueTotal, long refetchedTotal,
            long lateRefetchedTotal, long tracked, long beyondHorizon, long evictedTotal, long forgottenTotal) {
        this.expiring = expiring.clone();
        this.overdue = overdue;
        this.oldestOverdueMillis = oldestOverdueMillis;
        this.dueTotal = dueTotal;
        this.refetchedTotal = refetchedTotal;
        this.lateRefetchedTotal = lateRefetchedTotal;
        this.tracked = tracked;
        this.beyondHorizon = beyondHorizon;
        this.evictedTotal = evictedTotal;
        this.forgottenTotal = forgottenTotal;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if {@code h} is not an index of {@link #HORIZON_SECONDS}
     */
    @Override
    public long expiringWithin(int h) {
        if (h < 0 || h >= expiring.length) {
            throw new IllegalArgumentException("horizon index must be 0.." + (expiring.length - 1) + ": " + h);
        }
        return expiring[h];
    }

    @Override
    public long overdue() {
        return overdue;
    }

    @Override
    public long oldestOverdueMillis() {
        return oldestOverdueMillis;
    }

    @Override
    public long dueTotal() {
        return dueTotal;
    }

    @Override
    public long refetchedTotal() {
        return refetchedTotal;
    }

    /** Of {@link #refetchedTotal()}, the refetches of a copy that had already come due (late): a monotonic total. */
    public long lateRefetchedTotal() {
        return lateRefetchedTotal;
    }

    @Override
    public long tracked() {
        return tracked;
    }

    /**
     * Of {@link #tracked()}, the copies whose expiry is still beyond the wheel's future horizon
     * (about 25 h ahead); they join the wheel as their expiry comes within it.
     */
    public long beyondHorizon() {
        return beyondHorizon;
    }

    /** Tracked copies dropped because another asset's fetch took their table entry: a monotonic total. */
    public long evictedTotal() {
        return evictedTotal;
    }

    /** Overdue copies forgotten after the look-back without a refetch: a monotonic total. */
    public long forgottenTotal() {
        return forgottenTotal;
    }

    @Override
    public String toString() {
        return "ExpirySnapshot{expiring=" + Arrays.toString(expiring) + ", overdue=" + overdue
                + ", oldestOverdueMillis=" + oldestOverdueMillis + ", dueTotal=" + dueTotal
                + ", refetchedTotal=" + refetchedTotal + ", lateRefetchedTotal=" + lateRefetchedTotal
                + ", tracked=" + tracked + ", beyondHorizon=" + beyondHorizon + ", evictedTotal=" + evictedTotal
                + ", forgottenTotal=" + forgottenTotal + '}';
    }
}
