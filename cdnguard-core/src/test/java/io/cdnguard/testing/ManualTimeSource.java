package io.cdnguard.testing;

import io.cdnguard.TimeSource;
import java.time.Duration;
import java.time.Instant;

/** A {@link TimeSource} that moves only when told to. Thread-safe. Test fixture, shipped in the test-jar. */
public final class ManualTimeSource implements TimeSource {

    private volatile long millis;

    /** Starts at {@code start}. */
    public ManualTimeSource(Instant start) {
        this.millis = start.toEpochMilli();
    }

    /** Starts at epoch milliseconds {@code startMillis}. */
    public ManualTimeSource(long startMillis) {
        this.millis = startMillis;
    }

    @Override
    public long currentTimeMillis() {
        return millis;
    }

    /** Moves the clock by {@code d} (may be negative, to simulate an NTP step back). */
    public synchronized void advance(Duration d) {
        millis += d.toMillis();
    }

    /** Sets the clock. */
    public void set(Instant t) {
        millis = t.toEpochMilli();
    }

    /** Sets the clock to epoch milliseconds. */
    public void setMillis(long t) {
        millis = t;
    }
}
