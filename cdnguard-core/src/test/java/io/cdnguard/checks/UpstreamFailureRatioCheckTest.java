package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthStatus;
import io.cdnguard.testing.FakeSnapshot;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpstreamFailureRatioCheckTest {

    private static final long T = 1_795_000_000_000L;

    private static FakeSnapshot snapshot(long exchanges, long failures) {
        FakeSnapshot s = new FakeSnapshot(T);
        s.windowCounts().backend(0, exchanges / 2, failures / 2).backend(5, exchanges - exchanges / 2, failures - failures / 2);
        return s;
    }

    @Test
    void defaults_nameAndThresholds() {
        UpstreamFailureRatioCheck c = new UpstreamFailureRatioCheck();
        assertThat(c.name()).isEqualTo("upstream-failures");
        assertThat(c.evaluate(snapshot(100, 10)).status()).isEqualTo(HealthStatus.UP);       // 10 % is not above 10 %
        assertThat(c.evaluate(snapshot(100, 11)).status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(c.evaluate(snapshot(100, 50)).status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(c.evaluate(snapshot(100, 51)).status()).isEqualTo(HealthStatus.DOWN);
    }

    @Test
    void belowMinimumFailures_isUpEvenAtFullRatio() {
        CheckResult r = new UpstreamFailureRatioCheck().evaluate(snapshot(4, 4));
        assertThat(r.status()).isEqualTo(HealthStatus.UP);
        assertThat(r.message()).contains("below the minimum of 5");
        assertThat(new UpstreamFailureRatioCheck().evaluate(snapshot(5, 5)).status()).isEqualTo(HealthStatus.DOWN);
    }

    @Test
    void onlyTheWindowCounts() {
        FakeSnapshot s = new FakeSnapshot(T);
        s.windowCounts().backend(0, 100, 0).backend(6, 100, 100); // bucket 6 ended a minute ago: outside 1 min
        assertThat(new UpstreamFailureRatioCheck().evaluate(s).status()).isEqualTo(HealthStatus.UP);
        CheckResult wide = UpstreamFailureRatioCheck.builder().window(Duration.ofSeconds(70)).build().evaluate(s);
        assertThat(wide.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(wide.details()).containsEntry("windowSeconds", 70L);
    }

    @Test
    void details_countsRatioWindow() {
        CheckResult r = new UpstreamFailureRatioCheck().evaluate(snapshot(40, 10));
        assertThat(r.details()).containsEntry("failures", 10L).containsEntry("exchanges", 40L)
                .containsEntry("ratio", 0.25).containsEntry("windowSeconds", 60L);
        assertThat(r.message()).contains("25.0%").contains("1m");
    }

    @Test
    void failuresWithoutExchanges_countAsFullRatio() {
        CheckResult r = new UpstreamFailureRatioCheck().evaluate(snapshot(0, 8));
        assertThat(r.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(r.details()).containsEntry("ratio", 1.0);
    }

    @Test
    void windowRoundsUpToBuckets_withOtherBucketLengths() {
        FakeSnapshot s = new FakeSnapshot(T, 15_000, 10);
        s.windowCounts().backend(3, 10, 10).backend(4, 10, 10);
        CheckResult r = new UpstreamFailureRatioCheck().evaluate(s); // 60 s = 4 buckets of 15 s: 0..3
        assertThat(r.details()).containsEntry("failures", 10L).containsEntry("windowSeconds", 60L);
        CheckResult longer = UpstreamFailureRatioCheck.builder().window(Duration.ofHours(1)).build().evaluate(s);
        assertThat(longer.details()).containsEntry("windowSeconds", 150L); // capped at the guard's window
    }

    @Test
    void builder_configures_andValidates() {
        UpstreamFailureRatioCheck c = UpstreamFailureRatioCheck.builder().minFailures(1).degradedAbove(0.0).downAbove(1.0).build();
        assertThat(c.evaluate(snapshot(100, 1)).status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(c.evaluate(snapshot(2, 2)).status()).isEqualTo(HealthStatus.DEGRADED);

        assertThatThrownBy(() -> UpstreamFailureRatioCheck.builder().minFailures(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> UpstreamFailureRatioCheck.builder().degradedAbove(1.5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1.5");
        assertThatThrownBy(() -> UpstreamFailureRatioCheck.builder().downAbove(Double.NaN).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
        assertThatThrownBy(() -> UpstreamFailureRatioCheck.builder().degradedAbove(0.6).downAbove(0.5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0.5");
        assertThatThrownBy(() -> UpstreamFailureRatioCheck.builder().window(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    }
}
