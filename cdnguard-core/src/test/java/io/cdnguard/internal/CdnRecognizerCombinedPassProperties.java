package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The single-pass recognition used on the recording path agrees exactly with the separate
 * {@link CdnRecognizer#classify} and {@link CdnRecognizer#popCode} it replaces, and the sampled
 * probe-agent search agrees with a plain substring search.
 */
class CdnRecognizerCombinedPassProperties {

    private static final List<String> NAMES = List.of("user-agent", "via", "cdn-loop", "x-amz-cf-id", "x-amz-cf-pop",
            "fastly-ff", "x-served-by", "fastly-client-ip", "x-varnish", "cf-ray", "akamai-origin-hop", "x-azure-ref",
            "x-azure-fdid", "x-cloud-trace-context", "x-edge", "x-origin-verify");

    private static final List<String> FRAGMENTS = List.of("1.1 ", "HTTP/1.1 ", ".cloudfront.net", "(CloudFront)",
            "Amazon CloudFront", "cloudflare", "Fastly", "akamai", "AkamaiGHost", "(AkamaiGHost)", "akamai.net(ghost)",
            "google", "Azure", "varnish", "Varnish", "cache-FRA-12", "-FRA", "!LCY!", "cache-fra19120-FRA",
            "7a1b2c3d4e5f6a7b", "0123456789abcdef0123456789abcdef", "FRA56-P5", "AbCdEfGhIjKlMnOpQrSt==", ",", ", ",
            ";", "(", ")", " ", "\t", "-", "!", "HAProxy", "haproxy", "Cloudflare-Traffic-Manager", "h", "a", "c", "l",
            "x", "2", "12345", "=", ".", ":", "\u00e9", "\u0168", "Mozilla/", "Mozilla/5.0 ", "(compatible; ",
            "(compatible;", "mozilla/5.0 (compatible;\tCloudflare-Traffic-Manager/1.0)");

    private final CdnRecognizer defaults = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");
    private final CdnRecognizer ruled = new CdnRecognizer(RecognitionRules.builder()
            .headerContains("x-edge", "edge", Cdn.OTHER)
            .sharedSecret("x-origin-verify", "secret", Cdn.FASTLY)
            .build(), "/cdnguard");
    private final CdnRecognizer trusted = new CdnRecognizer(RecognitionRules.builder()
            .sharedSecret("x-origin-verify", "secret", Cdn.CLOUDFRONT)
            .requireTrust()
            .build(), "/cdnguard");

    @Provide
    Arbitrary<String> values() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, Arbitraries.of(FRAGMENTS).list().ofMaxSize(12).map(l -> String.join("", l))),
                net.jqwik.api.Tuple.of(2, Arbitraries.strings().ascii().ofMaxLength(60)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("secret")));
    }

    @Provide
    Arbitrary<Map<String, String>> headerMaps() {
        return Arbitraries.maps(Arbitraries.of(NAMES), values()).ofMaxSize(10).map(HashMap::new);
    }

    @Property(tries = 3000)
    void classifyWithPop_equalsClassifyThenPopCode(@ForAll("headerMaps") Map<String, String> map) {
        HeaderSource h = map::get;
        for (CdnRecognizer r : new CdnRecognizer[] {defaults, ruled, trusted}) {
            int c = r.classify(h, "198.51.100.7", "/a.js");
            long both = r.classifyWithPop(h, "198.51.100.7", "/a.js");
            assertThat(CdnRecognizer.classificationOf(both)).as("%s", map).isEqualTo(c);
            assertThat(CdnRecognizer.popOf(both)).as("%s", map).isEqualTo(CdnRecognizer.popCode(c, h));
        }
    }

    @Property(tries = 3000)
    void probeAgent_equalsPlainSubstringSearch(@ForAll("values") String ua) {
        assertThat(CdnRecognizer.isProbeAgent(ua)).as(ua).isEqualTo(reference(ua));
    }

    @Test
    void probeAgent_findsNeedlesAtEveryOffset() {
        for (String needle : List.of("HAProxy", "cloudflare-traffic-manager")) {
            for (int lead = 0; lead < 6; lead++) {
                for (int tail = 0; tail < 3; tail++) {
                    String ua = " ".repeat(lead % 2) + "x".repeat(lead) + needle + "y".repeat(tail);
                    assertThat(CdnRecognizer.isProbeAgent(ua)).as(ua).isTrue();
                    String broken = ua.replace(needle, needle.substring(0, needle.length() - 1) + "_");
                    assertThat(CdnRecognizer.isProbeAgent(broken)).as(broken).isEqualTo(reference(broken));
                }
            }
        }
    }

    @Test
    void classifyWithPop_packsEightCharacterCodes() {
        HeaderSource h = name -> name.equals("via") ? "1.1 a168957bd8c8f0a2e3b4c5d6e7f80912.cloudfront.net (CloudFront)" : null;
        long both = defaults.classifyWithPop(h, null, "/");
        assertThat(CdnRecognizer.popName(CdnRecognizer.popOf(both))).isEqualTo("A168957B");
        assertThat(CdnRecognizer.cdn(CdnRecognizer.classificationOf(both))).isEqualTo(Cdn.CLOUDFRONT);
    }

    /**
     * The documented rule, written plainly: a known prefix after OWS, or HAProxy / Cloudflare's
     * monitor anywhere, except in a {@code Mozilla/} agent, where only Cloudflare's monitor form counts.
     */
    private static boolean reference(String ua) {
        String s = ua.length() > Ascii.MAX_SCAN ? ua.substring(0, Ascii.MAX_SCAN) : ua;
        String trimmed = asciiLower(s).replaceFirst("^[ \\t]+", "");
        for (String p : List.of("elb-healthchecker/", "envoy/hc", "kube-probe/", "googlehc/",
                "amazon-route53-health-check-service", "azure traffic manager endpoint monitor", "consul health check",
                "load balancer agent")) {
            if (trimmed.startsWith(p)) {
                return true;
            }
        }
        if (trimmed.startsWith("mozilla/")) {
            // browser-style agents: only Cloudflare's monitor, in the form it sends
            return trimmed.matches("(?s)mozilla/[^(]{0,15}\\(compatible;[ \t]*cloudflare-traffic-manager.*");
        }
        return asciiLower(s).contains("haproxy") || asciiLower(s).contains("cloudflare-traffic-manager");
    }

    private static String asciiLower(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            b.append(Ascii.lower(s.charAt(i)));
        }
        return b.toString();
    }
}
