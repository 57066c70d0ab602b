package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.checks.CdnTrafficCheck;
import io.cdnguard.testing.ManualTimeSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The detection checks are on by default, with a per-guard baseline file. */
class DetectionDefaultsTest {

    @TempDir
    Path dir;

    private final List<CdnGuard> guards = new ArrayList<>();

    @AfterEach
    void closeGuards() {
        guards.forEach(CdnGuard::close);
    }

    private CdnGuard build(CdnGuard.Builder b) {
        CdnGuard g = b.evaluationThread(false).build();
        guards.add(g);
        return g;
    }

    private static CdnTrafficCheck traffic(CdnGuard g) {
        return g.checks().stream().filter(c -> c instanceof CdnTrafficCheck).map(c -> (CdnTrafficCheck) c)
                .findFirst().orElseThrow();
    }

    @Test
    void defaultGuard_hasBuiltInAndDetectionChecks() {
        CdnGuard g = build(CdnGuard.builder().baselineDirectory(dir));
        assertThat(g.checks()).extracting(Check::name)
                .containsExactly("upstream-failures", "cdn-errors", "cdn-traffic", "cache-refetch", "missing-backend");
    }

    @Test
    void detectionChecksOff_onlyTheBuiltInOnes() {
        CdnGuard g = build(CdnGuard.builder().detectionChecks(false));
        assertThat(g.checks()).extracting(Check::name).containsExactly("upstream-failures", "cdn-errors");
        CdnGuard none = build(CdnGuard.builder().detectionChecks(false).builtInChecks(false));
        assertThat(none.checks()).isEmpty();
    }

    @Test
    void baseline_perGuardFileNamedAfterTheGuard() {
        CdnGuard a = build(CdnGuard.builder().name("assets").baselineDirectory(dir));
        CdnGuard b = build(CdnGuard.builder().name("api").baselineDirectory(dir));
        assertThat(traffic(a).baselineFile()).isEqualTo(dir.resolve("assets.baseline"));
        assertThat(traffic(b).baselineFile()).isEqualTo(dir.resolve("api.baseline"));
        assertThat(traffic(a).saveBaseline()).isTrue();
        assertThat(dir.resolve("assets.baseline")).exists();
    }

    @Test
    void baseline_defaultDirectoryIsUnderTmp() {
        CdnGuard g = build(CdnGuard.builder().name("h4-default-dir-test").persistBaseline(true));
        Path expected = Path.of(System.getProperty("java.io.tmpdir"), "cdnguard", "h4-default-dir-test.baseline");
        assertThat(traffic(g).baselineFile()).isEqualTo(expected);
    }

    @Test
    void sameNameTwiceInOneJvm_secondKeepsItsBaselineInMemory_untilTheFirstCloses() {
        CdnGuard first = build(CdnGuard.builder().name("shop").baselineDirectory(dir));
        CdnGuard second = build(CdnGuard.builder().name("shop").baselineDirectory(dir));
        assertThat(traffic(first).baselineFile()).isEqualTo(dir.resolve("shop.baseline"));
        assertThat(traffic(second).baselineFile()).as("never two writers of one file").isNull();
        second.close();
        CdnGuard third = build(CdnGuard.builder().name("shop").baselineDirectory(dir));
        assertThat(traffic(third).baselineFile()).as("first still open").isNull();
        first.close();
        first.close(); // idempotent: must not release someone else's claim
        CdnGuard fourth = build(CdnGuard.builder().name("shop").baselineDirectory(dir));
        assertThat(traffic(fourth).baselineFile()).isEqualTo(dir.resolve("shop.baseline"));
        CdnGuard fifth = build(CdnGuard.builder().name("shop").baselineDirectory(dir));
        assertThat(traffic(fifth).baselineFile()).isNull();
    }

    /** Feeds one CloudFront fetch a minute for {@code minutes}, evaluating every minute. */
    private static void traffic(CdnGuard g, ManualTimeSource clock, int minutes) {
        MutableExchange e = new MutableExchange();
        for (int i = 0; i < minutes; i++) {
            e.reset().method("GET").path("/app-" + (i % 7) + ".js").status(200).bytes(100).durationNanos(1_000_000)
                    .requestHeader("user-agent", "Amazon CloudFront")
                    .responseHeader("cache-control", "max-age=600");
            g.record(e);
            clock.advance(Duration.ofMinutes(1));
            g.evaluateNow();
        }
    }

