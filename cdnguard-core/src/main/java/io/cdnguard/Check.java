package io.cdnguard;

/**
 * One health check: judges an immutable {@link GuardSnapshot} at a given time.
 *
 * <p>Checks run on the guard's single evaluation thread, one after another, never concurrently
 * with themselves; a check may therefore keep state between evaluations (a learned baseline, the
 * previous snapshot) without synchronisation. A check never runs on a request thread.
 *
 * <p>A check that throws is reported as {@link HealthStatus#DEGRADED} with the exception as its
 * message; the other checks keep running.
 */
public interface Check {

    /** A stable name, used as the metric label and in the health document, e.g. {@code "cdn-traffic"}. */
    String name();

    /**
     * Evaluates the snapshot.
     *
     * @param snapshot the counters as of {@link GuardSnapshot#timeMillis()}
     * @return the result; never {@code null}
     */
    CheckResult evaluate(GuardSnapshot snapshot);
}
