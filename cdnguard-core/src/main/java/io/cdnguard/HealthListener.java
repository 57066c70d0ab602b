package io.cdnguard;

/**
 * Told of every status change of a check and of the overall status, in order.
 *
 * <p>Isolation: with the guard's evaluation thread on, listeners are called on one separate daemon
 * thread ({@code cdnguard-notify-*}), never on the evaluation thread: a listener that blocks delays
 * only the listeners and transitions after it, never an evaluation, the published report or
 * recording; up to 1024 transitions queue behind it, further ones are dropped (counted and logged
 * once) until it returns. Without the evaluation thread ({@link
 * CdnGuard.Builder#evaluationThread(boolean)} off), listeners are called synchronously by {@link
 * CdnGuard#evaluateNow()}, after the new report was published, and a blocking listener blocks that
 * caller. A listener that throws is logged (once per listener and exception class) and skipped;
 * the other listeners still get the transition. Keep it short, or hand off to another thread.
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
