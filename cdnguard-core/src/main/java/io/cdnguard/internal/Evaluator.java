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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * every transition.
 *
 * <p>Two modes. <i>Isolated</i> ({@code checkBudgetMillis > 0}; what a guard with its evaluation
 * thread uses, budget = the evaluation period clamped to 1..10 s): each check runs on a pooled
 * daemon worker ({@code cdnguard-check-<name>-<n>}) and the evaluating thread waits for it at most
 * the budget; transitions are handed to one daemon notifier thread ({@code cdnguard-notify-<name>})
 * through a bounded queue, so neither a hung check nor a blocked listener can stall evaluation.
 * <i>Inline</i> ({@code checkBudgetMillis == 0}; a guard without its thread, driven on simulated time
 * by its owner, e.g. a backtest): checks and listeners run on the calling thread, deterministic
 * and without hand-offs, and the caller bears any hang.
 *
 * <p>Fault policies:
 * <ul>
 *   <li>A check that throws (or returns {@code null}) is {@link HealthStatus#DEGRADED} with the
 *       message {@code "check failed: <exception>"}; the other checks still run. The stack trace is
 *       logged (WARN) when the check starts failing (or fails differently), and an INFO when it
 *       works again: once per transition, not on every evaluation.
 *   <li>A check that does not return within the budget (isolated mode) is DEGRADED with {@code
 *       "check timed out: no result within <budget> ms"}; the evaluation moves on. While that run is
 *       still going, the check is not called again (a check never runs concurrently with itself) and
 *       stays DEGRADED with {@code "check timed out: still running after <n> ms"}; when it returns
 *       its late result is dropped and the next evaluation calls it again. A hung check holds at most
 *       one worker, so the pool (one thread per check plus one) always has a free worker for the
 *       others; idle workers end after 30 s. Logged once when it times out and once when it returns.
 *   <li>If the snapshot cannot be taken, every check is DEGRADED with {@code "snapshot failed:
 *       <exception>"} (an engine fault must be visible, not hidden behind a stale UP).
 *   <li>Each transition of a check, and of the overall status (check name {@code "overall"}), is
 *       logged once through SLF4J (WARN when worse, INFO when better) and delivered to every listener
 *       in order. The first evaluation compares against UP (the empty report's status).
 *   <li>A listener that throws is logged (once per listener and exception class) and skipped; the
 *       remaining listeners and transitions are still delivered.
 *   <li>A listener that blocks, in isolated mode, blocks only the notifier thread: evaluations stay
 *       on schedule and the report is published; up to {@value #MAX_PENDING_TRANSITIONS} transitions
 *       queue behind it, further ones are dropped, counted ({@link #droppedTransitions()}) and logged
 *       once until deliveries resume. In inline mode it blocks the evaluation that called it: the
 *       new report is already published (endpoints keep answering, recording is never affected), but
 *       later listeners, ticks and evaluations, and any {@link #evaluateNow()} on another thread
 *       wait until it returns, because evaluations are serialised by one lock.
 *   <li>After {@link #close()}, {@link #evaluateNow()} still works (checks run inline) but
 *       transitions are no longer delivered to listeners in isolated mode.
 * </ul>
 *
 * <p>Implementation notes: {@code current} is a volatile reference to an immutable report, written
 * only under {@code lock}; every other mutable field ({@code previous}, the log-once state, the
 * per-check pending runs) is read and written only under {@code lock}, except {@code
 * loggedListenerFailures} (a concurrent set: the notifier thread writes it), {@code dropped} and
 * {@code dropWarned} (atomics shared by the evaluating and the notifier thread). A check's state
 * is handed to and from its worker through {@link Future} (submit and get are happens-before
 * edges), so a check may keep unsynchronised state. The lock is taken only by the evaluation side
 * (the thread and {@link #evaluateNow()}); the recording path never touches this class.
 */
public final class Evaluator implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Evaluator.class);

    /** The name used for the overall status in transitions. */
    public static final String OVERALL = "overall";

    /** How long {@link #close()} waits for the thread to end. */
    static final long JOIN_MILLIS = 5_000;

    /** Transitions queued for a blocked listener before further ones are dropped (isolated mode). */
    static final int MAX_PENDING_TRANSITIONS = 1024;

    /** Bounds of the default per-check time budget of a guard with its own thread. */
    static final long MIN_BUDGET_MILLIS = 1_000;
    static final long MAX_BUDGET_MILLIS = 10_000;

    private final String name;
    private final TimeSource time;
    private final Runnable tick;
    private final Supplier<GuardSnapshot> snapshot;
    private final List<Check> checks;
    private final List<String> checkNames;
    private final List<HealthListener> listeners;
    private final long tickNanos;
    private final long periodNanos;
    private final long budgetNanos; // 0: inline mode
    private final ThreadPoolExecutor workers; // null in inline mode
    private final ThreadPoolExecutor notifier; // null in inline mode
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread thread;

    private volatile HealthReport current;

    // Guarded by lock.
    private final HealthStatus[] previous; // per check, then overall; null: not evaluated yet (UP)
    private final Map<String, String> checkFailure = new HashMap<>();
    private final Future<?>[] pending; // a timed-out run still going, per check
    private final long[] pendingSince; // System.nanoTime() when that run was submitted
    // Shared with the notifier thread.
    private final Set<String> loggedListenerFailures = ConcurrentHashMap.newKeySet();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean dropWarned = new AtomicBoolean();
    private String tickFailure;
    private String snapshotFailure;
    // Thread-confined (the evaluation thread's own loop).
    private String loopFailure;

    /**
     * An evaluator in isolated mode with the default budget ({@link #defaultBudgetMillis}) when
     * {@code startThread}, in inline mode otherwise.
     *
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
        this(name, time, tick, snapshot, checks, listeners, tickMillis, periodMillis,
                startThread ? defaultBudgetMillis(periodMillis) : 0, startThread);
    }

    /**
     * An evaluator in isolated mode ({@code checkBudgetMillis > 0}) or inline mode.
     *
     * @param name used in thread names ({@code cdnguard-eval-<name>})
     * @param time the clock
     * @param tick advances the guard's coarse clock and rotates buckets
     * @param snapshot takes a snapshot of the counters now
     * @param checks the checks, in order
     * @param listeners transition listeners
     * @param tickMillis how often the thread ticks (the bucket length)
     * @param periodMillis how often the thread evaluates
     * @param checkBudgetMillis isolated mode with this per-check time budget when positive; inline
     *     mode (checks and listeners on the evaluating thread) when 0 or less
     * @param startThread whether to start the daemon thread
     */
    public Evaluator(String name, TimeSource time, Runnable tick, Supplier<GuardSnapshot> snapshot,
            List<Check> checks, List<HealthListener> listeners, long tickMillis, long periodMillis,
            long checkBudgetMillis, boolean startThread) {
        this.name = Objects.requireNonNull(name, "name");
        this.time = Objects.requireNonNull(time, "time");
        this.tick = Objects.requireNonNull(tick, "tick");
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.checks = List.copyOf(checks);
        this.listeners = List.copyOf(listeners);
        this.checkNames = uniqueNames(this.checks);
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, tickMillis));
        this.periodNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, periodMillis));
        this.pending = new Future<?>[this.checks.size()];
        this.previous = new HealthStatus[this.checks.size() + 1];
        this.pendingSince = new long[this.checks.size()];
        if (checkBudgetMillis > 0) {
            this.budgetNanos = TimeUnit.MILLISECONDS.toNanos(checkBudgetMillis);
            // One thread per check plus one: a hung check holds at most one (it is not resubmitted),
            // so a check that is not hung always finds a free worker; threads end after 30 s idle.
            int size = this.checks.size() + 1;
            this.workers = new ThreadPoolExecutor(size, size, 30, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), daemons("cdnguard-check-" + name + "-", true));
            this.workers.allowCoreThreadTimeOut(true);
            this.notifier = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(MAX_PENDING_TRANSITIONS), daemons("cdnguard-notify-" + name, false),
                    (r, executor) -> dropTransition(executor));
            this.notifier.allowCoreThreadTimeOut(true);
        } else {
            this.budgetNanos = 0;
            this.workers = null;
            this.notifier = null;
        }
        this.current = HealthReport.empty(time.currentTimeMillis());
        if (startThread) {
            thread = new Thread(this::run, "cdnguard-eval-" + name);
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /** The default per-check budget of a guard with its own thread: the period, clamped to 1..10 s. */
    static long defaultBudgetMillis(long periodMillis) {
        return Math.max(MIN_BUDGET_MILLIS, Math.min(MAX_BUDGET_MILLIS, periodMillis));
    }

    private static ThreadFactory daemons(String prefix, boolean numbered) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, numbered ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    private void dropTransition(ThreadPoolExecutor executor) {
        if (executor.isShutdown()) {
            return; // closed: transitions are no longer delivered
        }
        long n = dropped.incrementAndGet();
        if (dropWarned.compareAndSet(false, true)) {
            log.warn("cdnguard {}: a listener is blocked; {} transitions are queued, further ones are dropped "
                    + "({} dropped so far)", name, MAX_PENDING_TRANSITIONS, n);
        }
    }

    /** Transitions dropped because a listener was blocked and the queue was full (isolated mode). */
    public long droppedTransitions() {
        return dropped.get();
    }

    /** The per-check time budget in milliseconds, or 0 in inline mode. */
    public long checkBudgetMillis() {
        return TimeUnit.NANOSECONDS.toMillis(budgetNanos);
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

        int n = checks.size();
        CheckResult[] results = new CheckResult[n];
        for (int i = 0; i < n; i++) {
            String checkName = checkNames.get(i);
            if (snapError != null) {
                results[i] = CheckResult.degraded(snapError);
                continue;
            }
            results[i] = runCheck(i, checkName, snap);
        }
        // the names are unique (uniqueNames): the report's map holds every result, in order
        HealthReport report = HealthReport.of(now, new ResultsView(checkNames, results));
        current = report;

        for (int i = 0; i < n; i++) {
            transition(i, checkNames.get(i), results[i], now);
        }
        transition(n, OVERALL, overallResult(report.status(), checkNames, results), now);
        return report;
    }

    private long safeTime(GuardSnapshot snap) {
        try {
            return snap.timeMillis();
        } catch (RuntimeException e) {
            return time.currentTimeMillis();
        }
    }

    private CheckResult runCheck(int i, String checkName, GuardSnapshot snap) {
        Check check = checks.get(i);
        if (workers == null || workers.isShutdown()) {
            try {
                return succeeded(checkName, check.evaluate(snap));
            } catch (Throwable t) {
                return failed(checkName, t);
            }
        }
        Future<?> still = pending[i];
        if (still != null) {
            if (!still.isDone()) {
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pendingSince[i]);
                return CheckResult.degraded("check timed out: still running after " + ms + " ms");
            }
            pending[i] = null;
            log.info("cdnguard {}: check {} returned after it timed out; evaluating it again", name, checkName);
        }
        Future<CheckResult> run;
        long submitted = System.nanoTime();
        try {
            Callable<CheckResult> task = () -> check.evaluate(snap);
            run = workers.submit(task);
        } catch (RejectedExecutionException e) { // closed meanwhile
            try {
                return succeeded(checkName, check.evaluate(snap));
            } catch (Throwable t) {
                return failed(checkName, t);
            }
        }
        try {
            return succeeded(checkName, await(run, submitted + budgetNanos));
        } catch (ExecutionException e) {
            return failed(checkName, e.getCause() != null ? e.getCause() : e);
        } catch (TimeoutException e) {
            pending[i] = run;
            pendingSince[i] = submitted;
            long budgetMs = TimeUnit.NANOSECONDS.toMillis(budgetNanos);
            if (!"timeout".equals(checkFailure.put(checkName, "timeout"))) {
                log.warn("cdnguard {}: check {} returned no result within {} ms; reported as DEGRADED and not called "
                        + "again until it returns", name, checkName, budgetMs);
            }
            return CheckResult.degraded("check timed out: no result within " + budgetMs + " ms");
        }
    }

    /**
     * Waits for a check's run until {@code deadline} (nanoTime). A stray interrupt does not cut the
     * wait short (it is restored afterwards), unless the evaluator is closing.
     */
    private <T> T await(Future<T> run, long deadline) throws ExecutionException, TimeoutException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return run.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (closed.get()) {
                        throw new TimeoutException("closing");
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private CheckResult succeeded(String checkName, CheckResult r) {
        if (r == null) {
            return failed(checkName, new NullPointerException("check returned null"));
        }
        if (!checkFailure.isEmpty() && checkFailure.remove(checkName) != null) {
            log.info("cdnguard {}: check {} no longer fails", name, checkName);
        }
        return r;
    }

    private CheckResult failed(String checkName, Throwable t) {
        String key = describe(t);
        if (!key.equals(checkFailure.put(checkName, key))) {
            log.warn("cdnguard {}: check {} failed; reported as DEGRADED", name, checkName, t);
        }
        return CheckResult.degraded("check failed: " + t);
    }

    /** The overall result: the report's status, and the checks not UP in order (the report holds the same, in the same order). */
    private static CheckResult overallResult(HealthStatus status, List<String> names, CheckResult[] results) {
        StringBuilder msg = null; // none while every check is UP, the usual case
        for (int i = 0; i < results.length; i++) {
            if (results[i].status() != HealthStatus.UP) {
                if (msg == null) {
                    msg = new StringBuilder();
                } else {
                    msg.append("; ");
                }
                msg.append(names.get(i)).append(' ').append(results[i].status());
            }
        }
        return CheckResult.of(status, msg == null ? "all checks UP" : msg.toString());
    }

    private void transition(int index, String check, CheckResult result, long atMillis) {
        HealthStatus last = previous[index];
        HealthStatus prev = last == null ? HealthStatus.UP : last;
        HealthStatus now = result.status();
        previous[index] = now;
        if (prev == now) {
            return;
        }
        if (now.compareTo(prev) > 0) {
            log.warn("cdnguard {}: {} {} -> {}: {}", name, check, prev, now, result.message());
        } else {
            log.info("cdnguard {}: {} {} -> {}: {}", name, check, prev, now, result.message());
        }
        if (listeners.isEmpty()) {
            return;
        }
        if (notifier == null) {
            deliver(check, prev, result, atMillis);
        } else {
            notifier.execute(() -> deliver(check, prev, result, atMillis)); // full or closed: dropTransition
        }
    }

    private void deliver(String check, HealthStatus prev, CheckResult result, long atMillis) {
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
        if (notifier != null && dropWarned.get() && notifier.getQueue().isEmpty() && dropWarned.compareAndSet(true, false)) {
            log.info("cdnguard {}: listeners caught up; {} transitions were dropped in all", name, dropped.get());
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

    /**
     * Stops the thread (interrupts it and waits up to 5 s for it to end), the check workers and the
     * notifier (interrupting a hung check or a blocked listener). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (workers != null) {
            workers.shutdownNow();
            notifier.shutdownNow();
        }
        if (thread == null) {
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

    /**
     * The results of one evaluation as a read-only map (name to result, in check order) over the
     * two arrays, for {@link HealthReport#of} to copy: the evaluation builds no map of its own.
     * Names are unique.
     */
    private static final class ResultsView extends java.util.AbstractMap<String, CheckResult> {
        private final List<String> names;
        private final CheckResult[] results;

        ResultsView(List<String> names, CheckResult[] results) {
            this.names = names;
            this.results = results;
        }

        @Override
        public int size() {
            return results.length;
        }

        @Override
        public Set<Map.Entry<String, CheckResult>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public int size() {
                    return results.length;
                }

                @Override
                public java.util.Iterator<Map.Entry<String, CheckResult>> iterator() {
                    return new java.util.Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return i < results.length;
                        }

                        @Override
                        public Map.Entry<String, CheckResult> next() {
                            if (i >= results.length) {
                                throw new java.util.NoSuchElementException();
                            }
                            Map.Entry<String, CheckResult> e = new java.util.AbstractMap.SimpleImmutableEntry<>(
                                    names.get(i), results[i]);
                            i++;
                            return e;
                        }
                    };
                }
            };
        }
    }
}
