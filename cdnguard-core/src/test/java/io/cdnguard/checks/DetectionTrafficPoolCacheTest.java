package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.DAY;
import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MONDAY;
import static io.cdnguard.checks.TrafficModel.WEEK;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The POP-share test reuses a window's pool while the window's counts are unchanged: on sparse
 * traffic most of them, between two evaluations. Fed the same steps, a detector that recomputes
 * every pool must report exactly the same, step by step, through a POP loss and its recovery.
 */
class DetectionTrafficPoolCacheTest {

    private static final long STEP = 10_000L;

    private static DetectionTraffic detector(byte[] baseline, boolean cache) {
        BaselineWeekly b = new BaselineWeekly(ZoneOffset.UTC);
        b.loadFrom(baseline);
        DetectionTraffic d = new DetectionTraffic(new DetectionTraffic.Config(), b);
        d.poolCache = cache;
        return d;
    }

    private static String describe(DetectionTraffic.Result r) {
        return r.alarm + " " + r.changed + " " + r.ready + " " + r.warmingUp + " " + r.reason + " " + r.pop + " "
            + Double.doubleToLongBits(r.evidence) + " " + r.windowMillis + " " + r.observed + " "
            + Double.doubleToLongBits(r.expected) + " " + Double.doubleToLongBits(r.level) + " " + r.shareTest;
    }

    @Test
    void update_poolReused_sameResultsAsRecomputedEveryStep() {
        long w3 = MONDAY + 2 * WEEK;
        long sat19 = w3 + 5 * DAY + 19 * HOUR;
        TrafficModel learn = CdnTrafficDetectorTest.site(7, 0.5);
        DetectionTraffic learner = CdnTrafficDetectorTest.fresh();
        new TrafficModel.Run(learn, learner).drive(MONDAY + WEEK - DAY, w3 + 2 * HOUR, STEP);
        byte[] baseline = learner.baseline().toBytes(w3);

        TrafficModel m = CdnTrafficDetectorTest.site(7, 0.5); // a few fetches a minute: most windows unchanged per step
        m.popCut[1] = true;
        m.popCut[4] = true;
        m.popCutFrom = sat19;
        m.popCutUntil = sat19 + 3 * HOUR;
        DetectionTraffic cached = detector(baseline, true);
        DetectionTraffic recomputed = detector(baseline, false);
        long[] cum = new long[m.pops.length];
        long[] tmp = new long[m.pops.length];
        long total = 0;
        int steps = 0;
        int alarmSteps = 0;
        int shareSteps = 0;
        for (long t = sat19 - 3 * HOUR; t <= sat19 + 5 * HOUR; t += STEP) {
            java.util.Arrays.fill(tmp, 0);
            m.step(t, STEP, tmp);
            for (int p = 0; p < tmp.length; p++) {
                cum[p] += tmp[p];
                total += tmp[p];
            }
            DetectionTraffic.Result a = cached.update(t, total, m.pops, cum, m.pops.length);
            DetectionTraffic.Result b = recomputed.update(t, total, m.pops, cum, m.pops.length);
            assertThat(describe(a)).as("step at %d", t).isEqualTo(describe(b));
            steps++;
            alarmSteps += a.alarm ? 1 : 0;
            shareSteps += a.shareTest ? 1 : 0;
        }
        assertThat(steps).isEqualTo(8 * 360 + 1);
        assertThat(alarmSteps).as("the POP loss is detected, so the pooled path mattered").isPositive();
        assertThat(shareSteps).isPositive();
    }
}
