package io.cdnguard.internal;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;
import java.util.List;

/**
 * Recognises who sent a request from its headers: a CDN fetch (and which CDN), a load-balancer
 * health probe, a direct hit, or a request for cdnguard's own endpoints.
 *
 * <h2>Order of decisions</h2>
 * <ol>
 *   <li><b>SELF</b>: the path is the endpoint prefix or below it ({@code /cdnguard},
 *       {@code /cdnguard/health}; not {@code /cdnguardx}). The library's own endpoints are never
 *       CDN traffic.</li>
 *   <li><b>PROBE</b>: a load-balancer or orchestrator health check, by user agent
 *       ({@code ELB-HealthChecker/}, {@code kube-probe/}, {@code GoogleHC/},
 *       {@code Amazon-Route53-Health-Check-Service}, {@code Consul Health Check},
 *       {@code Envoy/HC}, {@code Azure Traffic Manager Endpoint Monitor},
 *       {@code Load Balancer Agent}, {@code Cloudflare-Traffic-Manager}, anything containing
 *       {@code HAProxy}; a browser-style {@code Mozilla/} agent only in Cloudflare's monitor form
 *       {@code Mozilla/5.0 (compatible; Cloudflare-Traffic-Manager/...}) or by
 *       {@code X-FD-HealthProbe: 1} (Azure Front Door; looked up only when the user agent is absent
 *       or neither {@code Mozilla/...} nor {@code Amazon CloudFront}: Front Door's probes send
 *       neither). External uptime monitors (Pingdom, UptimeRobot) are <em>not</em> probes: they
 *       often come through the CDN and are counted like any other request.</li>
 *   <li><b>User rules</b> in order ({@link RecognitionRules}); the first that matches names the
 *       CDN. With {@link RecognitionRules#requireTrust()}, a request is a CDN fetch only if some
 *       shared-secret or trusted-range rule matches, otherwise it is DIRECT however much it looks
 *       like a CDN (spoofed headers from an untrusted address).</li>
 *   <li><b>Built-in recognition</b> (unless turned off). For chained CDNs the one that connects
 *       to the origin is the one wanted, so the nearest hop decides where the headers say which it
 *       is:
 *     <ol>
 *       <li>{@code User-Agent: Amazon CloudFront}: CloudFront;</li>
 *       <li>{@code CDN-Loop} (RFC 8586: each CDN appends its id): its last known id names the
 *           nearest CDN that adds one (Cloudflare, Fastly, Akamai, ...), unless
 *           {@code X-Amz-Cf-Id} says CloudFront (which adds no {@code CDN-Loop}) fetched;</li>
 *       <li>{@code Via} (RFC 9110: each intermediary appends its entry): when its last entry is a
 *           CDN's, that CDN (Google only with {@code X-Cloud-Trace-Context}; a Varnish entry is
 *           Fastly's when Fastly's own headers are there, since Fastly runs Varnish);</li>
 *       <li>otherwise the first match in this order:</li>
 *     </ol>
 *     <ul>
 *       <li>CloudFront: {@code X-Amz-Cf-Id} shaped like a request id (16-128 base64 chars), or
 *           {@code User-Agent} exactly {@code Amazon CloudFront}, or a {@code Via} entry whose
 *           host ends in {@code .cloudfront.net} or whose comment is {@code (CloudFront)};</li>
 *       <li>Akamai: {@code Akamai-Origin-Hop} a small number, or a {@code Via} entry with
 *           {@code AkamaiGHost} in its comment or {@code akamai} in its host, or
 *           {@code CDN-Loop: Akamai};</li>
 *       <li>Fastly: {@code Fastly-FF} non-blank, or {@code CDN-Loop: Fastly}, or
 *           {@code Fastly-Client-IP} together with {@code X-Varnish} (alone it is a common spoofing
 *           probe of scanners);</li>
 *       <li>Cloudflare: {@code CF-Ray} shaped like a ray id (hex, optional {@code -COLO}), or
 *           {@code CDN-Loop: cloudflare};</li>
 *       <li>Azure Front Door: {@code X-Azure-Ref} or {@code X-Azure-FDID} shaped like an id, or a
 *           {@code Via} entry {@code 1.1 Azure}, or {@code CDN-Loop: Azure};</li>
 *       <li>Google Cloud CDN: a {@code Via} entry {@code 1.1 google} <em>and</em>
 *           {@code X-Cloud-Trace-Context}, or {@code CDN-Loop: google}. Heuristic: Google's
 *           external load balancer adds the same two headers to all traffic, CDN-enabled or not,
 *           so behind a Google load balancer without Cloud CDN every request counts as a Google
 *           fetch; use {@link RecognitionRules.Builder#withoutBuiltIn()} with your own rules
 *           there;</li>
 *       <li>Varnish: {@code X-Varnish} starting with a digit, or a {@code Via} entry naming
 *           varnish;</li>
 *       <li>any other {@code CDN-Loop} id (RFC 8586): {@link Cdn#OTHER}.</li>
 *     </ul>
 *     The fixed order alone would let a header forwarded from a CDN farther from the origin (an
 *     {@code Akamai-Origin-Hop} or {@code Fastly-FF} passed on by Cloudflare) outrank the CDN that
 *     actually fetched; the nearest-hop steps avoid that and decide most fetches in few lookups.
 *   </li>
 *   <li>Otherwise <b>DIRECT</b>: browsers, crawlers, scanners, corporate proxies
 *       ({@code Via: 1.1 proxy.corp.example (squid/4.1)}), a browser user agent that merely mentions
 *       CloudFront, blank or malformed CDN headers ({@code CF-Ray: test}, empty {@code CF-Ray}).</li>
 * </ol>
 * Fastly, Cloudflare and Akamai forward the viewer's user agent, so the user agent is never used
 * to rule a CDN out.
 *
 * <h2>Implementation notes</h2>
 * Immutable after construction: the rules are compiled into final arrays ({@link Cidr} ranges,
 * lower-cased needles) in the constructor, so one instance is shared by all threads without locks
 * (lock-free: no field is written after construction, nothing is shared between calls).
 * {@link #classify}, {@link #classifyWithPop} and {@link #popCode} are allocation-free: header values are read through
 * {@link HeaderSource#get} and scanned in place with {@link CharSequence#charAt} and ASCII
 * case-insensitive comparisons (no {@code toLowerCase}, no regex, no split; a value that is a
 * {@link String} is searched with String's own {@code indexOf} and {@code equals}, which the JIT
 * vectorises, and compared whole against the exact values CDNs send, with the same answers), and only the first
 * {@link Ascii#MAX_SCAN} (4096) characters of any value are scanned, so work per request is
 * bounded whatever the headers. No method throws: malformed values simply do not match, and a
 * {@link HeaderSource} that throws is treated as having no such header.
 *
 * <p>Cost notes (the recording path calls {@link #classifyWithPop} once per exchange; every header
 * lookup scans the host's header map, so lookups are what recognition costs): each header is
 * looked up at most once per call, and the decision order above is also the lookup order, so a
 * typical fetch takes 2 to 4 lookups, POP included (CloudFront by its agent: 2-3; Cloudflare and
 * Fastly by {@code CDN-Loop}: 4; Akamai, Azure, Google, Varnish by {@code Via}: 3-5); only a request
 * that matches nothing early (a direct hit) pays for every lookup of the priority order. The POP is
 * taken from the values recognition already read, the {@code Via} span of the winning CDN included
 * (returned in a {@code long} with the classification: POP characters in the low 7 bits of each
 * byte, the classification in the top bits, so no scratch object, no {@code ThreadLocal}, and
 * unpacking is a mask and a multiplication). {@code Via} is scanned once: its usual values are
 * recognised whole (CloudFront's {@code 1.1 <hex id>.cloudfront.net (CloudFront)} shape, Varnish's
 * {@code 1.1 <host> (Varnish/<version>)}, Akamai's, Google's and Azure's exact values), and such a
 * whole-value answer carries what the POP will be, so the POP is taken without a second pass over
 * the host (CloudFront fetched by its own agent without {@code X-Amz-Cf-Pop}: the id's first 8 hex
 * digits straight from the shape test). A {@code Mozilla/} user agent (most requests) is not
 * searched for probe substrings; others are, reading every other character. Where the time goes
 * (one thread, {@code RecordPartsBenchmark.recognition}): the header lookups themselves, then
 * scanning {@code Via}; character loops over short values cost more in branch mispredictions
 * (exits that vary with the rotating mix of CDNs) than in characters, which is why exact whole-value
 * comparisons and {@code indexOf} pay even for values of ten characters.
 */
