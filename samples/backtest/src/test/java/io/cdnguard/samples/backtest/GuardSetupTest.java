package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.testing.ManualTimeSource;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The backtest's guard: the detection checks once each, and the --expect-backends forms. */
class GuardSetupTest {

    @Test
    void build_detectionChecksOnceEach_builtInOff() {
        GuardSetup setup = new GuardSetup().expectBackendSpec("asset-1,asset-2");
        try (CdnGuard g = setup.build(new ManualTimeSource(1_700_000_000_000L), (c, from, to, r) -> { })) {
            assertThat(g.checks()).extracting(Check::name).containsExactly("cdn-traffic", "cache-refetch", "missing-backend");
        }
    }

    @Test
    void expectBackendSpec_plainListAndGroups() {
        GuardSetup plain = new GuardSetup().expectBackendSpec("asset-1, asset-2,,api-1");
        assertThat(plain.peerGroups()).isEmpty();
        GuardSetup grouped = new GuardSetup().expectBackendSpec("static:asset-1,asset-2;api:api-1,api-2;extra-1");
        assertThat(grouped.peerGroups()).containsExactly(Map.entry("asset-1", "static"), Map.entry("asset-2", "static"),
                Map.entry("api-1", "api"), Map.entry("api-2", "api"));
        try (CdnGuard g = grouped.build(new ManualTimeSource(1_700_000_000_000L), (c, from, to, r) -> { })) {
            assertThat(g.snapshot().backends()).extracting(b -> b.name())
                    .contains("asset-1", "asset-2", "api-1", "api-2", "extra-1");
        }
    }

    @Test
    void expectBackendSpec_badGroup_namesIt() {
        assertThatThrownBy(() -> new GuardSetup().expectBackendSpec("static:")).hasMessageContaining("static:");
        assertThatThrownBy(() -> new GuardSetup().expectBackendSpec(":a,b")).hasMessageContaining(":a,b");
    }

    @Test
    void cli_acceptsGroupedExpectBackends() throws Exception {
        java.nio.file.Path empty = java.nio.file.Files.createTempFile("h4-empty", ".jsonl");
        try {
            int rc = BacktestMain.execute("backtest", "--expect-backends", "static:asset-1,asset-2;api:api-1", empty.toString());
            assertThat(rc).isZero();
            assertThat(BacktestMain.execute("backtest", "--expect-backends", "static:", empty.toString())).isNotZero();
        } finally {
            java.nio.file.Files.deleteIfExists(empty);
        }
    }
}
