package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class PoissonTest {

    /** ln P(X <= k) by plain summation of the pmf, for moderate means. */
    private static double naiveLnCdf(long k, double mean) {
        double p = Math.exp(-mean);
        double sum = p;
        for (long j = 1; j <= k; j++) {
            p *= mean / j;
            sum += p;
        }
        return Math.log(sum);
    }

    @Test
    void lnCdf_matchesDirectSummation() {
        for (double mean : new double[] {0.1, 1, 2.5, 10, 40, 120}) {
            for (long k = 0; k <= 3 * mean + 5; k++) {
                assertThat(Poisson.lnCdf(k, mean)).as("k=%d mean=%s", k, mean)
                        .isCloseTo(naiveLnCdf(k, mean), within(1e-9 + 1e-9 * Math.abs(naiveLnCdf(k, mean))));
            }
        }
    }

    @Test
    void deficitEvidence_zeroCount_isTheMean() {
        assertThat(Poisson.deficitEvidence(0, 10.7)).isCloseTo(10.7, within(1e-12));
        assertThat(Poisson.deficitEvidence(0, 17)).isCloseTo(17, within(1e-12));
    }

    @Test
    void deficitEvidence_largeMean_followsTheChernoffRate() {
        double mean = 100_000;
        long k = 60_000; // a drop to 60%
        double rate = mean * (1 - 0.6 + 0.6 * Math.log(0.6));
        double ev = Poisson.deficitEvidence(k, mean);
        // -ln P = rate + 0.5 ln(2 pi k) + ln(1 - rho) to leading order
        assertThat(ev).isBetween(rate, rate + 0.5 * Math.log(2 * Math.PI * k) + 1);
    }

    @Test
    void deficitEvidence_isMonotoneAndNeverNegative() {
        double prev = Double.MAX_VALUE;
        for (long k = 0; k <= 60; k++) {
            double ev = Poisson.deficitEvidence(k, 20);
            assertThat(ev).isGreaterThanOrEqualTo(0).isLessThanOrEqualTo(prev);
            prev = ev;
        }
        assertThat(Poisson.deficitEvidence(5, 0)).isZero();
        assertThat(Poisson.deficitEvidence(5, Double.NaN)).isZero();
        assertThat(Poisson.deficitEvidence(-3, 4)).isCloseTo(4, within(1e-12));
    }

    @Test
    void lnFactorial_stirlingAgreesWithTheTable() {
        double s = 0;
        for (int n = 1; n <= 400; n++) {
            s += Math.log(n);
            assertThat(Poisson.lnFactorial(n)).as("n=%d", n).isCloseTo(s, within(1e-9 * s));
        }
    }

    @Test
    void zeroShareEvidence_isMinusNLogOneMinusP() {
        assertThat(Poisson.zeroShareEvidence(50, 0.3)).isCloseTo(-50 * Math.log(0.7), within(1e-12));
        assertThat(Poisson.zeroShareEvidence(0, 0.3)).isZero();
        assertThat(Poisson.zeroShareEvidence(10, 0)).isZero();
    }

    @Test
    void lnChoose_matchesPascalsTriangle_andIsZeroAtTheEdges() {
        // C(n, m) built by addition (exact in a double up to n = 60), against the log-factorial form
        double[][] c = new double[61][61];
        for (int n = 0; n <= 60; n++) {
            c[n][0] = 1;
            for (int m = 1; m <= n; m++) {
                c[n][m] = c[n - 1][m - 1] + (m <= n - 1 ? c[n - 1][m] : 0);
            }
        }
        for (int n = 1; n <= 60; n++) {
            for (int m = 1; m < n; m++) {
                assertThat(Poisson.lnChoose(n, m)).as("ln C(%d, %d)", n, m).isCloseTo(Math.log(c[n][m]), within(1e-9));
            }
        }
        assertThat(Poisson.lnChoose(35, 0)).isZero();
        assertThat(Poisson.lnChoose(35, 35)).isZero();
        assertThat(Poisson.lnChoose(3, 7)).isZero();
        // the price of pooling 12 of 35 edges after looking: more than the 17-nat share threshold
        assertThat(Poisson.lnChoose(35, 12)).isGreaterThan(17);
        // and of naming 3 of 10 POPs: a few nats, which a real POP outage pays in minutes
        assertThat(Poisson.lnChoose(10, 3)).isCloseTo(Math.log(120), within(1e-12));
    }
    /** -ln P(X <= k) for X ~ Binomial(n, p), by summing the pmf in log space. */
    private static double binomialDeficit(long k, long n, double p) {
        double max = Double.NEGATIVE_INFINITY;
        double[] t = new double[(int) k + 1];
        for (int j = 0; j <= k; j++) {
            t[j] = Poisson.lnChoose(n, j) + j * Math.log(p) + (n - j) * Math.log1p(-p);
            max = Math.max(max, t[j]);
        }
        double sum = 0;
        for (double v : t) {
            sum += Math.exp(v - max);
        }
        return -(max + Math.log(sum));
    }

    @Test
    void binomialDeficitBound_neverAboveTheExactBinomialTail() {
        for (long n : new long[] {1, 10, 57, 200, 1000}) {
            for (double p : new double[] {0.01, 0.1, 0.3, 0.45, 0.6, 0.9}) {
                for (long k = 0; k <= n * p; k++) {
                    double bound = Poisson.binomialDeficitBound(k, n, p);
                    assertThat(bound).as("n=%d p=%s k=%d", n, p, k).isLessThanOrEqualTo(binomialDeficit(k, n, p) + 1e-9)
                            .isGreaterThanOrEqualTo(0);
                }
            }
        }
    }

    @Test
    void binomialDeficitBound_zeroCountIsExact_andAboveThePoissonTailForALargeShare() {
        assertThat(Poisson.binomialDeficitBound(0, 50, 0.45)).isCloseTo(Poisson.zeroShareEvidence(50, 0.45), within(1e-12));
        // a 45 % pool at zero out of 100: the binomial says 59.8 nats, the Poisson of the same mean 45
        assertThat(Poisson.binomialDeficitBound(0, 100, 0.45)).isGreaterThan(Poisson.deficitEvidence(0, 45) + 14);
        // a pool at or above its share: no evidence
        assertThat(Poisson.binomialDeficitBound(45, 100, 0.45)).isZero();
        assertThat(Poisson.binomialDeficitBound(60, 100, 0.45)).isZero();
    }

    @Test
    void binomialDeficitBound_oddInput_neverThrows() {
        assertThat(Poisson.binomialDeficitBound(0, 0, 0.5)).isZero();
        assertThat(Poisson.binomialDeficitBound(3, -5, 0.5)).isZero();
        assertThat(Poisson.binomialDeficitBound(-1, 10, 0.5)).isZero();
        assertThat(Poisson.binomialDeficitBound(0, 10, Double.NaN)).isZero();
        assertThat(Poisson.binomialDeficitBound(0, 10, 1.0)).isInfinite();
        assertThat(Poisson.binomialDeficitBound(10, 10, 1.0)).isZero();
        assertThat(Poisson.binomialDeficitBound(0, Long.MAX_VALUE, 0.5)).isPositive();
    }
}
