package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BacktestTest {

    static final long T0 = Instant.parse("2021-04-04T01:00:00Z").toEpochMilli();

    /** DEGRADED while no CDN fetch arrived in the last minute (after the first one). */
    static final class SilenceCheck implements Check {
        final List<Long> evaluatedAt = new ArrayList<>();

        @Override
        public String name() {
            return "silence";
        }

        @Override
        public CheckResult evaluate(GuardSnapshot s) {
            evaluatedAt.add(s.timeMillis());
            int buckets = (int) (60_000 / s.window().bucketMillis());
            if (s.cdnFetches() > 0 && s.window().cdnFetchesLast(buckets) == 0) {
                return CheckResult.degraded("no CDN fetch for a minute");
            }
            return CheckResult.up("ok");
        }
    }

    private static Backtest backtest(SilenceCheck check, List<Transition> out) {
        Backtest[] holder = new Backtest[1];
        holder[0] = new Backtest(Duration.ofSeconds(10), clock -> CdnGuard.builder().timeSource(clock).evaluationThread(false)
            .builtInChecks(false).check(check).listener(holder[0].listener()).build(), out::add, true);
        return holder[0];
    }

    private static TraceExchange cdnFetch(TraceExchange e) {
        e.reset();
        e.method("GET");
        e.path("/static/app.js");
        e.status(304);
        e.requestHeader("user-agent", "Amazon CloudFront");
        e.requestHeader("if-none-match", "\"v1\"");
        e.responseHeader("cache-control", "public, max-age=300");
        return e;
    }

    @Test
    void record_acrossSilentGap_alarmFiresWhenItWouldLive_notAtNextLine() {
        SilenceCheck check = new SilenceCheck();
        List<Transition> out = new ArrayList<>();
        Backtest bt = backtest(check, out);
        TraceExchange e = new TraceExchange();
        long last = 0;
        for (long t = T0 + 3_000; t <= T0 + 600_000; t += 5_000) {
            bt.record(t, cdnFetch(e));
            last = t;
        }
        long resume = T0 + 2 * 3600_000L;
        bt.record(resume, cdnFetch(e));
        bt.finish(resume + 120_000);
        assertThat(out).extracting(Transition::check).contains("silence", "overall");
        Transition down = out.stream().filter(t -> t.check().equals("silence") && t.status() == HealthStatus.DEGRADED).findFirst().orElseThrow();
        assertThat(down.atMillis()).isBetween(last + 40_000, last + 80_000);
        assertThat(down.atMillis() % 10_000).isZero();
        Transition up = out.stream().filter(t -> t.check().equals("silence") && t.status() == HealthStatus.UP).findFirst().orElseThrow();
        assertThat(up.atMillis()).isBetween(resume, resume + 10_000);
        // every evaluation boundary of the gap was visited, in steps of the period
        for (int i = 1; i < check.evaluatedAt.size(); i++) {
            assertThat(check.evaluatedAt.get(i) - check.evaluatedAt.get(i - 1)).isEqualTo(10_000L);
        }
        assertThat(check.evaluatedAt.get(check.evaluatedAt.size() - 1)).isEqualTo(resume + 120_000);
    }

    @Test
    void record_reorderedLines_clockNeverGoesBack() {
        Backtest bt = backtest(new SilenceCheck(), new ArrayList<>());
        TraceExchange e = new TraceExchange();
        bt.record(T0 + 10_000, cdnFetch(e));
        bt.record(T0 + 7_000, cdnFetch(e));
        assertThat(bt.nowMillis()).isEqualTo(T0 + 10_000);
        assertThat(bt.lateRecords()).isZero();
        bt.record(T0 + 1_000, cdnFetch(e));
        assertThat(bt.lateRecords()).isEqualTo(1);
        assertThat(bt.records()).isEqualTo(3);
        assertThat(bt.guard().snapshot().cdnFetches()).isEqualTo(3);
    }

    @Test
    void finish_untilLater_runsTheClockOn_andAccountsStatusTime() {
        SilenceCheck check = new SilenceCheck();
        List<Transition> out = new ArrayList<>();
        Backtest bt = backtest(check, out);
        bt.record(T0, cdnFetch(new TraceExchange()));
        bt.finish(T0 + 3600_000);
        assertThat(bt.nowMillis()).isEqualTo(T0 + 3600_000);
        long degraded = bt.timeInStatus().get("silence").getOrDefault(HealthStatus.DEGRADED, 0L);
        long up = bt.timeInStatus().get("silence").getOrDefault(HealthStatus.UP, 0L);
        assertThat(up + degraded).isEqualTo(3600_000);
        assertThat(degraded).isBetween(3600_000L - 80_000, 3600_000L - 40_000);
    }

    @Test
    void toJson_isExactlyTheSpecLine() {
        Transition t = new Transition(Instant.parse("2021-04-04T02:14:00Z").toEpochMilli(), "cdn-traffic", HealthStatus.DEGRADED,
            HealthStatus.UP, "0 fetches in 7 min where \"17\" expected");
        assertThat(t.toJson()).isEqualTo("{\"ts\":\"2021-04-04T02:14:00Z\",\"check\":\"cdn-traffic\",\"status\":\"DEGRADED\","
            + "\"previous\":\"UP\",\"message\":\"0 fetches in 7 min where \\\"17\\\" expected\"}");
    }

    @Test
    void cli_backtest_printsSpecLinesOnStdout_andSummaryOnStderr(@TempDir Path dir) throws IOException {
        Path trace = dir.resolve("gw.jsonl");
        StringBuilder sb = new StringBuilder();
        for (long t = T0; t < T0 + 20 * 60_000; t += 2_000) {
            boolean broken = t >= T0 + 10 * 60_000;
            sb.append("{\"ts\":\"").append(Rfc3339.format(t)).append("\",\"method\":\"GET\",\"path\":\"/static/a").append(t % 7)
                .append(".js\",\"status\":").append(broken ? 503 : 200)
                .append(broken ? ",\"error\":\"no_backend\"" : ",\"backend\":\"asset-" + (1 + t / 2000 % 2) + "\"")
                .append(",\"req\":{\"user-agent\":\"Amazon CloudFront\",\"via\":\"1.1 abc.cloudfront.net (CloudFront)\"},")
                .append("\"resp\":{\"cache-control\":\"public, max-age=60\"}}\n");
        }
        sb.append("{\"ts\":\"2021-04-04T01:20:00Z\",\"method\":\n");
        Files.writeString(trace, sb.toString());
        BacktestCliErrorsTest.Run run = BacktestCliErrorsTest.run("backtest", "--expect-backends", "asset-1,asset-2", trace.toString());
        assertThat(run.code()).isZero();
        String stdout = run.out();
        String stderr = run.err();
        assertThat(stdout.lines()).isNotEmpty();
        assertThat(stdout.lines()).allMatch(l -> l.matches("\\{\"ts\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\",\"check\":\"[a-z-]+\","
            + "\"status\":\"(UP|DEGRADED|DOWN)\",\"previous\":\"(UP|DEGRADED|DOWN)\",\"message\":\".*\"}"));
        assertThat(stdout).contains("\"check\":\"missing-backend\"").contains("\"check\":\"overall\"");
        assertThat(stderr).contains("lines read: 601").contains("1 malformed: line 601").contains("cloudfront")
            .contains("time in status").contains("lines/s");
    }

    @Test
    void cli_simulate_writesGzipTraceAndTruthBesideIt(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("a4.jsonl.gz");
        PrintStream oldErr = System.err;
        int code;
        try {
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            code = BacktestMain.execute("simulate", "--scenario", "april4", "--seed", "3", "--days", "1", "--out", out.toString());
        } finally {
            System.setErr(oldErr);
        }
        assertThat(code).isZero();
        Path truth = dir.resolve("a4.truth.json");
        assertThat(truth).exists();
        assertThat(Files.readString(truth)).contains("\"scenario\" : \"april4\"").contains("\"seed\" : 3")
            .contains("\"trace\" : \"a4.jsonl.gz\"");
        try (TraceReader r = new JsonTraceReader(TraceReader.open(out))) {
            long n = 0;
            while (r.next()) {
                n++;
            }
            assertThat(n).isGreaterThan(5000);
            assertThat(r.malformed()).isZero();
        }
    }

    @Test
    void cli_backtestCombinedFormat_recognisesCloudFront(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("access.log");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 120; i++) {
            sb.append(String.format("130.176.0.%d - - [04/Apr/2021:01:%02d:%02d +0000] \"GET /static/a%d.js HTTP/1.1\" 304 0 \"-\" "
                + "\"Amazon CloudFront\"%n", i % 200, i / 2, i % 2 * 30, i % 9));
        }
        sb.append("1.2.3.4 - - [04/Apr/2021:02:00:00 +0000] \"GET / HTTP/1.1\" 200 10 \"-\" \"ELB-HealthChecker/2.0\"\n");
        sb.append("broken line\n");
        Files.writeString(log, sb.toString());
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = BacktestMain.execute("backtest", "--format", "combined", "--default-ttl", "10m", log.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        assertThat(code).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("lines read: 122").contains("1 malformed: line 122")
            .contains("CDN fetches 120 of 121").contains("cloudfront");
    }

    @Test
    void evaluationNanos_pastTheExactCalls_sampledEstimateWithinTheThreadsCpuTime() {
        SilenceCheck check = new SilenceCheck();
        Backtest bt = backtest(check, new ArrayList<>());
        TraceExchange e = new TraceExchange();
        long records = Backtest.EXACT_CALLS + 20L * Backtest.SAMPLE_EVERY;
        long c0 = Backtest.cpuNanos();
        for (long i = 0; i < records; i++) {
            bt.record(T0 + i * 10_000, cdnFetch(e)); // one boundary crossed per record
        }
        long spent = Backtest.cpuNanos() - c0;
        assertThat(bt.evaluations()).isEqualTo(records - 1);
        assertThat(check.evaluatedAt).hasSize((int) (records - 1));
        // an estimate: within the whole loop's CPU time, with room for a sampled outlier (a GC, a
        // compilation) scaled up; a cold call scaled up would overshoot by far more
        assertThat(bt.evaluationNanos()).isPositive().isLessThan(2 * spent);
    }
}
