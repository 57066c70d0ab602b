package io.cdnguard;

import io.cdnguard.checks.CdnErrorRatioCheck;
import io.cdnguard.checks.UpstreamFailureRatioCheck;
import io.cdnguard.internal.CdnRecognizer;
import io.cdnguard.internal.Counters;
import io.cdnguard.internal.DefaultHealthEndpoint;
import io.cdnguard.internal.Evaluator;
import io.cdnguard.internal.ExpiryTracker;
import io.cdnguard.internal.Freshness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Records every CDN fetch an origin serves and judges, on its own evaluation thread, whether the CDN
 * can still reach it.
 *
 * <pre>{@code
 * CdnGuard guard = CdnGuard.builder()
 *     .expectBackends("asset-1", "asset-2")
 *     .build();
 * guard.record(exchange);                 // hot path: lock-free, allocation-free, never throws
 * HealthReport report = guard.health();   // the last evaluated report, O(1)
 * guard.close();                          // stops the evaluation thread
 * }</pre>
 *
 * <p>Thread-safety: {@link #record(Exchange)} may be called from any number of threads at once; it
 * is lock-free and allocation-free and never reads the system clock: it files the exchange under
 * the current time bucket, which the evaluation side advances ({@link #tick()}). Everything else
 * is safe to call from any thread.
 *
 * <p>Implementation notes: the guard holds no lock on the recording path. Its fields are final and
 * set in the constructor; the mutable state lives in the internal counters, which stripe every
 * count over padded arrays each owned by one recording thread (single-writer adds, no atomic
 * instruction; threads whose ids collide share a second, atomically updated stripe), so threads do
 * not share hot cache lines; the rolling window is derived from bucket-boundary sums the evaluation side
 * takes in {@link #tick()} (so a bucket rotation never resets a cell and cannot lose a count). The
 * only allocations that recording can cause are bounded: the first sighting of a new backend name or
 * edge location, up to the configured caps.
 */
public final class CdnGuard implements AutoCloseable {

    private static final RequestKind[] KINDS = RequestKind.values();
    private static final int KIND_CDN = RequestKind.CDN.ordinal();
    private static final int CDN_OTHER = Cdn.OTHER.ordinal();
    private static final int CDN_COUNT = Cdn.values().length;

    private final TimeSource time;
    private final CdnRecognizer recognizer;
    private final Counters counters;
    private final List<Check> checks;
    private final Evaluator evaluator;
    private final HealthEndpoint endpoint;

    private CdnGuard(Builder b) {
        this.time = b.timeSource;
        long start = time.currentTimeMillis();
        this.recognizer = new CdnRecognizer(b.recognition, b.endpointPrefix);
        int table = Integer.highestOneBit(b.trackedAssets - 1) << 1;
        ExpiryTracker expiry = new ExpiryTracker(table, b.refetchGrace.toMillis(), start);
        this.counters = new Counters(start, b.bucket.toMillis(), b.windowBuckets, b.expectedBackendsView(),
                b.maxUnknownBackends, b.maxPops, expiry, 0);
        List<Check> all = new ArrayList<>();
        if (b.builtInChecks) {
            all.add(new UpstreamFailureRatioCheck());
            all.add(new CdnErrorRatioCheck());
        }
        all.addAll(b.checks);
        this.checks = Collections.unmodifiableList(all);
        // The thread ticks at least every second: the coarse clock (freshness, expiry) stays within 1 s
        // and a bucket is rotated at most 1 s after it ended. A tick with no bucket ending is cheap.
        long tickMillis = Math.min(b.bucket.toMillis(), 1_000);
        this.evaluator = new Evaluator(Integer.toHexString(System.identityHashCode(this)), time, this::tick,
                this::snapshot, checks, b.listeners, tickMillis, b.evaluationPeriod.toMillis(),
                b.evaluationThread);
        this.endpoint = new DefaultHealthEndpoint(b.endpointPrefix, b.detailsToken, new EnumMap<>(b.httpStatus),
                evaluator::current, this::snapshot);
    }

    /** Starts a builder with the defaults documented on each method. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Records one completed exchange. Lock-free and allocation-free; never throws, whatever it is
     * given: an exchange it cannot make sense of is counted as invalid and otherwise skipped.
     *
     * <p>Whether the exchange was aborted, its backend and its upstream failure are counted whatever
     * its status (a gateway that got no response may report status 0); everything else needs a
     * status in 100..599, else the exchange counts as invalid. A 2xx or 304 CDN fetch updates expiry
     * tracking with its freshness lifetime (or as not cacheable), except a 304 that carries no
     * freshness information at all: the CDN refreshes its copy with the lifetime it stored, so the
     * tracked entry is left as it is.
     *
     * <p>Implementation notes: reads each {@link Exchange} method at most once, classifies with the
     * allocation-free recogniser (one pass that also reads the edge location, so no request header
     * is looked up twice), parses freshness only for a 2xx or 304 CDN fetch, reads the coarse
     * clock once (a volatile read; never the system clock), and adds to the calling thread's stripe
     * of the internal counters: plain single-writer (opaque) adds on a stripe the thread owns, atomic
     * adds on a shared stripe when thread ids collide. A {@link Throwable} from the exchange or its
     * header sources is caught (catching allocates nothing; the thrower already did) and counted as
     * invalid.
     */
    public void record(Exchange exchange) {
        try {
            record0(exchange);
        } catch (Throwable t) {
            try {
                counters.recordInvalid();
            } catch (Throwable ignored) {
                // nothing left to do without throwing into the host
            }
        }
    }

    private void record0(Exchange e) {
        long[] s = counters.stripe();
        counters.recordGateway(s, e.aborted(), e.backend(), e.failure());
        int status = e.status();
        if (status < 100 || status > 599) {
            counters.recordInvalid(s);
            return;
        }
        HeaderSource req = e.requestHeaders();
        if (req == null) {
            req = HeaderSource.EMPTY;
        }
        CharSequence path = e.path();
        long classified = recognizer.classifyWithPop(req, e.clientAddress(), path);
        int cls = CdnRecognizer.classificationOf(classified);
        // Decoded as CdnRecognizer.kind()/cdn() do, without their enum lookups.
        int kind = cls & 0xF;
        if (kind != KIND_CDN) {
            counters.recordOther(s, kind < KINDS.length ? kind : RequestKind.DIRECT.ordinal());
            return;
        }
        int cdn = ((cls >>> 4) & 0xF) - 1;
        if (cdn < 0 || cdn >= CDN_COUNT) {
            cdn = CDN_OTHER;
        }
        long now = counters.coarseNow();
        long ttl = Counters.NO_TTL;
        long hash = 0;
        if (status / 100 == 2 || status == 304) {
            HeaderSource resp = e.responseHeaders();
            long f = Freshness.parse(resp == null ? HeaderSource.EMPTY : resp, now);
            if (Freshness.cacheable(f)) {
                ttl = Freshness.lifetimeSeconds(f);
            } else if (status != 304 || (f & Freshness.UNKNOWN) == 0) {
                ttl = -1;
            }
            // else: a 304 without freshness headers refreshes the cached copy with its stored
            // lifetime, which only the CDN knows; leave the tracked entry as it is.
            hash = ttl == Counters.NO_TTL ? 0 : Counters.hashPath(path);
        }
        boolean revalidation = status == 304 && e.conditional();
        long pop = CdnRecognizer.popOf(classified);
        counters.recordCdn(s, cdn, status, e.responseBytes(), e.durationNanos(), revalidation, ttl, pop, hash, now);
    }

    /**
     * Classifies a request from its headers alone, as {@link #record(Exchange)} would, without
     * recording anything. Allocation-free.
     */
    public RequestKind classify(HeaderSource requestHeaders, CharSequence clientAddress) {
        int cls = recognizer.classify(requestHeaders == null ? HeaderSource.EMPTY : requestHeaders, clientAddress, null);
        int kind = cls & 0xF;
        return kind < KINDS.length ? KINDS[kind] : RequestKind.DIRECT;
    }

    /**
     * Advances the coarse clock from the {@link TimeSource} and rotates time buckets if one ended.
     * The evaluation thread calls it; call it yourself when driving a guard on simulated time
     * without that thread. Cheap when no bucket ended. Handles jumps of many buckets; a clock
     * stepping back by less than a bucket is ignored; by more, it closes the
     * current bucket and starts a new one at the new time. Never throws.
     */
    public void tick() {
        counters.tick(time.currentTimeMillis());
    }

    /** Takes an immutable snapshot of every counter now. Never blocks recording. */
    public GuardSnapshot snapshot() {
        return counters.snapshot();
    }

    /** Returns the last evaluated report; O(1), never evaluates. */
    public HealthReport health() {
        return evaluator.current();
    }

    /**
     * Ticks, takes a snapshot and runs every check now, on the calling thread (serialised with the
     * evaluation thread), delivers transitions to listeners, and returns the new report.
     */
    public HealthReport evaluateNow() {
        return evaluator.evaluateNow();
    }

    /** The HTTP endpoints (health, LB word, metrics) for adapters to serve. */
    public HealthEndpoint endpoint() {
        return endpoint;
    }

    /** The checks, in evaluation order. */
    public List<Check> checks() {
        return checks;
    }

    /** Stops the evaluation thread. Recording after close is still safe (and still counted). Idempotent. */
    @Override
    public void close() {
        evaluator.close();
    }

    /**
     * Configures a {@link CdnGuard}. Not thread-safe. Values are validated in {@link #build()},
     * which throws {@link IllegalArgumentException} naming the offending value.
     */
    public static final class Builder {
        TimeSource timeSource = TimeSource.system();
        Duration bucket = Duration.ofSeconds(10);
        int windowBuckets = 360;
        Duration evaluationPeriod = Duration.ofSeconds(10);
        boolean evaluationThread = true;
        final List<Check> checks = new ArrayList<>();
        boolean builtInChecks = true;
        final Set<String> expectedBackends = new LinkedHashSet<>();
        int maxUnknownBackends = 64;
        int maxPops = 64;
        int trackedAssets = 1 << 16;
        Duration refetchGrace = Duration.ofMinutes(1);
        RecognitionRules recognition = RecognitionRules.defaults();
        String endpointPrefix = "/cdnguard";
        String detailsToken;
        final Map<HealthStatus, Integer> httpStatus = new EnumMap<>(HealthStatus.class);
        final List<HealthListener> listeners = new ArrayList<>();

        private Builder() {
            httpStatus.put(HealthStatus.UP, 200);
            httpStatus.put(HealthStatus.DEGRADED, 200);
            httpStatus.put(HealthStatus.DOWN, 503);
        }

        /** The clock. Default: {@link TimeSource#system()}. */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /** The rolling window: {@code buckets} buckets of {@code bucket} each. Default: 360 of 10 s (one hour). */
        public Builder window(Duration bucket, int buckets) {
            this.bucket = Objects.requireNonNull(bucket, "bucket");
            this.windowBuckets = buckets;
            return this;
        }

        /** How often the evaluation thread runs the checks. Default: 10 s. */
        public Builder evaluationPeriod(Duration period) {
            this.evaluationPeriod = Objects.requireNonNull(period, "period");
            return this;
        }

        /**
         * Whether to start the evaluation thread. Default {@code true}; turn off when driving the guard
         * on simulated time with {@link CdnGuard#tick()} and {@link CdnGuard#evaluateNow()}.
         */
        public Builder evaluationThread(boolean start) {
            this.evaluationThread = start;
            return this;
        }

        /** Adds a check, evaluated after the built-in ones in the order added. */
        public Builder check(Check check) {
            this.checks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /** Whether to include the built-in checks ({@code upstream-failures}, {@code cdn-errors}). Default {@code true}. */
        public Builder builtInChecks(boolean include) {
            this.builtInChecks = include;
            return this;
        }

        /** Declares a backend of the canonical configuration (gateways). */
        public Builder expectBackend(String name) {
            this.expectedBackends.add(Objects.requireNonNull(name, "name"));
            return this;
        }

        /** Declares backends of the canonical configuration (gateways). */
        public Builder expectBackends(String... names) {
            for (String n : names) {
                expectBackend(n);
            }
            return this;
        }

        /** At most this many distinct unknown backend names are tracked; the rest are counted as overflow. Default 64. */
        public Builder maxUnknownBackends(int max) {
            this.maxUnknownBackends = max;
            return this;
        }

        /** At most this many distinct CDN edge locations are tracked. Default 64. */
        public Builder maxPops(int max) {
            this.maxPops = max;
            return this;
        }

        /**
         * Size of the fixed table of recently fetched assets used for expiry tracking (rounded up to a
         * power of two). Default 65,536 (1 MiB). Assets beyond it collide and overwrite each other.
         */
        public Builder trackedAssets(int size) {
            this.trackedAssets = size;
            return this;
        }

        /** How long after its expiry a copy counts as due for a refetch. Default 1 min. */
        public Builder refetchGrace(Duration grace) {
            this.refetchGrace = Objects.requireNonNull(grace, "grace");
            return this;
        }

        /** User recognition rules. Default: {@link RecognitionRules#defaults()}. */
        public Builder recognition(RecognitionRules rules) {
            this.recognition = Objects.requireNonNull(rules, "rules");
            return this;
        }

        /** The endpoints' path prefix. Default {@code /cdnguard}. */
        public Builder endpointPrefix(String prefix) {
            this.endpointPrefix = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        /** When set, the health details are shown only to requests with {@code Authorization: Bearer <token>}. */
        public Builder detailsToken(String token) {
            this.detailsToken = token;
            return this;
        }

        /** The HTTP status the health endpoints answer for a status. Default: UP 200, DEGRADED 200, DOWN 503. */
        public Builder httpStatus(HealthStatus status, int httpStatus) {
            this.httpStatus.put(Objects.requireNonNull(status, "status"), httpStatus);
            return this;
        }

        /** Adds a transition listener. */
        public Builder listener(HealthListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Builds and, unless turned off, starts the evaluation thread. */
        public CdnGuard build() {
            if (bucket.toMillis() < 1) {
                throw new IllegalArgumentException("bucket must be at least 1 ms: " + bucket);
            }
            if (windowBuckets < 2 || windowBuckets > 100_000) {
                throw new IllegalArgumentException("window buckets must be 2..100000: " + windowBuckets);
            }
            if (evaluationPeriod.toMillis() < 1) {
                throw new IllegalArgumentException("evaluation period must be at least 1 ms: " + evaluationPeriod);
            }
            if (maxUnknownBackends < 0 || maxUnknownBackends > 10_000) {
                throw new IllegalArgumentException("maxUnknownBackends must be 0..10000: " + maxUnknownBackends);
            }
            if (maxPops < 0 || maxPops > 10_000) {
                throw new IllegalArgumentException("maxPops must be 0..10000: " + maxPops);
            }
            if (trackedAssets < 16 || trackedAssets > (1 << 26)) {
                throw new IllegalArgumentException("trackedAssets must be 16..67108864: " + trackedAssets);
            }
            if (refetchGrace.isNegative()) {
                throw new IllegalArgumentException("refetch grace must not be negative: " + refetchGrace);
            }
            if (!endpointPrefix.startsWith("/") || endpointPrefix.endsWith("/") && endpointPrefix.length() > 1) {
                throw new IllegalArgumentException("endpoint prefix must start with '/' and not end with one: " + endpointPrefix);
            }
            for (Map.Entry<HealthStatus, Integer> e : httpStatus.entrySet()) {
                if (e.getValue() < 200 || e.getValue() > 599) {
                    throw new IllegalArgumentException("HTTP status for " + e.getKey() + " must be 200..599: " + e.getValue());
                }
            }
            return new CdnGuard(this);
        }

        /** Unmodifiable view for the engine. */
        Set<String> expectedBackendsView() {
            return Collections.unmodifiableSet(expectedBackends);
        }
    }
}
