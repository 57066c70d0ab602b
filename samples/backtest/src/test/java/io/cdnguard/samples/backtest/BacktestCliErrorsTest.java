package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on the command line: one line saying what is wrong and exit code 2, never a stack trace.
 * Also {@link #run}: a CLI run with its output captured, for the other CLI tests.
 */
class BacktestCliErrorsTest {

    /** The exit code, stdout and stderr of one CLI run. */
    record Run(int code, String out, String err) { }

    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = BacktestMain.execute(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertOneClearLine(Run r, String... contains) {
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("cdnguard-backtest ").doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(r.err().lines()).hasSize(1);
        for (String c : contains) {
            assertThat(r.err()).contains(c);
        }
    }

    /** {@code n} CloudFront refetches a minute apart, as trace lines. */
    static String lines(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(String.format("{\"ts\":\"2021-04-04T%02d:%02d:00Z\",\"method\":\"GET\",\"path\":\"/static/a%d.js\",\"status\":304,"
                + "\"req\":{\"user-agent\":\"Amazon CloudFront\",\"if-none-match\":\"\\\"x\\\"\"},\"resp\":{\"cache-control\":"
                + "\"max-age=60\"}}%n", i / 60 % 24, i % 60, i % 7));
        }
        return sb.toString();
    }

    @Test
    void missingFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.jsonl");
        assertOneClearLine(run("backtest", missing.toString()), "nope.jsonl", "No such file");
    }

    @Test
    void directory(@TempDir Path dir) {
        assertOneClearLine(run("backtest", dir.toString()), "a directory", dir.toString());
    }

    @Test
    void notGzip(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("plain.jsonl.gz");
        Files.writeString(f, lines(3));
        assertOneClearLine(run("backtest", f.toString()), "plain.jsonl.gz", "Not in GZIP format");
    }

    @Test
    void badOptionValues(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, lines(3));
        assertOneClearLine(run("backtest", "--until", "soon", f.toString()), "--until", "'soon'");
        assertOneClearLine(run("backtest", "--eval-period", "often", f.toString()), "not a duration: 'often'");
        assertOneClearLine(run("backtest", "--baseline-in", dir.resolve("none.baseline").toString(), f.toString()),
            "no such file", "none.baseline");
        assertOneClearLine(run("simulate", "--scenario", "nope", "--out", dir.resolve("x.jsonl").toString()),
            "simulate", "unknown scenario: nope");
    }

    /** A gzip file cut short (a copy that did not finish) is read as far as it goes, and the summary says where it ends. */
    @Test
    void gzipCutShort_readsWhatIsThereAndSaysSo(@TempDir Path dir) throws IOException {
        Path whole = dir.resolve("whole.jsonl.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(whole))) {
            o.write(lines(3000).getBytes(StandardCharsets.US_ASCII));
        }
        byte[] all = Files.readAllBytes(whole);
        Path cut = dir.resolve("cut.jsonl.gz");
        Files.write(cut, Arrays.copyOf(all, all.length * 2 / 3));
        Run r = run("backtest", cut.toString());
        assertThat(r.code()).isZero();
        assertThat(r.err()).contains("cut short, the rest is not read: " + cut + " after line ").doesNotContain("\tat ");
        long read = Long.parseLong(r.err().replaceAll("(?s).*lines read: (\\d+) .*", "$1"));
        assertThat(read).isBetween(1000L, 2999L);
    }
}
