package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cdnguard.CdnGuard;
import io.cdnguard.HealthReport;
import io.cdnguard.HealthStatus;
import io.cdnguard.MutableExchange;
import io.cdnguard.testing.LogCapture;
import io.cdnguard.testing.ManualTimeSource;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #8: disk full and an unwritable baseline directory. Logged once (WARN with the path and
 * the reason), recording and health unaffected, retried at the next save, recovery logged once at
 * INFO. Tests run as root, where permissions do not stop writes, so "unwritable" is a directory
 * whose parent is a regular file, and "disk full" is a real ENOSPC from the kernel: the temporary
 * file's channel is opened on {@code /dev/full}.
 */
class BaselineDiskFaultsTest {

    private static final long T0 = 1_795_000_000_000L;

    @TempDir
    Path dir;

    private static long tempFiles(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    @Test
    void save_diskFull_warnsOnceWithPathAndReason_keepsTheOldFile_recoversWithOneInfo() throws IOException {
        Path devFull = Paths.get("/dev/full");
        assumeTrue(Files.isWritable(devFull), "needs /dev/full (Linux)");
        Path file = dir.resolve("full.baseline");
        BaselineStore store = new BaselineStore(file, 3);
        assertThat(store.save(new byte[] {1, 2, 3})).isTrue();

        try (LogCapture logs = new LogCapture()) {
            store.opener = tmp -> FileChannel.open(devFull, StandardOpenOption.WRITE);
            for (int i = 0; i < 10; i++) {
                assertThat(store.save(new byte[64 * 1024])).as("save %d on a full disk", i).isFalse();
            }
            assertThat(tempFiles(dir)).as("no temp file left behind").isZero();
            assertThat(store.load()).as("the last good file is intact").containsExactly(1, 2, 3);
            assertThat(logs.lines("WARN", "Cannot write cdnguard baseline file " + file))
                    .hasSize(1)
                    .allMatch(l -> l.contains("No space left on device"), "names the reason (ENOSPC)");

            store.opener = BaselineStore.DEFAULT_OPENER; // space freed
            assertThat(store.save(new byte[] {4, 5})).isTrue();
            assertThat(store.save(new byte[] {6})).isTrue();
            assertThat(store.load()).containsExactly(6);
            assertThat(logs.count("INFO", "cdnguard baseline file " + file + " written again")).isEqualTo(1);

            store.opener = tmp -> FileChannel.open(devFull, StandardOpenOption.WRITE); // full again: warned again, once
            assertThat(store.save(new byte[] {7})).isFalse();
            assertThat(store.save(new byte[] {8})).isFalse();
            assertThat(logs.count("WARN", "Cannot write cdnguard baseline file " + file)).isEqualTo(2);
        }
    }

    @Test
    void guard_baselineDirectoryUnwritable_recordingAndHealthUnaffected_retriedAndRecovers() throws IOException {
        Path blocker = dir.resolve("not-a-dir");
        Files.write(blocker, new byte[] {0});
        Path baselineDir = blocker.resolve("baselines"); // parent is a regular file: cannot be created, even by root
        ManualTimeSource clock = new ManualTimeSource(T0);
        CdnTrafficCheck traffic = CdnTrafficCheck.builder().baselineDirectory(baselineDir).baselineName("ro-site")
                .saveInterval(Duration.ofMinutes(30)).build();
        long recorded = 0;
        try (LogCapture logs = new LogCapture();
                CdnGuard guard = CdnGuard.builder().timeSource(clock).evaluationThread(false).detectionChecks(false)
                        .check(traffic).build()) {
            MutableExchange cdn = new MutableExchange().method("GET").path("/a.css").status(200).bytes(10)
                    .requestHeader("cf-ray", "7a1b2c3d4e5f6a7b-FRA").responseHeader("cache-control", "max-age=60");
            HealthReport r = null;
            for (int step = 0; step < 3 * 360; step++) { // 3 hours of 10 s steps: 5 save attempts
                for (int i = 0; i < 5; i++) {
                    guard.record(cdn);
                    recorded++;
                }
                clock.advance(Duration.ofSeconds(10));
                r = guard.evaluateNow();
            }
            assertThat(guard.snapshot().cdnFetches()).isEqualTo(recorded);
            assertThat(r.checks().get(CdnTrafficCheck.NAME).status()).isEqualTo(HealthStatus.UP);
            assertThat(r.status()).isEqualTo(HealthStatus.UP);
            String warn = "Cannot write cdnguard baseline file " + baselineDir.resolve("ro-site.baseline");
            assertThat(logs.count("WARN", warn)).as("once, not once per save attempt").isEqualTo(1);
            assertThat(traffic.saveBaseline()).isFalse();

            // the operator fixes the directory: the next periodic save succeeds, logged once at INFO
            Files.delete(blocker);
            Files.createDirectories(baselineDir);
            for (int step = 0; step < 360; step++) {
                guard.record(cdn);
                recorded++;
                clock.advance(Duration.ofSeconds(10));
                guard.evaluateNow();
            }
            assertThat(Files.exists(baselineDir.resolve("ro-site.baseline"))).as("retried and written").isTrue();
            assertThat(logs.count("INFO", "baseline file " + baselineDir.resolve("ro-site.baseline") + " written again")).isEqualTo(1);
            assertThat(logs.count("WARN", warn)).isEqualTo(1);
            assertThat(guard.snapshot().cdnFetches()).isEqualTo(recorded);
        }
    }
}
