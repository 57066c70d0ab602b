package io.cdnguard.internal;

import static io.cdnguard.internal.CdnRecognizerTest.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The nearest-hop decisions (CloudFront's agent, the last {@code CDN-Loop} id, the last {@code Via}
 * entry) and what they cost in header lookups, the recording path's main expense.
 */
class CdnRecognizerLookupOrderTest {

    private final CdnRecognizer recognizer = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");

    /** Records the names looked up. */
    static final class Counting implements HeaderSource {
        private final HeaderSource delegate;
        final List<String> names = new ArrayList<>();

        Counting(HeaderSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public CharSequence get(String lowerCaseName) {
            names.add(lowerCaseName);
            return delegate.get(lowerCaseName);
        }
    }

    private Counting countedRecognition(HeaderSource h, Cdn expected) {
        Counting c = new Counting(h);
        long both = recognizer.classifyWithPop(c, "198.51.100.20", "/static/app.js");
        assertThat(CdnRecognizer.cdn(CdnRecognizer.classificationOf(both))).isEqualTo(expected);
        return c;
    }

    private Cdn cdnOf(HeaderSource h) {
        int c = recognizer.classify(h, "198.51.100.20", "/a.css");
        assertThat(CdnRecognizer.kind(c)).isEqualTo(RequestKind.CDN);
        return CdnRecognizer.cdn(c);
    }

    private RequestKind kindOf(HeaderSource h) {
        return CdnRecognizer.kind(recognizer.classify(h, "198.51.100.20", "/a.css"));
    }

    @Test
    void classifyWithPop_typicalFetches_decidedInFewLookups() {
        assertThat(countedRecognition(CdnRecognizerTest.CLOUDFRONT_CONDITIONAL, Cdn.CLOUDFRONT).names)
                .containsExactly("user-agent", "x-amz-cf-pop", "via");
        assertThat(countedRecognition(CdnRecognizerTest.CLOUDFLARE_CONDITIONAL, Cdn.CLOUDFLARE).names)
                .containsExactly("user-agent", "cdn-loop", "x-amz-cf-id", "cf-ray");
        assertThat(countedRecognition(CdnRecognizerTest.FASTLY_EDGE, Cdn.FASTLY).names)
                .containsExactly("user-agent", "cdn-loop", "x-amz-cf-id", "fastly-ff");
        assertThat(countedRecognition(CdnRecognizerTest.AKAMAI_GHOST, Cdn.AKAMAI).names)
                .containsExactly("user-agent", "cdn-loop", "via");
        assertThat(countedRecognition(CdnRecognizerTest.AZURE_FRONT_DOOR, Cdn.AZURE).names)
                .containsExactly("user-agent", "cdn-loop", "via");
        assertThat(countedRecognition(CdnRecognizerTest.GOOGLE_CDN, Cdn.GOOGLE).names)
                .containsExactly("user-agent", "cdn-loop", "via", "x-cloud-trace-context");
        assertThat(countedRecognition(CdnRecognizerTest.VARNISH_CACHE, Cdn.VARNISH).names)
                .containsExactly("user-agent", "cdn-loop", "via", "fastly-ff", "fastly-client-ip");
    }

    @Test
    void classifyWithPop_eachHeaderLookedUpAtMostOnce_evenForDirectHits() {
        Counting c = new Counting(headers("user-agent", "curl/8.4.0", "fastly-client-ip", "203.0.113.9",
                "x-varnish", "x", "via", "1.1 google"));
        assertThat(CdnRecognizer.kind(CdnRecognizer.classificationOf(recognizer.classifyWithPop(c, null, "/"))))
                .isEqualTo(RequestKind.DIRECT);
        assertThat(c.names).doesNotHaveDuplicates();
    }

    @Test
    void classify_frontDoorProbeHeader_lookedUpOnlyForNonBrowserAgents() {
        Counting browser = new Counting(headers("user-agent", "Mozilla/5.0 (X11; Linux x86_64)", "x-fd-healthprobe", "1"));
        recognizer.classify(browser, null, "/");
        assertThat(browser.names).doesNotContain("x-fd-healthprobe");
        // Front Door's probe: its own agent, or none
        assertThat(kindOf(headers("user-agent", "Edge Health Probe", "x-fd-healthprobe", "1", "via", "1.1 Azure")))
                .isEqualTo(RequestKind.PROBE);
        assertThat(kindOf(headers("x-fd-healthprobe", " 1 ", "via", "1.1 Azure"))).isEqualTo(RequestKind.PROBE);
        assertThat(kindOf(headers("user-agent", "Edge Health Probe", "x-fd-healthprobe", "0", "via", "1.1 Azure")))
                .isEqualTo(RequestKind.CDN);
    }

    @Test
    void classify_mozillaAgents_probeOnlyInCloudflareMonitorForm() {
        assertThat(kindOf(headers("user-agent",
                "Mozilla/5.0 (compatible; Cloudflare-Traffic-Manager/1.0; +https://www.cloudflare.com/traffic-manager/; pool-id: 54a1)")))
                .isEqualTo(RequestKind.PROBE);
        // a browser agent that mentions HAProxy further on is a browser
        assertThat(kindOf(headers("user-agent", "Mozilla/5.0 (Windows NT 10.0) HAProxy-Fan/1.0"))).isEqualTo(RequestKind.DIRECT);
        // non-browser agents are still searched anywhere
        assertThat(kindOf(headers("user-agent", "check by haproxy"))).isEqualTo(RequestKind.PROBE);
        assertThat(kindOf(headers("user-agent", "monitor Cloudflare-Traffic-Manager/1.0"))).isEqualTo(RequestKind.PROBE);
    }

