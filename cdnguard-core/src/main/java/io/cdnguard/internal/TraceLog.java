package io.cdnguard.internal;

import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.RecognitionRules;
import io.cdnguard.TimeSource;
import io.cdnguard.UpstreamFailure;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every recorded exchange as one line of the cdnguard trace format (JSON Lines, the format
 * the backtest reads), so that an outage can be replayed later exactly as the origin saw it. Not
 * API: enabled with {@code CdnGuard.Builder.traceLog(...)}.
 *
 * <p>A line holds {@code ts} (the guard's clock when the exchange was recorded, RFC 3339 UTC with
 * milliseconds), {@code method}, {@code path}, {@code status}, {@code bytes} and {@code duration_ms}
 * when known, {@code backend} and {@code error} (the {@link UpstreamFailure#label()}) for
 * gateways, {@code aborted} when the exchange was aborted (readers ignore it), and the objects
 * {@code req} and {@code resp} with the request headers recognition and conditional detection read
 * (those named by user recognition rules included) and the response headers freshness reads. An
 * absent header, an empty object and an unknown number are left out.
 *
 * <p>Header values are cut at {@value #MAX_VALUE} characters (recognition never reads further),
 * and so are the method, path and backend name; the values of headers that a
 * {@link RecognitionRules.Kind#SHARED_SECRET} rule names are never written. The output is pure
 * ASCII JSON whatever the input: {@code "} and {@code \} are escaped, control characters and every
 * non-ASCII character are written as {@code \}{@code uXXXX} escapes (a surrogate pair as two), and an
 * unpaired surrogate becomes U+FFFD, so a line is valid JSON and UTF-8 in any encoder charset and
 * never spans two lines.
 *
 * <p>Where lines go: by default to the SLF4J logger {@value #LOGGER_NAME} at INFO, checked with
 * {@link Logger#isInfoEnabled()} before anything is formatted; or to a sink given instead.
 *
 * <h2>Implementation notes</h2>
 * This is not the allocation-free recording path: when tracing is on, each exchange costs one
 * {@link StringBuilder} and one {@link String} (plus whatever the logging backend does; use an
 * asynchronous appender), on the recording thread. It is lock-free: every field is final and set in
 * the constructor, a line is built in a {@link StringBuilder} local to the call, and the only
 * shared mutable state is the drop counter (an {@link AtomicLong}, incremented only when a line is
 * dropped) and the warn-once flag (an {@link AtomicBoolean}, set by compare-and-set by the first
 * failure). {@link #log(Exchange)} never throws: an exchange, header source, clock, logger or sink
 * that throws costs that one line, which is counted in {@link #dropped()}; the first drop is logged
 * as a warning on this class's logger.
 */
public final class TraceLog {

    /** The SLF4J logger the lines go to by default. */
    public static final String LOGGER_NAME = "cdnguard.trace";

    /** Longest header value, method, path or backend name written, in characters. */
    public static final int MAX_VALUE = 4096;

    private static final Logger log = LoggerFactory.getLogger(TraceLog.class);

    /** The request headers the built-in recognition, POP reading and conditional detection read. */
    static final List<String> REQUEST_HEADERS = List.of(
            "user-agent", "via", "cdn-loop", "x-amz-cf-id", "x-amz-cf-pop", "fastly-ff", "fastly-client-ip",
            "x-varnish", "x-served-by", "cf-ray", "akamai-origin-hop", "x-azure-ref", "x-azure-fdid",
            "x-fd-healthprobe", "x-cloud-trace-context", "if-none-match", "if-modified-since");

    /** The response headers freshness and expiry tracking read. */
    static final List<String> RESPONSE_HEADERS = List.of(
            "cache-control", "cdn-cache-control", "cloudflare-cdn-cache-control", "surrogate-control", "expires",
            "date", "etag", "last-modified", "age", "vary");

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final TimeSource time;
    private final String[] requestHeaders;
    private final String[] responseHeaders;
    private final Logger target;
    private final Consumer<? super String> sink;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicBoolean warned = new AtomicBoolean();

    private TraceLog(TimeSource time, RecognitionRules rules, Logger target, Consumer<? super String> sink) {
        this.time = Objects.requireNonNull(time, "time");
        this.requestHeaders = requestHeaders(rules == null ? RecognitionRules.defaults() : rules).toArray(new String[0]);
        this.responseHeaders = RESPONSE_HEADERS.toArray(new String[0]);
        this.target = target;
        this.sink = sink;
    }

    /**
     * A trace log writing to the SLF4J logger {@value #LOGGER_NAME} at INFO.
     *
     * @param time the clock that stamps each line
     * @param rules the recognition rules in force (their header names are traced too)
     * @return the trace log
     */
    public static TraceLog toLogger(TimeSource time, RecognitionRules rules) {
        return toLogger(time, rules, LoggerFactory.getLogger(LOGGER_NAME));
    }

    /** A trace log writing to {@code logger} at INFO (tests). */
    static TraceLog toLogger(TimeSource time, RecognitionRules rules, Logger logger) {
        return new TraceLog(time, rules, Objects.requireNonNull(logger, "logger"), null);
    }

    /**
     * A trace log handing each line (without line terminator) to {@code sink}, on the recording
     * thread; the sink must be thread-safe and should be quick.
     *
     * @param time the clock that stamps each line
     * @param rules the recognition rules in force (their header names are traced too)
     * @param sink receives the lines
     * @return the trace log
     */
    public static TraceLog toSink(TimeSource time, RecognitionRules rules, Consumer<? super String> sink) {
        return new TraceLog(time, rules, null, Objects.requireNonNull(sink, "sink"));
    }

    /**
     * The request header names written: the built-in ones, then those named by user rules, except
     * any header a shared-secret rule names.
     */
    static Set<String> requestHeaders(RecognitionRules rules) {
        Set<String> names = new LinkedHashSet<>(REQUEST_HEADERS);
        Set<String> secret = new LinkedHashSet<>();
        for (RecognitionRules.Rule r : rules.rules()) {
            if (r.header() == null) {
                continue;
            }
            if (r.kind() == RecognitionRules.Kind.SHARED_SECRET) {
                secret.add(r.header());
            } else {
                names.add(r.header());
            }
        }
        names.removeAll(secret);
        return Collections.unmodifiableSet(names);
    }

    /** The request header names this log writes, in order. */
    List<String> requestHeaderNames() {
        return List.of(requestHeaders);
    }

    /**
     * Writes one exchange, stamped with the clock now, if the target logger is enabled for INFO (or
     * always, with a sink). Never throws; a line that cannot be written is counted in
     * {@link #dropped()}.
     *
     * @param exchange the exchange just recorded
     */
    public void log(Exchange exchange) {
        try {
            if (target != null && !target.isInfoEnabled()) {
                return;
            }
            String line = format(exchange, time.currentTimeMillis());
            if (target != null) {
                target.info(line);
            } else {
                sink.accept(line);
            }
        } catch (Throwable t) {
            drop(t);
        }
    }

    private void drop(Throwable t) {
        try {
            dropped.incrementAndGet();
            if (warned.compareAndSet(false, true)) {
                log.warn("cdnguard trace log: a line was dropped ({}); further drops are counted, not logged", t.toString());
            }
        } catch (Throwable ignored) {
            // logging itself failed: nothing left to do without throwing into the host
        }
    }

    /** Lines that could not be written (an exchange, clock, logger or sink threw). */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Formats one exchange as a trace line (no line terminator). A header source that throws is
     * treated as having no such header; anything else that throws propagates.
     *
     * @param e the exchange
     * @param millis the line's timestamp, epoch milliseconds
     * @return the JSON line
     */
    public String format(Exchange e, long millis) {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"ts\":");
        timestamp(sb, millis);
        sb.append(",\"method\":");
        string(sb, e.method());
        sb.append(",\"path\":");
        string(sb, e.path());
        sb.append(",\"status\":").append(e.status());
        long bytes = e.responseBytes();
        if (bytes >= 0) {
            sb.append(",\"bytes\":").append(bytes);
        }
        long nanos = e.durationNanos();
        if (nanos >= 0) {
            sb.append(",\"duration_ms\":");
            millis(sb, nanos);
        }
        String backend = e.backend();
        if (backend != null && !backend.isEmpty()) {
            sb.append(",\"backend\":");
            string(sb, backend);
        }
        UpstreamFailure failure = e.failure();
        if (failure != null) {
            sb.append(",\"error\":\"").append(failure.label()).append('"');
        }
        if (e.aborted()) {
            sb.append(",\"aborted\":true");
        }
        headers(sb, "req", e.requestHeaders(), requestHeaders);
        headers(sb, "resp", e.responseHeaders(), responseHeaders);
        return sb.append('}').toString();
    }

    private static void headers(StringBuilder sb, String field, HeaderSource h, String[] names) {
        if (h == null) {
            return;
        }
        boolean open = false;
        for (String name : names) {
            CharSequence v;
            try {
                v = h.get(name);
            } catch (RuntimeException ex) {
                v = null; // as recognition does: a source that throws has no such header
            }
            if (v == null) {
                continue;
            }
            sb.append(open ? "," : ",\"" + field + "\":{");
            open = true;
            string(sb, name);
            sb.append(':');
            string(sb, v);
        }
        if (open) {
            sb.append('}');
        }
    }

    /** Appends {@code nanos} as milliseconds with three decimals (microsecond resolution). */
    static void millis(StringBuilder sb, long nanos) {
        long micros = nanos / 1_000;
        sb.append(micros / 1_000).append('.');
        long frac = micros % 1_000;
        if (frac < 100) {
            sb.append('0');
        }
        if (frac < 10) {
            sb.append('0');
        }
        sb.append(frac);
    }

    /**
     * Appends an RFC 3339 UTC timestamp with milliseconds ({@code "2021-04-04T01:59:58.120Z"}), or
     * the epoch milliseconds as a number (the format allows both) for a time outside years 0..9999.
     */
    static void timestamp(StringBuilder sb, long millis) {
        long days = Math.floorDiv(millis, 86_400_000L);
        long ms = Math.floorMod(millis, 86_400_000L);
        // civil_from_days (H. Hinnant)
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        long y = yoe + era * 400;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long d = doy - (153 * mp + 2) / 5 + 1;
        long m = mp < 10 ? mp + 3 : mp - 9;
        if (m <= 2) {
            y++;
        }
        if (y < 0 || y > 9999) {
            sb.append(millis);
            return;
        }
        sb.append('"');
        pad(sb, y, 4).append('-');
        pad(sb, m, 2).append('-');
        pad(sb, d, 2).append('T');
        pad(sb, ms / 3_600_000, 2).append(':');
        pad(sb, ms / 60_000 % 60, 2).append(':');
        pad(sb, ms / 1_000 % 60, 2).append('.');
        pad(sb, ms % 1_000, 3).append("Z\"");
    }

    private static StringBuilder pad(StringBuilder sb, long v, int width) {
        for (long p = 10; width > 1; width--, p *= 10) {
            if (v < p) {
                sb.append('0');
            }
        }
        return sb.append(v);
    }

    /**
     * Appends a JSON string of the first {@value #MAX_VALUE} characters of {@code s} ({@code ""} for
     * {@code null}), pure ASCII: see the class comment.
     */
    static void string(StringBuilder sb, CharSequence s) {
        sb.append('"');
        if (s != null) {
            int n = Math.min(s.length(), MAX_VALUE);
            for (int i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x7f) {
                    if (c == '"' || c == '\\') {
                        sb.append('\\');
                    }
                    sb.append(c);
                } else if (c == '\n') {
                    sb.append("\\n");
                } else if (c == '\r') {
                    sb.append("\\r");
                } else if (c == '\t') {
                    sb.append("\\t");
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    unicode(sb, c);
                    unicode(sb, s.charAt(++i));
                } else if (Character.isSurrogate(c)) {
                    unicode(sb, '\ufffd');
                } else {
                    unicode(sb, c);
                }
            }
        }
        sb.append('"');
    }

    private static void unicode(StringBuilder sb, char c) {
        sb.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
    }
}