public final class CdnRecognizer {

    private static final int SELF = pack(RequestKind.SELF, null);
    private static final int PROBE = pack(RequestKind.PROBE, null);
    private static final int DIRECT = pack(RequestKind.DIRECT, null);
    private static final int[] CDN_PACKED = new int[Cdn.values().length];

    /** {@link #CDN_PACKED} as {@link #classifyWithPop} results without a POP. */
    private static final long[] CDN_ENCODED = new long[Cdn.values().length];

    static {
        for (Cdn c : Cdn.values()) {
            CDN_PACKED[c.ordinal()] = pack(RequestKind.CDN, c);
            CDN_ENCODED[c.ordinal()] = encode(CDN_PACKED[c.ordinal()]);
        }
    }

    private static final long SELF_ENCODED = encode(SELF);
    private static final long PROBE_ENCODED = encode(PROBE);
    private static final long DIRECT_ENCODED = encode(DIRECT);

    private static final RequestKind[] KINDS = RequestKind.values();
    private static final Cdn[] CDNS = Cdn.values();

    private static final int HEADER_PRESENT = 0;
    private static final int HEADER_CONTAINS = 1;
    private static final int SHARED_SECRET = 2;
    private static final int TRUSTED_RANGE = 3;

    private final String endpointPrefix;
    private final boolean requireTrust;
    private final boolean builtIn;
    private final int[] ruleKind;
    private final String[] ruleHeader;
    private final String[] ruleNeedle;
    private final Cidr[] ruleRange;
    private final int[] ruleCdn;

