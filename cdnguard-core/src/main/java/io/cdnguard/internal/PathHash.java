package io.cdnguard.internal;

/**
 * The 64-bit hash of a request path that keys the expiry table ({@link ExpiryTracker#onFetch}).
 *
 * <p>Algorithm: the first {@value #MAX_CHARS} UTF-16 units of the path are read four at a time,
 * each group packed into a {@code long} and folded into one of two independent lanes with a
 * multiply-rotate step ({@code lane = rotl(lane ^ word * K1, 31) * K2}); groups alternate between
 * the lanes, so the two multiply chains overlap in the CPU instead of forming one chain of
 * {@code length / 4} dependent multiplies. The tail (fewer than four units) is zero-padded and
 * folded into the second lane. The lanes, combined with the length, go through the murmur3 64-bit
 * finaliser, so every output bit depends on every input unit.
 *
 * <p>Why not {@link String#hashCode()} (cached in the {@code String}): request paths are new
 * {@code String}s per request in Jetty ({@code getRequestURI}, the path within the context) and
 * Netty (decoded from the request line), so the cache never hits where it matters, and computing
 * it is a chain of one multiply per character, slower than this. It also has only 32 bits: among
 * the up to one million assets the expiry table may track, about {@code 10^12 / 2^33}, some 116
 * pairs would collide, and its structure makes near-identical paths collide systematically
 * ({@code "Aa"} and {@code "BB"}). With 64 well-mixed bits the expected number of colliding pairs
 * at one million paths is about {@code 3 * 10^-8}.
 *
 * <p>The same characters give the same hash whatever the {@link CharSequence} implementation
 * (tested). A copy of the loop typed on {@code String} was measured and gave nothing: the JIT's type
 * profile inlines {@code charAt} at this call site anyway, as each server passes one kind of path.
 *
 * <h2>Implementation notes</h2>
 * Stateless (constants only), so trivially lock-free and thread-safe; allocation-free (locals
 * only, no boxing); never throws for a well-behaved {@link CharSequence}; bounded work (at most
 * {@value #MAX_CHARS} characters are read). {@code null} hashes to 0.
 */
public final class PathHash {

    /** At most this many leading characters of a path are hashed. */
    static final int MAX_CHARS = 4096;

    private static final long SEED_A = 0x9E3779B97F4A7C15L;
    private static final long SEED_B = 0xD6E8FEB86659FD93L;
    private static final long K1 = 0xC2B2AE3D27D4EB4FL;
    private static final long K2 = 0x9E3779B97F4A7C15L;

    private PathHash() {
    }

    /**
     * The hash of {@code path}.
     *
     * @param path the path, may be {@code null}
     * @return the 64-bit hash, 0 for {@code null}
     */
    public static long hash(CharSequence path) {
        if (path == null) {
            return 0;
        }
        return hashChars(path);
    }

    private static long hashChars(CharSequence s) {
        int n = Math.min(s.length(), MAX_CHARS);
        long a = SEED_A;
        long b = SEED_B;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long w0 = s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32
                    | (long) s.charAt(i + 3) << 48;
            long w1 = s.charAt(i + 4) | (long) s.charAt(i + 5) << 16 | (long) s.charAt(i + 6) << 32
                    | (long) s.charAt(i + 7) << 48;
            a = Long.rotateLeft(a ^ w0 * K1, 31) * K2;
            b = Long.rotateLeft(b ^ w1 * K1, 31) * K2;
        }
        if (i + 4 <= n) {
            long w = s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32
                    | (long) s.charAt(i + 3) << 48;
            a = Long.rotateLeft(a ^ w * K1, 31) * K2;
            i += 4;
        }
        long w = 0;
        for (int shift = 0; i < n; i++, shift += 16) {
            w |= (long) s.charAt(i) << shift;
        }
        return finish(a, b, w, n);
    }

    private static long finish(long a, long b, long tail, int n) {
        b = Long.rotateLeft(b ^ tail * K1, 31) * K2;
        return mix64(a ^ Long.rotateLeft(b, 32) ^ n);
    }

    /**
     * The murmur3 64-bit finaliser: spreads any 64-bit value over all bits, so that the index and
     * the tag taken from one hash are independent. Used by the hashed tables of this package.
     */
    static long mix64(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
