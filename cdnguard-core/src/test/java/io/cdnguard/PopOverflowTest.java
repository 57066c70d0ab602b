package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import io.cdnguard.dropwizard.CdnGuardMetricNames;
import io.cdnguard.dropwizard.CdnGuardMetrics;
import io.cdnguard.internal.PrometheusText;
import io.cdnguard.testing.TestGuards;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** POPs beyond {@code maxPops}: counted in {@link GuardSnapshot#popOverflow()} and exported (issue #5). */
class PopOverflowTest {

    private final TestGuards guards = new TestGuards();

    private CdnGuard guard(Consumer<CdnGuard.Builder> config) {
        return guards.guard(config);
    }

    @AfterEach
    void close() {
        guards.close();
    }

    private static MutableExchange cloudflare(String pop) {
        return new MutableExchange().method("GET").path("/logo.svg").status(200).bytes(100).durationNanos(800_000)
                .requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-" + pop).requestHeader("cdn-loop", "cloudflare")
                .responseHeader("cache-control", "no-store");
    }

    /** Records {@code times} fetches from each POP, POPs in order. */
    private static void record(CdnGuard g, int times, String... pops) {
        for (String pop : pops) {
            for (int i = 0; i < times; i++) {
                g.record(cloudflare(pop));
            }
        }
    }

    private static long prometheusSample(String text, String name) {
        List<String> lines = text.lines().filter(l -> l.startsWith(name + ' ')).toList();
        assertThat(lines).as(name).hasSize(1);
        assertThat(text).contains("# HELP " + name + ' ', "# TYPE " + name + " counter\n");
        return Long.parseLong(lines.get(0).substring(name.length() + 1));
    }

    @Test
    void record_morePopsThanMaxPops_overflowEqualsTheExcessFetches() {
        CdnGuard g = guard(b -> b.maxPops(3));
        record(g, 4, "FRA", "LHR", "IAD"); // fills the cap
        record(g, 5, "NRT", "SYD"); // past the cap: 10 fetches overflow
        record(g, 2, "FRA"); // a tracked POP still counts as itself

        GuardSnapshot s = g.snapshot();
        assertThat(s.pops()).extracting(PopStats::pop).containsExactly("FRA", "LHR", "IAD");
        assertThat(s.pops()).extracting(PopStats::fetches).containsExactly(6L, 4L, 4L);
        assertThat(s.popOverflow()).isEqualTo(10);
        assertThat(s.pops().stream().mapToLong(PopStats::fetches).sum() + s.popOverflow())
                .isEqualTo(s.cdnFetches(Cdn.CLOUDFLARE));

        String text = PrometheusText.render(s, g.health());
        assertThat(prometheusSample(text, "cdnguard_cdn_pop_overflow_total")).isEqualTo(10);
        assertThat(text.lines().filter(l -> l.startsWith("cdnguard_cdn_pop_fetches_total{"))).hasSize(3);
    }

    @Test
    void record_withinMaxPops_overflowIsZeroButExported() {
        CdnGuard g = guard(b -> b.maxPops(3));
        record(g, 3, "FRA", "LHR");

        GuardSnapshot s = g.snapshot();
        assertThat(s.popOverflow()).isZero();
        assertThat(prometheusSample(PrometheusText.render(s, null), "cdnguard_cdn_pop_overflow_total")).isZero();
    }

    @Test
    void record_maxPopsZero_everyPopFetchOverflows() {
        CdnGuard g = guard(b -> b.maxPops(0));
        record(g, 2, "FRA", "LHR", "IAD");

        GuardSnapshot s = g.snapshot();
        assertThat(s.pops()).isEmpty();
        assertThat(s.popOverflow()).isEqualTo(6);
    }

    @Test
    void dropwizardGauge_readsThePopOverflow() {
        CdnGuard g = guard(b -> b.maxPops(1));
        record(g, 3, "FRA", "LHR", "IAD");

        Map<String, Metric> metrics = new CdnGuardMetrics(g).getMetrics();
        Metric m = metrics.get(CdnGuardMetricNames.POP_OVERFLOW.metricName());
        assertThat(m).isInstanceOf(Gauge.class);
        assertThat(((Gauge<?>) m).getValue()).isEqualTo(6L);
    }

    @Test
    void popOverflow_defaultForOlderImplementations_isZero() {
        GuardSnapshot legacy = (GuardSnapshot) java.lang.reflect.Proxy.newProxyInstance(
                GuardSnapshot.class.getClassLoader(), new Class<?>[] {GuardSnapshot.class},
                (proxy, method, args) -> {
                    if (method.isDefault()) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        assertThat(legacy.popOverflow()).isZero();
    }
}
