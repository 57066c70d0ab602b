package io.cdnguard.testing;

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
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A simple settable {@link GuardSnapshot} for unit tests of checks and renderers. Not thread-safe;
 * set it up, then hand it over. Test fixture, shipped in the test-jar.
 */
public final class FakeSnapshot implements GuardSnapshot {

    private long timeMillis;
    private long startMillis;
    private final long[][] cdnFetches = new long[Cdn.values().length][StatusClass.values().length];
    private final long[] revalidations = new long[Cdn.values().length];
    private final long[] other = new long[RequestKind.values().length];
    private long aborted;
    private long invalid;
    private long cdnBytes;
    private final long[] upstream = new long[UpstreamFailure.values().length];
    private Histogram latency = new Histogram(new double[] {0.005, 0.01, 0.1, 1, 10});
    private Histogram freshness = new Histogram(new double[] {1, 60, 3600, 86400});
    private final List<BackendStats> backends = new ArrayList<>();
    private long overflow;
    private final List<PopStats> pops = new ArrayList<>();
    private long popOverflow;
    private CacheExpiry expiry = new Expiry();
    private RuntimeException expiryFailure;
    private final Window window;

    /** A snapshot at {@code timeMillis}, started at the same time, with a window of 360 buckets of 10 s. */
    public FakeSnapshot(long timeMillis) {
        this(timeMillis, 10_000, 360);
    }

    /** A snapshot at {@code timeMillis} with a window of {@code buckets} buckets of {@code bucketMillis}. */
    public FakeSnapshot(long timeMillis, long bucketMillis, int buckets) {
        this.timeMillis = timeMillis;
        this.startMillis = timeMillis;
        this.window = new Window(bucketMillis, buckets, timeMillis - timeMillis % bucketMillis);
    }

    /** Sets the lifetime CDN fetch count of one CDN and status class. */
    public FakeSnapshot cdnFetches(Cdn cdn, StatusClass sc, long n) {
        cdnFetches[cdn.ordinal()][sc.ordinal()] = n;
        return this;
    }

    /** Sets the revalidation count of one CDN. */
    public FakeSnapshot revalidations(Cdn cdn, long n) {
        revalidations[cdn.ordinal()] = n;
        return this;
    }

    /** Sets the count of one non-CDN kind. */
    public FakeSnapshot otherRequests(RequestKind kind, long n) {
        other[kind.ordinal()] = n;
        return this;
    }

    /** Sets aborted, invalid and CDN bytes. */
    public FakeSnapshot misc(long aborted, long invalid, long cdnBytes) {
        this.aborted = aborted;
        this.invalid = invalid;
        this.cdnBytes = cdnBytes;
        return this;
    }

    /** Sets the lifetime upstream failure count of one kind. */
    public FakeSnapshot upstreamFailures(UpstreamFailure kind, long n) {
        upstream[kind.ordinal()] = n;
        return this;
    }

    /** Adds a backend. */
    public FakeSnapshot backend(String name, boolean expected, long exchanges, Map<UpstreamFailure, Long> failures) {
        Map<UpstreamFailure, Long> copy = new EnumMap<>(UpstreamFailure.class);
        copy.putAll(failures);
        backends.add(new Backend(name, expected, exchanges, copy));
        return this;
    }

    /** Sets the unknown-backend overflow. */
    public FakeSnapshot unknownBackendOverflow(long n) {
        overflow = n;
        return this;
    }

    /** Adds a POP. */
    public FakeSnapshot pop(Cdn cdn, String pop, long fetches) {
        pops.add(new Pop(cdn, pop, fetches));
        return this;
    }

    /** Sets the POP overflow. */
    public FakeSnapshot popOverflow(long n) {
        popOverflow = n;
        return this;
    }

    /** Sets the latency histogram. */
    public FakeSnapshot latency(Histogram h) {
        latency = h;
        return this;
    }

    /** Sets the freshness histogram. */
    public FakeSnapshot freshness(Histogram h) {
        freshness = h;
        return this;
    }

