package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest
    @ValueSource(strings = {"130.176.0.0/16", "0.0.0.0/0", "255.255.255.255/32", "10.1.2.3/8", "192.0.2.7",
            "2600:9000::/28", "::/0", "::1/128", "::", "fe80::1/64", "2001:db8:0:0:0:0:0:1/128",
            "::ffff:192.0.2.0/120", "64:ff9b::/96", "1:2:3:4:5:6:7::/112", " 130.176.0.0/16 "})
    void isValid_acceptsRanges(String cidr) {
        assertThat(Cidr.isValid(cidr)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "/8", "130.176.0.0/", "130.176.0.0/33", "130.176.0/16", "130.176.0.0.0/16",
            "256.0.0.0/8", "01.2.3.4/8", "1.2.3.4/08", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/8/8", "a.b.c.d/8",
            "2600:9000::/129", "2600:9000:::/28", "2600::9000::/28", "1:2:3:4:5:6:7:8:9/64", "1:2:3:4:5:6:7/64",
            "12345::/16", "g::/16", ":1::/16", "1::2:/16", "::ffff:1.2.3/120", "::1.2.3.4.5", "1.2.3.4:80/8"})
    void isValid_rejectsGarbage(String cidr) {
        assertThat(Cidr.isValid(cidr)).isFalse();
    }

    @Test
    void isValid_null_false() {
        assertThat(Cidr.isValid(null)).isFalse();
        assertThat(Cidr.parse(null)).isNull();
    }

    @Test
    void contains_ipv4Boundaries() {
        Cidr c = Cidr.parse("130.176.0.0/16");
        assertThat(c.contains("130.176.0.0")).isTrue();
        assertThat(c.contains("130.176.255.255")).isTrue();
        assertThat(c.contains("130.175.255.255")).isFalse();
        assertThat(c.contains("130.177.0.0")).isFalse();
        assertThat(c.contains(" 130.176.1.2 ")).isTrue();
        assertThat(c.contains("130.176.1.2:4431")).isTrue();
        assertThat(c.contains("130.176.1.2:")).isFalse();
        assertThat(c.contains("130.176.1")).isFalse();
        assertThat(c.contains("130.176.1.2.3")).isFalse();
        assertThat(c.contains("130.176.1.256")).isFalse();
        assertThat(c.contains("130.176.01.2")).isFalse();
        assertThat(c.contains("")).isFalse();
        assertThat(c.contains(null)).isFalse();
        assertThat(c.contains("hello")).isFalse();
    }

    @Test
    void contains_hostBitsInRangeAreMasked() {
        assertThat(Cidr.parse("10.1.2.3/8").contains("10.200.0.1")).isTrue();
        assertThat(Cidr.parse("192.0.2.7").contains("192.0.2.7")).isTrue();
        assertThat(Cidr.parse("192.0.2.7").contains("192.0.2.8")).isFalse();
        assertThat(Cidr.parse("192.0.2.7/31").contains("192.0.2.6")).isTrue();
    }

    @Test
    void contains_zeroPrefixMatchesEverythingOfTheFamilyAndMapped() {
        Cidr all4 = Cidr.parse("0.0.0.0/0");
        assertThat(all4.contains("1.2.3.4")).isTrue();
        assertThat(all4.contains("::ffff:1.2.3.4")).isTrue();
        assertThat(all4.contains("2001:db8::1")).isFalse();
        Cidr all6 = Cidr.parse("::/0");
        assertThat(all6.contains("2001:db8::1")).isTrue();
        assertThat(all6.contains("1.2.3.4")).isTrue();
    }

    @Test
    void contains_ipv6Forms() {
        Cidr c = Cidr.parse("2600:9000::/28");
        assertThat(c.contains("2600:9000::1")).isTrue();
        assertThat(c.contains("2600:900f:ffff:ffff:ffff:ffff:ffff:ffff")).isTrue();
        assertThat(c.contains("2600:9010::")).isFalse();
        assertThat(c.contains("2600:8fff::1")).isFalse();
        assertThat(c.contains("2600:9000:0:0:0:0:0:1")).isTrue();
        assertThat(c.contains("2600:9000:0000:0000:0000:0000:0000:0001")).isTrue();
        assertThat(c.contains("2600:9000::1%eth0")).isTrue();
        assertThat(c.contains("[2600:9000::1]")).isTrue();
        assertThat(c.contains("[2600:9000::1]:443")).isTrue();
        assertThat(c.contains("[2600:9000::1")).isFalse();
        assertThat(c.contains("2600:9000:::1")).isFalse();
        assertThat(c.contains("2600:9000::1::")).isFalse();
        assertThat(c.contains("2600:9000")).isFalse();
        assertThat(c.contains("2600:9000:1:2:3:4:5:6:7")).isFalse();
        assertThat(c.contains("1.2.3.4")).isFalse();
    }

    @Test
    void contains_lowBitsOfLongIpv6Prefixes() {
        Cidr c = Cidr.parse("2001:db8::ab00/120");
        assertThat(c.contains("2001:db8::abff")).isTrue();
        assertThat(c.contains("2001:db8::ac00")).isFalse();
        assertThat(c.contains("2001:db8::1:ab00")).isFalse();
        Cidr one = Cidr.parse("::1/128");
        assertThat(one.contains("::1")).isTrue();
        assertThat(one.contains("0:0:0:0:0:0:0:1")).isTrue();
        assertThat(one.contains("::2")).isFalse();
        assertThat(one.contains("::")).isFalse();
        assertThat(Cidr.parse("1:2:3:4:5:6:7::/128").contains("1:2:3:4:5:6:7:0")).isTrue();
        assertThat(Cidr.parse("::2:3:4:5:6:7:8/128").contains("0:2:3:4:5:6:7:8")).isTrue();
    }

    @Test
    void contains_ipv4MappedAndEmbedded() {
        Cidr v4 = Cidr.parse("192.0.2.0/24");
        assertThat(v4.contains("::ffff:192.0.2.9")).isTrue();
        assertThat(v4.contains("::FFFF:192.0.2.9")).isTrue();
        assertThat(v4.contains("::ffff:c000:209")).isTrue();
        assertThat(v4.contains("::ffff:192.0.3.9")).isFalse();
        assertThat(v4.contains("::192.0.2.9")).isFalse(); // IPv4-compatible, not mapped
        assertThat(v4.contains("64:ff9b::192.0.2.9")).isFalse();
        Cidr mapped = Cidr.parse("::ffff:192.0.2.0/120");
        assertThat(mapped.contains("192.0.2.200")).isTrue();
        assertThat(mapped.contains("192.0.3.1")).isFalse();
        Cidr nat64 = Cidr.parse("64:ff9b::/96");
        assertThat(nat64.contains("64:ff9b::192.0.2.9")).isTrue();
        assertThat(nat64.contains("64:ff9b::1:192.0.2.9")).isFalse();
    }

    @Test
    void contains_overlongText_false() {
        Cidr c = Cidr.parse("::/0");
        assertThat(c.contains("1".repeat(100))).isFalse();
        assertThat(c.contains("::" + " ".repeat(100))).isFalse();
    }

    @Test
    void toString_isTheRange() {
        assertThat(Cidr.parse(" 2600:9000::/28").toString()).isEqualTo("2600:9000::/28");
        assertThat(Cidr.parse("2600:9000::/28").prefixLength()).isEqualTo(28);
        assertThat(Cidr.parse("2600:9000::/28").isIpv6()).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").isIpv6()).isFalse();
    }
}
