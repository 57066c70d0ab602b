package io.cdnguard.samples.backtest;

import io.cdnguard.samples.backtest.sim.Scenario;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/** The {@code demo} command: the April 4 incident replayed through cdnguard, for people. */
final class Demo {

    private Demo() {
    }

    static int run(Scenario sc, PrintStream out) {
        out.printf(Locale.ROOT, "cdnguard demo: %s%n", sc.description());
        out.printf(Locale.ROOT, "Simulating %d days of %s traffic from %s (seed %d) and replaying it through cdnguard...%n",
            (sc.endMillis() - sc.startMillis()) / 86_400_000L, sc.cdn().label(), Rfc3339.format(sc.startMillis()).substring(0, 10),
            sc.seed());
        long t0 = System.nanoTime();
        Experiments.RunResult r = Experiments.run(sc, new GuardSetup());
        out.printf(Locale.ROOT, "(%d lines in %.1f s)%n%n", r.sim().lines(), (System.nanoTime() - t0) / 1e9);
        boolean detected = false;
        for (Experiments.IncidentResult inc : r.incidents()) {
            out.printf(Locale.ROOT, "Incident %s: %s .. %s%n", inc.id(), Rfc3339.format(inc.start()),
                Rfc3339.format(inc.end()));
            out.printf(Locale.ROOT, "  expected CDN fetches at that hour: %.2f/min; fastest possible detection t* = %s%n",
                inc.lambdaPerMin(), Durations.minutes(inc.tStarMin()));
            out.println("  In reality it took 18 hours for a person to notice. cdnguard:");
            if (inc.delayByCheck().isEmpty()) {
                out.println("    no check fired during the incident");
            }
            for (Map.Entry<String, Double> e : inc.delayByCheck().entrySet()) {
                if (e.getKey().equals("overall")) {
                    continue;
                }
                Transition first = firstBad(r, e.getKey(), inc.start());
                out.printf(Locale.ROOT, "    %-16s fired at %s, %s after the start (%.1f x t*)%n", e.getKey(),
                    first == null ? "?" : Rfc3339.format(first.atMillis()).substring(11, 16), Durations.minutes(e.getValue()),
                    e.getValue() / inc.tStarMin());
                if (first != null) {
                    out.printf(Locale.ROOT, "      %s: %s%n", first.status(), first.message());
                }
            }
            if (inc.delayMin() != null) {
                detected = true;
                out.printf(Locale.ROOT, "  => detected after %s instead of 18 h (%.0f x faster)%n", Durations.minutes(inc.delayMin()),
                    18 * 60 / Math.max(inc.delayMin(), 0.1));
            } else {
                detected = false;
            }
        }
        out.printf(Locale.ROOT, "%nFalse alarms outside the incident (after the first week of warm-up): %d%n", r.falseAlarms().size());
        for (Transition t : r.falseAlarms().subList(0, Math.min(3, r.falseAlarms().size()))) {
            out.printf(Locale.ROOT, "  %s %s %s: %s%n", Rfc3339.format(t.atMillis()), t.check(), t.status(), t.message());
        }
        return detected ? 0 : 1;
    }

    private static Transition firstBad(Experiments.RunResult r, String check, long from) {
        for (Transition t : r.transitions()) {
            if (t.check().equals(check) && t.atMillis() >= from && t.status() != io.cdnguard.HealthStatus.UP) {
                return t;
            }
        }
        return null;
    }
}
