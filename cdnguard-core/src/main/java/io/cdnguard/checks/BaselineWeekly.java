package io.cdnguard.checks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneId;
import java.util.Arrays;

/**
 * The learned normal CDN fetch rate, fetches per minute, for each hour of the week (168 slots, in a
 * configured zone), robust across weeks: each slot keeps the rates of its last {@value #WEEKS}
 * clean visits and answers their median; between slot centres the rate is interpolated linearly.
 * Until a slot has a weekly value, an hour-of-day profile (median of the last {@value #DAYS} days)
 * stands in ("warming up").
 *
 * <p>Learning: the owner adds each evaluation step's count and duration with {@link #add}; when the
 * hour ends, the hour is committed if it had at least 30 clean minutes and no anomaly was flagged in
 * it ({@link #flagAnomalous()}), so an outage never becomes the new normal.
 *
 * <p>Not thread-safe: owned by one check, used on the evaluation thread.
 */
final class BaselineWeekly {

    static final int SLOTS = 168;
    static final int WEEKS = 4;
    static final int DAYS = 3;
    static final int FORMAT = 1;
    private static final double MIN_COMMIT_MINUTES = 30;

    private final ZoneId zone;
    private final float[] weekly = new float[SLOTS * WEEKS];
    private final byte[] weeklyN = new byte[SLOTS];
    private final byte[] weeklyNext = new byte[SLOTS];
    private final float[] daily = new float[24 * DAYS];
    private final byte[] dailyN = new byte[24];
    private final byte[] dailyNext = new byte[24];
    private double learnedMinutes;
    // Derived from the arrays above and kept in step by commit and loadFrom, their only writers:
    // each slot's median while valid, and how many weekly slots and hours of the day have a value.
    private final double[] weeklyMedian = new double[SLOTS];
    private final boolean[] weeklyValid = new boolean[SLOTS];
    private final double[] dailyMedian = new double[24];
    private final boolean[] dailyValid = new boolean[24];
    private int weeklyHave;
    private int dailyHave;
    // The zone's offset when its rules say it never changes (read once), else computed per call.
    private final boolean fixedOffset;
    private final int offsetSeconds;

    // the hour being accumulated
    private long curHour = Long.MIN_VALUE; // epoch hour (local) of the accumulator
    private double curCount;
    private double curMinutes;
    private boolean curAnomalous;

    BaselineWeekly(ZoneId zone) {
        this.zone = zone;
        int off = 0;
        boolean fixed;
        try {
            java.time.zone.ZoneRules rules = zone.getRules();
            fixed = rules.isFixedOffset();
            if (fixed) {
                off = rules.getOffset(java.time.Instant.EPOCH).getTotalSeconds();
            }
        } catch (RuntimeException e) {
            fixed = false; // computed (and failed) per call as before
        }
        this.fixedOffset = fixed;
        this.offsetSeconds = off;
        invalidateValues();
    }

