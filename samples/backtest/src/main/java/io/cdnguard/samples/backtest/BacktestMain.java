package io.cdnguard.samples.backtest;

import io.cdnguard.HealthStatus;
import io.cdnguard.samples.backtest.sim.CdnProfile;
import io.cdnguard.samples.backtest.sim.GroundTruth;
import io.cdnguard.samples.backtest.sim.JsonTraceWriter;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The backtest CLI: {@code backtest} replays traces through cdnguard's checks on a simulated clock,
 * {@code simulate} writes a simulated trace and its ground truth, {@code demo} replays the April 4
 * incident in memory, {@code table} prints the detection table of {@code docs/detection.md}.
 */
@Command(name = "cdnguard-backtest", mixinStandardHelpOptions = true, version = "cdnguard-backtest 0.1.0",
    description = "Would cdnguard have caught it? Replays CDN fetch logs through cdnguard's checks.",
    subcommands = {BacktestMain.BacktestCommand.class, BacktestMain.SimulateCommand.class,
        BacktestMain.DemoCommand.class, BacktestMain.TableCommand.class})
public final class BacktestMain implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }

    /** Entry point. */
    public static void main(String[] args) {
        // transitions go to stdout; the checks' own log lines would repeat them on stderr
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (for tests). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new BacktestMain());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String problem = userError(e);
            if (problem == null) {
                throw e; // a bug: picocli prints the stack trace
            }
            cmd.getErr().println("cdnguard-backtest " + cmd.getCommandName() + ": " + problem);
            return 2;
        });
        return cli.execute(args);
    }

    /**
     * What a person needs to read about a bad input (a file that cannot be read or written, an
     * option value that does not parse), or null when {@code e} is not one: exit code 2 and one
     * line, not a stack trace.
     */
    static String userError(Exception e) {
        Throwable t = e instanceof UncheckedIOException ? e.getCause() : e;
        if (t instanceof java.nio.file.NoSuchFileException) {
            return "no such file: " + ((java.nio.file.FileSystemException) t).getFile();
        }
        if (t instanceof java.nio.file.AccessDeniedException) {
            return "permission denied: " + ((java.nio.file.FileSystemException) t).getFile();
        }
        if (t instanceof IOException || t instanceof IllegalArgumentException) {
            return t.getMessage() == null ? t.toString() : t.getMessage();
        }
        return null;
    }

    private static InputStream open(String file) throws IOException {
        Path p = Path.of(file);
        if (Files.isDirectory(p)) {
            throw new IOException("a directory, not a trace file: " + file);
        }
        try {
            return TraceReader.open(p);
        } catch (java.io.FileNotFoundException e) {
            throw e; // its message names the file and the reason
        } catch (IOException e) { // not gzip after all
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@code backtest}: replays traces. */
    @Command(name = "backtest", mixinStandardHelpOptions = true,
        description = "Replays traces (JSON Lines, .gz allowed, or combined access logs) through cdnguard's checks on a "
            + "simulated clock; prints transitions as JSON Lines on stdout and a summary on stderr.")
    static final class BacktestCommand implements Callable<Integer> {
        @Option(names = "--expect-backends", description = "Expected backends (gateways), comma-separated; peer groups "
            + "(route classes) as group:a,b separated by ';', e.g. 'static:asset-1,asset-2;api:api-1,api-2'. Without "
            + "groups, backends are grouped by name stem (asset-1, asset-2: asset). Repeatable.")
        List<String> expectBackends = new ArrayList<>();
        @Option(names = "--eval-period", defaultValue = "10s", description = "Evaluation period (default ${DEFAULT-VALUE}).")
        String evalPeriod;
        @Option(names = "--baseline-in", description = "A cdn-traffic baseline file to start from (written by --baseline-out or a live guard).")
        Path baselineIn;
        @Option(names = "--baseline-out", description = "Write the learned cdn-traffic baseline to this file at the end.")
        Path baselineOut;
        @Option(names = "--until", description = "Run the clock until this time (RFC 3339 or epoch ms) after the last line.")
        String until;
        @Option(names = "--format", defaultValue = "jsonl", description = "jsonl (default) or combined.")
        String format;
        @Option(names = "--default-ttl", defaultValue = "1h", description = "Freshness assumed for combined logs (default ${DEFAULT-VALUE}).")
        String defaultTtl;
        @Option(names = "--built-in-checks", description = "Also run the core's built-in upstream-failures and cdn-errors checks.")
        boolean builtIn;
        @Parameters(arity = "1..*", paramLabel = "FILE", description = "Trace files, in time order ('-' for stdin).")
        List<String> files;

        @Override
        public Integer call() throws IOException {
            Duration period = Durations.parse(evalPeriod);
            long untilMillis = Long.MIN_VALUE;
            if (until != null) {
                untilMillis = Rfc3339.parse(until);
                if (untilMillis == Rfc3339.INVALID) {
                    try {
                        untilMillis = Long.parseLong(until.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--until: not an RFC 3339 time or epoch milliseconds: '" + until + "'");
                    }
                }
            }
            Path dir = null;
            if (baselineIn != null || baselineOut != null) {
                dir = Files.createTempDirectory("cdnguard-backtest");
                if (baselineIn != null) {
                    Files.copy(baselineIn, dir.resolve("cdn-traffic.baseline"));
                }
            }
            GuardSetup setup = new GuardSetup().evaluationPeriod(period).builtInChecks(builtIn).baselineDirectory(dir);
            for (String spec : expectBackends) {
                try {
                    setup.expectBackendSpec(spec);
                } catch (IllegalArgumentException e) {
                    System.err.println("backtest: " + e.getMessage());
                    return 2;
                }
            }
            Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
            Backtest[] holder = new Backtest[1];
            Backtest bt = new Backtest(period, clock -> setup.build(clock, holder[0].listener()), t -> {
                try {
                    out.write(t.toJson());
                    out.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, false);
            holder[0] = bt;
            long lines = 0;
            long malformed = 0;
            List<String> firstBad = new ArrayList<>();
            List<String> cutShort = new ArrayList<>();
            long t0 = System.nanoTime();
            long c0 = Backtest.cpuNanos();
            long ttlSeconds = Durations.parse(defaultTtl).toSeconds();
            for (String f : files) {
                InputStream in = f.equals("-") ? System.in : open(f);
                try (TraceReader r = format.equalsIgnoreCase("combined")
                    ? new CombinedLogReader(in, ttlSeconds) : new JsonTraceReader(in)) {
                    try {
                        while (r.next()) {
                            bt.record(r.timestampMillis(), r.exchange());
                        }
                    } catch (java.io.EOFException e) {
                        // a gzip file cut short (a copy that did not finish): what was there is read, and said
                        cutShort.add(f + " after line " + r.lines() + " (" + e.getMessage() + ")");
                    } catch (IOException e) { // a corrupt gzip stream, a failing disk
                        throw new IOException(f + ": " + e.getMessage() + " (after line " + r.lines() + ")", e);
                    }
                    lines += r.lines();
                    malformed += r.malformed();
                    for (Long n : r.firstMalformed()) {
                        if (firstBad.size() < TraceReader.KEEP_MALFORMED) {
                            firstBad.add((files.size() > 1 ? f + ":" : "") + n);
                        }
                    }
                }
            }
            long readNanos = System.nanoTime() - t0;
            long cpuNanos = Backtest.cpuNanos() - c0;
            bt.finish(untilMillis);
            out.flush();
            if (baselineOut != null) {
                Path saved = setup.saveBaseline();
                if (saved != null) {
                    Files.copy(saved, baselineOut, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    System.err.println("baseline written to " + baselineOut);
                } else {
                    System.err.println("baseline could not be written to " + baselineOut);
                }
            }
            PrintStream err = System.err;
            err.printf(Locale.ROOT, "lines read: %d (%d records, %d malformed%s)%n", lines, bt.records(), malformed,
                malformed > 0 ? ": line " + String.join(", ", firstBad) + (malformed > firstBad.size() ? ", ..." : "") : "");
            for (String c : cutShort) {
                err.println("cut short, the rest is not read: " + c);
            }
            if (bt.lateRecords() > 0) {
                err.printf(Locale.ROOT, "records more than 5 s out of order (recorded at the current time): %d%n", bt.lateRecords());
            }
            if (bt.guard() != null) {
                err.printf(Locale.ROOT, "span: %s .. %s, %d evaluations every %s%n", Rfc3339.format(bt.startMillis()),
                    Rfc3339.format(bt.nowMillis()), bt.evaluations(), period);
                err.println(bt.cdnShare());
                err.println("time in status:");
                for (Map.Entry<String, EnumMap<HealthStatus, Long>> e : bt.timeInStatus().entrySet()) {
                    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  %-16s", e.getKey()));
                    for (HealthStatus s : HealthStatus.values()) {
                        long ms = e.getValue().getOrDefault(s, 0L);
                        sb.append(String.format(Locale.ROOT, " %s %s", s, hm(ms)));
                    }
                    err.println(sb);
                }
            }
            double secs = readNanos / 1e9;
            double cpu = cpuNanos / 1e9;
            double evalSecs = bt.evaluationNanos() / 1e9;
            double recordSecs = Math.max(cpu - evalSecs, 1e-9);
            err.printf(Locale.ROOT, "throughput: %.0f lines/s (%.2f s wall, %.2f s CPU): reading and recording %.0f lines/s "
                + "of CPU (%.2f s), evaluating the checks %.2f s CPU (%.0f evaluations/s)%n", lines / Math.max(secs, 1e-9), secs, cpu,
                lines / recordSecs, recordSecs, evalSecs, bt.evaluations() / Math.max(evalSecs, 1e-9));
            return 0;
        }

        private static String hm(long ms) {
            long m = ms / 60_000;
            return String.format(Locale.ROOT, "%dh%02dm", m / 60, m % 60);
        }
    }

    /** {@code simulate}: writes a simulated trace and its ground truth. */
    @Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Writes a simulated CDN fetch log (JSON Lines, gzip when FILE ends in .gz) and FILE's ground truth "
            + "(.truth.json beside it).")
    static final class SimulateCommand implements Callable<Integer> {
        @Option(names = "--scenario", required = true, description = "One of: normal, april4, april4-probes, partial-drop, "
            + "gateway-no-backend, silent-backend, small-site, route-class-silent, route-class-normal.")
        String scenario;
        @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--days", defaultValue = "0", description = "Days to simulate from Monday 2021-03-15 (default 22).")
        int days;
        @Option(names = "--cdn", description = "Override the scenario's CDN: cloudfront, cloudflare, fastly, akamai.")
        String cdn;
        @Option(names = "--out", required = true, description = "Output FILE.jsonl or FILE.jsonl.gz.")
        Path out;
        @Option(names = "--scale", defaultValue = "1", description = "A busier origin: K times the assets, the CDN "
            + "fetch rate and the direct hits, so about K times the lines (1.." + Scenario.MAX_SCALE + ", default ${DEFAULT-VALUE}: "
            + "the scenario as is).")
        int scale;

        @Override
        public Integer call() throws IOException {
            if (scale < 1 || scale > Scenario.MAX_SCALE) {
                System.err.println("simulate: --scale must be 1.." + Scenario.MAX_SCALE + ": " + scale);
                return 2;
            }
            Scenario sc = Scenario.named(scenario, seed, days, cdn == null ? null : CdnProfile.of(cdn)).scaled(scale);
            long t0 = System.nanoTime();
            Simulator.Result res;
            try (OutputStream os = open(out); JsonTraceWriter w = new JsonTraceWriter(os)) {
                res = new Simulator(sc).run(w);
            }
            Path truth = truthPath(out);
            try (OutputStream os = Files.newOutputStream(truth)) {
                GroundTruth.write(res, out.getFileName().toString(), Files.size(out), os);
            }
            System.err.printf(Locale.ROOT, "%s: %d lines, %d bytes in %.1f s; ground truth in %s%n", out, res.lines(),
                Files.size(out), (System.nanoTime() - t0) / 1e9, truth);
            return 0;
        }

        static OutputStream open(Path p) throws IOException {
            OutputStream os = new BufferedOutputStream(Files.newOutputStream(p), 1 << 16);
            return p.getFileName().toString().endsWith(".gz") ? new GZIPOutputStream(os, 1 << 16) : os;
        }

        static Path truthPath(Path out) {
            String n = out.getFileName().toString();
            for (String ext : new String[] {".jsonl.gz", ".json.gz", ".gz", ".jsonl", ".json"}) {
                if (n.endsWith(ext)) {
                    n = n.substring(0, n.length() - ext.length());
                    break;
                }
            }
            return out.resolveSibling(n + ".truth.json");
        }
    }

    /** {@code demo}: the April 4 incident, replayed. */
    @Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Simulates the April 4 incident in memory and shows when each check would have fired.")
    static final class DemoCommand implements Callable<Integer> {
        @Option(names = "--seed", defaultValue = "4", description = "Random seed (default ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--scenario", defaultValue = "april4", description = "Scenario (default ${DEFAULT-VALUE}).")
        String scenario;

        @Override
        public Integer call() {
            return Demo.run(Experiments.standard(scenario, seed), System.out);
        }
    }

    /** {@code table}: the detection table. */
    @Command(name = "table", mixinStandardHelpOptions = true,
        description = "Runs every scenario with fixed seeds and prints docs/detection.md (Markdown) on stdout.")
    static final class TableCommand implements Callable<Integer> {
        @Option(names = "--seeds", split = ",", defaultValue = "1,2", description = "Seeds (default ${DEFAULT-VALUE}).")
        List<Long> seeds;

        @Override
        public Integer call() {
            DetectionTable.print(seeds, System.out);
            return 0;
        }
    }
}