    /**
     * Creates a recogniser with user rules on top of the built-in ones; requests under
     * {@code endpointPrefix} are SELF. Compiles the rules (allocation happens here, never per
     * request).
     *
     * @param rules the user rules, {@code null} for {@link RecognitionRules#defaults()}
     * @param endpointPrefix cdnguard's endpoint path prefix, e.g. {@code /cdnguard}; {@code null} or
     *     empty for none
     * @throws IllegalArgumentException if a trusted range is not a valid CIDR range
     */
    public CdnRecognizer(RecognitionRules rules, String endpointPrefix) {
        RecognitionRules r = rules == null ? RecognitionRules.defaults() : rules;
        this.endpointPrefix = endpointPrefix == null || endpointPrefix.isEmpty() ? null : endpointPrefix;
        this.requireTrust = r.requireTrust();
        this.builtIn = r.builtIn();
        List<RecognitionRules.Rule> list = r.rules();
        int n = list.size();
        ruleKind = new int[n];
        ruleHeader = new String[n];
        ruleNeedle = new String[n];
        ruleRange = new Cidr[n];
        ruleCdn = new int[n];
        for (int i = 0; i < n; i++) {
            RecognitionRules.Rule rule = list.get(i);
            ruleCdn[i] = CDN_PACKED[rule.cdn().ordinal()];
            ruleHeader[i] = rule.header();
            switch (rule.kind()) {
                case HEADER_PRESENT:
                    ruleKind[i] = HEADER_PRESENT;
                    break;
                case HEADER_CONTAINS:
                    ruleKind[i] = HEADER_CONTAINS;
                    ruleNeedle[i] = rule.value().toLowerCase(java.util.Locale.ROOT);
                    break;
                case SHARED_SECRET:
                    ruleKind[i] = SHARED_SECRET;
                    ruleNeedle[i] = rule.value();
                    break;
                case TRUSTED_RANGE:
                default:
                    ruleKind[i] = TRUSTED_RANGE;
                    ruleRange[i] = Cidr.parse(rule.value());
                    if (ruleRange[i] == null) {
                        throw new IllegalArgumentException("not a CIDR range: " + rule.value());
                    }
                    break;
            }
        }
    }

    /**
     * Classifies a request. Allocation-free, never throws. Returns a packed classification: decode with
     * {@link #kind(int)} and {@link #cdn(int)}.
     *
     * @param request the request headers ({@code null} means none)
     * @param clientAddress the address of the connecting peer as text ({@code 130.176.1.2},
     *     {@code 2600:9000::1}, {@code [2600:9000::1]:443}), or {@code null}; used only by
     *     trusted-range rules. cdnguard never reads {@code X-Forwarded-For} itself: behind a load
     *     balancer pass the address your proxy configuration trusts as the client's
     * @param path the request path, or {@code null}; used only to recognise SELF
     * @return the packed classification
     */
    public int classify(HeaderSource request, CharSequence clientAddress, CharSequence path) {
        return classificationOf(classify0(request, clientAddress, path, false));
    }

    /**
     * Classifies a request and, for a CDN fetch, reads its edge location in the same pass: the
     * result equals {@link #classify} and {@link #popCode popCode(classify(...), request)} together,
     * but each header is looked up and scanned once (the POP comes from the values recognition
     * already holds). Allocation-free, never throws.
     *
     * @param request the request headers ({@code null} means none)
     * @param clientAddress as for {@link #classify}
     * @param path as for {@link #classify}
     * @return the POP code in the low 7 bits of each byte ({@link #popOf}) and the packed
     *     classification in their top bits ({@link #classificationOf})
     */
    public long classifyWithPop(HeaderSource request, CharSequence clientAddress, CharSequence path) {
        return classify0(request, clientAddress, path, true);
    }

    /**
     * The packed classification of a {@link #classifyWithPop} result: bit 7 of byte {@code k} is bit
     * {@code k} of the classification, gathered by one multiplication (the 8 partial products land
     * on distinct bits, so nothing carries).
     */
    public static int classificationOf(long classifiedWithPop) {
        return (int) ((((classifiedWithPop >>> 7) & 0x0101010101010101L) * 0x0102040810204080L) >>> 56);
    }

    /** The {@link #popCode} of a {@link #classifyWithPop} result (0 if none). */
    public static long popOf(long classifiedWithPop) {
        return classifiedWithPop & 0x7F7F7F7F7F7F7F7FL;
    }

    /**
     * A classification as a {@link #classifyWithPop} result without a POP: bit {@code k} of the
     * 8-bit classification goes to bit 7 of byte {@code k}, the bit every byte of a POP code leaves
     * clear (POP characters are upper-case ASCII letters and digits, below 0x80), so a POP code is
     * added with a plain OR and taken back with a mask. Spread by a multiplication (one copy per
     * byte), a mask (bit {@code k} of copy {@code k}) and an add of 0x7F per byte (carries into bit
     * 7 exactly when that bit is set, never out of the byte).
     */
    private static long encode(int classification) {
        long copies = (classification & 0xFFL) * 0x0101010101010101L;
        return ((copies & 0x8040201008040201L) + 0x7F7F7F7F7F7F7F7FL) & 0x8080808080808080L;
    }

    /** Packs a classification with a POP code (see {@link #encode}). */
    private static long withPop(int classification, long popCode) {
        return encode(classification) | (popCode & 0x7F7F7F7F7F7F7F7FL);
    }

