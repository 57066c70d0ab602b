package io.cdnguard.samples.origin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFileTest {

    @Test
    void accept_linesFromOneThread_writtenInOrderOnePerLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.jsonl");
        TraceFile t = TraceFile.open(f);
        for (int i = 0; i < 1000; i++) {
            t.accept("{\"n\":" + i + "}");
        }
        t.close();

        List<String> lines = Files.readAllLines(f);
        assertThat(lines).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(lines.get(i)).isEqualTo("{\"n\":" + i + "}");
        }
        assertThat(t.written()).isEqualTo(1000);
        assertThat(t.dropped()).isZero();
    }

    @Test
    void accept_manyThreads_everyLineWrittenWholeOrCountedAsDropped(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.jsonl");
        TraceFile t = TraceFile.open(f);
        int threads = 4;
        int each = 5_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            int id = k;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    t.accept(id + ":" + i);
                }
            });
            th.start();
            ts.add(th);
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        t.close();

        List<String> lines = Files.readAllLines(f);
        Set<String> distinct = new HashSet<>(lines);
        assertThat(distinct).hasSameSizeAs(lines);
        assertThat(lines).allMatch(l -> l.matches("\\d:\\d+"));
        assertThat(lines.size() + t.dropped()).isEqualTo((long) threads * each);
        assertThat(t.written()).isEqualTo(lines.size());
    }

    @Test
    void accept_afterClose_droppedAndCounted(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.jsonl");
        TraceFile t = TraceFile.open(f);
        t.accept("a");
        t.close();
        t.accept("b");
        t.close();

        assertThat(Files.readAllLines(f)).containsExactly("a");
        assertThat(t.dropped()).isEqualTo(1);
    }

    @Test
    void open_existingFile_appends(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.jsonl");
        Files.writeString(f, "old\n");
        TraceFile t = TraceFile.open(f);
        t.accept("new");
        t.close();

        assertThat(Files.readAllLines(f)).containsExactly("old", "new");
    }
}
