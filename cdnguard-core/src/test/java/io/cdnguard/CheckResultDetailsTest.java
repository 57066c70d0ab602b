package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckResultDetailsTest {

    @Test
    void withDetail_chain_keepsInsertionOrderAndLeavesEarlierResultsUnchanged() {
        CheckResult base = CheckResult.up("ok");
        CheckResult one = base.withDetail("a", 1);
        CheckResult two = one.withDetail("b", "x");
        CheckResult three = two.withDetail("c", true);

        assertThat(base.details()).isEmpty();
        assertThat(one.details()).containsExactly(Map.entry("a", 1));
        assertThat(three.details().keySet()).containsExactly("a", "b", "c");
        assertThat(two.details()).containsExactly(Map.entry("a", 1), Map.entry("b", "x"));
        assertThat(three.status()).isEqualTo(HealthStatus.UP);
        assertThat(three.message()).isEqualTo("ok");
    }

    @Test
    void withDetail_sameKeyAgain_replacesTheValueInItsFirstPosition() {
        CheckResult r = CheckResult.degraded("m").withDetail("a", 1).withDetail("b", 2).withDetail("a", 3);
        assertThat(r.details()).containsExactly(Map.entry("a", 3), Map.entry("b", 2));
    }

    @Test
    void withDetail_afterDetailsWereRead_buildsOnTheReadMap() {
        CheckResult one = CheckResult.down("d").withDetail("a", 1).withDetail("b", 2);
        assertThat(one.details()).hasSize(2);
        CheckResult more = one.withDetail("c", 3).withDetail("a", 9);
        assertThat(more.details()).containsExactly(Map.entry("a", 9), Map.entry("b", 2), Map.entry("c", 3));
        assertThat(one.details()).containsExactly(Map.entry("a", 1), Map.entry("b", 2));
    }

    @Test
    void details_areUnmodifiableAndEqualityFollowsThem() {
        CheckResult x = CheckResult.up("u").withDetail("k", 1L);
        CheckResult y = CheckResult.up("u").withDetail("k", 1L);
        assertThat(x).isEqualTo(y).hasSameHashCodeAs(y).hasToString("UP u {k=1}");
        assertThat(x).isNotEqualTo(y.withDetail("k", 2L));
        assertThatThrownBy(() -> x.details().put("z", 0)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> x.withDetail(null, 0)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void withDetail_longChain_buildsWithoutRecursion() {
        CheckResult r = CheckResult.up("");
        for (int i = 0; i < 100_000; i++) {
            r = r.withDetail("k" + (i % 1000), i);
        }
        assertThat(r.details()).hasSize(1000).containsEntry("k999", 99_999).containsEntry("k0", 99_000);
    }
}