    private long classify0(HeaderSource request, CharSequence clientAddress, CharSequence path, boolean pop) {
        HeaderSource h = request == null ? HeaderSource.EMPTY : request;
        if (isSelf(path)) {
            return SELF_ENCODED;
        }
        CharSequence ua = get(h, "user-agent");
        int agent = agentKind(ua);
        if (agent == AGENT_PROBE || (agent == AGENT_OTHER && isFrontDoorProbe(h))) {
            return PROBE_ENCODED;
        }
        int matched = -1;
        boolean trusted = false;
        for (int i = 0; i < ruleKind.length; i++) {
            boolean trustRule = ruleKind[i] >= SHARED_SECRET;
            if (matched >= 0 && (!requireTrust || trusted)) {
                break;
            }
            if (matched >= 0 && !trustRule) {
                continue; // only a trust rule can still change the outcome
            }
            if (matches(i, h, clientAddress)) {
                if (matched < 0) {
                    matched = ruleCdn[i];
                }
                trusted |= trustRule;
            }
        }
        if (requireTrust) {
            if (!trusted) {
                return DIRECT_ENCODED;
            }
            return withPop(matched, pop ? popCode(matched, h) : 0);
        }
        if (matched >= 0) {
            return withPop(matched, pop ? popCode(matched, h) : 0);
        }
        if (builtIn) {
            return builtIn(h, agent == AGENT_CLOUDFRONT, pop);
        }
        return DIRECT_ENCODED;
    }

    /** The request kind of a packed classification. */
    public static RequestKind kind(int classification) {
        int k = classification & 0xF;
        return k < KINDS.length ? KINDS[k] : RequestKind.DIRECT;
    }

    /** The CDN of a packed classification, {@code null} unless the kind is {@link RequestKind#CDN}. */
    public static Cdn cdn(int classification) {
        int c = (classification >>> 4) & 0xF;
        return c == 0 || c > CDNS.length ? null : CDNS[c - 1];
    }

    /** Packs a classification. */
    public static int pack(RequestKind kind, Cdn cdn) {
        return kind.ordinal() | (cdn == null ? 0 : (cdn.ordinal() + 1) << 4);
    }

    /**
     * The CDN edge location (POP) named by the request headers of a CDN fetch, as up to 8 upper-case
     * ASCII characters packed big-endian into a long (first char in the highest used byte), or 0 if
     * none. Allocation-free, never throws.
     *
     * <p>Sources, by the classification's CDN:
     * <ul>
     *   <li>Cloudflare: the colo suffix of {@code CF-Ray} ({@code 7a1b2c3d4e5f6a7b-FRA}:
     *       {@code FRA});</li>
     *   <li>Fastly: the first (edge) entry of {@code Fastly-FF}, either the {@code !FRA!} field or
     *       the suffix of {@code cache-fra19120-FRA}; else the first entry of {@code X-Served-By};</li>
     *   <li>CloudFront: the airport letters of {@code X-Amz-Cf-Pop} ({@code FRA56-P5}: {@code FRA})
     *       when present; else the edge host of the CloudFront {@code Via} entry, as the first 8 hex
     *       digits of its id ({@code 1.1 a168957bd8c8....cloudfront.net (CloudFront)}:
     *       {@code A168957B}). CloudFront does not send its POP to the origin, so this names an edge
     *       host group (several per POP), not the POP itself; shares per host group are as stable as
     *       shares per POP;</li>
     *   <li>Akamai, Varnish: the host of their {@code Via} entry (an IATA-like {@code FRA} token in
     *       it, else a short code of its first label); 0 for generic hosts such as
     *       {@code akamai.net(ghost)};</li>
     *   <li>others: 0.</li>
     * </ul>
     */
    public static long popCode(int classification, HeaderSource request) {
        if (request == null || kind(classification) != RequestKind.CDN) {
            return 0;
        }
        Cdn cdn = cdn(classification);
        if (cdn == null) {
            return 0;
        }
        switch (cdn) {
            case CLOUDFLARE: {
                CharSequence ray = get(request, "cf-ray");
                return ray == null ? 0 : RecognitionHeaders.letterSuffixAfterDash(ray, 0, Ascii.scanLength(ray));
            }
            case FASTLY: {
                long code = fastlyPop(get(request, "fastly-ff"));
                return code != 0 ? code : fastlyPop(get(request, "x-served-by"));
            }
            case CLOUDFRONT: {
                long code = RecognitionHeaders.leadingLetters(get(request, "x-amz-cf-pop"));
                return code != 0 ? code : viaHostCode(get(request, "via"), Cdn.CLOUDFRONT);
            }
            case AKAMAI:
            case VARNISH:
                return viaHostCode(get(request, "via"), cdn);
            default:
                return 0;
        }
    }

