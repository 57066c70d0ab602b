package io.cdnguard.samples.backtest;

import io.cdnguard.samples.backtest.sim.CdnProfile;
import io.cdnguard.samples.backtest.sim.Scenario;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The {@code table} command: the Markdown of {@code docs/detection.md}. */
final class DetectionTable {

    private DetectionTable() {
    }

    static void print(List<Long> seeds, PrintStream out) {
        out.println("# Detection: simulated incidents and false alarms");
        out.println();
        out.println("<!-- Generated; do not edit. Regenerate with:");
        out.println("     mvn -q -B -pl samples/backtest -am package -DskipTests");
        out.println("     java -jar samples/backtest/target/cdnguard-backtest.jar table > docs/detection.md -->");
        out.println();
        out.println("Each scenario is simulated by the backtest's CDN traffic model (`samples/backtest`, `simulate`; "
            + "calendar from Monday 2021-03-15, incidents in week 3, traces end 2021-04-06) and replayed through cdnguard with its default detection checks "
            + "(`cdn-traffic`, `cache-refetch`, `missing-backend`; evaluation every 10 s, built-in checks off). "
            + "*Delay* is the time from the incident's start to the first transition out of UP of any check; "
            + "*t\\** is the Poisson limit ln(1/α) / (λ (1 − ρ + ρ ln ρ)) with α = 2.3e-5, λ the expected rate of the "
            + "stream a perfect detector would watch and ρ the fraction of it left during the incident. "
            + "*False alarms* count transitions to DEGRADED/DOWN outside every [start, end + 60 min] window after the "
            + "first week (warm-up); alarms during the warm-up are listed separately. To keep the table quick, the "
            + "week-3 incidents are simulated from day 10 (ten days of history), "
            + "and `normal` in full (22 days: holiday on 2021-04-02, 3x spike on 2021-04-03 18:00, invalidation deploy "
            + "on 2021-03-30).");
        out.println();
        out.println("| scenario | seed | incident | first check | delay | t* | delay/t* | per check | false alarms | warm-up alarms |");
        out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (String name : Scenario.NAMES) {
            for (long seed : seeds) {
                row(name, Experiments.standard(name, seed), seed, out);
            }
        }
        // Akamai's Via names no POP: its partial drop is the rate-step test's, and its normal weeks that test's false alarms
        for (String name : new String[] {"normal", "partial-drop"}) {
            for (long seed : seeds) {
                Scenario sc = Scenario.named(name, seed, 0, CdnProfile.AKAMAI);
                row(name + " (Akamai)", name.equals("normal") ? sc : sc.fromDay(10), seed, out);
            }
        }
        footer(out);
    }

    private static void row(String name, Scenario sc, long seed, PrintStream out) {
        Experiments.RunResult r = Experiments.run(sc, new GuardSetup());
        if (r.incidents().isEmpty()) {
            out.printf(Locale.ROOT, "| %s | %d | (none) | - | - | - | - | - | %d | %d |%n", name, seed,
                r.falseAlarms().size(), r.warmUpAlarms().size());
        }
        for (Experiments.IncidentResult inc : r.incidents()) {
            StringBuilder per = new StringBuilder();
            for (Map.Entry<String, Double> e : inc.delayByCheck().entrySet()) {
                if (!e.getKey().equals("overall")) {
                    per.append(per.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(String.format(Locale.ROOT, "%.1f", e.getValue()));
                }
            }
            out.printf(Locale.ROOT, "| %s | %d | %s (λ %.2f/min, ρ %.2f) | %s | %s | %.1f min | %s | %s | %d | %d |%n",
                name, seed, inc.id(), inc.lambdaPerMin(), inc.rho(),
                inc.firstCheck() == null ? "-" : inc.firstCheck(),
                inc.delayMin() == null ? "**missed**" : String.format(Locale.ROOT, "%.1f min", inc.delayMin()),
                inc.tStarMin(),
                inc.delayMin() == null ? "-" : String.format(Locale.ROOT, "%.2f", inc.ratio()),
                per.length() == 0 ? "-" : per.toString(),
                r.falseAlarms().size(), r.warmUpAlarms().size());
        }
        out.flush();
    }

    private static void footer(PrintStream out) {
        out.println();
        out.println("## Scoring the public traces");
        out.println();
        out.println("The public traces in `../shared/traces/` come with ground truth; score a backtest of each with "
            + "`evaluate-backtest.py` (delays, t*, false alarms):");
        out.println();
        out.println("    java -jar samples/backtest/target/cdnguard-backtest.jar backtest ../shared/traces/public-april4.jsonl.gz > /tmp/april4.out.jsonl");
        out.println("    python3 ../shared/tools/evaluate-backtest.py --truth ../shared/traces/public-april4.truth.json --transitions /tmp/april4.out.jsonl");
        out.println();
        out.println("    java -jar samples/backtest/target/cdnguard-backtest.jar backtest ../shared/traces/public-normal.jsonl.gz > /tmp/normal.out.jsonl");
        out.println("    python3 ../shared/tools/evaluate-backtest.py --truth ../shared/traces/public-normal.truth.json --transitions /tmp/normal.out.jsonl");
        out.println();
        out.println("    java -jar samples/backtest/target/cdnguard-backtest.jar backtest --expect-backends asset-1,asset-2,asset-3,api-1,api-2 \\");
        out.println("        ../shared/traces/public-gateway-missing-backend.jsonl.gz > /tmp/gateway.out.jsonl");
        out.println("    python3 ../shared/tools/evaluate-backtest.py --truth ../shared/traces/public-gateway-missing-backend.truth.json --transitions /tmp/gateway.out.jsonl");
        out.println();
        out.println("A simulated trace can be scored the same way: `simulate --scenario april4 --seed 7 --out /tmp/a.jsonl.gz` "
            + "writes `/tmp/a.truth.json` beside it.");
    }
}