    /** Sets the expiry view. */
    public FakeSnapshot expiry(Expiry e) {
        expiry = e;
        return this;
    }

    /** Makes {@link #expiry()} throw {@code e} (as the engine's stub did). */
    public FakeSnapshot expiryThrows(RuntimeException e) {
        expiryFailure = e;
        return this;
    }

    /** Sets the start time. */
    public FakeSnapshot startMillis(long t) {
        startMillis = t;
        return this;
    }

    /** The window, to set per-bucket counts. */
    public Window windowCounts() {
        return window;
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
        for (Cdn c : Cdn.values()) {
            s += cdnFetches(c);
        }
        return s;
    }

    @Override
    public long cdnFetches(Cdn cdn) {
        return Arrays.stream(cdnFetches[cdn.ordinal()]).sum();
    }

    @Override
    public long cdnFetches(Cdn cdn, StatusClass statusClass) {
        return cdnFetches[cdn.ordinal()][statusClass.ordinal()];
    }

    @Override
    public long revalidations(Cdn cdn) {
        return revalidations[cdn.ordinal()];
    }

    @Override
    public long otherRequests(RequestKind kind) {
        return kind == RequestKind.CDN ? cdnFetches() : other[kind.ordinal()];
    }

    @Override
    public long aborted() {
        return aborted;
    }

    @Override
    public long invalid() {
        return invalid;
    }

    @Override
    public long cdnBytes() {
        return cdnBytes;
    }

    @Override
    public long upstreamFailures(UpstreamFailure kind) {
        return upstream[kind.ordinal()];
    }

    @Override
    public long upstreamFailures() {
        return Arrays.stream(upstream).sum();
    }

    @Override
    public HistogramSnapshot latency() {
        return latency;
    }

    @Override
    public HistogramSnapshot freshness() {
        return freshness;
    }

    @Override
    public List<BackendStats> backends() {
        return backends;
    }

    @Override
    public long unknownBackendOverflow() {
        return overflow;
    }

    @Override
    public List<PopStats> pops() {
        return pops;
    }

    @Override
    public long popOverflow() {
        return popOverflow;
    }

    @Override
    public CacheExpiry expiry() {
        if (expiryFailure != null) {
            throw expiryFailure;
        }
        return expiry;
    }

    @Override
    public RollingWindow window() {
        return window;
    }

    /** A settable histogram; the last bucket is {@code +Inf}. */
    public static final class Histogram implements HistogramSnapshot {
        private final double[] bounds;
        private final long[] counts;
        private double sum;

        /** Finite bounds, ascending; a {@code +Inf} bucket is added. */
        public Histogram(double[] finiteBounds) {
            this.bounds = Arrays.copyOf(finiteBounds, finiteBounds.length + 1);
            this.bounds[finiteBounds.length] = Double.POSITIVE_INFINITY;
            this.counts = new long[bounds.length];
        }

