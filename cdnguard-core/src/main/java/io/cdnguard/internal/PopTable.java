package io.cdnguard.internal;

import io.cdnguard.Cdn;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, insert-only map from (CDN, POP code) to a dense row number, looked up on the recording
 * path. At most {@code maxPops} distinct POPs get a row; later ones are reported as -1 (the caller
 * counts an overflow). Memory is fixed at construction.
 *
 * <p>Implementation notes: lock-free and allocation-free on lookup: an open-addressed table, at most
 * half full, of immutable {@link Entry} objects keyed by the packed {@link CdnRecognizer#popCode}
 * (a {@code long}, so no text is built per request) and the CDN ordinal, probed linearly and read
 * with volatile reads of an {@link AtomicReferenceArray}. A new POP reserves a row with a CAS on
 * {@link #used}, allocates its entry and name once, and publishes it with a CAS on an empty slot.
 * Looser guarantee: two threads adding the same new POP at once both reserve a row; the loser's row
 * stays unused.
 */
public final class PopTable {

    /** One POP. Immutable. */
    public static final class Entry {
        final int cdn;
        final long code;
        final int row;
        final String name;

        Entry(int cdn, long code, int row, String name) {
            this.cdn = cdn;
            this.code = code;
            this.row = row;
            this.name = name;
        }

        /** The CDN. */
        public Cdn cdn() {
            return Counters.CDNS[cdn];
        }

        /** The POP's text. */
        public String name() {
            return name;
        }

        /** Its dense row number. */
        public int row() {
            return row;
        }
    }

    private final AtomicReferenceArray<Entry> slots;
    /** Entries published so far (incremented after the CAS that publishes one); read by {@link #entries}. */
    private final AtomicInteger published = new AtomicInteger();
    /** The last {@link #entries} result and the published count it was built at; evaluation side. */
    private volatile Listing listing;

    /** An immutable list of entries as of a published count. */
    private static final class Listing {
        final int count;
        final List<Entry> entries;

        Listing(int count, List<Entry> entries) {
            this.count = count;
            this.entries = entries;
        }
    }
    private final int mask;
    private final int max;
    /** Rows reserved so far; only ever increases, CAS-guarded, capped at max. */
    private final AtomicInteger used = new AtomicInteger();

    /** @param maxPops how many distinct POPs get a row */
    public PopTable(int maxPops) {
        int capacity = Integer.highestOneBit(Math.max(4, 2 * maxPops) - 1) << 1;
        this.slots = new AtomicReferenceArray<>(capacity);
        this.mask = capacity - 1;
        this.max = maxPops;
    }

    /** The row of the POP, registering it if new and the cap allows; -1 otherwise. Lock-free. */
    public int rowOf(int cdn, long code) {
        int h = (int) PathHash.mix64(code * 31 + cdn);
        for (int i = 0; i <= mask; i++) {
            int idx = (h + i) & mask;
            Entry e = slots.get(idx);
            if (e == null) {
                return insert(cdn, code, idx);
            }
            if (e.code == code && e.cdn == cdn) {
                return e.row;
            }
        }
        return -1;
    }

    private int insert(int cdn, long code, int fromIdx) {
        int reserved;
        do {
            reserved = used.get();
            if (reserved >= max) {
                return -1;
            }
        } while (!used.compareAndSet(reserved, reserved + 1));
        Entry mine = new Entry(cdn, code, reserved, CdnRecognizer.popName(code));
        for (int i = 0; i <= mask; i++) {
            int idx = (fromIdx + i) & mask;
            if (slots.compareAndSet(idx, null, mine)) {
                published.incrementAndGet();
                return mine.row;
            }
            Entry e = slots.get(idx);
            if (e.code == code && e.cdn == cdn) {
                return e.row;
            }
        }
        return -1;
    }

    /** Every entry, by row (first seen first): unmodifiable, and the same list again until an entry is added. */
    public List<Entry> entries() {
        int count = published.get();
        Listing l = listing;
        if (l != null && l.count == count) {
            return l.entries; // nothing published since: the same immutable list
        }
        List<Entry> list = new ArrayList<>();
        for (int i = 0; i <= mask; i++) {
            Entry e = slots.get(i);
            if (e != null) {
                list.add(e);
            }
        }
        list.sort(Comparator.comparingInt(e -> e.row));
        List<Entry> result = Collections.unmodifiableList(list);
        listing = new Listing(count, result);
        return result;
    }
}
