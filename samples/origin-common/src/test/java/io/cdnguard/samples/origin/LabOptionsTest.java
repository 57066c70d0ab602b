package io.cdnguard.samples.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.HealthStatus;
import io.cdnguard.MutableExchange;
import io.cdnguard.testing.ManualTimeSource;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabOptionsTest {

    @Test
    void accepts_everyOptionInTheUsage_andNothingElse() {
        LabOptions o = new LabOptions();
        String usage = LabOptions.usage(22);
        for (String opt : List.of("--max-age", "--time-scale", "--eval-period", "--bucket", "--refetch-grace", "--detection",
                "--down-file", "--trace-log")) {
            assertThat(o.accepts(opt)).as(opt).isTrue();
            assertThat(usage).contains("  " + opt);
        }
        assertThat(o.accepts("--port")).isFalse();
        assertThat(o.needsValue("--detection")).isFalse();
        assertThat(o.needsValue("--trace-log")).isTrue();
    }

    @Test
    void usage_alignsHelpTextAtTheGivenColumn() {
        for (String line : LabOptions.usage(24).split("\n")) {
            if (line.startsWith("  --")) {
                assertThat(line.charAt(2 + 24)).as(line).isEqualTo(' ');
                assertThat(line.charAt(2 + 24 + 1)).as(line).isNotEqualTo(' ');
            }
        }
        assertThat(LabOptions.usage(22)).contains("lab options (compressed time, samples/lab):");
    }

    @Test
    void set_badValues_nameTheOption() {
        LabOptions o = new LabOptions();
        assertThatThrownBy(() -> o.set("--time-scale", "fast")).hasMessageContaining("--time-scale");
        assertThatThrownBy(() -> o.set("--time-scale", "0.5")).hasMessageContaining("1..10000");
        assertThatThrownBy(() -> o.set("--max-age", "-1")).hasMessageContaining("--max-age");
        assertThatThrownBy(() -> o.set("--bucket", "0s")).hasMessageContaining("--bucket");
        assertThatThrownBy(() -> o.set("--eval-period", "soon")).hasMessageContaining("--eval-period");
        assertThatThrownBy(() -> o.set("--refetch-grace", "99999999999999999h")).hasMessageContaining("--refetch-grace");
        assertThatThrownBy(() -> o.set("--down-file", " ")).hasMessageContaining("--down-file");
        assertThatThrownBy(() -> o.set("--trace-log", "/no/such/dir/trace.jsonl")).hasMessageContaining("/no/such/dir");
        assertThatThrownBy(() -> o.set("--nope", "1")).hasMessageContaining("--nope");
    }

    @Test
    void duration_units() {
        assertThat(LabOptions.duration("--x", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(LabOptions.duration("--x", "2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(LabOptions.duration("--x", "5M")).isEqualTo(Duration.ofMinutes(5));
        assertThat(LabOptions.duration("--x", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(LabOptions.duration("--x", " 7 ")).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void configure_detectionAndDownFile_addChecks_downFileTurnsDown(@TempDir Path dir) throws Exception {
        Path down = dir.resolve("down");
        LabOptions o = new LabOptions();
        o.set("--detection", null);
        o.set("--down-file", down.toString());
        o.set("--max-age", "5");
        try (CdnGuard g = o.configure(CdnGuard.builder().timeSource(new ManualTimeSource(0)).evaluationThread(false)).build()) {
            assertThat(g.checks()).extracting(Check::name).contains("cdn-traffic", "cache-refetch", "lab-down-file");
            assertThat(g.evaluateNow().status()).isNotEqualTo(HealthStatus.DOWN);
            Files.writeString(down, "");
            assertThat(g.evaluateNow().status()).isEqualTo(HealthStatus.DOWN);
        }
        assertThat(o.maxAge()).isEqualTo(5);
    }

    @Test
    void configure_timeScale_runsTheGuardClockFaster() {
        long before = System.currentTimeMillis();
        long scaled = LabOptions.scaledClock(10_000).currentTimeMillis();
        assertThat(scaled).isGreaterThanOrEqualTo(before);
    }

    @Test
    void configure_traceLog_writesEveryRecordedExchangeToTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trace.jsonl");
        LabOptions o = new LabOptions();
        o.set("--trace-log", file.toString());
        try (CdnGuard g = o.configure(CdnGuard.builder().timeSource(new ManualTimeSource(0)).evaluationThread(false)).build()) {
            g.record(new MutableExchange().path("/a.js").status(200).requestHeader("user-agent", "Amazon CloudFront"));
            g.record(new MutableExchange().path("/b.js").status(404).requestHeader("user-agent", "curl/8"));
        }
        o.close();

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("{\"ts\":\"1970-01-01T00:00:00.000Z\"").contains("\"path\":\"/a.js\"",
                "\"user-agent\":\"Amazon CloudFront\"");
        assertThat(lines.get(1)).contains("\"status\":404", "curl/8");
        assertThat(o.traceFile().written()).isEqualTo(2);
    }

    @Test
    void configure_traceLogUnwritable_failsWithTheOption(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("trace.jsonl");
        LabOptions o = new LabOptions();
        o.set("--trace-log", file.toString());
        Files.createDirectory(file); // became a directory after parsing

        assertThatThrownBy(() -> o.configure(CdnGuard.builder().evaluationThread(false)))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("--trace-log");
    }
}
