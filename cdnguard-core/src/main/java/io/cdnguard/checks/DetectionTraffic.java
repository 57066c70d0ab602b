package io.cdnguard.checks;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The arithmetic of {@code cdn-traffic}, fed plain numbers: the evaluation time, the cumulative
 * count of successful CDN fetches and the cumulative fetches per POP. {@link CdnTrafficCheck}
 * documents the method; this class holds the state and is unit-tested directly on simulated counts.
 *
 * <p>Not thread-safe: used by one evaluation thread. Never throws on odd input: counters that go
 * down are re-based (a restart), a clock that steps back or jumps forward by more than five minutes
 * (or three evaluation periods) starts the recent history afresh without learning the open hour.
 */
/*
 * Implementation notes.
 *
 * Recent history is a ring of samples (at most one per sampleSpacingMillis, 2400 of them: 6 h 40 min
 * at 10 s, enough for the longest share window, 4 h, and its 2 h reference) of running totals: observed fetches, expected fetches (the seasonal baseline
 * integrated over the evaluation steps), the same two over "clean" time only (steps not in alarm,
 * with a known expectation), and per-POP fetches (all and clean). A window's counts are the
 * difference of the running totals now and at the newest sample at or before the window's start
 * (found by interpolation on the regular sample times, a binary search otherwise), so every test
 * is O(1) per window and O(POPs) per share window that passes the O(1) tests on its totals (the
 * sums over all POPs are kept per sample too).
 *
 * Cost: each evaluation skips the work that cannot change its outcome, never the outcome itself:
 * a silence window whose count rules out a deep drop even at the highest level (or whose floor
 * evidence at that level stays below floorNats) does not compute its level; a share window whose
 * total did not drop (when unconfirmed splits are off, the default) does not look at its POPs;
 * the pooled POP names are built once, for the best window. Memory: the per-sample caches below
 * add 3 doubles and an int per sample and POP (2.2 MB with the defaults; the POP rows of the ring
 * are 1.2 MB), and PopShareWeekly about 135 KB (maxPops x 168 x 4 float counts, a double reference
 * row per hour of the week).
 *
 * Caches (each returns exactly what computing afresh returns; DetectionTrafficCachesTest compares):
 * a window's level depends only on the samples at and before its start, so it is kept per start
 * sample (levelStart/levelValue, and the silence test's capped level silenceLevel*, cleared when
 * push reuses the slot, used only while every reference sample is still in the ring); likewise a
 * share window's reference figures (each POP's share and its lower bound, eager, and the list of
 * eligible POPs the pool loop walks) are kept per start sample and weekly reference (fig*: keyed by
 * the sample, not the exact start, so off-grid evaluation times share them too, and by the stamp of
 * the weekly hour's reference, which a commit changes only when that reference changed, not by the
 * version every hourly commit bumps), so the 27 share windows that start at a sample in turn
 * compute them once; the sample at a window's start is found from where it was
 * found last time (atFrom, usually one step). An evidence that cannot beat the best window so far
 * (Poisson.deficitEvidenceUpper) is not computed, and a threshold test that a bound already settles
 * (Poisson.deficitEvidenceAtLeast) does not sum its series.
 *
 * Tests per evaluation (when not warming up):
 *  1. silence: for windows of 1..120 min and for the gap since the last fetch, with the expectation
 *     lam = level * expected: evidence -ln P(X <= k | lam) when k <= deepRatio * lam and the count is
 *     also unlikely for a holiday-deep level (holidayFloor * lam, floorNats; for a silence starting in the
 *     first midnightMillis, 45 min by default, after a local midnight: midnightFloor * lam,
 *     midnightFloorNats, a holiday's first minutes). The level here is also
 *     capped by the drift level (driftLevel: an upper confidence bound of the level over each of the
 *     spans before the window), which follows a holiday down at a fetch a minute.
 *  2. POP share: for windows of 1..240 min, the POPs whose count fell to half of their reference
 *     share of the window's total (lowered by one standard error) are pooled; evidence: the largest
 *     of the pool's Poisson deficit -ln P(X <= k), the binomial (Chernoff) bound given the window's
 *     total, and the binomial test conditional on the pool's fetches in reference and window, less
 *     ln 2 for trying two tests and ln C(eligible, pooled) for choosing the pool after looking. No
 *     share test on the recent reference while it holds less than an hour of clean time, nor of a
 *     pool whose missing fetches went (half or more) to other POPs beyond three standard deviations
 *     over their share of what is left (a renamed key; see pool()). The reference shares
 *     are those of the same hours (+-1 h) of past days (PopShareWeekly: every day of the week, visits
 *     before the window's start hour only) once they hold minWeeklyReference fetches, each capped by an upper bound of
 *     the POP's share over the 2 h before the window; until then the 2 h before the window. When
 *     the total did not fall below confirmRatio of its expectation (a loss during a demand spike),
 *     the window is not tested, unless unconfirmedExtraNats is finite (off by default; see Config).
 *  3. Rate step, where the CDN names no POP (Config.rateSteps): windows of 1..60 min against the
 *     silence test's level, when at most stepRatio of it arrived, evidence -ln P(X <= k) on counts
 *     scaled by a quasi-Poisson phi; not during the warm-up, on a quiet day, after a spike, over hours
 *     the weekly baseline does not know, before the ring holds the reference, or for windows whose
 *     reference reaches back to the previous local day or before stepQuietHours (see stepReference).
 * Alarm state freezes the level and the pooled POPs; windows never reach back before the last
 * recovery (noLookBefore), so a finished outage cannot re-trigger.
 */
final class DetectionTraffic {

    enum Reason { NONE, SILENCE, POP_LOSS, RATE_STEP }