        /** Adds a value to its bucket and the sum. */
        public Histogram add(double v) {
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) {
                    counts[i]++;
                    break;
                }
            }
            sum += v;
            return this;
        }

        @Override
        public int bucketCount() {
            return bounds.length;
        }

        @Override
        public double upperBound(int i) {
            return bounds[i];
        }

        @Override
        public long count(int i) {
            return counts[i];
        }

        @Override
        public long count() {
            return Arrays.stream(counts).sum();
        }

        @Override
        public double sum() {
            return sum;
        }

        @Override
        public double quantile(double q) {
            long total = count();
            if (total == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * total);
            long c = 0;
            for (int i = 0; i < bounds.length; i++) {
                c += counts[i];
                if (c >= rank) {
                    return i == bounds.length - 1 ? bounds[bounds.length - 2] : bounds[i];
                }
            }
            return bounds[bounds.length - 2];
        }
    }

    /** A settable expiry view. */
    public static final class Expiry implements CacheExpiry {
        private final long[] within = new long[HORIZON_SECONDS.length];
        private long overdue;
        private long oldestOverdueMillis;
        private long due;
        private long refetched;
        private long tracked;

        /** Sets the cumulative count for horizon {@code h}. */
        public Expiry within(int h, long n) {
            within[h] = n;
            return this;
        }

        /** Sets overdue, oldest overdue age, due total, refetched total and tracked. */
        public Expiry set(long overdue, long oldestOverdueMillis, long due, long refetched, long tracked) {
            this.overdue = overdue;
            this.oldestOverdueMillis = oldestOverdueMillis;
            this.due = due;
            this.refetched = refetched;
            this.tracked = tracked;
            return this;
        }

        @Override
        public long expiringWithin(int h) {
            return within[h];
        }

        @Override
        public long overdue() {
            return overdue;
        }

        @Override
        public long oldestOverdueMillis() {
            return oldestOverdueMillis;
        }

        @Override
        public long dueTotal() {
            return due;
        }

        @Override
        public long refetchedTotal() {
            return refetched;
        }

        @Override
        public long tracked() {
            return tracked;
        }
    }

    /** A settable rolling window. */
    public static final class Window implements RollingWindow {
        private final long bucketMillis;
        private final int buckets;
        private final long currentStart;
        private final long[][] cdn;
        private final long[] revalidations;
        private final long[][] other;
        private final long[] exchanges;
        private final long[] failures;

        Window(long bucketMillis, int buckets, long currentStart) {
            this.bucketMillis = bucketMillis;
            this.buckets = buckets;
            this.currentStart = currentStart;
            this.cdn = new long[buckets][StatusClass.values().length];
            this.revalidations = new long[buckets];
            this.other = new long[buckets][RequestKind.values().length];
            this.exchanges = new long[buckets];
            this.failures = new long[buckets];
        }

        /** Sets CDN fetches of one status class in bucket {@code i}. */
        public Window cdn(int i, StatusClass sc, long n) {
            cdn[i][sc.ordinal()] = n;
            return this;
        }

        /** Sets backend exchanges and upstream failures in bucket {@code i}. */
        public Window backend(int i, long exchanges, long failures) {
            this.exchanges[i] = exchanges;
            this.failures[i] = failures;
            return this;
        }

        /** Sets revalidations in bucket {@code i}. */
        public Window revalidations(int i, long n) {
            revalidations[i] = n;
            return this;
        }

        /** Sets non-CDN requests of one kind in bucket {@code i}. */
        public Window other(int i, RequestKind kind, long n) {
            other[i][kind.ordinal()] = n;
            return this;
        }

        @Override
        public long bucketMillis() {
            return bucketMillis;
        }

        @Override
        public int buckets() {
            return buckets;
        }

        @Override
        public long currentBucketStartMillis() {
            return currentStart;
        }

        @Override
        public long cdnFetches(int bucket) {
            return Arrays.stream(cdn[bucket]).sum();
        }

        @Override
        public long cdnFetches(int bucket, StatusClass statusClass) {
            return cdn[bucket][statusClass.ordinal()];
        }

        @Override
        public long revalidations(int bucket) {
            return revalidations[bucket];
        }

        @Override
        public long otherRequests(int bucket, RequestKind kind) {
            return other[bucket][kind.ordinal()];
        }

        @Override
        public long backendExchanges(int bucket) {
            return exchanges[bucket];
        }

        @Override
        public long upstreamFailures(int bucket) {
            return failures[bucket];
        }
    }

    private static final class Backend implements BackendStats {
        private final String name;
        private final boolean expected;
        private final long exchanges;
        private final Map<UpstreamFailure, Long> failures;

        Backend(String name, boolean expected, long exchanges, Map<UpstreamFailure, Long> failures) {
            this.name = name;
            this.expected = expected;
            this.exchanges = exchanges;
            this.failures = failures;
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
            return exchanges;
        }

        @Override
        public long failures(UpstreamFailure kind) {
            return failures.getOrDefault(kind, 0L);
        }

        @Override
        public long failures() {
            return failures.values().stream().mapToLong(Long::longValue).sum();
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
    }
}
