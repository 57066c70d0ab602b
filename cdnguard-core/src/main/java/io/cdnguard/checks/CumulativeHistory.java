package io.cdnguard.checks;

/**
 * A ring of timestamped samples of running totals, for look-back windows: a window's count is the
 * running total now minus the one in the newest sample at or before the window's start.
 *
 * <p>Each sample holds {@code columns} longs (one per running total the caller keeps). The caller
 * {@link #push pushes} a sample and fills its columns with {@link #set}; {@link #at} finds the sample
 * for a window's start by binary search, and {@link #get} reads a column of it. When full, the oldest
 * sample is overwritten. Preallocated; nothing allocates after construction.
 *
 * <p>Not thread-safe: owned by one detector on the evaluation thread.
 */
final class CumulativeHistory {

    private final int capacity;
    private final int columns;
    private final long[] t;
    private final long[] v;
    private int head;
    private int size;

    CumulativeHistory(int capacity, int columns) {
        if (capacity < 1 || columns < 0) {
            throw new IllegalArgumentException("capacity must be at least 1 and columns not negative: " + capacity + ", " + columns);
        }
        this.capacity = capacity;
        this.columns = columns;
        this.t = new long[capacity];
        this.v = new long[capacity * columns];
    }

    /** How many samples are held. */
    int size() {
        return size;
    }

    /** Forgets every sample (after a clock discontinuity). */
    void clear() {
        head = 0;
        size = 0;
    }

    private int idx(int i) {
        int j = head + i; // head and i are both below the capacity: one subtraction instead of a division
        return j >= capacity ? j - capacity : j;
    }

    /** The slot of the oldest sample; the ring must not be empty. */
    int oldest() {
        return idx(0);
    }

    /** The time of the newest sample, or {@link Long#MIN_VALUE} when empty. */
    long newestTime() {
        return size == 0 ? Long.MIN_VALUE : t[idx(size - 1)];
    }

    /** The time of the sample in {@code slot}. */
    long time(int slot) {
        return t[slot];
    }

    /**
     * The slot of the newest sample taken at or before {@code time}, or -1 when every sample is newer
     * (or there is none). Sample times never decrease (the detectors push in time order and clear
     * the history when their clock steps back), so the answer is the last position whose time is at
     * most {@code time}: its position is first guessed from the average spacing (exact when samples
     * are regular, as on an evaluation period) and confirmed with its neighbour, which is O(1); a
     * wrong guess falls back to the binary search.
     */
    int at(long time) {
        if (size == 0 || t[idx(0)] > time) {
            return -1;
        }
        int last = size - 1;
        long newest = t[idx(last)];
        if (newest <= time) {
            return idx(last);
        }
        long span = newest - t[idx(0)]; // > 0: t[idx(0)] <= time < newest
        int g = (int) (last - (double) (newest - time) * last / span);
        if (g >= 0 && g < last && t[idx(g)] <= time && t[idx(g + 1)] > time) {
            return idx(g);
        }
        int lo = 0;
        int hi = last;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (t[idx(mid)] <= time) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return idx(lo);
    }

    /** Like {@link #at}, but the oldest sample when every sample is newer; the ring must not be empty. */
    int atOrOldest(long time) {
        int s = at(time);
        return s < 0 ? idx(0) : s;
    }

    /**
     * Appends a sample at {@code now} (overwriting the oldest when full) and returns its slot; the
     * caller fills its columns with {@link #set}. The columns keep whatever the overwritten sample
     * held until set.
     */
    int push(long now) {
        int s;
        if (size < capacity) {
            s = idx(size++);
        } else {
            s = head;
            head = (head + 1) % capacity;
        }
        t[s] = now;
        return s;
    }

    /** Sets column {@code column} of the sample in {@code slot}. */
    void set(int slot, int column, long value) {
        v[slot * columns + column] = value;
    }

    /** Copies {@code n} values from {@code src} into columns {@code column..column+n-1} of {@code slot}. */
    void set(int slot, int column, long[] src, int n) {
        System.arraycopy(src, 0, v, slot * columns + column, n);
    }

    /** Column {@code column} of the sample in {@code slot}. */
    long get(int slot, int column) {
        return v[slot * columns + column];
    }
}
