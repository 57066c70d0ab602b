package io.cdnguard.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Captures what the test logger (slf4j-simple, which writes to {@link System#err} at each call)
 * prints while it is open, still passing it through. Test fixture: use in try-with-resources, and
 * filter the lines by something unique to the test (a guard or file name), since other threads may
 * log meanwhile.
 */
public final class LogCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

    /** Starts capturing. */
    public LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                buf.write(b);
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                buf.write(b, off, len);
                original.write(b, off, len);
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** The captured lines that contain every fragment. */
    public List<String> lines(String... fragments) {
        String all;
        synchronized (buf) {
            all = buf.toString(StandardCharsets.UTF_8);
        }
        return Arrays.stream(all.split("\n")).filter(l -> {
            for (String f : fragments) {
                if (!l.contains(f)) {
                    return false;
                }
            }
            return true;
        }).collect(Collectors.toList());
    }

    /** How many captured lines contain every fragment. */
    public int count(String... fragments) {
        return lines(fragments).size();
    }

    /** Stops capturing. */
    @Override
    public void close() {
        System.err.flush();
        System.setErr(original);
    }
}
