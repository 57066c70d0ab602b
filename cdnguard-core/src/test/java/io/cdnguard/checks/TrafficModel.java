package io.cdnguard.checks;

import java.time.Instant;
import java.util.SplittableRandom;
import java.util.function.LongToDoubleFunction;

/**
 * A seeded model of the CDN fetches an origin sees, for the detection tests: viewer demand with a
 * daily and weekly cycle; POPs with their own caches and traffic shares; Zipf-popular assets with a
 * TTL mix, each refetched after expiry at the next viewer request (so an asset requested at rate r
 * with TTL T is fetched at r / (1 + rT): popular assets once per TTL whatever the demand, which is
 * why fetches fall less than demand on a holiday); slow multiplicative noise on top of Poisson counts
 * (real streams are burstier than Poisson).
 *
 * <p>Scenario knobs: a demand multiplier over time (holiday, spike), POPs cut off from a time on,
 * a full stop, an invalidation burst (extra fetches).
 */
final class TrafficModel {

    static final long MIN = 60_000L;
    static final long HOUR = 60 * MIN;
    static final long DAY = 24 * HOUR;
    static final long WEEK = 7 * DAY;
    /** Monday 2022-04-04 00:00 UTC. */
    static final long MONDAY = Instant.parse("2022-04-04T00:00:00Z").toEpochMilli();

    static final long[] TTLS_SECONDS = {300, 900, 3600, 4 * 3600};

    final String[] pops;
    final double[] popShare;
    final int assets;
    final double zipf;
    double viewerPeakPerMin;
    double noiseCv = 0.1;
    long noisePeriodMillis = 5 * MIN;

    LongToDoubleFunction demandMultiplier = t -> 1.0;
    long stopFrom = Long.MAX_VALUE;
    long stopUntil = Long.MAX_VALUE;
    double stopFraction = 0; // fraction kept while stopped
    boolean[] popCut;
    long popCutFrom = Long.MAX_VALUE;
    long popCutUntil = Long.MAX_VALUE;
    long burstAt = Long.MAX_VALUE;
    long burstMillis = 5 * MIN;
    double burstExtraFetches;

    private final double[] pop; // asset popularity, normalised
    private final double[] ttlMin; // asset TTL, minutes
    private final SplittableRandom rnd;
    private long noiseSlot = Long.MIN_VALUE;
    private double noise = 1;

    TrafficModel(long seed, double viewerPeakPerMin, String[] pops, double[] popShare, int assets, double zipf) {
        this.rnd = new SplittableRandom(seed);
        this.viewerPeakPerMin = viewerPeakPerMin;
        this.pops = pops;
        this.popShare = popShare;
        this.assets = assets;
        this.zipf = zipf;
        this.pop = new double[assets];
        this.ttlMin = new double[assets];
        this.popCut = new boolean[pops.length];
        double s = 0;
        for (int i = 0; i < assets; i++) {
            pop[i] = 1.0 / Math.pow(i + 1, zipf);
            s += pop[i];
            ttlMin[i] = TTLS_SECONDS[rnd.nextInt(TTLS_SECONDS.length)] / 60.0;
        }
        for (int i = 0; i < assets; i++) {
            pop[i] /= s;
        }
        tabulate();
    }

    /** A small site: 6 POPs, 400 assets. */
    static TrafficModel smallSite(long seed, double viewerPeakPerMin) {
        return new TrafficModel(seed, viewerPeakPerMin,
                new String[] {"cloudfront:FRA", "cloudfront:LHR", "cloudfront:CDG", "cloudfront:IAD", "cloudfront:SFO", "cloudfront:NRT"},
                new double[] {0.25, 0.20, 0.15, 0.20, 0.12, 0.08}, 400, 1.0);
    }

