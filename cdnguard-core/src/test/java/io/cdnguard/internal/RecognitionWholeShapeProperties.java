package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The whole-value fast paths for {@code Via} (CloudFront's {@code 1.1 <hex>.cloudfront.net
 * (CloudFront)} shape, Varnish's {@code 1.1 <host> (Varnish/<version>)}, the exact values Akamai,
 * Google, Azure and Varnish send) answer exactly as
 * the general scans, which a {@link StringBuilder} holding the same text always takes; values near
 * those shapes (one character off, another case, another protocol, a second entry) are generated
 * on purpose, since they are where a shape test could be too lax.
 */
class RecognitionWholeShapeProperties {

    private static final String[] KNOWN = {
        "1.1 Azure",
        "1.1 google",
        "1.1 varnish",
        "1.1 akamai.net(ghost) (AkamaiGHost)",
        "1.1 v1-akamaitech.net(ghost) (AkamaiGHost)",
        "1.1 v1-akamaitech.net(ghost) (AkamaiGHost), 1.1 akamai.net(ghost) (AkamaiGHost)",
    };

    private final CdnRecognizer recognizer = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");

    @Provide
    Arbitrary<String> nearShapes() {
        Arbitrary<String> prefix = Arbitraries.of("1.1 ", "1.1 ", "1.1 ", "1.0 ", "HTTP/1.1 ", "1.1  ", "", " 1.1 ", "1.1\t",
                "2 ");
        Arbitrary<String> id = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.strings().withChars("0123456789abcdef").ofMinLength(0).ofMaxLength(40)),
                net.jqwik.api.Tuple.of(2, Arbitraries.strings().withChars("0123456789abcdefABCDEF").ofMaxLength(40)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("0123456789abcdefg ,()\t.-:xAZ").ofMaxLength(40)));
        Arbitrary<String> suffix = Arbitraries.of(".cloudfront.net (CloudFront)", ".cloudfront.net (CloudFront)",
                ".cloudfront.net (cloudfront)", ".cloudfront.net  (CloudFront)", ".CLOUDFRONT.NET (CloudFront)",
                ".cloudfront.net", ".cloudfront.net (CloudFront), 1.1 google", "x.cloudfront.net (CloudFront)",
                ".cloudfront.net (CloudFront) ", ".cloudfront.net (CloudFront))", ".cloudfront.net ((CloudFront)",
                ".cloudfront.net,(CloudFront)", ". (CloudFront)", "");
        Arbitrary<String> cloudFront = Combinators.combine(prefix, id, suffix).as((p, i, s) -> p + i + s);
        Arbitrary<String> known = Arbitraries.of(KNOWN);
        Arbitrary<String> knownMutated = Combinators.combine(known, Arbitraries.integers().between(0, 200),
                Arbitraries.of('A', 'a', ' ', ',', '(', ')', '\t', 'X', 'G')).as((k, at, c) -> {
                    int i = at % k.length();
                    return k.substring(0, i) + c + k.substring(i + 1);
                });
        Arbitrary<String> knownPrefixed = Combinators.combine(Arbitraries.of(", ", "1.1 x, ", "1.1 proxy.corp (squid), "),
                known).as((p, k) -> p + k);
        Arbitrary<String> host = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.strings().withChars("abcdefghinrsvw0123456789-.").ofMaxLength(24)),
                net.jqwik.api.Tuple.of(3, Arbitraries.of("varnish", "varnish-fra-3", "cache-01.example.net", "varnish.example",
                        "akamai-edge", "google", "azure", "x.cloudfront.net", "0123456789abcdef.cloudfront.net", "fra-varnish",
                        "vvarnish", "v.varnish", "-", ".", "a.b", "cache-fra", "Varnish", "FRA", "cache-FRA-1")),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("abcvarnishAZ09-. ,()\t:_").ofMaxLength(24)));
        Arbitrary<String> version = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.strings().withChars("0123456789.").ofMaxLength(6)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("0123456789.a ,()AkamaiGHost").ofMaxLength(14)));
        Arbitrary<String> varnish = Combinators.combine(
                Arbitraries.of("1.1 ", "1.1 ", "1.1 ", "1.0 ", "1.1  ", "HTTP/1.1 ", ""), host,
                Arbitraries.of(" (Varnish/", " (Varnish/", " (varnish/", "  (Varnish/", "(Varnish/", " (Varnish"), version,
                Arbitraries.of(")", ")", ")", "", "))", ") ", "), 1.1 google", ")x")).as((p, h, c, v, e) -> p + h + c + v + e);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, varnish),
                net.jqwik.api.Tuple.of(8, cloudFront),
                net.jqwik.api.Tuple.of(2, known),
                net.jqwik.api.Tuple.of(4, knownMutated),
                net.jqwik.api.Tuple.of(2, knownPrefixed),
                net.jqwik.api.Tuple.of(2, known.map(k -> k + ", 1.1 " + "0123456789abcdef".repeat(2) + ".cloudfront.net (CloudFront)")));
    }

    @Property(tries = 4000)
    void viaScan_wholeShapes_equalGeneralScan(@ForAll("nearShapes") String via) {
        long fast = RecognitionHeaders.viaScan(via);
        assertThat(fast & ~RecognitionHeaders.FAST_PATH_FLAGS).as(via)
                .isEqualTo(RecognitionHeaders.viaScan(new StringBuilder(via)));
        assertFlagsTrue(via, fast);
        for (Cdn cdn : new Cdn[] {Cdn.CLOUDFRONT, Cdn.AKAMAI, Cdn.VARNISH}) {
            assertThat(RecognitionHeaders.viaReceivedBy(via, cdn)).as("%s %s", cdn, via)
                    .isEqualTo(RecognitionHeaders.viaReceivedBy(new StringBuilder(via), cdn));
        }
    }

    @Property(tries = 3000)
    void classifyWithPop_wholeShapes_equalGeneralPathAndSeparatePopCode(@ForAll("nearShapes") String via,
            @ForAll("agents") String agent, @ForAll("pops") String pop) {
        Map<String, String> map = new HashMap<>();
        map.put("via", via);
        if (agent != null) {
            map.put("user-agent", agent);
        }
        if (pop != null) {
            map.put("x-amz-cf-pop", pop);
        }
        HeaderSource strings = map::get;
        HeaderSource builders = name -> map.get(name) == null ? null : new StringBuilder(map.get(name));
        long fast = recognizer.classifyWithPop(strings, null, "/a.js");
        assertThat(fast).as("%s", map).isEqualTo(recognizer.classifyWithPop(builders, null, "/a.js"));
        int c = recognizer.classify(strings, null, "/a.js");
        assertThat(CdnRecognizer.classificationOf(fast)).as("%s", map).isEqualTo(c);
        assertThat(CdnRecognizer.popOf(fast)).as("%s", map).isEqualTo(CdnRecognizer.popCode(c, builders));
    }

    @Provide
    Arbitrary<String> agents() {
        return Arbitraries.of("Amazon CloudFront", "Mozilla/5.0 (X11; Linux x86_64)", "curl/8.0").injectNull(0.3);
    }

    @Provide
    Arbitrary<String> pops() {
        return Arbitraries.of("FRA56-P5", "1", "").injectNull(0.7);
    }

    @Test
    void knownValues_takeTheFastPath_andAgree() {
        for (String v : KNOWN) {
            assertThat(RecognitionHeaders.knownVia(v.length())).as(v).isGreaterThanOrEqualTo(0);
            long fast = RecognitionHeaders.viaScan(v);
            assertThat(fast & ~RecognitionHeaders.FAST_PATH_FLAGS).as(v)
                    .isEqualTo(RecognitionHeaders.viaScan(new StringBuilder(v)));
            assertFlagsTrue(v, fast);
        }
        // Akamai's hosts name no POP: precomputed, not rescanned
        for (int k = 3; k < KNOWN.length; k++) {
            assertThat(RecognitionHeaders.viaScan(KNOWN[k]) & RecognitionHeaders.SPAN_NO_POP).as(KNOWN[k]).isNotZero();
        }
    }

    @Test
    void varnishShape_takesTheFastPath_andAgrees() {
        for (String v : new String[] {"1.1 varnish (Varnish/6.0)", "1.1 varnish-fra-3 (Varnish/7.4)",
                "1.1 cache-01.example.net (Varnish/7.4)", "1.1 akamai-x (Varnish/7)", "1.1 google (Varnish/7.4)"}) {
            long fast = RecognitionHeaders.viaScan(v);
            assertThat(fast & ~RecognitionHeaders.FAST_PATH_FLAGS).as(v)
                    .isEqualTo(RecognitionHeaders.viaScan(new StringBuilder(v)));
            assertFlagsTrue(v, fast);
        }
        assertThat(RecognitionHeaders.viaScan("1.1 varnish-fra-3 (Varnish/7.4)") & RecognitionHeaders.SPAN_NO_POP).isNotZero();
        assertThat(RecognitionHeaders.scannedNearest(RecognitionHeaders.viaScan("1.1 cache-01.example.net (Varnish/7.4)")))
                .isEqualTo(Cdn.VARNISH.ordinal());
        // a host that is not generic keeps its POP: no flag, the host code is read
        assertThat(RecognitionHeaders.viaScan("1.1 cache-01.example.net (Varnish/7.4)") & RecognitionHeaders.SPAN_NO_POP).isZero();
    }

    @Test
    void cloudFrontShape_isRecognisedWithItsIdAsPop() {
        String via = "1.1 a168957bd8c8f0a2e3b4c5d6e7f80912.cloudfront.net (CloudFront)";
        assertThat(RecognitionHeaders.cloudFrontViaIdEnd(via)).isEqualTo(via.indexOf('.', 4));
        assertThat(RecognitionHeaders.viaScan(via) & RecognitionHeaders.SPAN_HEX_ID).isNotZero();
        HeaderSource agentOnly = name -> name.equals("via") ? via : name.equals("user-agent") ? "Amazon CloudFront" : null;
        long both = recognizer.classifyWithPop(agentOnly, null, "/");
        assertThat(CdnRecognizer.popName(CdnRecognizer.popOf(both))).isEqualTo("A168957B");
        // seven hex digits are too few for the shape: the general path decides (a hashed host code)
        String shortId = "1.1 a168957.cloudfront.net (CloudFront)";
        assertThat(RecognitionHeaders.cloudFrontViaIdEnd(shortId)).isEqualTo(-1);
        assertThat(RecognitionHeaders.cloudFrontViaIdEnd("1.1 a168957bd8c8f0a2.cloudfront.net (CloudFront), 1.1 x"))
                .isEqualTo(-1);
    }

    /** The flags promise answers the general code would compute: check them against it. */
    private static void assertFlagsTrue(String via, long scanned) {
        long span = RecognitionHeaders.scannedSpan(scanned);
        int from = (int) (span >>> 32);
        int to = (int) span;
        if ((scanned & RecognitionHeaders.SPAN_NO_POP) != 0) {
            assertThat(RecognitionHeaders.scannedSpanCdn(scanned)).as(via).isNotEqualTo(Cdn.CLOUDFRONT.ordinal());
            assertThat(RecognitionHeaders.hostCode(via, from, to)).as(via).isZero();
        }
        if ((scanned & RecognitionHeaders.SPAN_HEX_ID) != 0) {
            assertThat(RecognitionHeaders.scannedSpanCdn(scanned)).as(via).isEqualTo(Cdn.CLOUDFRONT.ordinal());
            int i = from;
            while (i < to && Ascii.isHex(via.charAt(i))) {
                i++;
            }
            assertThat(i - from).as(via).isGreaterThanOrEqualTo(8);
            assertThat(i < to && via.charAt(i) == '.').as(via).isTrue();
        }
    }
}
