package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthJsonTest {

    private static final long T = Instant.parse("2026-11-23T02:00:00.250Z").toEpochMilli();

    private static HealthReport report(Map<String, CheckResult> checks) {
        return HealthReport.of(T, checks);
    }

    @Test
    @SuppressWarnings("unchecked")
    void render_withDetails_followsDraftShape() {
        Map<String, CheckResult> checks = new LinkedHashMap<>();
        checks.put("cdn-errors", CheckResult.degraded("12.5% 5xx").withDetail("errors", 5L).withDetail("ratio", 0.125));
        checks.put("upstream-failures", CheckResult.up("fine"));
        Map<String, Object> doc = HealthJsonTestParser.parseObject(HealthJson.render(report(checks), true));

        assertThat(doc).containsEntry("status", "warn").containsEntry("description", "cdnguard")
                .containsEntry("cdnguardStatus", "DEGRADED");
        assertThat(Instant.parse((String) doc.get("time")).toEpochMilli()).isEqualTo(T);
        Map<String, Object> c = (Map<String, Object>) doc.get("checks");
        assertThat(c).containsOnlyKeys("cdn-errors", "upstream-failures");
        Map<String, Object> errors = ((List<Map<String, Object>>) c.get("cdn-errors")).get(0);
        assertThat(errors).containsEntry("status", "warn").containsEntry("cdnguardStatus", "DEGRADED")
                .containsEntry("output", "12.5% 5xx").containsEntry("time", doc.get("time"));
        assertThat((Map<String, Object>) errors.get("details")).containsEntry("errors", 5L).containsEntry("ratio", 0.125);
        Map<String, Object> up = ((List<Map<String, Object>>) c.get("upstream-failures")).get(0);
        assertThat(up).containsEntry("status", "pass").doesNotContainKey("details");
    }

    @Test
    void render_statusWords_mapToDraftWords() {
        for (HealthStatus s : HealthStatus.values()) {
            Map<String, Object> doc = HealthJsonTestParser.parseObject(
                    HealthJson.render(report(Map.of("c", CheckResult.of(s, "m"))), false));
            assertThat(doc.get("status")).isEqualTo(s.apiStatus());
            assertThat(doc.get("cdnguardStatus")).isEqualTo(s.name());
        }
    }

    @Test
    void render_withoutDetails_hasOnlyStatusAndTime() {
        Map<String, CheckResult> checks = Map.of("secret-check", CheckResult.down("backend 10.0.0.7 refused").withDetail("host", "10.0.0.7"));
        String json = HealthJson.render(report(checks), false);
        Map<String, Object> doc = HealthJsonTestParser.parseObject(json);

        assertThat(doc).containsOnlyKeys("status", "description", "cdnguardStatus", "time");
        assertThat(doc).containsEntry("status", "fail").containsEntry("cdnguardStatus", "DOWN");
        assertThat(json).doesNotContain("secret-check").doesNotContain("10.0.0.7");
    }

    @Test
    @SuppressWarnings("unchecked")
    void render_hostileStrings_areEscapedAndParseBack() {
        String hostile = "say \"hi\"\\ \n\r\t\u0001 </script><script>alert(1)&amp; \u2028 ünï €";
        Map<String, CheckResult> checks = Map.of(hostile, CheckResult.degraded(hostile).withDetail(hostile, hostile));
        String json = HealthJson.render(report(checks), true);

        assertThat(json).doesNotContain("</script>").doesNotContain("<").doesNotContain(">").doesNotContain("&")
                .doesNotContain("\u2028");
        assertThat(json.substring(0, json.length() - 1)).doesNotContain("\n");
        Map<String, Object> doc = HealthJsonTestParser.parseObject(json);
        Map<String, Object> c = (Map<String, Object>) doc.get("checks");
        Map<String, Object> check = ((List<Map<String, Object>>) c.get(hostile)).get(0);
        assertThat(check.get("output")).isEqualTo(hostile);
        assertThat((Map<String, Object>) check.get("details")).containsEntry(hostile, hostile);
    }

    @Test
    @SuppressWarnings("unchecked")
    void render_detailValues_becomeJsonTypes() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("list", List.of(1, "two", true));
        nested.put("nan", Double.NaN);
        CheckResult r = CheckResult.up("")
                .withDetail("long", Long.MAX_VALUE)
                .withDetail("double", 0.5)
                .withDetail("inf", Double.POSITIVE_INFINITY)
                .withDetail("bool", false)
                .withDetail("null", null)
                .withDetail("nested", nested)
                .withDetail("observedValue", 0.25)
                .withDetail("observedUnit", "ratio");
        Map<String, Object> doc = HealthJsonTestParser.parseObject(HealthJson.render(report(Map.of("c", r)), true));
        Map<String, Object> check = ((List<Map<String, Object>>) ((Map<String, Object>) doc.get("checks")).get("c")).get(0);
        Map<String, Object> details = (Map<String, Object>) check.get("details");

        assertThat(check).containsEntry("observedValue", 0.25).containsEntry("observedUnit", "ratio").doesNotContainKey("output");
        assertThat(details).containsEntry("long", Long.MAX_VALUE).containsEntry("double", 0.5)
                .containsEntry("inf", null).containsEntry("bool", false).containsEntry("null", null)
                .doesNotContainKey("observedValue");
        assertThat((Map<String, Object>) details.get("nested")).containsEntry("list", List.of(1L, "two", true))
                .containsEntry("nan", null);
    }

    @Test
    void render_selfReferencingMap_isCutOffNotOverflowed() {
        Map<String, Object> loop = new LinkedHashMap<>();
        loop.put("self", loop);
        String json = HealthJson.render(report(Map.of("c", CheckResult.up("x").withDetail("loop", loop))), true);
        assertThat(HealthJsonTestParser.parse(json)).isNotNull();
    }

    @Test
    void render_emptyReport_hasEmptyChecks() {
        Map<String, Object> doc = HealthJsonTestParser.parseObject(HealthJson.render(HealthReport.empty(T), true));
        assertThat(doc).containsEntry("status", "pass").containsEntry("checks", Map.of());
    }
}
