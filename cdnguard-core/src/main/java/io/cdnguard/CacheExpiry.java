package io.cdnguard;

/**
 * Expiring cache age counts: how many copies the CDN holds (as far as the origin can tell from its
 * own responses) that expire in each future period, and how many expired without a refetch.
 *
 * <p>Counts are approximate by design: memory is fixed whatever the number of distinct paths, so
 * assets whose keys collide in the tracking table overwrite one another. See {@link
 * CdnGuard.Builder#trackedAssets(int)}.
 */
public interface CacheExpiry {

    /** The horizons reported by {@link #expiringWithin(int)}: 1 min, 5 min, 15 min, 1 h, 6 h, 24 h, in seconds. */
    long[] HORIZON_SECONDS = {60, 300, 900, 3600, 21600, 86400};

    /** The labels of {@link #HORIZON_SECONDS}: {@code 1m, 5m, 15m, 1h, 6h, 24h}. */
    String[] HORIZON_LABELS = {"1m", "5m", "15m", "1h", "6h", "24h"};

    /** Copies expected to expire within {@code HORIZON_SECONDS[h]} from now (cumulative). */
    long expiringWithin(int h);

    /** Copies whose freshness ended and that have not been refetched since (within the tracking horizon). */
    long overdue();

    /** Age of the oldest overdue copy past its expiry, milliseconds; 0 if none. */
    long oldestOverdueMillis();

    /** Copies that came due (their expiry passed) since start: a monotonic total. */
    long dueTotal();

    /** CDN fetches of an asset whose copy was tracked (a refetch, on time or late) since start: a monotonic total. */
    long refetchedTotal();

    /** Distinct assets currently tracked. */
    long tracked();
}
