package io.cdnguard.samples.origin;

import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.TimeSource;
import io.cdnguard.checks.CacheRefetchCheck;
import io.cdnguard.checks.CdnTrafficCheck;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The guard options both sample origins take besides their own: {@code --trace-log FILE} and the lab
 * options of samples/lab (compressed time, a fixed max-age, a switch to force DOWN). All default to
 * the normal behaviour. A sample's option parser hands every option it does not know to
 * {@link #accepts}, {@link #needsValue} and {@link #set}, applies them to its guard builder with
 * {@link #configure}, and calls {@link #close()} after closing the guard.
 *
 * <p>Not thread-safe: parse and configure on one thread.
 */
public final class LabOptions {

    /** The options and what they do, in usage order: name with its value, then the help text. */
    private static final List<String[]> HELP = List.of(
            new String[] {"--trace-log FILE", "append every exchange to FILE in the trace format (for the backtest)"},
            new String[] {null, "lab options (compressed time, samples/lab):"},
            new String[] {"--max-age SECONDS", "Cache-Control max-age for every file, overriding the per-type one"},
            new String[] {"--time-scale N", "cdnguard's clock runs N times faster than real time (default 1)"},
            new String[] {"--eval-period DUR", "how often cdnguard evaluates its checks, real time (default 10s)"},
            new String[] {"--bucket DUR", "cdnguard's window bucket length, cdnguard time (default 10s)"},
            new String[] {"--refetch-grace DUR", "cdnguard's refetch grace, cdnguard time (default 1m)"},
            new String[] {"--detection", "lab detection: cdn-traffic and cache-refetch with the baseline in memory only (default: the library's detection checks)"},
            new String[] {"--down-file PATH", "report DOWN (check lab-down-file) while PATH exists"});

    private int maxAge = -1;
    private double timeScale = 1;
    private Duration evalPeriod;
    private Duration bucket;
    private Duration refetchGrace;
    private boolean detection;
    private Path downFile;
    private Path traceLog;
    private TraceFile traceFile;

    /** Options at their defaults. */
    public LabOptions() {
    }

    /**
     * The usage lines of these options, each option name padded to {@code width} characters after a
     * two-space indent, joined with newlines (no trailing newline).
     *
     * @param width the column the help text starts at, counted after the indent
     * @return the usage text
     */
    public static String usage(int width) {
        StringBuilder sb = new StringBuilder();
        for (String[] h : HELP) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            if (h[0] == null) {
                sb.append(h[1]);
            } else {
                sb.append("  ").append(h[0]);
                for (int i = h[0].length(); i < width; i++) {
                    sb.append(' ');
                }
                sb.append(' ').append(h[1]);
            }
        }
        return sb.toString();
    }

    /**
     * Whether {@code option} is one of these options.
     *
     * @param option the option name, e.g. {@code --max-age}
     * @return whether {@link #set} takes it
     */
    public boolean accepts(String option) {
        switch (option) {
            case "--max-age":
            case "--time-scale":
            case "--eval-period":
            case "--bucket":
            case "--refetch-grace":
            case "--detection":
            case "--down-file":
            case "--trace-log":
                return true;
            default:
                return false;
        }
    }

    /**
     * Whether {@code option} takes a value.
     *
     * @param option an option {@link #accepts} takes
     * @return {@code false} only for flags
     */
    public boolean needsValue(String option) {
        return !"--detection".equals(option);
    }

    /**
     * Sets an option.
     *
     * @param option an option {@link #accepts} takes
     * @param value its value ({@code null} for a flag)
     * @throws IllegalArgumentException naming the option if the value is bad or the option unknown
     */
    public void set(String option, String value) {
        switch (option) {
            case "--max-age":
                maxAge = (int) number(option, value, 0, Integer.MAX_VALUE);
                break;
            case "--time-scale":
                timeScale = number(option, value, 1, 10_000);
                break;
            case "--eval-period":
                evalPeriod = duration(option, value);
                break;
            case "--bucket":
                bucket = duration(option, value);
                break;
            case "--refetch-grace":
                refetchGrace = duration(option, value);
                break;
            case "--detection":
                detection = true;
                break;
            case "--down-file":
                downFile = path(option, value);
                break;
            case "--trace-log":
                Path f = path(option, value);
                Path dir = f.toAbsolutePath().getParent();
                if (dir != null && !Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("--trace-log: directory does not exist: " + dir);
                }
                if (Files.isDirectory(f)) {
                    throw new IllegalArgumentException("--trace-log: is a directory: " + f);
                }
                traceLog = f;
                break;
            default:
                throw new IllegalArgumentException("unknown option: " + option);
        }
    }

    /** The fixed max-age in seconds ({@code --max-age}), or -1 for the per-type one. */
    public int maxAge() {
        return maxAge;
    }

    /** The trace file path ({@code --trace-log}), or {@code null}. */
    public Path traceLog() {
        return traceLog;
    }

    /** The open trace file after {@link #configure} with {@code --trace-log}, else {@code null}. */
    public TraceFile traceFile() {
        return traceFile;
    }

    /**
     * Applies the options to a guard builder; with {@code --trace-log}, opens the trace file and turns
     * the guard's trace log on with it.
     *
     * @param b the builder
     * @return {@code b}
     * @throws UncheckedIOException if the trace file cannot be opened
     */
    public CdnGuard.Builder configure(CdnGuard.Builder b) {
        if (timeScale != 1) {
            b.timeSource(scaledClock(timeScale));
        }
        if (evalPeriod != null) {
            b.evaluationPeriod(evalPeriod);
        }
        if (bucket != null) {
            b.window(bucket, 360);
        }
        if (refetchGrace != null) {
            b.refetchGrace(refetchGrace);
        }
        if (detection) {
            // the lab's set: the library's default detection checks would persist a baseline learned on a
            // scaled clock, so they are replaced by the same checks with the baseline kept in memory
            b.detectionChecks(false);
            b.check(CdnTrafficCheck.builder().persistence(false).build());
            b.check(CacheRefetchCheck.builder().build());
        }
        if (downFile != null) {
            b.check(new DownFileCheck(downFile));
        }
        if (traceLog != null) {
            if (traceFile == null) {
                try {
                    traceFile = TraceFile.open(traceLog);
                } catch (IOException e) {
                    throw new UncheckedIOException("--trace-log: cannot open " + traceLog, e);
                }
            }
            b.traceLog(traceFile);
        }
        return b;
    }

    /** Closes the trace file, if one was opened (after closing the guard). Idempotent. */
    public void close() {
        if (traceFile != null) {
            traceFile.close();
        }
    }

    /** DOWN while a file exists. */
    static final class DownFileCheck implements Check {
        private final Path file;

        DownFileCheck(Path file) {
            this.file = file;
        }

        @Override
        public String name() {
            return "lab-down-file";
        }

        @Override
        public CheckResult evaluate(GuardSnapshot snapshot) {
            return Files.exists(file) ? CheckResult.down("down file present: " + file)
                    : CheckResult.up("no down file at " + file);
        }
    }

    /**
     * A clock that starts at the wall clock and runs {@code scale} times faster.
     *
     * @param scale how much faster than real time
     * @return the clock
     */
    public static TimeSource scaledClock(double scale) {
        long wall0 = System.currentTimeMillis();
        long nano0 = System.nanoTime();
        return () -> wall0 + (long) ((System.nanoTime() - nano0) / 1_000_000.0 * scale);
    }

    private static Path path(String option, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(option + " needs a path");
        }
        return Paths.get(value.trim());
    }

    private static double number(String option, String value, double min, double max) {
        double v;
        try {
            v = Double.parseDouble(value.trim());
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(option + " must be a number: " + value);
        }
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(option + " must be " + (long) min + ".." + (long) max + ": " + value);
        }
        return v;
    }

    /**
     * Parses {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h} or plain seconds.
     *
     * @param option the option, for the message
     * @param value the text
     * @return a positive duration
     * @throws IllegalArgumentException naming the option if the value is not a positive duration
     */
    public static Duration duration(String option, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (v.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            } else if (v.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            } else if (v.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            } else if (v.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            } else {
                d = Duration.ofSeconds(Long.parseLong(v));
            }
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(option + " must be positive: " + value);
            }
            return d;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(option + " must be a duration like 500ms, 2s, 5m: " + value);
        }
    }
}
