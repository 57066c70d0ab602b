package io.cdnguard.samples.backtest.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A CDN traffic model as an origin (or the gateway in front of it) sees it.
 *
 * <p>Viewers request assets at each edge POP at a rate that follows daily and weekly cycles,
 * demand events and a Zipf popularity. Each POP keeps its own cached copy of each asset: while the
 * copy is fresh, viewers are served from the edge and the origin sees nothing; the first viewer
 * request after it expired makes the POP revalidate ({@code If-None-Match}: 304, or 200 if a deploy
 * changed the ETag), and a copy unused for long is evicted (an unconditional 200). Popular objects
 * are therefore fetched about once per TTL per POP whatever the demand, and unpopular ones about as
 * often as they are requested: the origin's fetch rate does not scale linearly with demand.
 *
 * <p>Mixed in: load-balancer probes every 30 s from two nodes, direct browser hits (some through a
 * corporate proxy), crawlers and scanners, CDN-forwarded 404s, and in a gateway view API calls
 * through the CDN and 502 bursts while backends restart after deploys. About 2% of lines are
 * written up to 2 s out of order. Deterministic for a seed.
 */
public final class Simulator {

    static final long MIN = Scenario.MIN;
    static final long HOUR = Scenario.HOUR;
    static final long DAY = Scenario.DAY;
    private static final int[] TTLS = {120, 300, 300, 600, 1800, 3600, 3600, 3600, 7200, 14400};
    private static final String[] ASSET_DIRS = {"js", "css", "img/ui", "img/products", "img/blog", "fonts", "data"};
    private static final String[] ASSET_NAMES = {"app", "main", "vendor", "home", "checkout", "player", "chat", "landing",
        "header", "footer", "promo", "banner", "avatar", "hero", "search", "cart", "signup", "feature", "tile", "icon"};
    private static final String[] API_PATHS = {"/api/v1/channels", "/api/v1/messages", "/api/v1/users/me", "/api/v1/session",
        "/api/v1/search", "/api/v1/feed"};
    private static final String[] SCANNER_PATHS = {"/wp-login.php", "/.env", "/admin.php", "/.git/config", "/phpmyadmin/",
        "/xmlrpc.php", "/wp-admin/setup-config.php", "/config.json", "/.aws/credentials", "/server-status"};
    private static final String[] BOTS = {
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    };
    private static final String[] SCANNER_AGENTS = {"Mozilla/5.0 zgrab/0.x", "python-requests/2.31.0", "curl/8.4.0",
        "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)"};
    static final double MAX_DEMAND = 3.2;
    /** The CDN caches an origin error this long before it asks again (CloudFront's default minimum). */
    static final long ERROR_CACHING_MILLIS = 10_000;

    private final Scenario sc;
    private final SplittableRandom rnd;
    private final Asset[] assets;
    private final double[] popWeight;
    private final String[][] edgeIds;
    private final boolean[][] blockedPop; // [incident][pop]
    private double base; // viewer requests per ms at factor 1, all POPs and assets together
    private final double apiPerMs;
    private final double notFoundPerMs;
    private final long[] restartFrom = new long[5]; // asset-1..3, api-1..2
    private final long[] restartUntil = new long[5];
    private final SimRecord rec = new SimRecord();
    private final long[] counts = new long[SimRecord.Kind.values().length];
    private long lines;
    private TraceSink sink;
    private final String host;
    private final Scenario.Demand[] demandEvents;
    private final Scenario.Demand[] apiDemandEvents;
    private final Scenario.Incident[] incidentArr;
    private final java.util.Map<Long, String> httpDates = new java.util.HashMap<>();
    /** Direct hits per ms at demand factor 1 (4 an hour from browsers, scaled with the scenario). */
    private final double directPerMs;

    /** An asset and its current version. */
    static final class Asset {
        String path;
        double popularity;
        int ttl;
        int variant;
        long size;
        long lastModified; // epoch seconds
        String contentType;
    }