    /** Tunables; the check's builder fills them. */
    static final class Config {
        double silenceNats = 17;
        double shareNats = 17;
        double warmupExtraNats = 3;
        double deepRatio = 0.05;
        double popDeficitRatio = 0.5;
        double confirmRatio = 0.9;
        double aggregateShareWeight = 0;
        double recoverRatio = 0.7;
        double maxLevel = 1.0;
        double minLevel = 0.02;
        double levelPseudoCount = 30;
        double holidayFloor = 0.25;
        double floorNats = 4;
        // In the first midnightMillis after a local midnight, a silence window (or gap) starting there
        // must also be unlikely (midnightFloorNats) at midnightFloor of its level (the same level the
        // test uses): a holiday's fetches fall to a third from midnight, in some traffic within a
        // minute, before any level can follow, and an ordinary 5 min gap of that third read as 17 to
        // 20 nats. A full stop there is flagged at 22.5 expected fetches instead of 17 (about 2.1 t*
        // instead of 1.6). midnightFloorNats <= floorNats or midnightMillis 0: off.
        double midnightFloor = 0.4;
        double midnightFloorNats = 9;
        // A silence is judged by its start: a holiday's gap that starts with the day's last fetch a
        // minute before midnight gets the usual floor (starting the band 5 min before midnight saved
        // 1 of 1,000 model nights and cost a stop at 23:57 0.5 t*).
        long midnightMillis = 45 * 60_000L;
        long referenceMillis = 120 * 60_000L;
        long shortReferenceMillis = 15 * 60_000L;
        double shortLevelNats = 3;
        // The silence test's level is also at most, for each of these spans before the window, the
        // highest level under which the span's clean count is not driftNats below its expectation
        // (an upper confidence bound): at a few fetches a minute the pseudo-count keeps the level
        // near 1 for hours into a holiday; infinity: off (the level alone).
        long[] driftSpansMillis = minutes(15, 30, 45, 60, 90, 120);
        double driftNats = 3;
        long[] windowsMillis = minutes(1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 18, 22, 26, 30, 35, 40, 45, 50, 60, 70, 80, 90, 105, 120);
        // up to 4 h: at night a lost POP's expected count grows slowly (a 40% loss at one fetch a
        // minute reaches the threshold after about 2 h 30 min), and a window of at most 2 h never got there
        long[] shareWindowsMillis = minutes(1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 60, 70, 80, 90, 105, 120,
                150, 180, 210, 240);
        long minHistoryMillis = 60 * 60_000L;
        long sampleSpacingMillis = 10_000L;
        int ringCapacity = 2400;
        int maxPops = 32;
        long minShareReference = 50;
        long minPopReference = 5;
        double recoverExpected = 30;
        long maxGapMillis = 5 * 60_000L;
        // The POP shares' reference: the same hours of past weeks (PopShareWeekly, the window start's
        // hour of the week +-1 h, visits before that hour only) once they hold at least
        // minWeeklyReference fetches, else the 2 h before.
        boolean weeklyShares = true;
        // ... over every day of the week (the same time of day): 7x the fetches, and known after a day
        boolean everyDayShares = true;
        double minWeeklyReference = 100;
        // The pool's evidence: also the binomial (Chernoff) bound given the window's total.
        boolean binomialShares = true;
        // The price (nats) of a split whose total did not drop below confirmRatio of its expectation
        // (a POP loss during a demand spike); infinity (the default): such windows are not tested.
        // Off by default: with a finite price, traffic that moves to a key the test does not pool (a
        // CloudFront edge host that is new this week, a POP beyond maxPops) reads as a loss with an
        // unchanged total, and the alarm never clears (the retired key never regains its share).
        // 8 catches a 40 % POP loss during a 2.5x spike in ~1 t* instead of after the spike.
        double unconfirmedExtraNats = Double.POSITIVE_INFINITY;
        // The pool's evidence: also the binomial test conditional on the pool's fetches in reference and window.
        boolean conditionalShares = true;
        // No share test while the reference holds less clean time than this (0: off).
        long minCleanReferenceMillis = 60 * 60_000L;
        // No share test of a pool whose missing fetches went, half or more, to other POPs beyond 3 sd
        // over their share of what is left (a renamed key). Known cost: a surviving POP whose share grew
        // since the weekly reference (a CDN remap) counts as "gained" too, and can hide a slow partial loss
        // that follows the remap (2 of 6 simulated runs missed in review; a full loss is still caught).
        boolean movedGuard = true;
        // 3. The rate step, for traffic whose CDN names no POP (Akamai's generic Via, an unknown CDN,
        // an access log without POP identity), where the share test cannot see a partial loss: the
        // total over windows of 1 min to 1 h against the recent level (the 2 h before the window),
        // tested only when it fell to stepRatio of it or below, when less than minPopCoverage of the
        // reference's fetches name a POP, after the warm-up, not on a quiet day, and only for windows whose reference
        // starts on the same local day, stepQuietHours or more after its midnight: a holiday's
        // fetches fall from midnight, as deep as a POP loss and within half an hour to three hours;
        // once a window's reference lies after that the level has followed them. The price: a
        // partial loss that starts between about 23:30 and 05:00 local time is not seen on the total.
        boolean rateSteps = true;
        double rateNats = 20;
        double stepRatio = 0.75;
        double minPopCoverage = 0.5;
        long[] rateWindowsMillis = minutes(1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 35, 40, 45, 50, 60);
        double stepRecoverFactor = 4;
        double stepSpikeRatio = 1.15; // no test while the reference ran this far above the norm
        double stepNoiseCv = 0.08;
        long stepNoiseMillis = 5 * 60_000L;
        double stepQuietDay = 0.8; // no test on a day whose clean level since local midnight is below this (a holiday is low all day)
        int stepQuietHours = 3; // no window whose reference starts before this local hour (a holiday's drift from midnight)
        long stepRecoverMillis = 15 * 60_000L;

        static long[] minutes(int... m) {
            long[] r = new long[m.length];
            for (int i = 0; i < m.length; i++) {
                r[i] = m[i] * 60_000L;
            }
            return r;
        }
    }

    /** The outcome of one step. */
    static final class Result {
        boolean alarm;
        boolean changed;
        boolean ready;
        boolean warmingUp;
        Reason reason = Reason.NONE;
        String pop;
        double evidence;
        long windowMillis;
        long observed;
        double expected;
        double expectedPerMin;
        double level = 1;
        int baselineSource;
        double baselineHours;
        boolean shareTest;
        /** The clock step (ms, negative = back) that restarted the history, while not yet re-armed; else 0. */
        long clockStepMillis;
    }

    /**
     * Margin (nats) under the floor below which the silence test's floor evidence at the highest
     * level lets a window be skipped without computing its level: far above rounding error, so the
     * skip never changes an outcome.
     */
    private static final double FLOOR_MARGIN = 1e-9;

    private final Config cfg;
    private final BaselineWeekly baseline;
    /** Per-POP fetches per hour of the week: the share test's reference once known. */
    private PopShareWeekly popWeekly;

    // sample ring (running totals); index of oldest = head, count = size
    private final long[] sTime;
    private final long[] sObs;
    private final double[] sExp;
    private final long[] sCleanObs;
    private final double[] sCleanExp;
    private final long[] sPop;
    private final long[] sCleanPop;
    private final long[] sPopTotal; // the sum of each sample's sPop row
    private final long[] sCleanPopTotal; // the sum of each sample's sCleanPop row
    private final long[] sCleanNamed; // clean fetches under any POP key, indexed or not (running total)
    private final long[] sCleanMillis; // clean time (steps not in alarm, with a known expectation), running total
    private int head;
    private int size;
    // The level computed for a window starting at levelStart[slot] (Long.MIN_VALUE: none) at that
    // sample; see level(). levelReach: how far before a window's start the level reads.
    // The last answer of atFrom per silence window, share window start and share reference start.
    private final int[] silenceHint;
    private final int[] rateHint;
    private final int[] shareHint;
    private final int[] refHint;
    private final long[] levelStart;
    private final double[] levelValue;
    private final long levelReach;
    /** Whether level() reuses a computed level; off only in the test that compares both ways. */
    boolean levelCache = true;
    // The silence level (the level, capped by driftLevel) per start sample, as levelStart/levelValue.
    private final long[] silenceLevelStart;
    private final double[] silenceLevelValue;

    // running totals now
    private long obs;
    private double exp;
    private long cleanObs;
    private double cleanExp;
    private final long[] pop;
    private final long[] cleanPop;
    private long popTotal; // the sum of pop: columns of POPs not (yet) indexed are always 0
    private long cleanPopTotal; // the sum of cleanPop
    private long cleanNamed; // clean fetches under any POP key (the rate step's coverage gate)
    private long lastNamedCum; // the sum of update's popCum last time
    // clean fetches and their expectation since the last local midnight (the rate step's day level)
    private long curDay = Long.MIN_VALUE;
    private long dayObs;
    private double dayExp;
    private long cleanMillis; // clean time (steps not in alarm, with a known expectation)

    // inputs last seen (for deltas)
    private long lastTime = Long.MIN_VALUE;
    private long lastCum;
    private final long[] lastPopCum;
    private final Map<String, Integer> popIndex = new HashMap<>();
    // The key last seen at each position of update's popKeys and its index (-1: no room), so that an
    // unchanged key is not looked up again.
    private String[] keyCache = new String[0];
    private int[] keyIdx = new int[0];
    private String[] popNames;
    private long lastDt = 10_000L;
    private long historyStart = Long.MIN_VALUE;
    private long clockStep; // the last discontinuity's step (dt minus the usual step), ms

    // fallback rate (per minute) when the baseline knows nothing: EWMA over clean time
    private double ewmaRate = Double.NaN;
    private double ewmaMinutes;
    private double ewmaStepMinutes = Double.NaN; // the last step's length and its weight 1 - exp(-minutes / 60)
    private double ewmaStepWeight;
    /** The POP deltas of the current step (update's scratch: zeroed at its start, the last step's deltas after it). */
    private final long[] popDelta;

    // alarm state
    private boolean alarm;
    private Reason alarmReason = Reason.NONE;
    private double frozenLevel = 1;
    private int frozenPop = -1;
    private double frozenShare;
    private long alarmSince;
    private long noLookBefore = Long.MIN_VALUE; // windows never reach before the last alarm cleared
    private long lastFetchTime = Long.MIN_VALUE; // time of the last step with fetches
    private double expAtLastFetch;

