package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.samples.backtest.sim.JsonTraceWriter;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.SimRecord;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code simulate --scale K}: a busier origin's trace from the same scenario. */
class SimulatorScaleTest {

    private static byte[] trace(Scenario sc, Simulator.Result[] result) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (JsonTraceWriter w = new JsonTraceWriter(bos)) {
            result[0] = new Simulator(sc).run(w);
        }
        return bos.toByteArray();
    }

    @Test
    void scaled_one_isTheScenarioItself() {
        Scenario sc = Scenario.named("normal", 1, 2, null);
        assertThat(sc.scaled(1)).isSameAs(sc);
        assertThat(sc.scale()).isEqualTo(1);
    }

    @Test
    void scaled_outOfRange_rejectedNamingTheValue() {
        Scenario sc = Scenario.named("normal", 1, 2, null);
        assertThatThrownBy(() -> sc.scaled(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
        assertThatThrownBy(() -> sc.scaled(Scenario.MAX_SCALE + 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(String.valueOf(Scenario.MAX_SCALE + 1));
    }

    @Test
    void scaled_k_linesGrowRoughlyWithK_traceParses_sameSeedSameBytes() throws IOException {
        Simulator.Result[] base = new Simulator.Result[1];
        Simulator.Result[] big = new Simulator.Result[1];
        Simulator.Result[] again = new Simulator.Result[1];
        Scenario one = Scenario.named("april4", 3, 1, null);
        trace(one, base);
        byte[] b = trace(one.scaled(4), big);
        byte[] b2 = trace(Scenario.named("april4", 3, 1, null).scaled(4), again);

        assertThat(b2).isEqualTo(b);
        double ratio = (double) big[0].lines() / base[0].lines();
        // fills of popular assets saturate at one per TTL per POP, so the growth is somewhat below K
        assertThat(ratio).isBetween(2.0, 6.0);
        assertThat(big[0].assets()).isEqualTo(4 * base[0].assets());
        assertThat(big[0].count(SimRecord.Kind.CDN_FILL)).isGreaterThan(2 * base[0].count(SimRecord.Kind.CDN_FILL));
        assertThat(big[0].pops()).isEqualTo(base[0].pops()); // the CDN's POPs, as many as before

        try (JsonTraceReader r = new JsonTraceReader(new ByteArrayInputStream(b))) {
            long n = 0;
            while (r.next()) {
                n++;
            }
            assertThat(n).isEqualTo(big[0].lines());
            assertThat(r.malformed()).isZero();
        }
    }

    @Test
    void simulateCommand_scale_writesTheScaledTrace_badScaleExitsWith2(@TempDir Path dir) throws IOException {
        Path one = dir.resolve("one.jsonl");
        Path three = dir.resolve("three.jsonl");
        assertThat(BacktestMain.execute("simulate", "--scenario", "small-site", "--days", "1", "--out", one.toString())).isZero();
        assertThat(BacktestMain.execute("simulate", "--scenario", "small-site", "--days", "1", "--scale", "3",
            "--out", three.toString())).isZero();
        assertThat(lines(three)).isGreaterThan(lines(one) * 3 / 2);
        assertThat(Files.exists(dir.resolve("three.truth.json"))).isTrue();

        assertThat(BacktestMain.execute("simulate", "--scenario", "small-site", "--days", "1", "--scale", "0",
            "--out", dir.resolve("zero.jsonl").toString())).isEqualTo(2);
        assertThat(Files.exists(dir.resolve("zero.jsonl"))).isFalse();
    }

    private static long lines(Path p) throws IOException {
        long n = 0;
        try (InputStream in = Files.newInputStream(p)) {
            int c;
            byte[] buf = new byte[1 << 16];
            while ((c = in.read(buf)) > 0) {
                for (int i = 0; i < c; i++) {
                    if (buf[i] == '\n') {
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
