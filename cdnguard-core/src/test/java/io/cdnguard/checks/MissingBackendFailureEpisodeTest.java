package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MIN;
import static io.cdnguard.checks.TrafficModel.MONDAY;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthStatus;
import io.cdnguard.UpstreamFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import io.cdnguard.checks.MissingBackendCheckTest.Gateway;
import io.cdnguard.checks.MissingBackendCheckTest.Run;
import org.junit.jupiter.api.Test;

/**
 * A failure episode attributed to one backend must not be cleared by the successes of the other
 * backends (issue #3, H8 audit: one backend refusing every connection on a quiet Sunday paged and
 * cleared six times in two hours, because its peers' and the API's successes counted as "back").
 */
class MissingBackendFailureEpisodeTest {

    @Test
    void backendRefusingEverything_quietRoute_peersSucceeding_oneAlertNoFlap() {
        for (long seed = 1; seed <= 6; seed++) {
            Gateway gw = new Gateway(100 + seed, 1.5, 0.3);
            Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 6 * HOUR);
            assertThat(run.transitions).as("seed %d before the incident", seed).isEmpty();
            long start = run.t;
            gw.failingBackend = 1; // asset-2 refuses every exchange; asset-1, asset-3 and the API serve
            run.until(start + 3 * HOUR);
            assertThat(run.firstAlarm).as("seed %d: detected", seed).isLessThan(start + 3 * HOUR);
            assertThat(run.atAlarm.details()).containsEntry("failingBackends", "asset-2");
            assertThat(run.status).as("seed %d: still DEGRADED while asset-2 fails: %s", seed, run.transitions)
                    .isEqualTo(HealthStatus.DEGRADED);
            assertThat(run.transitions).as("seed %d: one incident, one alert: %s", seed, run.transitions).hasSize(1);
            gw.failingBackend = -1;
            run.until(run.t + 2 * HOUR);
            assertThat(run.status).as("seed %d: clears once asset-2 serves again", seed).isEqualTo(HealthStatus.UP);
            assertThat(run.transitions).as("seed %d: %s", seed, run.transitions).hasSize(2);
        }
    }

    @Test
    void staticNoBackend_unattributedFailures_stillClearOnGlobalSuccesses() {
        Gateway gw = new Gateway(7, 2, 0.5);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 3 * HOUR);
        long start = run.t;
        gw.staticNoBackend = true;
        run.until(start + 2 * HOUR);
        assertThat(run.status).isEqualTo(HealthStatus.DEGRADED);
        gw.staticNoBackend = false;
        run.until(run.t + 90 * MIN);
        assertThat(run.status).isEqualTo(HealthStatus.UP);
        assertThat(run.transitions).as("%s", run.transitions).hasSize(2);
    }

    @Test
    void backendFailingHalf_alarmNotClearedWithinItsOwnWindow() {
        // asset-2 refuses half its exchanges for 2 h; /static/* 4/min over three backends, /api/* 1/min
        for (long seed = 1; seed <= 6; seed++) {
            MissingBackendCheck check = MissingBackendCheck.builder().build();
            String[] names = {"asset-1", "asset-2", "asset-3", "api-1", "api-2"};
            long[] ex = new long[names.length];
            long[] fail = new long[names.length];
            long refused = 0;
            TrafficModel rng = new TrafficModel(seed, 1, new String[] {"x"}, new double[] {1}, 1, 1);
            SplittableRandom pick = new SplittableRandom(seed * 17 + 3);
            TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
            List<String> transitions = new ArrayList<>();
            List<String> shortEpisodes = new ArrayList<>();
            HealthStatus status = HealthStatus.UP;
            long alarmAt = 0;
            long start = MONDAY + 4 * HOUR;
            long end = start + 2 * HOUR;
            for (long t = MONDAY; t <= end; t += 10_000L) {
                long st = rng.poisson(4.0 / 6);
                long api = rng.poisson(1.0 / 6);
                for (long i = 0; i < st; i++) {
                    int b = pick.nextInt(3);
                    ex[b]++;
                    if (b == 1 && t > start && pick.nextBoolean()) {
                        fail[b]++;
                        refused++;
                    }
                }
                for (long i = 0; i < api; i++) {
                    ex[3 + pick.nextInt(2)]++;
                }
                s.backends.clear();
                for (int i = 0; i < names.length; i++) {
                    s.backends.add(TrafficModel.FakeSnapshot.backend(names[i], true, ex[i], fail[i]));
                }
                s.failures.put(UpstreamFailure.CONNECT_REFUSED, refused);
                s.time = t;
                CheckResult r = check.evaluate(s);
                if (r.status() != status) {
                    transitions.add(java.time.Instant.ofEpochMilli(t) + " " + r.status() + " " + r.message());
                    if (status == HealthStatus.UP) {
                        alarmAt = t;
                    } else if (r.status() == HealthStatus.UP && t - alarmAt < 5 * MIN) {
                        shortEpisodes.add(java.time.Instant.ofEpochMilli(t).toString());
                    }
                    status = r.status();
                }
            }
            assertThat(transitions).as("seed %d: detected", seed).isNotEmpty();
            assertThat(transitions.get(0)).contains("DEGRADED", "asset-2");
            assertThat(shortEpisodes)
                    .as("seed %d: an alarm must not clear sooner than the window that raised it: %s", seed, transitions)
                    .isEmpty();
        }
    }
}
