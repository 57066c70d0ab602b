package io.cdnguard.internal;

import static io.cdnguard.internal.CdnRecognizerTest.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;
import org.junit.jupiter.api.Test;

class CdnRecognizerPopTest {

    private final CdnRecognizer recognizer = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");

    private String pop(HeaderSource h) {
        int c = recognizer.classify(h, "198.51.100.20", "/static/x.css");
        long code = CdnRecognizer.popCode(c, h);
        return code == 0 ? null : CdnRecognizer.popName(code);
    }

    private static String pop(Cdn cdn, HeaderSource h) {
        long code = CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.CDN, cdn), h);
        return code == 0 ? null : CdnRecognizer.popName(code);
    }

    @Test
    void cloudflare_raySuffix() {
        assertThat(pop(CdnRecognizerTest.CLOUDFLARE_CONDITIONAL)).isEqualTo("CDG");
        assertThat(pop(CdnRecognizerTest.CLOUDFLARE_UNCONDITIONAL)).isEqualTo("MXP");
        assertThat(pop(CdnRecognizerTest.CLOUDFLARE_404)).isEqualTo("ARN");
        assertThat(pop(headers("cf-ray", "7a1b2c3d4e5f6a7b-fra"))).isEqualTo("FRA");
        // no suffix, or a garbage suffix: unknown
        assertThat(pop(headers("cf-ray", "7a1b2c3d4e5f6a7b", "cdn-loop", "cloudflare"))).isNull();
        assertThat(pop(headers("cf-ray", "7a1b2c3d4e5f6a7b-F", "cdn-loop", "cloudflare"))).isNull();
        assertThat(pop(headers("cf-ray", "7a1b2c3d4e5f6a7b-FRA1", "cdn-loop", "cloudflare"))).isNull();
        assertThat(pop(headers("cdn-loop", "cloudflare"))).isNull();
    }

    @Test
    void fastly_edgeEntryOfFastlyFf() {
        assertThat(pop(CdnRecognizerTest.FASTLY_EDGE)).isEqualTo("FJR");
        assertThat(pop(CdnRecognizerTest.FASTLY_CLUSTERED)).isEqualTo("HHN");
        assertThat(pop(CdnRecognizerTest.FASTLY_OLD_FORMAT)).isEqualTo("ATL");
        // shielding: edge POP first, shield last
        assertThat(pop(headers("fastly-ff", "a=!LCY!cache-lcy19240-LCY, b=!IAD!cache-iad2120-IAD"))).isEqualTo("LCY");
        assertThat(pop(Cdn.FASTLY, headers("x-served-by", "cache-fra19120-FRA"))).isEqualTo("FRA");
        assertThat(pop(headers("cdn-loop", "Fastly"))).isNull();
        assertThat(pop(headers("fastly-ff", "1"))).isNull();
    }

    @Test
    void cloudFront_popHeaderOrViaEdgeHost() {
        assertThat(pop(Cdn.CLOUDFRONT, headers("x-amz-cf-pop", "FRA56-P5"))).isEqualTo("FRA");
        assertThat(pop(Cdn.CLOUDFRONT, headers("x-amz-cf-pop", "IAD89-C1", "via", "1.1 abc.cloudfront.net (CloudFront)"))).isEqualTo("IAD");
        // trace format: only the via edge host id
        assertThat(pop(CdnRecognizerTest.CLOUDFRONT_CONDITIONAL)).isEqualTo("A168957B");
        assertThat(pop(CdnRecognizerTest.CLOUDFRONT_UNCONDITIONAL)).isEqualTo("8D7066B9");
        assertThat(pop(CdnRecognizerTest.CLOUDFRONT_GATEWAY_API)).isEqualTo("56ABF747");
        assertThat(pop(headers("via", "1.1 5f3c.cloudfront.net (CloudFront)"))).isEqualTo("5F3C");
        // same host, same code; different hosts, different codes
        HeaderSource a = headers("user-agent", "Amazon CloudFront", "via", "1.1 ac699ee41b1b5e5d290babeb1c619a7a.cloudfront.net (CloudFront)");
        HeaderSource b = headers("user-agent", "Amazon CloudFront", "via", "1.1 0e16d13c790a6438e605c110d8fcc68b.cloudfront.net (CloudFront)");
        assertThat(pop(a)).isEqualTo(pop(a)).isNotEqualTo(pop(b));
        assertThat(pop(headers("user-agent", "Amazon CloudFront"))).isNull();
    }

    @Test
    void akamai_viaHost() {
        assertThat(pop(CdnRecognizerTest.AKAMAI_GHOST)).isNull(); // generic akamai.net(ghost): no POP
        String code = pop(CdnRecognizerTest.AKAMAI_VIA_ONLY);
        assertThat(code).hasSize(8).matches("[A-Z2-7]{8}");
        assertThat(pop(headers("via", "1.1 a23-50-51-53.deploy.akamaitechnologies.com (AkamaiGHost)"))).isNotEqualTo(code);
        assertThat(pop(headers("via", "1.1 cache-FRA-12.edge.akamai.example (AkamaiGHost)"))).isEqualTo("FRA");
        assertThat(pop(headers("akamai-origin-hop", "1"))).isNull();
    }

    @Test
    void otherCdnsAndNonCdn_zero() {
        assertThat(pop(CdnRecognizerTest.AZURE_FRONT_DOOR)).isNull();
        assertThat(pop(CdnRecognizerTest.GOOGLE_CDN)).isNull();
        assertThat(pop(headers("via", "1.1 varnish (Varnish/7.4)", "x-varnish", "1"))).isNull();
        assertThat(pop(headers("via", "1.1 cache-ams2 (Varnish/7.4)"))).matches("[A-Z2-7]{8}");
        assertThat(pop(headers("via", "1.1 edge7 (Varnish/7.4)"))).isEqualTo("EDGE7");
        assertThat(CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.DIRECT, null), CdnRecognizerTest.CLOUDFLARE_404)).isZero();
        assertThat(CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.PROBE, null), CdnRecognizerTest.CLOUDFLARE_404)).isZero();
        assertThat(CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.CDN, Cdn.CLOUDFLARE), null)).isZero();
    }

    @Test
    void popCode_isAtMostEightUpperCaseAsciiChars() {
        HeaderSource h = headers("cf-ray", "7a1b2c3d4e5f6a7b-abcdefgh");
        long code = CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.CDN, Cdn.CLOUDFLARE), h);
        assertThat(CdnRecognizer.popName(code)).isEqualTo("ABCDEFGH");
        assertThat(CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.CDN, Cdn.CLOUDFLARE),
                headers("cf-ray", "7a1b2c3d4e5f6a7b-abcdefghi"))).isZero();
    }

    @Test
    void userRuleCdn_stillGetsPopFromItsHeaders() {
        RecognitionRules rules = RecognitionRules.builder().trustedRange("173.245.48.0/20", Cdn.CLOUDFLARE).requireTrust().build();
        CdnRecognizer r = new CdnRecognizer(rules, "/cdnguard");
        int c = r.classify(CdnRecognizerTest.CLOUDFLARE_404, "173.245.49.1", "/x");
        assertThat(CdnRecognizer.popName(CdnRecognizer.popCode(c, CdnRecognizerTest.CLOUDFLARE_404))).isEqualTo("ARN");
    }
}
