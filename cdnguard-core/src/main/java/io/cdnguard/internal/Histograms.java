package io.cdnguard.internal;

import io.cdnguard.HistogramSnapshot;
import java.util.Arrays;

/**
 * The two fixed log-scale bucket layouts cdnguard records into (fetch latency and freshness
 * lifetime), and the immutable {@link HistogramSnapshot} built from their counts.
 *
 * <p>Bounds are fixed per kind and shared by every guard, so two snapshots of the same kind merge by
 * adding counts ({@link #merge}). They are chosen to print as clean Prometheus {@code le} labels: a
 * 1-2.5-5 series for latency from 100 µs to 60 s, and human cache lifetimes (1 s, 1 min, 1 h, 1 d,
 * 1 week, 30 d, 1 year) for freshness.
 *
 * <p>Implementation notes: the static bucket-index functions are pure (a scan of a small constant
 * array), so the recording path that calls them stays lock-free and allocation-free; the counts
 * themselves live in the striped cells of {@link Counters}.
 */
public final class Histograms {

    private Histograms() {
    }

    /** Latency bucket upper bounds in nanoseconds (the last bucket, beyond these, is +Inf). */
    static final long[] LATENCY_BOUNDS_NANOS = {
        100_000L, 250_000L, 500_000L,
        1_000_000L, 2_500_000L, 5_000_000L,
        10_000_000L, 25_000_000L, 50_000_000L,
        100_000_000L, 250_000_000L, 500_000_000L,
        1_000_000_000L, 2_500_000_000L, 5_000_000_000L,
        10_000_000_000L, 30_000_000_000L, 60_000_000_000L,
    };

    /** Freshness-lifetime bucket upper bounds in seconds (the last bucket, beyond these, is +Inf). */
    static final long[] TTL_BOUNDS_SECONDS = {
        1L, 5L, 15L, 30L, 60L, 300L, 900L, 1800L, 3600L, 14_400L, 43_200L, 86_400L,
        259_200L, 604_800L, 2_592_000L, 31_536_000L,
    };

    /** Latency buckets, +Inf included. */
    public static final int LATENCY_BUCKETS = LATENCY_BOUNDS_NANOS.length + 1;

    /** Freshness buckets, +Inf included. */
    public static final int TTL_BUCKETS = TTL_BOUNDS_SECONDS.length + 1;

    private static final double[] LATENCY_BOUNDS_SECONDS = toSeconds(LATENCY_BOUNDS_NANOS, 1e-9);
    private static final double[] TTL_BOUNDS = toSeconds(TTL_BOUNDS_SECONDS, 1.0);

    private static double[] toSeconds(long[] bounds, double scale) {
        double[] d = new double[bounds.length + 1];
        for (int i = 0; i < bounds.length; i++) {
            // Round to 6 significant digits so 2.5e-4 prints as 2.5E-4, not 2.4999999999999998E-4.
            d[i] = Double.parseDouble(String.format(java.util.Locale.ROOT, "%.6g", bounds[i] * scale));
        }
        d[bounds.length] = Double.POSITIVE_INFINITY;
        return d;
    }

    /** Bucket index of a latency in nanoseconds (negative values go to bucket 0). Allocation-free. */
    public static int latencyIndex(long nanos) {
        return index(LATENCY_BOUNDS_NANOS, nanos);
    }

    /** Bucket index of a freshness lifetime in seconds. Allocation-free. */
    public static int ttlIndex(long seconds) {
        return index(TTL_BOUNDS_SECONDS, seconds);
    }

    private static int index(long[] bounds, long v) {
        int i = 0;
        while (i < bounds.length && v > bounds[i]) {
            i++;
        }
        return i;
    }

    /** A latency snapshot (seconds) from bucket counts and a sum in nanoseconds. */
    public static Snapshot latency(long[] counts, long sumNanos) {
        return new Snapshot(LATENCY_BOUNDS_SECONDS, counts, sumNanos / 1e9);
    }

    /** A freshness snapshot (seconds) from bucket counts and a sum in seconds. */
    public static Snapshot ttl(long[] counts, long sumSeconds) {
        return new Snapshot(TTL_BOUNDS, counts, (double) sumSeconds);
    }

    /**
     * Adds two histograms with the same bounds.
     *
     * @throws IllegalArgumentException if the bounds differ
     */
    public static Snapshot merge(HistogramSnapshot a, HistogramSnapshot b) {
        if (a.bucketCount() != b.bucketCount()) {
            throw new IllegalArgumentException("bucket counts differ: " + a.bucketCount() + " vs " + b.bucketCount());
        }
        double[] bounds = new double[a.bucketCount()];
        long[] counts = new long[a.bucketCount()];
        for (int i = 0; i < bounds.length; i++) {
            if (Double.compare(a.upperBound(i), b.upperBound(i)) != 0) {
                throw new IllegalArgumentException("bounds differ at " + i + ": " + a.upperBound(i) + " vs " + b.upperBound(i));
            }
            bounds[i] = a.upperBound(i);
            counts[i] = a.count(i) + b.count(i);
        }
        return new Snapshot(bounds, counts, a.sum() + b.sum());
    }

    /** An immutable histogram snapshot. */
    public static final class Snapshot implements HistogramSnapshot {
        private final double[] bounds;
        private final long[] counts;
        private final long total;
        private final double sum;

        Snapshot(double[] bounds, long[] counts, double sum) {
            if (bounds.length != counts.length) {
                throw new IllegalArgumentException("bounds and counts differ in length: " + bounds.length + " vs " + counts.length);
            }
            this.bounds = bounds;
            this.counts = counts.clone();
            long t = 0;
            for (long c : this.counts) {
                t += c;
            }
            this.total = t;
            this.sum = sum;
        }

        @Override
        public int bucketCount() {
            return counts.length;
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
            return total;
        }

        @Override
        public double sum() {
            return sum;
        }

        /**
         * Linear interpolation inside the bucket holding the rank, as Prometheus'
         * {@code histogram_quantile} does; a rank in the +Inf bucket returns the largest finite bound.
         */
        @Override
        public double quantile(double q) {
            if (total == 0 || Double.isNaN(q)) {
                return 0;
            }
            double qq = Math.min(1, Math.max(0, q));
            double rank = qq * total;
            long cum = 0;
            for (int i = 0; i < counts.length; i++) {
                long c = counts[i];
                if (c > 0 && cum + c >= rank) {
                    double lower = i == 0 ? 0 : bounds[i - 1];
                    double upper = bounds[i];
                    if (Double.isInfinite(upper)) {
                        return lower;
                    }
                    double frac = c == 0 ? 1 : (rank - cum) / c;
                    return lower + (upper - lower) * Math.max(0, frac);
                }
                cum += c;
            }
            return bounds[counts.length - 2];
        }

        @Override
        public String toString() {
            return "Histogram{count=" + total + ", sum=" + sum + ", counts=" + Arrays.toString(counts) + '}';
        }
    }
}