    /** Something that happens at a time: a POP's next request for an asset, a probe, a deploy. */
    abstract static class Stream {
        long next;
        long seq;

        abstract void fire(Simulator s);
    }

    private final PriorityQueue<Stream> queue = new PriorityQueue<>((a, b) -> a.next != b.next
        ? Long.compare(a.next, b.next) : Long.compare(a.seq, b.seq));
    private long seq;

    /** Creates the model of a scenario. */
    public Simulator(Scenario scenario) {
        this.sc = scenario;
        this.rnd = new SplittableRandom(scenario.seed());
        this.host = scenario.gateway() ? "origin.example.net" : "assets.example.com";
        this.demandEvents = scenario.demand.toArray(new Scenario.Demand[0]);
        this.incidentArr = scenario.incidents.toArray(new Scenario.Incident[0]);
        int n = scenario.assets;
        assets = new Asset[n];
        double norm = 0;
        for (int i = 0; i < n; i++) {
            norm += 1.0 / Math.pow(i + 1, 1.0);
        }
        for (int i = 0; i < n; i++) {
            Asset a = new Asset();
            String dir = ASSET_DIRS[rnd.nextInt(ASSET_DIRS.length)];
            String ext = dir.startsWith("img") ? (rnd.nextInt(3) == 0 ? "png" : "jpg")
                : dir.equals("fonts") ? "woff2" : dir.equals("data") ? "json" : dir;
            String nm = ASSET_NAMES[rnd.nextInt(ASSET_NAMES.length)] + (dir.startsWith("img") ? "-" + (100 + i * 37 % 9000) : i < ASSET_NAMES.length ? "" : "-" + i);
            a.path = "/static/" + dir + "/" + nm + "." + ext;
            a.contentType = ext.equals("js") ? "application/javascript" : ext.equals("css") ? "text/css"
                : ext.equals("png") ? "image/png" : ext.equals("jpg") ? "image/jpeg" : ext.equals("woff2") ? "font/woff2" : "application/json";
            a.popularity = 1.0 / Math.pow(i + 1, 1.0) / norm;
            a.ttl = TTLS[rnd.nextInt(TTLS.length)];
            a.variant = rnd.nextInt(scenario.cdn == CdnProfile.CLOUDFRONT ? 3 : 4);
            a.size = 500 + (long) (rnd.nextDouble() * rnd.nextDouble() * 400_000);
            a.lastModified = scenario.startMillis() / 1000 - (long) (rnd.nextDouble() * 90 * 86400);
            assets[i] = a;
        }
        int pops = scenario.pops;
        popWeight = new double[pops];
        double sum = 0;
        for (int p = 0; p < pops; p++) {
            popWeight[p] = 0.5 + rnd.nextDouble();
            sum += popWeight[p];
        }
        edgeIds = new String[pops][4];
        for (int p = 0; p < pops; p++) {
            popWeight[p] /= sum;
            for (int e = 0; e < 4; e++) {
                edgeIds[p][e] = CdnProfile.hex(rnd, 32);
            }
        }
        blockedPop = new boolean[scenario.incidents().size()][pops];
        for (int i = 0; i < scenario.incidents().size(); i++) {
            Scenario.Incident inc = scenario.incidents().get(i);
            if (inc.effect == Scenario.Effect.BLOCK_POPS) {
                double share = 0;
                for (int p = 0; p < pops && share < 0.38; p++) {
                    if (share + popWeight[p] <= 0.46) {
                        blockedPop[i][p] = true;
                        share += popWeight[p];
                    }
                }
            }
        }
        base = calibrate(scenario.nightTargetPerMin);
        // API calls are not cached: about 15% of the busiest hour's cache fills, following demand
        long peak = Scenario.START + 2 * DAY + 14 * HOUR;
        apiPerMs = scenario.gateway() ? scenario.apiShare * expectedFillsPerMin(peak, null) / demand(peak) / MIN : 0;
        this.apiDemandEvents = scenario.apiDemand.toArray(new Scenario.Demand[0]);
        notFoundPerMs = base * 0.0004;
        // the unscaled expression as it always was, so a scale-1 trace is byte-identical
        directPerMs = scenario.scale == 1 ? 4.0 / HOUR / 0.45 : 4.0 * scenario.scale / HOUR / 0.45;
    }

