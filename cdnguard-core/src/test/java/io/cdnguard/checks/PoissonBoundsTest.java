package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The shortcuts of the detectors' evidence tests must give exactly what the full computation gives:
 * {@link Poisson#deficitEvidenceAtLeast} the same boolean as comparing {@link
 * Poisson#deficitEvidence} with the threshold (also at thresholds equal to the evidence itself and
 * one ulp either side), and {@link Poisson#deficitEvidenceUpper} never below the evidence.
 */
class PoissonBoundsTest {

    private static long[] counts() {
        long[] k = new long[260];
        for (int i = 0; i < 240; i++) {
            k[i] = i;
        }
        long[] big = {255, 256, 257, 300, 500, 1000, 2500, 5000, 10_000, 50_000, 100_000, 1_000_000, -1, -5000, 7000, 33_333,
            400, 640, 999, 12_345};
        System.arraycopy(big, 0, k, 240, big.length);
        return k;
    }

    private static double[] means() {
        double[] m = new double[75];
        for (int i = 0; i < 70; i++) {
            m[i] = 0.01 * Math.pow(10, i / 10.0); // 0.01 .. 1e5, ten per decade
        }
        m[70] = 0;
        m[71] = -1;
        m[72] = Double.NaN;
        m[73] = Double.POSITIVE_INFINITY;
        m[74] = 4.5;
        return m;
    }

    @Test
    void deficitEvidenceAtLeast_sameAsComparingTheEvidence_everywhereOnTheGrid() {
        double[] thresholds = {0.5, 3, 4 - 1e-9, 4, 6, 16, 17, 20, 100};
        int checked = 0;
        int shortcutRange = 0;
        for (long k : counts()) {
            for (double mean : means()) {
                double e = Poisson.deficitEvidence(k, mean);
                for (double nats : thresholds) {
                    assertThat(Poisson.deficitEvidenceAtLeast(k, mean, nats)).as("k=%d mean=%s nats=%s (evidence %s)", k, mean, nats, e)
                        .isEqualTo(e >= nats);
                    checked++;
                }
                if (e > 0) { // at the evidence itself and one ulp either side
                    for (double nats : new double[] {e, Math.nextUp(e), Math.nextDown(e)}) {
                        assertThat(Poisson.deficitEvidenceAtLeast(k, mean, nats)).as("k=%d mean=%s nats=%s", k, mean, nats)
                            .isEqualTo(e >= nats);
                    }
                }
                if (k > 0 && k < mean) {
                    shortcutRange++;
                }
            }
        }
        assertThat(checked).isGreaterThan(100_000);
        assertThat(shortcutRange).as("pairs where the bounds apply").isGreaterThan(5_000);
    }

    @Test
    void deficitEvidenceUpper_neverBelowTheEvidence() {
        int tight = 0;
        for (long k : counts()) {
            for (double mean : means()) {
                double e = Poisson.deficitEvidence(k, mean);
                double u = Poisson.deficitEvidenceUpper(k, mean);
                assertThat(u).as("k=%d mean=%s", k, mean).isGreaterThanOrEqualTo(e);
                if (k > 0 && k < 0.2 * mean && u - e < 0.25) {
                    tight++; // well below the mean the k-th term dominates: the bound is within ln 1.25
                }
            }
        }
        assertThat(tight).isGreaterThan(1_000);
    }
}