    DetectionTraffic(Config cfg, BaselineWeekly baseline) {
        this.cfg = cfg;
        this.baseline = baseline;
        int c = cfg.ringCapacity;
        sTime = new long[c];
        sObs = new long[c];
        sExp = new double[c];
        sCleanObs = new long[c];
        sCleanExp = new double[c];
        sPop = new long[c * cfg.maxPops];
        sCleanPop = new long[c * cfg.maxPops];
        sPopTotal = new long[c];
        sCleanPopTotal = new long[c];
        sCleanNamed = new long[c];
        sCleanMillis = new long[c];
        levelStart = new long[c];
        silenceHint = new int[cfg.windowsMillis.length];
        rateHint = new int[cfg.rateWindowsMillis.length];
        Arrays.fill(rateHint, -1);
        shareHint = new int[cfg.shareWindowsMillis.length];
        refHint = new int[cfg.shareWindowsMillis.length];
        Arrays.fill(silenceHint, -1);
        Arrays.fill(shareHint, -1);
        Arrays.fill(refHint, -1);
        Arrays.fill(levelStart, Long.MIN_VALUE);
        levelValue = new double[c];
        long reach = Math.max(cfg.referenceMillis, cfg.shortReferenceMillis);
        for (long span : cfg.driftSpansMillis) {
            reach = Math.max(reach, span);
        }
        levelReach = reach;
        silenceLevelStart = new long[c];
        Arrays.fill(silenceLevelStart, Long.MIN_VALUE);
        silenceLevelValue = new double[c];
        int nw = cfg.shareWindowsMillis.length;
        refKeyS = new long[nw];
        refKeyRef = new long[nw];
        refKeyN = new int[nw];
        Arrays.fill(refKeyN, -1);
        figStart = new long[c];
        Arrays.fill(figStart, Long.MIN_VALUE);
        figN = new int[c];
        figRef = new int[c];
        figRefTime = new long[c];
        figSh = new double[c * cfg.maxPops];
        figLo = new double[c * cfg.maxPops];
        poolValid = new boolean[nw];
        poolPopTotal = new long[nw];
        poolRowTotal = new long[nw];
        poolK = new long[nw];
        poolMu = new double[nw];
        poolSh = new double[nw];
        poolFirst = new int[nw];
        poolEligible = new int[nw];
        poolPooled = new int[nw];
        poolGained = new double[nw];
        poolMask = new boolean[nw * cfg.maxPops];
        figElig = new int[c * cfg.maxPops];
        figEligN = new int[c];
        figHour = new long[c];
        pop = new long[cfg.maxPops];
        cleanPop = new long[cfg.maxPops];
        lastPopCum = new long[cfg.maxPops];
        popDelta = new long[cfg.maxPops];
        popNames = new String[cfg.maxPops];
        popWeekly = new PopShareWeekly(cfg.maxPops, cfg.everyDayShares);
        figVer = new long[c];
        figC = new double[c * cfg.maxPops];
        figTotal = new double[c];
        poolC = new double[nw];
        poolRef = new double[nw];
        refKeyW = new long[nw];
    }

    /**
     * For tests: takes over {@code other}'s POPs (their names, in the same order) and a copy of its
     * per-hour-of-week POP history, as if this detector had watched the same weeks. Call before the
     * first {@link #update}.
     */
    void adoptPopHistory(DetectionTraffic other) {
        for (int i = 0; i < other.popIndex.size(); i++) {
            popIndex.put(other.popNames[i], i);
            popNames[i] = other.popNames[i];
        }
        popWeekly = other.popWeekly.copy();
    }

    BaselineWeekly baseline() {
        return baseline;
    }

    boolean inAlarm() {
        return alarm;
    }

    long alarmSince() {
        return alarmSince;
    }

    /**
     * One evaluation step.
     *
     * @param now evaluation time, epoch ms
     * @param cumFetches cumulative successful CDN fetches (may reset to a lower value)
     * @param popKeys POP identities (may be {@code null}); entries beyond the cap are ignored
     * @param popCum cumulative fetches per POP, parallel to {@code popKeys}
     * @param popCount how many entries of the arrays are valid
     */
    Result update(long now, long cumFetches, String[] popKeys, long[] popCum, int popCount) {
        Result r = new Result();
        long[] popDelta = this.popDelta;
        Arrays.fill(popDelta, 0, popIndex.size(), 0L); // only indexed POPs' entries are ever written
        boolean first = lastTime == Long.MIN_VALUE;
        long dt = first ? 0 : now - lastTime;
        boolean discontinuity = !first && (dt < 0 || dt > Math.max(cfg.maxGapMillis, 3 * lastDt));
        long delta = first ? 0 : Math.max(0, cumFetches - lastCum);
        lastCum = cumFetches;
        long namedCum = 0;
        for (int i = 0; i < popCount && popCum != null; i++) {
            namedCum += popCum[i];
        }
        long namedDelta = first ? 0 : Math.max(0, namedCum - lastNamedCum);
        lastNamedCum = namedCum;
        if (popKeys != null && keyCache.length < popCount) {
            keyCache = Arrays.copyOf(keyCache, popCount);
            keyIdx = Arrays.copyOf(keyIdx, popCount);
        }
        for (int i = 0; i < popCount && popKeys != null; i++) {
            String key = popKeys[i];
            int idx;
            if (key != null && keyCache[i] == key) {
                // the same key instance at this position as last time (callers keep their keys): its
                // index cannot have changed (POPs are only ever added) nor can "no room" (never removed)
                idx = keyIdx[i];
                if (idx < 0) {
                    continue;
                }
            } else {
                Integer known = popIndex.get(key);
                if (known == null) {
                    if (popIndex.size() >= cfg.maxPops) {
                        keyCache[i] = key;
                        keyIdx[i] = -1;
                        continue;
                    }
                    idx = popIndex.size();
                    popIndex.put(key, idx);
                    popNames[idx] = key;
                    lastPopCum[idx] = first ? popCum[i] : 0; // a POP first seen now: its count is new since the last step
                } else {
                    idx = known;
                }
                keyCache[i] = key;
                keyIdx[i] = idx;
            }
            popDelta[idx] = Math.max(0, popCum[i] - lastPopCum[idx]);
            lastPopCum[idx] = popCum[i];
        }
        if (first || discontinuity) {
            // Start (again) from here: no window reaches over the gap, the open hour is not learned.
            clockStep = discontinuity ? dt - lastDt : 0;
            lastTime = now;
            size = 0;
            head = 0;
            historyStart = now;
            lastFetchTime = now;
            expAtLastFetch = exp;
            baseline.discardCurrent();
            popWeekly.discardCurrent();
            push(now);
            return describe(r, now);
        }
        if (dt == 0) {
            return describe(r, now); // nothing new; report the current state
        }
        lastDt = dt;
        lastTime = now;
        double minutes = dt / 60_000.0;

        double rate = baseline.rate(now - dt / 2);
        boolean known = true;
        if (Double.isNaN(rate)) {
            known = ewmaMinutes >= 60;
            rate = known ? ewmaRate : 0;
        }
        double expDelta = rate * minutes;
        obs += delta;
        exp += expDelta;
        if (delta > 0) {
            lastFetchTime = now;
            expAtLastFetch = exp;
        }
        // only indexed POPs have a delta (the columns of the others stay 0)
        int npop = popIndex.size();
        long popDeltaTotal = 0;
        for (int i = 0; i < npop; i++) {
            pop[i] += popDelta[i];
            popDeltaTotal += popDelta[i];
        }
        popTotal += popDeltaTotal;
        if (!alarm && known) {
            cleanObs += delta;
            cleanExp += expDelta;
            for (int i = 0; i < npop; i++) {
                cleanPop[i] += popDelta[i];
            }
            cleanPopTotal += popDeltaTotal;
            cleanNamed += namedDelta;
            long day = Math.floorDiv(baseline.localHourOf(now - 1), 24);
            if (day != curDay) {
                curDay = day;
                dayObs = 0;
                dayExp = 0;
            }
            dayObs += delta;
            dayExp += expDelta;
            cleanMillis += dt;
        }
        if (!alarm) {
            if (minutes != ewmaStepMinutes) { // the step is usually the same: its weight too
                ewmaStepMinutes = minutes;
                ewmaStepWeight = 1 - Math.exp(-minutes / 60.0);
            }
            double a = ewmaStepWeight;
            double stepRate = delta / minutes;
            ewmaRate = Double.isNaN(ewmaRate) ? stepRate : ewmaRate + a * (stepRate - ewmaRate);
            ewmaMinutes += minutes;
        }
        baseline.add(now, delta, minutes);
        popWeekly.add(baseline.localHourOf(now - 1), popDelta, npop, minutes, !alarm && known);
        if (alarm) {
            baseline.flagAnomalous();
            popWeekly.flagAnomalous();
        }
        if (size == 0 || now - sTime[idx(size - 1)] >= cfg.sampleSpacingMillis) {
            push(now);
        }
        evaluate(r, now);
        if (alarm) {
            baseline.flagAnomalous();
            popWeekly.flagAnomalous();
        }
        return r;
    }

    private int idx(int i) {
        int j = head + i; // head and i are both below the capacity: one subtraction instead of a division
        return j >= sTime.length ? j - sTime.length : j;
    }