    // ---------------------------------------------------------------- demand model

    /** Demand factor at {@code t}: daily and weekly cycles times demand events. */
    double demand(long t) {
        long since = t - Scenario.START;
        double h = (since % DAY) / (double) HOUR;
        int dow = (int) ((since / DAY) % 7); // 0 = Monday
        double bump = (1 - Math.cos(2 * Math.PI * (h - 3.5) / 24)) / 2;
        double daily = 0.08 + 0.92 * bump * bump;
        double weekly = dow == 5 ? 0.75 : dow == 6 ? 0.65 : 1.0;
        double f = daily * weekly;
        for (Scenario.Demand d : demandEvents) {
            if (t >= d.start() && t < d.end()) {
                f *= d.factor();
            }
        }
        return f;
    }

    /** The api route class's own demand factor at {@code t} (1 outside its events). */
    double apiDemand(long t) {
        double f = 1;
        for (Scenario.Demand d : apiDemandEvents) {
            if (t >= d.start() && t < d.end()) {
                f *= d.factor();
            }
        }
        return f;
    }

    /** Viewer request rate for one asset at one POP, per ms. */
    private double rate(int pop, int asset, long t) {
        return base * popWeight[pop] * assets[asset].popularity * demand(t);
    }

    /**
     * The model's expected rate of CDN cache fills (revalidations and refills) per minute at {@code
     * t}, over the POPs selected: each (POP, asset) copy is refetched about once per TTL plus the wait
     * for the next viewer request, {@code 1 / (ttl + 1/lambda)}.
     */
    double expectedFillsPerMin(long t, boolean[] popsIncluded) {
        double s = 0;
        double d = demand(t);
        for (int p = 0; p < popWeight.length; p++) {
            if (popsIncluded != null && !popsIncluded[p]) {
                continue;
            }
            for (Asset a : assets) {
                double lam = base * popWeight[p] * a.popularity * d * MIN; // per minute
                if (lam > 0) {
                    s += 1.0 / (a.ttl / 60.0 + 1.0 / lam);
                }
            }
        }
        return s;
    }

    /** Expected rate of all CDN requests per minute at {@code t} (fills, 404s, API calls). */
    double expectedCdnRequestsPerMin(long t) {
        return expectedFillsPerMin(t, null) + (notFoundPerMs + apiPerMs * apiDemand(t)) * demand(t) * MIN;
    }

    /** Expected API calls per minute at {@code t}. */
    double expectedApiPerMin(long t) {
        return apiPerMs * apiDemand(t) * demand(t) * MIN;
    }

