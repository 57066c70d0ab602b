package io.cdnguard.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A bounded, insert-only map from backend name to a dense row number, looked up on the recording
 * path.
 *
 * <p>The expected backends get rows {@code 0..expected-1} at construction, in declaration order;
 * unknown names get the next rows as first seen, until {@code maxUnknown} rows are taken; after
 * that, {@link #rowOf} returns -1 and the caller counts an overflow. An unknown name longer than
 * 256 characters is never kept (overflow too), so the names held are bounded
 * in number and in length whatever is recorded.
 *
 * <p>Implementation notes: lookups are lock-free and allocation-free: an open-addressed table of
 * immutable {@link Entry} objects, at most half full, probed linearly from the name's (cached)
 * {@link String#hashCode()}; a slot is read with a volatile read of an {@link AtomicReferenceArray}
 * and compared by reference, then by {@link String#equals}. Insertion of a new name (at most
 * {@code maxUnknown} times in the table's life) first reserves a row by a CAS of the name into
 * {@link #reserved} (the first free row; so the cap is never exceeded), allocates one {@link Entry}
 * and publishes it with a CAS on an empty slot. Because a reservation carries its name, a thread that
 * meets a new name while another is between reserving and publishing it finds that row in
 * {@link #reserved} and uses it: two threads inserting one name at once get one row, and a name that
 * took the last row is never counted as overflow by a racing thread. A name not in the table once
 * every reserved row is published is overflow at once, without scanning the reservations.
 */
public final class BackendTable {

    /** Unknown backend names longer than this are never tracked (counted as overflow): 256 chars. */
    static final int MAX_UNKNOWN_NAME = 256;

    /** One backend: name, row, whether it was expected. Immutable. */
    public static final class Entry {
        final String name;
        final int row;
        final boolean expected;

        Entry(String name, int row, boolean expected) {
            this.name = name;
            this.row = row;
            this.expected = expected;
        }

        /** The backend's name. */
        public String name() {
            return name;
        }

        /** Its dense row number. */
        public int row() {
            return row;
        }

        /** Whether it was declared up front. */
        public boolean expected() {
            return expected;
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
    private final int expectedCount;
    private final int maxUnknown;
    /** The unknown rows' names by row - expected, set once each by a CAS from null; never cleared. */
    private final AtomicReferenceArray<String> reserved;

    /**
     * @param expected the expected names, in order (duplicates ignored)
     * @param maxUnknown how many unknown names get a row
     */
    public BackendTable(Collection<String> expected, int maxUnknown) {
        int capacity = Integer.highestOneBit(Math.max(4, 2 * (expected.size() + maxUnknown)) - 1) << 1;
        this.slots = new AtomicReferenceArray<>(capacity);
        this.mask = capacity - 1;
        this.maxUnknown = maxUnknown;
        this.reserved = new AtomicReferenceArray<>(Math.max(0, maxUnknown));
        int row = 0;
        for (String name : expected) {
            if (find(name) == null) {
                publish(new Entry(name, row++, true));
            }
        }
        this.expectedCount = row;
    }

    /** Rows the table may hand out: expected plus unknown. */
    public int rows() {
        return expectedCount + maxUnknown;
    }

    /**
     * The row of {@code name}, registering it as unknown if it is new and the cap allows; -1 if the
     * cap is reached. Lock-free; allocation-free unless the name is new.
     */
    public int rowOf(String name) {
        int h = spread(name.hashCode());
        for (int i = 0; i <= mask; i++) {
            int idx = (h + i) & mask;
            Entry e = slots.get(idx);
            if (e == null) {
                return insert(name, idx);
            }
            if (e.name == name || e.name.equals(name)) {
                return e.row;
            }
        }
        return -1;
    }

    private int insert(String name, int fromIdx) {
        if (name.length() > MAX_UNKNOWN_NAME) {
            return -1; // an absurd name is counted as overflow, never kept
        }
        if (published.get() - expectedCount >= maxUnknown) {
            // every row reserved and published: the name is among them (published since this thread
            // probed) or it is overflow; no reservation can be in flight
            Entry e = find(name);
            return e == null ? -1 : e.row;
        }
        int r = reserve(name);
        if (r < 0) {
            return -1;
        }
        Entry mine = new Entry(name, expectedCount + r, false);
        for (int i = 0; i <= mask; i++) {
            int idx = (fromIdx + i) & mask;
            if (slots.compareAndSet(idx, null, mine)) {
                published.incrementAndGet();
                return mine.row;
            }
            Entry e = slots.get(idx);
            if (e.name.equals(name)) {
                return e.row; // a thread racing on the same name published the same row first
            }
        }
        return -1; // unreachable: the table is never more than half full
    }

    /**
     * The unknown row (0-based) reserved for {@code name}: the one another thread reserved for it, or
     * the first free one; -1 when every row belongs to another name.
     */
    int reserve(String name) { // package-private for BackendTableTest
        for (int r = 0; r < maxUnknown; r++) {
            String owner = reserved.get(r);
            if (owner == null) {
                if (reserved.compareAndSet(r, null, name)) {
                    return r;
                }
                owner = reserved.get(r);
            }
            if (owner.equals(name)) {
                return r;
            }
        }
        return -1;
    }

    private Entry find(String name) {
        int h = spread(name.hashCode());
        for (int i = 0; i <= mask; i++) {
            Entry e = slots.get((h + i) & mask);
            if (e == null) {
                return null;
            }
            if (e.name.equals(name)) {
                return e;
            }
        }
        return null;
    }

    private void publish(Entry entry) {
        int h = spread(entry.name.hashCode());
        for (int i = 0; i <= mask; i++) {
            if (slots.compareAndSet((h + i) & mask, null, entry)) {
                published.incrementAndGet();
                return;
            }
        }
        throw new IllegalStateException("backend table full");
    }

    /**
     * Every entry, by row (expected first in declaration order, then unknown as first seen):
     * unmodifiable, and the same list again until an entry is added.
     */
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

    static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
