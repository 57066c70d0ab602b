package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link CheckResult#of(HealthStatus, String, java.util.function.Supplier)}: details computed once, when read. */
class CheckResultLazyDetailsTest {

    private static Map<String, Object> sample() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("observed", 3L);
        m.put("expected", 12.5);
        m.put("pop", "");
        return m;
    }

    @Test
    void of_supplier_calledOnlyWhenDetailsAreRead_andOnlyOnce() {
        AtomicInteger calls = new AtomicInteger();
        CheckResult r = CheckResult.of(HealthStatus.DEGRADED, "low", () -> {
            calls.incrementAndGet();
            return sample();
        });
        assertThat(r.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(r.message()).isEqualTo("low");
        assertThat(calls).hasValue(0);
        assertThat(r.details()).containsExactly(Map.entry("observed", 3L), Map.entry("expected", 12.5), Map.entry("pop", ""));
        assertThat(r.details()).isSameAs(r.details());
        assertThat(calls).hasValue(1);
        assertThatThrownBy(() -> r.details().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void of_supplierThatThrows_detailsSayWhy_andNothingEscapesToTheReader() {
        CheckResult r = CheckResult.of(HealthStatus.UP, "ok", () -> {
            throw new IllegalStateException("broken details");
        }).withDetail("extra", 1);
        assertThat(r.details()).containsEntry("extra", 1);
        assertThat(String.valueOf(r.details().get("detailsError"))).contains("broken details");
        assertThat(r.toString()).contains("broken details");
        HealthReport report = HealthReport.of(0L, Map.of("c", r));
        assertThat(report.status()).isEqualTo(HealthStatus.UP);
        assertThat(io.cdnguard.internal.HealthJson.render(report, true)).contains("detailsError").contains("\"extra\"");
    }

    @Test
    void of_supplier_equalsTheSameResultBuiltWithDetails() {
        CheckResult lazy = CheckResult.of(HealthStatus.UP, "ok", CheckResultLazyDetailsTest::sample);
        CheckResult eager = CheckResult.up("ok").withDetail("observed", 3L).withDetail("expected", 12.5).withDetail("pop", "");
        assertThat(lazy).isEqualTo(eager).hasSameHashCodeAs(eager);
        assertThat(lazy.toString()).isEqualTo(eager.toString());
    }

    @Test
    void withDetail_onLazyResult_addsAfterTheSuppliedDetails() {
        CheckResult r = CheckResult.of(HealthStatus.UP, "ok", CheckResultLazyDetailsTest::sample).withDetail("extra", true)
            .withDetail("observed", 4L);
        assertThat(r.details()).containsExactly(Map.entry("observed", 4L), Map.entry("expected", 12.5), Map.entry("pop", ""),
            Map.entry("extra", true));
    }

    @Test
    void of_supplierReturningNullOrEmpty_hasNoDetails() {
        assertThat(CheckResult.of(HealthStatus.UP, null, () -> null).details()).isEmpty();
        assertThat(CheckResult.of(HealthStatus.UP, "x", Map::of).details()).isEmpty();
        assertThat(CheckResult.of(HealthStatus.UP, null, () -> null).message()).isEmpty();
        assertThatThrownBy(() -> CheckResult.of(HealthStatus.UP, "x", (java.util.function.Supplier<Map<String, Object>>) null))
            .isInstanceOf(NullPointerException.class);
    }
}
