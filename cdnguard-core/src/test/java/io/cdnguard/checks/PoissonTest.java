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
}
