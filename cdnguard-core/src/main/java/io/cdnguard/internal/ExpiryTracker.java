package io.cdnguard.internal;

import io.cdnguard.CacheExpiry;

/**
 * Expiring cache age counts: a timing wheel of counts plus a fixed-size hashed table of recently
 * fetched assets. CONTRACT STUB: the expiry work replaces the body.
 */
public final class ExpiryTracker {

    /**
     * @param tableSize slots in the asset table (a power of two)
     * @param graceMillis how long after expiry a copy counts as due
     * @param startMillis the guard's start time
     */
    public ExpiryTracker(int tableSize, long graceMillis, long startMillis) {
    }

    /**
     * Hot path: a CDN fetch of asset {@code assetHash} whose response is fresh for {@code ttlSeconds}
     * (or {@code ttlSeconds < 0} if not cacheable). Lock-free, allocation-free, never throws.
     *
     * @param nowMillis the coarse current time (as the engine's tick last set it)
     */
    public void onFetch(long assetHash, long ttlSeconds, long nowMillis) {
    }

    /** Evaluation side (one thread at a time): moves the wheel to {@code nowMillis}. */
    public void advance(long nowMillis) {
    }

    /** An immutable view as of {@code nowMillis}. */
    public CacheExpiry snapshot(long nowMillis) {
        throw new UnsupportedOperationException("expiry tracker not built yet");
    }
}
