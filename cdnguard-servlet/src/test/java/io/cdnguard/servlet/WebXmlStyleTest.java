package io.cdnguard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.RecognitionRules;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Configuration as a {@code web.xml} declares it: the filter and health servlet by class name (no-arg
 * constructors), the guard built from the filter's init-params, shared through the servlet context
 * attribute, under a non-root context path, in both containers.
 */
class WebXmlStyleTest {

    static Stream<Arguments> containers() {
        return Stream.of(Arguments.of("jetty", (Supplier<Container>) JettyContainer::new),
                Arguments.of("tomcat", (Supplier<Container>) TomcatContainer::new));
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void initParams_buildOneSharedGuard_underContextPath_closedWithTheContext(String name, Supplier<Container> factory)
            throws Exception {
        Set<String> threadsBefore = evaluationThreads();
        WebApp app = new WebApp()
                .contextPath("/shop")
                .filter("cdnguard", CdnGuardFilter.class,
                        Map.of("expect-backends", "asset-1, asset-2", "evaluation-period", "1h", "details-token", "t0ken"),
                        "/*", DispatcherType.REQUEST, DispatcherType.ERROR, DispatcherType.ASYNC)
                .servlet("hello", new TestApp.HelloServlet(), "/hello")
                .servlet("cdnguard-health", CdnGuardHealthServlet.class, "/cdnguard/*");
        CdnGuard guard;
        try (Container container = factory.get()) {
            URI base = container.start(app);
            Object attr = container.servletContext().getAttribute(CdnGuardFilter.GUARD_ATTRIBUTE);
            assertThat(attr).isInstanceOf(CdnGuard.class);
            guard = (CdnGuard) attr;
            assertThat(evaluationThreads()).hasSize(threadsBefore.size() + 1);
            GuardSnapshot before = guard.snapshot();

            HttpResponse<String> hello = get(base + "/hello", "User-Agent", "Amazon CloudFront", "X-Amz-Cf-Id", "abc123==");
            assertThat(hello.statusCode()).isEqualTo(200);
            guard.evaluateNow();
            HttpResponse<String> health = get(base + "/cdnguard/health", "User-Agent", "Amazon CloudFront",
                    "X-Amz-Cf-Id", "def456==", "Authorization", "Bearer t0ken");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.headers().firstValue("content-type").orElse("")).startsWith("application/health+json");
            assertThat(health.body()).as("details shown with the token").contains("\"checks\"").contains("cdn-errors");
            HttpResponse<String> lb = get(base + "/cdnguard/health/lb");
            assertThat(lb.body().trim()).isEqualTo("UP");

            GuardSnapshot after = awaitCounts(guard, before, 3);
            assertThat(after.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)
                    - before.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(1);
            assertThat(after.otherRequests(RequestKind.SELF) - before.otherRequests(RequestKind.SELF))
                    .as("context-relative /cdnguard/* paths are the guard's own").isEqualTo(2);
            assertThat(after.backends()).extracting(b -> b.name()).contains("asset-1", "asset-2");
        }
        assertThat(evaluationThreads()).as("the guard the filter created is closed with the context")
                .isEqualTo(threadsBefore);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void guardGivenInCode_isPublishedAndUsed_butNotClosed(String name, Supplier<Container> factory) throws Exception {
        Set<String> threadsBefore = evaluationThreads();
        CdnGuard mine = CdnGuard.builder().evaluationPeriod(Duration.ofHours(1)).build();
        try {
            Set<String> withMine = evaluationThreads();
            assertThat(withMine).hasSize(threadsBefore.size() + 1);
            CdnGuardFilter filter = new CdnGuardFilter(mine);
            WebApp app = new WebApp()
                    .filter("cdnguard", filter, "/*")
                    .servlet("hello", new TestApp.HelloServlet(), "/hello")
                    .servlet("cdnguard-health", CdnGuardHealthServlet.class, "/cdnguard/*");
            try (Container container = factory.get()) {
                URI base = container.start(app);
                assertThat(container.servletContext().getAttribute(CdnGuardFilter.GUARD_ATTRIBUTE)).isSameAs(mine);
                assertThat(filter.guard()).isSameAs(mine);
                GuardSnapshot before = mine.snapshot();
                assertThat(get(base + "/hello", "CF-Ray", "8c1f2a3b4c5d6e7f-FRA", "CDN-Loop", "cloudflare").statusCode())
                        .isEqualTo(200);
                mine.evaluateNow();
                assertThat(get(base + "/cdnguard/health/lb").body().trim()).isEqualTo("UP");
                GuardSnapshot after = awaitCounts(mine, before, 2);
                assertThat(after.cdnFetches(Cdn.CLOUDFLARE, StatusClass.SUCCESS)
                        - before.cdnFetches(Cdn.CLOUDFLARE, StatusClass.SUCCESS)).isEqualTo(1);
                assertThat(after.otherRequests(RequestKind.SELF) - before.otherRequests(RequestKind.SELF)).isEqualTo(1);
            }
            assertThat(evaluationThreads()).as("the filter does not close a guard it did not create").isEqualTo(withMine);
        } finally {
            mine.close();
        }
        assertThat(evaluationThreads()).isEqualTo(threadsBefore);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void trustedRangeRule_seesTheClientAddress(String name, Supplier<Container> factory) throws Exception {
        RecognitionRules rules = RecognitionRules.builder().trustedRange("127.0.0.0/8", Cdn.FASTLY).requireTrust().build();
        try (CdnGuard guard = CdnGuard.builder().evaluationThread(false).recognition(rules).build();
                Container container = factory.get()) {
            URI base = container.start(new WebApp()
                    .filter("cdnguard", new CdnGuardFilter(guard), "/*")
                    .servlet("hello", new TestApp.HelloServlet(), "/hello"));
            GuardSnapshot before = guard.snapshot();

            assertThat(get(base + "/hello").statusCode()).isEqualTo(200);

            GuardSnapshot after = awaitCounts(guard, before, 1);
            assertThat(after.cdnFetches(Cdn.FASTLY) - before.cdnFetches(Cdn.FASTLY))
                    .as("a request from 127.0.0.1 without CDN headers is a trusted Fastly fetch").isEqualTo(1);
        }
    }

    @Test
    void healthServlet_withoutAnyGuard_answers503NoStore() throws Exception {
        WebApp app = new WebApp().servlet("cdnguard-health", CdnGuardHealthServlet.class, "/cdnguard/*");
        try (Container container = new JettyContainer()) {
            URI base = container.start(app);
            HttpResponse<String> r = get(base + "/cdnguard/health");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
            assertThat(r.body()).contains(CdnGuardFilter.GUARD_ATTRIBUTE);
        }
    }

    @Test
    void init_wrapResponseParam_choosesTheMode_badValueFailsNamingIt() throws ServletException {
        String[][] cases = {{"false", "NEVER"}, {"true", "ALWAYS"}, {" Auto ", "AUTO"}};
        for (String[] c : cases) {
            CdnGuardFilter filter = new CdnGuardFilter();
            filter.init(config(Map.of("wrap-response", c[0], "evaluation-period", "1h")));
            try {
                assertThat(filter.responseWrapping()).as(c[0]).isEqualTo(CdnGuardFilter.ResponseWrapping.valueOf(c[1]));
            } finally {
                filter.destroy();
            }
        }
        assertThat(new CdnGuardFilter().responseWrapping()).as("default").isEqualTo(CdnGuardFilter.ResponseWrapping.AUTO);
        assertThatThrownBy(() -> new CdnGuardFilter().init(config(Map.of("wrap-response", "maybe"))))
                .isInstanceOf(ServletException.class).hasMessageContaining("wrap-response").hasMessageContaining("maybe");
    }

    @Test
    void init_wrapResponseParam_constructorModeWins() throws ServletException {
        CdnGuard guard = CdnGuard.builder().evaluationThread(false).build();
        try {
            CdnGuardFilter filter = new CdnGuardFilter(guard, CdnGuardFilter.ResponseWrapping.NEVER);
            filter.init(config(Map.of("wrap-response", "true")));
            assertThat(filter.responseWrapping()).isEqualTo(CdnGuardFilter.ResponseWrapping.NEVER);
            filter.destroy();
        } finally {
            guard.close();
        }
    }

    @Test
    void init_badInitParam_failsNamingIt() {
        assertThatThrownBy(() -> new CdnGuardFilter().init(config(Map.of("evaluation-period", "soon"))))
                .isInstanceOf(ServletException.class).hasMessageContaining("evaluation-period").hasMessageContaining("soon");
        assertThatThrownBy(() -> new CdnGuardFilter().init(config(Map.of("tracked-assets", "lots"))))
                .isInstanceOf(ServletException.class).hasMessageContaining("tracked-assets");
        assertThatThrownBy(() -> new CdnGuardFilter().init(config(Map.of("endpoint-prefix", "health"))))
                .isInstanceOf(ServletException.class).hasMessageContaining("endpoint-prefix");
        assertThatThrownBy(() -> new CdnGuardFilter().init(config(Map.of("expect-backend", "a"))))
                .isInstanceOf(ServletException.class).hasMessageContaining("expect-backend")
                .hasMessageContaining("expect-backends");
        assertThatThrownBy(() -> new CdnGuardFilter().init(config(Map.of("window-buckets", "1"))))
                .isInstanceOf(ServletException.class).hasMessageContaining("window-buckets");
        // a blank token (a placeholder that expanded to nothing) would otherwise make details public
        assertThatThrownBy(() -> new CdnGuardFilter().init(config(Map.of("details-token", "  "))))
                .isInstanceOf(ServletException.class).hasMessageContaining("details-token");
    }

    @Test
    void initParams_detectionChecksGroupsAndTrace() throws ServletException {
        try (CdnGuard guard = GuardConfig.build(Map.of("name", "shop", "baseline-directory",
                System.getProperty("java.io.tmpdir"), "expect-backends", "static: asset-1, asset-2; api:api-1,api-2",
                "trace-log", "false"))) {
            assertThat(guard.checks().stream().map(c -> c.name()))
                    .contains("cdn-traffic", "cache-refetch", "missing-backend");
            assertThat(guard.snapshot().backends().stream().filter(b -> b.expected()).map(b -> b.name()))
                    .containsExactly("asset-1", "asset-2", "api-1", "api-2");
        }
        try (CdnGuard guard = GuardConfig.build(Map.of("detection-checks", "false", "expect-backends", "a,b"))) {
            assertThat(guard.checks().stream().map(c -> c.name()))
                    .doesNotContain("cdn-traffic", "cache-refetch", "missing-backend");
        }
        assertThatThrownBy(() -> GuardConfig.build(Map.of("detection-checks", "maybe")))
                .isInstanceOf(ServletException.class).hasMessageContaining("detection-checks");
        assertThatThrownBy(() -> GuardConfig.build(Map.of("expect-backends", "static:")))
                .isInstanceOf(ServletException.class)
                .hasMessage("cdnguard: init-param 'expect-backends': group 'static' without backends in 'static:'");
        assertThatThrownBy(() -> GuardConfig.build(Map.of("expect-backends", "static:a;api:a")))
                .isInstanceOf(ServletException.class)
                .hasMessage("cdnguard: init-param 'expect-backends': backend 'a' in two groups: 'static' and 'api'");
        assertThatThrownBy(() -> GuardConfig.build(Map.of("expect-backends", " ; ")))
                .isInstanceOf(ServletException.class).hasMessageContaining("no backend");
        try (CdnGuard guard = GuardConfig.build(Map.of("detection-checks", "false", "expect-backends", " "))) {
            assertThat(guard.snapshot().backends()).isEmpty(); // blank: not set, like the other init-params
        }
        try (CdnGuard guard = GuardConfig.build(Map.of("detection-checks", "false", "expect-backends", "\n  a\n  b, c\n"))) {
            assertThat(guard.snapshot().backends().stream().filter(b -> b.expected()).map(b -> b.name()))
                    .containsExactly("a", "b", "c"); // a web.xml list over several lines
        }
        assertThatThrownBy(() -> GuardConfig.build(Map.of("trace-log", "yes")))
                .isInstanceOf(ServletException.class).hasMessageContaining("trace-log");
    }

    @Test
    void initParam_zone_reachesCdnTraffic_badOneFailsDeployment() throws ServletException {
        try (CdnGuard guard = GuardConfig.build(Map.of("zone", " Asia/Kolkata ", "baseline-directory",
                System.getProperty("java.io.tmpdir"), "name", "zone-test"))) {
            assertThat(guard.checks().stream().filter(c -> c instanceof io.cdnguard.checks.CdnTrafficCheck)
                    .map(c -> ((io.cdnguard.checks.CdnTrafficCheck) c).zone()))
                    .containsExactly(java.time.ZoneId.of("Asia/Kolkata"));
        }
        try (CdnGuard guard = GuardConfig.build(Map.of("baseline-directory", System.getProperty("java.io.tmpdir"), "name", "zone-default"))) {
            assertThat(guard.checks().stream().filter(c -> c instanceof io.cdnguard.checks.CdnTrafficCheck)
                    .map(c -> ((io.cdnguard.checks.CdnTrafficCheck) c).zone()))
                    .containsExactly(java.time.ZoneOffset.UTC);
        }
        assertThatThrownBy(() -> GuardConfig.build(Map.of("zone", "Mars/Olympus")))
                .isInstanceOf(ServletException.class).hasMessageContaining("'zone'").hasMessageContaining("Mars/Olympus");
    }

    @Test
    void duration_acceptsUnitsAndIso() throws ServletException {
        assertThat(GuardConfig.duration("p", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(GuardConfig.duration("p", "10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(GuardConfig.duration("p", "10")).isEqualTo(Duration.ofSeconds(10));
        assertThat(GuardConfig.duration("p", " 5m ")).isEqualTo(Duration.ofMinutes(5));
        assertThat(GuardConfig.duration("p", "2h")).isEqualTo(Duration.ofHours(2));
        assertThat(GuardConfig.duration("p", "PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> GuardConfig.duration("refetch-grace", "5 fortnights")).isInstanceOf(ServletException.class)
                .hasMessageContaining("refetch-grace");
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private HttpResponse<String> get(String uri, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Waits until {@code n} more exchanges (of any kind) are counted: recording may trail the response. */
    private static GuardSnapshot awaitCounts(CdnGuard guard, GuardSnapshot before, int n) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        GuardSnapshot s = guard.snapshot();
        while (total(s) - total(before) < n && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            s = guard.snapshot();
        }
        return s;
    }

    private static long total(GuardSnapshot s) {
        long t = 0;
        for (RequestKind k : RequestKind.values()) {
            t += k == RequestKind.CDN ? s.cdnFetches() : s.otherRequests(k);
        }
        return t;
    }

    private static Set<String> evaluationThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("cdnguard-eval-")).collect(Collectors.toSet());
    }

    private static FilterConfig config(Map<String, String> params) {
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "cdnguard";
            }

            @Override
            public ServletContext getServletContext() {
                return null;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
    }

}
