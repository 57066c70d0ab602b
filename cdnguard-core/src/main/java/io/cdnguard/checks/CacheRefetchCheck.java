package io.cdnguard.checks;

import io.cdnguard.CacheExpiry;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cache-refetch}: copies the CDN holds keep expiring, but the CDN no longer comes back for
 * them.
 *
 * <p>From the guard's expiring cache age counts ({@link GuardSnapshot#expiry()}): over look-back
 * windows of 5 minutes up to {@link Builder#window(Duration)} (default 30 min), the copies that
 * came due ({@link CacheExpiry#dueTotal()}) against the refetches observed ({@link
 * CacheExpiry#refetchedTotal()}). The check degrades when, in some window,
 * <ul>
 *   <li>at least {@link Builder#minDue(int)} copies came due (default 10), and</li>
 *   <li>refetches were at most {@link Builder#maxRefetchRatio(double)} of them (default 0.1: a stop,
 *   not a thinning; a holiday at a quarter of the demand still sees about a quarter of the copies
 *   refetched, and partial drops are {@code cdn-traffic}'s job), and</li>
 *   <li>that shortfall is unlikely under the refetch ratio this origin normally sees (learned,
 *   half-life one day, starting from 0.7): Poisson evidence {@code -ln P(X <= refetched)} of at
 *   least {@link Builder#minEvidenceNats(double)} (default 16 nats; 19 until 50 dues were
 *   seen). Refetches are barely more regular than Poisson and a quiet day (a holiday) thins them
 *   out for the less popular assets, so the bar is the 15-18 nats that keep false alarms near zero,
 *   not the 10.7 of α = 2.3e-5;</li>
 *   <li>and the shortfall is unlikely even on a quiet day: at least 6 nats against 30% of the
 *   normal ratio (a holiday at a quarter of the demand keeps about that), so only a stop
 *   qualifies.</li>
 * </ul>
 * It is a second, explainable signal next to {@code cdn-traffic} ("312 copies overdue, the oldest
 * for 41 min"); cache refetches are barely more regular than Poisson, so it is not faster. It clears
 * when the last 10 minutes (all inside the alarm) hold at least 3 refetches and half the normal
 * ratio. Details: {@code
 * overdue}, {@code oldestOverdueMinutes}, {@code due}, {@code refetched}, {@code windowMinutes},
 * {@code normalRatio}, {@code evidenceNats}.
 *
 * <p>Severity {@link HealthStatus#DEGRADED} by default, for the reason given in {@link
 * CdnTrafficCheck}. Until the guard tracks expiry, reports UP with "warming up: expiry tracking
 * unavailable". Runs on the evaluation thread only; not thread-safe.
 */
public final class CacheRefetchCheck implements Check {

    private static final Logger log = LoggerFactory.getLogger(CacheRefetchCheck.class);

    /** The check's name. */
    public static final String NAME = "cache-refetch";

    private final Detector detector;
    private final HealthStatus severity;

    private CacheRefetchCheck(Builder b) {
        this.detector = new Detector(b.windowMillis, b.minDue, b.maxRatio, b.minEvidence);
        this.severity = b.severity;
    }

    /** Starts a builder with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CheckResult evaluate(GuardSnapshot snapshot) {
        long due;
        long refetched;
        long overdue;
        long oldest;
        try {
            CacheExpiry e = snapshot.expiry();
            if (e == null) {
                return CheckResult.up("warming up: expiry tracking unavailable").withDetail("warmingUp", true);
            }
            due = e.dueTotal();
            refetched = e.refetchedTotal();
            overdue = e.overdue();
            oldest = e.oldestOverdueMillis();
        } catch (RuntimeException ex) {
            return CheckResult.up("warming up: expiry tracking unavailable").withDetail("warmingUp", true);
        }
        Detector.Result r = detector.update(snapshot.timeMillis(), due, refetched);
        if (r.changed) {
            if (r.alarm) {
                log.warn("cache-refetch: {} copies came due in {} min but only {} were refetched; {} overdue",
                        r.due, r.windowMillis / 60_000, r.refetched, overdue);
            } else {
                log.info("cache-refetch: CDN refetches resumed");
            }
        }
        String msg;
        if (r.alarm) {
            // what String.format(Locale.ROOT, "... %d ...") printed, without a Formatter per evaluation
            msg = new StringBuilder(96).append("CDN stopped refetching: ").append(r.due).append(" copies came due in ")
                    .append(r.windowMillis / 60_000).append(" min, ").append(r.refetched).append(" refetched; ")
                    .append(overdue).append(" overdue, oldest ").append(oldest / 60_000).append(" min").toString();
        } else {
            msg = r.warmingUp ? "refetches as expected (warming up)" : "refetches as expected";
        }
        // r is the detector's fresh result of this step, never changed afterwards: the details are
        // computed from it only when read
        long overdueNow = overdue;
        long oldestNow = oldest;
        return CheckResult.of(r.alarm ? severity : HealthStatus.UP, msg, () -> details(r, overdueNow, oldestNow));
    }

    private static Map<String, Object> details(Detector.Result r, long overdue, long oldest) {
        Map<String, Object> d = new LinkedHashMap<>(16);
        d.put("overdue", overdue);
        d.put("oldestOverdueMinutes", CdnTrafficCheck.round(oldest / 60_000.0));
        d.put("due", r.due);
        d.put("refetched", r.refetched);
        d.put("windowMinutes", r.windowMillis / 60_000.0);
        d.put("normalRatio", CdnTrafficCheck.round(r.normalRatio));
        d.put("evidenceNats", CdnTrafficCheck.round(r.evidence));
        d.put("warmingUp", r.warmingUp);
        return d;
    }

    /** The arithmetic, fed plain numbers; package-private for tests. Not thread-safe. */
    static final class Detector {
        static final long[] WINDOWS = {5, 10, 15, 20, 30, 45, 60, 90, 120};
        static final int CAPACITY = 1500;
        static final long SPACING = 5_000L;
        static final double PRIOR_RATIO = 0.7;
        static final double PRIOR_WEIGHT = 20;
        static final double HALF_LIFE_MILLIS = 24 * 3_600_000.0;
        static final double WARMUP_DUE = 50;
        static final double WARMUP_EXTRA = 3;
        static final double HOLIDAY_LEVEL = 0.3;
        static final double HOLIDAY_NATS = 6;
        private static final int DUE = 0; // columns of the history
        private static final int REF = 1;

        static final class Result {
            boolean alarm;
            boolean changed;
            boolean warmingUp;
            long due;
            long refetched;
            long windowMillis;
            double normalRatio;
            double evidence;
        }

        private final long maxWindow;
        private final int minDue;
        private final double maxRatio;
        private final double minEvidence;
        private final CumulativeHistory hist = new CumulativeHistory(CAPACITY, 2);
        private long lastTime = Long.MIN_VALUE;
        private long lastDue;
        private long lastRef;
        private long due; // running totals from deltas (robust to resets)
        private long ref;
        private double learnDue;
        private double learnRef;
        private double seenDue;
        private boolean alarm;
        private long alarmSince;
        private long decayDt = Long.MIN_VALUE; // the last step's length and its decay 0.5^(dt / half-life)
        private double decayOfDt;

        Detector(long maxWindowMillis, int minDue, double maxRatio, double minEvidence) {
            this.maxWindow = maxWindowMillis;
            this.minDue = minDue;
            this.maxRatio = maxRatio;
            this.minEvidence = minEvidence;
        }

        private void push(long now) {
            int s = hist.push(now);
            hist.set(s, DUE, due);
            hist.set(s, REF, ref);
        }

        boolean inAlarm() {
            return alarm;
        }

        Result update(long now, long dueTotal, long refetchedTotal) {
            Result r = new Result();
            boolean first = lastTime == Long.MIN_VALUE;
            long dt = now - lastTime;
            long dd = first ? 0 : Math.max(0, dueTotal - lastDue);
            long df = first ? 0 : Math.max(0, refetchedTotal - lastRef);
            lastDue = dueTotal;
            lastRef = refetchedTotal;
            if (first || dt < 0 || dt > 15 * 60_000L) {
                lastTime = now;
                hist.clear();
                push(now);
                return fill(r, 0, 0, 0, 0);
            }
            lastTime = now;
            due += dd;
            ref += df;
            if (!alarm && dt > 0) {
                if (dt != decayDt) { // the step is usually the same: so is its decay
                    decayDt = dt;
                    decayOfDt = Math.pow(0.5, dt / HALF_LIFE_MILLIS);
                }
                double decay = decayOfDt;
                learnDue = learnDue * decay + dd;
                learnRef = learnRef * decay + df;
                seenDue += dd;
            }
            if (hist.size() == 0 || now - hist.newestTime() >= SPACING) {
                push(now);
            }
            double normal = normalRatio();
            boolean warming = seenDue < WARMUP_DUE;
            double need = minEvidence + (warming ? WARMUP_EXTRA : 0);
            double best = 0;
            long bw = 0;
            long bd = 0;
            long bf = 0;
            for (long m : WINDOWS) {
                long w = m * 60_000L;
                if (w > maxWindow) {
                    break;
                }
                int s = hist.at(now - w);
                if (s < 0) {
                    break;
                }
                long wd = due - hist.get(s, DUE);
                long wf = ref - hist.get(s, REF);
                if (wd < minDue || wf > maxRatio * wd) {
                    continue;
                }
                if (!Poisson.deficitEvidenceAtLeast(wf, HOLIDAY_LEVEL * Math.min(1.0, normal) * wd, HOLIDAY_NATS)) {
                    continue; // as likely on a quiet day (a holiday thins refetches out) as in an outage
                }
                double ev = Poisson.deficitEvidence(wf, Math.min(1.0, normal) * wd);
                if (ev > best) {
                    best = ev;
                    bw = w;
                    bd = wd;
                    bf = wf;
                }
            }
            boolean was = alarm;
            if (!alarm && best >= need) {
                alarm = true;
                alarmSince = now;
            } else if (alarm) {
                int s = hist.at(now - 10 * 60_000L);
                if (s >= 0 && now - alarmSince >= 10 * 60_000L) { // judge only time inside the alarm
                    long wd = due - hist.get(s, DUE);
                    long wf = ref - hist.get(s, REF);
                    if (wf >= 3 && wf >= 0.5 * normal * wd) {
                        alarm = false;
                    }
                }
                if (alarm && bw == 0) {
                    // report the recent window even though no test window qualifies now
                    int s2 = hist.at(now - Math.min(maxWindow, 30 * 60_000L));
                    if (s2 >= 0) {
                        bw = Math.min(maxWindow, 30 * 60_000L);
                        bd = due - hist.get(s2, DUE);
                        bf = ref - hist.get(s2, REF);
                    }
                }
            }
            r.changed = was != alarm;
            r.warmingUp = warming;
            return fill(r, bw, bd, bf, best);
        }

        private double normalRatio() {
            double n = (learnRef + PRIOR_RATIO * PRIOR_WEIGHT) / (learnDue + PRIOR_WEIGHT);
            return Math.max(0.05, Math.min(2.0, n));
        }

        private Result fill(Result r, long w, long wd, long wf, double ev) {
            r.alarm = alarm;
            r.windowMillis = w;
            r.due = wd;
            r.refetched = wf;
            r.evidence = ev;
            r.normalRatio = normalRatio();
            if (hist.size() <= 1) {
                r.warmingUp = true;
            }
            return r;
        }
    }

    /**
     * Configures a {@link CacheRefetchCheck}. Not thread-safe. {@link #build()} validates and throws
     * {@link IllegalArgumentException} naming a bad value.
     */
    public static final class Builder {
        private long windowMillis = 30 * 60_000L;
        private int minDue = 10;
        private double maxRatio = 0.1;
        private double minEvidence = 16;
        private HealthStatus severity = HealthStatus.DEGRADED;

        private Builder() {
        }

        /** The longest look-back window (shorter ones, from 5 min, are tried too). Default 30 min. */
        public Builder window(Duration window) {
            this.windowMillis = Objects.requireNonNull(window, "window").toMillis();
            return this;
        }

        /** Copies that must come due in a window before it is judged. Default 10. */
        public Builder minDue(int minDue) {
            this.minDue = minDue;
            return this;
        }

        /** Refetches at or below this fraction of the copies due count as "stopped". Default 0.1. */
        public Builder maxRefetchRatio(double ratio) {
            this.maxRatio = ratio;
            return this;
        }

        /** Poisson evidence (nats) needed against the normal refetch ratio. Default 16. */
        public Builder minEvidenceNats(double nats) {
            this.minEvidence = nats;
            return this;
        }

        /** The status reported while alarmed. Default {@link HealthStatus#DEGRADED}. */
        public Builder severity(HealthStatus severity) {
            this.severity = Objects.requireNonNull(severity, "severity");
            return this;
        }

        /** Builds the check. */
        public CacheRefetchCheck build() {
            if (windowMillis < 5 * 60_000L || windowMillis > 2 * 3_600_000L) {
                throw new IllegalArgumentException("window must be 5 min..2 h: " + Duration.ofMillis(windowMillis));
            }
            if (minDue < 1) {
                throw new IllegalArgumentException("minDue must be at least 1: " + minDue);
            }
            if (!(maxRatio >= 0 && maxRatio < 1)) {
                throw new IllegalArgumentException("maxRefetchRatio must be in [0, 1): " + maxRatio);
            }
            if (!(minEvidence >= 1 && minEvidence <= 1000)) {
                throw new IllegalArgumentException("minEvidenceNats must be 1..1000: " + minEvidence);
            }
            return new CacheRefetchCheck(this);
        }
    }
}
