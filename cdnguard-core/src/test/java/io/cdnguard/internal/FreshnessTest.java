package io.cdnguard.internal;

import static io.cdnguard.internal.CdnRecognizerTest.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.HeaderSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FreshnessTest {

    private static final long NOW = 1_650_000_000_000L;

    private static long parse(String... kv) {
        return Freshness.parse(headers(kv), NOW);
    }

    private static long cc(String cacheControl) {
        return parse("cache-control", cacheControl);
    }

    private static void assertLifetime(long packed, long seconds) {
        assertThat(Freshness.cacheable(packed)).as("cacheable").isTrue();
        assertThat(Freshness.lifetimeSeconds(packed)).isEqualTo(seconds);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // trace values
            "public, max-age=300 | 300",
            "public, max-age=60, s-maxage=86400 | 86400",
            "public, max-age=60, s-maxage=300 | 300",
            "max-age=86400 | 86400",
            "public, max-age=0, must-revalidate | 0",
            "public, no-cache | 0",
            "no-cache | 0",
            "public, max-age=3600, stale-while-revalidate=1800 | 3600",
            // tolerated syntax
            "MAX-AGE=120 | 120",
            "max-age = 120 | 120",
            "  max-age=120  ,public | 120",
            "max-age=\"60\" | 60",
            "max-age=00060 | 60",
            ",,, max-age=5,,, | 5",
            "s-maxage=10, max-age=20 | 10",
            // duplicates: first valid occurrence wins
            "max-age=60, max-age=3600 | 60",
            "max-age=abc, max-age=70 | 70",
            "max-age=-5, max-age=80 | 80",
            // overflow clamps to 2^31
            "max-age=99999999999999999999999999999 | 2147483648",
            "max-age=2147483648 | 2147483648",
            "max-age=2147483649 | 2147483648",
            "max-age=2147483647 | 2147483647",
            "s-maxage=9223372036854775808 | 2147483648",
            // no-cache beats a lifetime; qualified no-cache does not
            "max-age=600, no-cache | 0",
            "no-cache=\"set-cookie\", max-age=600 | 600",
            "private=\"set-cookie\", max-age=600 | 600",
    })
    void cacheControl_lifetimes(String value, long expected) {
        assertLifetime(cc(value), expected);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "no-store", "private", "private, max-age=600", "public, max-age=600, no-store", "private, no-store",
            "NO-STORE", "max-age=600 , Private", "s-maxage=600, no-store"})
    void cacheControl_uncacheable(String value) {
        long p = cc(value);
        assertThat(p).isEqualTo(Freshness.UNCACHEABLE);
        assertThat(Freshness.cacheable(p)).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "public", "must-revalidate", "max-age=abc", "max-age=-5", "max-age=", "max-age", "max-age=1.5",
            "max-agex=60", "xmax-age=60", "s-maxage", "'max-age=\"6\"0'", "stale-while-revalidate=30", "''", "' , , '"})
    void cacheControl_noLifetime_unknown(String value) {
        assertThat(cc(value)).isEqualTo(Freshness.UNKNOWN);
        assertThat(Freshness.cacheable(cc(value))).isFalse();
    }

    @Test
    void noHeaders_unknown() {
        assertThat(Freshness.parse(HeaderSource.EMPTY, NOW)).isEqualTo(Freshness.UNKNOWN);
        assertThat(Freshness.parse(null, NOW)).isEqualTo(Freshness.UNKNOWN);
        assertThat(parse("etag", "\"v1\"", "last-modified", "Fri, 01 Apr 2022 13:05:51 GMT")).isEqualTo(Freshness.UNKNOWN);
    }

    @Test
    void cdnCacheControl_overridesCacheControl() {
        // trace: cdn-cache-control max-age=3600 with cache-control max-age=300
        assertLifetime(parse("cache-control", "public, max-age=300", "cdn-cache-control", "max-age=3600"), 3600);
        // targeted no-store wins over a cacheable Cache-Control
        assertThat(parse("cache-control", "public, max-age=300", "cdn-cache-control", "no-store")).isEqualTo(Freshness.UNCACHEABLE);
        // targeted lifetime wins over Cache-Control private (the CDN is told it may store)
        assertLifetime(parse("cache-control", "private", "cdn-cache-control", "max-age=60"), 60);
        // a targeted field without a deciding directive falls through
        assertLifetime(parse("cache-control", "max-age=300", "cdn-cache-control", "public"), 300);
        assertLifetime(parse("cache-control", "max-age=300", "cdn-cache-control", "max-age=oops"), 300);
        // targeted field over Surrogate-Control
        assertLifetime(parse("cdn-cache-control", "max-age=10", "surrogate-control", "max-age=20", "cache-control", "max-age=30"), 10);
    }

    @Test
    void surrogateControl_overCacheControl() {
        assertLifetime(parse("surrogate-control", "max-age=86400", "cache-control", "max-age=60"), 86400);
        assertLifetime(parse("surrogate-control", "max-age=3600+600", "cache-control", "no-cache"), 3600);
        assertLifetime(parse("surrogate-control", "content=\"ESI/1.0\", max-age=120;edge", "cache-control", "max-age=60"), 120);
        assertThat(parse("surrogate-control", "no-store", "cache-control", "max-age=60")).isEqualTo(Freshness.UNCACHEABLE);
        // Surrogate-Control has no s-maxage or private: those fall through to Cache-Control
        assertLifetime(parse("surrogate-control", "s-maxage=5", "cache-control", "max-age=60"), 60);
    }

    @Test
    void expires_minusDate_orMinusNow() {
        assertLifetime(parse("date", "Fri, 01 Apr 2022 13:00:00 GMT", "expires", "Fri, 01 Apr 2022 14:00:00 GMT"), 3600);
        // no Date: relative to now (NOW = 2022-04-15T05:20:00Z)
        assertLifetime(parse("expires", "Fri, 15 Apr 2022 05:30:00 GMT"), 600);
        // invalid Date: relative to now
        assertLifetime(parse("date", "garbage", "expires", "Fri, 15 Apr 2022 05:30:00 GMT"), 600);
        // in the past, "0", "-1", garbage: already expired
        assertLifetime(parse("date", "Fri, 01 Apr 2022 13:00:00 GMT", "expires", "Fri, 01 Apr 2022 12:00:00 GMT"), 0);
        assertLifetime(parse("expires", "0"), 0);
        assertLifetime(parse("expires", "-1"), 0);
        assertLifetime(parse("expires", ""), 0);
        // RFC 850 and asctime forms
        assertLifetime(parse("date", "Sunday, 06-Nov-94 08:49:37 GMT", "expires", "Sun Nov  6 09:49:37 1994"), 3600);
        // far future clamps
        assertLifetime(parse("date", "Thu, 01 Jan 1970 00:00:00 GMT", "expires", "Fri, 31 Dec 9999 23:59:59 GMT"), 1L << 31);
        assertLifetime(Freshness.parse(headers("expires", "Fri, 31 Dec 9999 23:59:59 GMT"), Long.MIN_VALUE + 5), 1L << 31);
        assertLifetime(Freshness.parse(headers("expires", "Thu, 01 Jan 1970 00:00:00 GMT"), Long.MAX_VALUE), 0);
    }

    @Test
    void maxAge_overridesExpires() {
        assertLifetime(parse("cache-control", "max-age=60", "expires", "0"), 60);
        assertLifetime(parse("cache-control", "public", "date", "Fri, 01 Apr 2022 13:00:00 GMT", "expires", "Fri, 01 Apr 2022 13:10:00 GMT"), 600);
        assertThat(parse("cache-control", "no-store", "expires", "Fri, 15 Apr 2022 05:30:00 GMT")).isEqualTo(Freshness.UNCACHEABLE);
        assertLifetime(parse("cache-control", "no-cache", "expires", "Fri, 15 Apr 2022 05:30:00 GMT"), 0);
    }

    @Test
    void staleDirectives_recorded() {
        long p = cc("public, max-age=3600, stale-while-revalidate=1800");
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isEqualTo(1800);
        assertThat(Freshness.staleIfErrorSeconds(p)).isZero();
        p = cc("public, max-age=86400, stale-while-revalidate=43200, stale-if-error=604800");
        assertLifetime(p, 86400);
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isEqualTo(43200);
        assertThat(Freshness.staleIfErrorSeconds(p)).isEqualTo(604800);
        p = cc("max-age=60, stale-while-revalidate=30, stale-if-error=4095");
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isEqualTo(30);
        assertThat(Freshness.staleIfErrorSeconds(p)).isEqualTo(4095);
        // from Cache-Control when the deciding targeted field has none
        p = parse("cdn-cache-control", "max-age=600", "cache-control", "max-age=60, stale-while-revalidate=30");
        assertLifetime(p, 600);
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isEqualTo(30);
        // the deciding field's own value wins
        p = parse("cdn-cache-control", "max-age=600, stale-if-error=10", "cache-control", "max-age=60, stale-if-error=99");
        assertThat(Freshness.staleIfErrorSeconds(p)).isEqualTo(10);
        // garbage, negative: 0
        p = cc("max-age=60, stale-while-revalidate=-1, stale-if-error=abc");
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isZero();
        assertThat(Freshness.staleIfErrorSeconds(p)).isZero();
        // not reported for unknown or uncacheable
        assertThat(Freshness.staleWhileRevalidateSeconds(cc("no-store, stale-while-revalidate=60"))).isZero();
    }

    @Test
    void staleEncoding_exactSmall_roundedUpLarge_saturates() {
        for (long s : new long[] {0, 1, 59, 4095, 4096, 4100, 43200, 86_399, 86_400, 604_800, 14_742_000, 1L << 31, Long.MAX_VALUE}) {
            long decoded = Freshness.decodeStale(Freshness.encodeStale(s));
            if (s <= 4095) {
                assertThat(decoded).isEqualTo(s);
            } else if (s <= 4095L * 86_400) {
                assertThat(decoded).isGreaterThanOrEqualTo(s).isLessThan(s + 86_400);
                assertThat((double) decoded / s).isLessThan(1.02);
            } else {
                assertThat(decoded).isEqualTo(4095L * 86_400);
            }
        }
        assertThat(Freshness.decodeStale(Freshness.encodeStale(-5))).isZero();
    }

    @Test
    void staleAndLifetime_independentAtMaximum() {
        long p = cc("max-age=99999999999, stale-while-revalidate=99999999999, stale-if-error=99999999999");
        assertLifetime(p, 1L << 31);
        assertThat(p).isPositive();
        assertThat(Freshness.staleWhileRevalidateSeconds(p)).isEqualTo(4095L * 86_400);
        assertThat(Freshness.staleIfErrorSeconds(p)).isEqualTo(4095L * 86_400);
    }

    @Test
    void hugeHeaders_boundedScan() {
        // thousands of directives, the deciding one past the scan limit is not seen
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            sb.append("foo").append(i).append("=bar, ");
        }
        assertThat(cc(sb + "max-age=60")).isEqualTo(Freshness.UNKNOWN);
        assertLifetime(cc("max-age=60, " + sb), 60);
        // clamped however many digits, as long as the value ends within the scanned prefix; a value
        // cut by the scan limit is ignored (its end is unknown: max-age=12|34 is not 12)
        assertLifetime(cc("max-age=" + "9".repeat(Ascii.MAX_SCAN - 20)), 1L << 31);
        assertThat(cc("max-age=" + "9".repeat(70_000))).isEqualTo(Freshness.UNKNOWN);
        assertThat(cc("max-age=\"" + "1".repeat(70_000))).isEqualTo(Freshness.UNKNOWN);
    }

    @Test
    void throwingHeaderSource_unknown() {
        HeaderSource broken = name -> {
            throw new IllegalStateException("adapter bug");
        };
        assertThat(Freshness.parse(broken, NOW)).isEqualTo(Freshness.UNKNOWN);
    }
}
