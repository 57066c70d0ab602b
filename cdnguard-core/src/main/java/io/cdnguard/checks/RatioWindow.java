package io.cdnguard.checks;

import io.cdnguard.RollingWindow;
import java.time.Duration;

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
