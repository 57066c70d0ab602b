package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Random and adversarial request headers and addresses: recognition is total and well-formed. */
class CdnRecognizerProperties {

    private static final List<String> NAMES = List.of("user-agent", "via", "cdn-loop", "x-amz-cf-id", "x-amz-cf-pop",
            "fastly-ff", "x-served-by", "fastly-client-ip", "x-varnish", "cf-ray", "akamai-origin-hop", "x-azure-ref",
            "x-azure-fdid", "x-fd-healthprobe", "x-cloud-trace-context", "x-origin-verify", "x-edge");

    private static final List<String> FRAGMENTS = List.of("1.1 ", "HTTP/1.1 ", ".cloudfront.net", "(CloudFront)",
            "Amazon CloudFront", "cloudflare", "Fastly", "akamai", "(AkamaiGHost)", "google", "Azure", "varnish", "-FRA",
            "!LCY!", "cache-fra19120-FRA", "7a1b2c3d4e5f6a7b", ",", ", ", ";", "(", ")", "((", "\"", " ", "\t", "-", "!",
            "ELB-HealthChecker/2.0", "kube-probe/", "HAProxy", "\u0000", "\uD800", "\uDFFF", "\u00e9", "=", "1", "0",
            "::", ":", ".", "[", "]");

    private final CdnRecognizer defaults = new CdnRecognizer(RecognitionRules.defaults(), "/cdnguard");
    private final CdnRecognizer ruled = new CdnRecognizer(RecognitionRules.builder()
            .headerContains("x-edge", "edge", Cdn.OTHER)
            .sharedSecret("x-origin-verify", "secret", Cdn.CLOUDFRONT)
            .trustedRange("130.176.0.0/16", Cdn.CLOUDFRONT)
            .trustedRange("2600:9000::/28", Cdn.CLOUDFRONT)
            .requireTrust()
            .build(), "/cdnguard");

    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> random = Arbitraries.strings().all().ofMaxLength(200);
        Arbitrary<String> nearValid = Arbitraries.of(FRAGMENTS).list().ofMaxSize(30).map(l -> String.join("", l));
        Arbitrary<String> huge = Arbitraries.of(FRAGMENTS).list().ofMinSize(1).ofMaxSize(3)
                .map(l -> String.join("", l).repeat(65_536 / Math.max(1, String.join("", l).length())));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, random), net.jqwik.api.Tuple.of(10, nearValid), net.jqwik.api.Tuple.of(1, huge),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("")));
    }

    @Provide
    Arbitrary<Map<String, String>> headerMaps() {
        return Arbitraries.maps(Arbitraries.of(NAMES), values()).ofMaxSize(8).map(HashMap::new);
    }

    @Provide
    Arbitrary<String> addresses() {
        Arbitrary<String> v4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3));
        Arbitrary<String> garbage = Arbitraries.of(FRAGMENTS).list().ofMaxSize(12).map(l -> String.join("", l));
        return Arbitraries.oneOf(v4, garbage, Arbitraries.strings().all().ofMaxLength(80), Arbitraries.just("130.176.9.9"));
    }

    @Property(tries = 1000)
    void classify_isTotal_andDecodesToAValidKind(@ForAll("headerMaps") Map<String, String> map,
                                                 @ForAll("addresses") String address,
                                                 @ForAll("values") String path) {
        HeaderSource h = map::get;
        for (CdnRecognizer r : new CdnRecognizer[] {defaults, ruled}) {
            int c = r.classify(h, address, path);
            RequestKind kind = CdnRecognizer.kind(c);
            assertThat(kind).isNotNull();
            Cdn cdn = CdnRecognizer.cdn(c);
            assertThat(cdn != null).isEqualTo(kind == RequestKind.CDN);
            assertThat(c).isEqualTo(CdnRecognizer.pack(kind, cdn));
            long pop = CdnRecognizer.popCode(c, h);
            if (pop != 0) {
                assertThat(kind).isEqualTo(RequestKind.CDN);
                assertThat(CdnRecognizer.popName(pop)).matches("[A-Z0-9]{1,8}");
            }
        }
    }

    @Property(tries = 1000)
    void popCode_isTotalForEveryCdn(@ForAll("headerMaps") Map<String, String> map) {
        HeaderSource h = map::get;
        for (Cdn cdn : Cdn.values()) {
            long pop = CdnRecognizer.popCode(CdnRecognizer.pack(RequestKind.CDN, cdn), h);
            assertThat(pop).isNotNegative();
            if (pop != 0) {
                assertThat(CdnRecognizer.popName(pop)).matches("[A-Z0-9]{1,8}");
            }
        }
    }

    @Property(tries = 1000)
    void cidr_parseAndContains_areTotal(@ForAll("addresses") String a, @ForAll("addresses") String b,
                                        @ForAll @IntRange(min = -1, max = 130) int prefix) {
        String range = prefix < 0 ? a : a + "/" + prefix;
        Cidr c = Cidr.parse(range);
        assertThat(Cidr.isValid(range)).isEqualTo(c != null);
        if (c != null) {
            c.contains(b);
            c.contains(a);
        }
    }

    @Property(tries = 1000)
    void cidr_ipv4_agreesWithBitArithmetic(@ForAll int network, @ForAll int address, @ForAll @IntRange(min = 0, max = 32) int prefix) {
        Cidr c = Cidr.parse(v4(network) + "/" + prefix);
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        assertThat(c.contains(v4(address))).isEqualTo((network & mask) == (address & mask));
        assertThat(c.contains(v4(network))).isTrue();
        assertThat(c.contains("::ffff:" + v4(address))).isEqualTo((network & mask) == (address & mask));
    }

    @Property(tries = 1000)
    void cidr_ipv6_agreesWithBigInteger(@ForAll("v6") byte[] network, @ForAll("v6") byte[] address,
                                        @ForAll @IntRange(min = 0, max = 128) int prefix,
                                        @ForAll boolean compressRange, @ForAll boolean compressAddress) {
        String range = (compressRange ? compressed(network) : full(network)) + "/" + prefix;
        String addr = compressAddress ? compressed(address) : full(address);
        Cidr c = Cidr.parse(range);
        assertThat(c).as(range).isNotNull();
        BigInteger n = new BigInteger(1, network).shiftRight(128 - prefix);
        BigInteger a = new BigInteger(1, address).shiftRight(128 - prefix);
        assertThat(c.contains(addr)).as(range + " contains " + addr).isEqualTo(n.equals(a));
    }

    @Provide
    Arbitrary<byte[]> v6() {
        // bias towards zero runs so that :: compression is exercised
        Arbitrary<Integer> group = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.just(0)), net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 0xFFFF)));
        return group.list().ofSize(8).map(gs -> {
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[2 * i] = (byte) (gs.get(i) >>> 8);
                b[2 * i + 1] = (byte) (int) gs.get(i);
            }
            return b;
        });
    }

    /** RFC 5952-style text: the longest run of zero groups (length at least 2) replaced by {@code ::}. */
    static String compressed(byte[] b) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (bestLen >= 2 && i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** Uncompressed text with upper-case hex and leading zeros. */
    static String full(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(String.format("%04X", ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF)));
        }
        return sb.toString();
    }

    private static String v4(int v) {
        return ((v >>> 24) & 0xFF) + "." + ((v >>> 16) & 0xFF) + "." + ((v >>> 8) & 0xFF) + "." + (v & 0xFF);
    }

}
