package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CDN-targeted fields are honoured (and looked up) only for the CDNs that read them. */
class FreshnessCdnTest {

    private static final long NOW = 1_700_000_000_000L;

    private static final String[] ALL_FIELDS = {
        "cache-control", "public, max-age=60",
        "cdn-cache-control", "max-age=600",
        "surrogate-control", "max-age=7200",
        "cloudflare-cdn-cache-control", "max-age=30000",
    };

    private static Map<String, String> map(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    private static long lifetime(Cdn cdn, String... kv) {
        Map<String, String> m = map(kv);
        long p = Freshness.parse(m::get, cdn == null ? -1 : cdn.ordinal(), NOW);
        assertThat(Freshness.cacheable(p)).as("cacheable").isTrue();
        return Freshness.lifetimeSeconds(p);
    }

    private static List<String> lookups(Cdn cdn, String... kv) {
        Map<String, String> m = map(kv);
        List<String> names = new ArrayList<>();
        HeaderSource h = name -> {
            names.add(name);
            return m.get(name);
        };
        Freshness.parse(h, cdn == null ? -1 : cdn.ordinal(), NOW);
        return names;
    }

    @Test
    void parse_cloudFrontAndGoogle_readOnlyCacheControlAndExpires() {
        // CloudFront and Google Cloud CDN ignore CDN-Cache-Control and Surrogate-Control
        assertThat(lifetime(Cdn.CLOUDFRONT, ALL_FIELDS)).isEqualTo(60);
        assertThat(lifetime(Cdn.GOOGLE, ALL_FIELDS)).isEqualTo(60);
        assertThat(lifetime(Cdn.CLOUDFRONT, "cdn-cache-control", "no-store", "cache-control", "s-maxage=90, max-age=5"))
                .isEqualTo(90);
        assertThat(lookups(Cdn.CLOUDFRONT, ALL_FIELDS)).containsExactly("cache-control");
        assertThat(lookups(Cdn.CLOUDFRONT, "cdn-cache-control", "max-age=600"))
                .containsExactly("cache-control", "expires");
    }

    @Test
    void parse_fastly_surrogateControlOverCacheControl_ignoresCdnCacheControl() {
        assertThat(lifetime(Cdn.FASTLY, ALL_FIELDS)).isEqualTo(7200);
        assertThat(lifetime(Cdn.FASTLY, "cdn-cache-control", "max-age=600", "cache-control", "max-age=60")).isEqualTo(60);
        assertThat(lookups(Cdn.FASTLY, ALL_FIELDS)).containsExactly("cache-control", "surrogate-control");
    }

    @Test
    void parse_cloudflare_ownFieldOverCdnCacheControl_ignoresSurrogateControl() {
        assertThat(lifetime(Cdn.CLOUDFLARE, ALL_FIELDS)).isEqualTo(30000);
        assertThat(lifetime(Cdn.CLOUDFLARE, "cdn-cache-control", "max-age=600", "cache-control", "max-age=60")).isEqualTo(600);
        assertThat(lifetime(Cdn.CLOUDFLARE, "surrogate-control", "max-age=7200", "cache-control", "max-age=60")).isEqualTo(60);
        // with both present Cloudflare reads only its own field: an undeciding one falls to Cache-Control
        assertThat(lifetime(Cdn.CLOUDFLARE, "cloudflare-cdn-cache-control", "public", "cdn-cache-control", "max-age=600",
                "cache-control", "max-age=60")).isEqualTo(60);
        assertThat(lookups(Cdn.CLOUDFLARE, ALL_FIELDS)).containsExactly("cache-control", "cloudflare-cdn-cache-control");
    }

    @Test
    void parse_akamaiOthersAndUnknown_keepTheGeneralOrder() {
        for (Cdn cdn : new Cdn[] {Cdn.AKAMAI, Cdn.AZURE, Cdn.VARNISH, Cdn.OTHER, null}) {
            assertThat(lifetime(cdn, ALL_FIELDS)).as("%s", cdn).isEqualTo(600);
            assertThat(lifetime(cdn, "surrogate-control", "max-age=7200", "cache-control", "max-age=60")).as("%s", cdn)
                    .isEqualTo(7200);
            Map<String, String> m = map(ALL_FIELDS);
            assertThat(Freshness.parse(m::get, cdn == null ? -1 : cdn.ordinal(), NOW)).isEqualTo(Freshness.parse(m::get, NOW));
        }
    }

    @Test
    void parse_staleDirectives_fallBackToCacheControlForEveryCdn() {
        for (Cdn cdn : Cdn.values()) {
            Map<String, String> m = map("cache-control", "max-age=60, stale-while-revalidate=30",
                    "surrogate-control", "max-age=7200", "cdn-cache-control", "max-age=600");
            long p = Freshness.parse(m::get, cdn.ordinal(), NOW);
            assertThat(Freshness.staleWhileRevalidateSeconds(p)).as("%s", cdn).isEqualTo(30);
        }
    }

    @Test
    void parse_expiresOnlyWhenNoFieldDecides() {
        String[] kv = {"cache-control", "public", "date", "Mon, 23 Nov 2026 21:00:00 GMT",
            "expires", "Mon, 23 Nov 2026 22:00:00 GMT"};
        for (Cdn cdn : Cdn.values()) {
            assertThat(lifetime(cdn, kv)).as("%s", cdn).isEqualTo(3600);
        }
        assertThat(lookups(Cdn.CLOUDFRONT, "cache-control", "max-age=5", "expires", "x")).containsExactly("cache-control");
    }
}
