package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CdnGuard;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.MutableExchange;
import io.cdnguard.RollingWindow;
import io.cdnguard.testing.ManualTimeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue #8: NTP steps the injectable clock back and forward by an hour while a guard records and
 * evaluates. No exception, no negative or double-counted window, exact lifetime counts, no false
 * DEGRADED/DOWN; {@code cdn-traffic} treats the step as a discontinuity (restarts its recent
 * history, does not learn the open hour, says so in its details) and is still armed afterwards.
 */
class ClockJumpTest {

    private static final int PER_STEP = 5; // fetches per 10 s bucket: 30 a minute
    private static final Duration STEP = Duration.ofSeconds(10);

    private final ManualTimeSource clock = new ManualTimeSource(Instant.parse("2026-11-02T00:00:05Z")); // a Monday
    private CdnGuard guard;
    private final MutableExchange cdn = new MutableExchange().method("GET").path("/app.js").status(200).bytes(10)
            .requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-FRA").responseHeader("cache-control", "max-age=60");
    private long recorded;
    private long maxWindowSum;

    @BeforeEach
    void build() {
        guard = CdnGuard.builder().timeSource(clock).evaluationThread(false).detectionChecks(false).window(STEP, 6)
                .check(CdnTrafficCheck.builder().persistence(false).build()).build();
    }

    @AfterEach
    void close() {
        guard.close();
    }

    /** One 10 s step: record (unless silent), advance, evaluate; checks the invariants. */
    private HealthReport step(boolean traffic) {
        if (traffic) {
            for (int i = 0; i < PER_STEP; i++) {
                guard.record(cdn);
                recorded++;
            }
        }
        clock.advance(STEP);
        HealthReport r = guard.evaluateNow();
        GuardSnapshot s = guard.snapshot();
        assertThat(s.cdnFetches()).isEqualTo(recorded);
        RollingWindow w = s.window();
        long sum = 0;
        for (int b = 0; b < w.buckets(); b++) {
            long n = w.cdnFetches(b);
            // a small step back lets one bucket span 13 s of steps: at most two steps' fetches
            assertThat(n).as("bucket %d at %s", b, Instant.ofEpochMilli(clock.currentTimeMillis()))
                    .isBetween(0L, 2L * PER_STEP);
            sum += n;
        }
        assertThat(sum).as("window never double counts").isBetween(0L, maxWindowSum);
        for (Map.Entry<String, CheckResult> e : r.checks().entrySet()) {
            for (Map.Entry<String, Object> d : e.getValue().details().entrySet()) {
                if (d.getValue() instanceof Number && !d.getKey().equals("clockStepMinutes")) { // that one is signed
                    double v = ((Number) d.getValue()).doubleValue();
                    assertThat(Double.isFinite(v) && v >= 0).as("%s.%s = %s", e.getKey(), d.getKey(), v).isTrue();
                }
            }
        }
        return r;
    }

    private void steady(Duration d) {
        for (long t = 0; t < d.toMillis(); t += STEP.toMillis()) {
            HealthReport r = step(true);
            assertThat(r.status()).as("at %s: %s", Instant.ofEpochMilli(clock.currentTimeMillis()), r).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void ntpStepsBackAndForwardByAnHour_noExceptionNoNegativeNoDoubleCountNoFalseAlarm_stillArmed() {
        maxWindowSum = 7L * PER_STEP; // 6 buckets, one of which may hold two steps
        steady(Duration.ofHours(26)); // a day of history: cdn-traffic is armed
        CheckResult before = guard.health().checks().get(CdnTrafficCheck.NAME);
        assertThat((Double) before.details().get("baselineHours")).isGreaterThan(20.0);

        clock.advance(Duration.ofHours(-1)); // NTP step back
        HealthReport atBack = step(true);
        assertThat(atBack.status()).isEqualTo(HealthStatus.UP);
        assertThat(atBack.checks().get(CdnTrafficCheck.NAME).details()).containsEntry("clockStepMinutes", -60L);
        steady(Duration.ofMinutes(30));

        clock.advance(Duration.ofHours(1)); // NTP step forward: looks like an hour of silence
        HealthReport atForward = step(true);
        assertThat(atForward.status()).isEqualTo(HealthStatus.UP);
        CheckResult traffic = atForward.checks().get(CdnTrafficCheck.NAME);
        assertThat(traffic.details()).containsEntry("clockStepMinutes", 60L);
        assertThat(traffic.message()).contains("clock stepped");
        steady(Duration.ofMinutes(30));
        assertThat(guard.health().checks().get(CdnTrafficCheck.NAME).details()).doesNotContainKey("clockStepMinutes");

        // still armed: a real silence is flagged
        HealthStatus worst = HealthStatus.UP;
        for (int i = 0; i < 6 * 30; i++) {
            worst = worst.worst(step(false).checks().get(CdnTrafficCheck.NAME).status());
        }
        assertThat(worst).as("a real 30 min silence after the steps is still detected").isEqualTo(HealthStatus.DEGRADED);
    }

    @Test
    void clockStepsBackRepeatedly_bucketsNeverRotateBackwards_windowCountsStayExact() {
        maxWindowSum = 7L * PER_STEP; // 6 buckets, one of which may hold two steps
        steady(Duration.ofMinutes(5));
        long windowBefore = guard.snapshot().window().cdnFetchesLast(6);
        for (int k = 0; k < 5; k++) {
            long bucketBefore = guard.snapshot().window().currentBucketStartMillis();
            clock.advance(Duration.ofMinutes(-20));
            step(true);
            long bucketAfter = guard.snapshot().window().currentBucketStartMillis();
            assertThat(bucketAfter).as("a new bucket at the new time, not an old one reopened").isNotEqualTo(bucketBefore);
            clock.advance(Duration.ofMillis(-3_000)); // a small step back: ignored
            step(true);
            steady(Duration.ofMinutes(2));
        }
        assertThat(guard.snapshot().window().cdnFetchesLast(6)).isEqualTo(windowBefore);
    }
}
