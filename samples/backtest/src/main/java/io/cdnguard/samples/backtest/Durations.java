package io.cdnguard.samples.backtest;

import java.time.Duration;
import java.util.Locale;

/** Parses durations written as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, ISO-8601 or plain seconds. */
final class Durations {

    private Durations() {
    }

    static Duration parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            char unit = t.charAt(t.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(Long.parseLong(t));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1).trim());
            switch (unit) {
                case 's':
                    return Duration.ofSeconds(n);
                case 'm':
                    return Duration.ofMinutes(n);
                case 'h':
                    return Duration.ofHours(n);
                case 'd':
                    return Duration.ofDays(n);
                default:
                    break;
            }
        } catch (RuntimeException e) {
            // fall through
        }
        throw new IllegalArgumentException("not a duration: '" + s + "' (e.g. 10s, 5m, 1h)");
    }

    /** Formats minutes for people: {@code 7.5 min} or {@code 2 h 05 min}. */
    static String minutes(double min) {
        if (min < 60) {
            return String.format(Locale.ROOT, "%.1f min", min);
        }
        long m = Math.round(min);
        return String.format(Locale.ROOT, "%d h %02d min", m / 60, m % 60);
    }
}
