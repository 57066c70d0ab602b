package io.cdnguard.checks;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.testing.LogCapture;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #8: {@code kill -9} in the middle of writing baseline snapshots. A child JVM ({@link
 * BaselineWriterMain}) writes snapshots in a loop and is killed (SIGKILL, {@link
 * Process#destroyForcibly()}) at seeded random points, many times, resuming each time from what it
 * finds on disk. After every kill a fresh {@link BaselineStore} must read a complete snapshot, at
 * least as new as the last one the child reported saved; never a torn or corrupt one, never an
 * exception. Bounded: {@value #KILLS} kills, about 15-30 s in all.
 */
class BaselineKillTest {

    static final int KILLS = 20;

    @TempDir
    Path dir;

    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Process start(Path file) throws IOException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), BaselineWriterMain.class.getName(), file.toString());
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        children.add(p);
        return p;
    }

    private List<Path> temps() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).collect(Collectors.toList());
        }
    }

    @Test
    void killMinus9WhileWriting_nextStartReadsTheLastCompleteSnapshot_neverACorruptOne() throws Exception {
        Path file = dir.resolve("kill.baseline");
        Random rnd = new Random(0x5EED_0008L);
        long lastSeen = 0;
        int killedMidWrite = 0;
        int killedBeforeFirstSave = 0;
        for (int k = 0; k < KILLS; k++) {
            List<Path> tempsBefore = temps(); // left by earlier kills (too young to be cleaned)
            Process p = start(file);
            AtomicLong saved = new AtomicLong(-1);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith("saved ")) {
                            saved.set(Long.parseLong(line.substring(6)));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // the child was killed
                }
            }, "h6-child-reader");
            reader.setDaemon(true);
            reader.start();

            if (k % 4 != 3) {
                // wait until it is writing, then kill it at a random point of its write loop
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (saved.get() < 0 && p.isAlive() && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(1_000_000L);
                }
                assertThat(saved.get()).as("child %d started writing", k).isPositive();
            }
            // a random point: anywhere in startup, load, write, fsync or rename (not a timing assertion)
            TimeUnit.MILLISECONDS.sleep(rnd.nextInt(k % 4 == 3 ? 600 : 150));
            long acknowledged = saved.get();
            if (acknowledged < 0) {
                killedBeforeFirstSave++;
            }
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("killed, not exited by itself").isNotEqualTo(2);
            reader.join(5_000);
            List<Path> tempsAfter = temps();
            tempsAfter.removeAll(tempsBefore);
            if (!tempsAfter.isEmpty()) {
                killedMidWrite++; // this child was killed between creating its temp file and the rename
            }

            BaselineStore fresh = new BaselineStore(file, BaselineWriterMain.VERSION);
            byte[] payload = fresh.load();
            assertThat(fresh.lastLoadFailure()).as("after kill %d", k).isNull();
            assertThat(payload).as("after kill %d: a complete snapshot exists", k).isNotNull();
            long seq = BaselineWriterMain.verify(payload);
            assertThat(seq).as("after kill %d: snapshot content is one the child wrote completely", k).isPositive();
            assertThat(seq).as("after kill %d: at least the last acknowledged save", k)
                    .isGreaterThanOrEqualTo(Math.max(acknowledged, lastSeen));
            lastSeen = seq;
        }
        assertThat(killedMidWrite).as("some kills must land mid-write (a temp file left behind)").isPositive();

        // temp files left by the killed writers: a young one may belong to a live writer and is kept,
        // a minute-old one is deleted by the next load; other files are never touched
        List<Path> left = temps();
        Path unrelated = Files.write(dir.resolve("other.baseline.123.tmp"), new byte[] {1});
        Files.setLastModifiedTime(unrelated, FileTime.fromMillis(System.currentTimeMillis() - 3_600_000));
        BaselineStore store = new BaselineStore(file, BaselineWriterMain.VERSION);
        assertThat(store.load()).isNotNull();
        assertThat(temps()).containsAll(left);
        for (Path t : left) {
            Files.setLastModifiedTime(t, FileTime.fromMillis(System.currentTimeMillis() - 2 * BaselineStore.STALE_TEMP_MILLIS));
        }
        try (LogCapture logs = new LogCapture()) {
            assertThat(BaselineWriterMain.verify(store.load())).isEqualTo(lastSeen);
            assertThat(temps()).containsExactly(unrelated);
            if (!left.isEmpty()) {
                assertThat(logs.count("Deleted " + left.size() + " stale temporary cdnguard baseline file(s)")).isEqualTo(1);
            }
        }
        System.out.printf("BaselineKillTest: %d kills, %d mid-write (temp file left), %d before the first save; last seq %d%n",
                KILLS, killedMidWrite, killedBeforeFirstSave, lastSeen);
    }
}
