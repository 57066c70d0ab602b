package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.RequestKind;
import io.cdnguard.RollingWindow;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The snapshot's window (closed buckets published copy-on-write by the ticker, current bucket
 * derived at snapshot time) against the window computed from the ring the straightforward way.
 */
class CountersWindowPropertiesTest {

    private static final long T0 = 1_700_000_000_000L;

    /** One step: a record (kind 0..5), a tick forward by {@code step} ms (6..8), a tick back (9). */
    record Op(int kind, int status, long step) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Long> steps = Arbitraries.oneOf(Arbitraries.longs().between(0, 25_000),
                Arbitraries.longs().between(0, 4_000_000), Arbitraries.of(10_000L, 1_000L, 86_400_000L));
        return Combinators.combine(Arbitraries.integers().between(0, 9), Arbitraries.integers().between(100, 599), steps)
                .as(Op::new).list().ofMaxSize(300);
    }

    @Property(tries = 200, seed = "20261124")
    void snapshotWindow_afterAnyRecordsAndTicks_equalsTheRingComputation(@ForAll("ops") List<Op> ops,
            @ForAll @IntRange(min = 2, max = 70) int buckets) {
        Counters c = new Counters(T0, 10_000, buckets, List.of("a", "b"), 4, 8, null, 2);
        long now = T0;
        for (Op op : ops) {
            if (op.kind() < 6) {
                RequestKind kind = op.kind() < 4 ? RequestKind.CDN : RequestKind.PROBE;
                c.recordClassified(kind, Cdn.CLOUDFRONT, op.status(), 10, 1_000, op.kind() == 1, Counters.NO_TTL, 0,
                        "/x", false, op.kind() == 2 ? "a" : null, op.status() >= 500 ? UpstreamFailure.values()[0] : null);
            } else if (op.kind() < 9) {
                now += op.step();
                c.tick(now);
            } else {
                now -= op.step();
                c.tick(now);
            }
            assertWindowMatches(c, buckets);
        }
    }

    private static void assertWindowMatches(Counters c, int buckets) {
        RollingWindow w = c.snapshot().window();
        long[] ref = c.scanWindowCounts();
        for (int i = 0; i < buckets; i++) {
            long[] got = {
                w.cdnFetches(i, StatusClass.values()[0]), w.cdnFetches(i, StatusClass.values()[1]),
                w.cdnFetches(i, StatusClass.values()[2]), w.cdnFetches(i, StatusClass.values()[3]),
                w.cdnFetches(i, StatusClass.values()[4]), w.revalidations(i), w.otherRequests(i, RequestKind.PROBE),
                w.backendExchanges(i), w.upstreamFailures(i)};
            long[] want = {
                ref[i * Counters.W + Counters.W_CDN], ref[i * Counters.W + Counters.W_CDN + 1],
                ref[i * Counters.W + Counters.W_CDN + 2], ref[i * Counters.W + Counters.W_CDN + 3],
                ref[i * Counters.W + Counters.W_CDN + 4], ref[i * Counters.W + Counters.W_REVALIDATION],
                ref[i * Counters.W + Counters.W_OTHER + RequestKind.PROBE.ordinal()],
                ref[i * Counters.W + Counters.W_BACKEND], ref[i * Counters.W + Counters.W_UPSTREAM]};
            assertThat(got).as("bucket %d of %d", i, buckets).containsExactly(want);
        }
        assertThat(w.cdnFetches(buckets)).isZero();
        assertThat(w.cdnFetches(-1)).isZero();
    }
}
