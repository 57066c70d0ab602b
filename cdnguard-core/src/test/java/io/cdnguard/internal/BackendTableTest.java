package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The backend table's row hand-out when threads race on a new name at the cap. */
class BackendTableTest {

    @Test
    void nameBetweenReservationAndPublication_getsItsReservedRow_notOverflow() {
        BackendTable t = new BackendTable(List.of("a", "b"), 1);
        // a thread has reserved the last row for "u4" and not yet published it (preempted between
        // the two steps): another thread meeting "u4" now must get that row, not count an overflow
        assertThat(t.reserve("u4")).isZero();
        assertThat(t.entries()).extracting(BackendTable.Entry::name).containsExactly("a", "b");
        assertThat(t.rowOf("u4")).isEqualTo(2);
        assertThat(t.rowOf("other")).as("the cap still holds").isEqualTo(-1);
        assertThat(t.entries()).extracting(BackendTable.Entry::name).containsExactly("a", "b", "u4");
        assertThat(t.rowOf("u4")).isEqualTo(2);
    }

    @Test
    void unknownNames_getDenseRowsUpToTheCap_thenOverflow() {
        BackendTable t = new BackendTable(List.of("a"), 2);
        assertThat(t.rowOf("a")).isZero();
        assertThat(t.rowOf("x")).isEqualTo(1);
        assertThat(t.rowOf("y")).isEqualTo(2);
        assertThat(t.rowOf("x")).isEqualTo(1);
        assertThat(t.rowOf("z")).isEqualTo(-1);
        assertThat(t.rowOf("y")).as("a published name is found after the cap is reached").isEqualTo(2);
    }
}