    @Test
    void classify_cdnLoop_lastKnownIdIsTheNearestCdn() {
        // Fastly in front of Cloudflare: Fastly's headers are forwarded, Cloudflare fetched
        assertThat(cdnOf(headers("cdn-loop", "Fastly, cloudflare", "fastly-ff", "cache-fra19120-FRA",
                "cf-ray", "7a1b2c3d4e5f6a7b-FRA"))).isEqualTo(Cdn.CLOUDFLARE);
        // Cloudflare in front of Fastly
        assertThat(cdnOf(headers("cdn-loop", "cloudflare, Fastly", "cf-ray", "7a1b2c3d4e5f6a7b-FRA"))).isEqualTo(Cdn.FASTLY);
        // Cloudflare in front of Akamai, which appends its id with parameters
        assertThat(cdnOf(headers("cdn-loop", "cloudflare, akamai;v=1.0;c=1", "akamai-origin-hop", "1"))).isEqualTo(Cdn.AKAMAI);
        // unknown ids do not hide a known one, and alone they are OTHER
        assertThat(cdnOf(headers("cdn-loop", "cloudflare, mycdn.example.net"))).isEqualTo(Cdn.CLOUDFLARE);
        assertThat(cdnOf(headers("cdn-loop", "mycdn.example.net"))).isEqualTo(Cdn.OTHER);
    }

    @Test
    void classify_cdnLoop_cloudFrontBehindItStillWins() {
        // CloudFront adds no CDN-Loop: with the viewer's agent forwarded, its request id decides
        assertThat(cdnOf(headers("user-agent", "Mozilla/5.0", "cdn-loop", "cloudflare", "cf-ray", "516981006fbd5e4d-CDG",
                "x-amz-cf-id", "vPuNUO8kCJ23eFonCgvAz_Ohyxm3_92MF2w1UN1XUv2k_OrkDQsiQA=="))).isEqualTo(Cdn.CLOUDFRONT);
        // a spoofed, malformed id does not
        assertThat(cdnOf(headers("cdn-loop", "cloudflare", "x-amz-cf-id", "test"))).isEqualTo(Cdn.CLOUDFLARE);
    }

    @Test
    void classify_via_lastCdnEntryIsTheNearestCdn() {
        // an Akamai edge in front of a Varnish tier: Akamai-Origin-Hop is forwarded, Varnish fetched
        assertThat(cdnOf(headers("akamai-origin-hop", "2", "x-varnish", "32770",
                "via", "1.1 akamai.net(ghost) (AkamaiGHost), 1.1 varnish (Varnish/7.4)"))).isEqualTo(Cdn.VARNISH);
        // Akamai in front of Google's load balancer with Cloud CDN
        assertThat(cdnOf(headers("akamai-origin-hop", "1", "x-cloud-trace-context", "105445aa/1;o=1",
                "via", "1.1 akamai.net(ghost) (AkamaiGHost), 1.1 google"))).isEqualTo(Cdn.GOOGLE);
        // Fastly names its hop varnish: its own headers make it Fastly
        assertThat(cdnOf(headers("via", "1.1 varnish", "fastly-ff", "cache-fra19120-FRA"))).isEqualTo(Cdn.FASTLY);
        assertThat(cdnOf(headers("via", "1.1 varnish", "fastly-client-ip", "203.0.113.9", "x-varnish", "123"))).isEqualTo(Cdn.FASTLY);
        // a corporate proxy after the CDN: the priority order decides, as before
        assertThat(cdnOf(headers("via", "1.1 abc.cloudfront.net (CloudFront), 1.1 proxy.corp.example (squid/4.1)",
                "akamai-origin-hop", "1"))).isEqualTo(Cdn.CLOUDFRONT);
        // Google's load balancer without Cloud CDN's trace context: not decided by Via
        assertThat(cdnOf(headers("via", "1.1 google", "cf-ray", "7a1b2c3d4e5f6a7b-FRA"))).isEqualTo(Cdn.CLOUDFLARE);
    }

    @Test
    void classifyWithPop_nearestHopDecisions_keepThePopOfTheDecidingCdn() {
        long both = recognizer.classifyWithPop(headers("cdn-loop", "Fastly, cloudflare",
                "fastly-ff", "cache-lcy19120-LCY", "cf-ray", "7a1b2c3d4e5f6a7b-FRA"), null, "/");
        assertThat(CdnRecognizer.popName(CdnRecognizer.popOf(both))).isEqualTo("FRA");
        both = recognizer.classifyWithPop(headers("via", "1.1 a23-50-51-52.deploy.akamaitechnologies.com (AkamaiGHost), "
                + "1.1 varnish-ams-3 (Varnish/7.4)"), null, "/");
        assertThat(CdnRecognizer.cdn(CdnRecognizer.classificationOf(both))).isEqualTo(Cdn.VARNISH);
        assertThat(CdnRecognizer.popOf(both)).isEqualTo(CdnRecognizer.popCode(CdnRecognizer.classificationOf(both),
                headers("via", "1.1 a23-50-51-52.deploy.akamaitechnologies.com (AkamaiGHost), 1.1 varnish-ams-3 (Varnish/7.4)")));
    }
}
