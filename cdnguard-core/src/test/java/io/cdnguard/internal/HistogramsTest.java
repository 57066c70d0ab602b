package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.cdnguard.HistogramSnapshot;
import org.junit.jupiter.api.Test;

class HistogramsTest {

    @Test
    void latencyIndex_boundsAreInclusiveUpperBounds() {
        assertThat(Histograms.latencyIndex(-1)).isZero();
        assertThat(Histograms.latencyIndex(100_000)).isZero();
        assertThat(Histograms.latencyIndex(100_001)).isEqualTo(1);
        assertThat(Histograms.latencyIndex(1_000_000_000)).isEqualTo(12);
        assertThat(Histograms.latencyIndex(60_000_000_000L)).isEqualTo(Histograms.LATENCY_BUCKETS - 2);
        assertThat(Histograms.latencyIndex(Long.MAX_VALUE)).isEqualTo(Histograms.LATENCY_BUCKETS - 1);
    }

    @Test
    void ttlIndex_zeroGoesToFirstBucketAndAYearToTheLastBounded() {
        assertThat(Histograms.ttlIndex(0)).isZero();
        assertThat(Histograms.ttlIndex(3600)).isEqualTo(8);
        assertThat(Histograms.ttlIndex(3601)).isEqualTo(9);
        assertThat(Histograms.ttlIndex(31_536_000L)).isEqualTo(Histograms.TTL_BUCKETS - 2);
        assertThat(Histograms.ttlIndex(31_536_001L)).isEqualTo(Histograms.TTL_BUCKETS - 1);
    }

    @Test
    void upperBounds_areCleanSecondsAndEndInInfinity() {
        HistogramSnapshot h = Histograms.latency(new long[Histograms.LATENCY_BUCKETS], 0);
        assertThat(h.upperBound(0)).isEqualTo(1e-4);
        assertThat(h.upperBound(1)).isEqualTo(2.5e-4);
        assertThat(Double.toString(h.upperBound(4))).isEqualTo("0.0025");
        assertThat(h.upperBound(h.bucketCount() - 2)).isEqualTo(60.0);
        assertThat(h.upperBound(h.bucketCount() - 1)).isInfinite();
        HistogramSnapshot t = Histograms.ttl(new long[Histograms.TTL_BUCKETS], 0);
        assertThat(t.upperBound(8)).isEqualTo(3600.0);
        assertThat(t.upperBound(t.bucketCount() - 1)).isInfinite();
    }

    @Test
    void quantile_interpolatesInsideTheBucket() {
        long[] counts = new long[Histograms.LATENCY_BUCKETS];
        counts[3] = 100; // (0.5 ms, 1 ms]
        HistogramSnapshot h = Histograms.latency(counts, 75_000_000L);
        assertThat(h.count()).isEqualTo(100);
        assertThat(h.sum()).isCloseTo(0.075, offset(1e-12));
        assertThat(h.quantile(0.5)).isCloseTo(0.00075, offset(1e-12));
        assertThat(h.quantile(1.0)).isCloseTo(0.001, offset(1e-12));
        assertThat(h.quantile(0.0)).isCloseTo(0.0005, offset(1e-12));
    }

    @Test
    void quantile_emptyIsZeroAndInfBucketReturnsLargestFiniteBound() {
        assertThat(Histograms.latency(new long[Histograms.LATENCY_BUCKETS], 0).quantile(0.99)).isZero();
        long[] counts = new long[Histograms.LATENCY_BUCKETS];
        counts[Histograms.LATENCY_BUCKETS - 1] = 3;
        assertThat(Histograms.latency(counts, 0).quantile(0.5)).isEqualTo(60.0);
    }

    @Test
    void merge_addsCountsAndSums_andRejectsOtherBounds() {
        long[] a = new long[Histograms.LATENCY_BUCKETS];
        long[] b = new long[Histograms.LATENCY_BUCKETS];
        a[2] = 5;
        b[2] = 1;
        b[7] = 4;
        HistogramSnapshot m = Histograms.merge(Histograms.latency(a, 1_000_000_000L), Histograms.latency(b, 500_000_000L));
        assertThat(m.count(2)).isEqualTo(6);
        assertThat(m.count(7)).isEqualTo(4);
        assertThat(m.count()).isEqualTo(10);
        assertThat(m.sum()).isCloseTo(1.5, offset(1e-12));
        assertThatThrownBy(() -> Histograms.merge(Histograms.latency(a, 0), Histograms.ttl(new long[Histograms.TTL_BUCKETS], 0)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
