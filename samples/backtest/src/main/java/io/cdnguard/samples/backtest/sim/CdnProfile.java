package io.cdnguard.samples.backtest.sim;

import java.util.SplittableRandom;

/** The request headers each CDN sends to an origin, with its edge locations (POPs). */
public enum CdnProfile {
    /** Amazon CloudFront: own user agent, {@code via ... (CloudFront)}, {@code x-amz-cf-id}, {@code x-amz-cf-pop}. */
    CLOUDFRONT("cloudfront", new String[] {"IAD", "JFK", "ORD", "DFW", "LAX", "SEA"}),
    /** Cloudflare: viewer's user agent, {@code cf-ray: <hex>-<POP>}, {@code cdn-loop: cloudflare}. */
    CLOUDFLARE("cloudflare", new String[] {"FRA", "LHR", "CDG", "AMS", "MAD", "WAW"}),
    /** Fastly: viewer's user agent, {@code fastly-ff}, {@code cdn-loop: Fastly}, {@code x-served-by}. */
    FASTLY("fastly", new String[] {"FRA", "LHR", "AMS", "CDG", "IAD", "SJC", "NRT", "SYD"}),
    /** Akamai: viewer's user agent, {@code akamai-origin-hop}, {@code via ... AkamaiGHost}. */
    AKAMAI("akamai", new String[] {"FRA", "LON", "PAR", "NYC", "CHI", "SIN"});

    static final String[] BROWSERS = {
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
    };
    private static final String[] COUNTRIES = {"DE", "GB", "FR", "NL", "ES", "PL", "US", "IT"};

    private final String label;
    private final String[] pops;

    CdnProfile(String label, String[] pops) {
        this.label = label;
        this.pops = pops;
    }

    /** The label used in the ground truth, e.g. {@code cloudfront}. */
    public String label() {
        return label;
    }

    /** The POP codes. */
    public String[] pops() {
        return pops.clone();
    }

    /** Parses a label or name, case-insensitively. */
    public static CdnProfile of(String name) {
        for (CdnProfile p : values()) {
            if (p.label.equalsIgnoreCase(name) || p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown CDN: " + name + " (cloudfront, cloudflare, fastly, akamai)");
    }

    /**
     * Adds this CDN's request headers for a fetch from {@code pop}; {@code edgeIds} are the POP's
     * stable edge host ids (hex).
     */
    void addHeaders(SimRecord r, String host, String pop, String edgeId, SplittableRandom rnd) {
        String client = ip(rnd);
        r.req("host", host);
        switch (this) {
            case CLOUDFRONT:
                r.req("user-agent", "Amazon CloudFront");
                r.req("via", "1.1 " + edgeId + ".cloudfront.net (CloudFront)");
                r.req("x-amz-cf-id", base64ish(rnd, 56));
                r.req("x-amz-cf-pop", pop + (50 + rnd.nextInt(40)) + "-C" + (1 + rnd.nextInt(3)));
                r.req("accept-encoding", "gzip");
                r.req("x-forwarded-for", client + ", " + ip(rnd));
                r.req("x-forwarded-proto", "https");
                break;
            case CLOUDFLARE:
                r.req("user-agent", BROWSERS[rnd.nextInt(BROWSERS.length)]);
                r.req("cf-ray", hex(rnd, 16) + "-" + pop);
                r.req("cdn-loop", "cloudflare");
                r.req("cf-connecting-ip", client);
                r.req("cf-ipcountry", COUNTRIES[rnd.nextInt(COUNTRIES.length)]);
                r.req("cf-visitor", "{\"scheme\":\"https\"}");
                r.req("accept-encoding", "gzip, br");
                r.req("x-forwarded-for", client);
                r.req("x-forwarded-proto", "https");
                break;
            case FASTLY: {
                String node = "cache-" + pop.toLowerCase(java.util.Locale.ROOT) + edgeId.substring(0, 4) + "-" + pop;
                r.req("user-agent", BROWSERS[rnd.nextInt(BROWSERS.length)]);
                r.req("fastly-ff", hex(rnd, 12) + "!" + pop + "!" + node);
                r.req("cdn-loop", "Fastly");
                r.req("x-served-by", node);
                r.req("fastly-client-ip", client);
                r.req("accept-encoding", "gzip");
                r.req("x-forwarded-for", client);
                break;
            }
            case AKAMAI:
            default:
                r.req("user-agent", BROWSERS[rnd.nextInt(BROWSERS.length)]);
                r.req("akamai-origin-hop", Integer.toString(1 + rnd.nextInt(2)));
                r.req("via", "1.1 v1-akamaitech.net(ghost) (AkamaiGHost), 1.1 akamai.net(ghost) (AkamaiGHost)");
                r.req("true-client-ip", client);
                r.req("x-akamai-edgescape", "georegion=" + (40 + rnd.nextInt(200)) + ",country_code=" + COUNTRIES[rnd.nextInt(COUNTRIES.length)]);
                r.req("accept-encoding", "gzip");
                r.req("x-forwarded-for", client);
                break;
        }
    }

    static String ip(SplittableRandom rnd) {
        return (11 + rnd.nextInt(200)) + "." + rnd.nextInt(256) + "." + rnd.nextInt(256) + "." + (1 + rnd.nextInt(254));
    }

    static String hex(SplittableRandom rnd, int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) {
            c[i] = "0123456789abcdef".charAt(rnd.nextInt(16));
        }
        return new String(c);
    }

    static String base64ish(SplittableRandom rnd, int n) {
        String a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char[] c = new char[n];
        for (int i = 0; i < n - 2; i++) {
            c[i] = a.charAt(rnd.nextInt(a.length()));
        }
        c[n - 2] = '=';
        c[n - 1] = '=';
        return new String(c);
    }
}
