package io.cdnguard;

/**
 * One health check: judges an immutable {@link GuardSnapshot} at a given time.
 *
 * <p>Checks run on the guard's evaluation side, one after another, never concurrently with
 * themselves; each run happens-after the previous one, so a check may keep state between
 * evaluations (a learned baseline, the previous snapshot) without synchronisation. A check never
 * runs on a request thread. With the guard's evaluation thread on, each run is handed to a pooled
 * worker thread ({@code cdnguard-check-*}) so that it can be timed out; without it ({@link
 * CdnGuard.Builder#evaluationThread(boolean)} off), checks run on the thread that calls {@link
 * CdnGuard#evaluateNow()}.
 *
 * <p>Fault policy:
 * <ul>
 *   <li>A check that throws (or returns {@code null}) is reported as {@link HealthStatus#DEGRADED}
 *       with the message {@code "check failed: <exception>"}; the other checks keep running and
 *       recording is unaffected. The stack trace is logged once when the check starts failing (or
 *       fails differently), and an INFO once when it works again, never once per evaluation.
 *   <li>With the evaluation thread on, a check has a time budget per run: the evaluation period,
 *       clamped to 1..10 s. A check that has not returned by then is reported DEGRADED with {@code
 *       "check timed out: ..."} and the evaluation moves on; it is not called again until the hung
 *       run returns (its late result is dropped), and it is interrupted when the guard is closed.
 * </ul>
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
