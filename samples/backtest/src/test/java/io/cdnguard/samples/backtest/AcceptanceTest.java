package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.samples.backtest.sim.CdnProfile;
import io.cdnguard.samples.backtest.sim.Scenario;
import org.junit.jupiter.api.Test;

/**
 * The acceptance bounds, on traces simulated inside the test with fixed seeds and replayed
 * through the default detection checks. The bounds are the issue's; they are not tuned per seed.
 * Scenarios start late enough to keep the suite short but with more than a week of history before
 * the traffic incidents (the cdn-traffic baseline's warm-up; the gateway ones, judged on
 * missing-backend, from day 17); the normal run is the full three weeks.
 */
class AcceptanceTest {

    private static Experiments.RunResult run(Scenario sc) {
        return Experiments.run(sc, new GuardSetup());
    }

    private static Experiments.IncidentResult incident(Experiments.RunResult r) {
        assertThat(r.incidents()).hasSize(1);
        return r.incidents().get(0);
    }

    private static String describe(Experiments.RunResult r) {
        Experiments.IncidentResult i = r.incidents().isEmpty() ? null : r.incidents().get(0);
        return (i == null ? "" : String.format("%s: delay %s min, t* %.2f min, per check %s; ", i.id(), i.delayMin(), i.tStarMin(),
            i.delayByCheck())) + "false alarms " + r.falseAlarms();
    }

    private static void assertSilenceBounds(Experiments.RunResult r) {
        Experiments.IncidentResult i = incident(r);
        Double traffic = i.delayByCheck().get("cdn-traffic");
        Double refetch = i.delayByCheck().get("cache-refetch");
        assertThat(traffic).as(describe(r)).isNotNull();
        assertThat(traffic).as(describe(r)).isLessThanOrEqualTo(15.0);
        assertThat(traffic).as(describe(r)).isLessThanOrEqualTo(2 * i.tStarMin());
        assertThat(refetch).as(describe(r)).isNotNull();
        assertThat(refetch).as(describe(r)).isLessThanOrEqualTo(60.0);
    }

    @Test
    void april4_cdnTrafficWithin15MinAnd2tStar_cacheRefetchWithin60Min() {
        assertSilenceBounds(run(Experiments.standard("april4", 11)));
    }

    @Test
    void april4_probesContinue_sameBounds() {
        assertSilenceBounds(run(Experiments.standard("april4-probes", 12)));
    }

    @Test
    void partialDrop40Percent_weekendEvening_within60Min() {
        Experiments.RunResult r = run(Experiments.standard("partial-drop", 13));
        Experiments.IncidentResult i = incident(r);
        assertThat(i.delayMin()).as(describe(r)).isNotNull();
        assertThat(i.delayMin()).as(describe(r)).isLessThanOrEqualTo(60.0);
    }

    /** The same where the CDN's headers name no POP (Akamai's generic Via): the rate-step test's, on the total. */
    @Test
    void partialDrop40Percent_weekendEvening_withoutPopNames_within60Min_andNormalWeeksQuiet() {
        Experiments.RunResult r = run(Scenario.named("partial-drop", 13, 0, CdnProfile.AKAMAI).fromDay(10));
        Experiments.IncidentResult i = incident(r);
        assertThat(i.delayMin()).as(describe(r)).isNotNull();
        assertThat(i.delayMin()).as(describe(r)).isLessThanOrEqualTo(60.0);
        assertThat(r.falseAlarms()).as(describe(r)).isEmpty();
        Experiments.RunResult normal = run(Scenario.named("normal", 16, 0, CdnProfile.AKAMAI));
        assertThat(normal.falseAlarms()).as(describe(normal)).isEmpty();
        assertThat(normal.warmUpAlarms()).as(describe(normal)).isEmpty();
    }

    @Test
    void gatewayNoBackend_missingBackendWithin2Min() {
        Experiments.RunResult r = run(Scenario.named("gateway-no-backend", 14, 0, null).fromDay(17));
        Double d = incident(r).delayByCheck().get("missing-backend");
        assertThat(d).as(describe(r)).isNotNull();
        assertThat(d).as(describe(r)).isLessThanOrEqualTo(2.0);
    }

    @Test
    void silentBackend_missingBackendWithin30Min() {
        Experiments.RunResult r = run(Scenario.named("silent-backend", 15, 0, null).fromDay(17));
        Double d = incident(r).delayByCheck().get("missing-backend");
        assertThat(d).as(describe(r)).isNotNull();
        assertThat(d).as(describe(r)).isLessThanOrEqualTo(30.0);
    }

    @Test
    void smallSiteSilent_within2tStar() {
        Experiments.RunResult r = run(Experiments.standard("small-site", 16));
        Experiments.IncidentResult i = incident(r);
        assertThat(i.delayMin()).as(describe(r)).isNotNull();
        assertThat(i.delayMin()).as(describe(r)).isLessThanOrEqualTo(2 * i.tStarMin());
    }

    @Test
    void threeWeeksNormal_holidaySpikeInvalidation_noTransitionOutOfUpAfterWarmUp() {
        Experiments.RunResult r = run(Experiments.standard("normal", 17));
        assertThat(r.falseAlarms()).as(describe(r)).isEmpty();
    }
}
