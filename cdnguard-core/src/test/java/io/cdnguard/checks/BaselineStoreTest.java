package io.cdnguard.checks;

import static io.cdnguard.checks.TrafficModel.HOUR;
import static io.cdnguard.checks.TrafficModel.MONDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.CheckResult;
import io.cdnguard.StatusClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselineStoreTest {

    @TempDir
    Path dir;

    /** A baseline that learned a few days of a simple pattern. */
    private static BaselineWeekly learned(int days) {
        BaselineWeekly b = new BaselineWeekly(ZoneOffset.UTC);
        for (long t = MONDAY + 60_000; t <= MONDAY + days * 24 * HOUR; t += 60_000) {
            long hour = (t / HOUR) % 24;
            b.add(t, 1 + hour % 5, 1.0);
        }
        return b;
    }

    @Test
    void saveThenLoad_roundTripsTheLearnedState() {
        BaselineWeekly b = learned(9);
        BaselineStore store = new BaselineStore(dir.resolve("x.baseline"), BaselineWeekly.FORMAT);
        assertThat(store.save(b.toBytes(0))).isTrue();
        byte[] payload = store.load();
        assertThat(payload).isNotNull();
        BaselineWeekly c = new BaselineWeekly(ZoneOffset.UTC);
        c.loadFrom(payload);
        assertThat(c.sameLearnedState(b)).isTrue();
        assertThat(c.rate(MONDAY + 7 * 24 * HOUR + 3 * HOUR + 1800_000)).isEqualTo(b.rate(MONDAY + 7 * 24 * HOUR + 3 * HOUR + 1800_000));
        assertThat(c.warmingUp()).isFalse();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("x.baseline"); // no temp file left
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void load_truncatedAtEveryOffset_reportsAndNeverThrowsNorReturnsData() throws IOException {
        byte[] full = BaselineStore.encode(BaselineWeekly.FORMAT, learned(2).toBytes(0));
        Path f = dir.resolve("t.baseline");
        BaselineStore store = new BaselineStore(f, BaselineWeekly.FORMAT);
        for (int len = 0; len < full.length; len++) {
            byte[] cut = Arrays.copyOf(full, len);
            assertThatThrownBy(() -> BaselineStore.decode(BaselineWeekly.FORMAT, cut)).as("truncated to %d bytes", len)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageMatching(".*(truncated|length).*");
            if (len % 61 == 0 || len == full.length - 1) { // and through the file, at a sample of offsets
                Files.write(f, cut);
                assertThat(store.load()).as("file truncated to %d bytes", len).isNull();
                assertThat(store.lastLoadFailure()).as("reason at %d", len).isNotBlank();
            }
        }
        Files.write(f, full);
        assertThat(store.load()).isNotNull();
        assertThat(store.lastLoadFailure()).isNull();
    }

    @Test
    void load_everyByteFlipped_isDetected() throws IOException {
        BaselineWeekly b = learned(2);
        byte[] full = BaselineStore.encode(BaselineWeekly.FORMAT, b.toBytes(0));
        Path f = dir.resolve("f.baseline");
        BaselineStore store = new BaselineStore(f, BaselineWeekly.FORMAT);
        for (int i = 0; i < full.length; i++) {
            for (int mask : new int[] {0x01, 0xFF}) {
                byte[] bad = full.clone();
                bad[i] ^= (byte) mask;
                byte[] payload;
                try {
                    payload = BaselineStore.decode(BaselineWeekly.FORMAT, bad);
                } catch (IllegalArgumentException e) {
                    assertThat(e.getMessage()).as("flip at %d", i).isNotBlank();
                    payload = null;
                }
                if (payload != null) {
                    // only acceptable if the data is identical (cannot happen with a CRC32, but say what we mean)
                    BaselineWeekly c = new BaselineWeekly(ZoneOffset.UTC);
                    c.loadFrom(payload);
                    assertThat(c.sameLearnedState(b)).as("flip at %d", i).isTrue();
                }
                if (i % 97 == 0) {
                    Files.write(f, bad);
                    assertThat(store.load()).as("file flipped at %d", i).isNull();
                    assertThat(store.lastLoadFailure()).isNotBlank();
                }
            }
        }
    }

    @Test
    void load_wrongVersionOrMagicOrGarbage_reportsTheReason() throws IOException {
        Path f = dir.resolve("v.baseline");
        BaselineStore store = new BaselineStore(f, BaselineWeekly.FORMAT);
        Files.write(f, BaselineStore.encode(BaselineWeekly.FORMAT + 1, learned(1).toBytes(0)));
        assertThat(store.load()).isNull();
        assertThat(store.lastLoadFailure()).contains("version");
        Files.write(f, "hello, this is not a baseline at all".getBytes());
        assertThat(store.load()).isNull();
        assertThat(store.lastLoadFailure()).contains("magic");
        Files.delete(f);
        assertThat(store.load()).isNull();
        assertThat(store.lastLoadFailure()).as("a missing file is not an error").isNull();
    }

    @Test
    void load_directoryInsteadOfFile_reportsUnreadable() throws IOException {
        Path f = dir.resolve("d.baseline");
        Files.createDirectory(f);
        BaselineStore store = new BaselineStore(f, BaselineWeekly.FORMAT);
        assertThat(store.load()).isNull();
        assertThat(store.lastLoadFailure()).isNotBlank();
    }

    @Test
    void loadFrom_otherZoneOrBadValues_isRejectedAndLeavesTheBaselineEmpty() {
        byte[] paris = new BaselineWeekly(ZoneId.of("Europe/Paris")).toBytes(0);
        BaselineWeekly b = new BaselineWeekly(ZoneOffset.UTC);
        assertThatCode(() -> b.loadFrom(paris)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zone");
        assertThat(b.isEmpty()).isTrue();
    }

    @Test
    void save_readOnlyDirectory_returnsFalseAndKeepsRunning() throws IOException {
        Path ro = dir.resolve("ro");
        Files.createDirectory(ro);
        try {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-xr-xr-x"));
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system
        }
        BaselineStore store = new BaselineStore(ro.resolve("x.baseline"), BaselineWeekly.FORMAT);
        boolean root = Files.isWritable(ro); // root ignores permissions
        assertThat(store.save(learned(1).toBytes(0))).isEqualTo(root);
        assertThat(store.save(learned(1).toBytes(0))).isEqualTo(root);
        // a file where the directory should be: cannot create it
        Path blocker = dir.resolve("blocker");
        Files.write(blocker, new byte[] {1});
        BaselineStore nested = new BaselineStore(blocker.resolve("sub").resolve("x.baseline"), BaselineWeekly.FORMAT);
        assertThat(nested.save(new byte[] {1, 2, 3})).isFalse();
    }

    @Test
    void cdnTrafficCheck_corruptFile_startsWarmAndNeverThrows() throws IOException {
        Path f = dir.resolve("cdn-traffic.baseline");
        Files.write(f, new byte[] {0x43, 0x44, 0x47, 0x42, 0, 0, 0, 1, 0, 0});
        CdnTrafficCheck check = CdnTrafficCheck.builder().baselineDirectory(dir).build();
        TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        CheckResult r = check.evaluate(s);
        assertThat(r.details()).containsEntry("warmingUp", true);
        assertThat(check.baselineFile()).isEqualTo(f);
    }

    @Test
    void cdnTrafficCheck_savesEveryIntervalAndTheNextInstanceStartsWhereItLeft() {
        CdnTrafficCheck first = CdnTrafficCheck.builder().baselineDirectory(dir).baselineName("site-a")
                .saveInterval(Duration.ofHours(6)).build();
        TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        for (long t = MONDAY; t <= MONDAY + 8 * 24 * HOUR; t += 60_000) {
            s.time = t;
            s.add(StatusClass.SUCCESS, 3);
            s.add(StatusClass.SERVER_ERROR, 1);
            first.evaluate(s);
        }
        assertThat(Files.exists(dir.resolve("site-a.baseline"))).isTrue();
        assertThat(first.saveBaseline()).isTrue();

        CdnTrafficCheck second = CdnTrafficCheck.builder().baselineDirectory(dir).baselineName("site-a").build();
        TrafficModel.FakeSnapshot s2 = new TrafficModel.FakeSnapshot(MONDAY + 9 * 24 * HOUR);
        CheckResult r = second.evaluate(s2);
        assertThat(r.details()).containsEntry("warmingUp", true); // no recent history yet
        assertThat((Double) r.details().get("baselineHours")).isGreaterThan(150.0);
        assertThat(r.details()).containsEntry("baselineSource", "weekly");
        // 3 successful fetches a minute were learned; the 5xx were not counted
        assertThat((Double) r.details().get("expectedPerMin")).isBetween(2.9, 3.1);
    }

    @Test
    void cdnTrafficCheck_persistenceOff_writesNothing() throws IOException {
        CdnTrafficCheck check = CdnTrafficCheck.builder().persistence(false).baselineDirectory(dir).saveInterval(Duration.ofSeconds(1)).build();
        TrafficModel.FakeSnapshot s = new TrafficModel.FakeSnapshot(MONDAY);
        for (long t = MONDAY; t <= MONDAY + 3 * HOUR; t += 10_000) {
            s.time = t;
            s.add(StatusClass.SUCCESS, 1);
            check.evaluate(s);
        }
        assertThat(check.saveBaseline()).isFalse();
        assertThat(check.baselineFile()).isNull();
        try (var files = Files.list(dir)) {
            assertThat(files.count()).isZero();
        }
    }
}
