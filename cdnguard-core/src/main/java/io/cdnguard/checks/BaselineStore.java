package io.cdnguard.checks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes one learned baseline file atomically, in a small versioned binary envelope.
 *
 * <p>File layout (big-endian): magic {@code "CDGB"} (4 bytes), format version (int), payload
 * length (int), payload, CRC32 of everything before it (int). Writing goes to a new temporary file
 * {@code .<file name>.<random digits>.tmp} in the same directory (created exclusively, so a planted
 * symbolic link is never followed), which is forced to disk ({@code fsync}), then renamed over the
 * target with {@link StandardCopyOption#ATOMIC_MOVE}, then the directory is forced so the rename
 * itself is durable. A reader, even after the process was killed ({@code kill -9}) or the machine
 * lost power at any point, sees the old file or the new one, never half of one (the CRC catches what
 * a file system without these guarantees might leave). Temporary files left by a killed writer are
 * deleted by the next {@link #load()} once they are a minute old (a younger one may belong to a
 * writer still running).
 *
 * <p>Never throws: a missing file is silent; a corrupt, truncated, wrong-version or unreadable file
 * is reported once as an SLF4J WARN with its path and the reason and then ignored; a failed write
 * (disk full, read-only directory) is reported once until a write succeeds again. Not thread-safe:
 * the owning check calls it from its evaluation thread (or under its own lock).
 */
final class BaselineStore {

    private static final Logger log = LoggerFactory.getLogger(BaselineStore.class);

    static final int MAGIC = 0x43444742; // "CDGB"
    static final int HEADER = 12;
    static final int TRAILER = 4;
    /** Larger files are rejected without reading them. */
    static final int MAX_FILE_BYTES = 4 << 20;

    /** Temporary files older than this are left-overs of a killed writer. */
    static final long STALE_TEMP_MILLIS = 60_000;

    /** Opens the temporary file for writing; replaced in tests to inject I/O faults. */
    interface Opener {
        FileChannel open(Path tmp) throws IOException;
    }

    static final Opener DEFAULT_OPENER = tmp -> FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);

    private final Path file;
    private final int version;
    private final Pattern tempName;
    Opener opener = DEFAULT_OPENER; // tests only
    private boolean writeWarned; // evaluation thread only
    private String lastLoadFailure; // evaluation thread only

    BaselineStore(Path file, int version) {
        this.file = file;
        this.version = version;
        this.tempName = Pattern.compile(Pattern.quote(tempPrefix()) + "[0-9]+" + Pattern.quote(".tmp"));
    }

    private String tempPrefix() {
        return "." + file.getFileName() + ".";
    }

    Path file() {
        return file;
    }

    /** Why the last {@link #load()} returned {@code null} for an existing file, or {@code null}. */
    String lastLoadFailure() {
        return lastLoadFailure;
    }

    /** Wraps a payload into the envelope. */
    static byte[] encode(int version, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + payload.length + TRAILER);
        b.putInt(MAGIC).putInt(version).putInt(payload.length).put(payload);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 0, HEADER + payload.length);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * Unwraps an envelope; returns the payload, or throws {@link IllegalArgumentException} with the
     * reason (the only exception it throws).
     */
    static byte[] decode(int version, byte[] data) {
        if (data.length < HEADER + TRAILER) {
            throw new IllegalArgumentException("truncated: " + data.length + " bytes, need at least " + (HEADER + TRAILER));
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not a cdnguard baseline file (bad magic 0x" + Integer.toHexString(magic) + ")");
        }
        int v = b.getInt();
        int len = b.getInt();
        if (len < 0 || len != data.length - HEADER - TRAILER) {
            throw new IllegalArgumentException("length mismatch: header says " + len + " payload bytes, file has "
                    + (data.length - HEADER - TRAILER) + " (truncated or corrupt)");
        }
        CRC32 crc = new CRC32();
        crc.update(data, 0, HEADER + len);
        int stored = ByteBuffer.wrap(data, HEADER + len, TRAILER).getInt();
        if ((int) crc.getValue() != stored) {
            throw new IllegalArgumentException("checksum mismatch (corrupt)");
        }
        if (v != version) {
            throw new IllegalArgumentException("unsupported format version " + v + " (this build reads " + version + ")");
        }
        byte[] payload = new byte[len];
        System.arraycopy(data, HEADER, payload, 0, len);
        return payload;
    }

    /**
     * Reads the file's payload, or returns {@code null} if it is missing or unusable (then WARNs once
     * with the path and the reason). Never throws.
     */
    byte[] load() {
        lastLoadFailure = null;
        deleteStaleTemps();
        try {
            if (!Files.exists(file)) {
                return null;
            }
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                return fail("file too large: " + size + " bytes");
            }
            return decode(version, Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage());
        } catch (IOException | RuntimeException e) {
            return fail("unreadable: " + e);
        }
    }

    /** Deletes this file's temporary files older than {@link #STALE_TEMP_MILLIS}. Never throws. */
    void deleteStaleTemps() {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            return;
        }
        long cutoff = System.currentTimeMillis() - STALE_TEMP_MILLIS;
        int deleted = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> tempName.matcher(p.getFileName().toString()).matches())) {
            for (Path p : ds) {
                try {
                    FileTime t = Files.getLastModifiedTime(p);
                    if (t.toMillis() < cutoff && Files.deleteIfExists(p)) {
                        deleted++;
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile, or not ours to delete: leave it
                }
            }
        } catch (IOException | RuntimeException e) {
            return; // an unreadable directory: load() reports what matters
        }
        if (deleted > 0) {
            log.info("Deleted {} stale temporary cdnguard baseline file(s) next to {} (left by an interrupted write)", deleted, file);
        }
    }

    /** Reports a payload that unwrapped fine but did not parse; WARNs with the reason. */
    void rejectPayload(String reason) {
        fail(reason);
    }

    private byte[] fail(String reason) {
        lastLoadFailure = reason;
        log.warn("Ignoring cdnguard baseline file {}: {}; learning again from scratch (warming up)", file, reason);
        return null;
    }

    /** Makes a rename in {@code dir} durable; best effort (not every platform can open a directory). */
    private static void forceDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            // e.g. Windows: directories cannot be opened; the rename is still atomic
        }
    }

    /**
     * Writes the payload atomically. Returns whether it was written; a failure is WARNed once until
     * a write succeeds again. Never throws.
     */
    boolean save(byte[] payload) {
        Path tmp = null;
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            tmp = Files.createTempFile(dir, tempPrefix(), ".tmp");
            byte[] data = encode(version, payload);
            try (FileChannel ch = opener.open(tmp)) {
                ByteBuffer buf = ByteBuffer.wrap(data);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
            forceDirectory(dir);
            if (writeWarned) {
                log.info("cdnguard baseline file {} written again", file);
                writeWarned = false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            if (!writeWarned) {
                writeWarned = true;
                String why = e instanceof AccessDeniedException ? "access denied" : e.toString();
                log.warn("Cannot write cdnguard baseline file {}: {}; the baseline stays in memory only", file, why);
            }
            return false;
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException | RuntimeException ignored) {
                    // best effort
                }
            }
        }
    }
}
