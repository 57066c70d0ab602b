import java.io.FileInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU it costs to read a file into a 256 KiB array (the backtest's LineSource buffer), four
 * ways (benchmarks/README.md, "Backtest throughput, session 7"; the reason TraceReader.open uses
 * FileInputStream):
 *
 *   taskset -c 1 java samples/backtest/audit/ReadTest.java stream|fis|direct|mmap FILE
 */
public class ReadTest {
    public static void main(String[] a) throws Exception {
        Path p = Path.of(a[1]);
        byte[] buf = new byte[1 << 18];
        long sum = 0;
        long n = 0;
        ThreadMXBean tb = ManagementFactory.getThreadMXBean();
        long t0 = System.nanoTime();
        long c0 = tb.getCurrentThreadCpuTime();
        long u0 = tb.getCurrentThreadUserTime();
        switch (a[0]) {
            case "stream", "fis" -> {
                try (InputStream in = a[0].equals("fis") ? new FileInputStream(p.toFile()) : Files.newInputStream(p)) {
                    int r;
                    while ((r = in.read(buf, 0, buf.length)) > 0) {
                        n += r;
                        sum += buf[r - 1];
                    }
                }
            }
            case "direct" -> {
                try (FileChannel ch = FileChannel.open(p)) {
                    ByteBuffer d = ByteBuffer.allocateDirect(1 << 18);
                    int r;
                    while ((r = ch.read(d)) > 0) {
                        d.flip();
                        d.get(buf, 0, r);
                        d.clear();
                        n += r;
                        sum += buf[r - 1];
                    }
                }
            }
            default -> {
                try (FileChannel ch = FileChannel.open(p)) {
                    long size = ch.size();
                    long chunk = 64L << 20;
                    for (long off = 0; off < size; off += chunk) {
                        MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, off, Math.min(chunk, size - off));
                        while (m.hasRemaining()) {
                            int r = Math.min(buf.length, m.remaining());
                            m.get(buf, 0, r);
                            n += r;
                            sum += buf[r - 1];
                        }
                    }
                }
            }
        }
        System.out.printf("%s %d bytes (checksum %d) %.2f s wall, cpu %.2f s (user %.2f)%n", a[0], n, sum,
            (System.nanoTime() - t0) / 1e9, (tb.getCurrentThreadCpuTime() - c0) / 1e9, (tb.getCurrentThreadUserTime() - u0) / 1e9);
    }
}
