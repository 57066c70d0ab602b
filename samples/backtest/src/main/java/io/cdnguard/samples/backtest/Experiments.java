package io.cdnguard.samples.backtest;

import io.cdnguard.HealthStatus;
import io.cdnguard.samples.backtest.sim.GroundTruth;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a simulated scenario through a backtest in memory and scores it like {@code
 * evaluate-backtest.py}: per incident, the first transition to DEGRADED or DOWN inside it (and per
 * check), and the false alarms outside all [start, end + 60 min] windows after the warm-up.
 */
public final class Experiments {

    /** Alarms in the first week (warm-up) are reported but not counted as false alarms. */
    public static final long WARM_UP_MILLIS = 7 * 24 * 3600_000L;
    static final long GRACE_MILLIS = 60 * 60_000L;

    private Experiments() {
    }

    /** The outcome for one incident. */
    public record IncidentResult(String id, long start, long end, double lambdaPerMin, double rho, double tStarMin,
                                 Double delayMin, String firstCheck, Map<String, Double> delayByCheck) {

        /** delay / t*, or NaN when not detected. */
        public double ratio() {
            return delayMin == null ? Double.NaN : delayMin / tStarMin;
        }
    }

    /** The outcome of one run. */
    public record RunResult(Scenario scenario, Simulator.Result sim, List<Transition> transitions,
                            List<IncidentResult> incidents, List<Transition> falseAlarms, List<Transition> warmUpAlarms) {
    }

    /**
     * The scenario as the table, the demo and most acceptance tests run it: simulated from day 10 (ten
     * days of history before the week-3 incidents, more than the baseline's one-week warm-up), the
     * normal one in full (22 days).
     */
    public static Scenario standard(String name, long seed) {
        Scenario sc = Scenario.named(name, seed, 0, null);
        return name.equals("normal") ? sc : sc.fromDay(10);
    }

    /**
     * Simulates {@code scenario} and backtests it with {@code setup} (a new default one when {@code
     * null}), declaring the scenario's expected backends ({@link Scenario#expectedBackendSpec()}) on it.
     */
    public static RunResult run(Scenario scenario, GuardSetup setup) {
        GuardSetup s = setup != null ? setup : new GuardSetup();
        if (scenario.gateway()) {
            s.expectBackendSpec(scenario.expectedBackendSpec());
        }
        Backtest[] holder = new Backtest[1];
        Backtest bt = new Backtest(s.evaluationPeriod(), clock -> s.build(clock, holder[0].listener()), null, true);
        holder[0] = bt;
        SimFeed feed = new SimFeed(bt);
        Simulator.Result res = new Simulator(scenario).run(feed);
        bt.finish(scenario.endMillis());
        return score(scenario, res, bt.transitions());
    }

    static RunResult score(Scenario scenario, Simulator.Result res, List<Transition> transitions) {
        List<IncidentResult> incs = new ArrayList<>();
        for (int i = 0; i < scenario.incidents().size(); i++) {
            Scenario.Incident inc = scenario.incidents().get(i);
            double lam = GroundTruth.boundRate(res, i);
            double rho = GroundTruth.boundRho(res, i);
            Double delay = null;
            String first = null;
            Map<String, Double> byCheck = new LinkedHashMap<>();
            for (Transition t : transitions) {
                if (t.status() != HealthStatus.UP && t.atMillis() >= inc.start() && t.atMillis() <= inc.end()) {
                    double d = (t.atMillis() - inc.start()) / 60_000.0;
                    if (delay == null) {
                        delay = d;
                        first = t.check();
                    }
                    byCheck.putIfAbsent(t.check(), d);
                }
            }
            incs.add(new IncidentResult(inc.id(), inc.start(), inc.end(), lam, rho, GroundTruth.tStar(lam, rho), delay, first, byCheck));
        }
        List<Transition> fa = new ArrayList<>();
        List<Transition> warm = new ArrayList<>();
        for (Transition t : transitions) {
            if (t.status() == HealthStatus.UP) {
                continue;
            }
            boolean inside = false;
            for (Scenario.Incident inc : scenario.incidents()) {
                if (t.atMillis() >= inc.start() && t.atMillis() <= inc.end() + GRACE_MILLIS) {
                    inside = true;
                }
            }
            if (!inside) {
                if (t.atMillis() < scenario.startMillis() + WARM_UP_MILLIS) {
                    warm.add(t);
                } else {
                    fa.add(t);
                }
            }
        }
        return new RunResult(scenario, res, transitions, incs, fa, warm);
    }
}
