package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PopShareWeeklyTest {

    /** Local epoch hour of Monday 2022-04-04 00:00 UTC. */
    private static final long MONDAY_HOUR = TrafficModel.MONDAY / 3_600_000L;

    /** Adds {@code minutes} one-minute steps in {@code hour} with the given per-minute counts. */
    private static void feed(PopShareWeekly w, long hour, long[] perMinute, int minutes, boolean clean) {
        for (int i = 0; i < minutes; i++) {
            w.add(hour, perMinute, perMinute.length, 1.0, clean);
        }
    }

    @Test
    void reference_sumsTheHourAndItsNeighbours_overTheStoredVisits() {
        PopShareWeekly w = new PopShareWeekly(4);
        long[] c = {2, 1, 0};
        for (long h = 0; h < 4; h++) {
            feed(w, MONDAY_HOUR + h, c, 60, true);
        }
        w.add(MONDAY_HOUR + 4, c, 3, 1.0, true); // commits hour 3
        long slot1 = MONDAY_HOUR + 1 + 168; // Monday 01:00 a week later: hours 0, 1 and 2 of the week before
        assertThat(w.total(slot1)).isEqualTo(3 * 60 * 3.0);
        assertThat(w.count(slot1, 0)).isEqualTo(3 * 60 * 2.0);
        assertThat(w.count(slot1, 1)).isEqualTo(3 * 60 * 1.0);
        assertThat(w.count(slot1, 2)).isZero();
        // the same hour a week later adds to the reference
        long before = w.version();
        feed(w, MONDAY_HOUR + 168, c, 60, true);
        w.add(MONDAY_HOUR + 168 + 1, c, 3, 1.0, true);
        assertThat(w.version()).isGreaterThan(before);
        assertThat(w.total(slot1)).isEqualTo(4 * 60 * 3.0);
        // a window's own hours (and later ones) are never its reference
        assertThat(w.total(MONDAY_HOUR + 1)).as("Monday 01:00 of week 1: only hour 0 is before it").isEqualTo(60 * 3.0);
    }

    @Test
    void anomalousShortOrUncleanHours_areNotLearned() {
        PopShareWeekly w = new PopShareWeekly(4);
        long[] c = {5, 5};
        feed(w, MONDAY_HOUR, c, 60, true);
        w.flagAnomalous(); // an alarm in the hour
        feed(w, MONDAY_HOUR + 1, c, 20, true); // only 20 clean minutes
        feed(w, MONDAY_HOUR + 1, c, 40, false);
        feed(w, MONDAY_HOUR + 2, c, 60, true);
        w.discardCurrent(); // a clock jump
        w.add(MONDAY_HOUR + 3, c, 2, 1.0, true);
        for (int h = 0; h < 4; h++) {
            assertThat(w.total(MONDAY_HOUR + 168 + h)).as("hour %d", h).isZero();
        }
        assertThat(w.version()).isZero();
    }

    @Test
    void visits_areBoundedToTheLastFourWeeks_andCopiesAreIndependent() {
        PopShareWeekly w = new PopShareWeekly(2);
        long slot = MONDAY_HOUR + 10 + 168L * 7; // the hour a week after the last visit
        for (int week = 0; week < 6; week++) {
            long h = MONDAY_HOUR + 10 + 168L * week;
            feed(w, h, new long[] {week + 1, 0}, 60, true);
            w.add(h + 1, new long[] {0, 0}, 2, 1.0, false);
        }
        // weeks 3..6 (counts 3, 4, 5, 6 per minute) remain; the neighbours were never clean
        assertThat(w.count(slot, 0)).isEqualTo(60.0 * (3 + 4 + 5 + 6));
        PopShareWeekly copy = w.copy();
        feed(w, MONDAY_HOUR + 10 + 168L * 6, new long[] {100, 0}, 60, true);
        w.add(MONDAY_HOUR + 11 + 168L * 6, new long[] {0, 0}, 2, 1.0, false);
        assertThat(copy.count(slot, 0)).isEqualTo(60.0 * (3 + 4 + 5 + 6));
        assertThat(w.count(slot, 0)).isEqualTo(60.0 * (4 + 5 + 6 + 100));
    }
}
