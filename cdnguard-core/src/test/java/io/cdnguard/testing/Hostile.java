package io.cdnguard.testing;

import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hostile strings for the endpoint abuse tests of every adapter, a user {@link Check} that puts them
 * into its name, message and details, a {@code promtool check metrics} runner, and a capture of
 * what is logged to standard error (slf4j-simple writes there) while a request is served.
 */
public final class Hostile {

    private Hostile() {
    }

    /** Characters that break JSON, HTML script blocks, Prometheus text or log lines if not escaped. */
    public static final List<String> STRINGS = List.of(
            "quo\"te",
            "back\\slash\\",
            "new\nline\r\nCRLF",
            "</script><script>alert(1)</script>",
            "line\u2028sep\u2029para",
            "nul\u0000ctl\u0001\u001f\u007f",
            "lone\uD800high",
            "lone\uDFFFlow",
            "emoji\uD83D\uDE00ok",
            "}],\"injected\":{\"a\":1",
            "x\"} 1\n# TYPE fake counter\nfake_total 1\ny",
            "\\\"\\n",
            "&amp;<b>'single'</b>");

    /** All hostile strings in one. */
    public static final String ALL = String.join("|", STRINGS);

    /** A check whose name, message and details are all hostile. */
    public static final class HostileCheck implements Check {
        private final String name;

        /** A check named {@code name}. */
        public HostileCheck(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public CheckResult evaluate(GuardSnapshot snapshot) {
            CheckResult r = CheckResult.degraded("message " + ALL);
            for (int i = 0; i < STRINGS.size(); i++) {
                r = r.withDetail("k" + i + STRINGS.get(i), STRINGS.get(i));
            }
            return r.withDetail("observedValue", ALL).withDetail("observedUnit", STRINGS.get(3));
        }
    }

    /** A check that throws with a hostile message (the evaluator reports it DEGRADED with the error). */
    public static final class ThrowingCheck implements Check {
        @Override
        public String name() {
            return "throws";
        }

        @Override
        public CheckResult evaluate(GuardSnapshot snapshot) {
            throw new IllegalStateException("boom " + ALL);
        }
    }

    /**
     * Whether the text has a raw control character, U+2028/U+2029 or DEL anywhere but in one final
     * line feed: escaped JSON never has.
     */
    public static boolean hasRawControl(String json) {
        String body = json.endsWith("\n") ? json.substring(0, json.length() - 1) : json;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == '\u007f') {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ promtool

    /** {@code promtool} on the {@code PATH}, or {@code null}. */
    public static Path promtool() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, "promtool");
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /**
     * Runs {@code promtool check metrics} on the exposition bytes.
     *
     * @return exit code followed by promtool's output lines; an empty output and exit 0 mean valid
     */
    public static List<String> promtoolCheck(Path promtool, byte[] exposition) throws IOException, InterruptedException {
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
            stdin.write(exposition);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("promtool did not finish within 60 s");
        }
        reader.join(10_000);
        List<String> lines = new ArrayList<>();
        lines.add(Integer.toString(p.exitValue()));
        for (String l : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                lines.add(l);
            }
        }
        return lines;
    }

    // ------------------------------------------------------------------ log capture

    /** Captures standard error (where slf4j-simple logs) while open; closing restores it. */
    public static final class StdErr implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

        /** Starts capturing; what is captured is still written to the original stream. */
        public StdErr() {
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (captured) {
                        captured.write(b);
                    }
                    original.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (captured) {
                        captured.write(b, off, len);
                    }
                    original.write(b, off, len);
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }

        /** What was written so far. */
        public String text() {
            synchronized (captured) {
                return captured.toString(StandardCharsets.UTF_8);
            }
        }

        /** Lines logged at ERROR or WARN, or carrying a stack trace. */
        public List<String> problems() {
            List<String> out = new ArrayList<>();
            for (String l : text().split("\n")) {
                if (l.contains(" ERROR ") || l.contains(" WARN ") || l.startsWith("\tat ") || l.contains("Exception")) {
                    out.add(l);
                }
            }
            return out;
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
