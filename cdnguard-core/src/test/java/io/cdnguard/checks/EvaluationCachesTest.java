package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The evaluation-side caches of the baseline (medians per slot, counts of slots with a value, a
 * fixed zone offset) and the guessed position of {@link CumulativeHistory#at} answer exactly what
 * computing afresh answers.
 */
class EvaluationCachesTest {

    private static final long HOUR = 3_600_000L;
    private static final long MONDAY = 1_700_438_400_000L; // 2023-11-20T00:00Z, a Monday

    /** A baseline loaded from another's bytes has no cached value yet: it computes every one afresh. */
    private static void assertSameAnswers(BaselineWeekly learned, ZoneId zone, long from, long to) {
        BaselineWeekly fresh = new BaselineWeekly(zone);
        fresh.loadFrom(learned.toBytes(from));
        assertThat(learned.warmingUp()).isEqualTo(fresh.warmingUp());
        assertThat(learned.isEmpty()).isEqualTo(fresh.isEmpty());
        for (long t = from; t <= to; t += 7 * 60_000L) {
            assertThat(Double.doubleToLongBits(learned.rate(t))).as("rate at %d", t).isEqualTo(Double.doubleToLongBits(fresh.rate(t)));
            assertThat(learned.source(t)).as("source at %d", t).isEqualTo(fresh.source(t));
        }
    }

    @Test
    void baseline_cachedMediansAndCounts_sameAsFreshlyLoaded_whileLearning() {
        for (ZoneId zone : new ZoneId[] {ZoneOffset.UTC, ZoneOffset.ofHours(5), ZoneId.of("Europe/Berlin")}) {
            BaselineWeekly b = new BaselineWeekly(zone);
            assertThat(b.isEmpty()).isTrue();
            Random rnd = new Random(42);
            long t = MONDAY;
            int checks = 0;
            for (int day = 0; day < 40; day++) {
                for (int step = 0; step < 24 * 6; step++) { // 10 min steps
                    t += 600_000L;
                    b.add(t, rnd.nextInt(50 + 10 * (int) ((t / HOUR) % 24)), 10);
                    if (rnd.nextInt(500) == 0) {
                        b.flagAnomalous();
                    }
                    if (step % 37 == 0) {
                        b.rate(t); // fill the caches between commits, as evaluations do
                        b.warmingUp();
                    }
                }
                if (day % 3 == 0) {
                    assertSameAnswers(b, zone, t - 2 * 24 * HOUR, t + 24 * HOUR);
                    checks++;
                }
            }
            assertThat(b.warmingUp()).isFalse();
            assertThat(b.isEmpty()).isFalse();
            assertThat(checks).isGreaterThan(10);
        }
    }

    @Test
    void baseline_loadFrom_replacesCachedValues() {
        BaselineWeekly a = new BaselineWeekly(ZoneOffset.UTC);
        BaselineWeekly b = new BaselineWeekly(ZoneOffset.UTC);
        long t = MONDAY;
        for (int i = 0; i < 24 * 6 * 9; i++) {
            t += 600_000L;
            a.add(t, 10, 10);
            b.add(t, 30, 10);
        }
        double before = b.rate(t - HOUR); // cached in b
        b.loadFrom(a.toBytes(t));
        assertThat(b.rate(t - HOUR)).isNotEqualTo(before).isEqualTo(a.rate(t - HOUR));
        assertThat(b.warmingUp()).isEqualTo(a.warmingUp());
    }

    /** The straightforward search: the last position whose time is at most {@code time}. */
    private static int reference(long[] times, int n, long time) {
        int found = -1;
        for (int i = 0; i < n; i++) {
            if (times[i] <= time) {
                found = i;
            }
        }
        return found;
    }

    @Test
    void cumulativeHistory_at_sameAsLinearSearch_regularAndIrregularSamples() {
        Random rnd = new Random(7);
        for (int round = 0; round < 40; round++) {
            int capacity = 1 + rnd.nextInt(60);
            CumulativeHistory h = new CumulativeHistory(capacity, 1);
            long[] pushed = new long[1000];
            int n = 0;
            long t = rnd.nextInt(1000);
            int pushes = rnd.nextInt(200);
            for (int i = 0; i < pushes; i++) {
                t += round % 2 == 0 ? 5_000 : 1 + rnd.nextInt(20_000); // regular, then irregular spacing
                int slot = h.push(t);
                h.set(slot, 0, t);
                pushed[n++] = t;
            }
            int kept = Math.min(n, capacity);
            long[] window = java.util.Arrays.copyOfRange(pushed, n - kept, n);
            for (int q = 0; q < 300; q++) {
                long time = kept == 0 ? rnd.nextLong() : window[0] - 10_000 + (long) (rnd.nextDouble() * (t - window[0] + 20_000));
                int expect = reference(window, kept, time);
                int slot = h.at(time);
                if (expect < 0) {
                    assertThat(slot).as("at(%d)", time).isEqualTo(-1);
                } else {
                    assertThat(h.get(slot, 0)).as("at(%d)", time).isEqualTo(window[expect]);
                }
            }
        }
    }
}