    @Test
    void close_savesTheBaselineOnlyWhenItLearnedSomething() throws Exception {
        // half past: the hourly saves (every hour from the first evaluation) fall at :31, the hours
        // of the week are learned when they end, at :00
        ManualTimeSource clock = new ManualTimeSource(Instant.parse("2026-11-23T10:30:00Z"));
        CdnGuard brief = build(CdnGuard.builder().name("brief").timeSource(clock).baselineDirectory(dir).persistBaseline(true));
        traffic(brief, clock, 20); // no hour of the week completed
        brief.close();
        assertThat(dir.resolve("brief.baseline")).as("nothing learned, no file left behind").doesNotExist();

        CdnGuard learned = build(CdnGuard.builder().name("learned").timeSource(clock).baselineDirectory(dir)
                .persistBaseline(true));
        traffic(learned, clock, 150); // to 13:00: hour 12-13 learned after the last hourly save (12:31)
        Path file = dir.resolve("learned.baseline");
        byte[] hourly = Files.readAllBytes(file);
        learned.close();
        assertThat(Files.readAllBytes(file)).as("the hour learned since the last save is saved at close")
                .isNotEqualTo(hourly);
        CdnGuard restarted = build(CdnGuard.builder().name("learned").timeSource(clock).baselineDirectory(dir)
                .persistBaseline(true));
        assertThat(traffic(restarted).saveBaselineIfLearned()).as("loaded as saved at close: nothing new").isFalse();
    }

    @Test
    void simulatedClock_noBaselineFileUnlessAskedFor() {
        ManualTimeSource clock = new ManualTimeSource(1_700_000_000_000L);
        CdnGuard sim = build(CdnGuard.builder().timeSource(clock).baselineDirectory(dir));
        assertThat(traffic(sim).baselineFile()).isNull();
        CdnGuard asked = build(CdnGuard.builder().timeSource(clock).baselineDirectory(dir).persistBaseline(true));
        assertThat(traffic(asked).baselineFile()).isEqualTo(dir.resolve("default.baseline"));
        CdnGuard off = build(CdnGuard.builder().name("off").baselineDirectory(dir).persistBaseline(false));
        assertThat(traffic(off).baselineFile()).isNull();
    }

    @Test
    void defaultGuard_quietStart_isUp() {
        ManualTimeSource clock = new ManualTimeSource(1_700_000_000_000L);
        CdnGuard g = build(CdnGuard.builder().timeSource(clock).expectBackendGroup("static", "asset-1", "asset-2")
                .expectBackendGroup("api", "api-1"));
        for (int i = 0; i < 400; i++) {
            clock.advance(Duration.ofSeconds(10));
            g.evaluateNow();
        }
        assertThat(g.health().status()).isEqualTo(HealthStatus.UP);
        assertThat(g.health().checks()).containsKeys("cdn-traffic", "cache-refetch", "missing-backend");
        assertThat(g.snapshot().backends()).extracting(BackendStats::name).contains("asset-1", "asset-2", "api-1");
    }

    @Test
    void builder_rejectsBadNameAndGroup() {
        assertThatThrownBy(() -> CdnGuard.builder().name("../etc").evaluationThread(false).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("../etc");
        assertThatThrownBy(() -> CdnGuard.builder().name(".hidden").evaluationThread(false).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(".hidden");
        assertThatThrownBy(() -> CdnGuard.builder().expectBackendGroup("*", "a").evaluationThread(false).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'*'");
        assertThatThrownBy(() -> CdnGuard.builder().expectBackendGroup(" ", "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad backend group name");
        // the same rule as expectBackendSpec: one group per backend, never a silent move
        assertThatThrownBy(() -> CdnGuard.builder().expectBackendGroup("static", "a").expectBackendGroup("api", "a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backend 'a' in two groups");
    }
}
