package io.cdnguard.samples.origin;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends trace lines to a file from a background thread: the sink behind the samples'
 * {@code --trace-log FILE}, given to {@code CdnGuard.Builder.traceLog(Consumer)}. It does what an
 * asynchronous logging appender with {@code neverBlock} does, without a logging backend the samples
 * do not ship: {@link #accept(String)} only offers the line to a bounded queue and never blocks; when
 * the queue is full (the disk cannot keep up) the line is dropped and counted.
 *
 * <p>The writer thread writes lines in the order they were queued, one per line, and flushes
 * whenever the queue runs empty, so at most the lines of the last instant are lost if the process is
 * killed. An I/O error drops the line, is counted, and is logged once.
 *
 * <p>Thread-safe: any number of recording threads may call {@link #accept(String)}.
 */
public final class TraceFile implements Consumer<String>, Closeable {

    private static final Logger log = LoggerFactory.getLogger(TraceFile.class);

    /** Lines queued at most before new ones are dropped. */
    static final int CAPACITY = 1 << 16;

    private final Path file;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Writer out;
    private final Thread writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;
    private boolean warned;

    private TraceFile(Path file, Writer out) {
        this.file = file;
        this.out = out;
        this.writer = new Thread(this::run, "cdnguard-trace-file");
        this.writer.setDaemon(true);
    }

    /**
     * Opens {@code file} for appending (creating it if needed) and starts the writer thread.
     *
     * @param file the trace file
     * @return the running trace file
     * @throws IOException if the file cannot be opened
     */
    public static TraceFile open(Path file) throws IOException {
        Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), 1 << 16);
        TraceFile t = new TraceFile(file, w);
        t.writer.start();
        log.info("writing the cdnguard trace to {}", file);
        return t;
    }

    /** Queues one line (without terminator); never blocks. Dropped and counted if full or closed. */
    @Override
    public void accept(String line) {
        if (closed || line == null || !queue.offer(line)) {
            dropped.incrementAndGet();
        }
    }

    private void run() {
        while (true) {
            String line;
            try {
                line = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                line = null;
                closed = true;
            }
            if (line != null) {
                write(line);
            }
            if (queue.isEmpty()) {
                flush();
                // Read closed first, then look at the queue again: a line offered before close() was
                // called is in the queue by the time closed reads true (it was empty a moment ago,
                // before that line and close() happened).
                if (closed && queue.isEmpty()) {
                    break;
                }
            }
        }
        try {
            out.close();
        } catch (IOException e) {
            failed(e);
        }
    }

    private void write(String line) {
        try {
            out.write(line);
            out.write('\n');
            written.incrementAndGet();
        } catch (IOException e) {
            dropped.incrementAndGet();
            failed(e);
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            failed(e);
        }
    }

    private void failed(IOException e) {
        if (!warned) {
            warned = true;
            log.warn("cannot write the cdnguard trace to {}: {}; lines are dropped", file, e.toString());
        }
    }

    /** Lines written to the file so far. */
    public long written() {
        return written.get();
    }

    /** Lines dropped so far (queue full, closed, or an I/O error). */
    public long dropped() {
        return dropped.get();
    }

    /** The file. */
    public Path file() {
        return file;
    }

    /** Stops taking lines, writes those queued, flushes and closes the file. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!writer.isAlive()) {
            // lines offered while the writer was finishing
            while (queue.poll() != null) {
                dropped.incrementAndGet();
            }
        }
        if (dropped.get() > 0) {
            log.warn("cdnguard trace {}: {} lines written, {} dropped", file, written.get(), dropped.get());
        }
    }
}