    /** The zone's offset in seconds at {@code sec} (epoch seconds); 0 if its rules cannot be read. */
    private int offset(long sec) {
        if (fixedOffset) {
            return offsetSeconds;
        }
        try {
            return zone.getRules().getOffset(java.time.Instant.ofEpochSecond(sec)).getTotalSeconds();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Recomputes what is derived from the learned arrays (after they were replaced). */
    private void invalidateValues() {
        Arrays.fill(weeklyValid, false);
        Arrays.fill(dailyValid, false);
        int w = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (weeklyN[i] > 0) {
                w++;
            }
        }
        weeklyHave = w;
        int d = 0;
        for (int i = 0; i < 24; i++) {
            if (dailyN[i] > 0) {
                d++;
            }
        }
        dailyHave = d;
    }

    ZoneId zone() {
        return zone;
    }

    /** Local epoch hour of an instant. */
    private long localHour(long epochMillis) {
        long sec = Math.floorDiv(epochMillis, 1000L);
        int off = offset(sec);
        return Math.floorDiv(sec + off, 3600L);
    }

    /** Local minute-of-hour fraction 0..1. */
    private double hourFraction(long epochMillis) {
        long sec = Math.floorDiv(epochMillis, 1000L);
        int off = offset(sec);
        long local = sec + off;
        return Math.floorMod(local, 3600L) / 3600.0;
    }

    /** Hour of the week of a local epoch hour, Monday 00:00 = 0 (epoch day 0 was a Thursday). */
    static int slotOfLocalHour(long localHour) {
        long day = Math.floorDiv(localHour, 24L);
        int dow = (int) Math.floorMod(day + 3, 7L);
        return dow * 24 + (int) Math.floorMod(localHour, 24L);
    }

    /** The local epoch hour (in this baseline's zone) of an instant: the hour {@link #add} accumulates. */
    long localHourOf(long epochMillis) {
        return localHour(epochMillis);
    }

    /** Milliseconds since the local midnight before {@code epochMillis}. */
    long localMillisOfDay(long epochMillis) {
        int off = offset(Math.floorDiv(epochMillis, 1000L));
        return Math.floorMod(epochMillis + off * 1000L, 86_400_000L);
    }

    int slotOf(long epochMillis) {
        return slotOfLocalHour(localHour(epochMillis));
    }

    private double weeklyValue(int slot) {
        if (!weeklyValid[slot]) {
            weeklyMedian[slot] = median(weekly, slot * WEEKS, weeklyN[slot]);
            weeklyValid[slot] = true;
        }
        return weeklyMedian[slot];
    }

    private double dailyValue(int hour) {
        if (!dailyValid[hour]) {
            dailyMedian[hour] = median(daily, hour * DAYS, dailyN[hour]);
            dailyValid[hour] = true;
        }
        return dailyMedian[hour];
    }

    private static double median(float[] a, int from, int n) {
        if (n <= 0) {
            return Double.NaN;
        }
        if (n == 1) {
            return a[from];
        }
        float[] t = Arrays.copyOfRange(a, from, from + n);
        Arrays.sort(t);
        return (n & 1) == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2.0;
    }

    /** Source of {@link #rate}: 2 weekly, 1 daily, 0 none. */
    int source(long epochMillis) {
        int slot = slotOf(epochMillis);
        if (weeklyN[slot] > 0) {
            return 2;
        }
        return dailyN[slot % 24] > 0 ? 1 : 0;
    }

    /**
     * The expected fetch rate per minute at an instant, or NaN if nothing is known for that hour.
     */
    double rate(long epochMillis) {
        long lh = localHour(epochMillis);
        double frac = hourFraction(epochMillis);
        int slot = slotOfLocalHour(lh);
        int nb = slotOfLocalHour(frac >= 0.5 ? lh + 1 : lh - 1);
        double w = frac >= 0.5 ? frac - 0.5 : 0.5 - frac;
        double v = weeklyValue(slot);
        if (!Double.isNaN(v)) {
            double n = weeklyValue(nb);
            return Double.isNaN(n) ? v : (1 - w) * v + w * n;
        }
        v = dailyValue(slot % 24);
        if (!Double.isNaN(v)) {
            double n = dailyValue(nb % 24);
            return Double.isNaN(n) ? v : (1 - w) * v + w * n;
        }
        return Double.NaN;
    }

    /** Whether less than about a week is known (fewer than 90% of the weekly slots have a value). */
    boolean warmingUp() {
        return weeklyHave < SLOTS * 9 / 10;
    }

    /** Whether anything at all is known. */
    boolean isEmpty() {
        return dailyHave == 0;
    }

    /** Clean minutes learned so far (also from a loaded file). */
    double learnedMinutes() {
        return learnedMinutes;
    }

    /**
     * Adds one evaluation step ({@code count} fetches over {@code minutes} ending at {@code
     * epochMillis}) to the current hour, committing the previous hour first when the hour changed.
     */
    void add(long epochMillis, long count, double minutes) {
        long lh = localHour(epochMillis - 1);
        if (lh != curHour) {
            commit();
            curHour = lh;
            curCount = 0;
            curMinutes = 0;
            curAnomalous = false;
        }
        curCount += count;
        curMinutes += minutes;
    }

    /** Flags the current hour as anomalous: it will not be learned. */
    void flagAnomalous() {
        curAnomalous = true;
    }

    /** Drops the current hour's accumulator (clock jumped). */
    void discardCurrent() {
        curHour = Long.MIN_VALUE;
        curCount = 0;
        curMinutes = 0;
        curAnomalous = false;
    }

    private void commit() {
        if (curHour == Long.MIN_VALUE || curAnomalous || curMinutes < MIN_COMMIT_MINUTES) {
            return;
        }
        float r = (float) (curCount / curMinutes);
        if (!Float.isFinite(r) || r < 0) {
            return;
        }
        int slot = slotOfLocalHour(curHour);
        int i = weeklyNext[slot];
        weekly[slot * WEEKS + i] = r;
        weeklyNext[slot] = (byte) ((i + 1) % WEEKS);
        if (weeklyN[slot] == 0) {
            weeklyHave++;
        }
        weeklyN[slot] = (byte) Math.min(WEEKS, weeklyN[slot] + 1);
        weeklyValid[slot] = false;
        int h = slot % 24;
        int j = dailyNext[h];
        daily[h * DAYS + j] = r;
        dailyNext[h] = (byte) ((j + 1) % DAYS);
        if (dailyN[h] == 0) {
            dailyHave++;
        }
        dailyN[h] = (byte) Math.min(DAYS, dailyN[h] + 1);
        dailyValid[h] = false;
        learnedMinutes += curMinutes;
    }

    // ------------------------------------------------------------------ persistence

    /** Serialises the learned values (not the open hour). */
    byte[] toBytes(long savedAtMillis) {
        try {
            ByteArrayOutputStream bos = new ByteArrayOutputStream(4096);
            DataOutputStream out = new DataOutputStream(bos);
            out.writeUTF(zone.getId());
            out.writeLong(savedAtMillis);
            out.writeDouble(learnedMinutes);
            out.writeShort(SLOTS);
            out.writeByte(WEEKS);
            for (int s = 0; s < SLOTS; s++) {
                out.writeByte(weeklyN[s]);
                out.writeByte(weeklyNext[s]);
                for (int k = 0; k < WEEKS; k++) {
                    out.writeFloat(weekly[s * WEEKS + k]);
                }
            }
            out.writeByte(DAYS);
            for (int h = 0; h < 24; h++) {
                out.writeByte(dailyN[h]);
                out.writeByte(dailyNext[h]);
                for (int k = 0; k < DAYS; k++) {
                    out.writeFloat(daily[h * DAYS + k]);
                }
            }
            out.flush();
            return bos.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen on a byte array
        }
    }

    /**
     * Loads values serialised by {@link #toBytes}; on any inconsistency throws {@link
     * IllegalArgumentException} with the reason and leaves this baseline unchanged.
     */
    void loadFrom(byte[] payload) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
            String zid = in.readUTF();
            if (!zid.equals(zone.getId())) {
                throw new IllegalArgumentException("baseline was learned in zone " + zid + ", configured zone is " + zone.getId());
            }
            in.readLong();
            double lm = in.readDouble();
            if (!(lm >= 0) || Double.isInfinite(lm)) {
                throw new IllegalArgumentException("bad learned minutes " + lm);
            }
            int slots = in.readShort();
            int weeks = in.readByte();
            if (slots != SLOTS || weeks != WEEKS) {
                throw new IllegalArgumentException("incompatible layout: " + slots + " slots x " + weeks + " weeks");
            }
            float[] w = new float[SLOTS * WEEKS];
            byte[] wn = new byte[SLOTS];
            byte[] wx = new byte[SLOTS];
            for (int s = 0; s < SLOTS; s++) {
                wn[s] = checkCount(in.readByte(), WEEKS);
                wx[s] = checkCount(in.readByte(), WEEKS - 1);
                for (int k = 0; k < WEEKS; k++) {
                    w[s * WEEKS + k] = checkRate(in.readFloat());
                }
            }
            int days = in.readByte();
            if (days != DAYS) {
                throw new IllegalArgumentException("incompatible layout: " + days + " days");
            }
            float[] d = new float[24 * DAYS];
            byte[] dn = new byte[24];
            byte[] dx = new byte[24];
            for (int h = 0; h < 24; h++) {
                dn[h] = checkCount(in.readByte(), DAYS);
                dx[h] = checkCount(in.readByte(), DAYS - 1);
                for (int k = 0; k < DAYS; k++) {
                    d[h * DAYS + k] = checkRate(in.readFloat());
                }
            }
            if (in.available() != 0) {
                throw new IllegalArgumentException(in.available() + " unexpected trailing bytes");
            }
            System.arraycopy(w, 0, weekly, 0, w.length);
            System.arraycopy(wn, 0, weeklyN, 0, wn.length);
            System.arraycopy(wx, 0, weeklyNext, 0, wx.length);
            System.arraycopy(d, 0, daily, 0, d.length);
            System.arraycopy(dn, 0, dailyN, 0, dn.length);
            System.arraycopy(dx, 0, dailyNext, 0, dx.length);
            learnedMinutes = lm;
            invalidateValues();
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed payload: " + e);
        }
    }

    private static byte checkCount(byte b, int max) {
        if (b < 0 || b > max) {
            throw new IllegalArgumentException("bad slot count " + b);
        }
        return b;
    }

    private static float checkRate(float f) {
        if (!Float.isFinite(f) || f < 0 || f > 1e9f) {
            throw new IllegalArgumentException("bad rate " + f);
        }
        return f;
    }

    /** For tests: equality of the learned state. */
    boolean sameLearnedState(BaselineWeekly o) {
        return Arrays.equals(weekly, o.weekly) && Arrays.equals(weeklyN, o.weeklyN) && Arrays.equals(weeklyNext, o.weeklyNext)
                && Arrays.equals(daily, o.daily) && Arrays.equals(dailyN, o.dailyN) && Arrays.equals(dailyNext, o.dailyNext)
                && Double.compare(learnedMinutes, o.learnedMinutes) == 0;
    }
}
