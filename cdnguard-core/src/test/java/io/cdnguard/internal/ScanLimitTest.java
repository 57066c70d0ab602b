package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import org.junit.jupiter.api.Test;

/**
 * A token that runs into {@link Ascii#MAX_SCAN} of a longer value must not match as if it ended
 * there (issue #8: freshness read a cut {@code no-cachee} as {@code no-cache}). Each case builds a
 * value whose token ends exactly at the limit: the same value without its tail (exactly
 * {@code MAX_SCAN} long, so wholly seen) matches; with a tail that changes the token it must not.
 */
class ScanLimitTest {

    private static final int N = Ascii.MAX_SCAN;

    /** {@code before + fill... + after + token}, exactly {@link Ascii#MAX_SCAN} long, the token ending at the limit. */
    private static String endingAtLimit(String before, char fill, String after, String token) {
        String s = before + String.valueOf(fill).repeat(N - before.length() - after.length() - token.length()) + after + token;
        assertThat(s).hasSize(N);
        assertThat(s).endsWith(token);
        return s;
    }

    private static boolean has(int mask, Cdn cdn) {
        return (mask & RecognitionHeaders.bit(cdn)) != 0;
    }

    @Test
    void via_receivedByCutAtLimit_namesNoCdn() {
        String whole = endingAtLimit("1.1 ", 'p', ", 1.1 ", "google");
        assertThat(has(RecognitionHeaders.viaMask(whole), Cdn.GOOGLE)).isTrue();
        assertThat(RecognitionHeaders.scannedNearest(RecognitionHeaders.viaScan(whole))).isEqualTo(Cdn.GOOGLE.ordinal());

        String cut = whole + "-evil.example";
        assertThat(has(RecognitionHeaders.viaMask(cut), Cdn.GOOGLE)).isFalse();
        assertThat(RecognitionHeaders.scannedNearest(RecognitionHeaders.viaScan(cut))).isEqualTo(-1);
        assertThat(RecognitionHeaders.viaReceivedBy(cut, Cdn.GOOGLE)).isEqualTo(RecognitionHeaders.NO_SPAN);
    }

    @Test
    void via_cloudFrontSuffixOrCommentCutAtLimit_namesNoCdn() {
        String host = endingAtLimit("1.1 ", 'p', ", 1.1 ", "abc.cloudfront.net");
        assertThat(has(RecognitionHeaders.viaMask(host), Cdn.CLOUDFRONT)).isTrue();
        assertThat(has(RecognitionHeaders.viaMask(host + ".evil.example"), Cdn.CLOUDFRONT)).isFalse();

        String comment = endingAtLimit("1.1 ", 'p', ", 1.1 edge.example ", "(CloudFront)");
        assertThat(has(RecognitionHeaders.viaMask(comment), Cdn.CLOUDFRONT)).isTrue();
        assertThat(has(RecognitionHeaders.viaMask(comment + "-not"), Cdn.CLOUDFRONT)).isFalse();
    }

    @Test
    void via_completeEntriesBeforeTheCut_stillCount() {
        String v = "1.1 google, 1.1 " + "p".repeat(64 * 1024);
        assertThat(has(RecognitionHeaders.viaMask(v), Cdn.GOOGLE)).isTrue();
        // the last entry is not seen whole: nearest hop unknown
        assertThat(RecognitionHeaders.scannedNearest(RecognitionHeaders.viaScan(v))).isEqualTo(-1);
    }

    @Test
    void cdnLoop_idCutAtLimit_isNotTheKnownId() {
        String whole = endingAtLimit("", 'p', ", ", "cloudflare");
        assertThat(has(RecognitionHeaders.cdnLoopMask(whole), Cdn.CLOUDFLARE)).isTrue();
        String cut = whole + "-evil";
        assertThat(has(RecognitionHeaders.cdnLoopMask(cut), Cdn.CLOUDFLARE)).isFalse();
        assertThat(RecognitionHeaders.loopNearest(RecognitionHeaders.cdnLoopScan(cut))).isEqualTo(-1);
        // an id followed by parameters that run past the limit is complete
        String params = "fastly; p=" + "q".repeat(64 * 1024);
        assertThat(has(RecognitionHeaders.cdnLoopMask(params), Cdn.FASTLY)).isTrue();
    }

    @Test
    void wholeValueShapes_cutValue_neverMatch() {
        String ray = endingAtLimit("", ' ', "", "7a1b2c3d4e5f6a7b-FRA");
        assertThat(RecognitionHeaders.isRayId(ray)).isTrue();
        assertThat(RecognitionHeaders.isRayId(ray + "NKFURTXYZ")).isFalse();

        String id = endingAtLimit("", ' ', "", "A".repeat(20));
        assertThat(RecognitionHeaders.isIdToken(id, 16, 128)).isTrue();
        assertThat(RecognitionHeaders.isIdToken(id + " not an id", 16, 128)).isFalse();

        String hop = endingAtLimit("", ' ', "", "12");
        assertThat(RecognitionHeaders.isSmallNumber(hop, 3)).isTrue();
        assertThat(RecognitionHeaders.isSmallNumber(hop + "345", 3)).isFalse();

        String one = endingAtLimit("", ' ', "", "1");
        assertThat(Ascii.trimmedEqualsIgnoreCase(one, "1")).isTrue();
        assertThat(Ascii.trimmedEqualsIgnoreCase(one + "0", "1")).isFalse();
        // trailing text after a long run of OWS is past the limit: not seen, so not equal either
        assertThat(Ascii.trimmedEqualsIgnoreCase("1" + " ".repeat(N) + "0", "1")).isFalse();
    }

    @Test
    void popCodes_letterRunCutAtLimit_giveNoCode() {
        String suffix = endingAtLimit("", 'x', "-", "FRA");
        assertThat(RecognitionHeaders.letterSuffixAfterDash(suffix, 0, Ascii.scanLength(suffix)))
                .isEqualTo(RecognitionHeaders.code("FRA", 0, 3));
        String cutSuffix = suffix + "NKFURTX";
        assertThat(RecognitionHeaders.letterSuffixAfterDash(cutSuffix, 0, Ascii.scanLength(cutSuffix))).isZero();

        String leading = endingAtLimit("", ' ', "", "FR");
        assertThat(RecognitionHeaders.leadingLetters(leading)).isEqualTo(RecognitionHeaders.code("FR", 0, 2));
        assertThat(RecognitionHeaders.leadingLetters(leading + "ANKFURTX")).isZero();
    }

    @Test
    void userAgent_cloudFrontCutAtLimit_isNotCloudFront() {
        String ua = endingAtLimit("", ' ', "", "Amazon CloudFront");
        assertThat(CdnRecognizer.agentKind(ua)).isEqualTo(CdnRecognizer.AGENT_CLOUDFRONT);
        assertThat(CdnRecognizer.agentKind(ua + "-ish")).isNotEqualTo(CdnRecognizer.AGENT_CLOUDFRONT);
    }
}
