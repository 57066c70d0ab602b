package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.DAY;
import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MIN;
import static io.cdnguard.checks.TrafficModel.MONDAY;
import static io.cdnguard.checks.TrafficModel.WEEK;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The detector's evaluation caches (the level per window start, the reference figures per start
 * sample, the pools) must never change a result: fed the same steps, a detector with those caches on
 * and one with them off report exactly the same, step by step (bit for bit), through POP losses, a
 * total silence, their recoveries and clock discontinuities. The window-start hints and the skips by
 * Poisson upper bound are active on both sides, so this test does not cover them: the bounds are
 * checked against the full computation in {@code PoissonBoundsTest}, and the hints fall back to the
 * binary search whenever they are not provably right.
 */
class DetectionTrafficCachesTest {

    private static final long STEP = 10_000L;
    private static final long W3 = MONDAY + 2 * WEEK;

    /** The learner's POP-share history (the same hours of past weeks), adopted by both sides. */
    private static DetectionTraffic learner;

    private static byte[] learnedBaseline() {
        TrafficModel learn = CdnTrafficDetectorTest.site(7, 0.5);
        learner = CdnTrafficDetectorTest.fresh();
        new TrafficModel.Run(learn, learner).drive(MONDAY + WEEK - DAY, W3 + 2 * HOUR, STEP);
        return learner.baseline().toBytes(W3);
    }

    private static DetectionTraffic detector(byte[] baseline, boolean caches, DetectionTraffic.Config config) {
        BaselineWeekly b = new BaselineWeekly(ZoneOffset.UTC);
        b.loadFrom(baseline);
        DetectionTraffic d = new DetectionTraffic(config, b);
        d.adoptPopHistory(learner);
        d.poolCache = caches;
        d.levelCache = caches;
        d.figureCache = caches;
        return d;
    }

    private static String describe(DetectionTraffic.Result r) {
        return r.alarm + " " + r.changed + " " + r.ready + " " + r.warmingUp + " " + r.reason + " " + r.pop + " "
            + Double.doubleToLongBits(r.evidence) + " " + r.windowMillis + " " + r.observed + " "
            + Double.doubleToLongBits(r.expected) + " " + Double.doubleToLongBits(r.level) + " " + r.shareTest + " "
            + Double.doubleToLongBits(r.expectedPerMin) + " " + r.clockStepMillis;
    }

    /** Counts of the steps that reached each kind of outcome, to show the paths under test were taken. */
    private static final class Seen {
        int steps;
        int shareAlarmSteps;
        int silenceAlarmSteps;
        int shareTestSteps;
        int restarts;
    }

    private static Seen compare(TrafficModel m, byte[] baseline, long from, long to, long[] jumps) {
        return compare(m, baseline, from, to, jumps, 0, new DetectionTraffic.Config());
    }

    private static Seen compare(TrafficModel m, byte[] baseline, long from, long to, long[] jumps,
            DetectionTraffic.Config config) {
        return compare(m, baseline, from, to, jumps, 0, config);
    }

    private static Seen compare(TrafficModel m, byte[] baseline, long from, long to, long[] jumps, long jitterMillis) {
        return compare(m, baseline, from, to, jumps, jitterMillis, new DetectionTraffic.Config());
    }

    /**
     * Steps of STEP plus up to {@code jitterMillis} either way (seeded): a trace's evaluation times
     * are not on the samples' grid, so a window's start falls between two samples.
     */
    private static Seen compare(TrafficModel m, byte[] baseline, long from, long to, long[] jumps, long jitterMillis,
            DetectionTraffic.Config config) {
        java.util.SplittableRandom jitter = new java.util.SplittableRandom(5);
        DetectionTraffic cached = detector(baseline, true, config);
        DetectionTraffic plain = detector(baseline, false, config);
        long[] cum = new long[m.pops.length];
        long[] tmp = new long[m.pops.length];
        long total = 0;
        Seen seen = new Seen();
        long t = from;
        int nextJump = 0;
        while (t <= to) {
            long dt = jitterMillis == 0 ? STEP : STEP + jitter.nextLong(-jitterMillis, jitterMillis + 1);
            Arrays.fill(tmp, 0);
            m.step(t, dt, tmp);
            for (int p = 0; p < tmp.length; p++) {
                cum[p] += tmp[p];
                total += tmp[p];
            }
            DetectionTraffic.Result a = cached.update(t, total, m.pops, cum, m.pops.length);
            DetectionTraffic.Result b = plain.update(t, total, m.pops, cum, m.pops.length);
            assertThat(describe(a)).as("step at %d", t).isEqualTo(describe(b));
            seen.steps++;
            if (a.alarm && a.reason == DetectionTraffic.Reason.POP_LOSS) {
                seen.shareAlarmSteps++;
            }
            if (a.alarm && a.reason == DetectionTraffic.Reason.SILENCE) {
                seen.silenceAlarmSteps++;
            }
            seen.shareTestSteps += a.shareTest ? 1 : 0;
            seen.restarts += a.clockStepMillis != 0 ? 1 : 0;
            t += dt;
            if (nextJump < jumps.length && t >= jumps[nextJump]) {
                t += jumps[nextJump + 1]; // a clock step (forward or back) restarts the recent history
                nextJump += 2;
            }
        }
        return seen;
    }

