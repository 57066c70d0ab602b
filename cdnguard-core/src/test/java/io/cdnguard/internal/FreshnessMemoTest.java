package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The memo in {@link FreshnessDirectives#summarize}: it answers exactly what a scan answers, for
 * {@code String}s old and new, per semantics, never for mutable sequences, never a mismatched
 * (value, summary) pair under racing writers, and without allocating.
 */
class FreshnessMemoTest {

    private static final String[] VALUES = {
        "public, max-age=3600", "public, max-age=7200", "max-age=31536000, immutable", "public, s-maxage=600, max-age=60",
        "no-cache", "no-store", "public, max-age=86400, stale-while-revalidate=60, stale-if-error=3600",
        "private, max-age=0", "max-age=300", "public, max-age=604800", "public, max-age=900, must-revalidate",
        "max-age=60, stale-while-revalidate=30", "max-age=86400", "max-age=7200, stale-if-error=86400",
        "s-maxage=5", "max-age=3600+600", "content=\"ESI/1.0\", max-age=120;edge", "x", ",", " ", "private=\"a\"",
        "MAX-AGE=120", "max-age=99999999999999999999", "max-age=\"60\"", "max-age=\"6\"0", "no-cache=\"set-cookie\", max-age=600",
    };

    private static long scan(String value, boolean cc) {
        // a StringBuilder is never memoised: the reference answer
        return FreshnessDirectives.summarize(new StringBuilder(value), cc);
    }

    @Test
    void summarize_repeatedAndNewInstances_equalTheScan() {
        for (int round = 0; round < 3; round++) {
            for (String v : VALUES) {
                for (boolean cc : new boolean[] {true, false}) {
                    long expected = scan(v, cc);
                    assertThat(FreshnessDirectives.scan(v, cc)).as(v).isEqualTo(expected);
                    assertThat(FreshnessDirectives.summarize(v, cc)).as(v).isEqualTo(expected);
                    assertThat(FreshnessDirectives.summarize(new String(v), cc)).as("copy of %s", v).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void fastScan_plainForms_answerWithoutFallingBack_otherFormsFallBack() {
        for (String v : new String[] {"public, max-age=3600", "max-age=31536000, immutable", "no-cache", "no-store",
                "public, s-maxage=600, max-age=60", "private, max-age=0", "max-age=60,stale-while-revalidate=30",
                "public, max-age=86400, stale-while-revalidate=60, stale-if-error=3600", "", ", ,", "max-agex=5, max-age=6",
                "max-age=", "max-age=99999999999999999999", "no-cache=x, max-age=5", "foo=bar;baz, max-age=7",
                "public, max-age=60, proxy-revalidate", "must-revalidate, no-transform, s-maxage=9", "\tmax-age=1,\t"}) {
            long fast = FreshnessDirectives.fastScan(v, true);
            assertThat(fast).as(v).isNotEqualTo(FreshnessDirectives.BAIL).isEqualTo(scan(v, true));
        }
        for (String v : new String[] {"MAX-AGE=120", "mAx-age=5", "Public, max-age=5", "max-age=\"60\"", "max-age = 60", "max-age=60 ", "max-age=60+600", "max-age=60;x",
                "private=\"a,b\", max-age=5", "no-cache ;x", "foo=\"a,no-store\""}) {
            assertThat(FreshnessDirectives.fastScan(v, true)).as(v).isEqualTo(FreshnessDirectives.BAIL);
            assertThat(FreshnessDirectives.scan(v, true)).as(v).isEqualTo(scan(v, true));
        }
    }

    @Test
    void summarize_sameValueBothSemantics_keptApart() {
        String v = "s-maxage=5, private";
        for (int i = 0; i < 100; i++) {
            long cc = FreshnessDirectives.summarize(v, true);
            long surrogate = FreshnessDirectives.summarize(v, false);
            assertThat(FreshnessDirectives.uncacheable(cc)).isTrue();
            assertThat(FreshnessDirectives.undecided(surrogate)).isTrue();
        }
    }

    @Test
    void summarize_mutableSequence_followsItsContent() {
        StringBuilder sb = new StringBuilder("max-age=60");
        assertThat(FreshnessDirectives.summarize(sb, true) & FreshnessDirectives.LIFETIME_MASK).isEqualTo(60);
        sb.setCharAt(8, '9'); // same instance, same length: a memo keyed by identity would answer 60
        assertThat(FreshnessDirectives.summarize(sb, true) & FreshnessDirectives.LIFETIME_MASK).isEqualTo(90);
        sb.setLength(0);
        sb.append("no-store, x");
        assertThat(FreshnessDirectives.uncacheable(FreshnessDirectives.summarize(sb, true))).isTrue();
    }

    @Test
    void summarize_longValues_bypassTheMemo_andStayCorrect() {
        String v = "public, " + "x-ext=1, ".repeat(20) + "max-age=77";
        assertThat(v.length()).isGreaterThan(FreshnessDirectives.MEMO_MAX_LENGTH);
        assertThat(FreshnessDirectives.summarize(v, true) & FreshnessDirectives.LIFETIME_MASK).isEqualTo(77);
        assertThat(FreshnessDirectives.summarize("", true)).isEqualTo(FreshnessDirectives.NONE);
    }

    @Test
    void memoSlot_inRange_perSemantics_andSpreadsTrailingNumbers() {
        java.util.Set<Integer> slots = new java.util.HashSet<>();
        for (int ttl = 1; ttl <= 200; ttl++) {
            String v = "public, max-age=" + ttl * 60;
            int s = FreshnessDirectives.memoSlot(v, v.length(), true);
            assertThat(s).isBetween(0, FreshnessDirectives.MEMO_SLOTS - 1);
            assertThat(FreshnessDirectives.memoSlot(v, v.length(), false))
                    .isBetween(FreshnessDirectives.MEMO_SLOTS, 2 * FreshnessDirectives.MEMO_SLOTS - 1);
            slots.add(s);
        }
        // 200 values differing only in their number: a fingerprint blind to it would give one slot
        assertThat(slots.size()).isGreaterThan(100);
        for (int len = 1; len < 6; len++) {
            String v = "9".repeat(len);
            assertThat(FreshnessDirectives.memoSlot(v, len, true)).isBetween(0, FreshnessDirectives.MEMO_SLOTS - 1);
        }
    }

    /** Two values in the same memo slot with different summaries. */
    private static String[] collidingPair() {
        Map<Integer, String> bySlot = new HashMap<>();
        for (int i = 0; ; i++) {
            String v = "max-age=" + i + ", x";
            int slot = FreshnessDirectives.memoSlot(v, v.length(), true);
            String other = bySlot.putIfAbsent(slot, v);
            if (other != null && scan(other, true) != scan(v, true)) {
                return new String[] {other, v};
            }
        }
    }

    @Test
    void summarize_twoThreadsRacingOneSlot_neverReadAMismatchedPair() throws Exception {
        String[] pair = collidingPair();
        int rounds = 200_000;
        AtomicLong mismatches = new AtomicLong();
        AtomicReference<String> firstMismatch = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            // threads 0 and 1 keep to one value each; 2 and 3 alternate, new instances half the time
            int id = t;
            threads.add(new Thread(() -> {
                long[] expected = {scan(pair[0], true), scan(pair[1], true)};
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < rounds; i++) {
                    int which = id < 2 ? id : i & 1;
                    String v = id == 3 && (i & 2) != 0 ? new String(pair[which]) : pair[which];
                    long got = FreshnessDirectives.summarize(v, true);
                    if (got != expected[which]) {
                        mismatches.incrementAndGet();
                        firstMismatch.compareAndSet(null, v + " -> " + got);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(mismatches.get()).as("first mismatch: %s", firstMismatch.get()).isZero();
    }

    @Test
    void summarize_hitsAndThrashingMisses_allocateNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "per-thread allocation counter unavailable");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        String[] pair = collidingPair();
        Random r = new Random(1);
        String[] values = new String[64];
        for (int i = 0; i < values.length; i++) {
            values[i] = i < 2 ? pair[i] : VALUES[r.nextInt(VALUES.length)];
        }
        long sink = run(values, 50_000);
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        sink += run(values, 50_000);
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isNotZero();
        assertThat(allocated).isLessThan(4096);
    }

    private static long run(String[] values, int rounds) {
        long sink = 0;
        for (int i = 0; i < rounds; i++) {
            // the colliding pair alternates every call: a miss and a slot write each time
            sink += FreshnessDirectives.summarize(values[i & 1], true);
            sink += FreshnessDirectives.summarize(values[i & 63], (i & 64) == 0);
        }
        return sink;
    }
}
