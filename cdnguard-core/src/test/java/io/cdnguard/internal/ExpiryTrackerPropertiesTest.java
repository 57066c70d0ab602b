package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CacheExpiry;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class ExpiryTrackerPropertiesTest {

    private static final long T0 = 1_700_000_000_000L;

    /** One step: a fetch (kind 0..7), an advance (8) or a snapshot (9). */
    record Op(int kind, long hash, long ttl, long time) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Long> hashes = Arbitraries.oneOf(Arbitraries.longs().between(0, 40), Arbitraries.longs());
        Arbitrary<Long> ttls = Arbitraries.oneOf(Arbitraries.longs().between(-5, 200_000),
                Arbitraries.longs(), Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L, 31_536_000_000L));
        Arbitrary<Long> times = Arbitraries.oneOf(Arbitraries.longs().between(T0 - 60_000, T0 + 5L * 86_400_000),
                Arbitraries.longs().between(T0 - 60_000, T0 + 5L * 86_400_000),
                Arbitraries.longs(), Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L));
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 9), hashes, ttls, times).as(Op::new);
        return op.list().ofMaxSize(200);
    }

    @Property(tries = 300, seed = "20261123")
    void anyInputs_neverThrow_countsNeverNegativeAndMatchTheTable(@ForAll("ops") List<Op> ops,
            @ForAll @IntRange(min = 1, max = 256) int tableSize,
            @ForAll @LongRange(min = 0, max = 10L * 86_400_000) long grace) {
        ExpiryTracker t = new ExpiryTracker(tableSize, grace, T0, 2);
        long last = T0;
        for (Op op : ops) {
            if (op.kind() < 8) {
                t.onFetch(op.hash(), op.ttl(), op.time());
            } else if (op.kind() == 8) {
                t.advance(op.time());
            } else {
                CacheExpiry s = t.snapshot(op.time());
                assertSane(s, t);
                assertThat(s).hasToString(t.scanSnapshot(op.time()).toString());
            }
            last = op.time();
        }
        assertThat(t.checkInvariant()).isNull();
        CacheExpiry s = t.snapshot(last);
        assertSane(s, t);
        assertThat(s.tracked()).isEqualTo(t.liveEntries());
        assertThat(s).hasToString(t.scanSnapshot(last).toString());
    }

    @Property(tries = 200, seed = "20261124")
    void snapshot_afterAnySteps_equalsAFullScanOfTheRing(@ForAll("ops") List<Op> ops,
            @ForAll @IntRange(min = 16, max = 4096) int tableSize,
            @ForAll @LongRange(min = 0, max = 3L * 86_400_000) long grace,
            @ForAll @IntRange(min = 1, max = 4) int stripes) {
        ExpiryTracker t = new ExpiryTracker(tableSize, grace, T0, stripes);
        long now = T0;
        for (Op op : ops) {
            // a clock that mostly moves forward in small steps, as the evaluation side sees it
            now += Math.floorMod(op.time(), 20L * 60_000);
            if (op.kind() < 8) {
                t.onFetch(op.hash(), Math.floorMod(op.ttl(), 2L * 86_400) - 1, now);
            } else if (op.kind() == 8) {
                t.advance(now);
            } else {
                assertThat(t.snapshot(now)).hasToString(t.scanSnapshot(now).toString());
            }
        }
        assertThat(t.snapshot(now)).hasToString(t.scanSnapshot(now).toString());
    }

    private static void assertSane(CacheExpiry s, ExpiryTracker t) {
        long prev = 0;
        for (int h = 0; h < CacheExpiry.HORIZON_SECONDS.length; h++) {
            assertThat(s.expiringWithin(h)).isGreaterThanOrEqualTo(prev);
            prev = s.expiringWithin(h);
        }
        assertThat(prev + s.overdue()).isLessThanOrEqualTo(s.tracked());
        assertThat(s.tracked()).isBetween(0L, (long) t.tableSize());
        assertThat(s.overdue()).isNotNegative();
        assertThat(s.oldestOverdueMillis()).isNotNegative();
        assertThat(s.dueTotal()).isNotNegative();
        assertThat(s.refetchedTotal()).isNotNegative();
    }
}
