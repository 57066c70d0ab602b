package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CacheExpiry;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExpiryTrackerTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final long GRACE = 60_000;
    private static final long SLOT = ExpiryTracker.SLOT_MILLIS;
    private static final int H1M = 0;
    private static final int H5M = 1;
    private static final int H15M = 2;
    private static final int H24H = 5;

    private static long sec(long s) {
        return T0 + s * 1000;
    }

    private static ExpirySnapshot snap(ExpiryTracker t, long now) {
        return (ExpirySnapshot) t.snapshot(now);
    }

    @Test
    void snapshot_expiringCounts_moveAsSimulatedTimePasses() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        for (long a = 1; a <= 10; a++) {
            t.onFetch(a, 120, T0);
        }

        CacheExpiry at0 = t.snapshot(T0);
        assertThat(at0.expiringWithin(H1M)).isZero();
        assertThat(at0.expiringWithin(H5M)).isEqualTo(10);
        assertThat(at0.expiringWithin(H24H)).isEqualTo(10);
        assertThat(at0.tracked()).isEqualTo(10);
        assertThat(at0.overdue()).isZero();

        CacheExpiry at61 = t.snapshot(sec(61));
        assertThat(at61.expiringWithin(H1M)).isEqualTo(10);
        assertThat(at61.overdue()).isZero();

        // expired but still within the grace period: neither expiring nor overdue
        CacheExpiry at150 = t.snapshot(sec(150));
        assertThat(at150.expiringWithin(H24H)).isZero();
        assertThat(at150.overdue()).isZero();
        assertThat(at150.dueTotal()).isZero();
        assertThat(at150.tracked()).isEqualTo(10);

        long due = sec(120) + GRACE + SLOT; // expiry + grace, rounded up to the slot end
        CacheExpiry late = t.snapshot(due);
        assertThat(late.overdue()).isEqualTo(10);
        assertThat(late.dueTotal()).isEqualTo(10);
        assertThat(late.oldestOverdueMillis()).isBetween(due - sec(120) - SLOT, due - sec(120));

        CacheExpiry later = t.snapshot(due + 600_000);
        assertThat(later.overdue()).isEqualTo(10);
        assertThat(later.dueTotal()).as("due is counted once").isEqualTo(10);
        assertThat(later.oldestOverdueMillis()).isEqualTo(late.oldestOverdueMillis() + 600_000);
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void onFetch_sameSlotRefetch_countsTheRefetchAndKeepsOneExpiry() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        t.onFetch(42, 120, T0);
        t.snapshot(T0); // clears the dirty flags, so that a changed count would have to flag again
        t.onFetch(42, 120, T0 + 1);   // the same entry again: the table entry is left as it is
        t.onFetch(42, 120, T0 + SLOT); // a later slot: taken out and put back
        t.onFetch(42, 120, T0 + SLOT);

        ExpirySnapshot s = snap(t, T0 + SLOT);
        assertThat(s.tracked()).isEqualTo(1);
        assertThat(s.expiringWithin(H5M)).isEqualTo(1);
        assertThat(s.refetchedTotal()).isEqualTo(3);
        assertThat(s.lateRefetchedTotal()).isZero();
        assertThat(t.checkInvariant()).isNull();

        long due = T0 + SLOT + 120_000 + GRACE + SLOT;
        assertThat(snap(t, due).overdue()).isEqualTo(1);
        t.onFetch(42, 120, due); // overdue now: a late refetch, the same on both paths
        ExpirySnapshot after = snap(t, due);
        assertThat(after.lateRefetchedTotal()).isEqualTo(1);
        assertThat(after.overdue()).isZero();
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void onFetch_refetchBeforeExpiry_cancelsAndReschedules() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        t.onFetch(42, 120, T0);
        t.advance(sec(60));
        t.onFetch(42, 600, sec(60));

        ExpirySnapshot s = snap(t, sec(60));
        assertThat(s.tracked()).isEqualTo(1);
        assertThat(s.expiringWithin(H5M)).as("old expiry at 120 s cancelled").isZero();
        assertThat(s.expiringWithin(H15M)).isEqualTo(1);
        assertThat(s.refetchedTotal()).isEqualTo(1);
        assertThat(s.lateRefetchedTotal()).isZero();

        ExpirySnapshot after = snap(t, sec(400));
        assertThat(after.dueTotal()).isZero();
        assertThat(after.overdue()).isZero();

        ExpirySnapshot end = snap(t, sec(660) + GRACE + SLOT);
        assertThat(end.dueTotal()).isEqualTo(1);
        assertThat(end.overdue()).isEqualTo(1);
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void onFetch_refetchAfterExpiry_decrementsOverdueAndCountsLateRefetch() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        t.onFetch(7, 60, T0);
        t.onFetch(8, 60, T0);
        ExpirySnapshot overdue = snap(t, sec(300));
        assertThat(overdue.overdue()).isEqualTo(2);
        assertThat(overdue.dueTotal()).isEqualTo(2);

        t.onFetch(7, 60, sec(300));
        ExpirySnapshot s = snap(t, sec(300));
        assertThat(s.overdue()).isEqualTo(1);
        assertThat(s.dueTotal()).as("monotonic").isEqualTo(2);
        assertThat(s.refetchedTotal()).isEqualTo(1);
        assertThat(s.lateRefetchedTotal()).isEqualTo(1);
        assertThat(s.tracked()).isEqualTo(2);
        assertThat(s.expiringWithin(H5M)).isEqualTo(1);
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void advance_overdueBeyondLookback_isForgotten() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        assertThat(t.lookbackMillis()).isBetween(24 * 3_600_000L, 48 * 3_600_000L);
        t.onFetch(1, 60, T0);
        long forgetAt = sec(60) + GRACE + SLOT + t.lookbackMillis() + SLOT;
        long now = T0;
        for (; now < forgetAt - 600_000; now += 300_000) {
            t.advance(now);
        }
        ExpirySnapshot before = snap(t, now);
        assertThat(before.overdue()).isEqualTo(1);
        assertThat(before.oldestOverdueMillis()).isGreaterThan(t.lookbackMillis() - 900_000);

        ExpirySnapshot after = snap(t, forgetAt);
        assertThat(after.overdue()).isZero();
        assertThat(after.oldestOverdueMillis()).isZero();
        assertThat(after.tracked()).isZero();
        assertThat(after.forgottenTotal()).isEqualTo(1);
        assertThat(after.dueTotal()).isEqualTo(1);

        // the entry is still in the table: a refetch counts, but there is nothing to cancel
        t.onFetch(1, 60, forgetAt);
        ExpirySnapshot refetched = snap(t, forgetAt);
        assertThat(refetched.refetchedTotal()).isEqualTo(1);
        assertThat(refetched.tracked()).isEqualTo(1);
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void onFetch_ttlBeyond24h_isTrackedBeyondHorizonThenJoinsTheWheel() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        long ttl = 3 * 86_400;
        t.onFetch(99, ttl, T0);
        ExpirySnapshot s0 = snap(t, T0);
        assertThat(s0.tracked()).isEqualTo(1);
        assertThat(s0.beyondHorizon()).isEqualTo(1);
        assertThat(s0.expiringWithin(H24H)).isZero();

        long now = T0;
        for (; now <= sec(ttl - 86_400 + 60); now += 300_000) {
            t.advance(now);
        }
        ExpirySnapshot within = snap(t, now);
        assertThat(within.expiringWithin(H24H)).as("promoted before it is within 24 h").isEqualTo(1);
        assertThat(within.beyondHorizon()).isZero();
        assertThat(within.tracked()).isEqualTo(1);

        for (; now <= sec(ttl) + GRACE + SLOT; now += 300_000) {
            t.advance(now);
        }
        ExpirySnapshot due = snap(t, now);
        assertThat(due.overdue()).isEqualTo(1);
        assertThat(due.dueTotal()).isEqualTo(1);
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void onFetch_ttlBeyond24h_afterAClockJump_comesDueOnce() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        t.onFetch(5, 2 * 86_400, T0);
        ExpirySnapshot s = snap(t, sec(3 * 86_400));
        assertThat(s.overdue()).isEqualTo(1);
        assertThat(s.dueTotal()).isEqualTo(1);
        assertThat(s.beyondHorizon()).isZero();
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void onFetch_negativeOrZeroTtl_cancelsAndCountsRefetch() {
        ExpiryTracker t = new ExpiryTracker(1024, GRACE, T0, 2);
        t.onFetch(1, 120, T0);
        t.onFetch(2, 120, T0);
        t.onFetch(1, -1, sec(10));
        t.onFetch(2, 0, sec(10));
        ExpirySnapshot s = snap(t, sec(10));
        assertThat(s.tracked()).isZero();
        assertThat(s.expiringWithin(H24H)).isZero();
        assertThat(s.refetchedTotal()).isEqualTo(2);
        assertThat(snap(t, sec(600)).dueTotal()).isZero();
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void onFetch_uncacheableFetchesOfOtherAssets_neverEvict() {
        ExpiryTracker t = new ExpiryTracker(16, GRACE, T0, 2);
        t.onFetch(12345, 600, T0);
        for (long a = 0; a < 1000; a++) {
            if (a != 12345) {
                t.onFetch(a, -1, T0);
            }
        }
        ExpirySnapshot s = snap(t, T0);
        assertThat(s.tracked()).isEqualTo(1);
        assertThat(s.refetchedTotal()).isZero();
        assertThat(s.evictedTotal()).isZero();
    }

    @Test
    void onFetch_collisionsInATinyTable_countsStayBoundedExactAndMemoryFixed() {
        ExpiryTracker t = new ExpiryTracker(16, GRACE, T0, 4);
        long memory = t.memoryBytes();
        SplittableRandom r = new SplittableRandom(20261123);
        long now = T0;
        for (int i = 0; i < 50_000; i++) {
            long asset = r.nextInt(1000);
            long ttl = r.nextInt(10) == 0 ? 86_400L * (1 + r.nextInt(5)) : 1 + r.nextInt(3600);
            t.onFetch(asset, ttl, now);
            if (i % 100 == 0) {
                now += 5_000;
                t.advance(now);
                ExpirySnapshot s = snap(t, now);
                assertThat(s.tracked()).isBetween(0L, 16L);
                assertThat(s.overdue()).isBetween(0L, 16L);
                for (int h = 0; h < CacheExpiry.HORIZON_SECONDS.length; h++) {
                    assertThat(s.expiringWithin(h)).isBetween(0L, 16L);
                }
            }
        }
        ExpirySnapshot s = snap(t, now);
        assertThat(s.evictedTotal()).isPositive();
        assertThat(s.tracked()).isEqualTo(t.liveEntries());
        assertThat(t.checkInvariant()).isNull();
        assertThat(t.tableSize()).isEqualTo(16);
        assertThat(t.memoryBytes()).isEqualTo(memory);
    }

    @Test
    void onFetch_absurdInputs_clampedNeverThrow() {
        ExpiryTracker t = new ExpiryTracker(64, GRACE, T0, 2);
        long[] values = {Long.MIN_VALUE, -1, 0, 1, T0 - 1, T0, Long.MAX_VALUE, Long.MAX_VALUE / 1000 + 1};
        for (long now : values) {
            for (long ttl : values) {
                t.onFetch(now ^ ttl, ttl, now);
            }
            t.advance(now);
            t.onFetch(now, 60, T0); // time going backwards
        }
        ExpirySnapshot s = snap(t, Long.MAX_VALUE);
        assertThat(s.tracked()).isBetween(0L, 64L);
        assertThat(s.overdue()).isNotNegative();
        assertThat(s.oldestOverdueMillis()).isNotNegative();
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void snapshot_fetchesAreCountedBeforeAdvanceSeesTheirTime() {
        ExpiryTracker t = new ExpiryTracker(64, GRACE, T0, 2);
        t.onFetch(1, 30, T0 - 5_000); // a fetch time before the start counts as the start
        t.onFetch(2, 30, sec(20));    // a coarse clock a little ahead of the wheel
        ExpirySnapshot s = snap(t, sec(20));
        assertThat(s.expiringWithin(H1M)).isEqualTo(2);
        assertThat(t.checkInvariant()).isNull();
    }

    @Test
    void constructor_badArguments_throwNamingTheValue() {
        assertThatThrownBy(() -> new ExpiryTracker(0, GRACE, T0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0");
        assertThatThrownBy(() -> new ExpiryTracker(16, -5, T0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-5");
        assertThat(new ExpiryTracker(1000, GRACE, T0).tableSize()).isEqualTo(1024);
        assertThatThrownBy(() -> t0Snapshot().expiringWithin(6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6");
    }

    @Test
    void constructor_defaultTable_memoryIsFixedAndAboutOneMebibyte() {
        ExpiryTracker t = new ExpiryTracker(1 << 16, GRACE, T0, 4);
        long before = t.memoryBytes();
        for (long a = 0; a < 200_000; a++) {
            t.onFetch(a * 0x9E3779B97F4A7C15L, 60 + a % 7200, T0);
        }
        assertThat(t.memoryBytes()).isEqualTo(before);
        // table 512 KiB + 4 stripes of the ring and of its dirty flags (one per 64 slots) + the
        // snapshot's cache (4 bytes per slot, 8 per block) and its prefix sums (4 bytes per slot;
        // 8 per block, a stale flag and a list entry) + padding and headers
        assertThat(before).isBetween(8L * (1 << 16), 8L * (1 << 16) + 4L * 8 * t.ringSize() + 4L * t.ringSize()
                + 5L * 8 * t.ringSize() / 64 + 4L * t.ringSize() + 13L * t.ringSize() / 64 + 4096);
        assertThat(snap(t, T0).tracked()).isEqualTo(t.liveEntries()).isLessThanOrEqualTo(1 << 16);
    }

    @Test
    void constructor_largeGrace_ringStillCoversHorizonGraceAndLookback() {
        ExpiryTracker t = new ExpiryTracker(16, 86_400_000L, T0, 1);
        assertThat(t.lookbackMillis()).isGreaterThanOrEqualTo(86_400_000L);
        t.onFetch(3, 60, T0);
        assertThat(snap(t, sec(60) + 86_400_000L - SLOT).overdue()).isZero();
        ExpirySnapshot s = snap(t, sec(60) + 86_400_000L + SLOT);
        assertThat(s.overdue()).isEqualTo(1);
        assertThat(s.dueTotal()).isEqualTo(1);
    }

    private static CacheExpiry t0Snapshot() {
        return new ExpiryTracker(16, GRACE, T0).snapshot(T0);
    }
}
