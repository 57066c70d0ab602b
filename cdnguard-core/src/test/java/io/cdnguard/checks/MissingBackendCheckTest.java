package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MIN;
import static io.cdnguard.checks.TrafficModel.MONDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthStatus;
import io.cdnguard.UpstreamFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MissingBackendCheckTest {

    private static final long STEP = 10_000L;

    /** A gateway: /static/* over asset-1..3, /api/* over api-1..2, Poisson arrivals. */
    static final class Gateway {
        final String[] names = {"asset-1", "asset-2", "asset-3", "api-1", "api-2"};
        final boolean[] declared = {true, true, true, true, true};
        final long[] ex = new long[names.length];
        final long[] fail = new long[names.length];
        final TrafficModel rng;
        final SplittableRandom pickRnd;
        double staticPerMin;
        double apiPerMin;
        long noBackend;
        long refused;
        boolean staticNoBackend;
        boolean everythingFails;
        int silentBackend = -1;
        int failingBackend = -1; // every exchange of this backend is refused
        String extraDeclared; // a declared backend the gateway never routes to

        Gateway(long seed, double staticPerMin, double apiPerMin) {
            this.rng = new TrafficModel(seed, 1, new String[] {"x"}, new double[] {1}, 1, 1);
            this.pickRnd = new SplittableRandom(seed * 31 + 7);
            this.staticPerMin = staticPerMin;
            this.apiPerMin = apiPerMin;
        }

        void step() {
            double m = STEP / (double) MIN;
            long st = rng.poisson(staticPerMin * m);
            long api = rng.poisson(apiPerMin * m);
            if (everythingFails) {
                noBackend += st + api;
                return;
            }
            if (staticNoBackend) {
                noBackend += st;
            } else {
                for (long i = 0; i < st; i++) {
                    int b = pick(0, 3);
                    ex[b]++;
                    if (b == failingBackend) {
                        fail[b]++;
                        refused++;
                    }
                }
            }
            for (long i = 0; i < api; i++) {
                ex[3 + pick2()]++;
            }
        }

        private int pick(int from, int n) {
            int b;
            do {
                b = from + pickRnd.nextInt(n);
            } while (b == silentBackend);
            return b;
        }

        private int pick2() {
            return pickRnd.nextInt(3) == 0 ? 1 : 0;
        }

        void restartBurst(int backend, int failures) {
            ex[backend] += failures;
            fail[backend] += failures;
            refused += failures;
        }

        void fill(TrafficModel.FakeSnapshot s) {
            s.backends.clear();
            for (int i = 0; i < names.length; i++) {
                s.backends.add(TrafficModel.FakeSnapshot.backend(names[i], declared[i], ex[i], fail[i]));
            }
            if (extraDeclared != null) {
                s.backends.add(TrafficModel.FakeSnapshot.backend(extraDeclared, true, 0, 0));
            }
            s.failures.put(UpstreamFailure.NO_BACKEND, noBackend);
            s.failures.put(UpstreamFailure.CONNECT_REFUSED, refused);
        }
    }

    static final class Run {
        final MissingBackendCheck check;
        final Gateway gw;
        final TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        final List<String> transitions = new ArrayList<>();
        HealthStatus status = HealthStatus.UP;
        long firstAlarm = Long.MAX_VALUE;
        long firstDown = Long.MAX_VALUE;
        int downs;
        CheckResult atAlarm;
        CheckResult last;
        long t = MONDAY;

        Run(MissingBackendCheck check, Gateway gw) {
            this.check = check;
            this.gw = gw;
        }

        Run until(long end) {
            for (; t <= end; t += STEP) {
                if (t > MONDAY) {
                    gw.step();
                }
                gw.fill(s);
                s.time = t;
                last = check.evaluate(s);
                if (last.status() != status) {
                    transitions.add(java.time.Instant.ofEpochMilli(t) + " " + last);
                    if (status == HealthStatus.UP && firstAlarm == Long.MAX_VALUE) {
                        firstAlarm = t;
                        atAlarm = last;
                    }
                    if (last.status() == HealthStatus.DOWN && firstDown == Long.MAX_VALUE) {
                        firstDown = t;
                    }
                    if (last.status() == HealthStatus.DOWN) {
                        downs++;
                    }
                    status = last.status();
                }
            }
            return this;
        }
    }

    @Test
    void staticNoBackend_busyGateway_degradedWithinTwoMinutes_notDown() {
        Gateway gw = new Gateway(1, 10, 3);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 3 * HOUR);
        assertThat(run.transitions).isEmpty();
        long start = run.t;
        gw.staticNoBackend = true;
        run.until(start + 2 * HOUR);
        double delay = (run.firstAlarm - start) / (double) MIN;
        System.out.printf("missing-backend no_backend at 10/min: delay %.1f min; %s%n", delay, run.atAlarm);
        assertThat(delay).isBetween(0.0, 2.0);
        assertThat(run.atAlarm.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat((Long) run.atAlarm.details().get("noBackend")).isPositive();
        assertThat(run.firstDown).as("/api/* still works: not DOWN").isEqualTo(Long.MAX_VALUE);
        assertThat(run.transitions).as("one incident, one alert (the silent assets join it): %s", run.transitions).hasSizeLessThanOrEqualTo(1);
        gw.staticNoBackend = false;
        run.until(run.t + HOUR);
        assertThat(run.status).isEqualTo(HealthStatus.UP);
    }

    @Test
    void staticNoBackend_publicTraceRates_degradedWithinTStar() {
        Gateway gw = new Gateway(2, 0.66, 0.08);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 6 * HOUR);
        assertThat(run.transitions).isEmpty();
        long start = run.t;
        gw.staticNoBackend = true;
        run.until(start + 12 * HOUR);
        double delay = (run.firstAlarm - start) / (double) MIN;
        double ts = TrafficModel.tStar(0.66, 0);
        System.out.printf("missing-backend no_backend at 0.66/min: delay %.1f min, t* %.1f min%n", delay, ts);
        assertThat(delay).isBetween(0.0, ts);
        assertThat(run.transitions).as("no flapping over 12 h: %s", run.transitions).hasSize(1);
    }

    @Test
    void everythingFails_isDegradedWithinTwoMinutesAndDownWithinTen() {
        Gateway gw = new Gateway(3, 10, 3);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + HOUR);
        long start = run.t;
        gw.everythingFails = true;
        run.until(start + 10 * MIN);
        assertThat((run.firstAlarm - start) / (double) MIN).isBetween(0.0, 2.0);
        assertThat((run.firstDown - start) / (double) MIN).isBetween(0.0, 10.2);
        assertThat(run.last.message()).contains("cannot serve");
    }

    @Test
    void restartBurstsAndSingleErrors_doNotPage() {
        Gateway gw = new Gateway(4, 3, 1);
        Run run = new Run(MissingBackendCheck.builder().build(), gw);
        for (int day = 0; day < 2; day++) {
            long base = MONDAY + day * 24 * HOUR;
            run.until(base + 9 * HOUR);
            gw.restartBurst(0, 3); // a deploy: three refused connections while asset-1 restarts
            run.until(base + 9 * HOUR + 2 * MIN);
            gw.restartBurst(1, 2);
            run.until(base + 15 * HOUR);
            gw.restartBurst(3, 1); // one error on a quiet night
            run.until(base + 24 * HOUR);
        }
        assertThat(run.transitions).isEmpty();
    }

    @Test
    void restartBurst_busyBackendRefusesForSeconds_doesNotPage() {
        Gateway gw = new Gateway(14, 12, 3);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 2 * HOUR);
        for (int deploy = 0; deploy < 6; deploy++) {
            gw.restartBurst(deploy % 3, 8); // 8 refused in one step: most of the backend's minute
            run.until(run.t + 30 * MIN);
        }
        assertThat(run.transitions).as("%s", run.transitions).isEmpty();
    }

    @Test
    void backendRefusingEverything_degradedWithinTwoMinutes_clearsWhenBack() {
        Gateway gw = new Gateway(15, 12, 3);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 2 * HOUR);
        long start = run.t;
        gw.failingBackend = 0;
        run.until(start + 10 * MIN);
        assertThat((run.firstAlarm - start) / (double) MIN).isBetween(0.0, 2.0);
        assertThat(run.atAlarm.details()).containsEntry("failingBackends", "asset-1");
        gw.failingBackend = -1;
        run.until(run.t + 30 * MIN);
        assertThat(run.status).isEqualTo(HealthStatus.UP);
        assertThat(run.transitions).hasSize(2);
    }

    @Test
    void silentBackend_peersAbsorbItsTraffic_degradedWithinThirtyMinutes() {
        Gateway gw = new Gateway(5, 3, 1);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 12 * HOUR);
        assertThat(run.transitions).isEmpty();
        long start = run.t;
        gw.silentBackend = 1; // asset-2 gets nothing; asset-1 and asset-3 take its share
        run.until(start + 3 * HOUR);
        double delay = (run.firstAlarm - start) / (double) MIN;
        double ts = TrafficModel.tStar(1.0, 0); // asset-2 normally sees about 1 exchange a minute
        System.out.printf("missing-backend silent asset-2 at 1/min: delay %.1f min, t* %.1f min; %s%n", delay, ts, run.atAlarm);
        assertThat(delay).isBetween(3.0, 30.0);
        assertThat(run.atAlarm.details()).containsEntry("silentBackends", "asset-2").containsEntry("peerGroup", "asset");
        assertThat(run.atAlarm.message()).contains("asset-2");
        assertThat(run.transitions).hasSize(1);
        gw.silentBackend = -1;
        run.until(run.t + 30 * MIN);
        assertThat(run.status).isEqualTo(HealthStatus.UP);
    }

    @Test
    void everyoneQuietAtNight_isNotSilence() {
        Gateway gw = new Gateway(6, 3, 1);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 12 * HOUR);
        gw.staticPerMin = 0.02;
        gw.apiPerMin = 0.01;
        run.until(run.t + 8 * HOUR);
        assertThat(run.transitions).isEmpty();
    }

    @Test
    void declaredBackendNeverSeen_flaggedOncePeersCarriedEnough() {
        Gateway gw = new Gateway(7, 3, 1);
        gw.extraDeclared = "asset-4";
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 20 * MIN);
        assertThat(run.transitions).as("too early to tell").isEmpty();
        run.until(MONDAY + 6 * HOUR);
        assertThat(run.atAlarm).isNotNull();
        assertThat(run.atAlarm.details()).containsEntry("silentBackends", "asset-4").containsEntry("neverSeen", true);
        assertThat((Long) run.atAlarm.details().get("peerExchanges")).isGreaterThanOrEqualTo(200L);
    }

    @Test
    void staticNoBackend_thinApiRoute_noDownFlapAndNoFlapAfterRecovery() {
        Gateway gw = new Gateway(8, 3, 0.3); // /api/* still works, at one call every few minutes
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 6 * HOUR);
        assertThat(run.transitions).isEmpty();
        long start = run.t;
        gw.staticNoBackend = true;
        run.until(start + 12 * HOUR);
        assertThat(run.firstAlarm - start).isLessThanOrEqualTo(2 * MIN);
        assertThat(run.transitions).as("one incident, one alert: %s", run.transitions).hasSizeLessThanOrEqualTo(2);
        assertThat(run.downs).as("%s", run.transitions).isLessThanOrEqualTo(1);
        int during = run.transitions.size();
        gw.staticNoBackend = false;
        run.until(run.t + 30 * MIN);
        assertThat(run.status).as("recovers within 30 min").isEqualTo(HealthStatus.UP);
        run.until(run.t + 6 * HOUR);
        assertThat(run.transitions).as("no flap after recovery: %s", run.transitions).hasSize(during + 1);
    }

    @Test
    void staticNoBackend_failuresThinOutButNothingSucceeds_staysDegraded() {
        Gateway gw = new Gateway(9, 3, 0);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 3 * HOUR);
        long start = run.t;
        gw.staticNoBackend = true;
        run.until(start + 20 * MIN);
        assertThat(run.status).isNotEqualTo(HealthStatus.UP);
        gw.staticPerMin = 0; // the CDN gives up: neither failures nor successes arrive
        run.until(run.t + 40 * MIN);
        assertThat(run.status).as("a lull is not a recovery").isNotEqualTo(HealthStatus.UP);
        gw.staticPerMin = 3;
        gw.staticNoBackend = false;
        run.until(run.t + 20 * MIN);
        assertThat(run.status).isEqualTo(HealthStatus.UP);
    }

    @Test
    void noBackend_twoAnswersPage_oneDoesNot() {
        Gateway gw = new Gateway(10, 3, 1);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 2 * HOUR);
        gw.noBackend += 1; // one stray "no backend" on a quiet gateway
        run.until(run.t + HOUR);
        assertThat(run.transitions).isEmpty();
        gw.noBackend += 2; // two within a minute: a route has no backend
        run.until(run.t + 20_000);
        assertThat(run.status).isEqualTo(HealthStatus.DEGRADED);
        assertThat(run.last.details()).containsEntry("noBackend", 2L);
    }

    @Test
    void staticNoBackend_gatewayScenarioRate_everySeedWithinTStarAndMostWithinTwoMinutes() {
        double rate = 2.95; // the simulator's gateway-no-backend scenario at Sunday 03:00
        double ts = TrafficModel.tStar(rate, 0);
        int withinTwo = 0;
        double sum = 0;
        int seeds = 12;
        for (int seed = 1; seed <= seeds; seed++) {
            Gateway gw = new Gateway(100 + seed, rate, 0.5);
            Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 3 * HOUR);
            long start = run.t;
            gw.staticNoBackend = true;
            run.until(start + 30 * MIN);
            double delay = (run.firstAlarm - start) / (double) MIN;
            assertThat(delay).as("seed %d", seed).isBetween(0.0, ts);
            sum += delay;
            withinTwo += delay <= 2.0 ? 1 : 0;
        }
        System.out.printf("missing-backend no_backend at %.2f/min: mean delay %.2f min, %d of %d within 2 min, t* %.1f min%n",
                rate, sum / seeds, withinTwo, seeds, ts);
        assertThat(withinTwo).isGreaterThanOrEqualTo(seeds - 1);
        assertThat(sum / seeds).isLessThan(1.2);
    }

    @Test
    void routeClasses_apiQuietAtNightWhileAssetsBusy_noSilentAlarm() {
        Gateway gw = new Gateway(11, 3, 1.5);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 24 * HOUR);
        assertThat(run.transitions).isEmpty();
        gw.apiPerMin = 0.005; // nobody calls the API at night; the CDN still refetches assets
        run.until(run.t + 10 * HOUR);
        gw.apiPerMin = 1.5;
        gw.staticPerMin = 0.005; // and the other way round
        run.until(run.t + 10 * HOUR);
        assertThat(run.transitions).isEmpty();
        assertThat(run.check.detectorGroupOf("api-2")).isEqualTo("api");
        assertThat(run.check.detectorGroupOf("asset-3")).isEqualTo("asset");
    }

    @Test
    void routeClasses_oneGroupOnly_apiQuietAtNightLooksSilent() {
        // the counterpart: with every backend in one group, the quiet API looks like a silent backend
        Gateway gw = new Gateway(11, 3, 1.5);
        MissingBackendCheck check = MissingBackendCheck.builder()
                .peerGroup("all", "asset-1", "asset-2", "asset-3", "api-1", "api-2").build();
        Run run = new Run(check, gw).until(MONDAY + 24 * HOUR);
        gw.apiPerMin = 0.005;
        run.until(run.t + 10 * HOUR);
        assertThat(run.transitions).isNotEmpty();
        assertThat(run.atAlarm.details().get("silentBackends").toString()).contains("api");
    }

    @Test
    void explicitGroups_overrideNameStems() {
        Gateway gw = new Gateway(12, 3, 1);
        MissingBackendCheck check = MissingBackendCheck.builder()
                .peerGroup("static", "asset-1", "asset-2")
                .peerGroup("edge", "asset-3", "api-1")
                .build();
        Run run = new Run(check, gw).until(MONDAY + MIN);
        assertThat(check.detectorGroupOf("asset-2")).isEqualTo("static");
        assertThat(check.detectorGroupOf("api-1")).isEqualTo("edge");
        assertThat(check.detectorGroupOf("api-2")).as("alone in its stem: pooled").isEqualTo("*");
        assertThat(run.transitions).isEmpty();
    }

    @Test
    void stem_dropsTrailingNumbers() {
        assertThat(MissingBackendCheck.Detector.stem("asset-1")).isEqualTo("asset");
        assertThat(MissingBackendCheck.Detector.stem("asset_02")).isEqualTo("asset");
        assertThat(MissingBackendCheck.Detector.stem("web3")).isEqualTo("web");
        assertThat(MissingBackendCheck.Detector.stem("eu-west.api.1")).isEqualTo("eu-west.api");
        assertThat(MissingBackendCheck.Detector.stem("blue")).isEqualTo("blue");
        assertThat(MissingBackendCheck.Detector.stem("42")).isEqualTo("42");
    }

    @Test
    void silentBackend_oneStrayExchange_doesNotClearTheAlarm() {
        Gateway gw = new Gateway(13, 3, 1);
        Run run = new Run(MissingBackendCheck.builder().build(), gw).until(MONDAY + 12 * HOUR);
        gw.silentBackend = 1;
        run.until(run.t + 2 * HOUR);
        assertThat(run.status).isEqualTo(HealthStatus.DEGRADED);
        gw.ex[1] += 1; // one exchange reaches asset-2
        run.until(run.t + 5 * MIN);
        assertThat(run.status).as("one event is not a recovery").isEqualTo(HealthStatus.DEGRADED);
        gw.silentBackend = -1;
        run.until(run.t + 20 * MIN);
        assertThat(run.status).isEqualTo(HealthStatus.UP);
        assertThat(run.transitions).hasSize(2);
    }

    @Test
    void builder_peerGroupValidation() {
        assertThatThrownBy(() -> MissingBackendCheck.builder().peerGroup("*", "a").build()).hasMessageContaining("'*'");
        assertThatThrownBy(() -> MissingBackendCheck.builder().peerGroup(" ", "a").build()).hasMessageContaining("peer group");
        assertThatThrownBy(() -> MissingBackendCheck.builder().peerGroup("g", "").build()).hasMessageContaining("backend name");
    }

    @Test
    void builder_defaultsAndValidation() {
        assertThat(MissingBackendCheck.builder().build().name()).isEqualTo("missing-backend");
        assertThatThrownBy(() -> MissingBackendCheck.builder().minFailures(0).build()).hasMessageContaining("minFailures");
        assertThatThrownBy(() -> MissingBackendCheck.builder().failureRatio(2).build()).hasMessageContaining("failureRatio");
        assertThatThrownBy(() -> MissingBackendCheck.builder().silentWindow(Duration.ofSeconds(5)).build()).hasMessageContaining("silentWindow");
        assertThatThrownBy(() -> MissingBackendCheck.builder().silentThresholdNats(0).build()).hasMessageContaining("silentThresholdNats");
    }

    @Test
    void noGatewayTraffic_isUp() {
        MissingBackendCheck check = MissingBackendCheck.builder().build();
        TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        for (long t = MONDAY; t < MONDAY + HOUR; t += STEP) {
            s.time = t;
            assertThat(check.evaluate(s).status()).isEqualTo(HealthStatus.UP);
        }
    }
}
