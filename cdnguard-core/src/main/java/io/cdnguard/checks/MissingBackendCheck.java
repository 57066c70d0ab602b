package io.cdnguard.checks;

import io.cdnguard.BackendStats;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.UpstreamFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 *   0.5) of the exchanges, overall or of one backend, and they are spread over time (some at least 45
 *   s ago, some in the last 15 s); the minimum count keeps one error on a quiet night from paging, and
 *   the spread a backend restarting for a few seconds after a deploy (a burst of 502 {@code
 *   connect_refused});</li>
 *   <li>DEGRADED too when {@link Builder#minNoBackendFailures(int)} (default 2) exchanges were
 *   answered "no backend" and they were at least {@link Builder#noBackendRatio(double)} (default 0.1)
 *   of the exchanges: a gateway with no backend for a route is misconfigured, not restarting. Such
 *   failures name no backend; they count in the overall ratio;</li>
 *   <li>{@link HealthStatus#DOWN} when the origin cannot serve at all: in the last 1 or 2 minutes at
 *   least {@link Builder#minDownFailures(int)} (default 10) exchanges failed, and not one exchange
 *   succeeded in the last 10 minutes (so a thin route that still works, say {@code /api/*} at a few
 *   calls a minute while {@code /static/*} fails, keeps the origin out of DOWN). Once an episode of
 *   failures has shown that something still succeeds, DOWN also needs the gap since the last success
 *   to be significant at the success rate seen during the episode (rate &times; gap &ge; 12 nats), so
 *   a thin working route does not flap DOWN and back. It stays DOWN until two exchanges succeed within
 *   10 minutes or the failures thin out.</li>
 * </ul>
 * <b>Hysteresis.</b> Once raised, it clears only when the last 15 minutes (or the time since the alarm
 * began plus a minute, if shorter) no longer meet those rules at half the counts and half the ratios,
 * without the spread condition, <i>and</i> at least 3 exchanges succeeded in the last 15 minutes (or no
 * failure at all was seen for an hour): a thin stream of failures, or a lull in which nothing
 * arrives, does not flap it back to UP; one incident, one alert.
 *
 * <p><b>(b) Expected but silent.</b> A backend declared with {@code expectBackend} is compared with
 * its <i>peers</i>: the declared backends of the same route class ({@link Builder#peerGroup}, or by
 * name stem: {@code asset-1..3} form {@code asset}, {@code api-1..2} form {@code api}; backends whose
 * stem no other shares are pooled in one group). With its learned share p of its group's exchanges
 * (half-life one day, lowered by one standard error, not learned while a member of the group is
 * alarmed) and M exchanges of its peers since it was last seen, the chance that all M went elsewhere
 * is {@code (1 - p)^M}; the evidence {@code -M ln(1 - p)} must reach {@link
 * Builder#silentThresholdNats(double)} (default 16 nats) after at least {@link
 * Builder#silentWindow(Duration)} (default 3 min) of silence. Only the group's own traffic counts:
 * the other route classes' mix changes over the day (an api quiet at night), so it is no clock for
 * this one. This is a test on shares, so it does not depend on demand: nothing fires when the whole group is quiet, and an api backend quiet at night
 * does not make an asset backend look silent. A backend never seen since start is judged with a
 * conservative share of {@code 1/(4n)} for a group of n, once its peers carried 200 exchanges (details
 * say {@code neverSeen}). A backend alone in its group is not judged. It clears when, since the
 * alarm (at most the last 10 minutes), the backend got at least 3 exchanges and a quarter of its
 * usual share of its group's. DEGRADED.
 *
 * <p>Details: {@code failures}, {@code exchanges}, {@code failureRatio}, {@code noBackend}, {@code
 * windowMinutes}, {@code failingBackends}, {@code silentBackends}, {@code silentMinutes}, {@code
 * peerExchanges}, {@code peerGroup}, {@code evidenceNats}, {@code neverSeen}, {@code warmingUp}.
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
        // r is the detector's fresh result of this step (its lists too), never changed afterwards:
        // the details are computed from it only when read
        return CheckResult.of(r.status, r.message, () -> details(r));
    }

    private static Map<String, Object> details(Detector.Result r) {
        Map<String, Object> d = new LinkedHashMap<>(24);
        d.put("failures", r.failures);
        d.put("exchanges", r.exchanges);
        d.put("failureRatio", CdnTrafficCheck.round(r.exchanges == 0 ? 0 : (double) r.failures / r.exchanges));
        d.put("noBackend", r.noBackend);
        d.put("windowMinutes", r.windowMillis / 60_000.0);
        d.put("failingBackends", join(r.failing));
        d.put("silentBackends", join(r.silent));
        d.put("silentMinutes", CdnTrafficCheck.round(r.silentMinutes));
        d.put("peerExchanges", r.peerExchanges);
        d.put("peerGroup", r.peerGroup);
        d.put("evidenceNats", CdnTrafficCheck.round(r.evidence));
        d.put("neverSeen", r.neverSeen);
        d.put("warmingUp", r.warmingUp);
        return d;
    }

    /** {@code String.join(",", names)}, without a joiner for the usual empty list. */
    private static String join(List<String> names) {
        return names.isEmpty() ? "" : String.join(",", names);
    }

    /** The peer group of a declared backend once evaluated, or {@code null}; for tests. */
    String detectorGroupOf(String backend) {
        return detector.groupOf(backend);
    }

    /** The arithmetic, fed plain numbers; package-private for tests. Not thread-safe. */
    /*
     * Implementation notes. Running totals (exchanges, failures, no_backend overall; exchanges and
     * failures per backend) are rebuilt from the snapshots' deltas, so a counter reset cannot go
     * negative, and sampled every 5 s into a CumulativeHistory of 20 minutes for the failure windows.
     * The silent test keeps per backend the time and its peer group's running total when it was last
     * seen, so its evidence can grow over hours without a longer ring. Shares are learned per peer
     * group (decayed, half-life one day) and not while a member of that group is alarmed.
     */
    static final class Detector {
        static final long[] WINDOWS = {60_000L, 120_000L, 300_000L, 600_000L};
        static final long CLEAR_WINDOW = 15 * 60_000L;
        static final long SPREAD_OLD = 45_000L;
        static final long SPREAD_NEW = 15_000L;
        static final long DOWN_SUCCESS_WINDOW = 10 * 60_000L;
        static final double DOWN_GAP_NATS = 12;
        static final long CLEAR_QUIET_MILLIS = 60 * 60_000L;
        static final int CLEAR_SUCCESSES = 3;
        static final long SILENT_RECOVER_WINDOW = 10 * 60_000L;
        static final int SILENT_RECOVER_MIN = 3;
        static final double SILENT_RECOVER_SHARE = 0.25;
        static final long SPACING = 5_000L;
        static final int CAPACITY = 240; // 20 min at 5 s
        static final int MAX_BACKENDS = 64;
        static final double HALF_LIFE_MILLIS = 24 * 3_600_000.0;
        static final double MIN_LEARNED = 200;
        static final String POOLED_GROUP = "*";
        private static final int EX = 0;
        private static final int FAIL = 1;
        private static final int NB = 2;
        private static final int B_EX = 3;
        private static final int B_FAIL = 3 + MAX_BACKENDS;

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
            String peerGroup = "";
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
        private final Map<String, String> explicitGroups;

        private final CumulativeHistory hist = new CumulativeHistory(CAPACITY, 3 + 2 * MAX_BACKENDS);

        private long lastTime = Long.MIN_VALUE;
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
        // peer groups: group index per declared backend (-1 for an undeclared one)
        private boolean regroup = true;
        private final int[] group = new int[MAX_BACKENDS];
        private final String[] groupName = new String[MAX_BACKENDS];
        private final int[] groupSize = new int[MAX_BACKENDS];
        private int groups;
        private final long[] groupEx = new long[MAX_BACKENDS]; // running total of the group's exchanges
        private final long[] groupLearnedAt = new long[MAX_BACKENDS]; // groupEx already learned
        private final double[] groupLearned = new double[MAX_BACKENDS];
        private final long[] groupCounted = new long[MAX_BACKENDS]; // cbEx already added to groupEx
        // (b) state
        private final long[] lastSeen = new long[MAX_BACKENDS];
        private final long[] groupExAtSeen = new long[MAX_BACKENDS];
        private final boolean[] everSeen = new boolean[MAX_BACKENDS];
        private final double[] learned = new double[MAX_BACKENDS];
        private final boolean[] silentAlarm = new boolean[MAX_BACKENDS];
        private final long[] silentSince = new long[MAX_BACKENDS];
        private final long[] seenOwn = new long[MAX_BACKENDS]; // running total at the last step, for last-seen
        private final long[] learnedOwn = new long[MAX_BACKENDS]; // running total already learned
        // (a) state
        private HealthStatus failState = HealthStatus.UP;
        private HealthStatus lastStatus = HealthStatus.UP;
        private long episodeStart;
        private long successesAtEpisodeStart;
        private long lastSuccessTime = Long.MIN_VALUE;
        private long lastFailureTime = Long.MIN_VALUE;
        private long lastSuccessSeen; // running totals at the previous step
        private long lastFailSeen;
        // the backends the current failure episode was attributed to; an episode with any unattributed
        // alarm (no_backend, the overall ratio, DOWN) is judged on every backend's successes
        private final boolean[] episodeBackend = new boolean[MAX_BACKENDS];
        private boolean episodeAttributed;
        private boolean episodeUnattributed;
        // the longest window in which the failure rules held during the current episode
        private long episodeWindow;
        private long decayDt = Long.MIN_VALUE; // the last step's length and its decay 0.5^(dt / half-life)
        private double decayOfDt;

        Detector(Builder b) {
            this.minFailures = b.minFailures;
            this.failureRatio = b.failureRatio;
            this.minNoBackend = b.minNoBackend;
            this.noBackendRatio = b.noBackendRatio;
            this.minDown = b.minDown;
            this.silentWindow = b.silentWindow;
            this.silentNats = b.silentNats;
            this.explicitGroups = new HashMap<>(b.groups);
        }

        /**
         * The peer group a backend belongs to when none was configured: its name without a trailing
         * number ({@code asset-1}, {@code asset_02}, {@code asset3} are {@code asset}).
         */
        static String stem(String name) {
            int e = name.length();
            while (e > 0 && Character.isDigit(name.charAt(e - 1))) {
                e--;
            }
            if (e == name.length()) {
                return name;
            }
            while (e > 0 && (name.charAt(e - 1) == '-' || name.charAt(e - 1) == '_' || name.charAt(e - 1) == '.')) {
                e--;
            }
            return e == 0 ? name : name.substring(0, e);
        }

        /** The peer group of a declared backend, or {@code null} (for tests and details). */
        String groupOf(String backend) {
            Integer k = index.get(backend);
            return k == null || group[k] < 0 ? null : groupName[group[k]];
        }

        private void push(long now) {
            int s = hist.push(now);
            hist.set(s, EX, cEx);
            hist.set(s, FAIL, cFail);
            hist.set(s, NB, cNb);
            hist.set(s, B_EX, cbEx, MAX_BACKENDS);
            hist.set(s, B_FAIL, cbFail, MAX_BACKENDS);
        }

        private static long d(long now, long last) {
            return Math.max(0, now - last);
        }

        /**
         * Assigns declared backends to peer groups: the configured group, else the name stem; backends
         * whose stem no other declared backend shares are pooled in one group ({@code *}). Restarts the
         * silent test's bookkeeping from {@code now}.
         */
        private void assignGroups(long now) {
            int n = index.size();
            String[] key = new String[n];
            Map<String, Integer> count = new HashMap<>();
            for (int k = 0; k < n; k++) {
                if (!bExpected[k]) {
                    continue;
                }
                String g = explicitGroups.get(bName[k]);
                key[k] = g != null ? g : stem(bName[k]);
                count.merge(key[k], 1, Integer::sum);
            }
            Map<String, Integer> gi = new HashMap<>();
            groups = 0;
            for (int k = 0; k < n; k++) {
                group[k] = -1;
                if (!bExpected[k]) {
                    continue;
                }
                String g = key[k];
                if (count.get(g) == 1 && !explicitGroups.containsKey(bName[k])) {
                    g = POOLED_GROUP;
                }
                Integer i = gi.get(g);
                if (i == null) {
                    i = groups++;
                    gi.put(g, i);
                    groupName[i] = g;
                    groupSize[i] = 0;
                    groupEx[i] = 0;
                    groupLearnedAt[i] = 0;
                    groupLearned[i] = 0;
                }
                group[k] = i;
                groupSize[i]++;
            }
            for (int k = 0; k < n; k++) {
                int g = group[k];
                if (g >= 0) {
                    groupLearned[g] += learned[k];
                    learnedOwn[k] = cbEx[k];
                }
            }
            for (int k = 0; k < n; k++) {
                lastSeen[k] = now;
                groupExAtSeen[k] = group[k] >= 0 ? groupEx[group[k]] : 0;
                seenOwn[k] = cbEx[k];
                groupCounted[k] = cbEx[k];
            }
            regroup = false;
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
                    group[k] = -1;
                    everSeen[k] = ex[i] > 0;
                    regroup |= expected[i];
                }
                if (bExpected[k] != expected[i]) {
                    bExpected[k] = expected[i];
                    regroup = true;
                }
                cbEx[k] += d(ex[i], lbEx[k]);
                cbFail[k] += d(fail[i], lbFail[k]);
                lbEx[k] = ex[i];
                lbFail[k] = fail[i];
            }
            if (regroup) {
                assignGroups(now);
            }
            for (int k = 0; k < index.size(); k++) {
                int g = group[k];
                if (g >= 0) {
                    groupEx[g] += newForGroup(k);
                }
            }
            long successes = cEx - cFail;
            if (first || dt < 0 || dt > 15 * 60_000L) {
                lastTime = now;
                hist.clear();
                for (int k = 0; k < index.size(); k++) {
                    lastSeen[k] = now;
                    groupExAtSeen[k] = group[k] >= 0 ? groupEx[group[k]] : 0;
                }
                lastSuccessSeen = successes;
                lastFailSeen = cFail;
                push(now);
                r.status = lastStatus;
                r.message = "warming up";
                r.warmingUp = true;
                return r;
            }
            lastTime = now;
            if (successes > lastSuccessSeen) {
                lastSuccessTime = now;
            }
            if (cFail > lastFailSeen) {
                lastFailureTime = now;
            }
            lastSuccessSeen = successes;
            lastFailSeen = cFail;
            // (b) the learned shares fade with a one-day half-life
            long decayStep = Math.max(0, dt);
            if (decayStep != decayDt) { // the step is usually the same: so is its decay
                decayDt = decayStep;
                decayOfDt = Math.pow(0.5, decayStep / HALF_LIFE_MILLIS);
            }
            double decay = decayOfDt;
            for (int g = 0; g < groups; g++) {
                groupLearned[g] *= decay;
            }
            for (int k = 0; k < index.size(); k++) {
                learned[k] *= decay;
            }
            if (hist.size() == 0 || now - hist.newestTime() >= SPACING) {
                push(now);
            }
            evaluateSilent(r, now);
            evaluateFailures(r, now, successes);
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

        /** The backend's exchanges not yet added to its group's running total; marks them added. */
        private long newForGroup(int k) {
            long d = cbEx[k] - groupCounted[k];
            groupCounted[k] = cbEx[k];
            return d;
        }

        /** Per declared backend: seen since last step? learned share within its group; silent evidence. */
        private void evaluateSilent(Result r, long now) {
            int n = index.size();
            for (int k = 0; k < n; k++) {
                if (group[k] < 0) {
                    continue;
                }
                if (cbEx[k] != seenOwn[k]) {
                    seenOwn[k] = cbEx[k];
                    lastSeen[k] = now;
                    groupExAtSeen[k] = groupEx[group[k]];
                    everSeen[k] = true;
                }
            }
            // learn shares from this step's exchanges, per group, unless a member of the group is alarmed
            for (int g = 0; g < groups; g++) {
                long step = groupEx[g] - groupLearnedAt[g];
                groupLearnedAt[g] = groupEx[g];
                if (step <= 0) {
                    continue;
                }
                boolean alarmed = false;
                for (int k = 0; k < n; k++) {
                    alarmed |= group[k] == g && silentAlarm[k];
                }
                if (alarmed) {
                    continue;
                }
                for (int k = 0; k < n; k++) {
                    if (group[k] == g) {
                        learned[k] += cbEx[k] - learnedOwn[k];
                    }
                }
                groupLearned[g] += step;
            }
            for (int k = 0; k < n; k++) {
                learnedOwn[k] = cbEx[k];
            }
            double best = 0;
            boolean warming = false;
            for (int k = 0; k < n; k++) {
                int g = group[k];
                if (g < 0) {
                    continue;
                }
                if (groupSize[g] < 2) {
                    silentAlarm[k] = false; // no peer to compare with
                    continue;
                }
                boolean groupWarming = groupLearned[g] < MIN_LEARNED;
                warming |= groupWarming;
                long silentFor = now - lastSeen[k];
                long peers = groupEx[g] - groupExAtSeen[k];
                boolean never = !everSeen[k];
                double sh = groupLearned[g] > 0 ? learned[k] / groupLearned[g] : 0;
                double p;
                if (never) {
                    p = peers < MIN_LEARNED ? 0 : 1.0 / (4.0 * groupSize[g]);
                } else if (groupWarming) {
                    p = 0;
                } else {
                    p = sh - Math.sqrt(Math.max(0, sh * (1 - sh)) / groupLearned[g]);
                }
                double ev = p > 0 ? Poisson.zeroShareEvidence(peers, Math.min(p, 0.999)) : 0;
                if (!silentAlarm[k] && p > 0 && silentFor >= silentWindow && ev >= silentNats) {
                    silentAlarm[k] = true;
                    silentSince[k] = now;
                } else if (silentAlarm[k] && recovered(k, g, now, never ? 1.0 / groupSize[g] : sh)) {
                    silentAlarm[k] = false;
                }
                if (silentAlarm[k]) {
                    r.silent.add(bName[k]);
                    if (ev >= best) {
                        best = ev;
                        r.silentMinutes = silentFor / 60_000.0;
                        r.peerExchanges = peers;
                        r.evidence = ev;
                        r.neverSeen = never;
                        r.peerGroup = groupName[g];
                    }
                } else if (r.silent.isEmpty() && ev > r.evidence) {
                    r.evidence = ev;
                    r.silentMinutes = silentFor / 60_000.0;
                    r.peerExchanges = peers;
                    r.peerGroup = groupName[g];
                }
            }
            r.warmingUp = warming;
            if (!r.silent.isEmpty()) {
                r.message = String.format(Locale.ROOT, "backend %s got no traffic for %.0f min while its peers (%s) served %d exchanges%s",
                        String.join(",", r.silent), r.silentMinutes, r.peerGroup, r.peerExchanges,
                        r.neverSeen ? " (never seen since start)" : "");
            }
        }

        /**
         * Whether an alarmed backend is plausibly back: since the alarm (at most the last 10 minutes) it
         * got at least 3 exchanges and a quarter of its usual share of its group's.
         */
        private boolean recovered(int k, int g, long now, double share) {
            if (now - lastSeen[k] > 0) {
                return false; // nothing this step
            }
            int s = hist.at(Math.max(now - SILENT_RECOVER_WINDOW, silentSince[k]));
            if (s < 0) {
                return false;
            }
            long own = cbEx[k] - hist.get(s, B_EX + k);
            long all = 0;
            for (int j = 0; j < index.size(); j++) {
                if (group[j] == g) {
                    all += cbEx[j] - hist.get(s, B_EX + j);
                }
            }
            return own >= SILENT_RECOVER_MIN && own >= SILENT_RECOVER_SHARE * share * all;
        }

        /** Whether the failure rules hold in a window (scaled thresholds for clearing). */
        private boolean failing(Result r, long now, long w, double scale, boolean record) {
            int s = hist.atOrOldest(now - w);
            long f = cFail - hist.get(s, FAIL);
            long e = cEx - hist.get(s, EX);
            long nb = cNb - hist.get(s, NB);
            boolean hit = false;
            // to raise an alarm, failures must be spread over time: some at least 45 s ago and some in
            // the last 15 s, so the burst of a backend restarting for a few seconds never qualifies
            boolean entry = scale >= 1.0 && failState == HealthStatus.UP;
            // The spread's samples are looked up only once some count qualifies (most evaluations
            // have none): spreadState 0 = not looked up yet, 1 = spreadable, 2 = not.
            int sOld = -1;
            int sNew = -1;
            int spreadState = entry ? 0 : 1;
            if (f >= Math.ceil(minFailures * scale) && e > 0 && f >= failureRatio * scale * e) {
                if (spreadState == 0) {
                    sOld = hist.at(now - SPREAD_OLD);
                    sNew = hist.at(now - SPREAD_NEW);
                    spreadState = sOld >= 0 && sNew >= 0 && hist.time(sOld) > hist.time(s) ? 1 : 2;
                }
                if (spreadState == 1 && (!entry || spread(s, sOld, sNew, FAIL, cFail))) {
                    hit = true;
                }
            }
            if (nb >= Math.ceil(minNoBackend * scale) && e > 0 && nb >= noBackendRatio * scale * e) {
                hit = true;
            }
            List<String> failingHere = null;
            for (int k = 0; k < index.size(); k++) {
                long bf = cbFail[k] - hist.get(s, B_FAIL + k);
                long be = cbEx[k] - hist.get(s, B_EX + k);
                if (bf >= Math.ceil(minFailures * scale) && be > 0 && bf >= failureRatio * scale * be) {
                    if (spreadState == 0) {
                        sOld = hist.at(now - SPREAD_OLD);
                        sNew = hist.at(now - SPREAD_NEW);
                        spreadState = sOld >= 0 && sNew >= 0 && hist.time(sOld) > hist.time(s) ? 1 : 2;
                    }
                    if (spreadState == 1 && (!entry || spread(s, sOld, sNew, B_FAIL + k, cbFail[k]))) {
                        hit = true;
                        if (record) {
                            if (failingHere == null) {
                                failingHere = new ArrayList<>();
                            }
                            failingHere.add(bName[k]);
                        }
                    }
                }
            }
            if (record && hit) {
                r.failures = f;
                r.exchanges = e;
                r.noBackend = nb;
                r.windowMillis = w;
                r.failing = failingHere != null ? failingHere : new ArrayList<>();
            }
            return hit;
        }

        /** Failures (column {@code col}, running total {@code now}) both in [s, sOld] and since sNew. */
        private boolean spread(int s, int sOld, int sNew, int col, long now) {
            return hist.get(sOld, col) > hist.get(s, col) && now > hist.get(sNew, col);
        }

        private void recordWindow(Result r, long now, long w) {
            int s = hist.atOrOldest(now - w);
            r.failures = cFail - hist.get(s, FAIL);
            r.exchanges = cEx - hist.get(s, EX);
            r.noBackend = cNb - hist.get(s, NB);
            r.windowMillis = w;
        }

        private void evaluateFailures(Result r, long now, long successesTotal) {
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
            int s10 = hist.atOrOldest(now - DOWN_SUCCESS_WINDOW);
            long successes = (cEx - hist.get(s10, EX)) - (cFail - hist.get(s10, FAIL));
            if (failState == HealthStatus.DOWN && successes < 2) {
                // stay DOWN until successes come back (at least two in the window), not on a lull
                int s2 = hist.atOrOldest(now - WINDOWS[3]);
                if (cFail - hist.get(s2, FAIL) >= (minDown + 1) / 2) {
                    down = true;
                    recordWindow(r, now, WINDOWS[3]);
                }
            }
            if (!down && successes <= 0 && successGapSignificant(now, successesTotal)) {
                for (int i = 0; i < 2 && !down; i++) {
                    long w = WINDOWS[i];
                    int s = hist.atOrOldest(now - w);
                    long f = cFail - hist.get(s, FAIL);
                    if (f >= minDown) {
                        down = true;
                        recordWindow(r, now, w);
                    }
                }
            }
            HealthStatus before = failState;
            if (down) {
                failState = HealthStatus.DOWN;
            } else if (hit) {
                failState = HealthStatus.DEGRADED;
            } else if (failState != HealthStatus.UP) {
                // judged over the episode (at most 15 min): what came before it must not dilute it;
                // but never over less than the window that raised it, or a thin failing route would
                // clear right after the alarm only because the window holds too few exchanges yet
                long span = Math.min(CLEAR_WINDOW, Math.max(episodeWindow, Math.max(WINDOWS[0], now - episodeStart + WINDOWS[0])));
                if (failing(r, now, span, 0.5, true)) {
                    failState = HealthStatus.DEGRADED;
                } else if (clearSuccesses(now) < CLEAR_SUCCESSES && lastFailureTime != Long.MIN_VALUE
                        && now - lastFailureTime < CLEAR_QUIET_MILLIS) {
                    // failures thinned out but nothing succeeds either: not plausibly back yet
                    failState = HealthStatus.DEGRADED;
                    recordWindow(r, now, CLEAR_WINDOW);
                } else {
                    failState = HealthStatus.UP;
                }
            }
            if (before == HealthStatus.UP && failState != HealthStatus.UP) {
                episodeStart = now;
                successesAtEpisodeStart = successesTotal;
                Arrays.fill(episodeBackend, false);
                episodeAttributed = false;
                episodeUnattributed = false;
                episodeWindow = 0;
            }
            if (hit || down) {
                episodeWindow = Math.max(episodeWindow, r.windowMillis);
                if (!down && !r.failing.isEmpty()) {
                    for (String name : r.failing) {
                        Integer k = index.get(name);
                        if (k != null) {
                            episodeBackend[k] = true;
                            episodeAttributed = true;
                        }
                    }
                } else {
                    episodeUnattributed = true;
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

        /**
         * Successes in the clearing window: of the backends the episode was attributed to, when it was
         * attributed to some and nothing else; else of every backend. A backend refusing everything is
         * not "back" because its peers serve.
         */
        private long clearSuccesses(long now) {
            int s = hist.atOrOldest(now - CLEAR_WINDOW);
            if (episodeAttributed && !episodeUnattributed) {
                long ok = 0;
                for (int k = 0; k < index.size(); k++) {
                    if (episodeBackend[k]) {
                        ok += (cbEx[k] - hist.get(s, B_EX + k)) - (cbFail[k] - hist.get(s, B_FAIL + k));
                    }
                }
                return ok;
            }
            return (cEx - hist.get(s, EX)) - (cFail - hist.get(s, FAIL));
        }

        /**
         * DOWN hysteresis: once a failure episode has shown that something still succeeds, the lack of
         * successes must be significant at the rate seen in the episode ({@code rate * gap} of at least
         * {@link #DOWN_GAP_NATS} nats), so a thin route that still works does not flap DOWN and back.
         */
        private boolean successGapSignificant(long now, long successesTotal) {
            if (failState == HealthStatus.UP) {
                return true;
            }
            long inEpisode = successesTotal - successesAtEpisodeStart;
            if (inEpisode <= 0 || lastSuccessTime == Long.MIN_VALUE) {
                return true;
            }
            double minutes = Math.max(10, (now - episodeStart) / 60_000.0);
            double gap = (now - Math.max(lastSuccessTime, episodeStart)) / 60_000.0;
            return inEpisode / minutes * gap >= DOWN_GAP_NATS;
        }
    }

    /**
     * Configures a {@link MissingBackendCheck}. Not thread-safe. {@link #build()} validates and
     * throws {@link IllegalArgumentException} naming a bad value.
     */
    public static final class Builder {
        private int minFailures = 5;
        private double failureRatio = 0.5;
        private int minNoBackend = 2;
        private double noBackendRatio = 0.1;
        private int minDown = 10;
        private long silentWindow = 3 * 60_000L;
        private double silentNats = 16;
        private final Map<String, String> groups = new HashMap<>();

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

        /**
         * "No backend" failures needed in a window. Default 2: a gateway answering "no backend" is
         * misconfigured, not restarting (normal traffic has none), and one alone must not page.
         */
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

        /**
         * How long a declared backend must get nothing before it can be reported silent, whatever the
         * evidence. Default 3 min: a floor against a backend out of rotation for a moment at a busy
         * hour; at ordinary rates the evidence threshold decides.
         */
        public Builder silentWindow(Duration window) {
            this.silentWindow = Objects.requireNonNull(window, "window").toMillis();
            return this;
        }

        /** Evidence (nats) that a silent backend should have been seen. Default 16. */
        public Builder silentThresholdNats(double nats) {
            this.silentNats = nats;
            return this;
        }

        /**
         * Declares a peer group: backends that serve the same route class (say {@code static} for
         * {@code asset-1..3}), whose shares of the group's traffic the silent test compares. Backends
         * not in a declared group are grouped by name stem ({@code api-1}, {@code api-2}: {@code api});
         * those whose stem no other declared backend shares are pooled together. A backend named
         * again moves to the later group.
         */
        public Builder peerGroup(String group, String... backends) {
            Objects.requireNonNull(group, "group");
            for (String b : Objects.requireNonNull(backends, "backends")) {
                groups.put(Objects.requireNonNull(b, "backend"), group);
            }
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
            for (Map.Entry<String, String> e : groups.entrySet()) {
                if (e.getValue().isBlank() || e.getValue().equals(Detector.POOLED_GROUP)) {
                    throw new IllegalArgumentException("peer group name must not be blank or '*': '" + e.getValue() + "'");
                }
                if (e.getKey().isBlank()) {
                    throw new IllegalArgumentException("backend name in peer group " + e.getValue() + " must not be blank");
                }
            }
            return new MissingBackendCheck(this);
        }
    }
}
