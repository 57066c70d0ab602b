package io.cdnguard;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** The immutable result of one evaluation: every check's result and the overall status (the worst). */
public final class HealthReport {

    private final long timeMillis;
    private final HealthStatus status;
    private final Map<String, CheckResult> checks;

    private HealthReport(long timeMillis, HealthStatus status, Map<String, CheckResult> checks) {
        this.timeMillis = timeMillis;
        this.status = status;
        this.checks = checks;
    }

    /** Builds a report; the overall status is the worst of the checks, {@code UP} if there are none. */
    public static HealthReport of(long timeMillis, Map<String, CheckResult> checks) {
        Map<String, CheckResult> copy = new LinkedHashMap<>(checks);
        HealthStatus worst = HealthStatus.UP;
        for (CheckResult r : copy.values()) {
            worst = worst.worst(Objects.requireNonNull(r, "result").status());
        }
        return new HealthReport(timeMillis, worst, Collections.unmodifiableMap(copy));
    }

    /** An UP report with no checks, before the first evaluation. */
    public static HealthReport empty(long timeMillis) {
        return new HealthReport(timeMillis, HealthStatus.UP, Collections.emptyMap());
    }

    /** When it was evaluated, epoch milliseconds. */
    public long timeMillis() {
        return timeMillis;
    }

    /** The overall status: the worst of the checks. */
    public HealthStatus status() {
        return status;
    }

    /** Each check's result by name, in evaluation order; unmodifiable. */
    public Map<String, CheckResult> checks() {
        return checks;
    }

    @Override
    public String toString() {
        return "HealthReport{" + status + ", " + checks + '}';
    }
}