    /** Unpacks a {@link #popCode} into its text. Allocates; call once per new POP. */
    public static String popName(long code) {
        StringBuilder sb = new StringBuilder(8);
        for (int shift = 56; shift >= 0; shift -= 8) {
            int ch = (int) (code >>> shift) & 0xFF;
            if (ch != 0) {
                sb.append((char) ch);
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ internals

    private boolean isSelf(CharSequence path) {
        String prefix = endpointPrefix;
        if (prefix == null || path == null) {
            return false;
        }
        int plen = prefix.length();
        if (path.length() < plen) {
            return false;
        }
        for (int i = 0; i < plen; i++) {
            if (path.charAt(i) != prefix.charAt(i)) {
                return false;
            }
        }
        if (path.length() == plen || prefix.charAt(plen - 1) == '/') {
            return true;
        }
        char next = path.charAt(plen);
        return next == '/' || next == '?' || next == ';';
    }

    /** {@link #agentKind}: a health-check user agent. */
    static final int AGENT_PROBE = 0;
    /** {@link #agentKind}: exactly {@code Amazon CloudFront} (CloudFront without a forwarded viewer agent). */
    static final int AGENT_CLOUDFRONT = 1;
    /** {@link #agentKind}: a {@code Mozilla/} agent (browsers, most crawlers), never an Azure Front Door probe. */
    static final int AGENT_BROWSER = 2;
    /** {@link #agentKind}: anything else, or no user agent. */
    static final int AGENT_OTHER = 3;

    /**
     * What the user agent alone says, in one look at its start: a probe ({@link #isProbeAgent}),
     * CloudFront's own agent, a browser-style {@code Mozilla/} agent, or something else.
     */
    static int agentKind(CharSequence ua) {
        if (ua instanceof String) {
            // the two agents of nearly every CDN fetch, exactly as sent, by String's own intrinsics;
            // the same answers as the general path below, which handles case and white space
            String s = (String) ua;
            if (s.startsWith("Mozilla/5.0 (")) {
                // the form of nearly every browser: the monitor's "(compatible;" needs a c next
                return s.length() <= 13 || (s.charAt(13) | 0x20) != 'c' ? AGENT_BROWSER
                        : isCompatibleMonitor(s, 8, Ascii.scanLength(s)) ? AGENT_PROBE : AGENT_BROWSER;
            }
            if (s.startsWith("Mozilla/")) {
                return isCompatibleMonitor(s, 8, Ascii.scanLength(s)) ? AGENT_PROBE : AGENT_BROWSER;
            }
            if (s.equals("Amazon CloudFront")) {
                return AGENT_CLOUDFRONT;
            }
        }
        int n = Ascii.scanLength(ua);
        int from = 0;
        while (from < n && Ascii.isOws(ua.charAt(from))) {
            from++;
        }
        if (from == n) {
            return AGENT_OTHER;
        }
        char first = Ascii.lower(ua.charAt(from));
        if (first == 'm' && Ascii.regionMatches(ua, from, "mozilla/")) {
            return isCompatibleMonitor(ua, from + 8, n) ? AGENT_PROBE : AGENT_BROWSER;
        }
        if (first == 'a') {
            int to = n;
            while (to > from && Ascii.isOws(ua.charAt(to - 1))) {
                to--;
            }
            if (!Ascii.isCut(ua) && Ascii.equalsIgnoreCase(ua, from, to, "amazon cloudfront")) {
                return AGENT_CLOUDFRONT; // not a probe agent: no probe prefix, no HAProxy in it
            }
        }
        return isProbeAgent(ua, from, n, first) ? AGENT_PROBE : AGENT_OTHER;
    }

    /**
     * Azure Front Door's health probe: {@code X-FD-HealthProbe: 1}. Front Door's probes send their
     * own agent, not a browser's, so this is looked up only for a request without a user agent or
     * with one that is neither {@code Mozilla/...} nor CloudFront's (one lookup fewer for almost
     * every CDN fetch).
     */
    private static boolean isFrontDoorProbe(HeaderSource h) {
        return Ascii.trimmedEqualsIgnoreCase(get(h, "x-fd-healthprobe"), "1");
    }

    /**
     * Probe user agents: a prefix dispatched on the first letter, or HAProxy / Cloudflare's monitor
     * anywhere. A {@code Mozilla/} agent (every browser, so most requests) is not searched: it is a
     * probe only in the form Cloudflare's monitor sends, {@code Mozilla/5.0 (compatible;
     * Cloudflare-Traffic-Manager/1.0; ...)}, which is tested where it stands; a browser agent that
     * merely mentions HAProxy further on is not a health check.
     */
    static boolean isProbeAgent(CharSequence ua) {
        return agentKind(ua) == AGENT_PROBE;
    }

    /** {@link #isProbeAgent} of a non-{@code Mozilla/} agent starting (after OWS) at {@code from} with {@code first}. */
    private static boolean isProbeAgent(CharSequence ua, int from, int n, char first) {
        switch (first) {
            case 'e':
                if (Ascii.regionMatches(ua, from, "elb-healthchecker/") || Ascii.regionMatches(ua, from, "envoy/hc")) {
                    return true;
                }
                break;
            case 'k':
                if (Ascii.regionMatches(ua, from, "kube-probe/")) {
                    return true;
                }
                break;
            case 'g':
                if (Ascii.regionMatches(ua, from, "googlehc/")) {
                    return true;
                }
                break;
            case 'a':
                if (Ascii.regionMatches(ua, from, "amazon-route53-health-check-service")
                        || Ascii.regionMatches(ua, from, "azure traffic manager endpoint monitor")) {
                    return true;
                }
                break;
            case 'c':
                if (Ascii.regionMatches(ua, from, "consul health check")) {
                    return true;
                }
                break;
            case 'l':
                if (Ascii.regionMatches(ua, from, "load balancer agent")) {
                    return true;
                }
                break;
            default:
                break;
        }
        // One pass for the two substrings, reading every other character: an occurrence starting at
        // s covers s and s + 1, one of which is read, so the character read is the needle's first
        // letter (the occurrence starts there) or its second (it starts one before). c | 0x20 equals
        // a lower-case letter only for that letter in either case, so the tests are exact.
        for (int i = from + 1; i < n; i += 2) {
            int c = ua.charAt(i) | 0x20;
            if (c == 'h' || c == 'a') {
                if (Ascii.regionMatches(ua, c == 'h' ? i : i - 1, "haproxy")) {
                    return true;
                }
            } else if (c == 'c' || c == 'l') {
                if (Ascii.regionMatches(ua, c == 'c' ? i : i - 1, "cloudflare-traffic-manager")) {
                    return true;
                }
            }
        }
        // a start at n - 1 whose second character is past the scanned prefix
        int last = n - 1;
        return last >= from && ((last - from) & 1) == 0
                && (Ascii.regionMatches(ua, last, "haproxy") || Ascii.regionMatches(ua, last, "cloudflare-traffic-manager"));
    }

    /**
     * Whether {@code ua[from, n)}, the rest of a {@code Mozilla/} agent, is
     * {@code <version> (compatible; Cloudflare-Traffic-Manager...}: reads at most the version (up to
     * 16 characters) and the two literals.
     */
    private static boolean isCompatibleMonitor(CharSequence ua, int from, int n) {
        int i = from;
        int limit = Math.min(n, from + 16);
        while (i < limit && ua.charAt(i) != '(') {
            i++;
        }
        if (i >= limit || !Ascii.regionMatches(ua, i + 1, "compatible;")) {
            return false;
        }
        i += 12;
        while (i < n && Ascii.isOws(ua.charAt(i))) {
            i++;
        }
        return Ascii.regionMatches(ua, i, "cloudflare-traffic-manager");
    }

    private boolean matches(int i, HeaderSource h, CharSequence clientAddress) {
        switch (ruleKind[i]) {
            case HEADER_PRESENT:
                return get(h, ruleHeader[i]) != null;
            case HEADER_CONTAINS:
                return Ascii.containsIgnoreCase(get(h, ruleHeader[i]), ruleNeedle[i]);
            case SHARED_SECRET:
                return constantTimeEquals(get(h, ruleHeader[i]), ruleNeedle[i]);
            default:
                return ruleRange[i].contains(clientAddress);
        }
    }

    /** Exact comparison whose time depends only on the secret's length, not on where it differs. */
    private static boolean constantTimeEquals(CharSequence value, String secret) {
        if (value == null || value.length() != secret.length()) {
            return false;
        }
        int diff = 0;
        for (int i = 0; i < secret.length(); i++) {
            diff |= value.charAt(i) ^ secret.charAt(i);
        }
        return diff == 0;
    }

    /**
     * Built-in recognition; with {@code pop}, also the POP of the CDN found, from the header values
     * already read (the same sources, in the same order, as {@link #popCode}).
     *
     * <p>Lookup order (each lookup scans the host's header map, so the common fetch is decided in
     * as few as possible): CloudFront's own agent decides at once; then {@code CDN-Loop}, whose last
     * known id names the nearest CDN that adds it (Cloudflare, Fastly, Akamai and others append
     * their id, RFC 8586), so only {@code X-Amz-Cf-Id} still has to be ruled out (CloudFront never
     * adds {@code CDN-Loop}, and is the CDN commonly chained behind another); without a known
     * {@code CDN-Loop} id, the documented priority order, cheapest evidence first.
     */
    private static long builtIn(HeaderSource h, boolean cloudFrontAgent, boolean pop) {
        if (cloudFrontAgent) {
            return cdn(Cdn.CLOUDFRONT, pop ? cloudFrontPop(h, null, -1) : 0);
        }
        CharSequence loop = get(h, "cdn-loop");
        int loopMask = 0;
        if (loop != null) {
            int scanned = RecognitionHeaders.cdnLoopScan(loop);
            int nearest = RecognitionHeaders.loopNearest(scanned);
            if (nearest >= 0) {
                if (nearest != Cdn.CLOUDFRONT.ordinal()
                        && RecognitionHeaders.isIdToken(get(h, "x-amz-cf-id"), 16, 128)) {
                    return cdn(Cdn.CLOUDFRONT, pop ? cloudFrontPop(h, null, -1) : 0);
                }
                return byLoop(h, nearest, pop);
            }
            loopMask = RecognitionHeaders.loopMask(scanned); // only unknown ids: OTHER, last in order
        }
        CharSequence via = get(h, "via");
        long viaScanned = via == null ? 0 : RecognitionHeaders.viaScan(via);
        int viaMask = RecognitionHeaders.scannedMask(viaScanned);
        // The last Via entry is the hop nearest the origin: when it is a CDN's, that CDN fetched.
        int nearest = RecognitionHeaders.scannedNearest(viaScanned);
        if (nearest >= 0) {
            if (nearest == CLOUDFRONT_ORDINAL) {
                return cdn(Cdn.CLOUDFRONT, pop ? cloudFrontPop(h, via, viaScanned) : 0);
            }
            if (nearest == AKAMAI_ORDINAL) {
                return cdn(Cdn.AKAMAI, pop ? viaHostCode(via, Cdn.AKAMAI, viaScanned) : 0);
            }
            if (nearest == AZURE_ORDINAL) {
                return CDN_ENCODED[AZURE_ORDINAL];
            }
            if (nearest == GOOGLE_ORDINAL && !Ascii.isBlank(get(h, "x-cloud-trace-context"))) {
                return CDN_ENCODED[GOOGLE_ORDINAL];
            } // Google's load balancer without Cloud CDN's trace: the priority order below decides
            if (nearest == VARNISH_ORDINAL) {
                // Fastly runs Varnish and may name its hop so: rule Fastly out first
                CharSequence ff = get(h, "fastly-ff");
                if (!Ascii.isBlank(ff) || (!Ascii.isBlank(get(h, "fastly-client-ip"))
                        && RecognitionHeaders.startsWithDigit(get(h, "x-varnish")))) {
                    return pop ? cdn(Cdn.FASTLY, fastlyPopOf(h, ff)) : CDN_ENCODED[Cdn.FASTLY.ordinal()];
                }
                return cdn(Cdn.VARNISH, pop ? viaHostCode(via, Cdn.VARNISH, viaScanned) : 0);
            }
        }

        // CloudFront: a Via entry (already read) or the request id
        if (has(viaMask, Cdn.CLOUDFRONT) || RecognitionHeaders.isIdToken(get(h, "x-amz-cf-id"), 16, 128)) {
            return cdn(Cdn.CLOUDFRONT, pop ? cloudFrontPop(h, via, viaScanned) : 0);
        }
        // Akamai
        if (has(viaMask, Cdn.AKAMAI) || RecognitionHeaders.isSmallNumber(get(h, "akamai-origin-hop"), 3)) {
            return cdn(Cdn.AKAMAI, pop ? viaHostCode(via, Cdn.AKAMAI, viaScanned) : 0);
        }
        // Fastly
        CharSequence ff = get(h, "fastly-ff");
        CharSequence xVarnish = null;
        boolean fastly = !Ascii.isBlank(ff);
        if (!fastly && !Ascii.isBlank(get(h, "fastly-client-ip"))) {
            xVarnish = get(h, "x-varnish");
            fastly = RecognitionHeaders.startsWithDigit(xVarnish);
        }
        if (fastly) {
            return pop ? cdn(Cdn.FASTLY, fastlyPopOf(h, ff)) : CDN_ENCODED[Cdn.FASTLY.ordinal()];
        }
        // Cloudflare
        CharSequence ray = get(h, "cf-ray");
        if (RecognitionHeaders.isRayId(ray)) {
            return cdn(Cdn.CLOUDFLARE, pop ? RecognitionHeaders.letterSuffixAfterDash(ray, 0, Ascii.scanLength(ray)) : 0);
        }
        // Azure Front Door
        if (has(viaMask, Cdn.AZURE)
                || RecognitionHeaders.isIdToken(get(h, "x-azure-ref"), 16, 256)
                || RecognitionHeaders.isIdToken(get(h, "x-azure-fdid"), 32, 64)) {
            return CDN_ENCODED[Cdn.AZURE.ordinal()];
        }
        // Google Cloud CDN (see class notes: a heuristic)
        if (has(viaMask, Cdn.GOOGLE) && nearest != GOOGLE_ORDINAL // else the trace was found blank above
                && !Ascii.isBlank(get(h, "x-cloud-trace-context"))) {
            return CDN_ENCODED[Cdn.GOOGLE.ordinal()];
        }
        // Varnish and other caches announcing themselves
        if (has(viaMask, Cdn.VARNISH)
                || RecognitionHeaders.startsWithDigit(xVarnish != null ? xVarnish : get(h, "x-varnish"))) {
            return cdn(Cdn.VARNISH, pop ? viaHostCode(via, Cdn.VARNISH, viaScanned) : 0);
        }
        if (has(loopMask, Cdn.OTHER)) {
            return CDN_ENCODED[Cdn.OTHER.ordinal()];
        }
        return DIRECT_ENCODED;
    }

    /** The CDN named nearest by {@code CDN-Loop}, with its POP read as {@link #popCode} reads it. */
    private static long byLoop(HeaderSource h, int cdnOrdinal, boolean pop) {
        Cdn cdn = CDNS[cdnOrdinal];
        if (!pop) {
            return CDN_ENCODED[cdnOrdinal];
        }
        switch (cdn) {
            case CLOUDFLARE: {
                CharSequence ray = get(h, "cf-ray");
                return cdn(cdn, ray == null ? 0 : RecognitionHeaders.letterSuffixAfterDash(ray, 0, Ascii.scanLength(ray)));
            }
            case FASTLY:
                return cdn(cdn, fastlyPopOf(h, get(h, "fastly-ff")));
            case CLOUDFRONT:
                return cdn(cdn, cloudFrontPop(h, null, -1));
            case AKAMAI:
            case VARNISH:
                return cdn(cdn, viaHostCode(get(h, "via"), cdn));
            default:
                return CDN_ENCODED[cdnOrdinal];
        }
    }

    /** Fastly's POP from {@code Fastly-FF} (already read), else from {@code X-Served-By}. */
    private static long fastlyPopOf(HeaderSource h, CharSequence ff) {
        long code = fastlyPop(ff);
        return code != 0 ? code : fastlyPop(get(h, "x-served-by"));
    }

    private static final int CLOUDFRONT_ORDINAL = Cdn.CLOUDFRONT.ordinal();
    private static final int AKAMAI_ORDINAL = Cdn.AKAMAI.ordinal();
    private static final int GOOGLE_ORDINAL = Cdn.GOOGLE.ordinal();
    private static final int AZURE_ORDINAL = Cdn.AZURE.ordinal();
    private static final int VARNISH_ORDINAL = Cdn.VARNISH.ordinal();

    private static long cdn(Cdn cdn, long popCode) {
        return CDN_ENCODED[cdn.ordinal()] | popCode;
    }

    /**
     * CloudFront's POP as {@link #popCode} reads it; {@code via} and its {@link RecognitionHeaders#viaScan}
     * are used when {@code viaScanned >= 0}, else {@code Via} is looked up.
     */
    private static long cloudFrontPop(HeaderSource h, CharSequence via, long viaScanned) {
        long code = RecognitionHeaders.leadingLetters(get(h, "x-amz-cf-pop"));
        if (code != 0) {
            return code;
        }
        if (viaScanned >= 0) {
            return viaHostCode(via, Cdn.CLOUDFRONT, viaScanned);
        }
        CharSequence v = get(h, "via");
        if (v instanceof String && RecognitionHeaders.cloudFrontViaIdEnd((String) v) >= 0) {
            // CloudFront's own single-entry shape (nearly every CloudFront fetch): the id's first 8
            // hex digits, as hostCodeOf reads them, without scanning the entries first
            return RecognitionHeaders.code(v, 4, 12);
        }
        return viaHostCode(v, Cdn.CLOUDFRONT);
    }

    /** {@link #viaHostCode(CharSequence, Cdn)} from a {@link RecognitionHeaders#viaScan} of {@code via}, without rescanning. */
    private static long viaHostCode(CharSequence via, Cdn cdn, long viaScanned) {
        if (via == null || (RecognitionHeaders.scannedMask(viaScanned) & RecognitionHeaders.bit(cdn)) == 0) {
            return 0; // no entry of that CDN: a rescan would find no span either
        }
        if (RecognitionHeaders.scannedSpanCdn(viaScanned) != cdn.ordinal()) {
            return viaHostCode(via, cdn); // not the span kept (cannot happen in recognition order)
        }
        if ((viaScanned & RecognitionHeaders.SPAN_NO_POP) != 0) {
            return 0; // a known value whose host names no POP (akamai.net(ghost))
        }
        long span = RecognitionHeaders.scannedSpan(viaScanned);
        if ((viaScanned & RecognitionHeaders.SPAN_HEX_ID) != 0) {
            int from = (int) (span >>> 32);
            return RecognitionHeaders.code(via, from, from + 8); // hostCodeOf's CloudFront id, already checked
        }
        return hostCodeOf(via, cdn, span);
    }

    private static boolean has(int mask, Cdn cdn) {
        return (mask & RecognitionHeaders.bit(cdn)) != 0;
    }

    private static long fastlyPop(CharSequence ff) {
        if (ff == null) {
            return 0;
        }
        int end = RecognitionHeaders.firstEntryEnd(ff);
        int bang = -1;
        if (ff instanceof String) {
            int b = ((String) ff).indexOf('!'); // vectorised
            bang = b < end ? b : -1;
        } else {
            for (int i = 0; i < end; i++) {
                if (ff.charAt(i) == '!') {
                    bang = i;
                    break;
                }
            }
        }
        if (bang >= 0) {
            int close = bang + 1;
            while (close < end && ff.charAt(close) != '!') {
                close++;
            }
            if (close < end) {
                int len = close - bang - 1;
                if (len >= 2 && len <= 8) {
                    long code = RecognitionHeaders.code(ff, bang + 1, close);
                    if (code != 0) {
                        return code;
                    }
                }
            }
        }
        return RecognitionHeaders.letterSuffixAfterDash(ff, 0, end);
    }

    private static long viaHostCode(CharSequence via, Cdn cdn) {
        if (via == null) {
            return 0;
        }
        long span = RecognitionHeaders.viaReceivedBy(via, cdn);
        if (span == RecognitionHeaders.NO_SPAN) {
            return 0;
        }
        return hostCodeOf(via, cdn, span);
    }

    private static long hostCodeOf(CharSequence via, Cdn cdn, long span) {
        int from = (int) (span >>> 32);
        int to = (int) span;
        if (cdn == Cdn.CLOUDFRONT) {
            // the usual <32 hex digits>.cloudfront.net: its first 8 digits, without the general search
            int i = from;
            while (i < to && Ascii.isHexFast(via.charAt(i))) {
                i++;
            }
            if (i - from >= 8 && i < to && via.charAt(i) == '.') {
                return RecognitionHeaders.code(via, from, from + 8);
            }
        }
        return RecognitionHeaders.hostCode(via, from, to);
    }

    private static CharSequence get(HeaderSource h, String name) {
        try {
            return h.get(name);
        } catch (RuntimeException e) {
            // a broken adapter must not break the host's request: treat as absent
            return null;
        }
    }
}
