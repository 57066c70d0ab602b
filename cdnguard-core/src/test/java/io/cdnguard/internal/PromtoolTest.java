package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cdnguard.Cdn;
import io.cdnguard.CheckResult;
import io.cdnguard.HealthReport;
import io.cdnguard.testing.FakeSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the real {@code promtool check metrics} (Prometheus' own linter, Debian package
 * {@code prometheus}) on the rendered exposition, piped to its standard input.
 *
 * <p>Any output line is a failure: there are no tolerated lints. If {@code promtool} is not on the
 * {@code PATH} the test fails when the environment variable {@code CI} is {@code "true"} and is
 * skipped otherwise.
 */
class PromtoolTest {

    private static Path promtool;

    @BeforeAll
    static void findPromtool() {
        promtool = onPath("promtool");
        if (promtool == null) {
            String msg = "promtool not found on PATH (install the Debian/Ubuntu package 'prometheus' "
                    + "or a Prometheus release); it lints the /metrics output";
            if ("true".equals(System.getenv("CI"))) {
                fail(msg + "; CI=true, so this is a failure");
            }
            Assumptions.abort(msg + "; skipped outside CI");
        }
    }

    private static Path onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs {@code promtool check metrics} on {@code text}; returns exit code and output lines. */
    private static Result check(String text) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write(text.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("promtool did not finish within 60 s");
        }
        reader.join(10_000);
        List<String> lines = new ArrayList<>();
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return new Result(p.exitValue(), lines);
    }

    private static final class Result {
        final int exit;
        final List<String> lines;

        Result(int exit, List<String> lines) {
            this.exit = exit;
            this.lines = lines;
        }
    }

    @Test
    void promtool_acceptsBusyExposition() throws Exception {
        String text = PrometheusText.render(PrometheusTextTest.busySnapshot(), PrometheusTextTest.busyReport());
        Result r = check(text);
        assertThat(r.lines).as("promtool output for:%n%s", text).isEmpty();
        assertThat(r.exit).isZero();
    }

    @Test
    void promtool_acceptsEmptyExpositionWithoutReport() throws Exception {
        Result r = check(PrometheusText.render(new FakeSnapshot(PrometheusTextTest.T), null));
        assertThat(r.lines).isEmpty();
        assertThat(r.exit).isZero();
    }

    @Test
    void promtool_acceptsHostileLabelValues() throws Exception {
        String hostile = "we\"ird\\name\nwith </script> \u00fc";
        FakeSnapshot s = new FakeSnapshot(PrometheusTextTest.T).backend(hostile, false, 3, Map.of()).pop(Cdn.FASTLY, hostile, 2);
        Result r = check(PrometheusText.render(s, HealthReport.of(PrometheusTextTest.T, Map.of(hostile, CheckResult.up("")))));
        assertThat(r.lines).isEmpty();
        assertThat(r.exit).isZero();
    }

    @Test
    void promtool_acceptsRealGuardExposition() throws Exception {
        try (io.cdnguard.CdnGuard g = HealthEndpointGuardTest.busyGuard(
                new io.cdnguard.testing.ManualTimeSource(PrometheusTextTest.T), null)) {
            g.evaluateNow();
            io.cdnguard.HealthEndpoint.Response m = g.endpoint().handle("GET", "/cdnguard/metrics", null);
            String text = new String(m.body(), StandardCharsets.UTF_8);
            assertThat(text).contains("cdnguard_cdn_pop_fetches_total{cdn=\"cloudflare\",pop=\"FRA\"} 110");
            Result r = check(text);
            assertThat(r.lines).as("promtool output for:%n%s", text).isEmpty();
            assertThat(r.exit).isZero();
        }
    }

    @Test
    void promtool_detectsABrokenExposition() throws Exception {
        // Guards the test itself: promtool must reject malformed input, or the checks above prove nothing.
        Result r = check("# TYPE x_total counter\nx_total{a=\"unterminated} 1\n");
        assertThat(r.exit).isNotZero();
    }
}
