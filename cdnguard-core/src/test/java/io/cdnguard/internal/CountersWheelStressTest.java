package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.BackendStats;
import io.cdnguard.Cdn;
import io.cdnguard.CacheExpiry;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import io.cdnguard.RollingWindow;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.ManualTimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stress harness for the counters core and the expiry wheel together (issue 8), on a seeded,
 * repeatable schedule: six writers record a mix of every kind of exchange (CDN fetches of several
 * CDNs and statuses, cacheable and not, lifetimes past the wheel's horizon, 8 POPs against a cap of
 * 4, 10 backends against 2 expected + 4 unknown rows, upstream failures, aborted and invalid
 * exchanges, more distinct paths than the expiry table holds) while a scheduler thread moves a
 * {@link ManualTimeSource} and ticks (bucket rotations, expiry advances) and a reader takes
 * snapshots.
 *
 * <p>What must hold: every lifetime total exactly equals what the writers sent (each writer keeps its
 * own tally); totals only grow while recording; window buckets are never negative and never add up
 * to more than the lifetime; with a forward-only clock covered by the window the window adds up to
 * the lifetime exactly; after clock jumps of hours and NTP steps back of up to 90 minutes, a jump
 * past the window empties it and it then counts exactly what comes next; the expiry wheel agrees
 * exactly with its table once the writers are quiet.
 *
 * <p>The schedule (the writers' exchange sequences, the clock steps, the reader's pauses) derives from
 * a seed: {@code -Dstress.seed=N} replays one (thread interleaving is the OS's); a failure names the
 * seed. {@code -Dstress.records=N} sets the records per writer (default 500,000).
 */
class CountersWheelStressTest {

    private static final long T0 = 1_700_000_000_000L;
    private static final int WRITERS = 6;
    private static final int RECORDS = Integer.getInteger("stress.records", 500_000);
    private static final long BUCKET = 1_000;
    /** Window of 8192 one-second buckets; the forward schedule stays within it (at most 5000 steps of < 1.5 s). */
    private static final int BUCKETS = 8_192;
    private static final int MAX_FORWARD_STEPS = 5_000;
    private static final int TABLE = 1_024;
    private static final int PATHS = 5_000;
    private static final String[] BACKENDS = {"b0", "b1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9"};
    private static final String[] POPS = {"FRA", "AMS", "LHR", "CDG", "IAD", "SFO", "NRT", "SYD"};
    private static final int[] STATUSES = {200, 200, 200, 200, 304, 304, 206, 301, 404, 500, 502, 503};
    private static final long[] TTLS = {Counters.NO_TTL, -1, 0, 60, 300, 3_600, 3_600, 3_600, 86_400, 3 * 86_400};
    private static final Cdn[] CDNS = Cdn.values();
    private static final UpstreamFailure[] FAILURES = UpstreamFailure.values();

    /** What one writer sent, tallied by the writer itself. */
    static final class Tally {
        final long[][] cdn = new long[CDNS.length][StatusClass.values().length];
        final long[] revalidations = new long[CDNS.length];
        final long[] other = new long[RequestKind.values().length];
        final long[] failures = new long[FAILURES.length];
        final long[] backend = new long[BACKENDS.length];
        long invalid;
        long aborted;
        long bytes;
        long latencies;
        long withPop;
        long gateway;
        long cacheable;

        void add(Tally t) {
            for (int c = 0; c < cdn.length; c++) {
                for (int k = 0; k < cdn[c].length; k++) {
                    cdn[c][k] += t.cdn[c][k];
                }
                revalidations[c] += t.revalidations[c];
            }
            for (int k = 0; k < other.length; k++) {
                other[k] += t.other[k];
            }
            for (int k = 0; k < failures.length; k++) {
                failures[k] += t.failures[k];
            }
            for (int k = 0; k < backend.length; k++) {
                backend[k] += t.backend[k];
            }
            invalid += t.invalid;
            aborted += t.aborted;
            bytes += t.bytes;
            latencies += t.latencies;
            withPop += t.withPop;
            gateway += t.gateway;
            cacheable += t.cacheable;
        }

        long total() {
            long n = invalid;
            for (long[] perClass : cdn) {
                for (long v : perClass) {
                    n += v;
                }
            }
            for (long v : other) {
                n += v;
            }
            return n;
        }
    }

    /**
     * @param mode {@code forward}: the clock only moves forward, within the window; {@code jumps}: also
     *     jumps of 1-6 hours, NTP steps back of 0.5-90 minutes and small steps back
     * @param stripes counter stripes: 0 the default (each writer likely owns one), 1 (all but one
     *     writer collide on the shared, atomically updated stripe)
     */
    @ParameterizedTest(name = "{0}, stripes={1}")
    @CsvSource({"forward, 0", "jumps, 1"})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void sixWriters_racingTicksClockJumpsAndSnapshots_totalsExact(String mode, int stripes) throws Throwable {
        long seed = Long.getLong("stress.seed", 0x5EEDL + stripes);
        try {
            run(mode.equals("jumps"), stripes, seed);
        } catch (Throwable t) {
            throw new AssertionError("stress run failed: mode=" + mode + " stripes=" + stripes + " seed=" + seed
                    + " (replay with -Dstress.seed=" + seed + ")", t);
        }
    }

    private void run(boolean jumps, int stripes, long seed) throws Exception {
        ManualTimeSource clock = new ManualTimeSource(T0);
        ExpiryTracker expiry = new ExpiryTracker(TABLE, 60_000, T0, 2);
        Counters counters = new Counters(T0, BUCKET, BUCKETS, List.of("b0", "b1"), 4, 4, expiry, stripes);
        SplittableRandom seeds = new SplittableRandom(seed);
        long[] popCodes = new long[POPS.length];
        for (int i = 0; i < POPS.length; i++) {
            popCodes[i] = RecognitionHeaders.leadingLetters(POPS[i]);
            assertThat(popCodes[i]).isNotZero();
        }
        String[] paths = new String[PATHS];
        for (int i = 0; i < PATHS; i++) {
            paths[i] = "/assets/" + i + ".js";
        }

        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Tally[] tallies = new Tally[WRITERS];
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            SplittableRandom r = seeds.split();
            Tally tally = new Tally();
            tallies[w] = tally;
            writers.add(new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < RECORDS; i++) {
                        write(counters, r, tally, popCodes, paths);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "stress-writer-" + w));
        }

        SplittableRandom schedule = seeds.split();
        AtomicLong steps = new AtomicLong();
        AtomicLong ticks = new AtomicLong();
        Thread scheduler = new Thread(() -> {
            try {
                go.await();
                while (writing.get()) {
                    int action = schedule.nextInt(1000);
                    if (!jumps) {
                        if (steps.get() < MAX_FORWARD_STEPS) {
                            clock.advance(Duration.ofMillis(schedule.nextInt(1_500)));
                            steps.incrementAndGet();
                        }
                    } else if (action < 20) {
                        clock.advance(Duration.ofMinutes(60 + schedule.nextInt(300)));        // forward jump
                    } else if (action < 40) {
                        clock.advance(Duration.ofSeconds(-(30 + schedule.nextInt(90 * 60)))); // NTP step back
                    } else if (action < 60) {
                        clock.advance(Duration.ofMillis(-schedule.nextInt(900)));             // jitter back
                    } else {
                        clock.advance(Duration.ofMillis(schedule.nextInt(1_500)));
                    }
                    counters.tick(clock.currentTimeMillis());
                    ticks.incrementAndGet();
                    LockSupport.parkNanos(50_000 + schedule.nextInt(200_000));
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "stress-scheduler");

        SplittableRandom readerSchedule = seeds.split();
        AtomicLong snapshots = new AtomicLong();
        Thread reader = new Thread(() -> {
            try {
                go.await();
                long previousTotal = 0;
                long previousDue = 0;
                long previousRefetched = 0;
                while (writing.get()) {
                    GuardSnapshotImpl s = counters.snapshot();
                    long total = total(s);
                    assertThat(total).as("lifetime total is monotonic").isGreaterThanOrEqualTo(previousTotal);
                    RollingWindow w = s.window();
                    long window = 0;
                    for (int b = 0; b < w.buckets(); b++) {
                        long v = w.cdnFetches(b);
                        assertThat(v).as("bucket %d", b).isNotNegative();
                        window += v;
                    }
                    assertThat(window).as("window <= lifetime").isLessThanOrEqualTo(s.cdnFetches());
                    CacheExpiry e = s.expiry();
                    assertThat(e.tracked()).isBetween(0L, (long) TABLE);
                    assertThat(e.overdue()).isNotNegative();
                    for (int h = 1; h < CacheExpiry.HORIZON_SECONDS.length; h++) {
                        assertThat(e.expiringWithin(h)).isGreaterThanOrEqualTo(e.expiringWithin(h - 1));
                    }
                    assertThat(e.dueTotal()).isGreaterThanOrEqualTo(previousDue);
                    assertThat(e.refetchedTotal()).isGreaterThanOrEqualTo(previousRefetched);
                    previousTotal = total;
                    previousDue = e.dueTotal();
                    previousRefetched = e.refetchedTotal();
                    snapshots.incrementAndGet();
                    LockSupport.parkNanos(1_000_000 + readerSchedule.nextInt(4_000_000));
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "stress-reader");

        long started = System.nanoTime();
        writers.forEach(Thread::start);
        scheduler.start();
        reader.start();
        go.countDown();
        for (Thread w : writers) {
            w.join();
        }
        writing.set(false);
        scheduler.join();
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError("a stress thread failed", failure.get());
        }
        System.out.printf("stress[%s stripes=%d seed=%d]: %d records by %d writers, %d ticks, %d snapshots, %d ms%n",
                jumps ? "jumps" : "forward", stripes, seed, (long) WRITERS * RECORDS, WRITERS, ticks.get(),
                snapshots.get(), (System.nanoTime() - started) / 1_000_000);

        Tally all = new Tally();
        for (Tally t : tallies) {
            all.add(t);
        }
        counters.tick(clock.currentTimeMillis());
        GuardSnapshotImpl s = counters.snapshot();
        assertThat(snapshots.get()).isPositive();
        assertThat(ticks.get()).isPositive();

        // Lifetime totals: exact.
        assertThat(total(s)).isEqualTo((long) WRITERS * RECORDS).isEqualTo(all.total());
        for (Cdn c : CDNS) {
            for (StatusClass sc : StatusClass.values()) {
                assertThat(s.cdnFetches(c, sc)).as("%s %s", c, sc).isEqualTo(all.cdn[c.ordinal()][sc.ordinal()]);
            }
            assertThat(s.revalidations(c)).as("revalidations %s", c).isEqualTo(all.revalidations[c.ordinal()]);
        }
        for (RequestKind k : RequestKind.values()) {
            if (k != RequestKind.CDN) {
                assertThat(s.otherRequests(k)).as("%s", k).isEqualTo(all.other[k.ordinal()]);
            }
        }
        assertThat(s.invalid()).isEqualTo(all.invalid);
        assertThat(s.aborted()).isEqualTo(all.aborted);
        assertThat(s.cdnBytes()).isEqualTo(all.bytes);
        assertThat(s.latency().count()).isEqualTo(all.latencies);
        for (UpstreamFailure f : FAILURES) {
            assertThat(s.upstreamFailures(f)).as("%s", f).isEqualTo(all.failures[f.ordinal()]);
        }
        assertThat(s.backendExchanges()).isEqualTo(all.gateway);

        // Caps: rows bounded, overflow counted, nothing lost.
        assertThat(s.backends()).hasSizeLessThanOrEqualTo(2 + 4);
        long namedExchanges = 0;
        for (long v : all.backend) {
            namedExchanges += v;
        }
        long rows = 0;
        for (BackendStats b : s.backends()) {
            rows += b.exchanges();
            int i = List.of(BACKENDS).indexOf(b.name());
            assertThat(i).as("backend %s", b.name()).isNotNegative();
            assertThat(b.exchanges()).as("backend %s", b.name()).isEqualTo(all.backend[i]);
        }
        assertThat(s.backends().stream().filter(BackendStats::expected).map(BackendStats::name))
                .containsExactlyInAnyOrder("b0", "b1");
        assertThat(rows + s.unknownBackendOverflow()).isEqualTo(namedExchanges);
        assertThat(s.unknownBackendOverflow()).isPositive();
        assertThat(s.pops()).hasSizeLessThanOrEqualTo(4);
        assertThat(s.pops().stream().mapToLong(PopStats::fetches).sum() + s.popOverflow()).isEqualTo(all.withPop);
        assertThat(s.popOverflow()).isPositive();

        // The window.
        RollingWindow w = s.window();
        if (!jumps) {
            assertThat(clock.currentTimeMillis() - T0).isLessThan(BUCKET * (BUCKETS - 1));
            assertThat(w.cdnFetchesLast(w.buckets())).as("window = lifetime").isEqualTo(s.cdnFetches());
            for (StatusClass sc : StatusClass.values()) {
                long lifetime = 0;
                for (Cdn c : CDNS) {
                    lifetime += s.cdnFetches(c, sc);
                }
                assertThat(w.cdnFetchesLast(w.buckets(), sc)).as("window %s", sc).isEqualTo(lifetime);
            }
            assertThat(w.upstreamFailuresLast(w.buckets())).isEqualTo(s.upstreamFailures());
            assertThat(w.backendExchangesLast(w.buckets())).isEqualTo(all.gateway);
        } else {
            // Jump past the whole window: it empties; then it counts exactly what comes next.
            clock.advance(Duration.ofMillis(BUCKET * (BUCKETS + 2)));
            counters.tick(clock.currentTimeMillis());
            assertThat(counters.snapshot().window().cdnFetchesLast(BUCKETS)).isZero();
            for (int i = 0; i < 1_000; i++) {
                counters.recordClassified(RequestKind.CDN, Cdn.FASTLY, 200, 1, 1, false, Counters.NO_TTL, 0, "/", false,
                        null, null);
            }
            clock.advance(Duration.ofMillis(BUCKET / 2));
            counters.tick(clock.currentTimeMillis());
            GuardSnapshotImpl after = counters.snapshot();
            assertThat(after.window().cdnFetchesLast(BUCKETS)).isEqualTo(1_000);
            assertThat(after.cdnFetches()).isEqualTo(s.cdnFetches() + 1_000);
        }

        // The expiry wheel agrees exactly with its table once the writers are quiet.
        expiry.advance(counters.coarseNow());
        assertThat(expiry.checkInvariant()).isNull();
        ExpirySnapshot e = (ExpirySnapshot) expiry.snapshot(counters.coarseNow());
        assertThat(e.tracked()).isEqualTo(expiry.liveEntries()).isLessThanOrEqualTo(TABLE).isPositive();
        assertThat(e.refetchedTotal()).isPositive().isLessThanOrEqualTo(all.cacheable);
        assertThat(e.evictedTotal()).isPositive().isLessThanOrEqualTo(all.cacheable);
    }

    /** Records one exchange drawn from {@code r} and tallies it the way the counters should. */
    private static void write(Counters counters, SplittableRandom r, Tally t, long[] popCodes, String[] paths) {
        int k = r.nextInt(100);
        boolean aborted = r.nextInt(50) == 0;
        String backend = null;
        UpstreamFailure failure = null;
        if (r.nextInt(4) == 0) {
            int b = r.nextInt(BACKENDS.length);
            backend = BACKENDS[b];
            t.backend[b]++;
            if (r.nextInt(5) == 0) {
                failure = FAILURES[r.nextInt(FAILURES.length)];
            }
        } else if (r.nextInt(40) == 0) {
            failure = UpstreamFailure.NO_BACKEND;
        }
        if (backend != null || failure != null) {
            t.gateway++;
        }
        if (failure != null) {
            t.failures[failure.ordinal()]++;
        }
        if (aborted) {
            t.aborted++;
        }
        if (k < 2) {
            int status = r.nextBoolean() ? 0 : 1_000 + r.nextInt(1_000);
            counters.recordClassified(RequestKind.CDN, Cdn.FASTLY, status, 10, 1_000, false, 60, 0, "/x", aborted,
                    backend, failure);
            t.invalid++;
            return;
        }
        if (k < 25) {
            RequestKind kind = RequestKind.values()[r.nextInt(RequestKind.values().length)];
            if (kind == RequestKind.CDN) {
                kind = RequestKind.DIRECT;
            }
            counters.recordClassified(kind, null, 200, 10, 1_000, false, Counters.NO_TTL, 0, "/", aborted, backend,
                    failure);
            t.other[kind.ordinal()]++;
            return;
        }
        Cdn cdn = CDNS[r.nextInt(CDNS.length)];
        int status = STATUSES[r.nextInt(STATUSES.length)];
        long ttl = status / 100 == 2 || status == 304 ? TTLS[r.nextInt(TTLS.length)] : Counters.NO_TTL;
        long pop = r.nextInt(3) == 0 ? 0 : popCodes[r.nextInt(popCodes.length)];
        boolean revalidation = status == 304 && r.nextBoolean();
        long bytes = r.nextInt(100_000);
        long nanos = 1 + r.nextInt(50_000_000);
        counters.recordClassified(RequestKind.CDN, cdn, status, bytes, nanos, revalidation, ttl, pop,
                paths[r.nextInt(paths.length)], aborted, backend, failure);
        t.cdn[cdn.ordinal()][StatusClass.of(status).ordinal()]++;
        if (revalidation) {
            t.revalidations[cdn.ordinal()]++;
        }
        if (pop != 0) {
            t.withPop++;
        }
        if (ttl > 0) {
            t.cacheable++;
        }
        t.bytes += bytes;
        t.latencies++;
    }

    private static long total(GuardSnapshotImpl s) {
        long n = s.cdnFetches() + s.invalid();
        for (RequestKind k : RequestKind.values()) {
            if (k != RequestKind.CDN) {
                n += s.otherRequests(k);
            }
        }
        return n;
    }
}
