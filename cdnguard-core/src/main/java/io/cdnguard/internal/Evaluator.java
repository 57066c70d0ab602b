package io.cdnguard.internal;

import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthListener;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.TimeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the checks on one daemon thread ({@code cdnguard-eval-<name>}) and on demand.
 *
 * <p>The thread ticks every {@code tickMillis} and evaluates every {@code periodMillis}, the first
 * evaluation one period after start; until then {@link #current()} is {@link
 * HealthReport#empty(long)} at the start time. It parks with {@link LockSupport#parkNanos} between
 * deadlines (no busy loop) and schedules on {@link System#nanoTime()}, so a stepped wall clock does
 * not stall it. It survives any {@link Throwable} from tick, snapshot, checks or listeners; each
 * distinct failure is logged once, not once per run.
 *
 * <p>One evaluation: tick, take a snapshot, run each check in order, build the report (the worst
 * status wins, {@link HealthReport#of}), publish it to {@link #current()}, then log and deliver
 * every transition. Policies:
 * <ul>
 *   <li>A check that throws (or returns {@code null}) is {@link HealthStatus#DEGRADED} with the
 *       message {@code "check failed: <exception>"}; the other checks still run. The stack trace is
 *       logged when the check starts failing (or fails differently), not on every evaluation.
 *   <li>If the snapshot cannot be taken, every check is DEGRADED with {@code "snapshot failed:
 *       <exception>"} (an engine fault must be visible, not hidden behind a stale UP).
 *   <li>Each transition of a check, and of the overall status (check name {@code "overall"}), is
 *       logged once through SLF4J (WARN when worse, INFO when better) and delivered to every listener
 *       in order. The first evaluation compares against UP (the empty report's status).
 *   <li>A listener that throws is logged (once per listener and exception class) and skipped; the
 *       remaining listeners and transitions are still delivered.
 *   <li>A listener that blocks blocks the evaluation that called it: the new report is already
 *       published (endpoints keep answering, recording is never affected), but later listeners,
 *       the thread's ticks and evaluations, and any {@link #evaluateNow()} on another thread wait
 *       until it returns, because evaluations are serialised by one lock.
 * </ul>
 *
 * <p>Implementation notes: {@code current} is a volatile reference to an immutable report, written
 * only under {@code lock}; every other mutable field ({@code previous}, the log-once state) is
 * read and written only under {@code lock}. The lock is taken only by the evaluation side (the
 * thread and {@link #evaluateNow()}); the recording path never touches this class.
 */
public final class Evaluator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Evaluator.class);

    /** The name used for the overall status in transitions. */
    public static final String OVERALL = "overall";

    /** How long {@link #close()} waits for the thread to end. */
    static final long JOIN_MILLIS = 5_000;

    private final String name;
    private final TimeSource time;
    private final Runnable tick;
    private final Supplier<GuardSnapshot> snapshot;
    private final List<Check> checks;
    private final List<String> checkNames;
    private final List<HealthListener> listeners;
    private final long tickNanos;
    private final long periodNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;

    private volatile HealthReport current;

    // Guarded by lock.
    private final Map<String, HealthStatus> previous = new HashMap<>();
    private final Map<String, String> checkFailure = new HashMap<>();
    private final Set<String> loggedListenerFailures = new HashSet<>();
    private String tickFailure;
    private String snapshotFailure;
    // Thread-confined (the evaluation thread's own loop).
    private String loopFailure;

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
        this.name = Objects.requireNonNull(name, "name");
        this.time = Objects.requireNonNull(time, "time");
        this.tick = Objects.requireNonNull(tick, "tick");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.checks = List.copyOf(checks);
        this.listeners = List.copyOf(listeners);
        this.checkNames = uniqueNames(this.checks);
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, tickMillis));
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, periodMillis));
        this.current = HealthReport.empty(time.currentTimeMillis());
        if (startThread) {
            thread = new Thread(this::run, "cdnguard-eval-" + name);
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    private static List<String> uniqueNames(List<Check> checks) {
        List<String> names = new ArrayList<>(checks.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < checks.size(); i++) {
            String n;
            try {
                n = checks.get(i).name();
            } catch (RuntimeException e) {
                n = null;
            }
            if (n == null || n.isEmpty()) {
                n = "check-" + (i + 1);
            }
            String unique = n;
            for (int k = 2; !seen.add(unique) || OVERALL.equals(unique); k++) {
                unique = n + "-" + k;
            }
            if (!unique.equals(n)) {
                log.warn("cdnguard: duplicate or reserved check name '{}' reported as '{}'", n, unique);
            }
            names.add(unique);
        }
        return List.copyOf(names);
    }

    /** The last evaluated report. O(1): a volatile read. */
    public HealthReport current() {
        return current;
    }

    /** Ticks, snapshots and evaluates now on the calling thread (serialised with the thread); returns the report. */
    public HealthReport evaluateNow() {
        lock.lock();
        try {
            return evaluateLocked();
        } finally {
            lock.unlock();
        }
    }

    /** The evaluation thread, or {@code null} if none was started. For tests. */
    Thread thread() {
        return thread;
    }

    /** Whether a thread is waiting to evaluate (blocked behind a running evaluation). For tests. */
    boolean hasQueuedEvaluation(Thread t) {
        return lock.hasQueuedThread(t);
    }

    private void tickLocked() {
        try {
            tick.run();
            if (tickFailure != null) {
                log.info("cdnguard {}: tick works again", name);
                tickFailure = null;
            }
        } catch (Throwable t) {
            String key = describe(t);
            if (!key.equals(tickFailure)) {
                tickFailure = key;
                log.warn("cdnguard {}: tick failed", name, t);
            }
        }
    }

    private HealthReport evaluateLocked() {
        tickLocked();
        GuardSnapshot snap = null;
        String snapError = null;
        try {
            snap = snapshot.get();
            if (snap == null) {
                snapError = "snapshot failed: null snapshot";
            }
        } catch (Throwable t) {
            snapError = "snapshot failed: " + t;
            if (!describe(t).equals(snapshotFailure)) {
                snapshotFailure = describe(t);
                log.warn("cdnguard {}: snapshot failed; every check reports DEGRADED", name, t);
            }
        }
        if (snap != null && snapshotFailure != null) {
            snapshotFailure = null;
            log.info("cdnguard {}: snapshot works again", name);
        }
        long now = snap != null ? safeTime(snap) : time.currentTimeMillis();

        Map<String, CheckResult> results = new LinkedHashMap<>();
        for (int i = 0; i < checks.size(); i++) {
            String checkName = checkNames.get(i);
            if (snapError != null) {
                results.put(checkName, CheckResult.degraded(snapError));
                continue;
            }
            results.put(checkName, runCheck(checks.get(i), checkName, snap));
        }
        HealthReport report = HealthReport.of(now, results);
        current = report;

        for (Map.Entry<String, CheckResult> e : results.entrySet()) {
            transition(e.getKey(), e.getValue(), now);
        }
        transition(OVERALL, overallResult(report), now);
        return report;
    }

    private long safeTime(GuardSnapshot snap) {
        try {
            return snap.timeMillis();
        } catch (RuntimeException e) {
            return time.currentTimeMillis();
        }
    }

    private CheckResult runCheck(Check check, String checkName, GuardSnapshot snap) {
        try {
            CheckResult r = check.evaluate(snap);
            if (r == null) {
                throw new NullPointerException("check returned null");
            }
            if (checkFailure.remove(checkName) != null) {
                log.info("cdnguard {}: check {} no longer fails", name, checkName);
            }
            return r;
        } catch (Throwable t) {
            String key = describe(t);
            if (!key.equals(checkFailure.put(checkName, key))) {
                log.warn("cdnguard {}: check {} failed; reported as DEGRADED", name, checkName, t);
            }
            return CheckResult.degraded("check failed: " + t);
        }
    }

    private static CheckResult overallResult(HealthReport report) {
        StringBuilder msg = new StringBuilder();
        for (Map.Entry<String, CheckResult> e : report.checks().entrySet()) {
            if (e.getValue().status() != HealthStatus.UP) {
                if (msg.length() > 0) {
                    msg.append("; ");
                }
                msg.append(e.getKey()).append(' ').append(e.getValue().status());
            }
        }
        return CheckResult.of(report.status(), msg.length() == 0 ? "all checks UP" : msg.toString());
    }

    private void transition(String check, CheckResult result, long atMillis) {
        HealthStatus prev = previous.getOrDefault(check, HealthStatus.UP);
        HealthStatus now = result.status();
        previous.put(check, now);
        if (prev == now) {
            return;
        }
        if (now.compareTo(prev) > 0) {
            log.warn("cdnguard {}: {} {} -> {}: {}", name, check, prev, now, result.message());
        } else {
            log.info("cdnguard {}: {} {} -> {}: {}", name, check, prev, now, result.message());
        }
        for (HealthListener l : listeners) {
            try {
                l.onTransition(check, prev, result, atMillis);
            } catch (Throwable t) {
                String key = System.identityHashCode(l) + ":" + t.getClass().getName();
                if (loggedListenerFailures.add(key)) {
                    log.warn("cdnguard {}: listener {} failed on {} transition; skipped", name, l, check, t);
                }
            }
        }
    }

    private static String describe(Throwable t) {
        return t.getClass().getName() + ": " + t.getMessage();
    }

    private void run() {
        long now = System.nanoTime();
        long nextTick = now + tickNanos;
        long nextEval = now + periodNanos;
        while (!closed.get()) {
            try {
                now = System.nanoTime();
                if (now - nextEval >= 0) {
                    evaluateNow();
                    now = System.nanoTime();
                    nextEval = next(nextEval, periodNanos, now);
                    nextTick = now + tickNanos;
                } else if (now - nextTick >= 0) {
                    lock.lock();
                    try {
                        tickLocked();
                    } finally {
                        lock.unlock();
                    }
                    nextTick = next(nextTick, tickNanos, System.nanoTime());
                } else {
                    long wait = Math.min(nextTick, nextEval) - now;
                    LockSupport.parkNanos(this, wait);
                    Thread.interrupted(); // a stray interrupt must not turn parking into spinning
                }
                loopFailure = null;
            } catch (Throwable t) {
                // Only reachable through a failure outside the guarded calls (e.g. an Error in logging).
                String key = describe(t);
                if (!key.equals(loopFailure)) {
                    loopFailure = key;
                    try {
                        log.error("cdnguard {}: evaluation thread caught {}; continuing", name, key, t);
                    } catch (Throwable ignored) {
                        // nothing more can be done
                    }
                }
                LockSupport.parkNanos(this, tickNanos); // back off: never spin on a persistent failure
                Thread.interrupted();
            }
        }
    }

    /** The next deadline after {@code now}, skipping missed ones rather than catching up in a burst. */
    private static long next(long deadline, long step, long now) {
        long n = deadline + step;
        if (n - now <= 0) {
            n = now + step;
        }
        return n;
    }

    /** Stops the thread: interrupts it and waits up to 5 s for it to end. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || thread == null) {
            return;
        }
        LockSupport.unpark(thread);
        thread.interrupt();
        if (Thread.currentThread() == thread) {
            return; // closed from a listener or check: the loop ends after this evaluation
        }
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("cdnguard {}: evaluation thread did not stop within {} ms (a check or listener is blocked)",
                    name, JOIN_MILLIS);
        }
    }
}