    private void push(long now) {
        int c = cfg.ringCapacity;
        int slot;
        if (size < c) {
            slot = idx(size);
            size++;
        } else {
            slot = head;
            head = (head + 1) % c;
        }
        sTime[slot] = now;
        levelStart[slot] = Long.MIN_VALUE; // a new sample: its cached level (if any) was another's
        silenceLevelStart[slot] = Long.MIN_VALUE;
        figStart[slot] = Long.MIN_VALUE; // and so were its reference figures
        sObs[slot] = obs;
        sExp[slot] = exp;
        sCleanObs[slot] = cleanObs;
        sCleanExp[slot] = cleanExp;
        System.arraycopy(pop, 0, sPop, slot * cfg.maxPops, cfg.maxPops);
        System.arraycopy(cleanPop, 0, sCleanPop, slot * cfg.maxPops, cfg.maxPops);
        sPopTotal[slot] = popTotal;
        sCleanPopTotal[slot] = cleanPopTotal;
        sCleanNamed[slot] = cleanNamed;
        sCleanMillis[slot] = cleanMillis;
    }

    /**
     * Ring slot of the newest sample at or before {@code t}, or -1 if the history does not reach back
     * that far. Sample times strictly increase (a sample is pushed only after a positive step; a step
     * back restarts the ring), so the answer is unique: the position is first guessed from the
     * average spacing (exact when samples are regular, as on an evaluation period) and checked with
     * its neighbour; only a wrong guess falls back to a binary search on the side it ruled out.
     */
    private int at(long t) {
        if (size == 0 || sTime[idx(0)] > t) {
            return -1;
        }
        int last = size - 1;
        long newest = sTime[idx(last)];
        if (newest <= t) {
            return idx(last);
        }
        int lo = 0;
        int hi = last - 1; // sTime[idx(last)] > t
        long span = newest - sTime[idx(0)];
        int g = (int) (last - (double) (newest - t) * last / span);
        if (g < 0) {
            g = 0;
        } else if (g > hi) {
            g = hi;
        }
        if (sTime[idx(g)] <= t) {
            if (sTime[idx(g + 1)] > t) {
                return idx(g);
            }
            lo = g + 1;
        } else {
            hi = g - 1; // g > 0 here, as sTime[idx(0)] <= t
            if (sTime[idx(hi)] <= t) {
                return idx(hi);
            }
            hi--;
        }
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (sTime[idx(mid)] <= t) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return idx(lo);
    }

    /**
     * {@link #at} for a time that follows the one asked last time under the same {@code hints[h]}
     * (a window's start as the clock advances): the previous answer, if still a sample at or before
     * {@code t}, is stepped forward (samples are in time order, so the last one at or before {@code
     * t} is at or after it), usually by one sample; else, or after a few steps, at() searches.
     * Returns exactly what at() returns, whatever the hint.
     */
    private int atFrom(int[] hints, int h, long t) {
        int slot = hints[h];
        if (slot >= 0 && slot < sTime.length && size > 0) {
            int pos = slot - head;
            if (pos < 0) {
                pos += sTime.length;
            }
            if (pos < size && sTime[slot] <= t) {
                for (int step = 0; step < 4; step++) {
                    if (pos + 1 >= size) {
                        return slot; // the newest sample
                    }
                    int next = slot + 1 == sTime.length ? 0 : slot + 1;
                    if (sTime[next] > t) {
                        return slot;
                    }
                    slot = next;
                    pos++;
                    hints[h] = slot;
                }
            }
        }
        int r = at(t);
        hints[h] = r;
        return r;
    }

    private int oldest() {
        return idx(0);
    }

    /**
     * Level: clean observed / clean expected before {@code windowStart}, shrunk towards 1 by a
     * pseudo-count; the lower of the last two hours' and the last quarter hour's, so that a gradual
     * fall (a holiday from midnight) lowers the expectation within minutes while a step does not.
     */
    private double level(int slot, long windowStart) {
        // The level is a function of the samples at and before windowStart only: once computed for
        // this sample and start (with both references found in the ring, not the oldest-sample
        // fallback), it holds until the slot is overwritten (push clears its entry) or the oldest
        // sample moves past a reference (then at() would fall back to the oldest sample: checked).
        if (levelCache && levelStart[slot] == windowStart && sTime[idx(0)] <= windowStart - levelReach) {
            return levelValue[slot];
        }
        double l = computeLevel(slot, windowStart);
        if (sTime[idx(0)] <= windowStart - levelReach) {
            levelStart[slot] = windowStart;
            levelValue[slot] = l;
        }
        return l;
    }

    /**
     * The silence test's level: {@link #level}, capped by {@link #driftLevel}. Cached per start
     * sample as level() is (the same samples, at most levelReach before the start, decide it).
     */
    private double silenceLevel(int slot, long windowStart) {
        if (levelCache && silenceLevelStart[slot] == windowStart && sTime[idx(0)] <= windowStart - levelReach) {
            return silenceLevelValue[slot];
        }
        double l = Math.min(level(slot, windowStart), driftLevel(slot, windowStart));
        if (sTime[idx(0)] <= windowStart - levelReach) {
            silenceLevelStart[slot] = windowStart;
            silenceLevelValue[slot] = l;
        }
        return l;
    }

