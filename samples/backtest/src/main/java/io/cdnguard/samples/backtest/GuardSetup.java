package io.cdnguard.samples.backtest;

import io.cdnguard.CdnGuard;
import io.cdnguard.HealthListener;
import io.cdnguard.TimeSource;
import io.cdnguard.Check;
import io.cdnguard.checks.CdnTrafficCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How a backtest builds its {@link CdnGuard}: on the simulated clock, without the evaluation
 * thread, with the three detection checks ({@code cdn-traffic}, {@code cache-refetch}, {@code
 * missing-backend}, the guard's own, with their defaults) and, by default, without the built-in
 * {@code upstream-failures} and {@code cdn-errors} checks: {@code missing-backend} covers upstream
 * failures per backend with a minimum count, so the built-in ratio checks would only add alarms on a
 * deploy's restart burst of 502s. The {@code cdn-traffic} baseline is kept in memory unless a
 * {@linkplain #baselineDirectory(Path) directory} is given.
 */
public final class GuardSetup {

    private final List<String> specs = new ArrayList<>();
    private Duration evaluationPeriod = Duration.ofSeconds(10);
    private Path baselineDir;
    private boolean builtInChecks;
    private CdnTrafficCheck lastTraffic;

    /** Declares expected backends, without a group (grouped by name stem); blank names and duplicates ignored. */
    public GuardSetup expectBackends(List<String> names) {
        List<String> kept = new ArrayList<>();
        for (String n : names) {
            if (!n.isBlank()) {
                kept.add(n.strip());
            }
        }
        if (!kept.isEmpty()) {
            expectBackendSpec(String.join(",", kept));
        }
        return this;
    }

    /**
     * Declares expected backends from the {@code --expect-backends} form, the grammar of {@link
     * CdnGuard.Builder#expectBackendSpec(String)}: {@code static:asset-1,asset-2;api:api-1,api-2}
     * (route classes, the peer groups of the missing-backend check) or {@code asset-1,asset-2,api-1}
     * (grouped by name stem). The spec is checked here, so a bad one fails before any trace is read.
     *
     * @throws IllegalArgumentException {@code --expect-backends: } and the reason, naming the bad part
     */
    public GuardSetup expectBackendSpec(String spec) {
        try {
            CdnGuard.builder().expectBackendSpec(spec);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--expect-backends: " + e.getMessage(), e);
        }
        specs.add(spec);
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
        for (String spec : specs) {
            b.expectBackendSpec(spec);
        }
        if (baselineDir != null) {
            // <dir>/cdn-traffic.baseline, read at start, saved on the simulated hour and by saveBaseline()
            b.name(CdnTrafficCheck.NAME).baselineDirectory(baselineDir).persistBaseline(true);
        } else {
            b.persistBaseline(false);
        }
        CdnGuard guard = b.build();
        lastTraffic = null;
        for (Check c : guard.checks()) {
            if (c instanceof CdnTrafficCheck) {
                lastTraffic = (CdnTrafficCheck) c;
            }
        }
        return guard;
    }

    /** Writes the cdn-traffic baseline of the last guard built, if persistence is on; the file, or null. */
    public Path saveBaseline() {
        if (lastTraffic != null && lastTraffic.saveBaseline()) {
            return lastTraffic.baselineFile();
        }
        return null;
    }
}
