package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CumulativeHistoryTest {

    private static CumulativeHistory filled(int capacity, int samples) {
        CumulativeHistory h = new CumulativeHistory(capacity, 2);
        for (int i = 0; i < samples; i++) {
            int s = h.push(1000L * i);
            h.set(s, 0, i);
            h.set(s, 1, 10L * i);
        }
        return h;
    }

    @Test
    void at_findsNewestSampleAtOrBefore() {
        CumulativeHistory h = filled(10, 5); // samples at 0, 1000, .., 4000
        assertThat(h.get(h.at(2500), 0)).isEqualTo(2);
        assertThat(h.get(h.at(3000), 1)).isEqualTo(30);
        assertThat(h.get(h.at(99_000), 0)).isEqualTo(4);
        assertThat(h.at(-1)).isEqualTo(-1);
        assertThat(h.get(h.atOrOldest(-1), 0)).isZero();
        assertThat(h.newestTime()).isEqualTo(4000);
    }

    @Test
    void push_whenFull_overwritesTheOldest() {
        CumulativeHistory h = filled(4, 7); // keeps 3000..6000
        assertThat(h.size()).isEqualTo(4);
        assertThat(h.at(2999)).isEqualTo(-1);
        assertThat(h.get(h.at(3000), 0)).isEqualTo(3);
        assertThat(h.get(h.oldest(), 0)).isEqualTo(3);
        assertThat(h.get(h.at(5500), 1)).isEqualTo(50);
        assertThat(h.time(h.at(6000))).isEqualTo(6000);
    }

    @Test
    void clear_forgetsEverything_andArraySetCopiesColumns() {
        CumulativeHistory h = filled(4, 3);
        h.clear();
        assertThat(h.size()).isZero();
        assertThat(h.at(Long.MAX_VALUE)).isEqualTo(-1);
        assertThat(h.newestTime()).isEqualTo(Long.MIN_VALUE);
        int s = h.push(5);
        h.set(s, 0, new long[] {7, 8}, 2);
        assertThat(h.get(s, 0)).isEqualTo(7);
        assertThat(h.get(s, 1)).isEqualTo(8);
        assertThatThrownBy(() -> new CumulativeHistory(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
