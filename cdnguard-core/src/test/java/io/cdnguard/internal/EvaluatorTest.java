package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthListener;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.testing.FakeSnapshot;
import io.cdnguard.testing.ManualTimeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    private static final long T0 = 1_795_000_000_000L;

    private final ManualTimeSource time = new ManualTimeSource(T0);
    private final AtomicInteger ticks = new AtomicInteger();
    private final Supplier<GuardSnapshot> snapshots = () -> new FakeSnapshot(time.currentTimeMillis());
    private final List<Evaluator> opened = new ArrayList<>();

    /** A check whose result the test sets. */
    static final class SettableCheck implements Check {
        private final String name;
        volatile CheckResult result = CheckResult.up("ok");
        final AtomicInteger runs = new AtomicInteger();

        SettableCheck(String name) {
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

    /** Records transitions. */
    static final class Recorder implements HealthListener {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onTransition(String check, HealthStatus previous, CheckResult result, long atMillis) {
            seen.add(check + ":" + previous + "->" + result.status());
        }
    }

    private Evaluator onDemand(List<Check> checks, List<HealthListener> listeners) {
        Evaluator e = new Evaluator("test", time, ticks::incrementAndGet, snapshots, checks, listeners, 10_000, 10_000, false);
        opened.add(e);
        return e;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Evaluator::close);
    }

    @Test
    void current_beforeFirstEvaluation_isEmptyUpAtStart() {
        Evaluator e = onDemand(List.of(new SettableCheck("a")), List.of());
        assertThat(e.current().status()).isEqualTo(HealthStatus.UP);
        assertThat(e.current().checks()).isEmpty();
        assertThat(e.current().timeMillis()).isEqualTo(T0);
        assertThat(e.thread()).isNull();
    }

    @Test
    void evaluateNow_worstStatusWins_andTicksFirst() {
        SettableCheck a = new SettableCheck("a");
        SettableCheck b = new SettableCheck("b");
        SettableCheck c = new SettableCheck("c");
        Evaluator e = onDemand(List.of(a, b, c), List.of());

        assertThat(e.evaluateNow().status()).isEqualTo(HealthStatus.UP);
        b.result = CheckResult.degraded("meh");
        assertThat(e.evaluateNow().status()).isEqualTo(HealthStatus.DEGRADED);
        c.result = CheckResult.down("dead");
        time.setMillis(T0 + 5_000);
        HealthReport r = e.evaluateNow();

        assertThat(r.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(r.checks().keySet()).containsExactly("a", "b", "c");
        assertThat(r.timeMillis()).isEqualTo(T0 + 5_000);
        assertThat(e.current()).isSameAs(r);
        assertThat(ticks.get()).isEqualTo(3);
    }

    @Test
    void evaluateNow_throwingCheck_isDegradedWithMessage_andOthersStillRun() {
        Check broken = mock(Check.class);
        when(broken.name()).thenReturn("broken");
        when(broken.evaluate(any())).thenThrow(new IllegalStateException("boom"));
        SettableCheck after = new SettableCheck("after");
        Evaluator e = onDemand(List.of(broken, after), List.of());

        HealthReport r = e.evaluateNow();
        e.evaluateNow();

        assertThat(r.checks().get("broken").status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(r.checks().get("broken").message()).isEqualTo("check failed: java.lang.IllegalStateException: boom");
        assertThat(r.checks().get("after").status()).isEqualTo(HealthStatus.UP);
        assertThat(after.runs.get()).isEqualTo(2);
        assertThat(r.status()).isEqualTo(HealthStatus.DEGRADED);
    }

    @Test
    void evaluateNow_checkReturningNull_isDegraded() {
        Check nul = mock(Check.class);
        when(nul.name()).thenReturn("nul");
        Evaluator e = onDemand(List.of(nul), List.of());
        assertThat(e.evaluateNow().checks().get("nul").message()).startsWith("check failed:");
    }

    @Test
    void evaluateNow_snapshotFailing_degradesEveryCheck_tickFailingIsSurvived() {
        SettableCheck a = new SettableCheck("a");
        Evaluator e = new Evaluator("t", time, () -> {
            throw new IllegalStateException("tick broke");
        }, () -> {
            throw new UnsupportedOperationException("engine not built");
        }, List.of(a), List.of(), 10, 10, false);
        opened.add(e);

        HealthReport r = e.evaluateNow();

        assertThat(r.checks().get("a").status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(r.checks().get("a").message()).contains("snapshot failed").contains("engine not built");
        assertThat(a.runs.get()).isZero();
    }

    @Test
    void transitions_deliveredOncePerChange_forChecksAndOverall() {
        SettableCheck a = new SettableCheck("a");
        Recorder rec = new Recorder();
        Evaluator e = onDemand(List.of(a), List.of(rec));

        e.evaluateNow();
        assertThat(rec.seen).isEmpty();
        a.result = CheckResult.degraded("x");
        e.evaluateNow();
        e.evaluateNow();
        e.evaluateNow();
        a.result = CheckResult.down("y");
        e.evaluateNow();
        a.result = CheckResult.up("z");
        e.evaluateNow();
        e.evaluateNow();

        assertThat(rec.seen).containsExactly(
                "a:UP->DEGRADED", "overall:UP->DEGRADED",
                "a:DEGRADED->DOWN", "overall:DEGRADED->DOWN",
                "a:DOWN->UP", "overall:DOWN->UP");
    }

    @Test
    void transitions_carryResultAndEvaluationTime() {
        SettableCheck a = new SettableCheck("a");
        HealthListener l = mock(HealthListener.class);
        Evaluator e = onDemand(List.of(a), List.of(l));
        CheckResult bad = CheckResult.down("gone");
        a.result = bad;
        time.setMillis(T0 + 42);

        e.evaluateNow();

        verify(l).onTransition("a", HealthStatus.UP, bad, T0 + 42);
        verify(l).onTransition(eq(Evaluator.OVERALL), eq(HealthStatus.UP), any(CheckResult.class), eq(T0 + 42));
    }

    @Test
    void listenerThatThrows_isSkipped_andLaterListenersStillCalled() {
        SettableCheck a = new SettableCheck("a");
        HealthListener thrower = mock(HealthListener.class);
        doAnswer(inv -> {
            throw new RuntimeException("listener bug");
        }).when(thrower).onTransition(any(), any(), any(), anyLong());
        Recorder rec = new Recorder();
        Evaluator e = onDemand(List.of(a), List.of(thrower, rec));
        a.result = CheckResult.degraded("x");

        HealthReport r = e.evaluateNow();

        assertThat(r.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(rec.seen).containsExactly("a:UP->DEGRADED", "overall:UP->DEGRADED");
        verify(thrower, times(2)).onTransition(any(), any(), any(), anyLong());
    }

    @Test
    void listenerThatBlocks_reportIsPublished_andOtherEvaluationWaitsForIt() throws Exception {
        SettableCheck a = new SettableCheck("a");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        HealthListener blocker = mock(HealthListener.class);
        doAnswer(inv -> {
            entered.countDown();
            release.await(30, TimeUnit.SECONDS);
            return null;
        }).when(blocker).onTransition(eq("a"), any(), any(), anyLong());
        Evaluator e = onDemand(List.of(a), List.of(blocker));
        a.result = CheckResult.down("x");

        CompletableFuture<HealthReport> first = CompletableFuture.supplyAsync(e::evaluateNow);
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        // Documented: the blocked evaluation has already published its report.
        assertThat(e.current().status()).isEqualTo(HealthStatus.DOWN);
        AtomicReference<Thread> secondThread = new AtomicReference<>();
        CompletableFuture<HealthReport> second = CompletableFuture.supplyAsync(() -> {
            secondThread.set(Thread.currentThread());
            return e.evaluateNow();
        });
        // Documented: the other evaluation queues behind the evaluation lock until the listener returns.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((secondThread.get() == null || !e.hasQueuedEvaluation(secondThread.get())) && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L); // polls a state, not a duration
        }
        assertThat(e.hasQueuedEvaluation(secondThread.get())).isTrue();
        assertThat(second).isNotDone();

        release.countDown();

        assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(HealthStatus.DOWN);
        assertThat(second.get(30, TimeUnit.SECONDS).status()).isEqualTo(HealthStatus.DOWN);
    }

    @Test
    void duplicateAndReservedNames_areMadeUnique() {
        Evaluator e = onDemand(List.of(new SettableCheck("x"), new SettableCheck("x"), new SettableCheck("overall")), List.of());
        assertThat(e.evaluateNow().checks().keySet()).containsExactly("x", "x-2", "overall-2");
    }

    @Test
    void thread_evaluatesPeriodically_deliversTransitions_andStopsOnClose() throws Exception {
        SettableCheck a = new SettableCheck("a");
        a.result = CheckResult.degraded("x");
        CountDownLatch transitioned = new CountDownLatch(1);
        Evaluator e = new Evaluator("thr", time, ticks::incrementAndGet, snapshots, List.of(a),
                List.of((check, prev, result, at) -> transitioned.countDown()), 1, 1, true);
        opened.add(e);
        Thread t = e.thread();
        assertThat(t.getName()).isEqualTo("cdnguard-eval-thr");
        assertThat(t.isDaemon()).isTrue();

        assertThat(transitioned.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(e.current().status()).isEqualTo(HealthStatus.DEGRADED);

        e.close();
        e.close();
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void thread_survivesThrowingTickSnapshotAndStrayInterrupts() throws Exception {
        AtomicInteger snapshotCalls = new AtomicInteger();
        Supplier<GuardSnapshot> flaky = () -> {
            if (snapshotCalls.incrementAndGet() <= 3) {
                throw new OutOfMemoryError("simulated");
            }
            return new FakeSnapshot(time.currentTimeMillis());
        };
        Check interrupting = new Check() {
            @Override
            public String name() {
                return "interrupting";
            }

            @Override
            public CheckResult evaluate(GuardSnapshot snapshot) {
                Thread.currentThread().interrupt();
                return CheckResult.down("down");
            }
        };
        CountDownLatch down = new CountDownLatch(1);
        Evaluator e = new Evaluator("flaky", time, () -> {
            throw new StackOverflowError("tick");
        }, flaky, List.of(interrupting), List.of((check, prev, result, at) -> {
            if (result.status() == HealthStatus.DOWN) {
                down.countDown();
            }
        }), 1, 1, true);
        opened.add(e);

        assertThat(down.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(snapshotCalls.get()).isGreaterThan(3);
        assertThat(e.thread().isAlive()).isTrue();

        e.close();
        assertThat(e.thread().isAlive()).isFalse();
    }

    @Test
    void close_withoutThread_isIdempotent_andEvaluateNowStillWorks() {
        SettableCheck a = new SettableCheck("a");
        Evaluator e = onDemand(List.of(a), List.of());
        e.close();
        e.close();
        assertThat(e.evaluateNow().checks()).containsKey("a");
    }
}
