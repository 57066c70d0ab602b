package io.cdnguard;

/**
 * An immutable histogram with fixed log-scale bucket bounds, shared by every histogram of the same
 * kind so that histograms merge by adding counts.
 *
 * <p>Bucket {@code i} counts values {@code v} with {@code upperBound(i-1) < v <= upperBound(i)};
 * the last bucket's bound is {@code +Inf}.
 */
public interface HistogramSnapshot {

    /** Number of buckets, the last one unbounded. */
    int bucketCount();

    /** Inclusive upper bound of bucket {@code i} in the histogram's unit; {@code +Inf} for the last. */
    double upperBound(int i);

    /** Count in bucket {@code i} (not cumulative). */
    long count(int i);

    /** Total number of values. */
    long count();

    /** Sum of values, in the histogram's unit. */
    double sum();

    /** Estimated value at quantile {@code q} (0..1), from the bucket bounds; 0 if empty. */
    double quantile(double q);
}
