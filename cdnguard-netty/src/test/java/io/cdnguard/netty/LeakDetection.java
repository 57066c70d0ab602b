package io.cdnguard.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs Netty's leak detector at PARANOID and collects its reports, so that a test fails on a leaked
 * buffer instead of only logging it. Call {@link #install()} before a test touches buffers and
 * {@link #assertNoLeaks()} at its end.
 */
final class LeakDetection {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static volatile boolean installed;

    private LeakDetection() {
    }

    /** Sets PARANOID and hooks the ByteBuf leak detector's listener. Idempotent. */
    static synchronized void install() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        if (installed) {
            return;
        }
        try {
            Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
            f.setAccessible(true);
            ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) f.get(null);
            detector.setLeakListener((type, records) -> LEAKS.add(type + ": " + records));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot hook Netty's leak detector", e);
        }
        installed = true;
    }

    /** Forces collection of unreachable buffers, lets the detector report them, and fails on any report. */
    static void assertNoLeaks() {
        for (int i = 0; i < 3; i++) {
            collectAndAwaitReferenceProcessing();
            // Leak reports are produced when a new tracked buffer is allocated.
            for (int j = 0; j < 16; j++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.buffer(8);
                a.release();
                ByteBuf b = ByteBufAllocator.DEFAULT.buffer(8);
                b.release();
            }
        }
        List<String> leaks = List.copyOf(LEAKS);
        LEAKS.clear();
        assertThat(leaks).as("Netty leak reports").isEmpty();
    }

    /**
     * Runs a GC and waits until the JDK's reference handler has enqueued what it found. The detector
     * sees a leaked buffer only once its weak reference is on the detector's queue, and the reference
     * handler does that on its own thread after the GC: on a busy machine the allocations that make
     * the detector poll could run before it, and a leak would go unreported. The handler takes each
     * GC's references as one batch, in order, so when a sentinel from a second GC is enqueued, the
     * whole batch of the first is too. Bounded: at most 2 s per wait (a wait, not an assertion).
     */
    private static void collectAndAwaitReferenceProcessing() {
        for (int gc = 0; gc < 2; gc++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
            System.gc();
            try {
                queue.remove(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sentinel.clear();
        }
    }
}
