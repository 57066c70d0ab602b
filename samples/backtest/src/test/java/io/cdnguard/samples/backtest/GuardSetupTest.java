package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.testing.ManualTimeSource;
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
    void expectBackendSpec_plainListAndGroups_declareEveryBackend() {
        GuardSetup grouped = new GuardSetup().expectBackendSpec("static:asset-1,asset-2;api:api-1,api-2;extra-1")
                .expectBackendSpec("asset-1, asset-3,,");
        try (CdnGuard g = grouped.build(new ManualTimeSource(1_700_000_000_000L), (c, from, to, r) -> { })) {
            assertThat(g.snapshot().backends()).extracting(b -> b.name())
                    .containsExactlyInAnyOrder("asset-1", "asset-2", "api-1", "api-2", "extra-1", "asset-3");
        }
    }

    @Test
    void expectBackendSpec_badSpec_failsAtOnceWithTheCoreMessage() {
        assertThatThrownBy(() -> new GuardSetup().expectBackendSpec("static:")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--expect-backends: group 'static' without backends in 'static:'");
        assertThatThrownBy(() -> new GuardSetup().expectBackendSpec(":a,b"))
                .hasMessage("--expect-backends: group without a name in ':a,b'");
    }

    @Test
    void baselineDirectory_savesTheLearnedBaseline(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        GuardSetup setup = new GuardSetup().expectBackendSpec("a").baselineDirectory(dir);
        try (CdnGuard g = setup.build(new ManualTimeSource(1_700_000_000_000L), (c, from, to, r) -> { })) {
            g.evaluateNow();
            assertThat(setup.saveBaseline()).isEqualTo(dir.resolve("cdn-traffic.baseline")).exists();
        }
        assertThat(new GuardSetup().saveBaseline()).isNull();
    }

    @Test
    void cli_acceptsGroupedExpectBackends() throws Exception {
        java.nio.file.Path empty = java.nio.file.Files.createTempFile("h4-empty", ".jsonl");
        try {
            int rc = BacktestMain.execute("backtest", "--expect-backends", "static:asset-1,asset-2;api:api-1", empty.toString());
            assertThat(rc).isZero();
            assertThat(BacktestMain.execute("backtest", "--expect-backends", "static:", empty.toString())).isEqualTo(2);
        } finally {
            java.nio.file.Files.deleteIfExists(empty);
        }
    }
}
