package io.cdnguard.checks;

import java.util.Arrays;

/**
 * The fetches of each POP in each hour of the week (the hours of {@link BaselineWeekly}), over the
 * last {@value #WEEKS} clean visits of each hour: the reference of {@code cdn-traffic}'s POP-share
 * test. At night a POP's share over the two hours before a window rests on a handful of fetches; the
 * same hours (&#177;1 h) of past days give it hundreds. The reference of an hour is its hour of the
 * week and the two neighbours, or (every-day mode, the detector's default) the same three hours of
 * every day of the week: the POP mix follows the time of day (viewers' time zones), and seven days
 * hold seven times the fetches, known after one day instead of one week. Only visits before the
 * asked hour count, so a window's reference never holds the window's own hours.
 *
 * <p>Learning follows the baseline's rule: the owner adds each clean evaluation step's per-POP
 * counts with {@link #add}; when the hour ends it is committed if it had at least 30 clean minutes
 * and was not flagged anomalous ({@link #flagAnomalous()}), so an outage is never learned.
 *
 * <p>Bounded: {@code maxPops × 168 × 4} floats (86 KB at 32 POPs), 168 × 4 visit hours and a cached
 * reference row of {@code maxPops} doubles per hour of the week (43 KB): about 135 KB in all. Not
 * persisted: after a restart the share test uses its recent reference until the hours are seen again.
 *
 * <p>Not thread-safe: owned by one {@link DetectionTraffic}, used on the evaluation thread.
 */
final class PopShareWeekly {

    static final int SLOTS = BaselineWeekly.SLOTS;
    static final int WEEKS = 4;
    private static final double MIN_COMMIT_MINUTES = 30;

    private final int maxPops;
    // per (slot, visit): the visit's per-POP counts and their sum
    private final float[] counts;
    private final float[] totals;
    private final long[] visitHour; // the local epoch hour each visit was
    private final byte[] n = new byte[SLOTS];
    private final byte[] next = new byte[SLOTS];
    /** Bumped by every commit: a reference computed under an older version may be stale. */
    private long version;

    // the ±1 h reference of each slot (sum over the slot and its neighbours, over the stored visits),
    // computed on demand and dropped by commits that touch it
    private final double[] ref;
    private final double[] refTotal;
    private final boolean[] refValid = new boolean[SLOTS];
    private final long[] refHour = new long[SLOTS]; // the hour each valid reference was computed for
    // Per slot: a stamp that changes whenever the slot's reference (row and total) changes, and only
    // then (a commit invalidates every reference, but most come back the same: the new visit is not
    // before their hour). Equal stamps of a slot: equal references. Drawn from stampSeq.
    private final long[] refStamp = new long[SLOTS];
    private long stampSeq;
    private final double[] scratch;

    // the hour being accumulated
    private long curHour = Long.MIN_VALUE;
    private final long[] cur;
    private long curTotal;
    private double curMinutes;
    private boolean curAnomalous;

    /** Whether the reference of an hour spans every day of the week (the same time of day), not only its own. */
    private final boolean everyDay;

    PopShareWeekly(int maxPops) {
        this(maxPops, false);
    }

    PopShareWeekly(int maxPops, boolean everyDay) {
        this.maxPops = maxPops;
        this.everyDay = everyDay;
        counts = new float[SLOTS * WEEKS * maxPops];
        totals = new float[SLOTS * WEEKS];
        visitHour = new long[SLOTS * WEEKS];
        ref = new double[SLOTS * maxPops];
        refTotal = new double[SLOTS];
        cur = new long[maxPops];
        scratch = new double[maxPops];
    }

    /** A deep copy (tests: reuse one learned history in many scenarios). */
    PopShareWeekly copy() {
        PopShareWeekly c = new PopShareWeekly(maxPops, everyDay);
        System.arraycopy(counts, 0, c.counts, 0, counts.length);
        System.arraycopy(totals, 0, c.totals, 0, totals.length);
        System.arraycopy(visitHour, 0, c.visitHour, 0, visitHour.length);
        System.arraycopy(n, 0, c.n, 0, SLOTS);
        System.arraycopy(next, 0, c.next, 0, SLOTS);
        c.version = version + 1;
        return c;
    }

    long version() {
        return version;
    }

