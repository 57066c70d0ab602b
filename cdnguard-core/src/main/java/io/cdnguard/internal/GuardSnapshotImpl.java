package io.cdnguard.internal;

import io.cdnguard.BackendStats;
import io.cdnguard.CacheExpiry;
import io.cdnguard.Cdn;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HistogramSnapshot;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import io.cdnguard.RollingWindow;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The immutable {@link GuardSnapshot} taken by {@link Counters#snapshot()}: the summed stripe cells
 * plus the derived window, histograms, tables and expiry view. Built off the recording path; it
 * allocates freely. The histograms are built on first use (a volatile field each: two threads may
 * both build one, equal either way), so a snapshot taken for the checks does not pay for them.
 */
public final class GuardSnapshotImpl implements GuardSnapshot {

    /** The expiry view used when no tracker is configured (or it failed). */
    static final CacheExpiry EMPTY_EXPIRY = new CacheExpiry() {
        @Override
        public long expiringWithin(int h) {
            return 0;
        }

        @Override
        public long overdue() {
            return 0;
        }

        @Override
        public long oldestOverdueMillis() {
            return 0;
        }

        @Override
        public long dueTotal() {
            return 0;
        }

        @Override
        public long refetchedTotal() {
            return 0;
        }

        @Override
        public long tracked() {
            return 0;
        }
    };

    private final long timeMillis;
    private final long startMillis;
    private final long[] t;
    private final RollingWindow window;
    private final CacheExpiry expiry;
    /** Built on first use (most snapshots are taken for checks that read no histogram); racy but idempotent. */
    private volatile HistogramSnapshot latency;
    private volatile HistogramSnapshot freshness;
    private final List<BackendStats> backends;
    private final List<PopStats> pops;
    /** The table listings the two lists above were built from (to share them with the next snapshot). */
    private final List<BackendTable.Entry> backendEntries;
    private final List<PopTable.Entry> popEntries;

    GuardSnapshotImpl(Counters counters, long timeMillis, long startMillis, long[] totals, RollingWindow window,
            CacheExpiry expiry, List<BackendTable.Entry> backendEntries, List<PopTable.Entry> popEntries) {
        this(counters, timeMillis, startMillis, totals, window, expiry, backendEntries, popEntries, null);
    }

    /**
     * As above; when {@code previous} (an earlier snapshot of the same counters, or {@code null}) was
     * built from the same table listings (the same list instances: nothing was added since) and its
     * rows hold the same counts, its immutable backend and POP lists are shared instead of rebuilt:
     * the usual case between two evaluations when few records arrive.
     */
    GuardSnapshotImpl(Counters counters, long timeMillis, long startMillis, long[] totals, RollingWindow window,
            CacheExpiry expiry, List<BackendTable.Entry> backendEntries, List<PopTable.Entry> popEntries,
            GuardSnapshotImpl previous) {
        this.timeMillis = timeMillis;
        this.startMillis = startMillis;
        this.t = totals;
        this.window = window;
        this.expiry = expiry;
        this.backendEntries = backendEntries;
        this.popEntries = popEntries;
        if (previous != null && previous.backendEntries == backendEntries
                && sameBackendRows(previous.t, totals, backendEntries, counters.backendBase)) {
            this.backends = previous.backends; // its Backend objects read previous.t: equal in these rows
        } else {
            List<BackendStats> b = new ArrayList<>(backendEntries.size());
            for (int i = 0; i < backendEntries.size(); i++) { // indexed: the listings are random-access
                BackendTable.Entry e = backendEntries.get(i);
                b.add(new Backend(e.name, e.expected, totals, counters.backendBase + e.row * Counters.ROW));
            }
            this.backends = Collections.unmodifiableList(b);
        }
        if (previous != null && previous.popEntries == popEntries && samePopRows(previous.t, totals, popEntries, counters.popBase)) {
            this.pops = previous.pops;
        } else {
            List<PopStats> p = new ArrayList<>(popEntries.size());
            for (int i = 0; i < popEntries.size(); i++) {
                PopTable.Entry e = popEntries.get(i);
                p.add(new Pop(Counters.CDNS[e.cdn], e.name, totals[counters.popBase + e.row]));
            }
            this.pops = Collections.unmodifiableList(p);
        }
    }

    private static boolean sameBackendRows(long[] a, long[] b, List<BackendTable.Entry> entries, int base) {
        for (int i = 0; i < entries.size(); i++) {
            int o = base + entries.get(i).row * Counters.ROW;
            for (int k = o; k < o + Counters.ROW; k++) {
                if (a[k] != b[k]) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean samePopRows(long[] a, long[] b, List<PopTable.Entry> entries, int base) {
        for (int i = 0; i < entries.size(); i++) {
            int row = entries.get(i).row;
            if (a[base + row] != b[base + row]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long timeMillis() {
        return timeMillis;
    }

    @Override
    public long startMillis() {
        return startMillis;
    }

    @Override
    public long cdnFetches() {
        long s = 0;
        for (int i = 0; i < Counters.NC * Counters.NS; i++) {
            s += t[Counters.CDN_FETCH + i];
        }
        return s;
    }

    @Override
    public long cdnFetches(Cdn cdn) {
        long s = 0;
        for (int sc = 0; sc < Counters.NS; sc++) {
            s += t[Counters.CDN_FETCH + cdn.ordinal() * Counters.NS + sc];
        }
        return s;
    }

    @Override
    public long cdnFetches(Cdn cdn, StatusClass statusClass) {
        return t[Counters.CDN_FETCH + cdn.ordinal() * Counters.NS + statusClass.ordinal()];
    }

    @Override
    public long revalidations(Cdn cdn) {
        return t[Counters.REVALIDATION + cdn.ordinal()];
    }

    @Override
    public long otherRequests(RequestKind kind) {
        return kind == RequestKind.CDN ? cdnFetches() : t[Counters.OTHER + kind.ordinal()];
    }

    @Override
    public long aborted() {
        return t[Counters.ABORTED];
    }

    @Override
    public long invalid() {
        return t[Counters.INVALID];
    }

    @Override
    public long cdnBytes() {
        return t[Counters.BYTES];
    }

    @Override
    public long upstreamFailures(UpstreamFailure kind) {
        return t[Counters.UPSTREAM + kind.ordinal()];
    }

    @Override
    public long upstreamFailures() {
        long s = 0;
        for (int f = 0; f < Counters.NF; f++) {
            s += t[Counters.UPSTREAM + f];
        }
        return s;
    }

    /** Exchanges that named a backend or an upstream failure since start (the lifetime of {@link RollingWindow#backendExchanges}). */
    public long backendExchanges() {
        return t[Counters.BACKEND_EXCHANGES];
    }

    @Override
    public HistogramSnapshot latency() {
        HistogramSnapshot h = latency;
        if (h == null) {
            h = Histograms.latency(
                    Arrays.copyOfRange(t, Counters.LATENCY, Counters.LATENCY + Histograms.LATENCY_BUCKETS),
                    t[Counters.LATENCY_SUM]);
            latency = h;
        }
        return h;
    }

    @Override
    public HistogramSnapshot freshness() {
        HistogramSnapshot h = freshness;
        if (h == null) {
            h = Histograms.ttl(Arrays.copyOfRange(t, Counters.TTL, Counters.TTL + Histograms.TTL_BUCKETS),
                    t[Counters.TTL_SUM]);
            freshness = h;
        }
        return h;
    }

    @Override
    public List<BackendStats> backends() {
        return backends;
    }

    @Override
    public long unknownBackendOverflow() {
        return t[Counters.BACKEND_OVERFLOW];
    }

    @Override
    public List<PopStats> pops() {
        return pops;
    }

    @Override
    public long popOverflow() {
        return t[Counters.POP_OVERFLOW];
    }

    @Override
    public CacheExpiry expiry() {
        return expiry;
    }

    @Override
    public RollingWindow window() {
        return window;
    }

    @Override
    public String toString() {
        return "GuardSnapshot{time=" + timeMillis + ", cdnFetches=" + cdnFetches() + ", invalid=" + invalid()
                + ", upstreamFailures=" + upstreamFailures() + ", " + window + '}';
    }

    private static final class Backend implements BackendStats {
        private final String name;
        private final boolean expected;
        private final long[] totals; // the snapshot's, shared: never written after construction
        private final int base;

        Backend(String name, boolean expected, long[] totals, int base) {
            this.name = name;
            this.expected = expected;
            this.totals = totals;
            this.base = base;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public boolean expected() {
            return expected;
        }

        @Override
        public long exchanges() {
            return totals[base];
        }

        @Override
        public long failures(UpstreamFailure kind) {
            return totals[base + 1 + kind.ordinal()];
        }

        @Override
        public long failures() {
            long s = 0;
            for (int f = 0; f < Counters.NF; f++) {
                s += totals[base + 1 + f];
            }
            return s;
        }

        @Override
        public String toString() {
            return "Backend{" + name + (expected ? ", expected" : "") + ", exchanges=" + exchanges() + ", failures=" + failures() + '}';
        }
    }

    private static final class Pop implements PopStats {
        private final Cdn cdn;
        private final String pop;
        private final long fetches;

        Pop(Cdn cdn, String pop, long fetches) {
            this.cdn = cdn;
            this.pop = pop;
            this.fetches = fetches;
        }

        @Override
        public Cdn cdn() {
            return cdn;
        }

        @Override
        public String pop() {
            return pop;
        }

        @Override
        public long fetches() {
            return fetches;
        }

        @Override
        public String toString() {
            return cdn.label() + '/' + pop + '=' + fetches;
        }
    }
}
