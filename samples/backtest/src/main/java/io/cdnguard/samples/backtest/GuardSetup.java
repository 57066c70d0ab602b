package io.cdnguard.samples.backtest;

import io.cdnguard.CdnGuard;
import io.cdnguard.HealthListener;
import io.cdnguard.TimeSource;
import io.cdnguard.checks.CacheRefetchCheck;
import io.cdnguard.checks.CdnTrafficCheck;
import io.cdnguard.checks.MissingBackendCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a backtest builds its {@link CdnGuard}: on the simulated clock, without the evaluation
 * thread, with the three detection checks ({@code cdn-traffic}, {@code cache-refetch}, {@code
 * missing-backend}) and, by default, without the built-in {@code upstream-failures} and {@code
 * cdn-errors} checks: {@code missing-backend} covers upstream failures per backend with a minimum
 * count, so the built-in ratio checks would only add alarms on a deploy's restart burst of 502s.
 */
public final class GuardSetup {

    private final List<String> expectBackends = new ArrayList<>();
    private Duration evaluationPeriod = Duration.ofSeconds(10);
    private Path baselineDir;
    private boolean builtInChecks;
    private CdnTrafficCheck lastTraffic;

    /** Declares expected backends (duplicates ignored). */
    public GuardSetup expectBackends(List<String> names) {
        for (String n : names) {
            String t = n.trim();
            if (!t.isEmpty() && !expectBackends.contains(t)) {
                expectBackends.add(t);
            }
        }
        return this;
    }

    /** The evaluation period. Default 10 s. */
    public GuardSetup evaluationPeriod(Duration period) {
        this.evaluationPeriod = period;
        return this;
    }

    /** The evaluation period. */
    public Duration evaluationPeriod() {
        return evaluationPeriod;
    }

    /**
     * The directory the cdn-traffic baseline ({@code cdn-traffic.baseline}) is read from at start
     * and can be saved to; {@code null} (default) for no persistence.
     */
    public GuardSetup baselineDirectory(Path dir) {
        this.baselineDir = dir;
        return this;
    }

    /** Whether to include the core's built-in checks. Default false. */
    public GuardSetup builtInChecks(boolean include) {
        this.builtInChecks = include;
        return this;
    }

    /** Builds a guard on {@code time} reporting to {@code listener}. */
    public CdnGuard build(TimeSource time, HealthListener listener) {
        CdnGuard.Builder b = CdnGuard.builder()
            .timeSource(time)
            .evaluationThread(false)
            .evaluationPeriod(evaluationPeriod)
            .builtInChecks(builtInChecks)
            .listener(listener);
        for (String n : expectBackends) {
            b.expectBackend(n);
        }
        CdnTrafficCheck.Builder traffic = CdnTrafficCheck.builder();
        if (baselineDir != null) {
            // saved explicitly at the end of the run, not on the simulated hour
            traffic.persistence(true).baselineDirectory(baselineDir).saveInterval(Duration.ofDays(36500));
        } else {
            traffic.persistence(false);
        }
        lastTraffic = traffic.build();
        b.check(lastTraffic);
        b.check(CacheRefetchCheck.builder().build());
        b.check(MissingBackendCheck.builder().build());
        return b.build();
    }

    /** Writes the cdn-traffic baseline of the last guard built, if persistence is on; the file, or null. */
    public Path saveBaseline() {
        if (lastTraffic != null && lastTraffic.saveBaseline()) {
            return lastTraffic.baselineFile();
        }
        return null;
    }
}