    /**
     * Adds one step ending in local epoch hour {@code localHour}: {@code minutes} of it, with the
     * per-POP counts {@code delta[0..npop)} when {@code clean} (else only the hour's bookkeeping).
     */
    void add(long localHour, long[] delta, int npop, double minutes, boolean clean) {
        if (localHour != curHour) {
            commit();
            curHour = localHour;
            Arrays.fill(cur, 0L);
            curTotal = 0;
            curMinutes = 0;
            curAnomalous = false;
        }
        if (!clean) {
            return;
        }
        long t = 0;
        for (int i = 0; i < npop; i++) {
            cur[i] += delta[i];
            t += delta[i];
        }
        curTotal += t;
        curMinutes += minutes;
    }

    /** The current hour will not be learned. */
    void flagAnomalous() {
        curAnomalous = true;
    }

    /** Drops the current hour (clock jumped). */
    void discardCurrent() {
        curHour = Long.MIN_VALUE;
        Arrays.fill(cur, 0L);
        curTotal = 0;
        curMinutes = 0;
        curAnomalous = false;
    }

    private void commit() {
        if (curHour == Long.MIN_VALUE || curAnomalous || curMinutes < MIN_COMMIT_MINUTES || curTotal <= 0) {
            return;
        }
        int slot = BaselineWeekly.slotOfLocalHour(curHour);
        int v = next[slot];
        int base = (slot * WEEKS + v) * maxPops;
        for (int i = 0; i < maxPops; i++) {
            counts[base + i] = cur[i];
        }
        totals[slot * WEEKS + v] = curTotal;
        visitHour[slot * WEEKS + v] = curHour;
        next[slot] = (byte) ((v + 1) % WEEKS);
        n[slot] = (byte) Math.min(WEEKS, n[slot] + 1);
        if (everyDay) {
            Arrays.fill(refValid, false);
        } else {
            refValid[slot] = false;
            refValid[(slot + 1) % SLOTS] = false;
            refValid[(slot + SLOTS - 1) % SLOTS] = false;
        }
        version++;
    }

    /**
     * The total of the ±1 h reference of local epoch hour {@code localHour}: the fetches of its hour
     * of the week and the two neighbours over their stored visits before {@code localHour} (0 while
     * none is stored). Only visits before it: a window's reference never holds the window's own hours.
     */
    double total(long localHour) {
        return refTotal[fill(localHour)];
    }

    /** POP {@code i}'s fetches in the ±1 h reference of {@code localHour}. */
    double count(long localHour, int i) {
        return ref[fill(localHour) * maxPops + i];
    }

    /**
     * A stamp of the ±1 h reference of {@code localHour}: while it stays the same (for the same
     * hour), so do {@link #total} and every {@link #count} of that hour. Cheaper to compare than
     * {@link #version}, which every commit bumps.
     */
    long refStamp(long localHour) {
        return refStamp[fill(localHour)];
    }

    private int fill(long localHour) {
        int slot = BaselineWeekly.slotOfLocalHour(localHour);
        if (refValid[slot] && refHour[slot] == localHour) {
            return slot;
        }
        int rb = slot * maxPops;
        System.arraycopy(ref, rb, scratch, 0, maxPops);
        double oldTotal = refTotal[slot];
        Arrays.fill(ref, rb, rb + maxPops, 0);
        double t = 0;
        int days = everyDay ? 7 : 1;
        for (int k = 0; k < 3 * days; k++) {
            int s = (slot + (k % 3 - 1) + (k / 3) * 24 + SLOTS) % SLOTS;
            for (int v = 0; v < n[s]; v++) {
                if (visitHour[s * WEEKS + v] >= localHour) {
                    continue; // the window's own hours (or later): not a reference
                }
                int b = (s * WEEKS + v) * maxPops;
                for (int i = 0; i < maxPops; i++) {
                    ref[rb + i] += counts[b + i];
                }
                t += totals[s * WEEKS + v];
            }
        }
        refTotal[slot] = t;
        if (Double.doubleToLongBits(t) != Double.doubleToLongBits(oldTotal) || !Arrays.equals(ref, rb, rb + maxPops, scratch, 0, maxPops)
                || refStamp[slot] == 0) {
            refStamp[slot] = ++stampSeq; // changed (or never stamped): a new stamp
        }
        refValid[slot] = true;
        refHour[slot] = localHour;
        return slot;
    }
}
