package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The {@link String} fast paths of {@link RecognitionHeaders} (vectorised {@code indexOf}, literal
 * {@code Via} values, the one-pass entry classification) answer exactly as the general
 * character-by-character scans, which a {@link StringBuilder} holding the same text always takes.
 */
class RecognitionHeadersFastPathProperties {

    private static final List<String> FRAGMENTS = List.of("1.1 ", "1.1", "HTTP/1.1 ", "2 ", " ", "  ", "\t", ",", ", ",
            ",,", "(", ")", "((", "))", ".cloudfront.net", "0123456789abcdef0123456789abcdef", "(CloudFront)",
            "(cloudfront)", "akamai", "akamai.net(ghost)", "(AkamaiGHost)", "v1-akamaitech.net(ghost)", "AkamaiGHost",
            "google", "Google", "Azure", "azure", "varnish", "Varnish", "(Varnish/7.4)", "varnish-fra-3", "cache-FRA-12",
            "FRA", "proxy.corp.example", "(squid/4.1)", "a", "v", "t", ".", ":", "!", "-", "\u00e9", "1.1 Azure",
            "1.1 google", "1.1 varnish");

    @Provide
    Arbitrary<String> vias() {
        return Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.of(FRAGMENTS).list().ofMaxSize(10).map(l -> String.join("", l))),
                Tuple.of(2, Arbitraries.strings().withChars(" \t,()abcgklnorstuvwyzAGV.1-").ofMaxLength(40)),
                Tuple.of(1, Arbitraries.strings().ascii().ofMaxLength(60)));
    }

    @Property(tries = 5000)
    void viaScan_stringFastPath_equalsGeneralScan(@ForAll("vias") String via) {
        assertThat(RecognitionHeaders.viaScan(via) & ~RecognitionHeaders.FAST_PATH_FLAGS).as("%s", via)
                .isEqualTo(RecognitionHeaders.viaScan(new StringBuilder(via)));
    }

    @Property(tries = 3000)
    void viaReceivedBy_stringFastPath_equalsGeneralScan(@ForAll("vias") String via) {
        for (Cdn cdn : new Cdn[] {Cdn.CLOUDFRONT, Cdn.AKAMAI, Cdn.VARNISH, Cdn.GOOGLE}) {
            assertThat(RecognitionHeaders.viaReceivedBy(via, cdn)).as("%s %s", cdn, via)
                    .isEqualTo(RecognitionHeaders.viaReceivedBy(new StringBuilder(via), cdn));
        }
    }

    @Property(tries = 2000)
    void firstEntryEnd_stringFastPath_equalsGeneralScan(@ForAll("vias") String value) {
        assertThat(RecognitionHeaders.firstEntryEnd(value)).isEqualTo(RecognitionHeaders.firstEntryEnd(new StringBuilder(value)));
    }

    @Test
    void viaScan_longValues_fastPathAgreesPastTheScanLimit() {
        String entry = "1.1 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront), ";
        String value = entry.repeat(Ascii.MAX_SCAN / entry.length() + 2) + "1.1 google";
        long flags = RecognitionHeaders.FAST_PATH_FLAGS;
        assertThat(RecognitionHeaders.viaScan(value) & ~flags).isEqualTo(RecognitionHeaders.viaScan(new StringBuilder(value)));
        String exact = value.substring(0, Ascii.MAX_SCAN);
        assertThat(RecognitionHeaders.viaScan(exact) & ~flags).isEqualTo(RecognitionHeaders.viaScan(new StringBuilder(exact)));
    }

    @Test
    void viaScan_literalValues_equalGeneralScan() {
        for (String v : new String[] {"1.1 Azure", "1.1 google", "1.1 varnish", "1.1 azure", "1.1 Google"}) {
            assertThat(RecognitionHeaders.viaScan(v) & ~RecognitionHeaders.FAST_PATH_FLAGS).as(v)
                    .isEqualTo(RecognitionHeaders.viaScan(new StringBuilder(v)));
        }
        assertThat(RecognitionHeaders.scannedNearest(RecognitionHeaders.viaScan("1.1 google"))).isEqualTo(Cdn.GOOGLE.ordinal());
        assertThat(RecognitionHeaders.scannedNearest(RecognitionHeaders.viaScan("1.1 Azure"))).isEqualTo(Cdn.AZURE.ordinal());
        assertThat(RecognitionHeaders.scannedNearest(RecognitionHeaders.viaScan("1.1 varnish"))).isEqualTo(Cdn.VARNISH.ordinal());
    }

    @Provide
    Arbitrary<String> agents() {
        return Arbitraries.of("Mozilla/5.0 (", "Mozilla/5.0 ", "Mozilla/", "mozilla/", "(compatible;", "(Compatible; ",
                "compatible;", "Cloudflare-Traffic-Manager/1.0", "Macintosh; ", "c", "C", " ", "\t", ")", "Amazon CloudFront",
                "HAProxy", "x").list().ofMaxSize(5).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void agentKind_stringFastPath_equalsGeneralPath(@ForAll("agents") String ua) {
        assertThat(CdnRecognizer.agentKind(ua)).as(ua).isEqualTo(CdnRecognizer.agentKind(new StringBuilder(ua)));
    }

    @Property(tries = 2000)
    void cdnLoopScan_stringFastPath_equalsGeneralScan(@ForAll("vias") String loop) {
        for (String v : new String[] {loop, "Fastly", "cloudflare", "fastly", "Cloudflare", "Fastly ", loop + "cloudflare"}) {
            assertThat(RecognitionHeaders.cdnLoopScan(v)).as(v).isEqualTo(RecognitionHeaders.cdnLoopScan(new StringBuilder(v)));
        }
    }

    @Property(tries = 2000)
    void isHexFast_equalsIsHex(@ForAll char c) {
        assertThat(Ascii.isHexFast(c)).isEqualTo(Ascii.isHex(c));
    }

    @Test
    void isHexFast_everyChar_equalsIsHex() {
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            assertThat(Ascii.isHexFast((char) c)).as("%d", c).isEqualTo(Ascii.isHex((char) c));
        }
    }

    @Provide
    Arbitrary<String> pops() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("FRA", "fra", "Fra", "FR", "FRAN", "F", "AMS", "JFK", "5", "56", "-", "-P1", "-C2",
                        " ", "\t", "\u00c9", "\u00e9", "Z", "[", "@", "`", "{", "a", "z").list().ofMaxSize(5).map(l -> String.join("", l))),
                Tuple.of(2, Arbitraries.strings().withChars("AZaz09-@[`{ \t").ofMaxLength(12)),
                Tuple.of(1, Arbitraries.strings().ascii().ofMaxLength(12)));
    }

    @Property(tries = 3000)
    void leadingLetters_stringFastPath_equalsGeneralScan(@ForAll("pops") String pop) {
        assertThat(RecognitionHeaders.leadingLetters(pop)).as("%s", pop)
                .isEqualTo(RecognitionHeaders.leadingLetters(new StringBuilder(pop)))
                .isEqualTo(RecognitionHeaders.leadingLettersChars(pop));
    }

    @Test
    void leadingLetters_cloudFrontPops_takeTheFastPathWithTheGeneralAnswer() {
        for (String pop : new String[] {"FRA56-P1", "IAD89-C3", "NRT57-P2", "FRA5", "ABC-", "ABC ", "ABCD1", "AB1", "FRA\u00e9"}) {
            assertThat(RecognitionHeaders.leadingLetters(pop)).as(pop)
                    .isEqualTo(RecognitionHeaders.leadingLettersChars(new StringBuilder(pop)));
        }
        assertThat(RecognitionHeaders.leadingLetters("FRA56-P1")).isEqualTo(RecognitionHeaders.code("FRA", 0, 3));
    }
}
