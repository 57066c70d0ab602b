package io.cdnguard.samples.backtest.sim;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A named simulation setup: the site (CDN, view, size, traffic level), its calendar (deploys,
 * holidays, spikes) and its incidents. Every scenario starts on Monday 2021-03-15 00:00 UTC, so
 * that Sunday of week 3 is 2021-04-04, the day of the original incident.
 */
public final class Scenario {

    /** The names {@link #named} knows. */
    public static final List<String> NAMES = List.of(
        "normal", "april4", "april4-probes", "partial-drop", "gateway-no-backend", "silent-backend", "small-site",
        "route-class-silent", "route-class-normal");

    /** The gateway's route classes: the expected backends as {@code --expect-backends} takes them. */
    public static final String ROUTE_CLASS_SPEC = "static:asset-1,asset-2,asset-3;api:api-1,api-2";

    /** Monday 2021-03-15T00:00:00Z. */
    public static final long START = Instant.parse("2021-03-15T00:00:00Z").toEpochMilli();
    static final long MIN = 60_000L;
    static final long HOUR = 60 * MIN;
    static final long DAY = 24 * HOUR;

    /** A change in demand (holiday, spike). */
    public record Demand(String label, long start, long end, double factor) {
    }

    /** A deploy: some assets change; optionally the CDN copies of those are invalidated. */
    public record Deploy(String label, long at, int assetsChanged, boolean invalidate) {
    }

    /** What an incident does to the traffic. */
    public enum Effect {
        /** Nothing from the CDN reaches the origin (and the probes stop unless told otherwise). */
        BLOCK_ALL,
        /** The CDN fetches of some POPs stop. */
        BLOCK_POPS,
        /** Gateway: every {@code /static/*} request is answered 503 {@code no_backend}. */
        STATIC_NO_BACKEND,
        /** Gateway: one expected static backend receives nothing; its peers take its share. */
        BACKEND_SILENT
    }

    /** An incident window. */
    public static final class Incident {
        final String id;
        final Effect effect;
        final long start;
        final long end;
        final boolean probesStop;
        final List<Integer> blockedPops;
        final String victim;
        final String description;

        Incident(String id, Effect effect, long start, long end, boolean probesStop, List<Integer> blockedPops,
                 String victim, String description) {
            this.id = id;
            this.effect = effect;
            this.start = start;
            this.end = end;
            this.probesStop = probesStop;
            this.blockedPops = blockedPops;
            this.victim = victim;
            this.description = description;
        }

        /** The id. */
        public String id() {
            return id;
        }

        /** The effect. */
        public Effect effect() {
            return effect;
        }

        /** Start, epoch ms. */
        public long start() {
            return start;
        }

        /** End, epoch ms. */
        public long end() {
            return end;
        }
    }

    final String name;
    final long seed;
    final int days;
    final CdnProfile cdn;
    final boolean gateway;
    final int assets;
    final int pops;
    final double nightTargetPerMin;
    final String probeAgent;
    final String description;
    final List<Demand> demand;
    final List<Deploy> deploys;
    final List<Incident> incidents;
    final List<Demand> apiDemand;
    final double apiShare;
    final boolean routeClasses;
    final int firstDay;
    /** Traffic scale: 1 for the scenario as named; K for K times the assets, demand and direct hits. */
    final int scale;

    private Scenario(Scenario o, int firstDay) {
        this(o, firstDay, o.assets, o.nightTargetPerMin, o.scale);
    }

    private Scenario(Scenario o, int firstDay, int assets, double nightTargetPerMin, int scale) {
        this.name = o.name;
        this.seed = o.seed;
        this.days = o.days;
        this.cdn = o.cdn;
        this.gateway = o.gateway;
        this.assets = assets;
        this.pops = o.pops;
        this.nightTargetPerMin = nightTargetPerMin;
        this.probeAgent = o.probeAgent;
        this.description = o.description;
        this.demand = o.demand;
        this.deploys = o.deploys;
        this.incidents = o.incidents;
        this.apiDemand = o.apiDemand;
        this.apiShare = o.apiShare;
        this.routeClasses = o.routeClasses;
        this.firstDay = firstDay;
        this.scale = scale;
    }

    /** Largest {@link #scaled} factor. */
    public static final int MAX_SCALE = 1000;

