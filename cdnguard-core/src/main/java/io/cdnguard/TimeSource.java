package io.cdnguard;

/**
 * Where a {@link CdnGuard} reads the time: wall-clock milliseconds since the epoch.
 *
 * <p>Only the evaluation side reads it (bucket rotation, checks, reports); the recording path never
 * does. Tests and backtests inject a manual source and run on simulated time.
 */
@FunctionalInterface
public interface TimeSource {

    /** Returns the current time in milliseconds since 1970-01-01T00:00:00Z. */
    long currentTimeMillis();

    /** Returns the system's wall clock, {@link System#currentTimeMillis()}. */
    static TimeSource system() {
        return System::currentTimeMillis;
    }
}
