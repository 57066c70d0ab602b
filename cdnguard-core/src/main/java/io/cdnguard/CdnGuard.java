package io.cdnguard;

import io.cdnguard.checks.CacheRefetchCheck;
import io.cdnguard.checks.CdnErrorRatioCheck;
import io.cdnguard.checks.CdnTrafficCheck;
import io.cdnguard.checks.MissingBackendCheck;
import io.cdnguard.checks.UpstreamFailureRatioCheck;
import io.cdnguard.internal.CdnRecognizer;
import io.cdnguard.internal.Counters;
import io.cdnguard.internal.DefaultHealthEndpoint;
import io.cdnguard.internal.Evaluator;
import io.cdnguard.internal.ExpiryTracker;
import io.cdnguard.internal.Freshness;
import io.cdnguard.internal.PathHash;
import io.cdnguard.internal.TraceLog;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    private static final Logger log = LoggerFactory.getLogger(CdnGuard.class);
    /** Baseline files claimed by open guards of this JVM, so two guards never write one file. */
    private static final Map<String, CdnGuard> BASELINE_OWNERS = new ConcurrentHashMap<>();
    /** Numbers the guards built in this JVM, for their evaluation threads' names. */
    private static final AtomicLong GUARDS_BUILT = new AtomicLong();
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
    /** The baseline file this guard writes (a key of {@link #BASELINE_OWNERS}), or {@code null}. */
    private final String baselineClaim;
    /** The trace log, or {@code null} when off (the default): one plain read of a final field per record. */
    private final TraceLog traceLog;

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
        this.baselineClaim = b.detectionChecks ? addDetectionChecks(b, all) : null;
        all.addAll(b.checks);
        this.checks = Collections.unmodifiableList(all);
        // The thread ticks at least every second: the coarse clock (freshness, expiry) stays within 1 s
        // and a bucket is rotated at most 1 s after it ended. A tick with no bucket ending is cheap.
        long tickMillis = Math.min(b.bucket.toMillis(), 1_000);
        // the guard's name and a sequence number: a thread dump says whose evaluation thread it is
        this.evaluator = new Evaluator(b.name + "-" + GUARDS_BUILT.incrementAndGet(), time, this::tick,
                this::snapshot, checks, b.listeners, tickMillis, b.evaluationPeriod.toMillis(),
                b.evaluationThread);
        this.endpoint = new DefaultHealthEndpoint(b.endpointPrefix, b.detailsToken, new EnumMap<>(b.httpStatus),
                evaluator::current, this::snapshot);
        this.traceLog = !b.traceLog ? null : b.traceSink != null
                ? TraceLog.toSink(time, b.recognition, b.traceSink) : TraceLog.toLogger(time, b.recognition);
    }

    /** Starts a builder with the defaults documented on each method. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adds the detection checks ({@code cdn-traffic}, {@code cache-refetch}, {@code missing-backend})
     * with their defaults; returns the baseline file this guard claimed, or {@code null}. Two open
     * guards of one JVM never share a baseline file: the second keeps its baseline in memory (WARN).
     */
    private String addDetectionChecks(Builder b, List<Check> all) {
        CdnTrafficCheck.Builder traffic = CdnTrafficCheck.builder().baselineName(b.name).zone(b.zone);
        String claim = null;
        if (b.persistBaseline != null ? b.persistBaseline : !b.customClock) {
            Path dir = b.baselineDirectory != null ? b.baselineDirectory
                    : Paths.get(System.getProperty("java.io.tmpdir", "."), "cdnguard");
            traffic.baselineDirectory(dir);
            String key = dir.toAbsolutePath().normalize().resolve(b.name + ".baseline").toString();
            if (BASELINE_OWNERS.putIfAbsent(key, this) == null) {
                claim = key;
            } else {
                log.warn("Another open guard in this JVM already uses the baseline file {}; this guard (name '{}') keeps its "
                        + "cdn-traffic baseline in memory only. Give each guard its own name().", key, b.name);
                traffic.persistence(false);
            }
        } else {
            traffic.persistence(false);
        }
        all.add(traffic.build());
        all.add(CacheRefetchCheck.builder().build());
        MissingBackendCheck.Builder missing = MissingBackendCheck.builder();
        for (Map.Entry<String, String> e : b.backendGroups.entrySet()) {
            missing.peerGroup(e.getValue(), e.getKey());
        }
        all.add(missing.build());
        return claim;
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
        if (traceLog != null) {
            traceLog.log(exchange); // off by default; never throws (counts and drops a failed line)
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
        boolean notModified = status == 304;
        if (notModified || (status >= 200 && status <= 299)) {
            // only the targeted fields this CDN honours are looked up (Freshness class notes);
            // a null HeaderSource parses as no headers
            long f = Freshness.parse(e.responseHeaders(), cdn, now);
            if (Freshness.cacheable(f)) {
                ttl = Freshness.lifetimeSeconds(f);
                hash = PathHash.hash(path);
            } else if (!notModified || (f & Freshness.UNKNOWN) == 0) {
                ttl = -1;
                hash = PathHash.hash(path);
            }
            // else: a 304 without freshness headers refreshes the cached copy with its stored
            // lifetime, which only the CDN knows; leave the tracked entry as it is.
        }
        // conditional() (one or two request header lookups) only where it counts: a 304
        boolean revalidation = notModified && e.conditional();
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

    /**
     * Stops the evaluation thread and saves the {@code cdn-traffic} baseline if it learned anything
     * since it was loaded or last saved, so that a restart within the hourly save interval does not
     * cost the weeks of history. Recording after close is still safe (and still counted). Idempotent.
     */
    @Override
    public void close() {
        evaluator.close();
        for (Check c : checks) {
            if (c instanceof CdnTrafficCheck) {
                ((CdnTrafficCheck) c).saveBaselineIfLearned(); // never throws
            }
        }
        if (baselineClaim != null) {
            BASELINE_OWNERS.remove(baselineClaim, this);
        }
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
        boolean detectionChecks = true;
        String name = "default";
        Boolean persistBaseline; // null: persist unless the guard runs on a custom clock
        boolean customClock;
        Path baselineDirectory;
        ZoneId zone = ZoneOffset.UTC;
        final Map<String, String> backendGroups = new LinkedHashMap<>();
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
        boolean traceLog;
        Consumer<? super String> traceSink;

        private Builder() {
            httpStatus.put(HealthStatus.UP, 200);
            httpStatus.put(HealthStatus.DEGRADED, 200);
            httpStatus.put(HealthStatus.DOWN, 503);
        }

        /** The clock. Default: {@link TimeSource#system()}. */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            this.customClock = true;
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

        /** Adds a check, evaluated after the built-in and detection ones in the order added. */
        public Builder check(Check check) {
            this.checks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /** Whether to include the built-in checks ({@code upstream-failures}, {@code cdn-errors}). Default {@code true}. */
        public Builder builtInChecks(boolean include) {
            this.builtInChecks = include;
            return this;
        }

        /**
         * Whether to include the detection checks, {@code cdn-traffic}, {@code cache-refetch} and {@code
         * missing-backend}, with their defaults (see {@code io.cdnguard.checks}). Default {@code true}.
         * Turn off to add them yourself with other settings, or to run without them.
         */
        public Builder detectionChecks(boolean include) {
            this.detectionChecks = include;
            return this;
        }

        /**
         * The guard's name: the {@code cdn-traffic} baseline is kept in {@code <directory>/<name>.baseline}.
         * Default {@code default}; letters, digits, '.', '_' and '-'. Give each guard of a host its own
         * name: while one guard is open, another of the same JVM with the same name and directory keeps
         * its baseline in memory only (and says so in a WARN) rather than overwrite the file.
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The site's time zone, for the detection checks: the {@code cdn-traffic} baseline learns the
         * hours of the week in it, and its holiday guards look at its local midnight (a holiday's
         * fetches fall from there). Default UTC; set it to where the site's viewers are (e.g. {@code
         * ZoneId.of("Europe/Berlin")}), or a holiday starting at their midnight may page.
         */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /**
         * The directory of the detection checks' baseline file. Default {@code ${java.io.tmpdir}/cdnguard};
         * choose a directory that survives reboots in production.
         */
        public Builder baselineDirectory(Path directory) {
            this.baselineDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Whether the detection checks read and write their baseline file. Default: {@code true} on the
         * system clock, {@code false} once {@link #timeSource(TimeSource)} was set (a baseline learned
         * on a simulated clock means nothing to the next run, and a test must not read one).
         */
        public Builder persistBaseline(boolean persist) {
            this.persistBaseline = persist;
            return this;
        }

        /**
         * Declares backends of the canonical configuration (gateways) that serve one route class, say
         * {@code static} for {@code asset-1..3}: the {@code missing-backend} check compares a backend's
         * share of its group's traffic, so a quiet {@code api} backend never makes an asset backend
         * look silent. Backends declared without a group are grouped by name stem ({@code api-1},
         * {@code api-2}: {@code api}). The rules of {@link #expectBackendSpec(String)} apply: a group
         * name is a letter, then letters, digits, {@code .}, {@code _} or {@code -}, and a backend
         * belongs to one group.
         *
         * @throws IllegalArgumentException for a bad group name, or a backend already in another group
         */
        public Builder expectBackendGroup(String group, String... names) {
            Objects.requireNonNull(group, "group");
            if (!SPEC_GROUP.matcher(group).matches()) {
                throw new IllegalArgumentException("bad backend group name '" + group
                        + "': a letter, then letters, digits, '.', '_' or '-'");
            }
            for (String n : Objects.requireNonNull(names, "names")) {
                String had = backendGroups.get(Objects.requireNonNull(n, "name"));
                if (had != null && !had.equals(group)) {
                    throw new IllegalArgumentException("backend '" + n + "' in two groups: '" + had + "' and '" + group + "'");
                }
            }
            for (String n : names) {
                expectBackend(n);
                backendGroups.put(n, group);
            }
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

        /**
         * Declares backends of the canonical configuration (gateways) from their one text form, the
         * one the servlet init-param {@code expect-backends} and the samples' {@code --expect-backends}
         * take: {@code static:asset-1,asset-2,asset-3;api:api-1,api-2} declares two route classes (as
         * {@link #expectBackendGroup(String, String...)}), a plain {@code asset-1,asset-2,api-1}
         * declares backends without a group (as {@link #expectBackends(String...)}: grouped by name stem).
         *
         * <p>The grammar:
         * <ul>
         * <li>Parts are separated by {@code ;}. A part is {@code group:names} or plain {@code names};
         *     the two may be mixed ({@code static:asset-1,asset-2;extra-1}).</li>
         * <li>Names are separated by {@code ,} or white space; white space around names, group names
         *     and separators is ignored, so a list may span lines.</li>
         * <li>Empty parts and empty names are skipped: {@code a,,b;} is {@code a,b}.</li>
         * <li>A name listed twice is declared once. A name may be in one group only; a plain mention
         *     of a grouped name adds nothing.</li>
         * <li>A group name is a letter, then up to 99 letters, digits, {@code .}, {@code _} or
         *     {@code -}, and a group has at least one name. A backend name is any text without
         *     {@code ;}, {@code ,}, {@code :} or white space.</li>
         * <li>The spec declares at least one backend.</li>
         * </ul>
         *
         * <p>A spec that breaks a rule is rejected whole, before anything is declared, with an {@link
         * IllegalArgumentException} whose message names the bad part, for example {@code group
         * 'static' without backends in 'static:'}; callers prefix where the spec came from.
         *
         * @param spec the spec, for example {@code static:asset-1,asset-2;api:api-1,api-2}
         * @return this builder
         * @throws IllegalArgumentException when the spec breaks the grammar
         */
        public Builder expectBackendSpec(String spec) {
            Objects.requireNonNull(spec, "spec");
            Map<String, String> parsed = new LinkedHashMap<>(); // backend to group, "" for none
            for (String raw : spec.split(";", -1)) {
                String part = raw.strip();
                if (part.isEmpty()) {
                    continue;
                }
                int colon = part.indexOf(':');
                String group = "";
                String list = part;
                if (colon >= 0) {
                    if (part.indexOf(':', colon + 1) >= 0) {
                        throw new IllegalArgumentException("more than one ':' in '" + part + "' (a missing ';'?)");
                    }
                    group = part.substring(0, colon).strip();
                    list = part.substring(colon + 1);
                    if (group.isEmpty()) {
                        throw new IllegalArgumentException("group without a name in '" + part + "'");
                    }
                    if (!SPEC_GROUP.matcher(group).matches()) {
                        throw new IllegalArgumentException("bad group name '" + group + "' in '" + part
                                + "': a letter, then letters, digits, '.', '_' or '-'");
                    }
                }
                boolean any = false;
                for (String name : SPEC_NAME_SEPARATOR.split(list)) {
                    if (name.isEmpty()) {
                        continue;
                    }
                    any = true;
                    String had = parsed.get(name);
                    if (had == null || had.isEmpty()) {
                        parsed.put(name, group);
                    } else if (!group.isEmpty() && !had.equals(group)) {
                        throw new IllegalArgumentException("backend '" + name + "' in two groups: '" + had
                                + "' and '" + group + "'");
                    }
                }
                if (!any && colon >= 0) {
                    throw new IllegalArgumentException("group '" + group + "' without backends in '" + part + "'");
                }
            }
            if (parsed.isEmpty()) {
                throw new IllegalArgumentException("no backend in '" + spec + "'");
            }
            for (Map.Entry<String, String> e : parsed.entrySet()) {
                if (e.getValue().isEmpty()) {
                    expectBackend(e.getKey());
                } else {
                    expectBackendGroup(e.getValue(), e.getKey());
                }
            }
            return this;
        }

        private static final java.util.regex.Pattern SPEC_GROUP =
                java.util.regex.Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,99}");
        private static final java.util.regex.Pattern SPEC_NAME_SEPARATOR = java.util.regex.Pattern.compile("[,\\s]+");

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

        /**
         * Whether to write every recorded exchange, CDN fetch or not, as one line of the trace format
         * (the JSON Lines the backtest replays) to the SLF4J logger {@code cdnguard.trace} at INFO.
         * Default {@code false}. Lines are written only when this is on <em>and</em> that logger is
         * enabled for INFO, so configure the logger explicitly (its own file, additivity off, behind an
         * asynchronous appender: the line is handed to the logging backend on the recording thread).
         *
         * <p>When on, recording is no longer allocation-free: each exchange costs a line
         * ({@code String}) and reads the exchange's methods and headers a second time; when off, it
         * costs one read of a final field. Tracing never throws into the caller: a line that cannot be
         * written is dropped, counted, and the first drop is logged as a warning. Shared-secret header
         * values are never written; client addresses are not part of the format. Replaces a sink given
         * with {@link #traceLog(Consumer)}.
         */
        public Builder traceLog(boolean enabled) {
            this.traceLog = enabled;
            this.traceSink = null;
            return this;
        }

        /**
         * Turns the trace log on (see {@link #traceLog(boolean)}) with the lines going to {@code sink}
         * instead of the {@code cdnguard.trace} logger: one call per exchange, on the recording thread,
         * with a line without terminator. The sink must be thread-safe and quick (hand the line to a
         * queue); whatever it throws is caught, counted and dropped.
         */
        public Builder traceLog(Consumer<? super String> sink) {
            this.traceSink = Objects.requireNonNull(sink, "sink");
            this.traceLog = true;
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
            if (!name.matches("[A-Za-z0-9._-]{1,100}") || name.startsWith(".")) {
                throw new IllegalArgumentException("name must be 1..100 of [A-Za-z0-9._-], not starting with '.': " + name);
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