    private double calibrate(double nightTarget) {
        long night = Scenario.START + 20 * DAY + 2 * HOUR; // Sunday of week 3, 02:00
        double lo = 1e-9;
        double hi = 1e3;
        for (int i = 0; i < 100; i++) {
            double mid = Math.sqrt(lo * hi);
            base = mid;
            double r = expectedFillsPerMin(night, null) * (1 + 0.0004 + (sc.gateway() ? 0.004 : 0));
            if (r < nightTarget) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return Math.sqrt(lo * hi);
    }

    /** Time of the next viewer request for (pop, asset) after {@code from} (thinning), or Long.MAX_VALUE. */
    private long nextRequest(int pop, int asset, long from) {
        double max = base * popWeight[pop] * assets[asset].popularity * MAX_DEMAND;
        long t = from;
        long end = sc.endMillis();
        while (t < end) {
            t += (long) Math.ceil(-Math.log(1 - rnd.nextDouble()) / max);
            if (rnd.nextDouble() * max <= rate(pop, asset, t)) {
                return t;
            }
        }
        return Long.MAX_VALUE;
    }

    private long nextPoisson(long from, double perMsAtFactor1) {
        double max = perMsAtFactor1 * MAX_DEMAND;
        if (max <= 0) {
            return Long.MAX_VALUE;
        }
        long t = from;
        while (t < sc.endMillis()) {
            t += (long) Math.ceil(-Math.log(1 - rnd.nextDouble()) / max);
            if (rnd.nextDouble() * max <= perMsAtFactor1 * demand(t)) {
                return t;
            }
        }
        return Long.MAX_VALUE;
    }

    // ---------------------------------------------------------------- incidents

    private Scenario.Incident active(long t, Scenario.Effect effect) {
        for (Scenario.Incident i : incidentArr) {
            if (i.effect == effect && t >= i.start && t < i.end) {
                return i;
            }
        }
        return null;
    }

    private boolean cdnBlocked(int pop, long t) {
        for (int i = 0; i < incidentArr.length; i++) {
            Scenario.Incident inc = incidentArr[i];
            if (t >= inc.start && t < inc.end) {
                if (inc.effect == Scenario.Effect.BLOCK_ALL) {
                    return true;
                }
                if (inc.effect == Scenario.Effect.BLOCK_POPS && pop >= 0 && blockedPop[i][pop]) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean probesBlocked(long t) {
        for (Scenario.Incident inc : incidentArr) {
            if (inc.probesStop && t >= inc.start && t < inc.end) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- streams

    /** One POP's copy of one asset. */
    final class Copy extends Stream {
        final int pop;
        final int asset;
        long cachedModified = -1; // lastModified of the cached version, -1 none
        long lastFetch = Long.MIN_VALUE;
        final long evictAfter;

        Copy(int pop, int asset) {
            this.pop = pop;
            this.asset = asset;
            this.evictAfter = (6 + rnd.nextInt(18)) * HOUR;
        }

        @Override
        void fire(Simulator s) {
            long t = next;
            Asset a = assets[asset];
            if (cdnBlocked(pop, t)) {
                reschedule(this, nextRequest(pop, asset, t));
                return;
            }
            boolean evicted = cachedModified < 0 || t - lastFetch > evictAfter;
            boolean conditional = !evicted;
            SimRecord r = rec.clear();
            r.kind = SimRecord.Kind.CDN_FILL;
            r.path = a.path;
            sc.cdn.addHeaders(r, host, sc.cdn.pops()[pop], edgeIds[pop][rnd.nextInt(4)], rnd);
            String cachedEtag = conditional ? etag(cachedModified, a.size) : null;
            if (conditional) {
                r.req("if-none-match", cachedEtag);
                r.req("if-modified-since", httpDate(cachedModified));
            }
            if (sc.gateway()) {
                if (active(t, Scenario.Effect.STATIC_NO_BACKEND) != null) {
                    r.kind = SimRecord.Kind.CDN_ERROR;
                    r.status = 503;
                    r.bytes = 19;
                    r.durationMs = 0.1 + rnd.nextDouble() * 0.3;
                    r.error = "no_backend";
                    r.resp("content-type", "text/plain");
                    emit(t);
                    reschedule(this, nextRequest(pop, asset, t + ERROR_CACHING_MILLIS));
                    return;
                }
                Scenario.Incident silent = active(t, Scenario.Effect.BACKEND_SILENT);
                int b;
                do {
                    b = rnd.nextInt(3);
                } while (silent != null && ("asset-" + (b + 1)).equals(silent.victim));
                r.backend = "asset-" + (b + 1);
                if (restarting(b, t)) {
                    r.kind = SimRecord.Kind.CDN_ERROR;
                    r.status = 502;
                    r.bytes = 15;
                    r.durationMs = 0.3 + rnd.nextDouble() * 0.5;
                    r.error = "connect_refused";
                    r.resp("content-type", "text/plain");
                    emit(t);
                    reschedule(this, nextRequest(pop, asset, t + ERROR_CACHING_MILLIS));
                    return;
                }
            }
            boolean unchanged = conditional && cachedModified == a.lastModified;
            r.status = unchanged ? 304 : 200;
            r.bytes = unchanged ? 0 : a.size;
            r.durationMs = unchanged ? 0.3 + rnd.nextDouble() * 1.5 : 1 + rnd.nextDouble() * 4 + a.size / 200_000.0;
            addCacheHeaders(r, a, !unchanged);
            emit(t);
            cachedModified = a.lastModified;
            lastFetch = t;
            reschedule(this, nextRequest(pop, asset, t + a.ttl * 1000L));
        }
    }

    private void addCacheHeaders(SimRecord r, Asset a, boolean body) {
        int ttl = a.ttl;
        switch (a.variant) {
            case 0:
                r.resp("cache-control", "public, max-age=" + ttl);
                break;
            case 1:
                r.resp("cache-control", "public, max-age=60, s-maxage=" + ttl);
                break;
            case 2:
                r.resp("cache-control", "public, max-age=" + ttl + ", stale-while-revalidate=" + ttl / 2);
                break;
            default:
                r.resp("cache-control", "public, max-age=60");
                r.resp(sc.cdn == CdnProfile.FASTLY ? "surrogate-control" : "cdn-cache-control", "max-age=" + ttl);
                break;
        }
        if (body) {
            r.resp("content-type", a.contentType);
        }
        r.resp("etag", etag(a.lastModified, a.size));
        r.resp("last-modified", httpDate(a.lastModified));
    }

    static String etag(long lastModified, long size) {
        return "\"" + Long.toHexString(lastModified) + "-" + Long.toHexString(size) + "\"";
    }

    String httpDate(long epochSeconds) {
        return httpDates.computeIfAbsent(epochSeconds, Simulator::formatHttpDate);
    }

    static String formatHttpDate(long epochSeconds) {
        return java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
            java.time.ZonedDateTime.ofInstant(java.time.Instant.ofEpochSecond(epochSeconds), java.time.ZoneOffset.UTC));
    }

    private final class Probe extends Stream {
        final String node;

        Probe(String node, long first) {
            this.node = node;
            this.next = first;
        }

        @Override
        void fire(Simulator s) {
            long t = next;
            if (!probesBlocked(t)) {
                SimRecord r = rec.clear();
                r.kind = SimRecord.Kind.PROBE;
                r.path = sc.probeAgent.startsWith("kube") ? "/readyz" : "/healthz";
                r.status = 200;
                r.bytes = 2;
                r.durationMs = 0.1 + rnd.nextDouble() * 0.5;
                r.req("host", node + ":8080");
                r.req("user-agent", sc.probeAgent);
                if (sc.probeAgent.startsWith("kube")) {
                    r.req("accept", "*/*");
                } else {
                    r.req("connection", "close");
                }
                r.resp("content-type", "text/plain");
                r.resp("cache-control", "no-store");
                emit(t);
            }
            reschedule(this, t + 30_000 + (rnd.nextInt(101) - 50));
        }
    }

    private final class NotFound extends Stream {
        @Override
        void fire(Simulator s) {
            long t = next;
            int pop = rnd.nextInt(popWeight.length);
            if (!cdnBlocked(pop, t) && !(sc.gateway() && active(t, Scenario.Effect.STATIC_NO_BACKEND) != null)) {
                SimRecord r = rec.clear();
                r.kind = SimRecord.Kind.CDN_404;
                r.path = "/static/" + ASSET_DIRS[rnd.nextInt(ASSET_DIRS.length)] + "/old-" + CdnProfile.hex(rnd, 8) + ".js";
                sc.cdn.addHeaders(r, host, sc.cdn.pops()[pop], edgeIds[pop][rnd.nextInt(4)], rnd);
                r.status = 404;
                r.bytes = 146;
                r.durationMs = 0.4 + rnd.nextDouble();
                if (sc.gateway()) {
                    r.backend = "asset-" + (1 + rnd.nextInt(3));
                }
                r.resp("content-type", "text/html");
                r.resp("cache-control", "public, max-age=60");
                emit(t);
            }
            reschedule(this, nextPoisson(t, notFoundPerMs));
        }
    }

    private final class Api extends Stream {
        @Override
        void fire(Simulator s) {
            long t = next;
            int pop = rnd.nextInt(popWeight.length);
            if (!cdnBlocked(pop, t) && (apiDemandEvents.length == 0 || rnd.nextDouble() < apiDemand(t))) {
                SimRecord r = rec.clear();
                r.kind = SimRecord.Kind.API;
                r.method = rnd.nextInt(5) == 0 ? "POST" : "GET";
                r.path = API_PATHS[rnd.nextInt(API_PATHS.length)];
                sc.cdn.addHeaders(r, host, sc.cdn.pops()[pop], edgeIds[pop][rnd.nextInt(4)], rnd);
                int b = rnd.nextInt(2);
                r.backend = "api-" + (b + 1);
                double u = rnd.nextDouble();
                if (restarting(3 + b, t)) {
                    r.status = 502;
                    r.bytes = 15;
                    r.error = "connect_refused";
                    r.durationMs = 0.5;
                } else if (u < 0.0004) {
                    r.status = 504;
                    r.bytes = 15;
                    r.error = "connect_timeout";
                    r.durationMs = 5000;
                } else if (u < 0.0008) {
                    r.status = 502;
                    r.bytes = 15;
                    r.error = "reset";
                    r.durationMs = 12 + rnd.nextDouble() * 30;
                } else {
                    r.status = 200;
                    r.bytes = 300 + rnd.nextInt(9000);
                    r.durationMs = 8 + rnd.nextDouble() * 40;
                }
                r.resp("cache-control", "private, no-store");
                r.resp("content-type", r.status == 200 ? "application/json" : "text/plain");
                emit(t);
            }
            reschedule(this, nextPoisson(t, apiPerMs));
        }
    }

    private final class Direct extends Stream {
        @Override
        void fire(Simulator s) {
            long t = next;
            SimRecord r = rec.clear();
            Asset a = assets[rnd.nextInt(assets.length)];
            double u = rnd.nextDouble();
            r.req("host", host);
            if (u < 0.45) {
                r.kind = SimRecord.Kind.DIRECT;
                r.path = a.path;
                r.req("user-agent", CdnProfile.BROWSERS[rnd.nextInt(CdnProfile.BROWSERS.length)]);
                if (rnd.nextInt(3) == 0) {
                    r.req("via", "1.1 proxy" + rnd.nextInt(9) + ".corp.example (squid/5.7)");
                }
            } else if (u < 0.6) {
                r.kind = SimRecord.Kind.DIRECT;
                r.path = a.path;
                r.req("user-agent", "curl/8.4.0");
            } else {
                r.kind = SimRecord.Kind.BOT;
                r.path = rnd.nextInt(4) == 0 ? "/robots.txt" : a.path;
                r.req("user-agent", BOTS[rnd.nextInt(BOTS.length)]);
            }
            r.req("accept", "*/*");
            r.req("x-forwarded-for", CdnProfile.ip(rnd));
            r.req("x-forwarded-proto", "https");
            if (sc.gateway()) {
                r.backend = "asset-" + (1 + rnd.nextInt(3));
            }
            r.status = 200;
            r.bytes = r.path.equals("/robots.txt") ? 68 : a.size;
            r.durationMs = 1 + rnd.nextDouble() * 4;
            if (!r.path.equals("/robots.txt")) {
                addCacheHeaders(r, a, true);
            } else {
                r.resp("content-type", "text/plain");
            }
            emit(t);
            reschedule(this, nextPoisson(t, directPerMs));
        }
    }

    private final class Scanner extends Stream {
        @Override
        void fire(Simulator s) {
            long t = next;
            String ip = CdnProfile.ip(rnd);
            String agent = SCANNER_AGENTS[rnd.nextInt(SCANNER_AGENTS.length)];
            int n = 5 + rnd.nextInt(20);
            // the burst is emitted at once; lines are spread over the next seconds
            for (int i = 0; i < n; i++) {
                SimRecord r = rec.clear();
                r.kind = SimRecord.Kind.BOT;
                r.path = SCANNER_PATHS[rnd.nextInt(SCANNER_PATHS.length)];
                r.req("host", host);
                r.req("user-agent", agent);
                r.req("x-forwarded-for", ip);
                r.status = 404;
                r.bytes = 146;
                r.durationMs = 0.3 + rnd.nextDouble();
                r.resp("content-type", "text/html");
                emit(t + i * 100L);
            }
            reschedule(this, t + (long) (-Math.log(1 - rnd.nextDouble()) * 20 * HOUR));
        }
    }

    private final class DeployEvent extends Stream {
        final Scenario.Deploy deploy;

        DeployEvent(Scenario.Deploy d) {
            this.deploy = d;
            this.next = d.at();
        }

        @Override
        void fire(Simulator s) {
            long t = next;
            List<Integer> changed = new ArrayList<>();
            for (int i = 0; i < deploy.assetsChanged(); i++) {
                int a = (int) Math.min(assets.length - 1, (long) (Math.pow(rnd.nextDouble(), 2) * assets.length));
                if (!changed.contains(a)) {
                    changed.add(a);
                    assets[a].lastModified = t / 1000;
                    assets[a].size = Math.max(200, assets[a].size + rnd.nextInt(2001) - 1000);
                }
            }
            if (deploy.invalidate()) {
                List<Stream> all = new ArrayList<>(queue);
                for (Stream st : all) {
                    if (st instanceof Copy && changed.contains(((Copy) st).asset)) {
                        Copy c = (Copy) st;
                        c.cachedModified = -1;
                        queue.remove(c);
                        c.next = nextRequest(c.pop, c.asset, t);
                        if (c.next != Long.MAX_VALUE) {
                            c.seq = seq++;
                            queue.add(c);
                        }
                    }
                }
            }
            if (sc.gateway()) {
                // rolling restart: each backend in turn refuses connections for a few seconds before
                // the gateway's passive health check takes it out (short 502 bursts)
                long at = t;
                for (int b = 0; b < restartUntil.length; b++) {
                    at += 5_000 + rnd.nextInt(10_000);
                    restartFrom[b] = at;
                    restartUntil[b] = at + 2_000 + rnd.nextInt(6_000);
                }
            }
            // fire once only
        }
    }

    private boolean restarting(int backend, long t) {
        return t >= restartFrom[backend] && t < restartUntil[backend];
    }

    private void reschedule(Stream s, long next) {
        if (next == Long.MAX_VALUE || next >= sc.endMillis()) {
            return;
        }
        s.next = next;
        s.seq = seq++;
        queue.add(s);
    }

    private void emit(long t) {
        SimRecord r = rec;
        long ts = t + (long) r.durationMs;
        if (rnd.nextInt(50) == 0) {
            ts -= rnd.nextInt(2000); // written up to 2 s out of order
        }
        r.ts = ts;
        counts[r.kind.ordinal()]++;
        lines++;
        sink.accept(r);
    }

    /**
     * Runs the whole scenario into {@code sink}, in time order, and returns what happened.
     */
    public Result run(TraceSink out) {
        this.sink = out;
        long start = sc.startMillis();
        // warm caches: every copy was fetched at some point before the start
        for (int p = 0; p < popWeight.length; p++) {
            for (int a = 0; a < assets.length; a++) {
                Copy c = new Copy(p, a);
                double lam = rate(p, a, start) * 1.0;
                if (lam * assets[a].ttl * 1000L > 0.05) {
                    c.cachedModified = assets[a].lastModified;
                    c.lastFetch = start - (long) (rnd.nextDouble() * assets[a].ttl * 1000L);
                    reschedule(c, nextRequest(p, a, c.lastFetch + assets[a].ttl * 1000L));
                } else {
                    reschedule(c, nextRequest(p, a, start));
                }
            }
        }
        reschedule(new Probe("10.0.0.11", start + rnd.nextInt(30_000)), start + rnd.nextInt(30_000));
        reschedule(new Probe("10.0.3.138", start + rnd.nextInt(30_000)), start + rnd.nextInt(30_000));
        NotFound nf = new NotFound();
        reschedule(nf, nextPoisson(start, notFoundPerMs));
        if (apiPerMs > 0) {
            reschedule(new Api(), nextPoisson(start, apiPerMs));
        }
        reschedule(new Direct(), start + rnd.nextInt(600_000));
        reschedule(new Scanner(), start + (long) (rnd.nextDouble() * 20 * HOUR));
        for (Scenario.Deploy d : sc.deploys) {
            if (d.at() >= start && d.at() < sc.endMillis()) {
                reschedule(new DeployEvent(d), d.at());
            }
        }
        Stream s;
        while ((s = queue.poll()) != null) {
            s.fire(this);
        }
        return new Result(this);
    }

    /** What a run produced, and the model's expectations for the ground truth. */
    public static final class Result {
        private final Simulator sim;

        Result(Simulator sim) {
            this.sim = sim;
        }

        /** Lines emitted. */
        public long lines() {
            return sim.lines;
        }

        /** Records of a kind. */
        public long count(SimRecord.Kind kind) {
            return sim.counts[kind.ordinal()];
        }

        /** The scenario. */
        public Scenario scenario() {
            return sim.sc;
        }

        /** Expected CDN requests per minute at {@code t} (no incident). */
        public double expectedCdnRatePerMin(long t) {
            return sim.expectedCdnRequestsPerMin(t);
        }

        /** Expected API calls (the api route class) per minute at {@code t}. */
        public double expectedApiPerMin(long t) {
            return sim.expectedApiPerMin(t);
        }

        /** Expected successful static fills per minute at {@code t}. */
        public double expectedFillsPerMin(long t) {
            return sim.expectedFillsPerMin(t, null);
        }

        /** Share of the fill rate at {@code t} still arriving during incident {@code i} (partial drops). */
        public double remainingShare(int incident, long t) {
            boolean[] kept = new boolean[sim.popWeight.length];
            for (int p = 0; p < kept.length; p++) {
                kept[p] = !sim.blockedPop[incident][p];
            }
            return sim.expectedFillsPerMin(t, kept) / sim.expectedFillsPerMin(t, null);
        }

        /** The POP codes in use. */
        public List<String> pops() {
            List<String> l = new ArrayList<>();
            for (int p = 0; p < sim.popWeight.length; p++) {
                l.add(sim.sc.cdn.pops()[p]);
            }
            return l;
        }

        /** The POPs cut off by incident {@code i}. */
        public List<String> blockedPops(int incident) {
            List<String> l = new ArrayList<>();
            for (int p = 0; p < sim.popWeight.length; p++) {
                if (sim.blockedPop[incident][p]) {
                    l.add(sim.sc.cdn.pops()[p]);
                }
            }
            return l;
        }

        /** Number of assets. */
        public int assets() {
            return sim.assets.length;
        }
    }
}
