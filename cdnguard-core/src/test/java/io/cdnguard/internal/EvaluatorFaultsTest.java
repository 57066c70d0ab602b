package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthListener;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.MutableExchange;
import io.cdnguard.testing.FakeSnapshot;
import io.cdnguard.testing.LogCapture;
import io.cdnguard.testing.ManualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Faults on the evaluation side (issue #8): checks that throw or hang, listeners that throw or
 * block. Complements {@link EvaluatorTest} (which covers the inline mode's basic policies).
 */
class EvaluatorFaultsTest {

    private static final long T0 = 1_795_000_000_000L;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final ManualTimeSource time = new ManualTimeSource(T0);
    private final Supplier<GuardSnapshot> snapshots = () -> new FakeSnapshot(time.currentTimeMillis());
    private final List<AutoCloseable> opened = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void closeAll() throws Exception {
        release.countDown();
        for (AutoCloseable c : opened) {
            c.close();
        }
    }

    private Evaluator isolated(String name, List<Check> checks, List<HealthListener> listeners, long budgetMillis) {
        Evaluator e = new Evaluator(name, time, () -> { }, snapshots, checks, listeners, 10_000, 10_000, budgetMillis, false);
        opened.add(e);
        return e;
    }

    /** Polls a state (never asserts on a duration): true once it holds, false after 30 s. */
    private static boolean eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(1_000_000L);
        }
        return true;
    }

    /** A check whose result the test sets; counts its runs. */
    static final class Settable implements Check {
        private final String name;
        volatile CheckResult result = CheckResult.up("ok");
        final AtomicInteger runs = new AtomicInteger();

        Settable(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public CheckResult evaluate(GuardSnapshot snapshot) {
            runs.incrementAndGet();
            return result;
        }
    }

    /** A check that hangs (until released or interrupted) while {@code hang} is set. */
    final class Hanging implements Check {
        final AtomicBoolean hang = new AtomicBoolean(true);
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();

        @Override
        public String name() {
            return "hanging";
        }

        @Override
        public CheckResult evaluate(GuardSnapshot snapshot) {
            calls.incrementAndGet();
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            try {
                if (hang.get()) {
                    release.await();
                }
                return CheckResult.up("fine");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return CheckResult.up("interrupted");
            } finally {
                concurrent.decrementAndGet();
            }
        }
    }

    @Test
    void throwingCheck_degradedWithTheError_loggedOncePerTransition_othersKeepRunning() {
        Check broken = mock(Check.class);
        when(broken.name()).thenReturn("broken");
        AtomicBoolean failing = new AtomicBoolean(true);
        when(broken.evaluate(any())).thenAnswer(inv -> {
            if (failing.get()) {
                throw new IllegalStateException("user bug");
            }
            return CheckResult.up("ok now");
        });
        Settable other = new Settable("other");
        Evaluator e = isolated("faulty-once", List.of(broken, other), List.of(), 5_000);

        try (LogCapture logs = new LogCapture()) {
            HealthReport r = null;
            for (int i = 0; i < 20; i++) {
                r = e.evaluateNow();
            }
            assertThat(r.checks().get("broken").status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(r.checks().get("broken").message()).isEqualTo("check failed: java.lang.IllegalStateException: user bug");
            assertThat(r.checks().get("other").status()).isEqualTo(HealthStatus.UP);
            assertThat(other.runs.get()).isEqualTo(20);

            failing.set(false);
            for (int i = 0; i < 5; i++) {
                r = e.evaluateNow();
            }
            assertThat(r.checks().get("broken").status()).isEqualTo(HealthStatus.UP);
            failing.set(true);
            for (int i = 0; i < 5; i++) {
                e.evaluateNow();
            }

            // two failure episodes: two WARNs with the stack trace, one INFO for the recovery, not 25 lines
            assertThat(logs.count("cdnguard faulty-once: check broken failed; reported as DEGRADED")).isEqualTo(2);
            assertThat(logs.count("cdnguard faulty-once: check broken no longer fails")).isEqualTo(1);
            assertThat(logs.count("java.lang.IllegalStateException: user bug")).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void throwingCheck_guardWithThread_recordingFromAnotherThreadMeanwhile_countsExactly() throws Exception {
        Check broken = mock(Check.class);
        when(broken.name()).thenReturn("broken");
        AtomicInteger brokenRuns = new AtomicInteger();
        when(broken.evaluate(any())).thenAnswer(inv -> {
            brokenRuns.incrementAndGet();
            throw new ArithmeticException("/ by zero");
        });
        CdnGuard guard = CdnGuard.builder().timeSource(time).evaluationPeriod(Duration.ofMillis(1)).detectionChecks(false)
                .check(broken).build();
        opened.add(guard);

        long n = 200_000;
        Thread recorder = new Thread(() -> {
            MutableExchange cdn = new MutableExchange().method("GET").path("/app.js").status(200).bytes(10)
                    .requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-FRA")
                    .responseHeader("cache-control", "max-age=60");
            for (long i = 0; i < n; i++) {
                guard.record(cdn);
            }
        }, "h6-recorder");
        recorder.start();
        assertThat(eventually(() -> brokenRuns.get() >= 50)).as("evaluations keep coming").isTrue();
        recorder.join(TimeUnit.NANOSECONDS.toMillis(WAIT_NANOS));
        assertThat(recorder.isAlive()).isFalse();

        assertThat(guard.snapshot().cdnFetches()).isEqualTo(n);
        // built-ins UP (polled: on a starved machine one run may exceed its 1 s budget, and recover)
        assertThat(eventually(() -> {
            HealthReport h = guard.health();
            return h.checks().containsKey("broken") && h.checks().get("upstream-failures").status() == HealthStatus.UP
                    && h.checks().get("cdn-errors").status() == HealthStatus.UP;
        })).isTrue();
        HealthReport r = guard.health();
        assertThat(r.checks().get("broken").status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(r.checks().get("broken").message()).isEqualTo("check failed: java.lang.ArithmeticException: / by zero");
        assertThat(r.checks()).containsKeys("upstream-failures", "cdn-errors");
    }

    @Test
    void hangingCheck_timesOut_evaluationMovesOn_andItIsNotCalledAgainUntilItReturns() {
        Hanging hanging = new Hanging();
        Settable after = new Settable("after");
        Evaluator e = isolated("hang-once", List.of(hanging, after), List.of(), 2_000);

        try (LogCapture logs = new LogCapture()) {
            HealthReport first = e.evaluateNow();
            assertThat(first.checks().get("hanging").status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(first.checks().get("hanging").message()).isEqualTo("check timed out: no result within 2000 ms");
            assertThat(first.checks().get("after").status()).isEqualTo(HealthStatus.UP);

            for (int i = 0; i < 10; i++) {
                HealthReport r = e.evaluateNow(); // returns at once: the hung run is not waited for again
                assertThat(r.checks().get("hanging").status()).isEqualTo(HealthStatus.DEGRADED);
                assertThat(r.checks().get("hanging").message()).startsWith("check timed out: still running after");
            }
            assertThat(hanging.calls.get()).as("never called while its run is still going").isEqualTo(1);
            assertThat(after.runs.get()).isEqualTo(11);

            hanging.hang.set(false);
            release.countDown();
            assertThat(eventually(() -> hanging.concurrent.get() == 0)).isTrue();
            HealthReport back = e.evaluateNow();
            assertThat(back.checks().get("hanging").status()).isEqualTo(HealthStatus.UP);
            assertThat(back.checks().get("hanging").message()).isEqualTo("fine");
            assertThat(hanging.calls.get()).isEqualTo(2);
            assertThat(hanging.maxConcurrent.get()).isEqualTo(1);

            assertThat(logs.count("WARN", "check hanging returned no result within 2000 ms")).isEqualTo(1);
            assertThat(logs.count("check hanging returned after it timed out")).isEqualTo(1);
            assertThat(logs.count("check hanging no longer fails")).isEqualTo(1);
        }
    }

    @Test
    void hangingCheck_guardThread_keepsEvaluatingTheOthersOnSchedule() {
        Hanging hanging = new Hanging();
        Settable other = new Settable("other");
        Evaluator e = new Evaluator("hang-thr", time, () -> { }, snapshots, List.of(hanging, other), List.of(), 1, 1, true);
        opened.add(e);
        assertThat(e.checkBudgetMillis()).isEqualTo(Evaluator.MIN_BUDGET_MILLIS);

        // the first run hangs; the budget (1 s) passes once, then every evaluation skips the hung check
        assertThat(eventually(() -> other.runs.get() >= 200)).as("other check evaluated again and again").isTrue();
        assertThat(hanging.calls.get()).isEqualTo(1);
        assertThat(e.current().checks().get("hanging").message()).startsWith("check timed out");
        assertThat(e.current().status()).isEqualTo(HealthStatus.DEGRADED);
        long workers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("cdnguard-check-hang-thr-")).count();
        assertThat(workers).as("at most one worker per check plus one").isBetween(1L, 3L);

        e.close(); // interrupts the hung run
        assertThat(e.thread().isAlive()).isFalse();
        assertThat(eventually(() -> hanging.concurrent.get() == 0)).as("hung run interrupted on close").isTrue();
    }

    @Test
    void blockingListener_isolated_evaluationNeverWaits_queueBoundedThenDropsAndLogsOnce() {
        Settable flip = new Settable("flip");
        AtomicInteger delivered = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        HealthListener blocker = mock(HealthListener.class);
        doAnswer(inv -> {
            delivered.incrementAndGet();
            entered.countDown();
            release.await();
            return null;
        }).when(blocker).onTransition(any(), any(), any(), anyLong());
        Evaluator e = isolated("blocked-listener", List.of(flip), List.of(blocker), 5_000);

        int evaluations = 1_100;
        try (LogCapture logs = new LogCapture()) {
            for (int i = 0; i < evaluations; i++) {
                flip.result = i % 2 == 0 ? CheckResult.down("x") : CheckResult.up("y");
                HealthReport r = e.evaluateNow(); // must return although the listener is parked
                assertThat(r.status()).isEqualTo(flip.result.status());
            }
            // 2 transitions (the check and overall) per evaluation; 1 is being delivered, 1024 wait
            long transitions = 2L * evaluations;
            assertThat(e.droppedTransitions()).isEqualTo(transitions - 1 - Evaluator.MAX_PENDING_TRANSITIONS);
            assertThat(logs.count("WARN", "cdnguard blocked-listener: a listener is blocked")).isEqualTo(1);

            release.countDown();
            assertThat(eventually(() -> delivered.get() == 1 + Evaluator.MAX_PENDING_TRANSITIONS)).isTrue();
            e.evaluateNow();
            flip.result = CheckResult.down("z");
            e.evaluateNow();
            assertThat(eventually(() -> logs.count("cdnguard blocked-listener: listeners caught up") == 1)).isTrue();
        }
    }

    @Test
    void blockingListener_guardThread_evaluationsStayOnSchedule_reportKeepsChanging() throws Exception {
        Settable flip = new Settable("flip");
        CountDownLatch entered = new CountDownLatch(1);
        HealthListener blocker = (check, prev, result, at) -> {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        };
        flip.result = CheckResult.down("first");
        Evaluator e = new Evaluator("blk-thr", time, () -> { }, snapshots, List.of(flip), List.of(blocker), 1, 1, true);
        opened.add(e);
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        int runsWhenBlocked = flip.runs.get();

        flip.result = CheckResult.degraded("second");
        assertThat(eventually(() -> e.current().status() == HealthStatus.DEGRADED)).as("new report published").isTrue();
        assertThat(eventually(() -> flip.runs.get() >= runsWhenBlocked + 100)).as("still evaluating").isTrue();
        assertThat(entered.getCount()).isZero();
        e.close();
        assertThat(e.thread().isAlive()).isFalse();
    }

    @Test
    void throwingListener_isolated_othersGetEveryTransition_evaluationUnaffected() {
        Settable a = new Settable("a");
        HealthListener thrower = (check, prev, result, at) -> {
            throw new IllegalStateException("listener bug");
        };
        List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        HealthListener rec = (check, prev, result, at) -> seen.add(check + ":" + prev + "->" + result.status());
        Evaluator e = isolated("throwing-listener", List.of(a), List.of(thrower, rec), 5_000);

        try (LogCapture logs = new LogCapture()) {
            a.result = CheckResult.degraded("x");
            assertThat(e.evaluateNow().status()).isEqualTo(HealthStatus.DEGRADED);
            a.result = CheckResult.up("y");
            assertThat(e.evaluateNow().status()).isEqualTo(HealthStatus.UP);
            assertThat(eventually(() -> seen.size() == 4)).isTrue();
            assertThat(seen).containsExactly("a:UP->DEGRADED", "overall:UP->DEGRADED", "a:DEGRADED->UP", "overall:DEGRADED->UP");
            assertThat(logs.count("WARN", "cdnguard throwing-listener: listener")).isEqualTo(1);
        }
    }

    @Test
    void defaultBudget_isThePeriodClampedTo1To10Seconds_andInlineWithoutThread() {
        assertThat(Evaluator.defaultBudgetMillis(1)).isEqualTo(1_000);
        assertThat(Evaluator.defaultBudgetMillis(5_000)).isEqualTo(5_000);
        assertThat(Evaluator.defaultBudgetMillis(60_000)).isEqualTo(10_000);
        Evaluator inline = new Evaluator("inl", time, () -> { }, snapshots, List.of(), List.of(), 10, 10_000, false);
        opened.add(inline);
        assertThat(inline.checkBudgetMillis()).isZero();
    }
}