    /** Relative viewer demand by time of week: daily cycle (low at 03-05 UTC), weekend lower. */
    static double cycle(long t) {
        double h = Math.floorMod(t, DAY) / (double) HOUR;
        double daily = 0.12 + 0.88 * Math.pow(0.5 - 0.5 * Math.cos(2 * Math.PI * (h - 4) / 24), 1.5);
        int dow = (int) Math.floorMod(Math.floorDiv(t, DAY) + 3, 7L); // 0 = Monday
        double week = dow == 5 ? 0.75 : dow == 6 ? 0.6 : 1.0;
        return daily * week;
    }

    /** Fetch rate of one cache holding all assets, as a function of its viewer demand (tabulated). */
    private double fetchesAtDemand(double demand) {
        if (demand <= 0) {
            return 0;
        }
        double x = (Math.log(demand) - LOG_LO) / LOG_STEP;
        if (x <= 0) {
            return table[0] * demand / Math.exp(LOG_LO);
        }
        int i = (int) x;
        if (i >= TABLE - 1) {
            return table[TABLE - 1];
        }
        double f = x - i;
        return table[i] * (1 - f) + table[i + 1] * f;
    }

    private static final int TABLE = 4000;
    private static final double LOG_LO = Math.log(1e-6);
    private static final double LOG_STEP = (Math.log(1e9) - Math.log(1e-6)) / (TABLE - 1);
    private final double[] table = new double[TABLE];

    private void tabulate() {
        for (int k = 0; k < TABLE; k++) {
            double demand = Math.exp(LOG_LO + k * LOG_STEP);
            double f = 0;
            for (int i = 0; i < assets; i++) {
                double r = demand * pop[i];
                f += r / (1 + r * ttlMin[i]);
            }
            table[k] = f;
        }
    }

    /** Expected fetch rate per minute from one POP at time t (no noise, no outage). */
    double popRate(int p, long t) {
        return fetchesAtDemand(viewerPeakPerMin * cycle(t) * demandMultiplier.applyAsDouble(t) * popShare[p]);
    }

    /** Expected total fetch rate per minute at t, before outages (the "norm" for t*). */
    double rate(long t) {
        double s = 0;
        for (int p = 0; p < pops.length; p++) {
            s += popRate(p, t);
        }
        return s;
    }

