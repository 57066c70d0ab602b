package io.cdnguard.internal;

import static io.cdnguard.internal.CdnRecognizerTest.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cdnguard.Cdn;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * Checks the allocation-free claim of recognition, POP extraction, CIDR matching and freshness
 * parsing with the JVM's per-thread allocation counter (not a timing assertion).
 */
class CdnRecognizerAllocationTest {

    private static final HeaderSource[] REQUESTS = {
            CdnRecognizerTest.CLOUDFRONT_CONDITIONAL, CdnRecognizerTest.CLOUDFLARE_CONDITIONAL, CdnRecognizerTest.FASTLY_EDGE,
            CdnRecognizerTest.AKAMAI_VIA_ONLY, CdnRecognizerTest.AZURE_FRONT_DOOR, CdnRecognizerTest.GOOGLE_CDN,
            CdnRecognizerTest.VARNISH_CACHE,
            headers("user-agent", "kube-probe/1.26"),
            headers("user-agent", "Mozilla/5.0 (Linux; Android 14; Pixel 7)", "via", "1.1 proxy3.corp.example.net (squid/5.7)"),
    };

    private static final HeaderSource[] RESPONSES = {
            headers("cache-control", "public, max-age=3600, stale-while-revalidate=1800"),
            headers("cache-control", "public, max-age=60, s-maxage=86400"),
            headers("cache-control", "public, max-age=300", "cdn-cache-control", "max-age=3600"),
            headers("surrogate-control", "max-age=600+60", "cache-control", "no-cache"),
            headers("date", "Fri, 01 Apr 2022 13:00:00 GMT", "expires", "Fri, 01 Apr 2022 14:00:00 GMT"),
            headers("cache-control", "private, no-store"),
    };

    @Test
    void hotPath_allocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "per-thread allocation counter unavailable");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        CdnRecognizer r = new CdnRecognizer(RecognitionRules.builder()
                .headerContains("x-edge", "edge", Cdn.OTHER)
                .trustedRange("2600:9000::/28", Cdn.CLOUDFRONT)
                .build(), "/cdnguard");
        long sink = run(r, 20_000); // warm up (class init, JIT)
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        sink += run(r, 20_000);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isNotZero();
        // a little slack for the counter itself; any per-call allocation would be megabytes here
        assertThat(allocated).isLessThan(4096);
    }

    private static long run(CdnRecognizer r, int rounds) {
        long sink = 0;
        for (int i = 0; i < rounds; i++) {
            HeaderSource req = REQUESTS[i % REQUESTS.length];
            int c = r.classify(req, (i & 1) == 0 ? "2600:9000::1" : "[2001:db8::ffff:1.2.3.4]:443", "/static/app.js");
            sink += c + CdnRecognizer.popCode(c, req);
            sink += Freshness.parse(RESPONSES[i % RESPONSES.length], 1_650_000_000_000L);
        }
        return sink;
    }
}
