package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Header sets below are copied from the public simulated traces (CloudFront, Cloudflare, probes,
 * browsers, corporate proxies, scanners) or from CDN documentation (Fastly, Akamai, Azure, Google).
 */
class CdnRecognizerTest {

    static HeaderSource headers(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i].toLowerCase(Locale.ROOT), kv[i + 1]);
        }
        return name -> m.get(name.toLowerCase(Locale.ROOT));
    }

    // --- real header sets (public traces) ---------------------------------------------------

    static final HeaderSource CLOUDFRONT_CONDITIONAL = headers(
            "host", "assets.example.com",
            "user-agent", "Amazon CloudFront",
            "via", "1.1 a168957bd8c834cfebf7c74cc56923bd.cloudfront.net (CloudFront)",
            "x-amz-cf-id", "Irnf0pSXU_kD4-jpfSvioAIiJFUCCTTpCba_dKFYFVQXY8cXs0lXfQ==",
            "accept-encoding", "gzip",
            "x-forwarded-for", "34.116.195.138, 2.8.92.132",
            "x-forwarded-proto", "https",
            "x-forwarded-port", "443",
            "x-amzn-trace-id", "Root=1-6248e383-e8c620a47968f492ad927751",
            "if-none-match", "\"6246f8af-4b4a\"",
            "if-modified-since", "Fri, 01 Apr 2022 13:05:51 GMT");

    static final HeaderSource CLOUDFRONT_UNCONDITIONAL = headers(
            "host", "assets.example.com",
            "user-agent", "Amazon CloudFront",
            "via", "1.1 8d7066b9f169ed16bef210ea31cde984.cloudfront.net (CloudFront)",
            "x-amz-cf-id", "vPuNUO8kCJ23eFonCgvAz_Ohyxm3_92MF2w1UN1XUv2k_OrkDQsiQA==",
            "accept-encoding", "gzip",
            "x-forwarded-for", "48.248.23.108, 172.146.92.83",
            "x-forwarded-proto", "https",
            "x-forwarded-port", "443",
            "x-amzn-trace-id", "Root=1-6248e77b-4e5147d0345949719726e128");

    static final HeaderSource CLOUDFRONT_GATEWAY_API = headers(
            "host", "origin.example.net",
            "user-agent", "Amazon CloudFront",
            "via", "1.1 56abf7478e78b75836e8f6223826c9cf.cloudfront.net (CloudFront)",
            "x-amz-cf-id", "ghH0sYhr88w3zllZXr_5PyahGjronPJaCRhJ2gyicquTCMB7MYrC7A==",
            "accept-encoding", "gzip",
            "x-forwarded-for", "79.7.218.76, 104.252.142.205");

    static final HeaderSource CLOUDFLARE_CONDITIONAL = headers(
            "host", "assets.example.com",
            "user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "cf-ray", "516981006fbd5e4d-CDG",
            "cdn-loop", "cloudflare",
            "cf-connecting-ip", "118.75.51.245",
            "cf-ipcountry", "FR",
            "cf-visitor", "{\"scheme\":\"https\"}",
            "accept-encoding", "gzip, br",
            "x-forwarded-for", "118.75.51.245, 143.47.199.42",
            "x-forwarded-proto", "https",
            "x-request-id", "9b0263d6b0a10e46ce57a3f932e2d826",
            "if-none-match", "\"61d1420f-3c1e\"");

    static final HeaderSource CLOUDFLARE_UNCONDITIONAL = headers(
            "host", "assets.example.com",
            "user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "cf-ray", "e6ef2486b72ba5ac-MXP",
            "cdn-loop", "cloudflare",
            "cf-connecting-ip", "168.194.90.34",
            "cf-ipcountry", "IT",
            "x-forwarded-for", "168.194.90.34, 143.196.82.168");

    static final HeaderSource CLOUDFLARE_404 = headers(
            "host", "assets.example.com",
            "user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "cf-ray", "e186c39d6aad43fc-ARN",
            "cdn-loop", "cloudflare",
            "cf-connecting-ip", "156.190.226.11");

    // --- documented header sets (other CDNs) ------------------------------------------------

    static final HeaderSource FASTLY_EDGE = headers(
            "host", "a-domain-behind-fastly.com",
            "user-agent", "Mozilla/5.0",
            "fastly-ssl", "1",
            "fastly-client-ip", "203.0.113.9",
            "x-forwarded-server", "cache-fjr7923-FJR",
            "x-varnish", "2313353937",
            "fastly-ff", "PPtav1cHmKdVa+PX0PZLG1dkeRjY/RpDKLvKU7LtCKo=!FJR!cache-fjr7923-FJR",
            "cdn-loop", "Fastly");

    static final HeaderSource FASTLY_CLUSTERED = headers(
            "user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36",
            "fastly-client-ip", "213.165.190.50",
            "x-varnish", "2429674486",
            "fastly-ff", "4D8lKmpzU60D/ZSEGjdK5r2C9uuDCPe0KsjM4dmJxjg=!HHN!cache-hhn1543-HHN, "
                    + "4D8lKmpzU60D/ZSEGjdK5r2C9uuDCPe0KsjM4dmJxjg=!HHN!cache-hhn1544-HHN",
            "cdn-loop", "Fastly");

    static final HeaderSource FASTLY_OLD_FORMAT = headers(
            "user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X)",
            "x-varnish", "4100626631, 438482695",
            "fastly-ff", "cache-atl6221-ATL, cache-atl6223-ATL");

    static final HeaderSource AKAMAI_GHOST = headers(
            "user-agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0.0.0 Safari/537.36",
            "akamai-origin-hop", "2",
            "via", "1.1 v1-akamaitech.net(ghost) (AkamaiGHost), 1.1 akamai.net(ghost) (AkamaiGHost)",
            "true-client-ip", "198.51.100.4",
            "x-forwarded-for", "198.51.100.4, 23.50.51.52");

    static final HeaderSource AKAMAI_VIA_ONLY = headers(
            "user-agent", "Mozilla/5.0 (Linux; Android 14; Pixel 7)",
            "via", "1.1 a23-50-51-52.deploy.akamaitechnologies.com (AkamaiGHost)");

    static final HeaderSource AZURE_FRONT_DOOR = headers(
            "user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
            "via", "1.1 Azure",
            "x-azure-clientip", "203.0.113.7",
            "x-azure-socketip", "203.0.113.7",
            "x-azure-ref", "0zxV+XAAAAABKMMOjBv2NT4TY6SQVjC0zV1NURURHRTA2MTkANDM3YzgyY2QtMzYwYS00YTU0LTk0YzMtNWZmNzA3NjQ3Nzgz",
            "x-azure-requestchain", "hops=1",
            "x-azure-fdid", "55ce4ed1-4b06-4bf1-b40e-4638452104da");

    static final HeaderSource GOOGLE_CDN = headers(
            "user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
            "via", "1.1 google",
            "x-cloud-trace-context", "105445aa7843bc8bf206b12000100000/1;o=1",
            "x-forwarded-for", "203.0.113.8, 34.120.1.2");

    static final HeaderSource VARNISH_CACHE = headers(
            "user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
            "x-varnish", "32770",
            "via", "1.1 varnish (Varnish/7.4)");

    private final CdnRecognizer recognizer = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");

    private int classify(HeaderSource h) {
        return recognizer.classify(h, "198.51.100.20", "/static/app.js");
    }

    private void assertCdn(HeaderSource h, Cdn expected) {
        int c = classify(h);
        assertThat(CdnRecognizer.kind(c)).isEqualTo(RequestKind.CDN);
        assertThat(CdnRecognizer.cdn(c)).isEqualTo(expected);
    }

    private void assertKind(HeaderSource h, RequestKind expected) {
        int c = classify(h);
        assertThat(CdnRecognizer.kind(c)).isEqualTo(expected);
        assertThat(CdnRecognizer.cdn(c)).isNull();
    }

    @Test
    void classify_cloudFrontTraceHeaderSets_areCloudFront() {
        assertCdn(CLOUDFRONT_CONDITIONAL, Cdn.CLOUDFRONT);
        assertCdn(CLOUDFRONT_UNCONDITIONAL, Cdn.CLOUDFRONT);
        assertCdn(CLOUDFRONT_GATEWAY_API, Cdn.CLOUDFRONT);
    }

    @Test
    void classify_cloudFrontByEachSignalAlone() {
        assertCdn(headers("x-amz-cf-id", "Irnf0pSXU_kD4-jpfSvioAIiJFUCCTTpCba_dKFYFVQXY8cXs0lXfQ=="), Cdn.CLOUDFRONT);
        assertCdn(headers("user-agent", "Amazon CloudFront"), Cdn.CLOUDFRONT);
        assertCdn(headers("user-agent", "  amazon cloudfront "), Cdn.CLOUDFRONT);
        assertCdn(headers("via", "1.1 5f3c.cloudfront.net (CloudFront)"), Cdn.CLOUDFRONT);
        assertCdn(headers("via", "1.1 proxy.corp.example (squid/4.1), 1.1 abc.cloudfront.net"), Cdn.CLOUDFRONT);
        assertCdn(headers("via", "HTTP/1.1 edge (CloudFront)"), Cdn.CLOUDFRONT);
    }

    @Test
    void classify_cloudflareTraceHeaderSets_areCloudflare() {
        assertCdn(CLOUDFLARE_CONDITIONAL, Cdn.CLOUDFLARE);
        assertCdn(CLOUDFLARE_UNCONDITIONAL, Cdn.CLOUDFLARE);
        assertCdn(CLOUDFLARE_404, Cdn.CLOUDFLARE);
        assertCdn(headers("cf-ray", "7a1b2c3d4e5f6a7b-FRA"), Cdn.CLOUDFLARE);
        assertCdn(headers("cdn-loop", "cloudflare"), Cdn.CLOUDFLARE);
        assertCdn(headers("cdn-loop", "cloudflare; loops=1"), Cdn.CLOUDFLARE);
    }

    @Test
    void classify_fastlyHeaderSets_areFastly() {
        assertCdn(FASTLY_EDGE, Cdn.FASTLY);
        assertCdn(FASTLY_CLUSTERED, Cdn.FASTLY);
        assertCdn(FASTLY_OLD_FORMAT, Cdn.FASTLY);
        assertCdn(headers("cdn-loop", "Fastly"), Cdn.FASTLY);
        assertCdn(headers("fastly-client-ip", "203.0.113.9", "x-varnish", "123"), Cdn.FASTLY);
    }

    @Test
    void classify_akamaiHeaderSets_areAkamai() {
        assertCdn(AKAMAI_GHOST, Cdn.AKAMAI);
        assertCdn(AKAMAI_VIA_ONLY, Cdn.AKAMAI);
        assertCdn(headers("akamai-origin-hop", "1"), Cdn.AKAMAI);
        assertCdn(headers("via", "1.1 akamai.net(ghost) (AkamaiGHost)"), Cdn.AKAMAI);
    }

    @Test
    void classify_otherCdns() {
        assertCdn(AZURE_FRONT_DOOR, Cdn.AZURE);
        assertCdn(headers("x-azure-ref", "20230310T162512Z-r1ab2cd3ef4gh5ijklmn6op7qr00000000t0000000000abc"), Cdn.AZURE);
        assertCdn(headers("via", "1.1 Azure"), Cdn.AZURE);
        assertCdn(GOOGLE_CDN, Cdn.GOOGLE);
        assertCdn(VARNISH_CACHE, Cdn.VARNISH);
        assertCdn(headers("via", "1.1 varnish"), Cdn.VARNISH);
        assertCdn(headers("cdn-loop", "mycdn.example.net:443; v=1"), Cdn.OTHER);
        assertCdn(headers("cdn-loop", "FooCDN"), Cdn.OTHER);
    }

    @Test
    void classify_multiCdnChain_cdnConnectingToOriginWins() {
        // Cloudflare in front of CloudFront: the origin is fetched by CloudFront
        assertCdn(headers("user-agent", "Amazon CloudFront", "cdn-loop", "cloudflare",
                "cf-ray", "516981006fbd5e4d-CDG", "x-amz-cf-id", "vPuNUO8kCJ23eFonCgvAz_Ohyxm3_92MF2w1UN1XUv2k_OrkDQsiQA=="), Cdn.CLOUDFRONT);
        // Fastly also sends X-Varnish: still Fastly, not generic Varnish
        assertCdn(FASTLY_EDGE, Cdn.FASTLY);
    }

    @Test
    void classify_nearMisses_areDirect() {
        assertKind(headers("user-agent", "Mozilla/5.0 (Linux; Android 14; Pixel 7)",
                "via", "1.1 proxy3.corp.example.net (squid/5.7)"), RequestKind.DIRECT);
        assertKind(headers("via", "1.1 proxy.corp.example (squid/4.1)"), RequestKind.DIRECT);
        assertKind(headers("via", "1.1 fw-proxy (squid/4.13)"), RequestKind.DIRECT);
        assertKind(headers("via", "1.1 bluecoat-sg01"), RequestKind.DIRECT);
        // a browser UA mentioning CloudFront is not CloudFront
        assertKind(headers("user-agent", "Mozilla/5.0 (compatible; Amazon CloudFront tester)"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Amazon CloudFrontX"), RequestKind.DIRECT);
        // a host that merely contains cloudfront.net
        assertKind(headers("via", "1.1 cloudfront.net.evil.example (squid)"), RequestKind.DIRECT);
        assertKind(headers("via", "1.1 cloudfront.net"), RequestKind.DIRECT);
        // blank or malformed CDN headers (scanner spoofing probes)
        assertKind(headers("cf-ray", ""), RequestKind.DIRECT);
        assertKind(headers("cf-ray", "test"), RequestKind.DIRECT);
        assertKind(headers("cf-ray", "cf-ray"), RequestKind.DIRECT);
        assertKind(headers("x-amz-cf-id", "x-amz-cf-id"), RequestKind.DIRECT);
        assertKind(headers("x-amz-cf-id", "  "), RequestKind.DIRECT);
        assertKind(headers("akamai-origin-hop", "127.0.0.1"), RequestKind.DIRECT);
        assertKind(headers("akamai-origin-hop", "akamai-origin-hop"), RequestKind.DIRECT);
        assertKind(headers("fastly-client-ip", "127.0.0.1"), RequestKind.DIRECT);
        assertKind(headers("fastly-ff", "   "), RequestKind.DIRECT);
        assertKind(headers("cdn-loop", ""), RequestKind.DIRECT);
        assertKind(headers("cdn-loop", " , ;x=1"), RequestKind.DIRECT);
        assertKind(headers("x-varnish", "varnish"), RequestKind.DIRECT);
        // Google LB without the trace context, or "google" inside a proxy name
        assertKind(headers("via", "1.1 google"), RequestKind.DIRECT);
        assertKind(headers("via", "1.1 googleproxy.corp", "x-cloud-trace-context", "abc/1"), RequestKind.DIRECT);
        // header names as values, CDN names in unrelated headers
        assertKind(headers("referer", "https://d111111abcdef8.cloudfront.net/x", "x-note", "cf-ray"), RequestKind.DIRECT);
    }

    @Test
    void classify_crawlersScannersAndBrowsers_areDirect() {
        assertKind(headers("host", "assets.example.com", "user-agent", "curl/8.4.0", "accept", "*/*",
                "x-forwarded-for", "51.212.247.221", "x-amzn-trace-id", "Root=1-6248e3b5-3b9ec9e57163b97378a13596"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Mozilla/5.0 zgrab/0.x", "accept", "*/*"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Googlebot-Image/1.0"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15",
                "accept-language", "en-US,en;q=0.9", "via", "1.1 bluecoat-sg01"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)"), RequestKind.DIRECT);
        assertKind(HeaderSource.EMPTY, RequestKind.DIRECT);
        assertThat(CdnRecognizer.kind(recognizer.classify(null, null, null))).isEqualTo(RequestKind.DIRECT);
    }

    @Test
    void classify_healthProbes_areProbe() {
        assertKind(headers("host", "10.0.3.138:8080", "user-agent", "ELB-HealthChecker/2.0", "connection", "close"), RequestKind.PROBE);
        assertKind(headers("host", "10.0.1.239:8080", "user-agent", "kube-probe/1.26", "connection", "close"), RequestKind.PROBE);
        assertKind(headers("user-agent", "GoogleHC/1.0"), RequestKind.PROBE);
        assertKind(headers("user-agent", "Amazon-Route53-Health-Check-Service (ref 0e4a8f36-1234; report http://amzn.to/1vsZADi)"), RequestKind.PROBE);
        assertKind(headers("user-agent", "Consul Health Check"), RequestKind.PROBE);
        assertKind(headers("user-agent", "Envoy/HC"), RequestKind.PROBE);
        assertKind(headers("user-agent", "HAProxy health check"), RequestKind.PROBE);
        assertKind(headers("user-agent", "Mozilla/5.0 (compatible; Cloudflare-Traffic-Manager/1.0; +https://www.cloudflare.com/traffic-manager/; pool-id: 1)"), RequestKind.PROBE);
        assertKind(headers("x-fd-healthprobe", "1", "via", "1.1 Azure"), RequestKind.PROBE);
        assertKind(headers("x-fd-healthprobe", "0", "user-agent", "Mozilla/5.0"), RequestKind.DIRECT);
        assertKind(headers("user-agent", "Mozilla/5.0 kube-probe/1.26"), RequestKind.DIRECT);
    }

    @Test
    void classify_ownEndpoints_areSelfEvenWithCdnHeaders() {
        assertThat(CdnRecognizer.kind(recognizer.classify(CLOUDFRONT_CONDITIONAL, "1.2.3.4", "/cdnguard/health"))).isEqualTo(RequestKind.SELF);
        assertThat(CdnRecognizer.kind(recognizer.classify(HeaderSource.EMPTY, null, "/cdnguard"))).isEqualTo(RequestKind.SELF);
        assertThat(CdnRecognizer.kind(recognizer.classify(headers("user-agent", "ELB-HealthChecker/2.0"), null, "/cdnguard/lb"))).isEqualTo(RequestKind.SELF);
        assertThat(CdnRecognizer.kind(recognizer.classify(CLOUDFRONT_CONDITIONAL, null, "/cdnguardx"))).isEqualTo(RequestKind.CDN);
        assertThat(CdnRecognizer.kind(recognizer.classify(CLOUDFRONT_CONDITIONAL, null, "/static/cdnguard"))).isEqualTo(RequestKind.CDN);
        assertThat(CdnRecognizer.kind(recognizer.classify(HeaderSource.EMPTY, null, "/cdn"))).isEqualTo(RequestKind.DIRECT);
    }

    @Test
    void userRules_firstMatchDecides_beforeBuiltIn() {
        RecognitionRules rules = RecognitionRules.builder()
                .headerContains("x-edge", "MyEdge", Cdn.OTHER)
                .headerPresent("x-cdn-secret-present", Cdn.FASTLY)
                .build();
        CdnRecognizer r = new CdnRecognizer(rules, "/cdnguard");
        assertThat(CdnRecognizer.cdn(r.classify(headers("x-edge", "via myedge v2", "user-agent", "Amazon CloudFront"), null, "/"))).isEqualTo(Cdn.OTHER);
        assertThat(CdnRecognizer.cdn(r.classify(headers("x-cdn-secret-present", "", "x-edge", "none"), null, "/"))).isEqualTo(Cdn.FASTLY);
        assertThat(CdnRecognizer.cdn(r.classify(CLOUDFLARE_404, null, "/"))).isEqualTo(Cdn.CLOUDFLARE);
    }

    @Test
    void userRules_withoutBuiltIn_onlyRulesDecide() {
        CdnRecognizer r = new CdnRecognizer(RecognitionRules.builder().headerPresent("x-my-cdn", Cdn.OTHER).withoutBuiltIn().build(), "/cdnguard");
        assertThat(CdnRecognizer.kind(r.classify(CLOUDFRONT_CONDITIONAL, null, "/"))).isEqualTo(RequestKind.DIRECT);
        assertThat(CdnRecognizer.cdn(r.classify(headers("x-my-cdn", "1"), null, "/"))).isEqualTo(Cdn.OTHER);
        // probes are still probes
        assertThat(CdnRecognizer.kind(r.classify(headers("user-agent", "kube-probe/1.26"), null, "/"))).isEqualTo(RequestKind.PROBE);
    }

    @Test
    void requireTrust_trustedRange_acceptsOnlyAddressesInside() {
        RecognitionRules rules = RecognitionRules.builder()
                .trustedRange("130.176.0.0/16", Cdn.CLOUDFRONT)
                .trustedRange("2600:9000::/28", Cdn.CLOUDFRONT)
                .requireTrust()
                .build();
        CdnRecognizer r = new CdnRecognizer(rules, "/cdnguard");
        assertThat(CdnRecognizer.cdn(r.classify(CLOUDFRONT_CONDITIONAL, "130.176.12.34", "/a"))).isEqualTo(Cdn.CLOUDFRONT);
        assertThat(CdnRecognizer.cdn(r.classify(CLOUDFRONT_CONDITIONAL, "2600:9001:1::7", "/a"))).isEqualTo(Cdn.CLOUDFRONT);
        // spoofed CloudFront headers from outside the ranges
        assertThat(CdnRecognizer.kind(r.classify(CLOUDFRONT_CONDITIONAL, "198.51.100.7", "/a"))).isEqualTo(RequestKind.DIRECT);
        assertThat(CdnRecognizer.kind(r.classify(CLOUDFRONT_CONDITIONAL, "2600:9010::1", "/a"))).isEqualTo(RequestKind.DIRECT);
        assertThat(CdnRecognizer.kind(r.classify(CLOUDFRONT_CONDITIONAL, null, "/a"))).isEqualTo(RequestKind.DIRECT);
        assertThat(CdnRecognizer.kind(r.classify(CLOUDFRONT_CONDITIONAL, "not an address", "/a"))).isEqualTo(RequestKind.DIRECT);
    }

    @Test
    void requireTrust_sharedSecret_exactMatchOnly() {
        RecognitionRules rules = RecognitionRules.builder()
                .headerContains("via", "cloudfront", Cdn.CLOUDFRONT)
                .sharedSecret("x-origin-verify", "s3cr3t-Value", Cdn.CLOUDFRONT)
                .requireTrust()
                .build();
        CdnRecognizer r = new CdnRecognizer(rules, "/cdnguard");
        assertThat(CdnRecognizer.cdn(r.classify(headers("x-origin-verify", "s3cr3t-Value"), null, "/"))).isEqualTo(Cdn.CLOUDFRONT);
        assertThat(CdnRecognizer.kind(r.classify(headers("x-origin-verify", "s3cr3t-value"), null, "/"))).isEqualTo(RequestKind.DIRECT);
        assertThat(CdnRecognizer.kind(r.classify(headers("x-origin-verify", "s3cr3t-Value "), null, "/"))).isEqualTo(RequestKind.DIRECT);
        assertThat(CdnRecognizer.kind(r.classify(headers("x-origin-verify", "s3cr3t"), null, "/"))).isEqualTo(RequestKind.DIRECT);
        // looks like CloudFront (matches the first rule) but has no secret
        assertThat(CdnRecognizer.kind(r.classify(CLOUDFRONT_CONDITIONAL, "130.176.1.1", "/"))).isEqualTo(RequestKind.DIRECT);
        // the first matching rule names the CDN once trust is established
        HeaderSource both = headers("via", "1.1 abc.cloudfront.net (CloudFront)", "x-origin-verify", "s3cr3t-Value");
        assertThat(CdnRecognizer.cdn(r.classify(both, null, "/"))).isEqualTo(Cdn.CLOUDFRONT);
    }

    @Test
    void requireTrust_firstRuleNamesCdn_evenIfTrustComesLater() {
        RecognitionRules rules = RecognitionRules.builder()
                .headerPresent("fastly-ff", Cdn.FASTLY)
                .trustedRange("151.101.0.0/16", Cdn.OTHER)
                .requireTrust()
                .build();
        CdnRecognizer r = new CdnRecognizer(rules, "/cdnguard");
        assertThat(CdnRecognizer.cdn(r.classify(FASTLY_EDGE, "151.101.2.3", "/"))).isEqualTo(Cdn.FASTLY);
        assertThat(CdnRecognizer.cdn(r.classify(HeaderSource.EMPTY, "151.101.2.3", "/"))).isEqualTo(Cdn.OTHER);
        assertThat(CdnRecognizer.kind(r.classify(FASTLY_EDGE, "203.0.113.1", "/"))).isEqualTo(RequestKind.DIRECT);
    }

    @Test
    void trustedRange_invalidCidr_rejectedByBuilder() {
        assertThatThrownBy(() -> RecognitionRules.builder().trustedRange("130.176.0.0/33", Cdn.CLOUDFRONT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("130.176.0.0/33");
        assertThatThrownBy(() -> RecognitionRules.builder().trustedRange("300.1.1.1/8", Cdn.CLOUDFRONT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecognitionRules.builder().trustedRange("2600:9000:::/28", Cdn.CLOUDFRONT))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void classify_throwingHeaderSource_isTreatedAsNoHeaders() {
        HeaderSource broken = name -> {
            throw new IllegalStateException("adapter bug");
        };
        assertThat(CdnRecognizer.kind(recognizer.classify(broken, "1.2.3.4", "/x"))).isEqualTo(RequestKind.DIRECT);
        assertThat(CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.CDN, Cdn.CLOUDFLARE), broken)).isZero();
    }

    @Test
    void packing_roundTripsEveryKindAndCdn() {
        for (RequestKind k : RequestKind.values()) {
            assertThat(CdnRecognizer.kind(CdnRecognizer.pack(k, null))).isEqualTo(k);
            assertThat(CdnRecognizer.cdn(CdnRecognizer.pack(k, null))).isNull();
        }
        for (Cdn c : Cdn.values()) {
            int p = CdnRecognizer.pack(RequestKind.CDN, c);
            assertThat(CdnRecognizer.kind(p)).isEqualTo(RequestKind.CDN);
            assertThat(CdnRecognizer.cdn(p)).isEqualTo(c);
        }
    }

    @Test
    void classify_hugeHeaderValues_boundedAndNotMatchedPastScanLimit() {
        String padding = "x".repeat(64 * 1024);
        // the CloudFront entry sits past the first 4 KiB: not looked at
        assertKind(headers("via", "1.1 " + padding + ", 1.1 abc.cloudfront.net (CloudFront)"), RequestKind.DIRECT);
        assertKind(headers("cdn-loop", padding), RequestKind.DIRECT);
        assertKind(headers("cdn-loop", "\"quoted\", (comment)"), RequestKind.DIRECT);
        assertCdn(headers("cdn-loop", padding.substring(0, 100) + ", cloudflare"), Cdn.CLOUDFLARE);
        // a 64 KiB browser user agent is fine
        assertKind(headers("user-agent", padding, "via", padding), RequestKind.DIRECT);
    }
}
