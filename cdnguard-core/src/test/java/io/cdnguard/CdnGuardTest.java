package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cdnguard.testing.ManualTimeSource;
import io.cdnguard.testing.TestGuards;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CdnGuardTest {

    private static final long T0 = TestGuards.T0;

    private final TestGuards guards = new TestGuards();
    private final ManualTimeSource clock = guards.clock;

    private CdnGuard guard(Consumer<CdnGuard.Builder> config) {
        return guards.guard(config);
    }

    @AfterEach
    void close() {
        guards.close();
    }

    private static MutableExchange browser(int status) {
        return new MutableExchange().method("GET").path("/index.html").status(status).bytes(100)
                .durationNanos(1_000_000).requestHeader("user-agent", "Mozilla/5.0");
    }

    private static long counted(GuardSnapshot s) {
        long n = s.invalid();
        for (RequestKind k : RequestKind.values()) {
            n += s.otherRequests(k);
        }
        return n;
    }

    @Test
    void record_browserRequests_countOnceEachAndRotateWithTick() {
        CdnGuard g = guard(b -> { });
        g.record(browser(200));
        g.record(browser(404));
        clock.advance(Duration.ofSeconds(10));
        g.tick();
        g.record(browser(200));

        GuardSnapshot s = g.snapshot();
        assertThat(counted(s)).isEqualTo(3);
        long inBucket0 = 0;
        long inBucket1 = 0;
        for (RequestKind k : RequestKind.values()) {
            inBucket0 += s.window().otherRequests(0, k);
            inBucket1 += s.window().otherRequests(1, k);
        }
        assertThat(inBucket0).isEqualTo(1);
        assertThat(inBucket1).isEqualTo(2);
        assertThat(s.window().currentBucketStartMillis()).isEqualTo(T0 + 10_000);
        assertThat(s.timeMillis()).isEqualTo(T0 + 10_000);
        assertThat(s.startMillis()).isEqualTo(T0);
    }

    @Test
    void record_statusOutOfRange_countsInvalid() {
        CdnGuard g = guard(b -> { });
        g.record(browser(0));
        g.record(browser(999));
        g.record(browser(-1));
        g.record(browser(99));
        g.record(browser(600));
        g.record(browser(599).bytes(-7).durationNanos(-3));
        GuardSnapshot s = g.snapshot();
        assertThat(s.invalid()).isEqualTo(5);
        assertThat(counted(s)).isEqualTo(6);
    }

    @Test
    void record_exchangeThatThrows_isCountedInvalidNeverRethrown() {
        CdnGuard g = guard(b -> { });
        Exchange throwing = new Exchange() {
            @Override
            public String method() {
                throw new IllegalStateException("boom");
            }

            @Override
            public CharSequence path() {
                throw new IllegalStateException("boom");
            }

            @Override
            public int status() {
                throw new IllegalStateException("boom");
            }

            @Override
            public long responseBytes() {
                throw new IllegalStateException("boom");
            }

            @Override
            public long durationNanos() {
                throw new IllegalStateException("boom");
            }

            @Override
            public HeaderSource requestHeaders() {
                throw new IllegalStateException("boom");
            }

            @Override
            public HeaderSource responseHeaders() {
                throw new IllegalStateException("boom");
            }
        };
        assertThatCode(() -> g.record(throwing)).doesNotThrowAnyException();
        assertThatCode(() -> g.record(null)).doesNotThrowAnyException();
        GuardSnapshot s = g.snapshot();
        assertThat(s.invalid()).isEqualTo(2);
        assertThat(counted(s)).isEqualTo(2);
    }

    @Test
    void record_headerSourcesThatThrowOrReturnGarbage_neverThrowAndCountOnce() {
        CdnGuard g = guard(b -> { });
        HeaderSource throwing = name -> {
            throw new RuntimeException("header store closed");
        };
        HeaderSource garbage = name -> "\u0000\uffff;;,,=max-age=-99999999999999999999, s-maxage=abc";
        Exchange[] exchanges = {
            exchange(200, throwing, throwing),
            exchange(304, garbage, garbage),
            exchange(200, null, null),
            exchange(304, HeaderSource.EMPTY, throwing),
        };
        for (Exchange e : exchanges) {
            assertThatCode(() -> g.record(e)).doesNotThrowAnyException();
        }
        assertThat(counted(g.snapshot())).isEqualTo(exchanges.length);
    }

    private static Exchange exchange(int status, HeaderSource request, HeaderSource response) {
        return new Exchange() {
            @Override
            public String method() {
                return "GET";
            }

            @Override
            public CharSequence path() {
                return "/x";
            }

            @Override
            public int status() {
                return status;
            }

            @Override
            public long responseBytes() {
                return -1;
            }

            @Override
            public long durationNanos() {
                return -1;
            }

            @Override
            public HeaderSource requestHeaders() {
                return request;
            }

            @Override
            public HeaderSource responseHeaders() {
                return response;
            }
        };
    }

    @Test
    void record_gatewayExchanges_fillBackendTable() {
        CdnGuard g = guard(b -> b.expectBackends("asset-1", "asset-2").maxUnknownBackends(1));
        g.record(browser(200).backend("asset-2"));
        g.record(browser(502).backend("asset-1").failure(UpstreamFailure.CONNECT_REFUSED));
        g.record(browser(200).backend("surprise"));
        g.record(browser(200).backend("another"));
        g.record(browser(0).failure(UpstreamFailure.NO_BACKEND));
        GuardSnapshot s = g.snapshot();
        assertThat(s.backends()).extracting(BackendStats::name).containsExactly("asset-1", "asset-2", "surprise");
        assertThat(s.backends().get(0).failures(UpstreamFailure.CONNECT_REFUSED)).isEqualTo(1);
        assertThat(s.unknownBackendOverflow()).isEqualTo(1);
        assertThat(s.upstreamFailures()).isEqualTo(2);
        assertThat(s.window().backendExchanges(0)).isEqualTo(5);
        assertThat(s.window().upstreamFailures(0)).isEqualTo(2);
        assertThat(s.invalid()).isEqualTo(1);
    }

    @Test
    void record_cdnRuleMatch_countsCdnFetchWithStatusLatencyAndRevalidation() {
        CdnGuard g = guard(b -> b.recognition(RecognitionRules.builder().headerPresent("x-test-cdn", Cdn.OTHER).build()));
        assumeTrue(g.classify(name -> name.equals("x-test-cdn") ? "1" : null, null) == RequestKind.CDN,
                "recogniser not built yet");
        MutableExchange e = new MutableExchange().path("/app.js").status(304).bytes(0).durationNanos(2_000_000)
                .requestHeader("x-test-cdn", "1").requestHeader("if-none-match", "\"abc\"");
        g.record(e);
        g.record(e.status(503).bytes(10));
        GuardSnapshot s = g.snapshot();
        assertThat(s.cdnFetches(Cdn.OTHER)).isEqualTo(2);
        assertThat(s.cdnFetches(Cdn.OTHER, StatusClass.SERVER_ERROR)).isEqualTo(1);
        assertThat(s.revalidations(Cdn.OTHER)).isEqualTo(1);
        assertThat(s.latency().count()).isEqualTo(2);
        assertThat(s.cdnBytes()).isEqualTo(10);
        assertThat(s.window().cdnFetches(0)).isEqualTo(2);
        assertThat(s.window().revalidations(0)).isEqualTo(1);
    }

    @Test
    void record_builtInCdnFetches_fillFreshnessExpiryAndPops() {
        CdnGuard g = guard(b -> { });
        MutableExchange cloudfront = new MutableExchange().path("/app.js").status(200).bytes(5_120)
                .durationNanos(800_000).requestHeader("user-agent", "Amazon CloudFront")
                .responseHeader("cache-control", "public, max-age=3600");
        assertThat(g.classify(cloudfront.requestHeaders(), null)).isEqualTo(RequestKind.CDN);
        g.record(cloudfront);
        MutableExchange cloudflare = new MutableExchange().path("/logo.svg").status(200).bytes(100)
                .durationNanos(800_000).requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-FRA")
                .requestHeader("cdn-loop", "cloudflare").responseHeader("cache-control", "no-store");
        g.record(cloudflare);
        g.record(cloudflare);

        GuardSnapshot s = g.snapshot();
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(1);
        assertThat(s.cdnFetches(Cdn.CLOUDFLARE)).isEqualTo(2);
        assertThat(s.cdnBytes()).isEqualTo(5_320);
        assertThat(s.freshness().count()).isEqualTo(1);
        assertThat(s.freshness().sum()).isEqualTo(3600.0);
        assertThat(s.expiry().tracked()).isEqualTo(1);
        assertThat(s.pops()).singleElement().satisfies(p -> {
            assertThat(p.cdn()).isEqualTo(Cdn.CLOUDFLARE);
            assertThat(p.pop()).isEqualTo("FRA");
            assertThat(p.fetches()).isEqualTo(2);
        });
    }

    @Test
    void record_revalidationWithoutFreshnessHeaders_keepsTheAssetTracked() {
        CdnGuard g = guard(b -> { });
        MutableExchange e = new MutableExchange().path("/app.js").status(200).durationNanos(1_000)
                .requestHeader("user-agent", "Amazon CloudFront").responseHeader("cache-control", "max-age=3600");
        g.record(e);
        assertThat(g.snapshot().expiry().tracked()).isEqualTo(1);
        MutableExchange revalidation = new MutableExchange().path("/app.js").status(304).durationNanos(1_000)
                .requestHeader("user-agent", "Amazon CloudFront").requestHeader("if-none-match", "\"v1\"");
        g.record(revalidation);
        GuardSnapshot s = g.snapshot();
        assertThat(s.expiry().tracked()).isEqualTo(1);
        assertThat(s.revalidations(Cdn.CLOUDFRONT)).isEqualTo(1);
        assertThat(s.freshness().count()).isEqualTo(1);
        g.record(e.reset().path("/app.js").status(200).requestHeader("user-agent", "Amazon CloudFront")
                .responseHeader("cache-control", "no-store"));
        assertThat(g.snapshot().expiry().tracked()).isZero();
    }

    @Test
    void record_steadyState_allocatesNothing() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        assumeTrue(mx instanceof com.sun.management.ThreadMXBean, "no allocation counter on this JVM");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
        assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "allocation counter disabled");
        CdnGuard g = guard(b -> b.expectBackend("asset-1"));
        MutableExchange[] exchanges = {
            new MutableExchange().path("/app.js").status(200).bytes(5_120).durationNanos(800_000)
                    .requestHeader("user-agent", "Amazon CloudFront")
                    .requestHeader("via", "1.1 a168957bd8c8e0b3c6d8a5b8a6d7f0a1.cloudfront.net (CloudFront)")
                    .responseHeader("cache-control", "public, max-age=3600"),
            new MutableExchange().path("/logo.svg").status(304).durationNanos(300_000)
                    .requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-FRA").requestHeader("if-none-match", "\"x\"")
                    .responseHeader("cache-control", "max-age=60, stale-while-revalidate=30"),
            new MutableExchange().path("/api").status(502).durationNanos(30_000_000)
                    .requestHeader("fastly-ff", "cache-fra19120-FRA").backend("asset-1")
                    .failure(UpstreamFailure.CONNECT_REFUSED),
            browser(200),
        };
        for (int i = 0; i < 20_000; i++) {
            g.record(exchanges[i & 3]);
        }
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 10_000; i++) {
            g.record(exchanges[i & 3]);
        }
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertThat(allocated).as("bytes allocated by 10,000 records").isLessThan(1_024);
        assertThat(g.snapshot().invalid()).isZero();
    }

    @Test
    void record_afterClose_stillCounted_andCloseIsIdempotent() {
        CdnGuard g = guard(b -> { });
        g.close();
        g.close();
        g.record(browser(200));
        assertThat(counted(g.snapshot())).isEqualTo(1);
    }

    @Test
    void checks_builtInsFirstThenUserChecks() {
        Check mine = new Check() {
            @Override
            public String name() {
                return "mine";
            }

            @Override
            public CheckResult evaluate(GuardSnapshot snapshot) {
                return CheckResult.up("seen " + snapshot.invalid());
            }
        };
        CdnGuard g = guard(b -> b.check(mine));
        assertThat(g.checks()).hasSizeGreaterThanOrEqualTo(3).last().isSameAs(mine);
        assertThat(g.checks()).extracting(Check::name).contains("upstream-failures", "cdn-errors");
        CdnGuard without = guard(b -> b.builtInChecks(false).detectionChecks(false).check(mine));
        assertThat(without.checks()).containsExactly(mine);
        assertThatThrownBy(() -> without.checks().add(mine)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void zone_reachesTheTrafficCheck_utcByDefault() {
        java.time.ZoneId berlin = java.time.ZoneId.of("Europe/Berlin");
        assertThat(guard(b -> b.zone(berlin)).checks()).filteredOn(c -> c instanceof io.cdnguard.checks.CdnTrafficCheck)
                .extracting(c -> ((io.cdnguard.checks.CdnTrafficCheck) c).zone()).containsExactly(berlin);
        assertThat(guard(b -> { }).checks()).filteredOn(c -> c instanceof io.cdnguard.checks.CdnTrafficCheck)
                .extracting(c -> ((io.cdnguard.checks.CdnTrafficCheck) c).zone()).containsExactly(java.time.ZoneOffset.UTC);
        assertThatThrownBy(() -> CdnGuard.builder().zone(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("zone");
    }

    @Test
    void evaluateNow_ticksAndHandsTheChecksAFreshSnapshot() {
        List<GuardSnapshot> seen = new ArrayList<>();
        Check spy = new Check() {
            @Override
            public String name() {
                return "spy";
            }

            @Override
            public CheckResult evaluate(GuardSnapshot snapshot) {
                seen.add(snapshot);
                return CheckResult.up("ok");
            }
        };
        CdnGuard g = guard(b -> b.builtInChecks(false).check(spy));
        g.record(browser(999));
        clock.advance(Duration.ofSeconds(25));
        HealthReport report = g.evaluateNow();
        assertThat(report.checks()).containsKey("spy");
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).invalid()).isEqualTo(1);
        assertThat(seen.get(0).timeMillis()).isEqualTo(T0 + 25_000);
        assertThat(seen.get(0).window().currentBucketStartMillis()).isEqualTo(T0 + 20_000);
        assertThat(g.health()).isSameAs(report);
    }

    @Test
    void endpoint_usesTheConfiguredPrefix() {
        CdnGuard g = guard(b -> b.endpointPrefix("/_guard"));
        assertThat(g.endpoint().prefix()).isEqualTo("/_guard");
    }

    @Test
    void build_invalidValues_throwNamingTheValue() {
        assertThatThrownBy(() -> CdnGuard.builder().window(Duration.ofSeconds(10), 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1");
        assertThatThrownBy(() -> CdnGuard.builder().maxUnknownBackends(-3).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-3");
        assertThatThrownBy(() -> CdnGuard.builder().trackedAssets(8).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8");
        assertThatThrownBy(() -> CdnGuard.builder().endpointPrefix("guard").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("guard");
    }

    @Test
    void guards_shareNoState() {
        CdnGuard a = guard(b -> { });
        CdnGuard b2 = guard(b -> { });
        a.record(browser(999));
        assertThat(a.snapshot().invalid()).isEqualTo(1);
        assertThat(b2.snapshot().invalid()).isZero();
    }
}
