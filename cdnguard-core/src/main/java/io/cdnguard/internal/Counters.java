package io.cdnguard.internal;

import io.cdnguard.CacheExpiry;
import io.cdnguard.Cdn;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.StampedLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counters of one guard: striped monotonic lifetime totals, a ring of bucket boundaries for the
 * rolling window, the backend and POP tables, and the coarse clock. {@link io.cdnguard.CdnGuard}
 * classifies an exchange and calls the {@code record*} methods here with already-classified values.
 *
 * <h2>Design</h2>
 * Every count is a lifetime total, kept in <em>stripes</em>: padded {@code long[]}s (two cache lines
 * of padding at each end), chosen by the recording thread's id modulo a power of two {@code n}
 * (at least twice the processors, at most 64). Each of the {@code n} slots has two stripes:
 * <ul>
 *   <li>an <em>owned</em> stripe, claimed by the first thread that records in the slot (a CAS on
 *       its owner). Its owner is its only writer, so it adds with a plain (opaque) read and write:
 *       no lock prefix, no fence, no contended cache line;
 *   <li>a <em>shared</em> stripe, for every other thread of the slot (id collisions), updated with
 *       atomic adds.
 * </ul>
 * So a thread that owns its slot records without a single atomic instruction on the counters, and
 * threads only share cache lines when their ids collide. An owner that died is replaced (checked
 * every 1024th record of a colliding thread). A total is the sum of its cell over all stripes.
 *
 * <p>The rolling window is not counted separately. At each bucket boundary {@link #tick(long)} sums
 * the few window-relevant totals (CDN fetches by status class, revalidations, other requests by kind,
 * backend exchanges, upstream failures) and stores that cumulative vector in a ring of {@code
 * windowBuckets} slots. The count of a past bucket is the difference of two consecutive boundaries;
 * the current bucket's count is the live total minus the last boundary. So a record adds to one cell
 * per dimension, never to a second "window" cell, and nothing is ever moved or reset: a count cannot
 * be lost to a rotation, lifetime totals are trivially monotonic, and the window costs {@code
 * windowBuckets × 12} longs per guard whatever the number of threads.
 *
 * <h2>Memory</h2>
 * Fixed at construction: {@code 2n} stripes of {@code 137 + maxPops + 10 × (expected +
 * maxUnknownBackends)} longs (841 longs, 6.7 KiB, with the defaults; {@code n} = 4 on 2 cores, so
 * 54 KiB; at most 64 + 64 stripes, 860 KiB, on 32 or more cores), plus the ring of {@code
 * windowBuckets × 12} longs (34.6 KiB for 360 buckets) and the published copy of the closed buckets'
 * counts (as much again), plus the two tables (a few KiB). A snapshot allocates at most one stripe
 * (the fixed cells and the table rows in use); a rotation copies one or two chunks of 4 buckets and
 * the array of chunk references.
 *
 * <h2>Implementation notes</h2>
 * <ul>
 *   <li>Owned stripe cells: written only by the owner thread, {@link VarHandle#getOpaque} +
 *       {@link VarHandle#setOpaque} (single-writer, so no update is lost; opaque keeps the 64-bit
 *       access untorn). Ownership moves only by a CAS on {@link #owners}, from null, or from a thread
 *       whose {@link Thread#isAlive()} returned false (which happens-after all its writes).
 *   <li>Shared stripe cells: written by any thread with {@link VarHandle#getAndAdd}. Whether a
 *       stripe is shared is a flag in its leading padding, set at construction and never changed.
 *   <li>All cells are read by {@link #snapshot} and the rotator with {@link VarHandle#getOpaque}.
 *       Recording is lock-free and allocation-free: array index arithmetic, opaque or atomic adds,
 *       and the lock-free {@link BackendTable} / {@link PopTable} lookups.
 *   <li>{@link #coarseNow}: volatile; written only by the ticker, read once per record. The
 *       recording path never reads the system clock.
 *   <li>{@link #ring}, {@link #head}, {@link #bucketStart}: written only by the single ticker (the
 *       {@link #ticking} flag is taken with a CAS; a second concurrent ticker returns at once) inside
 *       the write mode of {@link #lock}; recording threads never touch either. After each rotation
 *       the ticker publishes an immutable {@link Closed} (volatile {@link #closed}): the closed
 *       buckets' counts in copy-on-write chunks, the current bucket's start and opening boundary.
 *       {@link #snapshot} reads only that one reference, so it never waits or retries, and shares
 *       the chunks instead of copying the ring.
 *   <li>Snapshots sum only the stripes ever written to ({@link #used}): an owned stripe once
 *       claimed, a shared one once its {@link #SHARED_USED} flag is set (volatile, before the first
 *       write through it, by the slow path that hands out shared stripes), and of those only the
 *       fixed cells and the backend and POP rows the tables list (read before the sum).
 *   <li>Looser guarantees: a record racing a rotation may land in the bucket after the one its
 *       exchange ended in (the boundary sum reads stripe by stripe). A snapshot is not an atomic cut
 *       across cells: a record racing it may be in one of its totals and not yet in another; each
 *       total, and each bucket, is still never negative and lifetime totals never go down.
 * </ul>
 */
public final class Counters {

    private static final Logger log = LoggerFactory.getLogger(Counters.class);

    static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);

    static final Cdn[] CDNS = Cdn.values();
    static final RequestKind[] KINDS = RequestKind.values();
    static final StatusClass[] STATUS_CLASSES = StatusClass.values();
    static final UpstreamFailure[] FAILURES = UpstreamFailure.values();

    static final int NC = CDNS.length;
    static final int NS = STATUS_CLASSES.length;
    static final int NK = KINDS.length;
    static final int NF = FAILURES.length;

    /** Cells of padding at each end of a stripe: two cache lines of 64 bytes. */
    static final int PAD = 16;
    /** A cell in the leading padding: 1 on shared stripes (atomic adds), 0 on owned ones. Never changes. */
    static final int ATOMIC_FLAG = 0;
    /** A cell in the leading padding of shared stripes: sampling counter for the dead-owner check. */
    static final int RECLAIM_SAMPLE = 8;
    /** A cell in the leading padding of shared stripes: set to 1 (and never reset) before the stripe's first write. */
    static final int SHARED_USED = 9;

    // Stripe layout (indices into each stripe's long[]).
    static final int CDN_FETCH = PAD;                         // [cdn][status class]
    static final int REVALIDATION = CDN_FETCH + NC * NS;      // [cdn]
    static final int OTHER = REVALIDATION + NC;               // [kind]; the CDN slot is unused
    static final int ABORTED = OTHER + NK;
    static final int INVALID = ABORTED + 1;
    static final int BYTES = INVALID + 1;
    static final int UPSTREAM = BYTES + 1;                    // [failure]
    static final int BACKEND_EXCHANGES = UPSTREAM + NF;
    static final int BACKEND_OVERFLOW = BACKEND_EXCHANGES + 1;
    static final int POP_OVERFLOW = BACKEND_OVERFLOW + 1;
    static final int LATENCY = POP_OVERFLOW + 1;              // [bucket]
    static final int LATENCY_SUM = LATENCY + Histograms.LATENCY_BUCKETS;
    static final int TTL = LATENCY_SUM + 1;                   // [bucket]
    static final int TTL_SUM = TTL + Histograms.TTL_BUCKETS;
    static final int FIXED_END = TTL_SUM + 1;
    /** Cells per backend row: exchanges, then failures by kind. */
    static final int ROW = 1 + NF;

    // Window vector layout (one ring slot).
    static final int W_CDN = 0;                               // [status class]
    static final int W_REVALIDATION = W_CDN + NS;
    static final int W_OTHER = W_REVALIDATION + 1;            // [kind]
    static final int W_BACKEND = W_OTHER + NK;
    static final int W_UPSTREAM = W_BACKEND + 1;
    static final int W = W_UPSTREAM + 1;

    /** {@code ttlSeconds} value for a fetch that is not a 2xx or 304: no freshness, no expiry tracking. */
    public static final long NO_TTL = Long.MIN_VALUE;

    // Clamps for absurd input, so that sums cannot overflow in any realistic lifetime.
    private static final long MAX_BYTES = 1L << 40;
    private static final long MAX_NANOS = 86_400_000_000_000L;
    private static final long MAX_TTL = 10L * 31_536_000L;

    private final long startMillis;
    private final long bucketMillis;
    private final int windowBuckets;
    final int popBase;
    final int backendBase;
    /** All stripes: {@code [0, n)} owned, {@code [n, 2n)} shared. */
    private final long[][] stripes;
    private final long[][] owned;
    private final long[][] shared;
    /** Owner of each owned stripe; CAS from null (or from a dead thread) only. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<Thread> owners;
    private final int mask;
    private final BackendTable backends;
    private final PopTable pops;
    private final ExpiryTracker expiry;

    /** The coarse clock: written by the ticker only, read once per record. */
    private volatile long coarseNow;

    /** Ticker exclusion: only the thread that CASes it to true ticks. */
    private final AtomicBoolean ticking = new AtomicBoolean();
    /** Guards ring/head/bucketStart: write mode by the ticker, optimistic reads by snapshots. */
    private final StampedLock lock = new StampedLock();
    /** Bucket boundaries: slot {@code r mod windowBuckets} holds the cumulative window vector at the start of bucket r. */
    private final long[] ring;
    /**
     * The closed buckets' counts as snapshots see them, replaced (never changed) by each rotation:
     * copy-on-write per chunk of {@value #CHUNK} buckets, so a rotation copies one or two chunks, not
     * the window, and a snapshot shares them without copying.
     */
    private volatile Closed closed;
    /** The number of the current bucket. */
    private long head;
    /** The start of the current bucket, epoch millis, aligned to {@code bucketMillis}. */
    private long bucketStart;
    /** Ticker scratch. */
    private final long[] scratch = new long[W];
    private boolean expiryFailureLogged;
    /**
     * The last snapshot taken, whose unchanged backend and POP lists the next one shares. Any thread
     * taking a snapshot writes it; a race only loses a chance to share (the snapshot is immutable and
     * the field volatile, so a reader sees it fully built).
     */
    private volatile GuardSnapshotImpl lastSnapshot;

    /**
     * @param startMillis the guard's start time
     * @param bucketMillis bucket length, at least 1
     * @param windowBuckets number of buckets kept, at least 2
     * @param expectedBackends backends declared up front, in order
     * @param maxUnknownBackends cap on unknown backend names
     * @param maxPops cap on distinct POPs
     * @param expiry the expiry tracker, or {@code null} for none
     * @param stripeCount stripes, rounded up to a power of two; 0 for the default (twice the processors, 2..64)
     */
    public Counters(long startMillis, long bucketMillis, int windowBuckets, Collection<String> expectedBackends,
            int maxUnknownBackends, int maxPops, ExpiryTracker expiry, int stripeCount) {
        if (bucketMillis < 1) {
            throw new IllegalArgumentException("bucketMillis must be at least 1: " + bucketMillis);
        }
        if (windowBuckets < 2) {
            throw new IllegalArgumentException("windowBuckets must be at least 2: " + windowBuckets);
        }
        this.startMillis = startMillis;
        this.bucketMillis = bucketMillis;
        this.windowBuckets = windowBuckets;
        this.backends = new BackendTable(expectedBackends, maxUnknownBackends);
        this.pops = new PopTable(maxPops);
        this.expiry = expiry;
        this.popBase = FIXED_END;
        this.backendBase = popBase + maxPops;
        int length = backendBase + backends.rows() * ROW + PAD;
        int n = stripeCount > 0 ? stripeCount : Math.min(64, Math.max(2, 2 * Runtime.getRuntime().availableProcessors()));
        n = Integer.highestOneBit(Math.max(1, n - 1)) << 1;
        if (stripeCount == 1) {
            n = 1;
        }
        this.owned = new long[n][];
        this.shared = new long[n][];
        this.stripes = new long[2 * n][];
        for (int i = 0; i < n; i++) {
            owned[i] = new long[length];
            shared[i] = new long[length];
            shared[i][ATOMIC_FLAG] = 1;
            stripes[i] = owned[i];
            stripes[n + i] = shared[i];
        }
        this.owners = new java.util.concurrent.atomic.AtomicReferenceArray<>(n);
        this.mask = n - 1;
        this.ring = new long[windowBuckets * W];
        this.coarseNow = startMillis;
        this.bucketStart = Math.floorDiv(startMillis, bucketMillis) * bucketMillis;
        long[][] chunks = new long[(windowBuckets + CHUNK - 1) / CHUNK][];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = new long[CHUNK * W];
        }
        this.closed = new Closed(0, bucketStart, chunks, new long[W]);
    }

    /**
     * Buckets per copy-on-write chunk of {@link Closed#chunks}. A rotation of one bucket copies one
     * chunk ({@code CHUNK * W} longs) and the array of {@code windowBuckets / CHUNK} references: 4
     * keeps the sum of the two small (48 longs and 90 references for 360 buckets).
     */
    static final int CHUNK = 4;

    /**
     * What a snapshot needs of the window's history, immutable once published: the current bucket's
     * number and start, its opening boundary, and each closed bucket's counts (bucket {@code r} at
     * slot {@code r mod windowBuckets}, clamped at 0) in chunks shared between successive states.
     */
    static final class Closed {
        final long head;
        final long start;
        final long[][] chunks;
        final long[] opening;

        Closed(long head, long start, long[][] chunks, long[] opening) {
            this.head = head;
            this.start = start;
            this.chunks = chunks;
            this.opening = opening;
        }
    }

    // ------------------------------------------------------------------ recording (hot path)

    /**
     * The calling thread's stripe: the owned stripe of its slot if it owns it or can claim it, else
     * the slot's shared stripe. Lock-free, allocation-free: a volatile read of the slot's owner, and a
     * CAS only when the slot is free (or, checked every 1024th time, its owner has died).
     */
    public long[] stripe() {
        Thread t = Thread.currentThread();
        int i = (int) t.getId() & mask;
        Thread o = owners.get(i);
        if (o == t) {
            return owned[i];
        }
        return claimOrShare(t, o, i);
    }

    private long[] claimOrShare(Thread t, Thread o, int i) {
        if (o == null) {
            if (owners.compareAndSet(i, null, t)) {
                return owned[i];
            }
        } else {
            long[] s = shared[i];
            // A racy sampling counter: a lost update only delays the next liveness check.
            long n = s[RECLAIM_SAMPLE]++;
            if ((n & 1023) == 0 && !o.isAlive() && owners.compareAndSet(i, o, t)) {
                // isAlive() == false happens-after every write of the dead owner (JLS 17.4.4).
                return owned[i];
            }
        }
        long[] s = shared[i];
        if (s[SHARED_USED] == 0) {
            CELLS.setVolatile(s, SHARED_USED, 1L); // once: snapshots skip shared stripes never used
        }
        return s;
    }

    /**
     * Whether stripe {@code i} of {@link #stripes} was ever written to: an owned stripe once claimed
     * (its owner is set by CAS before its first write and never reset to null), a shared one once
     * its {@link #SHARED_USED} flag is set (before its first write). Stripes never written to are
     * all zeros, so the sums skip them.
     */
    private boolean used(int i) {
        int n = owned.length;
        return i < n ? owners.get(i) != null : (long) CELLS.getVolatile(shared[i - n], SHARED_USED) != 0;
    }

    /** The coarse clock as the last {@link #tick} set it; a volatile read. */
    public long coarseNow() {
        return coarseNow;
    }

    /**
     * Adds to a cell: an atomic add on a shared stripe; on an owned stripe, whose only writer is its
     * owner thread, an opaque read and an opaque write (no lock prefix, no fence; opaque keeps the
     * 64-bit access atomic for readers).
     */
    private static void add(long[] s, int i, long d) {
        add(s, i, d, s[ATOMIC_FLAG] != 0);
    }

    /**
     * {@link #add(long[], int, long)} with the stripe's {@link #ATOMIC_FLAG} already read: a method
     * making several adds reads the flag once (the JIT cannot keep it across the adds' opaque
     * stores into the same array, which it must assume may alias the flag).
     */
    private static void add(long[] s, int i, long d, boolean atomic) {
        if (atomic) {
            CELLS.getAndAdd(s, i, d);
        } else {
            CELLS.setOpaque(s, i, (long) CELLS.getOpaque(s, i) + d);
        }
    }

    /**
     * Records one CDN fetch with a valid status (100..599). Lock-free, allocation-free.
     *
     * @param cdn the CDN's ordinal
     * @param ttlSeconds the shared-cache freshness lifetime, -1 if not cacheable, {@link #NO_TTL}
     *     if the response was neither 2xx nor 304 (no freshness, no expiry tracking)
     * @param popCode the packed POP code, 0 if none
     * @param pathHash {@link #hashPath} of the path (used only with a TTL)
     * @param nowMillis the coarse clock
     */
    public void recordCdn(long[] s, int cdn, int status, long bytes, long durationNanos, boolean revalidation,
            long ttlSeconds, long popCode, long pathHash, long nowMillis) {
        boolean atomic = s[ATOMIC_FLAG] != 0; // once: it never changes (see add)
        add(s, CDN_FETCH + cdn * NS + (status / 100 - 1), 1, atomic);
        if (bytes > 0) {
            add(s, BYTES, Math.min(bytes, MAX_BYTES), atomic);
        }
        if (durationNanos >= 0) {
            long d = Math.min(durationNanos, MAX_NANOS);
            add(s, LATENCY + Histograms.latencyIndex(d), 1, atomic);
            add(s, LATENCY_SUM, d, atomic);
        }
        if (revalidation) {
            add(s, REVALIDATION + cdn, 1, atomic);
        }
        if (ttlSeconds != NO_TTL) {
            if (ttlSeconds >= 0) {
                long t = Math.min(ttlSeconds, MAX_TTL);
                add(s, TTL + Histograms.ttlIndex(t), 1, atomic);
                add(s, TTL_SUM, t, atomic);
            }
            if (expiry != null) {
                expiry.onFetch(pathHash, ttlSeconds < 0 ? -1 : Math.min(ttlSeconds, MAX_TTL), nowMillis);
            }
        }
        if (popCode != 0) {
            int row = pops.rowOf(cdn, popCode);
            add(s, row >= 0 ? popBase + row : POP_OVERFLOW, 1, atomic);
        }
    }

    /** Records a non-CDN request of kind ordinal {@code kind} (PROBE, DIRECT or SELF). Lock-free, allocation-free. */
    public void recordOther(long[] s, int kind) {
        add(s, OTHER + kind, 1);
    }

    /** Counts an invalid exchange (status outside 100..599, or one that could not be read). */
    public void recordInvalid(long[] s) {
        add(s, INVALID, 1);
    }

    /** Counts an invalid exchange on the calling thread's stripe; never throws. */
    public void recordInvalid() {
        add(stripe(), INVALID, 1);
    }

    /**
     * Records the parts of an exchange that do not depend on its status: aborted, backend, upstream
     * failure. Lock-free; allocation-free unless the backend name is new.
     */
    public void recordGateway(long[] s, boolean aborted, String backend, UpstreamFailure failure) {
        if (aborted) {
            add(s, ABORTED, 1);
        }
        if (backend != null) {
            int row = backends.rowOf(backend);
            if (row >= 0) {
                int base = backendBase + row * ROW;
                add(s, base, 1);
                if (failure != null) {
                    add(s, base + 1 + failure.ordinal(), 1);
                }
            } else {
                add(s, BACKEND_OVERFLOW, 1);
            }
        }
        if (backend != null || failure != null) {
            add(s, BACKEND_EXCHANGES, 1);
        }
        if (failure != null) {
            add(s, UPSTREAM + failure.ordinal(), 1);
        }
    }

    /**
     * Records an already-classified exchange in one call, as {@link io.cdnguard.CdnGuard#record}
     * does after recognition and freshness parsing: the entry point for tests and the counters
     * benchmark. Lock-free, allocation-free (unless a backend or POP is new).
     *
     * @param kind the request kind
     * @param cdn the CDN (for {@link RequestKind#CDN}; {@code null} counts as {@link Cdn#OTHER})
     * @param ttlSeconds as for {@link #recordCdn}
     */
    public void recordClassified(RequestKind kind, Cdn cdn, int status, long bytes, long durationNanos,
            boolean revalidation, long ttlSeconds, long popCode, CharSequence path, boolean aborted, String backend,
            UpstreamFailure failure) {
        long[] s = stripe();
        recordGateway(s, aborted, backend, failure);
        if (status < 100 || status > 599) {
            recordInvalid(s);
            return;
        }
        if (kind == RequestKind.CDN) {
            recordCdn(s, cdn == null ? Cdn.OTHER.ordinal() : cdn.ordinal(), status, bytes, durationNanos, revalidation,
                    ttlSeconds, popCode, ttlSeconds == NO_TTL ? 0 : hashPath(path), coarseNow);
        } else {
            recordOther(s, kind.ordinal());
        }
    }

    /**
     * A 64-bit hash of a path, reading at most its first 4096 characters; see {@link PathHash}.
     * Allocation-free; {@code null} hashes to 0.
     */
    public static long hashPath(CharSequence path) {
        return PathHash.hash(path);
    }

    // ------------------------------------------------------------------ evaluation side

    /**
     * Advances the coarse clock to {@code nowMillis} and rotates buckets if the current one ended.
     * Handles a jump of any number of buckets (at most {@code windowBuckets} slots are written). A
     * clock stepping back by less than one bucket is ignored (the coarse clock does not go back); a
     * step back of more than one bucket closes the current bucket and starts the next one at the new
     * time, so buckets keep following elapsed time. A negative time is ignored. Never throws;
     * returns at once if another thread is ticking.
     */
    public void tick(long nowMillis) {
        if (nowMillis < 0 || !ticking.compareAndSet(false, true)) {
            return; // a time before 1970 is a broken clock: ignore it
        }
        try {
            long start = bucketStart;
            long now = nowMillis;
            if (now - start >= bucketMillis) {
                long k = (now - start) / bucketMillis;
                rotate(k, start + k * bucketMillis);
                if (now > coarseNow) {
                    coarseNow = now;
                }
            } else if (now < start - bucketMillis) {
                log.warn("clock stepped back from {} to {}; starting a new bucket", start, now);
                rotate(1, Math.floorDiv(now, bucketMillis) * bucketMillis);
                coarseNow = now;
            } else if (now > coarseNow) {
                coarseNow = now;
            }
            if (expiry != null) {
                try {
                    expiry.advance(coarseNow);
                } catch (RuntimeException e) {
                    if (!expiryFailureLogged) {
                        expiryFailureLogged = true;
                        log.warn("expiry tracking failed to advance; expiry counts may be stale", e);
                    }
                }
            }
        } finally {
            ticking.set(false);
        }
    }

    private void rotate(long k, long newStart) {
        long[] live = scratch;
        liveWindow(live);
        long stamp = lock.writeLock();
        try {
            long n = Math.min(k, windowBuckets);
            for (long j = 1; j <= n; j++) {
                int slot = (int) Math.floorMod(head + j, (long) windowBuckets);
                System.arraycopy(live, 0, ring, slot * W, W);
            }
            // A jump beyond the window leaves every slot equal, so advancing head by n is equivalent
            // and keeps head far from overflow.
            long oldHead = head;
            head += n;
            bucketStart = newStart;
            publishClosed(oldHead);
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /**
     * Publishes the counts of the buckets closed since {@code oldHead} (those still in the window),
     * copying only the chunks they fall in. Ticker only, after the ring was written.
     */
    private void publishClosed(long oldHead) {
        Closed c = closed;
        long[][] chunks = c.chunks.clone();
        for (long r = Math.max(oldHead, head - windowBuckets + 1); r < head; r++) {
            int slot = (int) Math.floorMod(r, (long) windowBuckets);
            int next = (int) Math.floorMod(r + 1, (long) windowBuckets);
            int ch = slot / CHUNK;
            if (chunks[ch] == c.chunks[ch]) { // still the published one: copy it once
                chunks[ch] = chunks[ch].clone();
            }
            long[] dst = chunks[ch];
            int o = (slot % CHUNK) * W;
            for (int k = 0; k < W; k++) {
                dst[o + k] = Math.max(0, ring[next * W + k] - ring[slot * W + k]);
            }
        }
        int h = (int) Math.floorMod(head, (long) windowBuckets);
        closed = new Closed(head, bucketStart, chunks, java.util.Arrays.copyOfRange(ring, h * W, h * W + W));
    }

    /** Sums the window-relevant cells over the stripes into {@code out}. */
    private void liveWindow(long[] out) {
        java.util.Arrays.fill(out, 0);
        for (int si = 0; si < stripes.length; si++) {
            if (!used(si)) {
                continue;
            }
            long[] s = stripes[si];
            for (int c = 0; c < NC; c++) {
                for (int sc = 0; sc < NS; sc++) {
                    out[W_CDN + sc] += (long) CELLS.getOpaque(s, CDN_FETCH + c * NS + sc);
                }
                out[W_REVALIDATION] += (long) CELLS.getOpaque(s, REVALIDATION + c);
            }
            for (int k = 0; k < NK; k++) {
                out[W_OTHER + k] += (long) CELLS.getOpaque(s, OTHER + k);
            }
            out[W_BACKEND] += (long) CELLS.getOpaque(s, BACKEND_EXCHANGES);
            for (int f = 0; f < NF; f++) {
                out[W_UPSTREAM] += (long) CELLS.getOpaque(s, UPSTREAM + f);
            }
        }
    }

    private long[] sumStripes() {
        return sumStripes(backendBase, backends.rows());
    }

    /**
     * Sums the cells from the first fixed one up to {@code popEnd} (the fixed cells and the POP rows
     * below it) and the first {@code backendRows} backend rows over the stripes ever written to, into
     * an array indexed like a stripe (cells of rows not summed are absent or 0).
     */
    private long[] sumStripes(int popEnd, int backendRows) {
        int backendEnd = backendBase + backendRows * ROW;
        long[] t = new long[backendEnd];
        for (int si = 0; si < stripes.length; si++) {
            if (!used(si)) {
                continue;
            }
            long[] s = stripes[si];
            for (int i = PAD; i < popEnd; i++) {
                t[i] += (long) CELLS.getOpaque(s, i);
            }
            for (int i = backendBase; i < backendEnd; i++) {
                t[i] += (long) CELLS.getOpaque(s, i);
            }
        }
        return t;
    }

    static void windowOf(long[] totals, long[] out) {
        java.util.Arrays.fill(out, 0);
        for (int c = 0; c < NC; c++) {
            for (int sc = 0; sc < NS; sc++) {
                out[W_CDN + sc] += totals[CDN_FETCH + c * NS + sc];
            }
            out[W_REVALIDATION] += totals[REVALIDATION + c];
        }
        for (int k = 0; k < NK; k++) {
            out[W_OTHER + k] += totals[OTHER + k];
        }
        out[W_BACKEND] += totals[BACKEND_EXCHANGES];
        for (int f = 0; f < NF; f++) {
            out[W_UPSTREAM] += totals[UPSTREAM + f];
        }
    }

    /**
     * An immutable snapshot of every counter. Never blocks recording or the ticker: it reads the
     * published window state (one volatile read; the closed buckets' counts are shared with it,
     * not copied), sums the stripes that were ever written to, and derives the current bucket.
     */
    public GuardSnapshotImpl snapshot() {
        Closed c = closed;
        long now = coarseNow;
        // The tables first: only the rows they list are read by the snapshot, so only those are summed
        // (a row handed out after this is not in the snapshot, as if its first record came after it).
        List<BackendTable.Entry> backendEntries = backends.entries();
        List<PopTable.Entry> popEntries = pops.entries();
        int popRows = popEntries.isEmpty() ? 0 : popEntries.get(popEntries.size() - 1).row + 1;
        int backendRows = backendEntries.isEmpty() ? 0 : backendEntries.get(backendEntries.size() - 1).row + 1;
        long[] totals = sumStripes(popBase + popRows, backendRows);
        long[] live = new long[W];
        windowOf(totals, live);
        for (int k = 0; k < W; k++) {
            live[k] = Math.max(0, live[k] - c.opening[k]);
        }
        WindowImpl window = new WindowImpl(bucketMillis, windowBuckets, c.start, live, c.chunks, c.head);
        CacheExpiry exp = GuardSnapshotImpl.EMPTY_EXPIRY;
        if (expiry != null) {
            try {
                exp = expiry.snapshot(now);
            } catch (RuntimeException e) {
                if (!expiryFailureLogged) {
                    expiryFailureLogged = true;
                    log.warn("expiry tracking failed to snapshot; reporting no expiry counts", e);
                }
            }
        }
        GuardSnapshotImpl snap = new GuardSnapshotImpl(this, now, startMillis, totals, window, exp, backendEntries,
                popEntries, lastSnapshot);
        lastSnapshot = snap;
        return snap;
    }

    /**
     * The window's per-bucket counts computed the straightforward way from the ring and the live
     * totals ({@code [bucket * W + cell]}, bucket 0 current): the reference {@link #snapshot}'s
     * window is tested against. For tests; call when no rotation is running.
     */
    long[] scanWindowCounts() {
        long[] live = new long[W];
        windowOf(sumStripes(), live);
        long h = head;
        long[] perBucket = new long[windowBuckets * W];
        for (int i = 0; i < windowBuckets; i++) {
            int upper = i == 0 ? -1 : (int) Math.floorMod(h - i + 1, (long) windowBuckets);
            int lower = (int) Math.floorMod(h - i, (long) windowBuckets);
            for (int c = 0; c < W; c++) {
                long hi = upper < 0 ? live[c] : ring[upper * W + c];
                perBucket[i * W + c] = Math.max(0, hi - ring[lower * W + c]);
            }
        }
        return perBucket;
    }

    /** The owner of owned stripe {@code slot}, or {@code null}: for tests. */
    Thread owner(int slot) {
        return owners.get(slot);
    }

    /** Owned stripes (as many shared ones again): for tests and sizing. */
    public int stripes() {
        return owned.length;
    }

    /** Approximate heap bytes of the striped cells and the ring (excluding tables and the expiry tracker). */
    public long footprintBytes() {
        return (long) stripes.length * (16 + 8L * stripes[0].length) + 16 + 8L * ring.length;
    }
}
