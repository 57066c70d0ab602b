package io.cdnguard.checks;

import io.cdnguard.CheckResult;
import io.cdnguard.HealthStatus;
import io.cdnguard.RollingWindow;
import java.time.Duration;
import java.util.Locale;

/** Shared helpers of the ratio checks. */
final class RatioWindow {

    private RatioWindow() {
    }

    /** How many buckets cover {@code windowMillis} (rounded up, at least 1, at most all). */
    static int buckets(RollingWindow w, long windowMillis) {
        long bucket = Math.max(1, w.bucketMillis());
        long n = (windowMillis + bucket - 1) / bucket;
        return (int) Math.max(1, Math.min(n, w.buckets()));
    }

    /**
     * The result of a ratio check over the last {@code n} buckets of {@code w}: UP while fewer than
     * {@code minBad} bad events were seen, else by the ratio {@code bad / max(bad, total)} (DOWN above
     * {@code downAbove}, DEGRADED above {@code degradedAbove}). Details: {@code badKey}, {@code
     * totalKey}, {@code ratio}, {@code windowSeconds}.
     *
     * @param belowFormat the message under the minimum; arguments bad, total, span, minimum
     * @param ratioFormat the message otherwise; arguments the percentage, span, bad, total
     */
    static CheckResult result(RollingWindow w, int n, long bad, long total, long minBad, double degradedAbove,
            double downAbove, String belowFormat, String ratioFormat, String badKey, String totalKey) {
        long all = Math.max(bad, total);
        double ratio = all == 0 ? 0.0 : (double) bad / all;
        long windowSeconds = n * w.bucketMillis() / 1000;
        String span = describe(n * w.bucketMillis());
        HealthStatus status;
        String message;
        if (bad < minBad) {
            status = HealthStatus.UP;
            message = String.format(Locale.ROOT, belowFormat, bad, all, span, minBad);
        } else {
            status = ratio > downAbove ? HealthStatus.DOWN : ratio > degradedAbove ? HealthStatus.DEGRADED : HealthStatus.UP;
            message = String.format(Locale.ROOT, ratioFormat, ratio * 100, span, bad, all);
        }
        return CheckResult.of(status, message)
                .withDetail(badKey, bad)
                .withDetail(totalKey, all)
                .withDetail("ratio", ratio)
                .withDetail("windowSeconds", windowSeconds);
    }

    /** A short human form of a duration: {@code 1m}, {@code 90s}, {@code 2h}. */
    static String describe(long millis) {
        long s = millis / 1000;
        if (s > 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s > 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        if (millis % 1000 == 0) {
            return s + "s";
        }
        return millis + "ms";
    }

    static void validate(Duration window, long minCount, double degradedAbove, double downAbove) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        if (minCount < 1) {
            throw new IllegalArgumentException("minimum count must be at least 1: " + minCount);
        }
        if (!(degradedAbove >= 0 && degradedAbove <= 1)) {
            throw new IllegalArgumentException("degradedAbove must be 0..1: " + degradedAbove);
        }
        if (!(downAbove >= 0 && downAbove <= 1)) {
            throw new IllegalArgumentException("downAbove must be 0..1: " + downAbove);
        }
        if (downAbove < degradedAbove) {
            throw new IllegalArgumentException("downAbove (" + downAbove + ") must not be below degradedAbove: " + degradedAbove);
        }
    }
}