    /**
     * The same scenario (calendar, incidents, CDN, POPs, seed) at {@code k} times the traffic of a
     * busier origin: {@code k} times the assets, the night-time CDN fetch rate the model is calibrated
     * to, and the direct hits, so about {@code k} times the lines per hour. The POPs stay those of the
     * CDN's profile (at most 8). {@code scaled(1)} is this scenario itself, so its trace is unchanged.
     *
     * @throws IllegalArgumentException unless {@code 1 <= k <= }{@value #MAX_SCALE}
     */
    public Scenario scaled(int k) {
        if (k < 1 || k > MAX_SCALE) {
            throw new IllegalArgumentException("scale must be 1.." + MAX_SCALE + ": " + k);
        }
        if (k == 1) {
            return this;
        }
        return new Scenario(this, firstDay, Math.multiplyExact(assets, k), nightTargetPerMin * k, scale * k);
    }

    /** The traffic scale ({@link #scaled}); 1 for a scenario as named. */
    public int scale() {
        return scale;
    }

    /**
     * The same scenario (same calendar, same traffic levels) simulated only from day {@code day}
     * (0 = the Monday of week 1), with warm caches; for quick tests that need no history.
     */
    public Scenario fromDay(int day) {
        if (day < 0 || day >= days) {
            throw new IllegalArgumentException("first day must be 0.." + (days - 1) + ": " + day);
        }
        return new Scenario(this, day);
    }

    private Scenario(Builder b) {
        this.firstDay = 0;
        this.scale = 1;
        this.name = b.name;
        this.seed = b.seed;
        this.days = b.days;
        this.cdn = b.cdn;
        this.gateway = b.gateway;
        this.assets = b.assets;
        this.pops = Math.min(b.pops, b.cdn.pops().length);
        this.nightTargetPerMin = b.nightTargetPerMin;
        this.probeAgent = b.probeAgent;
        this.description = b.description;
        this.demand = Collections.unmodifiableList(new ArrayList<>(b.demand));
        List<Deploy> d = new ArrayList<>(b.deploys);
        d.sort((x, y) -> Long.compare(x.at(), y.at()));
        this.deploys = Collections.unmodifiableList(d);
        this.incidents = Collections.unmodifiableList(new ArrayList<>(b.incidents));
        this.apiDemand = Collections.unmodifiableList(new ArrayList<>(b.apiDemand));
        this.apiShare = b.apiShare;
        this.routeClasses = b.routeClasses;
    }

