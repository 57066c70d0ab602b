package io.cdnguard.checks;

import io.cdnguard.Cdn;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.PopStats;
import io.cdnguard.StatusClass;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code cdn-traffic}: is the CDN still fetching from this origin as often as it normally does at
 * this hour of the week?
 *
 * <p><b>What it counts.</b> Successful CDN fetches (2xx and 3xx, so 304 revalidations count) of all
 * CDNs, and CDN fetches per edge location (POP) where the CDN's headers name one. 5xx answers are not
 * traffic the origin served; 4xx are left out by default because a wrongly routed CDN may well get
 * nothing but 404s ({@link Builder#countClientErrors(boolean)}).
 *
 * <p><b>The norm.</b> A seasonal baseline: the fetch rate of each of the 168 hours of the week (in
 * {@link Builder#zone(ZoneId)}, UTC by default), the median of the last four clean weeks,
 * interpolated between hour centres. Until a week is known, an hour-of-day profile (the median of the
 * last three days) stands in, and before a full hour of history the check only learns. While
 * fewer than about a week of hours are known, details say {@code warmingUp=true} and every threshold
 * is raised by {@link Builder#warmupExtraNats(double)}. Hours in which the check alarmed are never
 * learned, so an outage does not become the new normal.
 *
 * <p><b>The tests</b>, at every evaluation, over look-back windows of 1 minute to 4 hours:
 * <ol>
 *   <li><i>Silence or deep drop.</i> The expected count in the window is the baseline times the
 *   recent <i>level</i> (observed / baseline over the two hours before the window, or over the
 *   quarter hour before it when that is significantly lower; shrunk towards 1 by 30 expected
 *   fetches and bounded to {@code [0.02, 1]}, so a spike never raises the bar; and at most the
 *   highest level under which none of the last 15, 30, 45, 60, 90 and 120 minutes before the window
 *   is 3 nats short, so that at a fetch a minute, where 30 pseudo-fetches outweigh an hour of data,
 *   the level still follows a holiday down). When at most {@link Builder#deepDropRatio(double)} of it was seen, the
 *   evidence is {@code -ln P(X <= k)} for a Poisson count X: exact at low counts. The count must
 *   also be unlikely (4 nats) at a quarter of that expectation, and for a silence starting in the
 *   first 45 minutes after a local midnight ({@link Builder#midnightGuard(Duration)}) 9 nats at
 *   40 % of it: a holiday keeps about a third of the fetches, and its drop from midnight can be
 *   faster than any level. Comparing the last minutes with the last hours is what tells an outage (a step) from a holiday (demand drifts down
 *   from midnight, the level follows), and the deep-drop bound keeps a holiday, which keeps 30-40%
 *   of the fetches, from looking like a silence.</li>
 *   <li><i>POP share.</i> When some POPs' share of the window's fetches (windows of 1 min to 4 h)
 *   collapsed against their usual share, the evidence is the deficit of those POPs given the total
 *   (Poisson or binomial), less the price of having picked them after looking (ln C(eligible,
 *   pooled), and ln 2 for trying two tests). The usual share is that of the same time of day
 *   (&#177;1 h) over the last four clean visits of each hour, learned like the baseline (clean hours
 *   only; not persisted: after a restart, until those hours hold 100 fetches, the two hours before the
 *   window stand in; no share test while those hold less than an hour of clean time). The total must
 *   also have fallen below 90% of its expected count: a POP loss during a demand spike is seen only
 *   once the spike is over (an internal option lets a much stronger split stand alone, off because
 *   traffic moving to a new edge host would then read as a loss). A holiday or a spike
 *   moves every POP together; a partial outage silences some. Needs POP identity in the CDN's
 *   headers.</li>
 *   <li><i>Rate step</i>, only where the CDN's headers name no POP (less than half of the fetches
 *   carry one: Akamai's generic {@code Via}, an unknown CDN, an access log), so that a partial loss
 *   is not invisible there. The total over windows of 1 to 60 minutes against the level of the two
 *   hours before the window (capped as the silence test's is), tested when it fell to 75 % of it
 *   or below, with the counts of busy windows allowed 8 % of noise per 5 minutes. A holiday's drop
 *   is as deep, but it starts at midnight: no window is tested whose two hours before start on the
 *   previous day or before 03:00 (local, {@link Builder#zone(ZoneId)}: set it to the site's
 *   zone, or a holiday's midnight is not where the guard looks), so a loss starting between about
 *   23:30 and 05:00 is not seen this way; nor on a quiet day (the fetches since local midnight below
 *   80 % of the norm: a holiday is low all day); nor during the warm-up, nor in the two hours after a
 *   restart or clock step, nor over hours the weekly baseline does not know yet, nor after a spike
 *   or an invalidation burst (the reference more than 15 % above the norm or the hours before it:
 *   its end is a step down). A 40 % loss at 28 fetches a minute is caught in about 3-4 t* (at
 *   20-100 a minute in 4-7 min).</li>
 * </ol>
 * The check alarms when the largest evidence reaches {@link Builder#silenceThresholdNats(double)}
 * (default 17 nats), {@link Builder#shareThresholdNats(double)} (default 17) or {@link
 * Builder#rateStepThresholdNats(double)} (default 20). For reference, the
 * Poisson limit t* = ln(1/α)/λ with α = 2.3e-5 is 10.7 nats; real fetch streams are burstier than
 * Poisson and a false alarm rate near zero needs 15-18 nats, so a full stop is flagged after about
 * 1.6 t*. Once alarmed, the level and POP share in force are frozen and the alarm clears only when
 * the fetches in a window holding at least 30 expected fetches are back to {@link
 * Builder#recoverRatio(double)} of normal (and the lost POP to half its share; after a rate step,
 * a window of 15 minutes or more holding 120 expected fetches back to 87.5 %): one incident, one
 * alert; a single fetch does not clear it.
 *
 * <p><b>Severity.</b> {@link HealthStatus#DEGRADED} by default: when the CDN stops calling, the
 * origin itself still serves, and a load balancer must not take it out of rotation for that (that
 * would turn a CDN-side outage into an origin outage). People should be paged; balancers should not.
 *
 * <p><b>Persistence.</b> The baseline is written atomically to {@code <directory>/<name>.baseline}
 * every {@link Builder#saveInterval(Duration)} of evaluation time (and by {@link #saveBaseline()}),
 * and read when the check is built. A corrupt, truncated, wrong-version or unreadable file is
 * reported once (WARN with path and reason) and ignored; a failed write is reported once; neither
 * ever throws into the host.
 *
 * <p>Details: {@code expectedPerMin}, {@code observed}, {@code expected}, {@code evidenceNats},
 * {@code windowMinutes}, {@code level}, {@code test}, {@code pop}, {@code baselineSource}, {@code
 * baselineHours}, {@code warmingUp}; and {@code clockStepMinutes} after a clock step, until re-armed.
 *
 * <p><b>Clock steps.</b> When the evaluation time steps back, or forward by more than five minutes
 * (or three evaluation periods), e.g. an NTP correction or a suspended host, the check does not take
 * the jump for an hour of silence: it restarts its recent history at the new time, does not learn
 * the open hour, keeps its learned baseline (and an alarm in force), and reports {@code
 * clockStepMinutes} (negative = back) until it is armed again (ten minutes with a learned
 * baseline, an hour without).
 *
 * <p>Thread-safety: {@link #evaluate} runs on the guard's single evaluation thread; it and {@link
 * #saveBaseline()} are serialised by this object's monitor, so the latter may be called from any
 * thread.
 */
public final class CdnTrafficCheck implements Check {

    private static final Logger log = LoggerFactory.getLogger(CdnTrafficCheck.class);

    /** The check's name. */
    public static final String NAME = "cdn-traffic";

    private static final Cdn[] CDNS = Cdn.values(); // values() copies the array on every call

    private final DetectionTraffic detector;
    private final HealthStatus severity;
    private final ZoneId zone;
    private final boolean countClientErrors;
    private final BaselineStore store; // null when persistence is off
    private final long saveIntervalMillis;
    private long lastSave = Long.MIN_VALUE; // guarded by this
    private long lastEvaluated = Long.MIN_VALUE; // guarded by this: the guard's clock at the last evaluation
    private double savedMinutes = -1; // guarded by this: learned minutes in the file (as loaded or last saved)
    private String[] keys = new String[8]; // guarded by this
    private long[] counts = new long[8]; // guarded by this
    private String[] keyPops = new String[8]; // guarded by this: the POP name each key was built from
    private Cdn[] keyCdns = new Cdn[8]; // guarded by this: the CDN each key was built from

    private CdnTrafficCheck(Builder b) {
        DetectionTraffic.Config c = new DetectionTraffic.Config();
        c.silenceNats = b.silenceNats;
        c.shareNats = b.shareNats;
        c.rateNats = b.rateStepNats;
        c.rateSteps = b.rateStepNats < Double.POSITIVE_INFINITY;
        c.warmupExtraNats = b.warmupExtraNats;
        c.deepRatio = b.deepRatio;
        c.recoverRatio = b.recoverRatio;
        c.midnightMillis = b.midnightGuard.toMillis();
        BaselineWeekly baseline = new BaselineWeekly(b.zone);
        this.severity = b.severity;
        this.zone = b.zone;
        this.countClientErrors = b.countClientErrors;
        this.saveIntervalMillis = b.saveInterval.toMillis();
        BaselineStore st = null;
        if (b.persistence) {
            try {
                Path dir = b.directory != null ? b.directory
                        : Paths.get(System.getProperty("java.io.tmpdir", "."), "cdnguard");
                st = new BaselineStore(dir.resolve(b.name + ".baseline"), BaselineWeekly.FORMAT);
            } catch (RuntimeException e) {
                log.warn("cdn-traffic: no usable baseline directory ({}); the baseline stays in memory only", e.toString());
            }
        }
        store = st;
        if (store != null) {
            byte[] payload = store.load();
            if (payload != null) {
                try {
                    baseline.loadFrom(payload);
                    savedMinutes = baseline.learnedMinutes();
                    log.info("Loaded cdnguard baseline from {} ({} h learned)", store.file(),
                            Math.round(baseline.learnedMinutes() / 60));
                } catch (RuntimeException e) { // IllegalArgumentException with the reason, or anything unforeseen
                    store.rejectPayload(e instanceof IllegalArgumentException ? e.getMessage() : e.toString());
                }
            }
        }
        this.detector = new DetectionTraffic(c, baseline);
    }

    /** Starts a builder with the documented defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The zone whose hours of the week the baseline learns and whose midnight the holiday guards watch. */
    public ZoneId zone() {
        return zone;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public synchronized CheckResult evaluate(GuardSnapshot snapshot) {
        long now = snapshot.timeMillis();
        long cum = 0;
        for (Cdn cdn : CDNS) {
            cum += snapshot.cdnFetches(cdn, StatusClass.SUCCESS) + snapshot.cdnFetches(cdn, StatusClass.REDIRECTION);
            if (countClientErrors) {
                cum += snapshot.cdnFetches(cdn, StatusClass.CLIENT_ERROR);
            }
        }
        List<PopStats> pops = snapshot.pops();
        int n = pops == null ? 0 : pops.size();
        if (keys.length < n) {
            keys = java.util.Arrays.copyOf(keys, n);
            counts = new long[n];
            keyPops = java.util.Arrays.copyOf(keyPops, n);
            keyCdns = java.util.Arrays.copyOf(keyCdns, n);
        }
        for (int i = 0; i < n; i++) {
            PopStats p = pops.get(i);
            String popName = p.pop();
            Cdn popCdn = p.cdn();
            if (keys[i] == null || !Objects.equals(popName, keyPops[i]) || popCdn != keyCdns[i]) {
                keys[i] = popCdn.label() + ":" + popName; // built once per POP, not per evaluation
                keyPops[i] = popName;
                keyCdns[i] = popCdn;
            }
            counts[i] = p.fetches();
        }
        DetectionTraffic.Result r = detector.update(now, cum, keys, counts, n);
        if (r.changed) {
            if (r.alarm) {
                log.warn("cdn-traffic: {}", message(r));
            } else {
                log.info("cdn-traffic: CDN fetches back to normal");
            }
        }
        lastEvaluated = now;
        if (store != null) {
            if (lastSave == Long.MIN_VALUE || now < lastSave) {
                lastSave = now;
            } else if (now - lastSave >= saveIntervalMillis) {
                lastSave = now;
                save(now);
            }
        }
        return toResult(r);
    }

    /**
     * Writes the learned baseline now (atomically), if persistence is on, stamped with the guard's
     * clock at the last evaluation. Never throws; returns whether a file was written.
     */
    public synchronized boolean saveBaseline() {
        return store != null && save(lastEvaluated != Long.MIN_VALUE ? lastEvaluated : System.currentTimeMillis());
    }

    /**
     * Writes the baseline if it learned anything since it was loaded or last saved (the guard calls
     * this when it closes, so a restart within the save interval does not lose what was learned,
     * while a guard that lived less than an hour leaves no file behind). Never throws; returns
     * whether a file was written.
     */
    public synchronized boolean saveBaselineIfLearned() {
        return store != null && detector.baseline().learnedMinutes() > Math.max(0, savedMinutes) && saveBaseline();
    }

    private boolean save(long at) {
        double learned = detector.baseline().learnedMinutes();
        boolean saved = store.save(detector.baseline().toBytes(at));
        if (saved) {
            savedMinutes = learned;
        }
        return saved;
    }

    /** The baseline file, or {@code null} when persistence is off. */
    public Path baselineFile() {
        return store == null ? null : store.file();
    }

    private static String message(DetectionTraffic.Result r) {
        if (!r.ready && !r.alarm && r.clockStepMillis != 0) {
            return String.format(Locale.ROOT, "clock stepped by %+d min: recent history restarted, the open hour is not learned;"
                    + " re-arming", Math.round(r.clockStepMillis / 60_000.0));
        }
        if (!r.ready) {
            return "warming up: learning the normal CDN fetch rate";
        }
        if (!r.alarm) {
            return "CDN fetches within their norm";
        }
        if (r.reason == DetectionTraffic.Reason.POP_LOSS) {
            return String.format(Locale.ROOT, "fetches from CDN edge %s stopped: %d in the last %d min where about %.0f were expected",
                    r.pop, r.observed, r.windowMillis / 60_000, r.expected);
        }
        if (r.reason == DetectionTraffic.Reason.RATE_STEP) {
            return String.format(Locale.ROOT, "CDN fetches stepped down to %.0f%% of their recent level: %d in the last %d min where"
                    + " about %.0f were expected (the CDN names no edge: the total is tested)",
                    100.0 * r.observed / Math.max(r.expected, 1e-9), r.observed, r.windowMillis / 60_000, r.expected);
        }
        return String.format(Locale.ROOT, "CDN fetches dropped: %d in the last %d min where about %.1f were expected",
                r.observed, r.windowMillis / 60_000, r.expected);
    }

    private CheckResult toResult(DetectionTraffic.Result r) {
        HealthStatus st = r.alarm ? severity : HealthStatus.UP;
        // r is the detector's fresh result of this step, never changed afterwards: the details are
        // computed from it only when read (most evaluations' details never are)
        return CheckResult.of(st, message(r), () -> details(r));
    }

    private static Map<String, Object> details(DetectionTraffic.Result r) {
        Map<String, Object> d = new LinkedHashMap<>(24);
        d.put("expectedPerMin", round(r.expectedPerMin));
        d.put("observed", r.observed);
        d.put("expected", round(r.expected));
        d.put("evidenceNats", round(r.evidence));
        d.put("windowMinutes", r.windowMillis / 60_000.0);
        d.put("level", round(r.level));
        d.put("test", r.shareTest ? "pop-share" : r.reason == DetectionTraffic.Reason.RATE_STEP ? "rate-step" : "silence");
        d.put("pop", r.pop == null ? "" : r.pop);
        d.put("baselineSource", r.baselineSource == 2 ? "weekly" : r.baselineSource == 1 ? "daily" : "recent");
        d.put("baselineHours", round(r.baselineHours));
        d.put("warmingUp", r.warmingUp);
        if (r.clockStepMillis != 0) {
            d.put("clockStepMinutes", Math.round(r.clockStepMillis / 60_000.0));
        }
        return d;
    }

    static double round(double v) {
        if (!Double.isFinite(v)) {
            return 0;
        }
        return Math.round(v * 100) / 100.0;
    }

    /**
     * Configures a {@link CdnTrafficCheck}. Not thread-safe. {@link #build()} validates and throws
     * {@link IllegalArgumentException} naming a bad value.
     */
    public static final class Builder {
        private ZoneId zone = ZoneOffset.UTC;
        private double silenceNats = 17;
        private double shareNats = 17;
        private double warmupExtraNats = 3;
        private double deepRatio = 0.05;
        private double recoverRatio = 0.7;
        private double rateStepNats = 20;
        private Duration midnightGuard = Duration.ofMinutes(45);
        private HealthStatus severity = HealthStatus.DEGRADED;
        private boolean countClientErrors;
        private boolean persistence = true;
        private Path directory;
        private String name = NAME;
        private Duration saveInterval = Duration.ofHours(1);

        private Builder() {
        }

        /**
         * The zone whose hours of the week the baseline learns, and whose midnight the rate-step test
         * keeps clear of and the silence test is stricter after (a holiday starts there). Default
         * UTC: set the site's zone.
         */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /**
         * Evidence (nats, {@code -ln P}) needed to flag a silence or deep drop. Default 17: real fetch
         * streams have longer natural gaps than Poisson, and 15-18 nats keep false alarms near zero.
         */
        public Builder silenceThresholdNats(double nats) {
            this.silenceNats = nats;
            return this;
        }

        /** Evidence (nats) needed to flag a POP whose share of the fetches collapsed. Default 17. */
        public Builder shareThresholdNats(double nats) {
            this.shareNats = nats;
            return this;
        }

        /**
         * Evidence (nats) needed to flag a step down of the total, the test for CDNs whose headers
         * name no POP (Akamai's generic {@code Via}). Default 20 (counts at over a few hundred
         * fetches a window are also allowed 8 % of noise per 5 minutes); {@code
         * Double.POSITIVE_INFINITY} turns the test off.
         */
        public Builder rateStepThresholdNats(double nats) {
            this.rateStepNats = nats;
            return this;
        }

        /**
         * How long after each local midnight ({@link #zone(ZoneId)}) a silence starting then must
         * also be unlikely (9 nats) at 40 % of the expectation it is tested against, not only at
         * 25 % (4 nats) as at other times. Default 45 minutes: a holiday's fetches fall to
         * about a third from midnight, sometimes within a minute, before the recent level can
         * follow, and an ordinary gap of that third then reads as a silence; on a model of 1,000
         * holiday nights it about halves the nights that page (it does not make them none; at a
         * fetch a minute the level takes more than an hour to follow). The price: a full stop
         * starting in that time is flagged after about 22.5 expected fetches instead of 17 (about
         * 2.1 t* instead of 1.6). On a day whose midnight a DST change skips (Havana, Santiago) the
         * band is not there. {@link Duration#ZERO} turns it off.
         */
        public Builder midnightGuard(Duration guard) {
            this.midnightGuard = Objects.requireNonNull(guard, "guard");
            return this;
        }

        /** Added to the silence and share thresholds while less than about a week of history is known. Default 3. */
        public Builder warmupExtraNats(double nats) {
            this.warmupExtraNats = nats;
            return this;
        }

        /**
         * The silence test only considers windows where at most this fraction of the expected fetches
         * arrived. Default 0.05: far below a holiday (which keeps 25-40% of the fetches, as popular
         * objects are still refetched once per TTL), so that only a stop, or a trickle, counts as
         * silence; partial drops are the POP-share test's job.
         */
        public Builder deepDropRatio(double ratio) {
            this.deepRatio = ratio;
            return this;
        }

        /** An alarm clears when at least this fraction of the expected fetches arrive again. Default 0.7. */
        public Builder recoverRatio(double ratio) {
            this.recoverRatio = ratio;
            return this;
        }

        /** The status reported while alarmed. Default {@link HealthStatus#DEGRADED} (see the class comment). */
        public Builder severity(HealthStatus severity) {
            this.severity = Objects.requireNonNull(severity, "severity");
            return this;
        }

        /** Whether CDN fetches answered 4xx count as traffic. Default {@code false}. */
        public Builder countClientErrors(boolean count) {
            this.countClientErrors = count;
            return this;
        }

        /** Whether to read and write the baseline file. Default {@code true}; turn off for backtests. */
        public Builder persistence(boolean enabled) {
            this.persistence = enabled;
            return this;
        }

        /** The directory of the baseline file. Default {@code ${java.io.tmpdir}/cdnguard}. */
        public Builder baselineDirectory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * The baseline file's base name (one per guard sharing a directory). Default {@code cdn-traffic};
         * letters, digits, '.', '_' and '-' only.
         */
        public Builder baselineName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** How often (in evaluation time) the baseline is written. Default 1 hour. */
        public Builder saveInterval(Duration interval) {
            this.saveInterval = Objects.requireNonNull(interval, "interval");
            return this;
        }

        /** Builds the check, reading the baseline file if persistence is on. Never fails on a bad file. */
        public CdnTrafficCheck build() {
            if (!(silenceNats >= 1 && silenceNats <= 1000)) {
                throw new IllegalArgumentException("silenceThresholdNats must be 1..1000: " + silenceNats);
            }
            if (!(shareNats >= 1 && shareNats <= 1000)) {
                throw new IllegalArgumentException("shareThresholdNats must be 1..1000: " + shareNats);
            }
            if (!(rateStepNats >= 1 && (rateStepNats <= 1000 || rateStepNats == Double.POSITIVE_INFINITY))) {
                throw new IllegalArgumentException("rateStepThresholdNats must be 1..1000 or infinity (off): " + rateStepNats);
            }
            if (!(warmupExtraNats >= 0 && warmupExtraNats <= 100)) {
                throw new IllegalArgumentException("warmupExtraNats must be 0..100: " + warmupExtraNats);
            }
            if (!(deepRatio > 0 && deepRatio < 1)) {
                throw new IllegalArgumentException("deepDropRatio must be in (0, 1): " + deepRatio);
            }
            if (midnightGuard.isNegative() || midnightGuard.compareTo(Duration.ofHours(12)) > 0) {
                throw new IllegalArgumentException("midnightGuard must be 0..12 h: " + midnightGuard);
            }
            if (!(recoverRatio > 0 && recoverRatio <= 1)) {
                throw new IllegalArgumentException("recoverRatio must be in (0, 1]: " + recoverRatio);
            }
            if (!name.matches("[A-Za-z0-9._-]{1,100}") || name.startsWith(".")) {
                throw new IllegalArgumentException("baselineName must be 1..100 of [A-Za-z0-9._-], not starting with '.': " + name);
            }
            if (saveInterval.toMillis() < 1000) {
                throw new IllegalArgumentException("saveInterval must be at least 1 s: " + saveInterval);
            }
            return new CdnTrafficCheck(this);
        }
    }
}
