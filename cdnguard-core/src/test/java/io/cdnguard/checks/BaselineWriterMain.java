package io.cdnguard.checks;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Child process of {@link BaselineKillTest}: writes baseline snapshots through {@link BaselineStore}
 * in a loop until it is killed. Each snapshot carries its sequence number and a body derived from
 * it, so the parent can tell a complete snapshot from a torn one. It resumes after the last
 * sequence number it finds on disk and prints {@code saved <seq>} after each save returned.
 */
public final class BaselineWriterMain {

    static final int VERSION = 7;

    private BaselineWriterMain() {
    }

    /** A snapshot: seq (8 bytes), body length (4), body whose bytes depend on seq and position. */
    static byte[] snapshot(long seq) {
        int len = 16_384 + (int) Math.floorMod(seq * 7919, 240_000L); // 16..256 KiB: kills land mid-write
        ByteBuffer b = ByteBuffer.allocate(12 + len);
        b.putLong(seq).putInt(len);
        for (int i = 0; i < len; i++) {
            b.put((byte) (seq * 31 + i * 17 + (i >>> 8)));
        }
        return b.array();
    }

    /** The sequence number of a payload written by {@link #snapshot}, or -1 if it is not one exactly. */
    static long verify(byte[] payload) {
        if (payload == null || payload.length < 12) {
            return -1;
        }
        long seq = ByteBuffer.wrap(payload).getLong();
        return java.util.Arrays.equals(payload, snapshot(seq)) ? seq : -1;
    }

    /**
     * Args: the baseline file.
     *
     * @param args {@code <file>}
     */
    public static void main(String[] args) {
        Path file = Paths.get(args[0]);
        BaselineStore store = new BaselineStore(file, VERSION);
        long seq = Math.max(0, verify(store.load())) + 1;
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("started " + seq);
        while (true) {
            if (!store.save(snapshot(seq))) {
                out.println("failed " + seq);
                System.exit(2);
            }
            out.println("saved " + seq);
            seq++;
        }
    }
}
