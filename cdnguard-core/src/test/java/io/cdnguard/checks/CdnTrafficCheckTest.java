package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MONDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthStatus;
import io.cdnguard.StatusClass;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CdnTrafficCheckTest {

    @Test
    void builder_defaults_buildAndNameIsStable() {
        CdnTrafficCheck check = CdnTrafficCheck.builder().persistence(false).build();
        assertThat(check.name()).isEqualTo("cdn-traffic");
        assertThat(check.baselineFile()).isNull();
    }

    @Test
    void builder_rejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> CdnTrafficCheck.builder().silenceThresholdNats(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("silenceThresholdNats");
        assertThatThrownBy(() -> CdnTrafficCheck.builder().deepDropRatio(1.5).build()).hasMessageContaining("1.5");
        assertThatThrownBy(() -> CdnTrafficCheck.builder().rateStepThresholdNats(Double.NaN).build())
                .hasMessageContaining("rateStepThresholdNats");
        assertThat(CdnTrafficCheck.builder().persistence(false).rateStepThresholdNats(Double.POSITIVE_INFINITY).build()).isNotNull();
        assertThatThrownBy(() -> CdnTrafficCheck.builder().recoverRatio(0).build()).hasMessageContaining("recoverRatio");
        assertThatThrownBy(() -> CdnTrafficCheck.builder().midnightGuard(Duration.ofMinutes(-1)).build()).hasMessageContaining("midnightGuard");
        assertThatThrownBy(() -> CdnTrafficCheck.builder().midnightGuard(Duration.ofHours(13)).build()).hasMessageContaining("midnightGuard");
        assertThat(CdnTrafficCheck.builder().persistence(false).midnightGuard(Duration.ZERO).build()).isNotNull();
        assertThatThrownBy(() -> CdnTrafficCheck.builder().baselineName("../etc/passwd").build()).hasMessageContaining("baselineName");
        assertThatThrownBy(() -> CdnTrafficCheck.builder().saveInterval(Duration.ZERO).build()).hasMessageContaining("saveInterval");
    }

    @Test
    void evaluate_firstHour_isUpAndSaysWarmingUp() {
        CdnTrafficCheck check = CdnTrafficCheck.builder().persistence(false).build();
        TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        CheckResult r = null;
        for (long t = MONDAY; t < MONDAY + 30 * 60_000L; t += 10_000) {
            s.time = t;
            s.add(StatusClass.SUCCESS, 1);
            r = check.evaluate(s);
        }
        assertThat(r.status()).isEqualTo(HealthStatus.UP);
        assertThat(r.message()).contains("warming up");
        assertThat(r.details()).containsEntry("warmingUp", true).containsKeys("expectedPerMin", "observed", "evidenceNats",
                "windowMinutes", "baselineHours", "baselineSource");
    }

    @Test
    void evaluate_onlyServerErrorsAfterAStop_countAsSilence_withConfiguredSeverity() {
        CdnTrafficCheck check = CdnTrafficCheck.builder().persistence(false).severity(HealthStatus.DOWN).build();
        TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        String[] pops = {"cloudfront:FRA", "cloudfront:LHR"};
        long[] popCum = new long[2];
        long stop = MONDAY + 3 * HOUR;
        HealthStatus status = HealthStatus.UP;
        long firstAlarm = Long.MAX_VALUE;
        for (long t = MONDAY; t < stop + HOUR; t += 10_000) {
            s.time = t;
            if (t < stop) {
                s.add(t % 20_000 == 0 ? StatusClass.SUCCESS : StatusClass.REDIRECTION, 1); // 6 a minute
                popCum[(int) (t / 10_000 % 2)]++;
            } else {
                s.add(StatusClass.SERVER_ERROR, 1); // the CDN still calls but every answer is a 5xx
            }
            s.setPops(pops, popCum);
            CheckResult r = check.evaluate(s);
            if (r.status() != HealthStatus.UP && status == HealthStatus.UP) {
                firstAlarm = t;
                assertThat(r.message()).contains("dropped");
            }
            status = r.status();
        }
        assertThat(status).isEqualTo(HealthStatus.DOWN);
        // 6 fetches a minute, 17 nats (+3 while warming up): about 3.3 min
        assertThat((firstAlarm - stop) / 60_000.0).isBetween(2.0, 6.0);
    }
}
