package io.cdnguard.checks;

import io.cdnguard.BackendStats;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.UpstreamFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code missing-backend}: a gateway cannot reach a backend, or a backend of the canonical
 * configuration no longer gets any traffic.
 *
 * <p><b>(a) Upstream failures</b> (connect refused or timed out, reset, no backend, 502/503/504),
 * over look-back windows of 1, 2, 5 and 10 minutes:
 * <ul>
 *   <li>{@link HealthStatus#DEGRADED} when, in some window, at least {@link Builder#minFailures(int)}
 *   (default 5) exchanges failed and they were at least {@link Builder#failureRatio(double)} (default
 *   0.5) of the exchanges, overall or of one backend; the minimum count keeps one error on a quiet
 *   night, and a backend restarting for a few seconds after a deploy, from paging;</li>
 *   <li>DEGRADED too when {@link Builder#minNoBackendFailures(int)} (default 3) exchanges were
 *   answered "no backend" and they were at least {@link Builder#noBackendRatio(double)} (default 0.1)
 *   of the exchanges: a gateway with no backend for a route is misconfigured, not restarting. Such
 *   failures name no backend; they count in the overall ratio;</li>
 *   <li>{@link HealthStatus#DOWN} when the origin cannot serve at all: in the last 1 or 2 minutes at
 *   least {@link Builder#minDownFailures(int)} (default 10) exchanges failed, and not one exchange
 *   succeeded in the last 10 minutes (so a thin route that still works, say {@code /api/*} at a few
 *   calls a minute while {@code /static/*} fails, keeps the origin out of DOWN). It stays DOWN until
 *   two exchanges succeed within 10 minutes or the failures thin out, so a lull does not flap.</li>
 * </ul>
 * Once raised, it clears when the last 15 minutes no longer meet those rules at half the counts and
 * half the ratios, so a thin stream of failures does not flap.
 *
 * <p><b>(b) Expected but silent.</b> A backend declared with {@code expectBackend} that got no
 * exchange for {@link Builder#silentWindow(Duration)} (default 10 min) while its peers (the other
 * declared backends) carried enough exchanges that its usual share would have shown: with its learned
 * share p (its exchanges among the declared backends', half-life one day, lowered by one standard
 * error), evidence {@code -M ln(1 - p)} for M peer exchanges since it was last seen, at least {@link
 * Builder#silentThresholdNats(double)} (default 16 nats). Nothing fires when everyone is quiet. A
 * backend never seen since start is judged with a conservative share of {@code 1/(4n)} for n
 * declared backends, once the peers carried 200 exchanges (details say {@code neverSeen}). It clears
 * after 3 exchanges. DEGRADED.
 *
 * <p>Details: {@code failures}, {@code exchanges}, {@code failureRatio}, {@code noBackend}, {@code
 * windowMinutes}, {@code failingBackends}, {@code silentBackends}, {@code silentMinutes}, {@code
 * peerExchanges}, {@code evidenceNats}, {@code neverSeen}, {@code warmingUp}.
 *
 * <p>Runs on the evaluation thread only; not thread-safe.
 */
public final class MissingBackendCheck implements Check {

    private static final Logger log = LoggerFactory.getLogger(MissingBackendCheck.class);

    /** The check's name. */
    public static final String NAME = "missing-backend";

    private final Detector detector;
    private String[] names = new String[8];
    private boolean[] expected = new boolean[8];
    private long[] ex = new long[8];
    private long[] fail = new long[8];

    private MissingBackendCheck(Builder b) {
        this.detector = new Detector(b);
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
        List<BackendStats> bs = snapshot.backends();
        int n = bs == null ? 0 : bs.size();
        if (names.length < n) {
            names = new String[n];
            expected = new boolean[n];
            ex = new long[n];
            fail = new long[n];
        }
        long sumEx = snapshot.unknownBackendOverflow();
        long sumFail = 0;
        for (int i = 0; i < n; i++) {
            BackendStats b = bs.get(i);
            names[i] = b.name();
            expected[i] = b.expected();
            ex[i] = b.exchanges();
            fail[i] = b.failures();
            sumEx += ex[i];
            sumFail += fail[i];
        }
        long totalFail = snapshot.upstreamFailures();
        long unattributed = Math.max(0, totalFail - sumFail);
        long totalEx = sumEx + unattributed;
        long noBackend = snapshot.upstreamFailures(UpstreamFailure.NO_BACKEND);
        Detector.Result r = detector.update(snapshot.timeMillis(), totalEx, totalFail, noBackend, names, expected, ex, fail, n);
        if (r.changed) {
            if (r.status != HealthStatus.UP) {
                log.warn("missing-backend: {}", r.message);
            } else {
                log.info("missing-backend: backends serving again");
            }
        }
        return CheckResult.of(r.status, r.message)
                .withDetail("failures", r.failures)
                .withDetail("exchanges", r.exchanges)
                .withDetail("failureRatio", CdnTrafficCheck.round(r.exchanges == 0 ? 0 : (double) r.failures / r.exchanges))
                .withDetail("noBackend", r.noBackend)
                .withDetail("windowMinutes", r.windowMillis / 60_000.0)
                .withDetail("failingBackends", String.join(",", r.failing))
                .withDetail("silentBackends", String.join(",", r.silent))
                .withDetail("silentMinutes", CdnTrafficCheck.round(r.silentMinutes))
                .withDetail("peerExchanges", r.peerExchanges)
                .withDetail("evidenceNats", CdnTrafficCheck.round(r.evidence))
                .withDetail("neverSeen", r.neverSeen)
                .withDetail("warmingUp", r.warmingUp);
    }

    /** The arithmetic, fed plain numbers; package-private for tests. Not thread-safe. */
    static final class Detector {
        static final long[] WINDOWS = {60_000L, 120_000L, 300_000L, 600_000L};
        static final long CLEAR_WINDOW = 15 * 60_000L;
        static final long DOWN_SUCCESS_WINDOW = 10 * 60_000L;
        static final long SPACING = 5_000L;
        static final int CAPACITY = 240; // 20 min at 5 s
        static final int MAX_BACKENDS = 64;
        static final double HALF_LIFE_MILLIS = 24 * 3_600_000.0;
        static final double MIN_LEARNED = 200;
        static final double WARMUP_EXTRA = 3;

        static final class Result {
            HealthStatus status = HealthStatus.UP;
            boolean changed;
            String message = "";
            long failures;
            long exchanges;
            long noBackend;
            long windowMillis;
            List<String> failing = new ArrayList<>();
            List<String> silent = new ArrayList<>();
            double silentMinutes;
            long peerExchanges;
            double evidence;
            boolean neverSeen;
            boolean warmingUp;
        }

        private final int minFailures;
        private final double failureRatio;
        private final int minNoBackend;
        private final double noBackendRatio;
        private final int minDown;
        private final long silentWindow;
        private final double silentNats;

        // ring of running totals
        private final long[] t = new long[CAPACITY];
        private final long[] rEx = new long[CAPACITY];
        private final long[] rFail = new long[CAPACITY];
        private final long[] rNb = new long[CAPACITY];
        private final long[] rbEx = new long[CAPACITY * MAX_BACKENDS];
        private final long[] rbFail = new long[CAPACITY * MAX_BACKENDS];
        private int head;
        private int size;

        private long lastTime = Long.MIN_VALUE;
        private long startTime;
        private long lEx;
        private long lFail;
        private long lNb;
        private long cEx;
        private long cFail;
        private long cNb;
        private final Map<String, Integer> index = new HashMap<>();
        private final String[] bName = new String[MAX_BACKENDS];
        private final boolean[] bExpected = new boolean[MAX_BACKENDS];
        private final long[] lbEx = new long[MAX_BACKENDS];
        private final long[] lbFail = new long[MAX_BACKENDS];
        private final long[] cbEx = new long[MAX_BACKENDS];
        private final long[] cbFail = new long[MAX_BACKENDS];
        // (b) state
        private long cExpected; // running total of exchanges of declared backends
        private final long[] lastSeen = new long[MAX_BACKENDS];
        private final long[] expectedAtSeen = new long[MAX_BACKENDS];
        private final boolean[] everSeen = new boolean[MAX_BACKENDS];
        private final double[] learned = new double[MAX_BACKENDS];
        private double learnedTotal;
        private final boolean[] silentAlarm = new boolean[MAX_BACKENDS];
        private final long[] seenOwn = new long[MAX_BACKENDS]; // running total at the last step, for last-seen
        private final long[] learnedOwn = new long[MAX_BACKENDS]; // running total already learned
        private long lastExpected; // cExpected already learned
        private final long[] sinceAlarm = new long[MAX_BACKENDS];
        // (a) state
        private HealthStatus failState = HealthStatus.UP;
        private HealthStatus lastStatus = HealthStatus.UP;

        Detector(Builder b) {
            this.minFailures = b.minFailures;
            this.failureRatio = b.failureRatio;
            this.minNoBackend = b.minNoBackend;
            this.noBackendRatio = b.noBackendRatio;
            this.minDown = b.minDown;
            this.silentWindow = b.silentWindow;
            this.silentNats = b.silentNats;
        }

        private int idx(int i) {
            return (head + i) % CAPACITY;
        }

        private int at(long time) {
            if (size == 0 || t[idx(0)] > time) {
                return -1;
            }
            int lo = 0;
            int hi = size - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (t[idx(mid)] <= time) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return idx(lo);
        }

        private void push(long now) {
            int s;
            if (size < CAPACITY) {
                s = idx(size++);
            } else {
                s = head;
                head = (head + 1) % CAPACITY;
            }
            t[s] = now;
            rEx[s] = cEx;
            rFail[s] = cFail;
            rNb[s] = cNb;
            System.arraycopy(cbEx, 0, rbEx, s * MAX_BACKENDS, MAX_BACKENDS);
            System.arraycopy(cbFail, 0, rbFail, s * MAX_BACKENDS, MAX_BACKENDS);
        }

        private static long d(long now, long last) {
            return Math.max(0, now - last);
        }

        Result update(long now, long totalEx, long totalFail, long noBackend,
                String[] names, boolean[] expected, long[] ex, long[] fail, int n) {
            Result r = new Result();
            boolean first = lastTime == Long.MIN_VALUE;
            long dt = now - lastTime;
            if (!first) {
                cEx += d(totalEx, lEx);
                cFail += d(totalFail, lFail);
                cNb += d(noBackend, lNb);
            }
            lEx = totalEx;
            lFail = totalFail;
            lNb = noBackend;
            int declared = 0;
            for (int i = 0; i < n; i++) {
                Integer k = index.get(names[i]);
                if (k == null) {
                    if (index.size() >= MAX_BACKENDS) {
                        continue;
                    }
                    k = index.size();
                    index.put(names[i], k);
                    bName[k] = names[i];
                    lbEx[k] = first ? ex[i] : 0;
                    lbFail[k] = first ? fail[i] : 0;
                    lastSeen[k] = now;
                    expectedAtSeen[k] = cExpected;
                    everSeen[k] = ex[i] > 0;
                }
                bExpected[k] = expected[i];
                long de = d(ex[i], lbEx[k]);
                cbEx[k] += de;
                cbFail[k] += d(fail[i], lbFail[k]);
                lbEx[k] = ex[i];
                lbFail[k] = fail[i];
                if (expected[i]) {
                    declared++;
                    cExpected += de;
                }
            }
            if (first || dt < 0 || dt > 15 * 60_000L) {
                lastTime = now;
                if (first) {
                    startTime = now;
                }
                size = 0;
                head = 0;
                for (int k = 0; k < index.size(); k++) {
                    lastSeen[k] = now;
                    expectedAtSeen[k] = cExpected;
                }
                push(now);
                r.status = lastStatus;
                r.message = "warming up";
                r.warmingUp = true;
                return r;
            }
            lastTime = now;
            // (b) the learned shares fade with a one-day half-life
            double decay = Math.pow(0.5, Math.max(0, dt) / HALF_LIFE_MILLIS);
            learnedTotal *= decay;
            for (int k = 0; k < index.size(); k++) {
                learned[k] *= decay;
            }
            if (size == 0 || now - t[idx(size - 1)] >= SPACING) {
                push(now);
            }
            evaluateSilent(r, now, declared);
            evaluateFailures(r, now);
            HealthStatus st = failState;
            if (!r.silent.isEmpty()) {
                st = st.worst(HealthStatus.DEGRADED);
            }
            r.status = st;
            r.changed = st != lastStatus;
            lastStatus = st;
            if (r.message.isEmpty()) {
                r.message = "backends serving";
            }
            return r;
        }

        /** Per declared backend: seen since last step? learned share; silent evidence. */
        private void evaluateSilent(Result r, long now, int declared) {
            // last seen: a declared backend's running total moved since the previous step
            double best = 0;
            for (int k = 0; k < index.size(); k++) {
                if (!bExpected[k]) {
                    continue;
                }
                long own = cbEx[k];
                if (own != seenOwn[k]) {
                    long de = own - seenOwn[k];
                    seenOwn[k] = own;
                    lastSeen[k] = now;
                    expectedAtSeen[k] = cExpected;
                    everSeen[k] = true;
                    if (silentAlarm[k]) {
                        sinceAlarm[k] += de;
                        if (sinceAlarm[k] >= 3) {
                            silentAlarm[k] = false;
                        }
                    }
                }
            }
            // learn shares from this step's exchanges (only backends not alarmed)
            long stepTotal = cExpected - lastExpected;
            lastExpected = cExpected;
            if (stepTotal > 0) {
                boolean anyAlarm = false;
                for (int k = 0; k < index.size(); k++) {
                    anyAlarm |= bExpected[k] && silentAlarm[k];
                }
                if (!anyAlarm) {
                    for (int k = 0; k < index.size(); k++) {
                        if (bExpected[k]) {
                            learned[k] += cbEx[k] - learnedOwn[k];
                        }
                    }
                    learnedTotal += stepTotal;
                }
            }
            for (int k = 0; k < index.size(); k++) {
                learnedOwn[k] = cbEx[k];
            }
            boolean warming = learnedTotal < MIN_LEARNED;
            r.warmingUp = warming;
            for (int k = 0; k < index.size(); k++) {
                if (!bExpected[k]) {
                    continue;
                }
                long silentFor = now - lastSeen[k];
                long peers = cExpected - expectedAtSeen[k];
                double p;
                boolean never = !everSeen[k];
                if (never) {
                    if (peers < MIN_LEARNED || declared < 2) {
                        continue;
                    }
                    p = 1.0 / (4.0 * declared);
                } else {
                    if (warming || learnedTotal <= 0) {
                        continue;
                    }
                    double sh = learned[k] / learnedTotal;
                    p = sh - Math.sqrt(Math.max(0, sh * (1 - sh)) / learnedTotal);
                    if (!(p > 0)) {
                        continue;
                    }
                }
                double ev = Poisson.zeroShareEvidence(peers, Math.min(p, 0.999));
                if (!silentAlarm[k] && silentFor >= silentWindow && ev >= silentNats) {
                    silentAlarm[k] = true;
                    sinceAlarm[k] = 0;
                }
                if (silentAlarm[k]) {
                    r.silent.add(bName[k]);
                    if (ev >= best) {
                        best = ev;
                        r.silentMinutes = silentFor / 60_000.0;
                        r.peerExchanges = peers;
                        r.evidence = ev;
                        r.neverSeen = never;
                    }
                } else if (r.silent.isEmpty() && ev > r.evidence) {
                    r.evidence = ev;
                    r.silentMinutes = silentFor / 60_000.0;
                    r.peerExchanges = peers;
                }
            }
            if (!r.silent.isEmpty()) {
                r.message = String.format(Locale.ROOT, "backend %s got no traffic for %.0f min while its peers served %d exchanges%s",
                        String.join(",", r.silent), r.silentMinutes, r.peerExchanges,
                        r.neverSeen ? " (never seen since start)" : "");
            }
        }

        /** Whether the failure rules hold in a window (scaled thresholds for clearing). */
        private boolean failing(Result r, long now, long w, double scale, boolean record) {
            int s = at(now - w);
            if (s < 0) {
                s = idx(0);
            }
            long f = cFail - rFail[s];
            long e = cEx - rEx[s];
            long nb = cNb - rNb[s];
            boolean hit = false;
            if (f >= Math.ceil(minFailures * scale) && e > 0 && f >= failureRatio * scale * e) {
                hit = true;
            }
            if (nb >= Math.ceil(minNoBackend * scale) && e > 0 && nb >= noBackendRatio * scale * e) {
                hit = true;
            }
            List<String> failingHere = new ArrayList<>();
            int so = s * MAX_BACKENDS;
            for (int k = 0; k < index.size(); k++) {
                long bf = cbFail[k] - rbFail[so + k];
                long be = cbEx[k] - rbEx[so + k];
                if (bf >= Math.ceil(minFailures * scale) && be > 0 && bf >= failureRatio * scale * be) {
                    hit = true;
                    failingHere.add(bName[k]);
                }
            }
            if (record && hit) {
                r.failures = f;
                r.exchanges = e;
                r.noBackend = nb;
                r.windowMillis = w;
                r.failing = failingHere;
            }
            return hit;
        }

        private void evaluateFailures(Result r, long now) {
            boolean hit = false;
            for (long w : WINDOWS) {
                if (failing(r, now, w, 1.0, true)) {
                    hit = true;
                    break;
                }
            }
            // DOWN: many failures lately and not one success for longer (a quiet route that still
            // works must get a chance to show it)
            boolean down = false;
            int s5 = at(now - DOWN_SUCCESS_WINDOW);
            if (s5 < 0) {
                s5 = idx(0);
            }
            long successes = (cEx - rEx[s5]) - (cFail - rFail[s5]);
            if (failState == HealthStatus.DOWN && successes < 2) {
                // stay DOWN until successes come back (at least two in the window), not on a lull
                int s2 = at(now - WINDOWS[3]);
                if (s2 < 0) {
                    s2 = idx(0);
                }
                if (cFail - rFail[s2] >= (minDown + 1) / 2) {
                    down = true;
                    r.failures = cFail - rFail[s2];
                    r.exchanges = cEx - rEx[s2];
                    r.noBackend = cNb - rNb[s2];
                    r.windowMillis = WINDOWS[3];
                }
            }
            if (!down && successes <= 0) {
                for (int i = 0; i < 2 && !down; i++) {
                    long w = WINDOWS[i];
                    int s = at(now - w);
                    if (s < 0) {
                        s = idx(0);
                    }
                    long f = cFail - rFail[s];
                    if (f >= minDown) {
                        down = true;
                        r.failures = f;
                        r.exchanges = cEx - rEx[s];
                        r.noBackend = cNb - rNb[s];
                        r.windowMillis = w;
                    }
                }
            }
            if (down) {
                failState = HealthStatus.DOWN;
            } else if (hit) {
                failState = HealthStatus.DEGRADED;
            } else if (failState != HealthStatus.UP) {
                if (failing(r, now, CLEAR_WINDOW, 0.5, true)) {
                    failState = HealthStatus.DEGRADED;
                } else {
                    failState = HealthStatus.UP;
                }
            }
            if (failState != HealthStatus.UP) {
                String who = r.failing.isEmpty() ? (r.noBackend > 0 ? "no backend for some routes" : "upstream failures")
                        : "backend " + String.join(",", r.failing) + " failing";
                r.message = String.format(Locale.ROOT, "%s%s: %d of %d exchanges failed in the last %d min (%d no_backend)",
                        failState == HealthStatus.DOWN ? "origin cannot serve, " : "", who, r.failures, r.exchanges,
                        r.windowMillis / 60_000, r.noBackend);
            }
        }
    }

    /**
     * Configures a {@link MissingBackendCheck}. Not thread-safe. {@link #build()} validates and
     * throws {@link IllegalArgumentException} naming a bad value.
     */
    public static final class Builder {
        private int minFailures = 5;
        private double failureRatio = 0.5;
        private int minNoBackend = 3;
        private double noBackendRatio = 0.1;
        private int minDown = 10;
        private long silentWindow = 10 * 60_000L;
        private double silentNats = 16;

        private Builder() {
        }

        /** Failures needed in a window before the failure ratio counts. Default 5. */
        public Builder minFailures(int n) {
            this.minFailures = n;
            return this;
        }

        /** The failure ratio (overall or of one backend) that degrades. Default 0.5. */
        public Builder failureRatio(double ratio) {
            this.failureRatio = ratio;
            return this;
        }

        /** "No backend" failures needed in a window. Default 3. */
        public Builder minNoBackendFailures(int n) {
            this.minNoBackend = n;
            return this;
        }

        /** The share of exchanges answered "no backend" that degrades. Default 0.1. */
        public Builder noBackendRatio(double ratio) {
            this.noBackendRatio = ratio;
            return this;
        }

        /** Failures with no success in 1-2 minutes that make the origin DOWN. Default 10. */
        public Builder minDownFailures(int n) {
            this.minDown = n;
            return this;
        }

        /** How long a declared backend must get nothing before it can be reported silent. Default 10 min. */
        public Builder silentWindow(Duration window) {
            this.silentWindow = Objects.requireNonNull(window, "window").toMillis();
            return this;
        }

        /** Evidence (nats) that a silent backend should have been seen. Default 16. */
        public Builder silentThresholdNats(double nats) {
            this.silentNats = nats;
            return this;
        }

        /** Builds the check. */
        public MissingBackendCheck build() {
            if (minFailures < 1) {
                throw new IllegalArgumentException("minFailures must be at least 1: " + minFailures);
            }
            if (!(failureRatio > 0 && failureRatio <= 1)) {
                throw new IllegalArgumentException("failureRatio must be in (0, 1]: " + failureRatio);
            }
            if (minNoBackend < 1) {
                throw new IllegalArgumentException("minNoBackendFailures must be at least 1: " + minNoBackend);
            }
            if (!(noBackendRatio > 0 && noBackendRatio <= 1)) {
                throw new IllegalArgumentException("noBackendRatio must be in (0, 1]: " + noBackendRatio);
            }
            if (minDown < 1) {
                throw new IllegalArgumentException("minDownFailures must be at least 1: " + minDown);
            }
            if (silentWindow < 60_000L) {
                throw new IllegalArgumentException("silentWindow must be at least 1 min: " + Duration.ofMillis(silentWindow));
            }
            if (!(silentNats >= 1 && silentNats <= 1000)) {
                throw new IllegalArgumentException("silentThresholdNats must be 1..1000: " + silentNats);
            }
            return new MissingBackendCheck(this);
        }
    }
}
