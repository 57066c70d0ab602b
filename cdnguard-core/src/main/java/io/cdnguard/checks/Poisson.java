package io.cdnguard.checks;

/**
 * Poisson tail probabilities in log space, exact at low counts, for the detection checks.
 *
 * <p>"Evidence" is {@code -ln P}, in nats: 10.7 nats is α = 2.3e-5, 16 nats about 1e-7. All methods
 * are pure, allocation-free and never throw; absurd inputs (negative or non-finite means) give zero
 * evidence.
 */
final class Poisson {

    private static final int TABLE = 256;
    private static final double[] LN_FACT = new double[TABLE];
    private static final int MAX_TERMS = 400_000;

    static {
        double s = 0;
        LN_FACT[0] = 0;
        for (int i = 1; i < TABLE; i++) {
            s += Math.log(i);
            LN_FACT[i] = s;
        }
    }

    private Poisson() {
    }

    /** {@code ln(n!)}, exact to double precision (table below 256, Stirling series above). */
    static double lnFactorial(long n) {
        if (n < 0) {
            return 0;
        }
        if (n < TABLE) {
            return LN_FACT[(int) n];
        }
        double x = n;
        double inv = 1.0 / x;
        double inv2 = inv * inv;
        return x * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI * x)
                + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260)));
    }

    /**
     * {@code ln C(n, m)}, the log of the number of ways to choose {@code m} of {@code n}: the price, in
     * nats, of picking a subset after looking at the data (a union bound over all subsets of that size).
     * 0 when {@code m <= 0} or {@code m >= n}.
     */
    static double lnChoose(long n, long m) {
        if (m <= 0 || m >= n) {
            return 0;
        }
        return lnFactorial(n) - lnFactorial(m) - lnFactorial(n - m);
    }

    /** {@code ln P(X = k)} for X ~ Poisson(mean). */
    static double lnPmf(long k, double mean) {
        if (k < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (!(mean > 0)) {
            return k == 0 ? 0 : Double.NEGATIVE_INFINITY;
        }
        return -mean + k * Math.log(mean) - lnFactorial(k);
    }

    /**
     * {@code ln P(X <= k)} for X ~ Poisson(mean): summed from the k-th term downwards when
     * {@code k < mean} (terms shrink by {@code j/mean}), as {@code ln(1 - P(X > k))} otherwise.
     */
    static double lnCdf(long k, double mean) {
        if (k < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (!(mean > 0) || Double.isInfinite(mean)) {
            return mean > 0 ? Double.NEGATIVE_INFINITY : 0;
        }
        if (k == 0) {
            return -mean; // ln P(X = 0), exactly what the sum below gives (0 * ln(mean) and ln(1) add zeros)
        }
        if (k < mean) {
            double head = lnPmf(k, mean);
            return head + Math.log(lowerTailSum(k, mean, head, Double.NEGATIVE_INFINITY));
        }
        // Upper tail P(X >= k + 1), terms shrink by mean / (j + 1).
        double head = lnPmf(k + 1, mean);
        double sum = 1;
        double term = 1;
        int n = 0;
        for (long j = k + 1; n < MAX_TERMS; j++, n++) {
            term *= mean / (j + 1);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        double lnUpper = head + Math.log(sum);
        return Math.log1p(-Math.min(Math.exp(lnUpper), 1.0));
    }

    /**
     * Slack (relative to the mean) between a lower bound and a threshold before {@link
     * #deficitEvidenceAtLeast} trusts the bound: far above the rounding error of either side (about
     * {@code 1e-16} of the mean: the bounds and the evidence share the same {@code head}).
     */
    private static final double BOUND_SLACK = 1e-9;

    /**
     * Exactly {@code deficitEvidence(k, mean) >= nats} (for {@code nats > 0}), usually without summing
     * the whole series of {@link #lnCdf}. For {@code 0 < k < mean} the evidence is {@code -(head +
     * ln(sum))} with {@code head = lnPmf(k, mean)} and {@code sum >= 1} growing term by term, so:
     * <ul>
     *   <li>{@code -head < nats}: the evidence is below (in floating point too: adding {@code
     *       ln(sum) >= 0} to {@code head} cannot round below {@code head});
     *   <li>a lower bound of the evidence at or above {@code nats} (with {@link #BOUND_SLACK}): the
     *       evidence is at or above. The bound is the larger of Chernoff's, {@code mean - k + k
     *       ln(k / mean)}, and {@code -head + ln(1 - k / mean)} (the terms of the sum shrink at least
     *       geometrically, by {@code k / mean}, so {@code sum <= 1 / (1 - k / mean)});
     *   <li>else the series is summed by {@link #lnCdf}'s own loop ({@link #lowerTailSum}), and stopped as
     *       soon as a partial sum already puts the evidence below {@code nats} (the final sum is
     *       at least the partial one, and {@link Math#log} is semi-monotonic).
     * </ul>
     */
    static boolean deficitEvidenceAtLeast(long k, double mean, double nats) {
        if (k > 0 && k < mean && mean < Double.POSITIVE_INFINITY && nats > 0) {
            double head = lnPmf(k, mean);
            if (-head < nats) {
                return false;
            }
            // Lower bounds: Chernoff's, and (each term of the sum being at most k / mean times the one
            // before) sum <= 1 / (1 - k / mean), within ln(1 / (1 - k / mean)) of -head
            double lower = Math.max(mean - k + k * Math.log(k / mean), -head + Math.log1p(-k / mean));
            if (lower >= nats + BOUND_SLACK * (1 + mean)) {
                return true;
            }
            double sum = lowerTailSum(k, mean, head, nats);
            // NaN: stopped below nats; else what deficitEvidence computes (and clamps at 0, below nats)
            return !Double.isNaN(sum) && -(head + Math.log(sum)) >= nats;
        }
        return deficitEvidence(k, mean) >= nats;
    }

    /**
     * The series of {@link #lnCdf}'s lower tail for {@code 0 < k < mean}: {@code P(X <= k) / P(X = k)
     * = 1 + k/mean + k(k-1)/mean^2 + ...}, summed from the largest term down until the terms stop
     * counting. One loop for {@link #lnCdf} and {@link #deficitEvidenceAtLeast}, so both take exactly
     * the same floating-point steps. With {@code stopBelow > -infinity} it returns NaN as soon as a
     * partial sum already puts the evidence {@code -(head + ln(sum))} below {@code stopBelow} (the
     * final sum is at least the partial one and {@link Math#log} is semi-monotonic); {@code head} is
     * {@code lnPmf(k, mean)}.
     */
    private static double lowerTailSum(long k, double mean, double head, double stopBelow) {
        boolean mayStop = stopBelow > Double.NEGATIVE_INFINITY;
        double sum = 1;
        double term = 1;
        int n = 0;
        for (long j = k; j > 0 && n < MAX_TERMS; j--, n++) {
            term *= j / mean;
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
            if (mayStop && (n & 7) == 7 && -(head + Math.log(sum)) < stopBelow) {
                return Double.NaN;
            }
        }
        return sum;
    }

    /**
     * An upper bound of {@link #deficitEvidence}{@code (k, mean)} in O(1), exact in floating point
     * (never below the value deficitEvidence returns): for {@code 0 < k < mean}, {@code -lnPmf(k,
     * mean)}, the evidence of the k-th term alone (see {@link #deficitEvidenceAtLeast}); for
     * {@code k >= mean}, a constant above ln 2; the evidence itself when it costs O(1) anyway.
     */
    static double deficitEvidenceUpper(long k, double mean) {
        if (!(mean > 0) || k <= 0) {
            return deficitEvidence(k, mean);
        }
        if (k < mean && mean < Double.POSITIVE_INFINITY) {
            return Math.max(0, -lnPmf(k, mean));
        }
        if (mean <= UPPER_TAIL_MAX_MEAN) {
            // k >= mean: the median of Poisson(mean) is below mean + 1/3 (Choi 1994), so k is at least
            // the median and P(X <= k) >= 1/2: the evidence is at most ln 2 (0.693...); the computed
            // upper tail is within far less than 1% of the true one for such means
            return UPPER_TAIL_BOUND;
        }
        return Double.POSITIVE_INFINITY;
    }

    /** An upper bound of the evidence when {@code k >= mean}: ln 2 and a wide margin for rounding. */
    private static final double UPPER_TAIL_BOUND = 0.75;
    /** The largest mean for which {@link #UPPER_TAIL_BOUND} is used (rounding of lnPmf grows with it). */
    private static final double UPPER_TAIL_MAX_MEAN = 1e9;

    /**
     * Evidence that fewer than expected arrived: {@code -ln P(X <= k)} with X ~ Poisson(mean), never
     * negative; 0 for a non-positive mean.
     */
    static double deficitEvidence(long k, double mean) {
        if (!(mean > 0)) {
            return 0;
        }
        double e = -lnCdf(Math.max(0, k), mean);
        return e > 0 ? e : 0;
    }

    /**
     * Chernoff's lower bound of the evidence that a category with share {@code p} got at most {@code
     * k} of {@code n} trials: {@code n KL(k / n || p)} (relative entropy of Bernoulli laws) when
     * {@code k < n p}, else 0. {@code P(X <= k) <= exp(-n KL)} for X ~ Binomial(n, p), so the value
     * never exceeds {@code -ln P(X <= k)}. For {@code k = 0} it is exact: {@code -n ln(1 - p)}.
     * Never throws: 0 for {@code n <= 0} or a share outside (0, 1); infinity for {@code p >= 1}
     * with {@code k < n}.
     */
    static double binomialDeficitBound(long k, long n, double p) {
        if (n <= 0 || !(p > 0) || k < 0) {
            return 0;
        }
        if (p >= 1) {
            return k < n ? Double.POSITIVE_INFINITY : 0;
        }
        double q = (double) k / n;
        if (q >= p) {
            return 0;
        }
        double kl = (q > 0 ? q * Math.log(q / p) : 0) + (1 - q) * (Math.log1p(-q) - Math.log1p(-p));
        return kl > 0 ? n * kl : 0;
    }

    /**
     * Evidence that a category with share {@code p} got nothing out of {@code n} trials:
     * {@code -n ln(1 - p)}.
     */
    static double zeroShareEvidence(long n, double p) {
        if (n <= 0 || !(p > 0)) {
            return 0;
        }
        if (p >= 1) {
            return Double.POSITIVE_INFINITY;
        }
        return -n * Math.log1p(-p);
    }
}
