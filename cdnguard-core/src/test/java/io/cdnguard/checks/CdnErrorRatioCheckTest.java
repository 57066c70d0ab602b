package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthStatus;
import io.cdnguard.StatusClass;
import io.cdnguard.testing.FakeSnapshot;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CdnErrorRatioCheckTest {

    private static final long T = 1_795_000_000_000L;

    private static FakeSnapshot snapshot(long ok, long errors) {
        FakeSnapshot s = new FakeSnapshot(T);
        s.windowCounts().cdn(0, StatusClass.SUCCESS, ok).cdn(2, StatusClass.SERVER_ERROR, errors)
                .cdn(1, StatusClass.CLIENT_ERROR, 0);
        return s;
    }

    @Test
    void defaults_nameAndThresholds_neverDown() {
        CdnErrorRatioCheck c = new CdnErrorRatioCheck();
        assertThat(c.name()).isEqualTo("cdn-errors");
        assertThat(c.evaluate(snapshot(95, 5)).status()).isEqualTo(HealthStatus.UP);        // 5 % is not above 5 %
        assertThat(c.evaluate(snapshot(94, 6)).status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(c.evaluate(snapshot(0, 500)).status()).isEqualTo(HealthStatus.DEGRADED); // 100 %: still not DOWN
    }

    @Test
    void downAbove_configured_turnsDown() {
        CdnErrorRatioCheck c = CdnErrorRatioCheck.builder().downAbove(0.5).build();
        assertThat(c.evaluate(snapshot(50, 50)).status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(c.evaluate(snapshot(49, 51)).status()).isEqualTo(HealthStatus.DOWN);
    }

    @Test
    void belowMinimumErrors_isUp() {
        CheckResult r = new CdnErrorRatioCheck().evaluate(snapshot(0, 4));
        assertThat(r.status()).isEqualTo(HealthStatus.UP);
        assertThat(r.message()).contains("below the minimum of 5");
        assertThat(CdnErrorRatioCheck.builder().minErrors(4).build().evaluate(snapshot(0, 4)).status())
                .isEqualTo(HealthStatus.DEGRADED);
    }

    @Test
    void onlyTheWindowCounts_andClientErrorsAreNotErrors() {
        FakeSnapshot s = new FakeSnapshot(T);
        s.windowCounts().cdn(0, StatusClass.SUCCESS, 10).cdn(0, StatusClass.CLIENT_ERROR, 90).cdn(7, StatusClass.SERVER_ERROR, 100);
        CheckResult r = new CdnErrorRatioCheck().evaluate(s);
        assertThat(r.status()).isEqualTo(HealthStatus.UP);
        assertThat(r.details()).containsEntry("errors", 0L).containsEntry("fetches", 100L);
        CheckResult wide = CdnErrorRatioCheck.builder().window(Duration.ofMinutes(2)).build().evaluate(s);
        assertThat(wide.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(wide.details()).containsEntry("errors", 100L).containsEntry("fetches", 200L)
                .containsEntry("ratio", 0.5).containsEntry("windowSeconds", 120L);
    }

    @Test
    void builder_validates() {
        assertThatThrownBy(() -> CdnErrorRatioCheck.builder().minErrors(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> CdnErrorRatioCheck.builder().degradedAbove(-0.1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-0.1");
        assertThatThrownBy(() -> CdnErrorRatioCheck.builder().window(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    }
}
