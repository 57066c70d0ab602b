package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CacheExpiry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ExpiryTrackerConcurrencyTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final int THREADS = 4;
    private static final int TABLE = 1 << 16;
    private static final int FETCHES_PER_THREAD = 250_000;
    /** 250 checkpoints x 200 steps of 5 s: about 2.9 simulated days while recording. */
    private static final int STEPS_PER_1000 = 200;
    private static final int MAX_STEPS = FETCHES_PER_THREAD / 1000 * STEPS_PER_1000 + 1000;

    @Test
    void onFetch_fourThreadsWhileTheClockAdvances_countsMatchTheTableExactly() throws Exception {
        ExpiryTracker tracker = new ExpiryTracker(TABLE, 60_000, T0, 2); // 2 stripes: recorders share cells and cross stripes
        SplittableRandom seeds = new SplittableRandom(0xC0FFEE);
        long[] assets = new long[6000];      // fetched throughout
        long[] abandoned = new long[2000];   // fetched only early on: they come due, stay overdue, are forgotten
        for (int i = 0; i < assets.length; i++) {
            assets[i] = seeds.nextLong();
        }
        for (int i = 0; i < abandoned.length; i++) {
            abandoned[i] = seeds.nextLong();
        }
        AtomicLong clock = new AtomicLong(T0);
        AtomicLong steps = new AtomicLong();
        AtomicLong fetchesWithTtl = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < THREADS; w++) {
            SplittableRandom r = seeds.split();
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    long withTtl = 0;
                    for (int i = 0; i < FETCHES_PER_THREAD; i++) {
                        if (i % 1000 == 0) {
                            // interleave with the clock: wait until it made its share of steps
                            long wanted = (long) i / 1000 * STEPS_PER_1000;
                            while (steps.get() < wanted && failure.get() == null) {
                                Thread.yield();
                            }
                        }
                        long asset = i < FETCHES_PER_THREAD / 10 && r.nextBoolean()
                                ? abandoned[r.nextInt(abandoned.length)] : assets[r.nextInt(assets.length)];
                        int kind = r.nextInt(100);
                        long ttl;
                        if (kind < 5) {
                            ttl = -1;
                        } else if (kind < 10) {
                            ttl = 0;
                        } else if (kind < 20) {
                            ttl = 86_400L + r.nextInt(3 * 86_400);
                        } else if (kind < 40) {
                            ttl = 1 + r.nextInt(7200);
                        } else {
                            ttl = 3600; // most sites have one max-age: one hot slot shared by every recorder
                        }
                        if (ttl > 0) {
                            withTtl++;
                        }
                        tracker.onFetch(asset, ttl, clock.get());
                    }
                    fetchesWithTtl.addAndGet(withTtl);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "expiry-recorder-" + w);
            workers.add(th);
            th.start();
        }

        go.countDown();
        boolean sawNegative = false;
        while (workers.stream().anyMatch(Thread::isAlive)) {
            if (steps.get() < MAX_STEPS) { // exercises due, forgetting (look-back ~42 h) and promotion
                tracker.advance(clock.addAndGet(5_000));
                if (steps.incrementAndGet() % 1000 == 0) {
                    CacheExpiry s = tracker.snapshot(clock.get());
                    sawNegative |= s.tracked() < 0 || s.overdue() < 0 || s.expiringWithin(5) < 0;
                }
            }
            if (steps.get() % 64 == 0) {
                Thread.yield();
            }
        }
        for (Thread th : workers) {
            th.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(sawNegative).isFalse();

        tracker.advance(clock.get());
        assertThat(tracker.checkInvariant()).isNull();
        ExpirySnapshot s = (ExpirySnapshot) tracker.snapshot(clock.get());
        assertThat(s.tracked()).isEqualTo(tracker.liveEntries()).isLessThanOrEqualTo(TABLE);
        assertThat(s.refetchedTotal()).isPositive().isLessThanOrEqualTo((long) THREADS * FETCHES_PER_THREAD);
        assertThat(s.evictedTotal()).isPositive().isLessThanOrEqualTo(fetchesWithTtl.get());
        assertThat(steps.get()).isGreaterThanOrEqualTo((long) (FETCHES_PER_THREAD / 1000 - 1) * STEPS_PER_1000);
        assertThat(s.dueTotal()).isPositive();
        assertThat(s.forgottenTotal()).isPositive();

        // keep going after the recorders stopped: everything left comes due, then is forgotten
        long now = clock.get();
        for (int i = 0; i < 2000; i++) {
            now += 300_000;
            tracker.advance(now);
        }
        ExpirySnapshot end = (ExpirySnapshot) tracker.snapshot(now);
        assertThat(end.tracked()).isZero();
        assertThat(end.dueTotal()).as("every copy not yet due comes due exactly once")
                .isEqualTo(s.dueTotal() + s.tracked() - s.overdue());
        assertThat(end.forgottenTotal()).isEqualTo(s.forgottenTotal() + s.tracked());
        assertThat(tracker.checkInvariant()).isNull();
    }
}
