package io.cdnguard.internal;

import io.cdnguard.CacheExpiry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Expiring cache age counts: a timing wheel of counts plus a fixed-size hashed table of recently
 * fetched assets. Memory is fixed at construction whatever the number of distinct assets.
 *
 * <p>Each CDN fetch with a freshness lifetime stores one entry in a table of {@code tableSize}
 * longs, at an index taken from the asset's hash; the entry packs a 30-bit tag (other bits of the
 * hash) with the copy's expiry, in {@value #SLOT_MILLIS} ms slots since {@code startMillis}. The
 * wheel is a ring of per-slot counts: how many tracked copies expire in each slot. A refetch of the
 * same asset cancels its previous expiry (decrements that slot, wherever it is: still in the future,
 * in the grace period, or already overdue) and schedules the new one. Slots behind the present are
 * the overdue part of the same ring: once a slot's end plus the grace period has passed, its count
 * is added to {@link CacheExpiry#dueTotal()} and the copies left in it are overdue until refetched
 * or, after the look-back ({@link #lookbackMillis()}, 24 h to 48 h, about 42 h by default), forgotten:
 * an asset that was not requested for that long may simply no longer be in use.
 *
 * <p>Expiries beyond the wheel's future horizon (24 h plus one hour of margin) are stored in the
 * table like any other and counted as "beyond horizon"; the evaluation side scans the table
 * incrementally (the whole table once an hour) and moves each of them into the wheel before it
 * comes within 24 h, so long lifetimes (up to 100 years; longer are clamped) are tracked for
 * overdue like short ones. While no entry is beyond the horizon (no lifetime over a day) the scan
 * is skipped, its cursor moving on as if it had run.
 *
 * <p><b>Accuracy traded for fixed memory.</b>
 * <ul>
 *   <li>Times are rounded to {@value #SLOT_MILLIS} ms slots: an expiring count may include copies up
 *   to one slot beyond the horizon; a copy comes due up to one slot after its expiry plus grace; the
 *   oldest overdue age is a lower bound, exact to one slot.</li>
 *   <li>Collisions: two assets whose hashes pick the same table entry evict each other. The evicted
 *   asset's expected expiry is cancelled (the entry holds it, so the counts stay exact for what the
 *   table holds), so it can never show as a false overdue; instead it is no longer tracked: it will
 *   not come due, and its next fetch is not counted as a refetch. If {@code n} other distinct
 *   assets are fetched between a copy's fetch and its due time, it survives with probability about
 *   {@code exp(-n / tableSize)}; for {@code n} well below {@code tableSize} the share lost is about
 *   {@code n / tableSize} (10,000 assets in the default 65,536 entries: about 14%). An origin the
 *   CDN stopped reaching sees no fetches, so nothing evicts the copies that then fall overdue. Due and refetched counts lose the
 *   same share, so their ratio stays about right; absolute counts under-state. Evictions are
 *   counted ({@link ExpirySnapshot#evictedTotal()}).</li>
 *   <li>Two different assets with the same index and the same 30-bit tag are mistaken for one
 *   another: probability about {@code 2^-30} per collision.</li>
 *   <li>A fetch of an asset whose copy was forgotten still counts as a (late) refetch if its entry
 *   was not reused since.</li>
 * </ul>
 *
 * <p><b>Memory</b>, fixed at construction: 8 bytes per table entry, plus one ring of 8-byte counts
 * per stripe (up to 4 stripes, fewer on fewer processors), plus a ring of 4-byte counts and a ring
 * of 4-byte in-block prefix sums on the evaluation side (the snapshot's cache, below). The ring is
 * the smallest power of two of slots covering the 25 h ahead, the grace period, 24 h of look-back
 * and a one-hour gap, so 16,384 slots of {@value #SLOT_MILLIS} ms (128 KiB per stripe) unless the
 * grace exceeds about 18 h. The default 65,536-entry table with 4 stripes holds about 1.01 MiB
 * ({@link #memoryBytes()}).
 *
 * <p><b>Snapshot cost.</b> A snapshot does not scan the ring. The evaluation side keeps a cache of
 * every slot's summed count and of the sums per block of 64 slots; a recorder that changes a slot
 * flags its block (and its stripe) as dirty, and a snapshot re-reads only the flagged blocks. It
 * then brings prefix sums up to date (within each changed block, 64 additions; across the {@code
 * ringSize / 64} blocks, one pass if any block changed), so each figure is the difference of two
 * prefix sums: O(1) per range (the oldest overdue slot: a binary search on such sums). With a few
 * fetches per evaluation period that is a few hundred reads instead of the ring times the stripes,
 * and nothing at all when no slot changed.
 *
 * <p><b>Thread-safety.</b> {@link #onFetch} may be called by any number of threads at once; it is
 * lock-free (one {@code getAndSet} on the table entry, none when a volatile read finds the entry
 * already holding the value it would write, a same-slot refetch; or a compare-and-set loop that retries only
 * when another thread changed that same entry, plus {@code getAndAdd} on counters) and
 * allocation-free (it touches only preallocated {@code long[]}s through {@link VarHandle}s), and it
 * never throws: every input is clamped (negative or huge lifetimes, times before the start, time
 * going backwards or absurdly far ahead) and every array index is masked. {@link #advance} and
 * {@link #snapshot} are serialised by a lock among themselves (evaluation side only; they never
 * block {@code onFetch}).
 *
 * <p><b>Implementation notes.</b>
 * <ul>
 *   <li>{@code table}: written by {@code onFetch} with {@code getAndSet} (a new lifetime) or {@code
 *   compareAndSet} (removal for an uncacheable response, which only ever removes the same asset's
 *   entry); by the evaluation side with {@code compareAndSet} (promotion of beyond-horizon entries,
 *   the {@code WHEEL} bit). Whoever takes the old value out of an entry atomically owns undoing its
 *   count, so each count is undone exactly once.</li>
 *   <li>{@code stripes}: one {@code long[]} per stripe (the stripe is picked by the recording thread's
 *   id), holding the ring of slot counts and the scalar counters (refetched, late refetched, beyond
 *   horizon, evicted), padded so that two stripes never share a cache line. Written with {@code
 *   getAndAdd} by any thread, and with {@code getAndSet(0)} by the evaluation side when it clears a
 *   slot; readers sum the stripes. A count is added in one stripe and may be cancelled in another,
 *   so one stripe's cell may be negative; sums are exact once the writers are quiet, and a sum read
 *   during recording may be off by the few fetches in flight (reads are clamped at 0).</li>
 *   <li>{@code base}, {@code tail}, {@code dueMark} (volatile): written only by the evaluation side
 *   under {@code lock}, read by {@code onFetch}. {@code base} is the current slot: a recorder never
 *   writes a slot before {@code base} or after {@code base + AHEAD}; those head slots are cleared
 *   before {@code base} is published. {@code tail} is the oldest remembered slot: a recorder
 *   decrements a slot only if it is not older. Slots older than {@code tail} are cleared, and
 *   cleared again (discarding a racing decrement) when their ring position comes back as a head
 *   slot, after at least one hour of dead gap. A recording thread suspended between reading these
 *   and its {@code getAndAdd} for longer than that gap (or, for a lifetime shorter than the grace,
 *   while the due mark passes its slot) may leave one count misplaced: tolerated, reads clamp.</li>
 *   <li>{@code dueTotal}, {@code forgottenTotal}, {@code lastRel}, {@code scanCursor}: evaluation
 *   side only, under {@code lock}; {@code dueTotal} and {@code forgottenTotal} are volatile for
 *   readers.</li>
 *   <li>Dirty flags (after each stripe's scalars: one summary flag, then one flag per block of 64
 *   slots): a recorder, after its {@code getAndAdd} on a slot, reads the block's flag ({@code
 *   getVolatile}, a plain load on x86) and only if it is 0 sets it and then the summary flag ({@code
 *   setVolatile}); so the extra cost on the record path is one load per slot touched, and a store
 *   at most once per block per snapshot. The evaluation side clears a flag with {@code getAndSet(0)}
 *   before it re-reads the block (sequentially consistent on both sides: a count whose flag a
 *   recorder found already set is seen by the snapshot that clears that flag). A recorder suspended
 *   between its add and its flag leaves the add unread until a later snapshot, like any fetch in
 *   flight.</li>
 *   <li>{@code slotCache}, {@code blockCache}, {@code inBlockPrefix}, {@code blockPrefix} and their
 *   staleness marks: evaluation side only, under {@code lock}. Slots the evaluation side changes
 *   itself (clearing, promotion) are re-read at once; the prefix sums are rebuilt lazily, before a
 *   snapshot's sums.</li>
 * </ul>
 */
public final class ExpiryTracker {

    /** Width of one wheel slot, milliseconds. */
    static final long SLOT_MILLIS = 15_000;

    private static final long HORIZON_SLOTS = CacheExpiry.HORIZON_SECONDS[CacheExpiry.HORIZON_SECONDS.length - 1]
            * 1000 / SLOT_MILLIS;
    /** The table is scanned once per this many slots (one hour) to promote beyond-horizon entries. */
    private static final long SCAN_PERIOD_SLOTS = 3_600_000 / SLOT_MILLIS;
    /** Slots ahead of the current one a recorder may write: the horizon plus a scan period. */
    static final long AHEAD = HORIZON_SLOTS + SCAN_PERIOD_SLOTS + 1;
    private static final long MIN_LOOKBACK_SLOTS = 86_400_000 / SLOT_MILLIS;
    private static final long MAX_LOOKBACK_SLOTS = 2 * MIN_LOOKBACK_SLOTS;
    private static final long MIN_GAP_SLOTS = 3_600_000 / SLOT_MILLIS;
    /** Grace periods are clamped to this (7 days) to bound the ring. */
    static final long MAX_GRACE_MILLIS = 7L * 86_400_000;
    static final long MAX_TTL_SECONDS = 100L * 365 * 86_400;

    private static final long SLOT_MASK = 0xFFFF_FFFFL;
    private static final long MAX_SLOT = SLOT_MASK;
    private static final long MAX_REL = (MAX_SLOT - AHEAD - 1) * SLOT_MILLIS;
    private static final long WHEEL = 1L << 32;
    private static final long TAG_MASK = ~((1L << 33) - 1);
    private static final long TAG_LOW = 1L << 33;

    /** Padding (in longs) before and after each stripe's cells: 128 bytes, two cache lines. */
    private static final int PAD = 16;
    private static final int REFETCHED = 0;
    private static final int LATE = 1;
    private static final int BEYOND = 2;
    private static final int EVICTED = 3;
    private static final int SCALARS = 4;
    private static final int MAX_STRIPES = 4;
    /** Slots per block of the snapshot's cache: {@code 1 << BLOCK_SHIFT}. */
    static final int BLOCK_SHIFT = 6;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] table;
    private final int tableMask;
    private final long[][] stripes;
    private final int stripeMask;
    private final int ringMask;
    private final int scalarBase;
    /** Index in each stripe of its "some block is dirty" flag; the block flags follow it. */
    private final int dirtyBase;
    private final long startMillis;
    private final long graceMillis;
    private final long lookbackSlots;
    private final int scanChunk;

    private final Object lock = new Object();
    private volatile long base;
    private volatile long tail;
    private volatile long dueMark;
    private volatile long dueTotal;
    private volatile long forgottenTotal;
    private long lastRel;
    private int scanCursor;
    /** Evaluation side (under lock): the clamped sum of each ring slot as last read. */
    private final int[] slotCache;
    /** Evaluation side (under lock): the sum of {@code slotCache} over each block. */
    private final long[] blockCache;
    /**
     * Evaluation side (under lock): per slot, the sum of {@code slotCache} from its block's first
     * slot through it; rebuilt for the blocks listed in {@code staleBlocks} before a snapshot's sums.
     * Valid only in blocks whose total fits an {@code int} (any real block: a count is a table
     * entry); others are summed slot by slot.
     */
    private final int[] inBlockPrefix;
    /** Evaluation side (under lock): {@code blockPrefix[j]} = the sum of {@code blockCache[0..j)}; entry {@code blocks} is the total. */
    private final long[] blockPrefix;
    /** Evaluation side (under lock): blocks whose {@code inBlockPrefix} is stale, listed once each. */
    private final boolean[] blockStale;
    private final int[] staleBlocks;
    private int staleCount;
    /** Evaluation side (under lock): whether {@code blockPrefix} is stale. */
    private boolean blockPrefixStale;
    /** Evaluation side (under lock): the stripes {@link #refreshBlock} reads (see {@link #markRead}). */
    private long[][] read = new long[0][];

    /**
     * @param tableSize slots in the asset table (rounded up to a power of two, at least 16)
     * @param graceMillis how long after expiry a copy counts as due (clamped to 7 days)
     * @param startMillis the guard's start time
     * @throws IllegalArgumentException if {@code tableSize} is below 1 or above 2^30, or {@code graceMillis} is negative
     */
    public ExpiryTracker(int tableSize, long graceMillis, long startMillis) {
        this(tableSize, graceMillis, startMillis, defaultStripes());
    }

    ExpiryTracker(int tableSize, long graceMillis, long startMillis, int stripeCount) {
        if (tableSize < 1 || tableSize > (1 << 30)) {
            throw new IllegalArgumentException("tableSize must be 1..2^30: " + tableSize);
        }
        if (graceMillis < 0) {
            throw new IllegalArgumentException("graceMillis must not be negative: " + graceMillis);
        }
        if (stripeCount < 1 || stripeCount > 64) {
            throw new IllegalArgumentException("stripeCount must be 1..64: " + stripeCount);
        }
        int size = Math.max(16, ceilPow2(tableSize));
        this.table = new long[size];
        this.tableMask = size - 1;
        this.startMillis = startMillis;
        this.graceMillis = Math.min(graceMillis, MAX_GRACE_MILLIS);
        long graceSlots = (this.graceMillis + SLOT_MILLIS - 1) / SLOT_MILLIS;
        int ring = ceilPow2((int) (AHEAD + graceSlots + 2 + MIN_LOOKBACK_SLOTS + MIN_GAP_SLOTS));
        this.ringMask = ring - 1;
        this.lookbackSlots = Math.min(MAX_LOOKBACK_SLOTS, ring - AHEAD - graceSlots - 2 - MIN_GAP_SLOTS);
        int sc = ceilPow2(stripeCount);
        int blocks = ring >>> BLOCK_SHIFT;
        this.stripes = new long[sc][PAD + ring + SCALARS + 1 + blocks + PAD];
        this.stripeMask = sc - 1;
        this.scalarBase = PAD + ring;
        this.dirtyBase = scalarBase + SCALARS;
        this.slotCache = new int[ring];
        this.blockCache = new long[blocks];
        this.inBlockPrefix = new int[ring];
        this.blockPrefix = new long[blocks + 1];
        this.blockStale = new boolean[blocks];
        this.staleBlocks = new int[blocks];
        this.scanChunk = (int) ((size + SCAN_PERIOD_SLOTS - 1) / SCAN_PERIOD_SLOTS);
        long d = Math.floorDiv(-this.graceMillis, SLOT_MILLIS);
        this.dueMark = d;
        this.tail = d - lookbackSlots;
        this.base = 0;
    }

    private static int defaultStripes() {
        return Math.min(MAX_STRIPES, ceilPow2(Runtime.getRuntime().availableProcessors()));
    }

    private static int ceilPow2(int n) {
        return n <= 1 ? 1 : Integer.highestOneBit(n - 1) << 1;
    }

    /**
     * Hot path: a CDN fetch of asset {@code assetHash} whose response is fresh for {@code ttlSeconds}.
     * A lifetime of 0 (revalidate every time) or below (not cacheable) removes the asset's entry,
     * counting a refetch if it had one. Lock-free, allocation-free, never throws.
     *
     * @param assetHash a hash of the asset's key (it is mixed again here, so a weak hash is fine)
     * @param ttlSeconds the shared-cache freshness lifetime, seconds; clamped to 100 years
     * @param nowMillis the coarse current time (as the engine's tick last set it)
     */
    public void onFetch(long assetHash, long ttlSeconds, long nowMillis) {
        // Mixed again although a PathHash is already well mixed: the table's index and tag come
        // from these bits, so mixing once fewer would move every asset in the table and change
        // which assets collide (measured: the April 4 backtest's overdue count moves by 2).
        long h = PathHash.mix64(assetHash);
        int idx = (int) h & tableMask;
        long tagBits = (h & TAG_MASK) | TAG_LOW;
        long b = base;
        long old;
        long entry;
        if (ttlSeconds > 0) {
            long ttlMillis = Math.min(ttlSeconds, MAX_TTL_SECONDS) * 1000;
            long s = (relative(nowMillis) + ttlMillis) / SLOT_MILLIS;
            if (s < b) {
                s = b; // a stale clock must never write behind the live part of the ring
            }
            if (s > MAX_SLOT) {
                s = MAX_SLOT;
            }
            entry = tagBits | s | (s <= b + AHEAD ? WHEEL : 0);
            old = (long) LONGS.getVolatile(table, idx);
            if (old == entry) {
                // The same asset fetched again within the same slot (several edges or POPs fetching
                // a popular asset at once): the entry stays as it is, and taking it out and putting
                // it back would add -1 and +1 to the same count. Linearised at this read, as a
                // getAndSet that wrote back the value it found; only the refetch is counted.
                long[] st = stripe();
                add(st, scalarBase + REFETCHED, 1L);
                if ((old & WHEEL) != 0 && (old & SLOT_MASK) < dueMark) {
                    add(st, scalarBase + LATE, 1L);
                }
                return;
            }
            old = (long) LONGS.getAndSet(table, idx, entry);
        } else {
            entry = 0;
            old = (long) LONGS.getVolatile(table, idx);
            while (old != 0 && (old & TAG_MASK) == tagBits) {
                if (LONGS.compareAndSet(table, idx, old, 0L)) {
                    break;
                }
                old = (long) LONGS.getVolatile(table, idx);
            }
            if (old == 0 || (old & TAG_MASK) != tagBits) {
                return; // never evict another asset for an uncacheable response
            }
        }
        long[] st = stripe();
        if (old != 0) {
            boolean live;
            long os = old & SLOT_MASK;
            if ((old & WHEEL) != 0) {
                live = os >= tail;
                if (live) {
                    add(st, PAD + ((int) os & ringMask), -1L);
                    markDirty(st, os);
                }
            } else {
                live = true;
                add(st, scalarBase + BEYOND, -1L);
            }
            if ((old & TAG_MASK) == tagBits) {
                add(st, scalarBase + REFETCHED, 1L);
                if ((old & WHEEL) != 0 && os < dueMark) {
                    add(st, scalarBase + LATE, 1L);
                }
            } else if (live) {
                add(st, scalarBase + EVICTED, 1L);
            }
        }
        if (entry != 0) {
            if ((entry & WHEEL) != 0) {
                add(st, PAD + ((int) entry & ringMask), 1L);
                markDirty(st, entry);
            } else {
                add(st, scalarBase + BEYOND, 1L);
            }
        }
    }

    /** The calling thread's stripe (by thread id: no thread-local lookup, no allocation). */
    private long[] stripe() {
        return stripes[(int) Thread.currentThread().getId() & stripeMask];
    }

    /**
     * Flags the block of slot {@code s} as changed, after its count was added to (the {@code
     * getAndAdd} comes first). Costs one plain load while the flag is already set; sets the block's
     * flag and then the stripe's summary flag the first time after a snapshot cleared them.
     */
    private void markDirty(long[] st, long s) {
        int f = dirtyBase + 1 + (((int) s & ringMask) >>> BLOCK_SHIFT);
        if ((long) LONGS.getVolatile(st, f) == 0) {
            LONGS.setVolatile(st, f, 1L);
            if ((long) LONGS.getVolatile(st, dirtyBase) == 0) {
                LONGS.setVolatile(st, dirtyBase, 1L);
            }
        }
    }

    /**
     * Evaluation side: moves the wheel to {@code nowMillis}. Counts the slots whose end plus the grace
     * period passed into {@link CacheExpiry#dueTotal()}, forgets slots older than the look-back, clears
     * the slots entering the future horizon and promotes part of the beyond-horizon entries. Time
     * going backwards is ignored (the wheel waits for it to catch up); a jump forward is elapsed time.
     * Cost: proportional to the slots moved (at most the ring) plus {@code tableSize / 240} entries
     * per slot moved. Serialised with {@link #snapshot}; never blocks {@link #onFetch}.
     */
    public void advance(long nowMillis) {
        synchronized (lock) {
            advanceLocked(nowMillis);
        }
    }

    private void advanceLocked(long nowMillis) {
        long rel = Math.max(relative(nowMillis), lastRel);
        lastRel = rel;
        long ob = base;
        long od = dueMark;
        long ot = tail;
        long nb = rel / SLOT_MILLIS;
        long nd = Math.floorDiv(rel - graceMillis, SLOT_MILLIS);
        if (nb == ob && nd == od) {
            return;
        }
        long nt = nd - lookbackSlots;
        long oldHead = ob + AHEAD;
        // 1. slots whose end + grace passed: they come due (before anything clears them).
        long due = 0;
        for (long s = Math.max(Math.max(od, ot), 0); s < nd && s <= oldHead; s++) {
            due += Math.max(0, slotSum(s));
        }
        if (due != 0) {
            dueTotal += due;
        }
        // 2. slots older than the look-back: forgotten. Publish the tail first so recorders stop decrementing.
        tail = nt;
        long forgotten = 0;
        for (long s = Math.max(ot, 0); s < nt && s <= oldHead; s++) {
            forgotten += Math.max(0, clearSlot(s));
            refreshSlot(s);
        }
        if (forgotten != 0) {
            forgottenTotal += forgotten;
        }
        // 3. slots entering the horizon: clear stray decrements left from their previous turn, before publishing base.
        long newHead = nb + AHEAD;
        long n = Math.min(newHead - oldHead, ringMask + 1L);
        for (long i = 1; i <= n; i++) {
            clearSlot(oldHead + i);
            refreshSlot(oldHead + i);
        }
        dueMark = nd;
        base = nb;
        // 4. promote part of the beyond-horizon entries (all of the table once per scan period).
        if (nb > ob) {
            long chunk = Math.min(table.length, (nb - ob) * scanChunk);
            if (scalarSum(BEYOND) != 0) {
                scan((int) chunk, nb, nd, nt);
            } else {
                // No entry is beyond the horizon (no lifetime over a day, the usual case): the scan
                // would find nothing to promote or forget; its cursor moves on as if it had run. A
                // recorder storing one right now (its count not yet added) is found on the next pass,
                // within the scan period, while its expiry is still beyond the horizon.
                scanCursor = (int) ((scanCursor + chunk) & tableMask);
            }
        }
    }

    private void scan(int count, long b, long d, long t) {
        long[] st = stripe();
        int i = scanCursor;
        long lateDue = 0;
        long forgotten = 0;
        for (int k = 0; k < count; k++, i = (i + 1) & tableMask) {
            long e = (long) LONGS.getOpaque(table, i);
            if (e == 0 || (e & WHEEL) != 0) {
                continue;
            }
            long s = e & SLOT_MASK;
            if (s > b + AHEAD) {
                continue;
            }
            if (s < t) {
                if (LONGS.compareAndSet(table, i, e, 0L)) {
                    add(st, scalarBase + BEYOND, -1L);
                    forgotten++;
                }
            } else if (LONGS.compareAndSet(table, i, e, e | WHEEL)) {
                add(st, PAD + ((int) s & ringMask), 1L);
                markRead(st);
                refreshSlot(s);
                add(st, scalarBase + BEYOND, -1L);
                if (s < d) {
                    lateDue++; // only after a jump of the clock: it came due while beyond the horizon
                }
            }
        }
        scanCursor = i;
        if (lateDue != 0) {
            dueTotal += lateDue;
        }
        if (forgotten != 0) {
            forgottenTotal += forgotten;
        }
    }

    /**
     * An immutable view as of {@code nowMillis}: first {@link #advance advances} to it (a no-op if
     * already there), then reads the counts. Cost: proportional to what changed since the last
     * snapshot, not to the ring: the slots of the blocks recorders flagged as changed are re-read
     * into a cache (64 slots, each summed over the stripes, per flagged block), then each figure is
     * summed from the cache's per-block totals (the ring's {@code ringSize / 64} blocks, plus the
     * slots of the partial blocks at the edges of each range). Serialised with {@link #advance};
     * never blocks {@link #onFetch}.
     */
    public CacheExpiry snapshot(long nowMillis) {
        synchronized (lock) {
            advanceLocked(nowMillis);
            refreshDirty();
            rebuildPrefixes();
            long rel = lastRel;
            long b = base;
            long d = dueMark;
            long head = b + AHEAD;
            long lo = Math.max(tail, 0);
            long[] horizons = CacheExpiry.HORIZON_SECONDS;
            long[] expiring = new long[horizons.length];
            long overdue = cachedSum(lo, Math.min(d - 1, head));
            long oldest = 0;
            if (overdue != 0) {
                long x = firstCached(lo, Math.min(d - 1, head));
                oldest = Math.max(0, rel - (x + 1) * SLOT_MILLIS);
            }
            long from = Math.max(lo, Math.max(b, d));
            // live = overdue + the grace period's slots + the horizons' + the rest up to head: each slot summed once
            long live = overdue + cachedSum(Math.max(lo, d), from - 1);
            long sum = 0;
            for (int k = 0; k < horizons.length; k++) {
                long end = Math.min(head, (rel + horizons[k] * 1000) / SLOT_MILLIS);
                if (end >= from) {
                    sum += cachedSum(from, end);
                    from = end + 1;
                }
                expiring[k] = sum;
            }
            live += sum + cachedSum(from, head);
            long beyond = Math.max(0, scalarSum(BEYOND));
            // Every tracked copy is one table entry, so more than the table cannot be tracked. A
            // recorder that read the ring's base just before a clock jump longer than the horizon
            // can add its +1 to a ring slot the wheel has already cleared and reused; that stray
            // count drains when the slot comes due, and until then the figure is capped here.
            // (Seen only under stress with hour-long jumps every few milliseconds: issue 8 notes.)
            long tracked = Math.min(live + beyond, table.length);
            return new ExpirySnapshot(expiring, overdue, oldest, dueTotal, Math.max(0, scalarSum(REFETCHED)),
                    Math.max(0, scalarSum(LATE)), tracked, beyond, Math.max(0, scalarSum(EVICTED)),
                    forgottenTotal);
        }
    }

    /**
     * Re-reads into the cache every block some stripe flagged since the last call. A stripe's
     * summary flag and each block flag are cleared (an atomic {@code getAndSet}) before the block's
     * slots are read: a recorder sets the flag after its {@code getAndAdd}, so a count either is
     * read here or leaves its flag set for the next snapshot. A stripe joins {@link #read} in the
     * same step that clears its summary flag, before any of its blocks is re-read: a stripe not yet
     * in {@code read} still has its summary flag set for every count it holds, so a block re-read
     * without it (for another stripe's flag) is re-read again, with it, when its own flags are seen.
     */
    private void refreshDirty() {
        int blocks = blockCache.length;
        for (long[] st : stripes) {
            if ((long) LONGS.getVolatile(st, dirtyBase) == 0 || (long) LONGS.getAndSet(st, dirtyBase, 0L) == 0) {
                continue;
            }
            markRead(st); // before its blocks are re-read: its slots count from now on
            for (int j = 0; j < blocks; j++) {
                int f = dirtyBase + 1 + j;
                if ((long) LONGS.getVolatile(st, f) != 0 && (long) LONGS.getAndSet(st, f, 0L) != 0) {
                    refreshBlock(j);
                }
            }
        }
    }

    /**
     * Adds a stripe to those {@link #refreshBlock} reads: a stripe is read from the first time its
     * summary flag is cleared by {@link #refreshDirty} or the evaluation side adds to it. Until then
     * every count it holds still has its flags set (a recorder flags its block and the summary after
     * each add, and only {@code refreshDirty} clears them, marking the stripe first), so leaving it
     * out loses no count; on two cores with one recording thread, half the reads.
     */
    private void markRead(long[] st) {
        for (long[] r : read) {
            if (r == st) {
                return;
            }
        }
        long[][] n = java.util.Arrays.copyOf(read, read.length + 1);
        n[read.length] = st;
        read = n;
    }

    private void refreshBlock(int j) {
        int first = j << BLOCK_SHIFT;
        long total = 0;
        long[][] sts = read;
        for (int i = first; i < first + (1 << BLOCK_SHIFT); i++) {
            long c = 0;
            for (long[] st : sts) {
                c += (long) LONGS.getVolatile(st, PAD + i);
            }
            c = Math.max(0, Math.min(c, Integer.MAX_VALUE));
            slotCache[i] = (int) c;
            total += c;
        }
        blockCache[j] = total;
        markStale(j);
    }

    /** Re-reads one slot into the cache (evaluation side, after it changed the slot itself). */
    private void refreshSlot(long s) {
        int i = (int) s & ringMask;
        long c = Math.max(0, Math.min(slotSum(s), Integer.MAX_VALUE));
        if (c != slotCache[i]) {
            blockCache[i >>> BLOCK_SHIFT] += c - slotCache[i];
            slotCache[i] = (int) c;
            markStale(i >>> BLOCK_SHIFT);
        }
    }

    private void markStale(int j) {
        if (!blockStale[j]) {
            blockStale[j] = true;
            staleBlocks[staleCount++] = j;
        }
        blockPrefixStale = true;
    }

    /**
     * Brings the prefix sums up to date with {@code slotCache} and {@code blockCache}: 64 additions
     * per block that changed since the last call, plus one pass over the blocks if any did.
     */
    private void rebuildPrefixes() {
        for (int n = 0; n < staleCount; n++) {
            int j = staleBlocks[n];
            blockStale[j] = false;
            if (blockCache[j] > Integer.MAX_VALUE) {
                continue; // summed slot by slot (inBlock)
            }
            int first = j << BLOCK_SHIFT;
            int sum = 0; // at most the block's total: no overflow
            for (int i = first; i < first + (1 << BLOCK_SHIFT); i++) {
                sum += slotCache[i];
                inBlockPrefix[i] = sum;
            }
        }
        staleCount = 0;
        if (blockPrefixStale) {
            blockPrefixStale = false;
            long sum = 0;
            for (int j = 0; j < blockCache.length; j++) {
                blockPrefix[j] = sum;
                sum += blockCache[j];
            }
            blockPrefix[blockCache.length] = sum;
        }
    }

    /** The cached sum of ring positions {@code 0..p} ({@code p} from -1 to the ring's last position); prefixes must be current. */
    private long prefix(int p) {
        return p < 0 ? 0 : blockPrefix[p >>> BLOCK_SHIFT] + inBlock(p);
    }

    /** The cached sum of ring positions from {@code p}'s block's first through {@code p}; prefixes must be current. */
    private long inBlock(int p) {
        int b = p >>> BLOCK_SHIFT;
        if (blockCache[b] <= Integer.MAX_VALUE) {
            return inBlockPrefix[p];
        }
        long sum = 0;
        for (int i = b << BLOCK_SHIFT; i <= p; i++) {
            sum += slotCache[i];
        }
        return sum;
    }

    /**
     * Sum of the cached (clamped) counts of slots {@code from..to} (absolute, inclusive; a range longer
     * than the ring counts each position once per turn), in O(1) from the prefix sums, which must be
     * current ({@link #rebuildPrefixes}).
     */
    private long cachedSum(long from, long to) {
        if (to < from) {
            return 0;
        }
        long ring = ringMask + 1L;
        long sum = 0;
        long turns = (to - from + 1) / ring;
        if (turns > 0) {
            sum = turns * blockPrefix[blockCache.length];
            from += turns * ring;
            if (from > to) {
                return sum;
            }
        }
        int i = (int) from & ringMask;
        int j = (int) to & ringMask;
        // a range that wraps (i > j) adds the whole ring: by a mask, not a branch, because the
        // wrap is rare and C2 compiles a branch it has not seen taken as a trap (the snapshot's
        // code was compiled again after each one)
        long wrap = blockPrefix[blockCache.length] & ((long) (j - i) >> 63);
        return sum + wrap + prefix(j) - prefix(i - 1);
    }

    /**
     * The first slot in {@code from..to} (a range shorter than the ring) whose cached count is
     * positive ({@code to + 1} if none); prefixes must be current. Counts are clamped at 0, so the
     * sum over {@code from..x} is positive exactly from that slot on: a binary search on {@link
     * #cachedSum} (O(1) each) finds it in O(log range) steps instead of a walk over the blocks.
     */
    private long firstCached(long from, long to) {
        if (to < from || cachedSum(from, to) == 0) {
            return Math.max(from, to + 1);
        }
        long lo = from;
        long hi = to; // invariant: the first positive slot is in lo..hi
        while (lo < hi) {
            long mid = lo + ((hi - lo) >>> 1);
            if (cachedSum(from, mid) > 0) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * The same view as {@link #snapshot} computed the straightforward way, by one pass over the
     * ring's live slots (reading every stripe): the reference the cached snapshot is tested against.
     */
    CacheExpiry scanSnapshot(long nowMillis) {
        synchronized (lock) {
            advanceLocked(nowMillis);
            long rel = lastRel;
            long b = base;
            long d = dueMark;
            long t = tail;
            long head = b + AHEAD;
            long[] horizons = CacheExpiry.HORIZON_SECONDS;
            long[] ends = new long[horizons.length];
            for (int k = 0; k < horizons.length; k++) {
                ends[k] = Math.min(head, (rel + horizons[k] * 1000) / SLOT_MILLIS);
            }
            long[] expiring = new long[horizons.length];
            long overdue = 0;
            long oldest = 0;
            long live = 0;
            for (long x = Math.max(t, 0); x <= head; x++) {
                long c = Math.max(0, slotSum(x));
                if (c == 0) {
                    continue;
                }
                live += c;
                if (x < d) {
                    if (overdue == 0) {
                        oldest = Math.max(0, rel - (x + 1) * SLOT_MILLIS);
                    }
                    overdue += c;
                } else if (x >= b) {
                    for (int k = 0; k < ends.length; k++) {
                        if (x <= ends[k]) {
                            expiring[k] += c;
                        }
                    }
                }
            }
            long beyond = Math.max(0, scalarSum(BEYOND));
            // Every tracked copy is one table entry, so more than the table cannot be tracked. A
            // recorder that read the ring's base just before a clock jump longer than the horizon
            // can add its +1 to a ring slot the wheel has already cleared and reused; that stray
            // count drains when the slot comes due, and until then the figure is capped here.
            // (Seen only under stress with hour-long jumps every few milliseconds: issue 8 notes.)
            long tracked = Math.min(live + beyond, table.length);
            return new ExpirySnapshot(expiring, overdue, oldest, dueTotal, Math.max(0, scalarSum(REFETCHED)),
                    Math.max(0, scalarSum(LATE)), tracked, beyond, Math.max(0, scalarSum(EVICTED)),
                    forgottenTotal);
        }
    }

    /** Size of the asset table, entries. */
    public int tableSize() {
        return table.length;
    }

    /** How long an overdue copy is remembered before it is forgotten, milliseconds. */
    public long lookbackMillis() {
        return lookbackSlots * SLOT_MILLIS;
    }

    /** Approximate heap held by this tracker (table, ring stripes, array headers), bytes. */
    public long memoryBytes() {
        long header = 16;
        return header + 8L * table.length + header + 4L * stripes.length
                + stripes.length * (header + 8L * stripes[0].length)
                + header + 4L * slotCache.length + header + 8L * blockCache.length
                + header + 4L * inBlockPrefix.length + header + 8L * blockPrefix.length
                + header + blockStale.length + header + 4L * staleBlocks.length;
    }

    int ringSize() {
        return ringMask + 1;
    }

    int stripeCount() {
        return stripes.length;
    }

    /** Raw sum of slot {@code s} over the stripes (may be transiently negative while recording). */
    long slotSum(long s) {
        int cell = PAD + ((int) s & ringMask);
        long sum = 0;
        for (long[] st : stripes) {
            sum += (long) LONGS.getOpaque(st, cell);
        }
        return sum;
    }

    private long scalarSum(int which) {
        long sum = 0;
        for (long[] st : stripes) {
            sum += (long) LONGS.getOpaque(st, scalarBase + which);
        }
        return sum;
    }

    /** {@code getAndAdd} with the exact access-mode type (a statement call would be a slower inexact invocation). */
    private static void add(long[] a, int i, long delta) {
        long ignored = (long) LONGS.getAndAdd(a, i, delta);
    }

    private long clearSlot(long s) {
        int cell = PAD + ((int) s & ringMask);
        long sum = 0;
        for (long[] st : stripes) {
            sum += (long) LONGS.getAndSet(st, cell, 0L);
        }
        return sum;
    }

    /**
     * Checks, when no recording is in flight, that the counts agree exactly with the table: every
     * live slot's count equals the number of entries expiring in it, and the beyond-horizon count
     * equals the entries not yet in the wheel. Returns {@code null} if so, else a description.
     */
    String checkInvariant() {
        synchronized (lock) {
            long t = tail;
            long head = base + AHEAD;
            long span = head - Math.max(t, 0) + 1;
            long[] perSlot = new long[(int) span];
            long beyond = 0;
            for (long e : table) {
                if (e == 0) {
                    continue;
                }
                long s = e & SLOT_MASK;
                if ((e & WHEEL) == 0) {
                    beyond++;
                } else if (s >= t) {
                    if (s > head) {
                        return "entry beyond head: slot " + s + " head " + head;
                    }
                    perSlot[(int) (s - Math.max(t, 0))]++;
                }
            }
            for (long s = Math.max(t, 0); s <= head; s++) {
                long c = slotSum(s);
                if (c != perSlot[(int) (s - Math.max(t, 0))]) {
                    return "slot " + s + " counts " + c + " but the table has " + perSlot[(int) (s - Math.max(t, 0))];
                }
            }
            if (scalarSum(BEYOND) != beyond) {
                return "beyond-horizon count " + scalarSum(BEYOND) + " but the table has " + beyond;
            }
            return null;
        }
    }

    /** Table entries currently tracked (in the live part of the wheel or beyond its horizon). */
    long liveEntries() {
        long t = tail;
        long n = 0;
        for (int i = 0; i < table.length; i++) {
            long e = (long) LONGS.getVolatile(table, i);
            if (e != 0 && ((e & WHEEL) == 0 || (e & SLOT_MASK) >= t)) {
                n++;
            }
        }
        return n;
    }

    private long relative(long nowMillis) {
        if (nowMillis <= startMillis) {
            return 0;
        }
        long d = nowMillis - startMillis;
        return d < 0 || d > MAX_REL ? MAX_REL : d; // d < 0: overflow of a huge difference
    }

    @Override
    public String toString() {
        return "ExpiryTracker{tableSize=" + table.length + ", ring=" + (ringMask + 1) + " x " + SLOT_MILLIS
                + " ms, stripes=" + stripes.length + ", graceMillis=" + graceMillis + ", lookbackMillis="
                + lookbackMillis() + '}';
    }
}
