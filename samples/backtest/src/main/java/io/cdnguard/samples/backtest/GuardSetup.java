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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a backtest builds its {@link CdnGuard}: on the simulated clock, without the evaluation
 * thread, with the three detection checks ({@code cdn-traffic}, {@code cache-refetch}, {@code
 * missing-backend}) and, by default, without the built-in {@code upstream-failures} and {@code
 * cdn-errors} checks: {@code missing-backend} covers upstream failures per backend with a minimum
 * count, so the built-in ratio checks would only add alarms on a deploy's restart burst of 502s.
 * The detection checks are the guard's defaults, built here explicitly ({@code
 * detectionChecks(false)} on the guard) so that the backtest controls the baseline file.
 */
public final class GuardSetup {

    private final List<String> expectBackends = new ArrayList<>();
    private final Map<String, String> groups = new LinkedHashMap<>();
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

    /**
     * Declares expected backends from the CLI's form: groups separated by ';', each {@code
     * group:a,b,c} (a peer group of the missing-backend check) or a plain {@code a,b,c} (grouped by
     * name stem). {@code static:asset-1,asset-2;api:api-1,api-2} or {@code asset-1,asset-2,api-1}.
     *
     * @throws IllegalArgumentException on an empty group name or a group without backends
     */
    public GuardSetup expectBackendSpec(String spec) {
        for (String part : spec.split(";")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.indexOf(':');
            String group = colon < 0 ? null : p.substring(0, colon).trim();
            List<String> names = new ArrayList<>();
            for (String n : (colon < 0 ? p : p.substring(colon + 1)).split(",")) {
                if (!n.trim().isEmpty()) {
                    names.add(n.trim());
                }
            }
            if (group != null && (group.isEmpty() || group.equals("*") || names.isEmpty())) {
                throw new IllegalArgumentException("bad backend group in --expect-backends: '" + p + "'");
            }
            expectBackends(names);
            if (group != null) {
                for (String n : names) {
                    groups.put(n, group);
                }
            }
        }
        return this;
    }

    /** The declared peer groups, backend to group (unmodifiable view). */
    public Map<String, String> peerGroups() {
        return java.util.Collections.unmodifiableMap(groups);
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
            .detectionChecks(false)
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
        MissingBackendCheck.Builder missing = MissingBackendCheck.builder();
        for (Map.Entry<String, String> e : groups.entrySet()) {
            missing.peerGroup(e.getValue(), e.getKey());
        }
        b.check(missing.build());
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
