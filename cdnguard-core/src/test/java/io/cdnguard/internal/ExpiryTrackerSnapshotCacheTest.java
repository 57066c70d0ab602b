package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.CacheExpiry;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The snapshot's cache of slot counts (refreshed only for blocks recorders flagged) against a full
 * scan of the ring, with recorders racing the snapshots: once they are quiet, nothing may be lost.
 */
class ExpiryTrackerSnapshotCacheTest {

    private static final long T0 = 1_700_000_000_000L;

    @Test
    void snapshot_afterRecordersRacedSnapshots_equalsAFullScan() throws Exception {
        ExpiryTracker t = new ExpiryTracker(1 << 16, 60_000, T0, 4);
        AtomicLong clock = new AtomicLong(T0);
        AtomicBoolean stop = new AtomicBoolean();
        // the writers keep going until the snapshotter has taken its first 100 snapshots, so the two
        // really race even when the snapshotting thread is scheduled late (it once took none)
        AtomicInteger taken = new AtomicInteger();
        int threads = 4;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            int seed = w;
            Thread th = new Thread(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; (i < 20_000 || taken.get() < 100) && !stop.get(); i++) {
                    // mostly new assets (so many blocks only ever gain counts), some refetched or uncacheable
                    long ttl = r.nextInt(20) == 0 ? -1 : r.nextLong(30, 7_200);
                    long asset = r.nextInt(4) == 0 ? r.nextLong(2_000) : r.nextLong();
                    t.onFetch(asset, ttl, clock.get());
                }
            });
            writers.add(th);
            th.start();
        }
        start.countDown();
        int snapshots = 0;
        while (writers.stream().anyMatch(Thread::isAlive) && snapshots < 20_000) {
            clock.addAndGet(1_000);
            t.snapshot(clock.get());
            snapshots++;
            taken.set(snapshots);
        }
        stop.set(true);
        for (Thread th : writers) {
            th.join();
        }
        CacheExpiry cached = t.snapshot(clock.get());
        assertThat(cached).hasToString(t.scanSnapshot(clock.get()).toString());
        assertThat(cached.tracked()).isEqualTo(t.liveEntries());
        assertThat(t.checkInvariant()).isNull();
        assertThat(snapshots).isGreaterThanOrEqualTo(100);
    }

    /**
     * The first count a stripe ever receives, racing a snapshot: the stripe must be read from the
     * moment the snapshot clears its flags, or that count is lost from the cache for good (a snapshot
     * once decided which stripes to read before clearing their flags, so a first add in between was
     * dropped). Many fresh trackers, so many first adds race.
     */
    @Test
    void snapshot_firstAddsOfEveryStripeRacingSnapshots_loseNothing() throws Exception {
        for (int round = 0; round < 300; round++) {
            ExpiryTracker t = new ExpiryTracker(1 << 12, 60_000, T0, 8);
            AtomicBoolean done = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            for (int w = 0; w < 3; w++) {
                long base = (long) w << 32;
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i = 0; i < 40; i++) {
                        t.onFetch(base + i, 600, T0);
                    }
                });
                writers.add(th);
                th.start();
            }
            Thread snapshotter = new Thread(() -> {
                while (!done.get()) {
                    t.snapshot(T0);
                }
            });
            snapshotter.start();
            start.countDown();
            for (Thread th : writers) {
                th.join();
            }
            done.set(true);
            snapshotter.join();
            CacheExpiry cached = t.snapshot(T0);
            assertThat(cached).as("round %d", round).hasToString(t.scanSnapshot(T0).toString());
            assertThat(cached.tracked()).as("round %d", round).isEqualTo(t.liveEntries());
        }
    }
}
