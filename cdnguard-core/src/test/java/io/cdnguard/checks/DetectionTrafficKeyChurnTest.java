package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * cdn-traffic's POP-share test where the POP keys themselves change or are many: a fresh start among
 * 40 small edge hosts, a key renamed (CloudFront rotates its per-server Via hosts), traffic moving to
 * a key beyond the detector's 32. None is a loss; each alarmed before the guards it tests (found by
 * review, 2026-11-24). A busy site: 60 fetches a minute at 04:00 to 600 at 16:00, every day alike.
 */
class DetectionTrafficKeyChurnTest {

    private static final long MIN = 60_000L;
    private static final long HOUR = 60 * MIN;
    private static final long DAY = 24 * HOUR;
    private static final long MONDAY = TrafficModel.MONDAY;
    private static final long STEP = 10_000L;

    private static double ratePerMinute(long t) {
        double h = (t % DAY) / (double) HOUR;
        return 60 + 540 * (0.5 - 0.5 * Math.cos(2 * Math.PI * (h - 4) / 24));
    }

    private static int poisson(Random r, double mean) {
        if (mean > 50) {
            return (int) Math.max(0, Math.round(mean + Math.sqrt(mean) * r.nextGaussian()));
        }
        double l = Math.exp(-mean);
        int k = 0;
        double p = 1;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    /**
     * {@code nPop} keys of equal share from Monday 00:00 until {@code end}; from {@code switchAt} on,
     * key {@code from}'s traffic goes to key {@code to} (listed from then on). Returns the time of
     * the first alarm, or -1.
     */
    private static long firstAlarm(DetectionTraffic.Config cfg, int nPop, int from, int to, long switchAt, long end,
            long seed) {
        DetectionTraffic d = new DetectionTraffic(cfg, new BaselineWeekly(ZoneOffset.UTC));
        Random r = new Random(seed);
        int keys = Math.max(nPop, to + 1);
        String[] names = new String[keys];
        for (int i = 0; i < keys; i++) {
            names[i] = "cloudfront:" + Integer.toHexString(0x1000 + i);
        }
        long[] cum = new long[keys];
        long total = 0;
        for (long t = MONDAY; t <= end; t += STEP) {
            double perPop = ratePerMinute(t) / 6.0 / nPop;
            for (int p = 0; p < nPop; p++) {
                int k = poisson(r, perPop);
                cum[t >= switchAt && p == from ? to : p] += k;
                total += k;
            }
            DetectionTraffic.Result res = d.update(t, total, names, cum, t >= switchAt ? keys : nPop);
            if (res.alarm) {
                return t;
            }
        }
        return -1;
    }

    @Test
    void freshStart_fortyEqualEdgeHosts_noChanceLoss() {
        // Each guard alone keeps it quiet; without both, 5 of these 10 starts paged 70-150 min in.
        DetectionTraffic.Config cfg = new DetectionTraffic.Config();
        DetectionTraffic.Config cleanReferenceOnly = new DetectionTraffic.Config();
        cleanReferenceOnly.movedGuard = false;
        DetectionTraffic.Config unguarded = new DetectionTraffic.Config();
        unguarded.minCleanReferenceMillis = 0;
        unguarded.movedGuard = false;
        int unguardedAlarms = 0;
        long end = MONDAY + 4 * HOUR;
        for (long seed = 1; seed <= 10; seed++) {
            assertThat(firstAlarm(cfg, 40, 0, 0, Long.MAX_VALUE, end, seed)).as("seed %d", seed).isEqualTo(-1);
            assertThat(firstAlarm(cleanReferenceOnly, 40, 0, 0, Long.MAX_VALUE, end, seed)).as("seed %d", seed)
                    .isEqualTo(-1);
            if (firstAlarm(unguarded, 40, 0, 0, Long.MAX_VALUE, end, seed) >= 0) {
                unguardedAlarms++;
            }
        }
        assertThat(unguardedAlarms).as("chance losses without the guards").isPositive();
    }

    @Test
    void keyRenamed_trafficMovesToANewKey_notFlagged() {
        long tuesdayWeek2 = MONDAY + 8 * DAY + 14 * HOUR;
        DetectionTraffic.Config cfg = new DetectionTraffic.Config();
        DetectionTraffic.Config unguarded = new DetectionTraffic.Config();
        unguarded.movedGuard = false;
        int unguardedAlarms = 0;
        for (long seed = 1; seed <= 3; seed++) {
            long end = tuesdayWeek2 + 4 * HOUR;
            assertThat(firstAlarm(cfg, 12, 0, 12, tuesdayWeek2, end, seed)).as("seed %d", seed).isEqualTo(-1);
            long a = firstAlarm(unguarded, 12, 0, 12, tuesdayWeek2, end, seed);
            assertThat(a < 0 || a >= tuesdayWeek2).as("no alarm before the rename, seed %d", seed).isTrue();
            if (a >= 0) {
                unguardedAlarms++;
            }
        }
        assertThat(unguardedAlarms).as("renames read as losses without the moved-traffic guard").isPositive();
    }

    @Test
    void trafficMovesToAKeyBeyondTheIndex_notFlagged() {
        long tuesdayWeek2 = MONDAY + 8 * DAY + 14 * HOUR;
        DetectionTraffic.Config cfg = new DetectionTraffic.Config();
        for (long seed = 1; seed <= 2; seed++) {
            // 40 hosts: the detector indexes 32; host 0's traffic moves to host 39, never indexed
            assertThat(firstAlarm(cfg, 40, 0, 39, tuesdayWeek2, tuesdayWeek2 + 4 * HOUR, seed)).as("seed %d", seed)
                    .isEqualTo(-1);
        }
    }
}
