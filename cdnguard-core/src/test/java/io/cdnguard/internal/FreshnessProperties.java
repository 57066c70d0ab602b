package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;

/** Random, near-valid and absurd response headers: freshness parsing is total and well-formed. */
class FreshnessProperties {

    private static final List<String> NAMES = List.of("cache-control", "cdn-cache-control", "surrogate-control",
            "expires", "date");

    private static final List<String> FRAGMENTS = List.of("max-age", "s-maxage", "no-store", "no-cache", "private",
            "public", "stale-while-revalidate", "stale-if-error", "must-revalidate", "=", "\"", "\\", ",", ", ", ";", " ",
            "\t", "0", "1", "60", "-5", "abc", "99999999999999999999999", "9223372036854775808", "+600", "\u0000",
            "\u007f", "\uD800", "\uDC00", "\u00ff", "MAX-AGE", "Sun, 06 Nov 1994 08:49:37 GMT", "GMT", ":");

    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> random = Arbitraries.strings().all().ofMaxLength(200);
        Arbitrary<String> nearValid = Arbitraries.of(FRAGMENTS).list().ofMaxSize(40).map(l -> String.join("", l));
        Arbitrary<String> manyDirectives = Arbitraries.of(FRAGMENTS).list().ofMinSize(1).ofMaxSize(4)
                .map(l -> (String.join("", l) + ", ").repeat(3000));
        Arbitrary<String> hugeNumber = Arbitraries.integers().between(1, 70_000)
                .map(n -> "max-age=" + "9".repeat(n));
        return Arbitraries.frequencyOf(Tuple.of(5, random), Tuple.of(10, nearValid), Tuple.of(1, manyDirectives),
                Tuple.of(1, hugeNumber), Tuple.of(1, Arbitraries.just("")));
    }

    @Provide
    Arbitrary<Map<String, String>> headerMaps() {
        return Arbitraries.maps(Arbitraries.of(NAMES), values()).ofMaxSize(5).map(HashMap::new);
    }

    @Property(tries = 1000)
    void parse_isTotal_andNeverNegative(@ForAll("headerMaps") Map<String, String> map, @ForAll long now) {
        long p = Freshness.parse(map::get, now);
        assertThat(p).isNotNegative();
        assertThat(Freshness.lifetimeSeconds(p)).isBetween(0L, 1L << 31);
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isNotNegative();
        assertThat(Freshness.staleIfErrorSeconds(p)).isNotNegative();
        if (!Freshness.cacheable(p)) {
            assertThat(p).isIn(Freshness.UNKNOWN, Freshness.UNCACHEABLE);
        }
    }

    @Property(tries = 1000)
    void maxAge_anyNonNegativeNumber_clampsAt2Pow31(@ForAll("bigNumbers") BigInteger n, @ForAll boolean quoted) {
        String v = quoted ? "\"" + n + "\"" : n.toString();
        long p = Freshness.parse(name -> name.equals("cache-control") ? "public, max-age=" + v : null, 0);
        assertThat(Freshness.cacheable(p)).isTrue();
        assertThat(Freshness.lifetimeSeconds(p)).isEqualTo(n.min(BigInteger.ONE.shiftLeft(31)).longValueExact());
    }

    @Provide
    Arbitrary<BigInteger> bigNumbers() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.longs().between(0, 1L << 32).map(BigInteger::valueOf)),
                Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.TEN.pow(60))));
    }

    @Property(tries = 1000)
    void staleWhileRevalidate_roundTripsExactlyUpTo4095(@ForAll @LongRange(min = 0, max = 4095) long swr,
                                                        @ForAll @LongRange(min = 0, max = 1L << 40) long sie) {
        Map<String, String> m = new HashMap<>();
        m.put("cache-control", "max-age=60, stale-while-revalidate=" + swr + ", stale-if-error=" + sie);
        long p = Freshness.parse(m::get, 0);
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isEqualTo(swr);
        long decodedSie = Freshness.staleIfErrorSeconds(p);
        long capped = Math.min(sie, 4095L * 86_400);
        assertThat(decodedSie).isBetween(capped, capped + 86_399);
        assertThat(Freshness.lifetimeSeconds(p)).isEqualTo(60);
    }

    @Property(tries = 1000)
    void httpDates_imfFixdate_roundTrips(@ForAll @LongRange(min = -62_135_596_800L, max = 253_402_300_799L) long epochSecond) {
        Instant t = Instant.ofEpochSecond(epochSecond);
        String imf = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT).withZone(ZoneOffset.UTC).format(t);
        assertThat(HttpDates.parse(imf)).as(imf).isEqualTo(epochSecond * 1000);
        String asctime = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ROOT).withZone(ZoneOffset.UTC).format(t);
        assertThat(HttpDates.parse(asctime)).as(asctime).isEqualTo(epochSecond * 1000);
    }

    @Property(tries = 1000)
    void httpDates_isTotal(@ForAll("values") String text) {
        long v = HttpDates.parse(text);
        if (v != HttpDates.INVALID) {
            assertThat(v).isBetween(-62_135_596_800_000L, 253_402_300_799_000L);
        }
    }
}
