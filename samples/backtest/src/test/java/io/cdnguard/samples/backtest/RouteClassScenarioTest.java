package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.HealthStatus;
import io.cdnguard.samples.backtest.sim.GroundTruth;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.SimRecord;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The route-class scenarios: a gateway with {@code static} and {@code api} route classes declared as
 * such ({@link Scenario#ROUTE_CLASS_SPEC}); one static backend silently loses its traffic while the
 * api class carries on ({@code route-class-silent}), and a normal week in which the api class is
 * idle for an hour on a quiet night ({@code route-class-normal}, the control). Fixed seeds, judged on
 * {@code missing-backend} from day 17 like the other gateway acceptance tests.
 */
class RouteClassScenarioTest {

    private static final long HOUR = 3_600_000L;
    private static final long SUNDAY3 = Scenario.START + 20 * 24 * HOUR; // 2021-04-04

    private static String describe(Experiments.RunResult r) {
        return r.incidents().stream().map(i -> i.id() + ": delay " + i.delayMin() + " min, t* "
                + String.format("%.2f", i.tStarMin()) + " min, per check " + i.delayByCheck()).collect(Collectors.joining("; "))
                + " transitions " + r.transitions();
    }

    private static List<Transition> alarms(Experiments.RunResult r, long from, long to) {
        return r.transitions().stream()
                .filter(t -> t.status() != HealthStatus.UP && t.atMillis() >= from && t.atMillis() < to)
                .collect(Collectors.toList());
    }

    @Test
    void routeClassSilent_staticBackendSilent_missingBackendWithin30Min_quietApiNightDoesNotFire() {
        Scenario sc = Scenario.named("route-class-silent", 21, 0, null).fromDay(17);
        assertThat(sc.expectedBackendSpec()).isEqualTo("static:asset-1,asset-2,asset-3;api:api-1,api-2");
        Experiments.RunResult r = Experiments.run(sc, new GuardSetup());

        assertThat(r.incidents()).hasSize(1);
        Experiments.IncidentResult i = r.incidents().get(0);
        Double d = i.delayByCheck().get("missing-backend");
        assertThat(d).as(describe(r)).isNotNull();
        assertThat(d).as(describe(r)).isLessThanOrEqualTo(30.0);
        assertThat(r.transitions()).as(describe(r))
                .anySatisfy(t -> {
                    assertThat(t.check()).isEqualTo("missing-backend");
                    assertThat(t.status()).isNotEqualTo(HealthStatus.UP);
                    assertThat(t.message()).contains("asset-3");
                });
        // before the silence, the api class's idle hour (Saturday 03:00-04:00) included: nothing
        assertThat(alarms(r, sc.startMillis(), i.start())).as(describe(r)).isEmpty();
    }

    @Test
    void routeClassNormal_apiIdleForAnHour_noTransition() {
        Scenario sc = Scenario.named("route-class-normal", 22, 0, null).fromDay(17);
        assertThat(sc.incidents()).isEmpty();
        assertThat(sc.apiDemand()).singleElement().satisfies(q -> {
            assertThat(q.start()).isEqualTo(SUNDAY3 + 3 * HOUR);
            assertThat(q.factor()).isZero();
        });
        Experiments.RunResult r = Experiments.run(sc, new GuardSetup());
        assertThat(alarms(r, sc.startMillis(), sc.endMillis())).as(describe(r)).isEmpty();
    }

    @Test
    void routeClassNormal_oneGroupForAll_quietApiHourFires() {
        // the control discriminates: declared as one peer group, the idle api backends look silent
        Scenario sc = Scenario.named("route-class-normal", 22, 0, null).fromDay(17);
        GuardSetup oneGroup = new GuardSetup().expectBackendSpec("all:asset-1,asset-2,asset-3,api-1,api-2");
        Backtest[] holder = new Backtest[1];
        Backtest bt = new Backtest(oneGroup.evaluationPeriod(), clock -> oneGroup.build(clock, holder[0].listener()), null, true);
        holder[0] = bt;
        new Simulator(sc).run(new SimFeed(bt));
        bt.finish(sc.endMillis());
        long quiet = sc.apiDemand().get(0).start();
        assertThat(bt.transitions()).anySatisfy(t -> {
            assertThat(t.check()).isEqualTo("missing-backend");
            assertThat(t.status()).isNotEqualTo(HealthStatus.UP);
            assertThat(t.atMillis()).isBetween(quiet, quiet + HOUR);
            assertThat(t.message()).contains("api-");
        });
    }

    @Test
    void simulate_routeClassShapes_apiIdleHour_staticVictimSilent_apiContinues() throws java.io.IOException {
        // two days, Saturday and Sunday of week 3 (the run starts on day 19)
        Scenario sc = Scenario.named("route-class-silent", 5, 21, null).fromDay(19);
        long saturday = Scenario.START + 19 * 24 * HOUR;
        long[] apiIdle = new long[1];
        long[] staticDuringIdle = new long[1];
        long[] victim = new long[1];
        long[] apiDuringSilence = new long[1];
        long[] staticPeersDuringSilence = new long[1];
        Simulator.Result res = new Simulator(sc).run(rec -> {
            long t = rec.ts;
            boolean api = rec.kind == SimRecord.Kind.API;
            boolean fill = rec.kind == SimRecord.Kind.CDN_FILL;
            if (t >= saturday + 3 * HOUR + 10_000 && t < saturday + 4 * HOUR - 10_000) {
                apiIdle[0] += api ? 1 : 0;
                staticDuringIdle[0] += fill ? 1 : 0;
            }
            if (t >= SUNDAY3 + 2 * HOUR + 10_000 && t < SUNDAY3 + 20 * HOUR) {
                victim[0] += "asset-3".equals(rec.backend) && fill ? 1 : 0;
                staticPeersDuringSilence[0] += fill && rec.backend != null ? 1 : 0;
                apiDuringSilence[0] += api ? 1 : 0;
            }
        });
        assertThat(apiIdle[0]).isZero();
        assertThat(staticDuringIdle[0]).isGreaterThan(60);
        assertThat(victim[0]).isZero();
        assertThat(staticPeersDuringSilence[0]).isGreaterThan(1000);
        assertThat(apiDuringSilence[0]).isGreaterThan(100);
        // api busier by day, static steadier: the api class's day/night ratio is the larger
        long night = saturday + 24 * HOUR + 2 * HOUR;
        long day = saturday + 24 * HOUR + 15 * HOUR;
        double apiRatio = res.expectedApiPerMin(day) / res.expectedApiPerMin(night);
        double staticRatio = res.expectedFillsPerMin(day) / res.expectedFillsPerMin(night);
        assertThat(apiRatio).isGreaterThan(1.5 * staticRatio);
        assertThat(res.expectedApiPerMin(day)).isGreaterThan(0.2 * res.expectedFillsPerMin(day));

        java.io.ByteArrayOutputStream truth = new java.io.ByteArrayOutputStream();
        GroundTruth.write(res, "rc.jsonl", 0, truth);
        assertThat(truth.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"asset-3-silent\"", "\"api-demand\"", "\"" + Scenario.ROUTE_CLASS_SPEC + "\"");
    }
}