    /** Scales viewer demand so that the normal fetch rate at t is {@code target} per minute. */
    TrafficModel calibrate(double target, long t) {
        double lo = 1e-3;
        double hi = 1e7;
        for (int i = 0; i < 80; i++) {
            double mid = Math.sqrt(lo * hi);
            viewerPeakPerMin = mid;
            if (rate(t) < target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        viewerPeakPerMin = Math.sqrt(lo * hi);
        return this;
    }

    private double noise(long t) {
        long slot = Math.floorDiv(t, noisePeriodMillis);
        if (slot != noiseSlot) {
            noiseSlot = slot;
            // gamma-ish: lognormal with the given coefficient of variation, mean 1
            double sigma = Math.sqrt(Math.log(1 + noiseCv * noiseCv));
            noise = Math.exp(sigma * gaussian() - sigma * sigma / 2);
        }
        return noise;
    }

    private double gaussian() {
        double u1 = rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(Math.max(u1, 1e-300))) * Math.cos(2 * Math.PI * u2);
    }

    long poisson(double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 50) {
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * gaussian()));
        }
        double l = Math.exp(-mean);
        long k = 0;
        double p = rnd.nextDouble();
        while (p > l) {
            k++;
            p *= rnd.nextDouble();
        }
        return k;
    }

    /** Fetches per POP in the step (t - dt, t]; adds them to {@code out}. */
    void step(long t, long dtMillis, long[] out) {
        double minutes = dtMillis / (double) MIN;
        long mid = t - dtMillis / 2;
        double n = noise(mid);
        boolean stopped = mid >= stopFrom && mid < stopUntil;
        for (int p = 0; p < pops.length; p++) {
            double r = popRate(p, mid) * n;
            if (mid >= burstAt && mid < burstAt + burstMillis) {
                r += burstExtraFetches * popShare[p] / (burstMillis / (double) MIN);
            }
            if (stopped) {
                r *= stopFraction;
            }
            if (popCut[p] && mid >= popCutFrom && mid < popCutUntil) {
                r = 0;
            }
            out[p] += poisson(r * minutes);
        }
    }

    /** Share of normal traffic carried by the cut POPs at t. */
    double cutShare(long t) {
        double c = 0;
        double all = 0;
        for (int p = 0; p < pops.length; p++) {
            double r = popRate(p, t);
            all += r;
            if (popCut[p]) {
                c += r;
            }
        }
        return c / all;
    }

    /** The Poisson limit t*, minutes, for rate lambda/min dropping to fraction rho. */
    static double tStar(double lambda, double rho) {
        double lnInv = Math.log(1 / 2.3e-5);
        double k = rho <= 0 ? 1 : 1 - rho + rho * Math.log(rho);
        return lnInv / (lambda * k);
    }

    /**
     * Drives a detector with the model from {@code from} to {@code to} in steps of {@code step}
     * ms, returning the transitions (alarm start/stop times).
     */
    static final class Run {
        final TrafficModel model;
        final DetectionTraffic detector;
        final long[] popCum;
        long total;
        long firstAlarm = Long.MAX_VALUE;
        long firstClear = Long.MAX_VALUE;
        int alarms;
        long alarmMillis;
        DetectionTraffic.Result last;
        final java.util.List<Long> alarmTimes = new java.util.ArrayList<>();
        final java.util.List<String> alarmNotes = new java.util.ArrayList<>();
        /** Whether the detector is told the POPs (false: a CDN whose headers name none, as Akamai's). */
        boolean namesPops = true;

        Run(TrafficModel model, DetectionTraffic detector) {
            this.model = model;
            this.detector = detector;
            this.popCum = new long[model.pops.length];
        }

        Run drive(long from, long to, long step) {
            long[] tmp = new long[model.pops.length];
            for (long t = from; t <= to; t += step) {
                if (t > from) {
                    java.util.Arrays.fill(tmp, 0);
                    model.step(t, step, tmp);
                    for (int p = 0; p < tmp.length; p++) {
                        popCum[p] += tmp[p];
                        total += tmp[p];
                    }
                }
                boolean was = detector.inAlarm();
                last = namesPops ? detector.update(t, total, model.pops, popCum, model.pops.length)
                        : detector.update(t, total, null, null, 0);
                if (last.alarm) {
                    alarmMillis += step;
                }
                if (!was && last.alarm) {
                    alarms++;
                    alarmTimes.add(t);
                    alarmNotes.add(java.time.Instant.ofEpochMilli(t) + " " + last.reason + " w=" + last.windowMillis / 60_000.0
                            + " k=" + last.observed + " exp=" + Math.round(last.expected * 10) / 10.0 + " ev="
                            + Math.round(last.evidence * 10) / 10.0 + " L=" + Math.round(last.level * 100) / 100.0 + " pop=" + last.pop);
                    if (firstAlarm == Long.MAX_VALUE) {
                        firstAlarm = t;
                    }
                } else if (was && !last.alarm && firstClear == Long.MAX_VALUE) {
                    firstClear = t;
                }
            }
            return this;
        }

        /** Drives the detector with the total only, as for a CDN whose headers name no POP. */
        Run withoutPopNames() {
            namesPops = false;
            return this;
        }

        /** Forgets the alarms seen so far (e.g. during warm-up). */
        Run resetStats() {
            firstAlarm = Long.MAX_VALUE;
            firstClear = Long.MAX_VALUE;
            alarms = 0;
            alarmMillis = 0;
            alarmTimes.clear();
            alarmNotes.clear();
            return this;
        }
    }

    /** A settable {@link io.cdnguard.GuardSnapshot} for driving the checks without the engine. */
    static final class FakeSnapshot implements io.cdnguard.GuardSnapshot {
        long time;
        final java.util.EnumMap<io.cdnguard.StatusClass, Long> cloudfront = new java.util.EnumMap<>(io.cdnguard.StatusClass.class);
        final java.util.List<io.cdnguard.PopStats> pops = new java.util.ArrayList<>();
        final java.util.List<io.cdnguard.BackendStats> backends = new java.util.ArrayList<>();
        final java.util.EnumMap<io.cdnguard.UpstreamFailure, Long> failures = new java.util.EnumMap<>(io.cdnguard.UpstreamFailure.class);
        io.cdnguard.CacheExpiry expiry;

        FakeSnapshot(long time) {
            this.time = time;
        }

        void add(io.cdnguard.StatusClass c, long n) {
            cloudfront.merge(c, n, Long::sum);
        }

        void setPops(String[] names, long[] counts) {
            pops.clear();
            for (int i = 0; i < names.length; i++) {
                String code = names[i].substring(names[i].indexOf(':') + 1);
                long n = counts[i];
                pops.add(new io.cdnguard.PopStats() {
                    @Override
                    public io.cdnguard.Cdn cdn() {
                        return io.cdnguard.Cdn.CLOUDFRONT;
                    }

                    @Override
                    public String pop() {
                        return code;
                    }

                    @Override
                    public long fetches() {
                        return n;
                    }
                });
            }
        }

        static io.cdnguard.BackendStats backend(String name, boolean expected, long exchanges, long failures) {
            return new io.cdnguard.BackendStats() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public boolean expected() {
                    return expected;
                }

                @Override
                public long exchanges() {
                    return exchanges;
                }

                @Override
                public long failures(io.cdnguard.UpstreamFailure kind) {
                    return kind == io.cdnguard.UpstreamFailure.CONNECT_REFUSED ? failures : 0;
                }

                @Override
                public long failures() {
                    return failures;
                }
            };
        }

        @Override
        public long timeMillis() {
            return time;
        }

        @Override
        public long startMillis() {
            return 0;
        }

        @Override
        public long cdnFetches() {
            long s = 0;
            for (long v : cloudfront.values()) {
                s += v;
            }
            return s;
        }

        @Override
        public long cdnFetches(io.cdnguard.Cdn cdn) {
            return cdn == io.cdnguard.Cdn.CLOUDFRONT ? cdnFetches() : 0;
        }

        @Override
        public long cdnFetches(io.cdnguard.Cdn cdn, io.cdnguard.StatusClass statusClass) {
            return cdn == io.cdnguard.Cdn.CLOUDFRONT ? cloudfront.getOrDefault(statusClass, 0L) : 0;
        }

        @Override
        public long revalidations(io.cdnguard.Cdn cdn) {
            return 0;
        }

        @Override
        public long otherRequests(io.cdnguard.RequestKind kind) {
            return 0;
        }

        @Override
        public long aborted() {
            return 0;
        }

        @Override
        public long invalid() {
            return 0;
        }

        @Override
        public long cdnBytes() {
            return 0;
        }

        @Override
        public long upstreamFailures(io.cdnguard.UpstreamFailure kind) {
            return failures.getOrDefault(kind, 0L);
        }

        @Override
        public long upstreamFailures() {
            long s = 0;
            for (long v : failures.values()) {
                s += v;
            }
            return s;
        }

        @Override
        public io.cdnguard.HistogramSnapshot latency() {
            throw new UnsupportedOperationException();
        }

        @Override
        public io.cdnguard.HistogramSnapshot freshness() {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.List<io.cdnguard.BackendStats> backends() {
            return backends;
        }

        @Override
        public long unknownBackendOverflow() {
            return 0;
        }

        @Override
        public java.util.List<io.cdnguard.PopStats> pops() {
            return pops;
        }

        @Override
        public io.cdnguard.CacheExpiry expiry() {
            if (expiry == null) {
                throw new UnsupportedOperationException("expiry tracker not built yet");
            }
            return expiry;
        }

        @Override
        public io.cdnguard.RollingWindow window() {
            throw new UnsupportedOperationException();
        }
    }
}
