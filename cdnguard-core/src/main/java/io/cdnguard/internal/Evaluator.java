package io.cdnguard.internal;

import io.cdnguard.Check;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthListener;
import io.cdnguard.HealthReport;
import io.cdnguard.TimeSource;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs the checks on one daemon thread and on demand. CONTRACT STUB: the health work replaces the body.
 */
public final class Evaluator implements AutoCloseable {

    /**
     * @param name used in the thread name ({@code cdnguard-eval-<name>})
     * @param time the clock
     * @param tick advances the guard's coarse clock and rotates buckets; called before each snapshot and
     *     every {@code tickMillis} by the thread
     * @param snapshot takes a snapshot of the counters now
     * @param checks the checks, in order
     * @param listeners transition listeners
     * @param tickMillis how often the thread ticks (the bucket length)
     * @param periodMillis how often the thread evaluates
     * @param startThread whether to start the daemon thread
     */
    public Evaluator(String name, TimeSource time, Runnable tick, Supplier<GuardSnapshot> snapshot,
            List<Check> checks, List<HealthListener> listeners, long tickMillis, long periodMillis,
            boolean startThread) {
    }

    /** The last evaluated report. O(1). */
    public HealthReport current() {
        throw new UnsupportedOperationException("evaluator not built yet");
    }

    /** Ticks, snapshots and evaluates now on the calling thread (serialised with the thread); returns the report. */
    public HealthReport evaluateNow() {
        throw new UnsupportedOperationException("evaluator not built yet");
    }

    /** Stops the thread. Idempotent. */
    @Override
    public void close() {
    }
}