    /** The scenario's name. */
    public String name() {
        return name;
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** Days simulated. */
    public int days() {
        return days;
    }

    /** First instant simulated, epoch ms. */
    public long startMillis() {
        return START + firstDay * DAY;
    }

    /** End (exclusive), epoch ms. */
    public long endMillis() {
        return START + days * DAY;
    }

    /** The CDN. */
    public CdnProfile cdn() {
        return cdn;
    }

    /** Whether this is a gateway view (backends named in the trace). */
    public boolean gateway() {
        return gateway;
    }

    /** The expected backends of a gateway view (empty for an origin view). */
    public List<String> expectedBackends() {
        return gateway ? List.of("asset-1", "asset-2", "asset-3", "api-1", "api-2") : List.of();
    }

    /**
     * The expected backends in the form of {@code --expect-backends} ({@link
     * io.cdnguard.CdnGuard.Builder#expectBackendSpec(String)}): by route class ({@link #ROUTE_CLASS_SPEC})
     * for the route-class scenarios, a plain list (grouped by name stem) for the other gateway views,
     * empty for an origin view.
     */
    public String expectedBackendSpec() {
        return !gateway ? "" : routeClasses ? ROUTE_CLASS_SPEC : String.join(",", expectedBackends());
    }

    /** Changes in the demand of the {@code api} route class only (a factor 0: the api backends idle). */
    public List<Demand> apiDemand() {
        return apiDemand;
    }

    /** The incidents. */
    public List<Incident> incidents() {
        return incidents;
    }

    /** Demand changes. */
    public List<Demand> demand() {
        return demand;
    }

    /** Deploys in time order. */
    public List<Deploy> deploys() {
        return deploys;
    }

    /** A description for people. */
    public String description() {
        return description;
    }

    /**
     * Builds a named scenario.
     *
     * @param name one of {@link #NAMES}
     * @param seed the random seed (same seed, same trace)
     * @param days days to simulate, or 0 for the scenario's default (22: weeks 1..3 and two days)
     * @param cdn the CDN, or {@code null} for the scenario's default
     */
    public static Scenario named(String name, long seed, int days, CdnProfile cdn) {
        String n = name.toLowerCase(Locale.ROOT);
        Builder b = new Builder(n, seed, days <= 0 ? 22 : days);
        long sunday3 = START + 20 * DAY; // 2021-04-04
        switch (n) {
            case "normal":
                b.cdn(CdnProfile.CLOUDFLARE).probe("kube-probe/1.27")
                    .describe("Three weeks of normal traffic: weekday deploys, quiet weekend nights, a holiday at 25% "
                        + "demand (Fri 2021-04-02), a 3x spike (Sat 2021-04-03 18:00-19:30), a deploy with CDN "
                        + "invalidation of 20% of assets (Tue 2021-03-30 10:15). Any alert after the first week is false.");
                b.demand.add(new Demand("holiday", START + 18 * DAY, START + 19 * DAY, 0.25));
                b.demand.add(new Demand("spike", START + 19 * DAY + 18 * HOUR, START + 19 * DAY + 19 * HOUR + 30 * MIN, 3.0));
                b.deploys.add(new Deploy("release with invalidation", START + 15 * DAY + 10 * HOUR + 15 * MIN, b.assets / 5, true));
                b.skipDeployDay(15).skipDeployDay(18);
                break;
            case "april4":
            case "april4-probes": {
                boolean probes = n.equals("april4-probes");
                b.cdn(CdnProfile.CLOUDFRONT).probe("ELB-HealthChecker/2.0")
                    .describe("April 4: a load-balancer upgrade on Sunday 2021-04-04 02:00 UTC stops all CDN fetches "
                        + "until 19:50" + (probes ? "; the load balancer's own probes keep arriving." : "; probes stop too."));
                b.incidents.add(new Incident("lb-upgrade", Effect.BLOCK_ALL, sunday3 + 2 * HOUR, sunday3 + 19 * HOUR + 50 * MIN,
                    !probes, List.of(), null, probes ? "CDN fetches stop, LB probes continue" : "nothing reaches the asset server"));
                break;
            }
            case "partial-drop":
                b.cdn(CdnProfile.FASTLY).probe("kube-probe/1.27").night(5.0)
                    .describe("40% of the POPs lose their route to the origin on Saturday 2021-04-03 18:00-22:00 UTC.");
                b.partialDrop = true;
                b.incidents.add(new Incident("pop-loss", Effect.BLOCK_POPS, START + 19 * DAY + 18 * HOUR,
                    START + 19 * DAY + 22 * HOUR, false, null, null, "fetches from 40% of POPs stop"));
                break;
            case "gateway-no-backend":
                b.cdn(CdnProfile.CLOUDFRONT).probe("ELB-HealthChecker/2.0").gateway().night(3.0)
                    .describe("Gateway view: Sunday 2021-04-04 03:00-15:00 UTC every /static/* request is answered 503 "
                        + "no_backend; /api/* keeps working.");
                b.incidents.add(new Incident("static-no-backend", Effect.STATIC_NO_BACKEND, sunday3 + 3 * HOUR, sunday3 + 15 * HOUR,
                    false, List.of(), null, "/static/* -> 503 no_backend"));
                break;
            case "silent-backend":
                b.cdn(CdnProfile.AKAMAI).probe("kube-probe/1.27").gateway().night(4.0)
                    .describe("Gateway view: from Sunday 2021-04-04 02:00 UTC backend asset-2 silently receives no traffic "
                        + "(dropped from the balancer pool); asset-1 and asset-3 absorb its share.");
                b.incidents.add(new Incident("asset-2-silent", Effect.BACKEND_SILENT, sunday3 + 2 * HOUR, sunday3 + 14 * HOUR,
                    false, List.of(), "asset-2", "asset-2 receives nothing"));
                break;
            case "route-class-silent":
            case "route-class-normal": {
                // api busier by day (uncached calls follow demand, twice the usual share), static steadier (cache
                // fills barely follow demand); the api class is idle for an hour on a quiet night in both
                boolean silent = n.equals("route-class-silent");
                long quiet = silent ? START + 19 * DAY + 3 * HOUR : sunday3 + 3 * HOUR;
                b.cdn(CdnProfile.FASTLY).probe("kube-probe/1.27").gateway().routeClasses().night(4.0).apiShare(0.3)
                    .describe("Gateway view with two route classes (" + ROUTE_CLASS_SPEC + "): api busier by day, static "
                        + "steadier; the api backends are idle on " + (silent ? "Saturday 2021-04-03" : "Sunday 2021-04-04")
                        + " 03:00-04:00 UTC while static continues (must not fire)" + (silent
                        ? "; from Sunday 2021-04-04 02:00 UTC static backend asset-3 (hand-added, missing from the "
                            + "regenerated gateway configuration) silently receives nothing while the api class carries on."
                        : ". A normal week otherwise: any alert after the first week is false."));
                b.apiDemand.add(new Demand("api-idle", quiet, quiet + HOUR, 0.0));
                if (silent) {
                    b.incidents.add(new Incident("asset-3-silent", Effect.BACKEND_SILENT, sunday3 + 2 * HOUR,
                        sunday3 + 20 * HOUR, false, List.of(), "asset-3", "static backend asset-3 receives nothing; api continues"));
                }
                break;
            }
            case "small-site":
                b.cdn(CdnProfile.CLOUDFRONT).probe("ELB-HealthChecker/2.0").night(3.0).assets(80).pops(3)
                    .describe("A small site (a few CDN fetches a minute at night): on Sunday 2021-04-04 01:00 UTC CDN fetches "
                        + "stop for 8 hours; the probes continue.");
                b.incidents.add(new Incident("small-silence", Effect.BLOCK_ALL, sunday3 + HOUR, sunday3 + 9 * HOUR,
                    false, List.of(), null, "CDN fetches stop"));
                break;
            default:
                throw new IllegalArgumentException("unknown scenario: " + name + " (one of " + NAMES + ")");
        }
        if (cdn != null) {
            b.cdn(cdn);
        }
        return b.build();
    }

    /** Builds scenarios; package-private, used by {@link #named}. */
    static final class Builder {
        final String name;
        final long seed;
        final int days;
        CdnProfile cdn = CdnProfile.CLOUDFRONT;
        boolean gateway;
        int assets = 300;
        int pops = 8;
        double nightTargetPerMin = 2.0;
        String probeAgent = "ELB-HealthChecker/2.0";
        String description = "";
        boolean partialDrop;
        boolean routeClasses;
        double apiShare = 0.15;
        final List<Demand> apiDemand = new ArrayList<>();
        final List<Demand> demand = new ArrayList<>();
        final List<Deploy> deploys = new ArrayList<>();
        final List<Incident> incidents = new ArrayList<>();
        final java.util.Set<Integer> skipDeployDays = new java.util.HashSet<>();

        Builder(String name, long seed, int days) {
            if (days < 1 || days > 366) {
                throw new IllegalArgumentException("days must be 1..366: " + days);
            }
            this.name = name;
            this.seed = seed;
            this.days = days;
        }

        Builder cdn(CdnProfile c) {
            this.cdn = c;
            return this;
        }

        Builder gateway() {
            this.gateway = true;
            return this;
        }

        Builder routeClasses() {
            this.routeClasses = true;
            return this;
        }

        /** API calls at the busiest hour as a share of the static cache fills then. Default 0.15. */
        Builder apiShare(double share) {
            this.apiShare = share;
            return this;
        }

        Builder night(double perMin) {
            this.nightTargetPerMin = perMin;
            return this;
        }

        Builder assets(int n) {
            this.assets = n;
            return this;
        }

        Builder pops(int n) {
            this.pops = n;
            return this;
        }

        Builder probe(String agent) {
            this.probeAgent = agent;
            return this;
        }

        Builder describe(String d) {
            this.description = d;
            return this;
        }

        Builder skipDeployDay(int day) {
            skipDeployDays.add(day);
            return this;
        }

        Scenario build() {
            SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
            for (int d = 0; d < days; d++) {
                int dow = d % 7; // 0 = Monday
                double p = rnd.nextDouble();
                long at = START + d * DAY + 8 * HOUR + (long) (rnd.nextDouble() * 9 * HOUR);
                int changed = 5 + rnd.nextInt(13);
                if (dow < 5 && p < 0.75 && !skipDeployDays.contains(d)) {
                    deploys.add(new Deploy("regular deploy", at, Math.min(changed, assets / 3), false));
                }
            }
            if (partialDrop) {
                // pick POPs until about 40% of the fetch share is cut off; fixed by the seed
                List<Integer> blocked = new ArrayList<>();
                int n = Math.min(pops, cdn.pops().length);
                for (int i = 0; i < Math.round(n * 0.4); i++) {
                    blocked.add(i);
                }
                Incident old = incidents.remove(0);
                incidents.add(new Incident(old.id, old.effect, old.start, old.end, false, blocked, null, old.description));
            }
            return new Scenario(this);
        }
    }
}