    /**
     * The lowest, over the drift spans before {@code windowStart}, of the highest level under which
     * the span's clean count is not driftNats (or more) below its expectation: maxLevel unless some
     * span's count is that low. A holiday's fetches drift down from midnight: over the last hour at
     * half a fetch a minute (7 where 26 were usual) this is 0.48 where the pseudo-counted level is
     * still 0.8, and a silence test at 0.8 pages on the holiday's ordinary 35 min gaps. It is an
     * upper confidence bound, not an estimate: in normal traffic it is at the highest level (no
     * speed lost), and it only lowers the level when the counts say the traffic is lower.
     */
    private double driftLevel(int slot, long windowStart) {
        double g = cfg.driftNats;
        double best = cfg.maxLevel;
        if (!(g < Double.POSITIVE_INFINITY)) {
            return best;
        }
        for (long span : cfg.driftSpansMillis) {
            int ref = at(windowStart - span);
            if (ref < 0) {
                ref = oldest();
            }
            long k = sCleanObs[slot] - sCleanObs[ref];
            double e = sCleanExp[slot] - sCleanExp[ref];
            if (!(e > 0) || !Poisson.deficitEvidenceAtLeast(k, best * e, g)) {
                continue; // not that low even at the lowest level so far
            }
            // evidence grows with the mean: bisect for the level where it is g (below best)
            double lo = 0;
            double hi = best;
            for (int it = 0; it < 40 && hi - lo > 1e-6; it++) {
                double mid = 0.5 * (lo + hi);
                if (Poisson.deficitEvidence(k, mid * e) >= g) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            best = hi;
        }
        return Math.max(cfg.minLevel, best);
    }

    private double computeLevel(int slot, long windowStart) {
        double longLevel = levelOver(slot, windowStart, cfg.referenceMillis);
        // the quarter hour counts only when it is significantly below the two hours
        int ref = at(windowStart - cfg.shortReferenceMillis);
        if (ref < 0) {
            ref = oldest();
        }
        long k = sCleanObs[slot] - sCleanObs[ref];
        double e = Math.max(0, sCleanExp[slot] - sCleanExp[ref]);
        if (!Poisson.deficitEvidenceAtLeast(k, longLevel * e, cfg.shortLevelNats)) {
            return longLevel;
        }
        return Math.min(longLevel, levelOver(slot, windowStart, cfg.shortReferenceMillis));
    }

    private double levelOver(int slot, long windowStart, long span) {
        int ref = at(windowStart - span);
        if (ref < 0) {
            ref = oldest();
        }
        double k = sCleanObs[slot] - sCleanObs[ref];
        double e = sCleanExp[slot] - sCleanExp[ref];
        if (e < 0) {
            e = 0;
        }
        double l = (k + cfg.levelPseudoCount) / (e + cfg.levelPseudoCount);
        return Math.max(cfg.minLevel, Math.min(cfg.maxLevel, l));
    }

    private void evaluate(Result r, long now) {
        boolean warming = baseline.warmingUp();
        boolean ready = now - historyStart >= cfg.minHistoryMillis || !baseline.isEmpty() && now - historyStart >= 10 * 60_000L;
        if (baseline.isEmpty() && ewmaMinutes < 60) {
            ready = false;
        }
        double extra = warming ? cfg.warmupExtraNats : 0;
        r.ready = ready;
        r.warmingUp = warming || !ready;

        silenceTests(now);
        int npop = popIndex.size();
        shareTests(now, npop);
        rateTests(now, warming || !ready);
        String bestPopNames = null;
        if (bestPop >= 0) {
            bestPopNames = popList(bestMask, npop); // once, for the best window only
        }

        boolean wasAlarm = alarm;
        if (!alarm && ready) {
            if (bestS >= cfg.silenceNats + extra) {
                alarm = true;
                alarmReason = Reason.SILENCE;
                frozenLevel = bestSL;
                frozenPop = -1;
                alarmSince = now;
            } else if (bestP >= cfg.shareNats + extra) {
                alarm = true;
                alarmReason = Reason.POP_LOSS;
                int s = at(now - bestPW);
                frozenLevel = level(s, now - bestPW);
                frozenPop = bestPop;
                frozenShare = bestPShare;
                frozenPopNames = bestPopNames;
                System.arraycopy(bestMask, 0, frozenMask, 0, npop);
                alarmSince = now;
            } else if (bestR >= cfg.rateNats) {
                alarm = true;
                alarmReason = Reason.RATE_STEP;
                frozenLevel = bestRL;
                frozenPop = -1;
                alarmSince = now;
            }
        } else if (alarm && recovered(now)) {
            alarm = false;
            noLookBefore = now;
            alarmReason = Reason.NONE;
            frozenPop = -1;
            frozenLevel = 1;
        }
        r.changed = wasAlarm != alarm;
        r.alarm = alarm;
        r.reason = alarm ? alarmReason
                : bestR > Math.max(bestS, bestP) ? Reason.RATE_STEP : bestS >= bestP ? Reason.SILENCE : Reason.POP_LOSS;
        r.shareTest = r.reason == Reason.POP_LOSS;
        if (r.reason == Reason.RATE_STEP) {
            r.evidence = bestR;
            r.windowMillis = bestRW;
            r.observed = bestRK;
            r.expected = bestRLam;
            r.level = alarm ? frozenLevel : bestRL;
        } else if (r.shareTest) {
            r.evidence = bestP;
            r.windowMillis = bestPW;
            r.observed = bestPK;
            r.expected = bestPMu;
            r.pop = alarm ? frozenPopNames : bestPopNames;
            r.level = alarm ? frozenLevel : 1;
        } else {
            r.evidence = bestS;
            r.windowMillis = bestSW;
            r.observed = bestSK;
            r.expected = bestSLam;
            r.level = alarm ? frozenLevel : bestSL;
        }
        fillCommon(r, now);
    }

    // The best window of each test in the current evaluation (evaluation scratch, set by silenceTests
    // and shareTests: split out of evaluate so that each part compiles, and recompiles, on its own).
    private double bestS;
    private long bestSW;
    private long bestSK;
    private double bestSLam;
    private double bestSL;
    private double bestP;
    private long bestPW;
    private int bestPop;
    private long bestPK;
    private double bestPMu;
    private double bestPShare;

    private double bestR;
    private long bestRW;
    private long bestRK;
    private double bestRLam;
    private double bestRL;

    /**
     * Test 3, the rate step (see Config.rateSteps): sets {@code bestR..bestRL}. Off during the
     * warm-up (the hour-of-day profile that stands in for the week has a weekday's morning ramp on a
     * Saturday, a step of its own) and, outside an alarm it raised, for any window whose reference
     * reaches back over a local midnight or into its first stepQuietHours.
     */
    private void rateTests(long now, boolean warming) {
        bestR = 0;
        bestRW = 0;
        bestRK = 0;
        bestRLam = 0;
        bestRL = 1;
        boolean own = alarm && alarmReason == Reason.RATE_STEP; // reported while its alarm lasts
        if (!cfg.rateSteps || warming || alarm && !own) {
            return;
        }
        if (!own && (dayObs + cfg.levelPseudoCount) < cfg.stepQuietDay * (dayExp + cfg.levelPseudoCount)) {
            // a quiet day (a holiday): its fetches stay low all day, and their ratio to the norm keeps
            // moving with the day's demand (fetches do not scale with it): steps of its own, evenings too
            return;
        }
        long day = Math.floorDiv(baseline.localHourOf(now), 24);
        for (int wi = 0; wi < cfg.rateWindowsMillis.length; wi++) {
            long w = cfg.rateWindowsMillis[wi];
            long start = now - w;
            long refHour = baseline.localHourOf(start - cfg.referenceMillis);
            if (start < noLookBefore || !own && (Math.floorDiv(refHour, 24) != day || Math.floorMod(refHour, 24) < cfg.stepQuietHours)) {
                break; // longer windows start earlier: they are out too
            }
            int s = atFrom(rateHint, wi, start);
            if (s < 0) {
                continue;
            }
            long k = obs - sObs[s];
            double e = exp - sExp[s];
            if (!(e > 0) || k > cfg.stepRatio * e * cfg.maxLevel) {
                continue; // no step whatever the level: skip the level's cost
            }
            if (!own && !stepReference(s, start)) {
                continue;
            }
            // the level capped by the drift level, as the silence test's: at a fetch a minute the
            // pseudo-counted level lags a holiday's drift by hours, and the lag reads as a step
            double l = own ? frozenLevel : silenceLevel(s, start);
            double lam = l * e;
            if (k <= cfg.stepRatio * lam && Poisson.deficitEvidenceUpper(k, lam) > bestR) {
                // Busy streams vary more than Poisson from minute to minute (demand, bursts of
                // refetches): the counts are scaled down by phi = 1 + lam cv^2 T / W (quasi-Poisson: a
                // rate noise of relative size cv over periods of T, averaged over the window W >= T),
                // which leaves a few fetches a window as they are (TrafficModel's demand noise, 10 % per
                // 5 min, made 20-nat steps in ordinary weeks at 20 fetches a minute with 3 %, and in 7 of
                // 24 fortnights at 100-1500 a minute with 5 %; none with 8 %)
                double phi = 1 + lam * cfg.stepNoiseCv * cfg.stepNoiseCv * Math.min(1.0, (double) cfg.stepNoiseMillis / w);
                double ev = Poisson.deficitEvidence((long) Math.ceil(k / phi), lam / phi);
                if (ev > bestR) {
                    bestR = ev;
                    bestRW = w;
                    bestRK = k;
                    bestRLam = lam;
                    bestRL = l;
                }
            }
        }
    }

    /**
     * Whether a rate-step window starting at {@code start} (sample {@code s}) has a reference the test
     * can trust: the whole 2 h of it in the ring (not the few minutes after a restart or a clock step,
     * where the pseudo-counted level is near 1 whatever the traffic), fewer than minPopCoverage of its
     * fetches under a POP key (any key, indexed or not: a CDN that names its POPs is the share test's),
     * the weekly baseline in force over it and the window (an hour that falls back to the daily
     * profile, after a restart lost it, can be a weekday's rate on a Sunday: a step of its own), and no
     * spike in it: neither above the norm nor above the 2 h before it by more than stepSpikeRatio (the
     * end of a spike is a step down by itself, and the caches it filled dip below the norm for a while).
     */
    private boolean stepReference(int s, long start) {
        int ref = at(start - cfg.referenceMillis);
        if (ref < 0 || sTime[ref] < historyStart) {
            return false;
        }
        long refFetches = sCleanObs[s] - sCleanObs[ref];
        double refExp = sCleanExp[s] - sCleanExp[ref];
        if (refFetches <= 0 || !(refExp > 0) || sCleanNamed[s] - sCleanNamed[ref] >= cfg.minPopCoverage * refFetches
                || sCleanMillis[s] - sCleanMillis[ref] < 0.75 * cfg.referenceMillis) {
            return false; // also when alarm time left the reference mostly empty: its level would be a few minutes' pulled to 1
        }
        for (long t = start - cfg.referenceMillis - 30 * 60_000L; t <= lastTime + 30 * 60_000L; t += 60 * 60_000L) {
            if (baseline.source(t) != 2) {
                return false;
            }
        }
        if (refFetches > cfg.stepSpikeRatio * refExp) {
            return false;
        }
        int before = at(start - 2 * cfg.referenceMillis);
        if (before >= 0) {
            long k0 = sCleanObs[ref] - sCleanObs[before];
            double e0 = sCleanExp[ref] - sCleanExp[before];
            if (e0 > 0 && refFetches / refExp > cfg.stepSpikeRatio * (k0 + cfg.levelPseudoCount) / (e0 + cfg.levelPseudoCount)) {
                return false; // a spike on a quiet day (a holiday's afternoon): above its own level, not the norm's
            }
        }
        return true;
    }

    /** Tests 1 and 1b: sets {@code bestS..bestSL}. */
    private void silenceTests(long now) {
        // 1. Silence / deep drop against the recent level.
        bestS = 0;
        bestSW = 0;
        bestSK = 0;
        bestSLam = 0;
        bestSL = 1;
        for (int wi = 0; wi < cfg.windowsMillis.length; wi++) {
            long w = cfg.windowsMillis[wi];
            if (now - w < noLookBefore) {
                break;
            }
            int s = atFrom(silenceHint, wi, now - w);
            if (s < 0) {
                continue;
            }
            long k = obs - sObs[s];
            double e = exp - sExp[s];
            if (!(e > 0) || k > cfg.deepRatio * e * cfg.maxLevel) {
                continue; // cannot be a deep drop whatever the level: skip the level's cost
            }
            boolean midnight = nearMidnight(now - w);
            if (!alarm && !floorPasses(k, e * cfg.maxLevel, midnight, FLOOR_MARGIN)) {
                // The floor test fails even at the highest level (evidence grows with the mean), so it
                // fails at the window's own level too: skip the level's cost.
                continue;
            }
            double l = alarm ? frozenLevel : silenceLevel(s, now - w);
            double lam = l * e;
            if (k <= cfg.deepRatio * lam && floorPasses(k, lam, midnight, 0)
                    && Poisson.deficitEvidenceUpper(k, lam) > bestS) { // else it cannot beat the best
                double ev = Poisson.deficitEvidence(k, lam);
                if (ev > bestS) {
                    bestS = ev;
                    bestSW = w;
                    bestSK = k;
                    bestSLam = lam;
                    bestSL = l;
                }
            }
        }

        // 1b. The gap since the last fetch (continuous, not limited to the window grid).
        long gapStart = Math.max(lastFetchTime, noLookBefore);
        if (gapStart > historyStart && now - gapStart >= 60_000L && now - gapStart <= 2 * cfg.referenceMillis) {
            int s = at(gapStart);
            if (s >= 0) {
                double e = exp - (lastFetchTime >= noLookBefore ? expAtLastFetch : sExp[s]);
                double l = alarm ? frozenLevel : silenceLevel(s, gapStart);
                double lam = l * e;
                long k = lastFetchTime >= noLookBefore ? 0 : obs - sObs[s];
                if (lam > 0 && k <= cfg.deepRatio * lam && floorPasses(k, lam, nearMidnight(gapStart), 0)
                        && Poisson.deficitEvidenceUpper(k, lam) > bestS) { // else it cannot beat the best
                    double ev = Poisson.deficitEvidence(k, lam);
                    if (ev > bestS) {
                        bestS = ev;
                        bestSW = now - gapStart;
                        bestSK = k;
                        bestSLam = lam;
                        bestSL = l;
                    }
                }
            }
        }

    }

    /**
     * The silence test's holiday floor: whether {@code k} fetches are also unlikely (floorNats, less
     * {@code margin}) at holidayFloor of {@code lam}, or, for a silence starting near midnight,
     * midnightFloorNats at midnightFloor of it.
     */
    private boolean floorPasses(long k, double lam, boolean midnight, double margin) {
        return midnight ? Poisson.deficitEvidenceAtLeast(k, cfg.midnightFloor * lam, cfg.midnightFloorNats - margin)
                : Poisson.deficitEvidenceAtLeast(k, cfg.holidayFloor * lam, cfg.floorNats - margin);
    }

    /**
     * Whether a silence starting at {@code t} starts within {@link Config#midnightMillis} after a
     * local midnight, where {@link Config#midnightFloor} applies (when it is the stricter floor).
     */
    private boolean nearMidnight(long t) {
        return cfg.midnightFloorNats > cfg.floorNats && baseline.localMillisOfDay(t) < cfg.midnightMillis;
    }

    // Per share window (index into shareWindowsMillis): the reference rows' sums and POP count of
    // the reference figures its last pool used (equal sums: equal rows, so equal figures).
    private final long[] refKeyS;
    private final long[] refKeyRef;
    private final int[] refKeyN;
    private final long[] refKeyW; // the weekly key of the window's start: PopShareWeekly refStamp and hour (-1: the recent reference)
    // The reference figures of a window starting at a sample, per ring slot of that sample: the
    // sample's time, weekly hour, POP count, reference slot and its sample time they were computed
    // for (figStart == Long.MIN_VALUE: none; the figures depend on the window's start only through
    // its sample and its weekly hour, so windows whose starts fall between two evaluation-period
    // samples, as a trace's irregular evaluation times make them, share them too), and per POP ([slot * maxPops + i]) the reference share
    // and its lower bound (0 for a POP not eligible: too few reference fetches or no positive
    // bound). A sample starts a window of each length in turn (the 1 min window now, the 2 min one
    // a minute later, ...), so its figures, computed once, serve every share window that starts
    // there; push clears a slot's entry when it takes a new sample.
    private final long[] figStart;
    private final int[] figN;
    private final int[] figRef;
    private final long[] figRefTime;
    private final long[] figVer; // the PopShareWeekly reference stamp the figures were computed under (0: the 2 h before)
    private final double[] figC; // per POP: its reference count (weekly: capped as its share is)
    private final double[] figTotal; // per slot: the reference total those counts are out of
    private final double[] figSh;
    private final double[] figLo;
    private final int[] figElig; // per slot: the eligible POPs (figLo > 0), ascending, figEligN[slot] of them
    private final int[] figEligN;
    private final long[] figHour; // the weekly hour (weeklyHour) the figures were computed for, -1: the 2 h before
    // Per share window: the last pool (valid until the reference figures change) and the window
    // total and start-row total it was computed for; per window and POP, the mask it left and
    // whether the POP was eligible.
    private final boolean[] poolValid;
    private final long[] poolPopTotal;
    private final long[] poolRowTotal;
    private final long[] poolK;
    private final double[] poolC; // the pooled POPs' reference count
    private final double[] poolRef; // the reference total
    private final double[] poolMu;
    private final double[] poolSh;
    private final int[] poolFirst;
    private final int[] poolEligible;
    private final int[] poolPooled;
    private final double[] poolGained; // what the POPs not pooled got beyond 3 sd over their share of what is left
    private final boolean[] poolMask;
    /** Whether a window reuses the reference figures of its start sample; off only in the test that compares both ways. */
    boolean figureCache = true;
    /** Whether an unchanged window reuses its pool; off only in the test that compares both ways. */
    boolean poolCache = true;

    /** Test 2: sets {@code bestP..bestPShare} and {@code bestMask}. */
    private void shareTests(long now, int npop) {
        // 2. POP share: a POP whose share of the recent fetches collapsed while the total dropped too.
        bestP = 0;
        bestPW = 0;
        bestPop = -1;
        bestPK = 0;
        bestPMu = 0;
        bestPShare = 0;
        if (npop >= 2 && !alarm) {
            for (int wi = 0; wi < cfg.shareWindowsMillis.length; wi++) {
                long w = cfg.shareWindowsMillis[wi];
                if (now - w < noLookBefore) {
                    break;
                }
                int s = atFrom(shareHint, wi, now - w);
                if (s < 0) {
                    continue;
                }
                // the total must have dropped too: else it may be the CDN moving load between its POPs
                // (tested first: it is O(1))
                long kAgg = obs - sObs[s];
                // Unconfirmed (the total did not drop): during a demand spike a lost POP's fetches leave the
                // total above its norm (2.5 x 0.6 = 1.5), so only the split can tell; it then pays
                // unconfirmedExtraNats more (a spike or a holiday moves every POP together: no split)
                boolean confirmed = kAgg <= cfg.confirmRatio * (exp - sExp[s]) * cfg.maxLevel;
                if (!confirmed && !(cfg.unconfirmedExtraNats < Double.POSITIVE_INFINITY)) {
                    continue; // the total did not drop whatever the level
                }
                int ref = atFrom(refHint, wi, now - w - cfg.referenceMillis);
                if (ref < 0) {
                    ref = oldest();
                }
                // the window's and the reference's totals over the POPs, from the rows' sums (a column of
                // a POP not indexed is 0 in every row, so the sum over all columns is the sum over npop)
                long kTot = popTotal - sPopTotal[s];
                long nRef = sCleanPopTotal[s] - sCleanPopTotal[ref];
                int so = s * cfg.maxPops;
                if (nRef < cfg.minShareReference || kTot <= 0) {
                    continue;
                }
                // A recent reference of a few clean minutes (just after a start, whose first hour is
                // not clean, or after an alarm) makes only the POPs that were lucky in those minutes
                // eligible, at shares inflated by that luck: among 40 small edge hosts, a chance
                // "loss" in 5 of 10 simulated starts. It must hold an hour of clean time; the weekly
                // reference (hundreds of fetches) needs no such wait.
                long wh = weeklyHour(now - w);
                if (wh < 0 && sCleanMillis[s] - sCleanMillis[ref] < cfg.minCleanReferenceMillis) {
                    continue;
                }
                double eAgg = confirmed ? (exp - sExp[s]) * level(s, now - w) : 0;
                if (confirmed && (!(eAgg > 0) || kAgg > cfg.confirmRatio * eAgg)) {
                    if (!(cfg.unconfirmedExtraNats < Double.POSITIVE_INFINITY)) {
                        continue;
                    }
                    confirmed = false;
                }
                double price = confirmed ? 0 : cfg.unconfirmedExtraNats;
                // The reference shares depend only on the reference rows: when their sums are those
                // this window's last pool used, so are the rows (cumulative counts never go down),
                // and so are the shares and their bounds.
                long wk = wh < 0 ? -1 : (popWeekly.refStamp(wh) << HOUR_BITS) | (wh & ((1L << HOUR_BITS) - 1));
                if (refKeyS[wi] != sCleanPopTotal[s] || refKeyRef[wi] != sCleanPopTotal[ref] || refKeyN[wi] != npop
                        || refKeyW[wi] != wk) {
                    refKeyS[wi] = sCleanPopTotal[s];
                    refKeyRef[wi] = sCleanPopTotal[ref];
                    refKeyN[wi] = npop;
                    refKeyW[wi] = wk;
                    poolValid[wi] = false;
                }
                pool(wi, s, so, ref, wh, kTot, nRef, npop);
                long kPool = poolK[wi];
                double muPool = poolMu[wi];
                double shPool = poolSh[wi];
                int firstPop = poolFirst[wi];
                int eligible = poolEligible[wi];
                int pooled = poolPooled[wi];
                // Moved, not lost: when other POPs (a key new this week: CloudFront rotates its
                // per-server Via hosts) got, beyond their share, at least half of what the pool is
                // missing, the pool's traffic went to them; a lost POP's fetches go nowhere.
                if (cfg.movedGuard && firstPop >= 0 && poolGained[wi] >= 0.5 * (muPool - kPool)) {
                    continue;
                }
                // The split's evidence is at most its k-th term's (deficitEvidenceUpper): when even
                // that cannot beat the best window so far, neither can the evidence; skip the series.
                // Given the window's total kTot, the pool's count is binomial (kTot, muPool / kTot) under "nothing
                // changed": Chernoff's bound kTot KL(kPool / kTot || p) is a lower bound of its -ln P(X <= kPool),
                // as is the Poisson tail (below the mean a binomial's lower tail is below the Poisson's of the
                // same mean, Anderson and Samuels 1967): the larger holds. The binomial's is the larger when
                // the pool's share is large (a 45 % pool at 0 fetches: -ln 0.55 = 0.60 nats per fetch, not 0.45).
                double binom = cfg.binomialShares && firstPop >= 0 ? Poisson.binomialDeficitBound(kPool, kTot, muPool / kTot) : 0;
                // The same question asked without estimating the shares first: under "nothing changed" the pool
                // keeps its share of reference and window alike, so of its cPool + kPool fetches in both, the
                // window's count is binomial (cPool + kPool, kTot / (kTot + nRef)). This accounts for the
                // reference's own noise exactly instead of one standard error per POP (which, summed over many
                // small POPs, takes away several times the pool's own error). Two tests are tried, so the
                // evidence pays ln 2 whichever wins (the union bound over the two; the Poisson and the
                // Chernoff figures are two bounds of one test's tail, their larger is free).
                double tries = 0;
                if (cfg.conditionalShares && firstPop >= 0) {
                    double ref0 = poolRef[wi];
                    double cond = Poisson.binomialDeficitBound(kPool, (long) poolC[wi] + kPool, kTot / (kTot + ref0));
                    binom = Math.max(binom, cond);
                    tries = LN2;
                }
                if (firstPop >= 0 && (cfg.aggregateShareWeight > 0
                        || Math.max(Poisson.deficitEvidenceUpper(kPool, muPool), binom) - Poisson.lnChoose(eligible, pooled) - tries
                                - price > bestP)) {
                    // Under "nothing changed" the total and its split over POPs are independent, so the
                    // total's own deficit could add to the split's (capped at a fraction of it, so a
                    // holiday never gets there on the total alone). Off by default: on simulated weeks
                    // a weight of 0.5 turned chance POP deficits of 12-13 nats into false alarms.
                    // The pool is chosen after looking at the counts: among many small POPs (CloudFront's
                    // per-server Via hosts, Akamai edge hosts) some are at 0 by chance in any short
                    // window, and pooling exactly those would read as a loss. Pay for the choice: the
                    // evidence must also cover ln C(eligible, pooled), the union bound over every pool
                    // of that size, which keeps the per-evaluation false-alarm rate at the threshold's.
                    double split = Math.max(Poisson.deficitEvidence(kPool, muPool), binom) - Poisson.lnChoose(eligible, pooled) - tries;
                    double ev = cfg.aggregateShareWeight > 0 && confirmed
                            ? split + Math.min(Poisson.deficitEvidence(kAgg, eAgg), cfg.aggregateShareWeight * split)
                            : split - price;
                    if (ev > bestP) {
                        bestP = ev;
                        bestPW = w;
                        bestPop = firstPop;
                        bestPK = kPool;
                        bestPMu = muPool;
                        bestPShare = shPool;
                        System.arraycopy(deficitMask, 0, bestMask, 0, npop);
                    }
                }
            }
        }

    }

    /**
     * Makes sure ring slot {@code s} holds the reference figures of a window starting at {@code
     * windowStart} (its sample) with reference sample {@code ref} and {@code npop} POPs: each POP's
     * reference share {@code nr / nRef} and its lower bound {@code share - sqrt(share (1 - share) /
     * nRef)}, or 0 when the POP is not eligible (fewer than minPopReference reference fetches, or a
     * bound that is not positive). Computed only if the slot holds none for these, which a sample
     * has once for all the windows that start at it.
     */
    private void figures(int s, int ref, long slot, long nRef, int npop) {
        // the figures read PopShareWeekly only through the reference of hour slot: its stamp says
        // whether that changed (the recent reference, slot -1, does not read it at all)
        long ver = slot >= 0 ? popWeekly.refStamp(slot) : 0;
        if (figureCache && figStart[s] == sTime[s] && figHour[s] == slot && figN[s] == npop && figRef[s] == ref
                && figRefTime[s] == sTime[ref] && figVer[s] == ver) {
            return;
        }
        int fb = s * cfg.maxPops;
        int so = s * cfg.maxPops;
        int ro = ref * cfg.maxPops;
        int ne = 0;
        double nW = slot >= 0 ? popWeekly.total(slot) : 0;
        figTotal[s] = slot >= 0 ? nW : nRef;
        for (int i = 0; i < npop; i++) {
            long nr = sCleanPop[so + i] - sCleanPop[ro + i];
            double lo = 0;
            double sh = 0;
            double c = 0;
            if (slot >= 0) {
                // The same hours of past days: each POP's share and its lower bound from hundreds of
                // fetches at night too; capped by an upper bound of its share in the 2 h before (about
                // two standard errors), so a POP whose traffic had already moved away before the window
                // (a CDN rerouting since last week) is not expected at last week's share.
                double cw = popWeekly.count(slot, i);
                if (cw >= cfg.minPopReference) {
                    double shW = cw / nW;
                    double hiR = (nr + 2 + 2 * Math.sqrt(nr + 1.0)) / nRef;
                    sh = Math.min(shW, hiR);
                    lo = Math.min(shW - Math.sqrt(shW * (1 - shW) / nW), hiR);
                    c = Math.floor(sh * nW);
                    if (!(lo > 0)) {
                        lo = 0;
                    }
                }
            } else if (nr >= cfg.minPopReference) {
                sh = (double) nr / nRef;
                lo = sh - Math.sqrt(sh * (1 - sh) / nRef);
                c = nr;
                if (!(lo > 0)) {
                    lo = 0;
                }
            }
            figSh[fb + i] = sh;
            figLo[fb + i] = lo;
            figC[fb + i] = c;
            if (lo > 0) {
                figElig[fb + ne++] = i;
            }
        }
        figEligN[s] = ne;
        figStart[s] = sTime[s];
        figHour[s] = slot;
        figN[s] = npop;
        figRef[s] = ref;
        figRefTime[s] = sTime[ref];
        figVer[s] = ver;
    }

    /**
     * The local epoch hour whose PopShareWeekly reference gives the reference shares of a window
     * starting at {@code windowStart}, or -1 when it is not used (off, or fewer than
     * minWeeklyReference fetches known before that hour).
     */
    private long weeklyHour(long windowStart) {
        if (!cfg.weeklyShares) {
            return -1;
        }
        long h = baseline.localHourOf(windowStart);
        return h >= 0 && popWeekly.total(h) >= cfg.minWeeklyReference ? h : -1;
    }

    /** The low bits of a window's weekly key (refKeyW): the local hour modulo 2^20 (120 years apart, never in one ring). */
    private static final int HOUR_BITS = 20;
    private static final double LN2 = Math.log(2);

    /**
     * Pools the POPs in deficit in share window {@code wi} (a partial outage usually takes several):
     * sets {@code poolK[wi]..poolPooled[wi]} and {@code deficitMask}: true exactly for the pooled
     * POPs (a POP not eligible in this window is false, so it is neither named in the message nor
     * counted when the alarm's recovery compares the pooled POPs' fetches with their share). Split out of {@link #shareTests} so that
     * each compiles on its own (a small method per loop: the window loop's on-stack compilation
     * stays cheap).
     *
     * <p>The pool depends on the window's reference figures and on each POP's count in the window.
     * When the window's total and its start row's total are those of the last time this window was
     * pooled (and the reference figures did not change since), so are the counts (the rows are
     * snapshots of counts that never go down), and so is the pool: it is kept, and the mask it left
     * is written again for the same POPs.
     */
    private void pool(int wi, int s, int so, int ref, long weeklyHour, long kTot, long nRef, int npop) {
        int pb = wi * cfg.maxPops;
        if (poolCache && poolValid[wi] && poolPopTotal[wi] == popTotal && poolRowTotal[wi] == sPopTotal[s]) {
            System.arraycopy(poolMask, pb, deficitMask, 0, npop); // the mask it left (false where not eligible)
            return;
        }
        figures(s, ref, weeklyHour, nRef, npop);
        int fb = s * cfg.maxPops;
        long kPool = 0;
        double muPool = 0;
        double cPool = 0;
        double shPool = 0;
        int firstPop = -1;
        double firstShare = 0;
        int eligible = figEligN[s]; // POPs with a usable reference share in this window
        int pooled = 0;
        double gained = 0; // what the POPs not pooled got beyond 3 sd over their share of what is left
        int ro = ref * cfg.maxPops;
        double ratio = cfg.popDeficitRatio;
        // a POP not eligible is not pooled: it must not be named, nor counted at recovery
        Arrays.fill(deficitMask, 0, npop, false);
        for (int j = 0; j < eligible; j++) { // the eligible POPs, in index order (the sums' order)
            int i = figElig[fb + j];
            double lo = figLo[fb + i];
            long ki = pop[i] - sPop[so + i];
            double mu = lo * kTot;
            if (ki <= ratio * mu) {
                double sh = figSh[fb + i];
                kPool += ki;
                muPool += mu;
                cPool += figC[fb + i];
                shPool += sh;
                pooled++;
                if (firstPop < 0 || sh > firstShare) {
                    firstPop = i;
                    firstShare = sh;
                }
                deficitMask[i] = true;
            }
        }
        if (cfg.movedGuard && firstPop >= 0) {
            // Where did the pool's fetches go? If the pool is lost, every other POP keeps its share of
            // what is left (its count near share * kTot / (1 - pool's share)); if its traffic moved to
            // another key (a renamed edge host, a key with no usable share yet), that key holds far
            // more than its share. Sum what the others got beyond three standard deviations over that.
            double left = Math.max(0.05, 1 - shPool);
            for (int i = 0; i < npop; i++) {
                if (deficitMask[i]) {
                    continue;
                }
                long ki = pop[i] - sPop[so + i];
                double sh = figLo[fb + i] > 0 ? figSh[fb + i] : (double) (sCleanPop[so + i] - sCleanPop[ro + i]) / nRef;
                double mu = sh * kTot / left;
                double over = ki - mu - 3 * Math.sqrt(mu) - 1;
                if (over > 0) {
                    gained += over;
                }
            }
        }
        poolValid[wi] = true;
        poolPopTotal[wi] = popTotal;
        poolRowTotal[wi] = sPopTotal[s];
        poolK[wi] = kPool;
        poolC[wi] = cPool;
        poolRef[wi] = figTotal[s];
        poolMu[wi] = muPool;
        poolSh[wi] = shPool;
        poolFirst[wi] = firstPop;
        poolEligible[wi] = eligible;
        poolPooled[wi] = pooled;
        poolGained[wi] = gained;
        System.arraycopy(deficitMask, 0, poolMask, pb, npop);
    }

    private boolean recovered(long now) {
        // The shortest window in which the frozen expectation reaches recoverExpected fetches; a rate
        // step (a partial loss: its windows hold 55-65 % of the expectation, often 70 % in a few
        // minutes by chance, and more when the lost POPs' share of the day's traffic shrinks) needs
        // more: stepRecoverFactor times as many over at least stepRecoverMillis, and half-way from its
        // step back to normal.
        boolean step = alarmReason == Reason.RATE_STEP;
        double needed = step ? cfg.stepRecoverFactor * cfg.recoverExpected : cfg.recoverExpected;
        long shortest = step ? cfg.stepRecoverMillis : 0;
        double ratio = step ? 0.5 * (1 + cfg.stepRatio) : cfg.recoverRatio;
        long chosen = -1;
        int cs = -1;
        for (long w : cfg.windowsMillis) {
            int s = at(now - w);
            if (s < 0) {
                break;
            }
            chosen = w;
            cs = s;
            if (w >= shortest && frozenLevel * (exp - sExp[s]) >= needed) {
                break;
            }
        }
        if (cs < 0 || now - alarmSince < Math.min(chosen, 5 * 60_000L)) {
            return false;
        }
        double e = frozenLevel * (exp - sExp[cs]);
        long k = obs - sObs[cs];
        if (!(e > 0) || k < ratio * e || k < 3) {
            return false;
        }
        if (alarmReason == Reason.POP_LOSS && frozenPop >= 0) {
            int so = cs * cfg.maxPops;
            long kTot = 0;
            for (int i = 0; i < popIndex.size(); i++) {
                kTot += pop[i] - sPop[so + i];
            }
            long ki = 0;
            for (int i = 0; i < popIndex.size(); i++) {
                if (frozenMask[i]) {
                    ki += pop[i] - sPop[so + i];
                }
            }
            return ki >= 0.5 * frozenShare * kTot;
        }
        return true;
    }

    private Result describe(Result r, long now) {
        r.alarm = alarm;
        r.reason = alarm ? alarmReason : Reason.NONE;
        r.level = alarm ? frozenLevel : 1;
        r.ready = false;
        r.warmingUp = true;
        fillCommon(r, now);
        return r;
    }

    private void fillCommon(Result r, long now) {
        r.clockStepMillis = r.ready ? 0 : clockStep;
        double rate = baseline.rate(now);
        r.baselineSource = baseline.source(now);
        if (Double.isNaN(rate)) {
            rate = ewmaMinutes >= 60 ? ewmaRate : Double.NaN;
        }
        r.expectedPerMin = rate * r.level;
        r.baselineHours = baseline.learnedMinutes() / 60.0;
        if (!r.warmingUp) {
            r.warmingUp = baseline.warmingUp();
        }
    }

    private final boolean[] deficitMask = new boolean[64];
    private final boolean[] bestMask = new boolean[64];
    private final boolean[] frozenMask = new boolean[64];
    private String frozenPopNames;

    // The last popList result and the mask and POP count it was built from.
    private final boolean[] listMask = new boolean[64];
    private int listCount = -1;
    private String list;

    /** The names of the POPs set in {@code mask}, comma-separated; the same string as last time if nothing changed. */
    private String popList(boolean[] mask, int npop) {
        if (npop == listCount && Arrays.equals(mask, 0, npop, listMask, 0, npop)) {
            return list;
        }
        System.arraycopy(mask, 0, listMask, 0, npop);
        listCount = npop;
        list = buildPopList(mask);
        return list;
    }

    private String buildPopList(boolean[] mask) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < popIndex.size(); i++) {
            if (mask[i]) {
                if (b.length() > 0) {
                    b.append(',');
                }
                b.append(popNames[i]);
            }
        }
        return b.toString();
    }

    /** For tests and details: the POP names tracked. */
    String[] pops() {
        return Arrays.copyOf(popNames, popIndex.size());
    }
}
