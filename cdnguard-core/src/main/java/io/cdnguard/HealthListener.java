package io.cdnguard;

/**
 * Told of every status change of a check and of the overall status, on the evaluation thread.
 *
 * <p>A listener that throws is logged and ignored; one that blocks delays only later listeners and
 * the next evaluation, never recording. Keep it short, or hand off to another thread.
 */
@FunctionalInterface
public interface HealthListener {

    /**
     * Called once per transition.
     *
     * @param check the check's name, or {@code "overall"}
     * @param previous the status before
     * @param result the new result; {@code result.status()} differs from {@code previous}
     * @param atMillis the evaluation time, epoch milliseconds
     */
    void onTransition(String check, HealthStatus previous, CheckResult result, long atMillis);
}