    /** Seed 7's site with POPs 1 and 4 cut for three hours from {@code from}. */
    private static TrafficModel twoPopsCut(long from) {
        TrafficModel m = CdnTrafficDetectorTest.site(7, 0.5);
        m.popCut[1] = true;
        m.popCut[4] = true;
        m.popCutFrom = from;
        m.popCutUntil = from + 3 * HOUR;
        return m;
    }

    @Test
    void update_cachesOn_sameResultsAsCachesOff_throughPopLossSilenceAndClockSteps() {
        byte[] baseline = learnedBaseline();
        long sat19 = W3 + 5 * DAY + 19 * HOUR;
        TrafficModel m = twoPopsCut(sat19);
        Seen popLoss = compare(m, baseline, sat19 - 3 * HOUR, sat19 + 5 * HOUR,
            new long[] {sat19 + 4 * HOUR, 20 * MIN, sat19 + 4 * HOUR + 30 * MIN, -7 * MIN});
        assertThat(popLoss.shareAlarmSteps).as("the POP loss is detected").isPositive();
        assertThat(popLoss.shareTestSteps).isPositive();
        assertThat(popLoss.restarts).as("the clock steps restarted the history").isPositive();

        TrafficModel silent = CdnTrafficDetectorTest.site(11, 0.5);
        Arrays.fill(silent.popCut, true); // every POP: the origin gets nothing at all
        silent.popCutFrom = sat19;
        silent.popCutUntil = sat19 + 2 * HOUR;
        Seen silence = compare(silent, baseline, sat19 - 2 * HOUR, sat19 + 4 * HOUR, new long[0]);
        assertThat(silence.silenceAlarmSteps).as("the silence is detected").isPositive();

        // a POP loss during a demand spike: with the option on, the split stands without the total's confirmation
        DetectionTraffic.Config unconfirmed = new DetectionTraffic.Config();
        unconfirmed.unconfirmedExtraNats = 8;
        TrafficModel spike = CdnTrafficDetectorTest.site(13, 0.5);
        spike.demandMultiplier = t -> t >= sat19 && t < sat19 + 90 * MIN ? 2.5 : 1;
        spike.popCut[1] = true;
        spike.popCut[4] = true;
        spike.popCut[5] = true;
        spike.popCutFrom = sat19;
        spike.popCutUntil = sat19 + 3 * HOUR;
        Seen inSpike = compare(spike, baseline, sat19 - 3 * HOUR, sat19 + 85 * MIN, new long[0], unconfirmed);
        assertThat(inSpike.shareAlarmSteps).as("the loss is detected during the spike").isPositive();
    }

    @Test
    void update_cachesOn_sameResultsAsCachesOff_atIrregularTimesThroughAHolidayAndAPopLoss() {
        // evaluation times off the samples' grid (the reference figures are kept per start sample and
        // weekly reference, not per exact start), over hour boundaries (the weekly reference's commits),
        // a holiday from midnight at half a fetch a minute (the silence test's drift level) and a POP loss
        byte[] baseline = learnedBaseline();
        long sun = W3 + 6 * DAY;
        TrafficModel holiday = CdnTrafficDetectorTest.site(7, 0.5);
        holiday.demandMultiplier = CdnTrafficDetectorTest.holiday(sun);
        Seen quiet = compare(holiday, baseline, sun - 3 * HOUR, sun + 6 * HOUR, new long[0], 4_000L);
        assertThat(quiet.steps).isGreaterThan(3000);

        long sat19 = W3 + 5 * DAY + 19 * HOUR;
        TrafficModel m = twoPopsCut(sat19);
        Seen popLoss = compare(m, baseline, sat19 - 3 * HOUR, sat19 + 4 * HOUR, new long[0], 7_000L);
        assertThat(popLoss.shareAlarmSteps).as("the POP loss is detected").isPositive();
    }
}
