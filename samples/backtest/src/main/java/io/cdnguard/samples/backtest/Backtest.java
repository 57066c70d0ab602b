package io.cdnguard.samples.backtest;

import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.Exchange;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.RequestKind;
import io.cdnguard.TimeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Drives a {@link CdnGuard} on a simulated clock taken from the records' timestamps.
 *
 * <p>The clock never moves backwards: a record older than the newest one seen (traces may be
 * reordered by a few seconds) is recorded at the current time. Before a record is filed, the clock
 * is advanced through the gap since the previous one, stopping at every evaluation boundary (every
 * multiple of the evaluation period since the epoch) to tick the guard and evaluate the checks, so
 * a check that fires on silence fires when it would have fired live. A gap longer than 8
 * days is evaluated through its first 8 days and the rest jumped
 * ({@link #gapsJumped()}), so a corrupt timestamp far in the future cannot stall the run. Not
 * thread-safe.
 */
public final class Backtest {

    /** How far back a record may be before it counts as out of order beyond the tolerance. */
    static final long REORDER_TOLERANCE_MILLIS = 5_000;

    /** The longest silence evaluated boundary by boundary (8 days: a weekly cycle and a day); longer gaps are jumped. */
    static final long MAX_EVALUATED_GAP_MILLIS = 8L * 86_400_000;

    private final long periodMillis;
    private final Function<TimeSource, CdnGuard> guardFactory;
    private final Consumer<Transition> sink;
    private final SimClock clock = new SimClock();
    private final List<Transition> transitions = new ArrayList<>();
    private final Map<String, HealthStatus> current = new LinkedHashMap<>();
    private final Map<String, Long> since = new LinkedHashMap<>();
    private final Map<String, EnumMap<HealthStatus, Long>> timeIn = new LinkedHashMap<>();
    private final boolean keepTransitions;

    private CdnGuard guard;
    private long startMillis = Long.MIN_VALUE;
    private long nextEval;
    private long records;
    private long lateRecords;
    private long gapsJumped;
    private long evaluations;
    /** CPU time of the calls timed exactly: those that evaluated more than once, and the first single ones. */
    private long exactNanos;
    /** Calls to advanceTo that evaluated exactly once, and how many of the sampled ones were timed, for how long. */
    private long singleCalls;
    private long singleSampled;
    private long singleSampledNanos;

    /** One in this many calls of {@link #advanceTo} that evaluate once is timed, past the first {@link #EXACT_CALLS}. */
    static final int SAMPLE_EVERY = 16;
    /** The first calls that evaluate once, all timed: the cold ones, too slow and few to sample. */
    static final long EXACT_CALLS = 10_000;

    /**
     * Creates a backtest.
     *
     * @param evaluationPeriod the live evaluation period to reproduce
     * @param guardFactory builds the guard on the given simulated clock; it must turn the
     *     evaluation thread off and register {@link #listener()}
     * @param sink receives every transition as it happens (may be {@code null})
     * @param keepTransitions whether to keep them for {@link #transitions()}
     */
    public Backtest(Duration evaluationPeriod, Function<TimeSource, CdnGuard> guardFactory,
                    Consumer<Transition> sink, boolean keepTransitions) {
        this.periodMillis = evaluationPeriod.toMillis();
        if (periodMillis < 1) {
            throw new IllegalArgumentException("evaluation period must be at least 1 ms: " + evaluationPeriod);
        }
        this.guardFactory = guardFactory;
        this.sink = sink;
        this.keepTransitions = keepTransitions;
    }

    /** The listener to register on the guard: it collects transitions and status times. */
    public io.cdnguard.HealthListener listener() {
        return this::onTransition;
    }

    private void onTransition(String check, HealthStatus previous, CheckResult result, long atMillis) {
        Transition t = new Transition(atMillis, check, result.status(), previous, result.message());
        account(check, previous, atMillis);
        current.put(check, result.status());
        if (keepTransitions) {
            transitions.add(t);
        }
        if (sink != null) {
            sink.accept(t);
        }
    }

    private void account(String check, HealthStatus previous, long at) {
        long from = since.getOrDefault(check, startMillis);
        timeIn.computeIfAbsent(check, k -> new EnumMap<>(HealthStatus.class))
            .merge(current.getOrDefault(check, previous), Math.max(0, at - from), Long::sum);
        since.put(check, at);
    }

    private void start(long ts) {
        startMillis = ts;
        clock.millis = ts;
        nextEval = Math.floorDiv(ts, periodMillis) * periodMillis + periodMillis;
        guard = guardFactory.apply(clock);
        current.put("overall", HealthStatus.UP);
        for (Check c : guard.checks()) {
            current.put(c.name(), HealthStatus.UP);
        }
        for (String name : current.keySet()) {
            since.put(name, ts);
        }
    }

    /** Records one exchange completed at {@code tsMillis} (trace time). */
    public void record(long tsMillis, Exchange exchange) {
        if (guard == null) {
            start(tsMillis);
        }
        if (tsMillis > clock.millis) {
            advanceTo(tsMillis);
        } else if (tsMillis < clock.millis - REORDER_TOLERANCE_MILLIS) {
            lateRecords++;
        }
        records++;
        guard.record(exchange);
    }

    /** Advances the simulated clock to {@code target}, evaluating at every boundary on the way. */
    public void advanceTo(long target) {
        if (guard == null) {
            start(target);
            return;
        }
        if (nextEval <= target) {
            // Timing every call would cost two thread-CPU-clock reads (system calls) per record on a
            // sparse trace, where nearly every record crosses one boundary: past the first EXACT_CALLS
            // (the slow, cold ones: timed exactly), calls that evaluate once are timed one in
            // SAMPLE_EVERY and scaled; calls that evaluate more are always timed.
            boolean single = target - nextEval < periodMillis;
            boolean sampled = single && singleCalls >= EXACT_CALLS;
            boolean timed = !single || !sampled || (singleCalls - EXACT_CALLS) % SAMPLE_EVERY == 0;
            if (single) {
                singleCalls++;
            }
            long t0 = timed ? cpuNanos() : 0;
            // A gap longer than MAX_EVALUATED_GAP_MILLIS (a trace spanning months of silence, or a corrupt
            // timestamp years ahead) is evaluated through its first part only, then jumped: else one
            // record in year 9999 means billions of evaluations.
            long gap = target - clock.millis; // negative only on overflow
            long stop = gap < 0 || gap > MAX_EVALUATED_GAP_MILLIS ? clock.millis + MAX_EVALUATED_GAP_MILLIS : target;
            while (nextEval <= stop) {
                clock.millis = nextEval;
                guard.evaluateNow(); // ticks first
                evaluations++;
                nextEval += periodMillis;
            }
            if (stop < target) {
                gapsJumped++;
                long boundary = Math.floorDiv(target, periodMillis) * periodMillis;
                nextEval = boundary > Long.MAX_VALUE - periodMillis ? Long.MAX_VALUE : boundary + periodMillis;
            }
            if (timed) {
                long spent = cpuNanos() - t0;
                if (sampled) {
                    singleSampledNanos += spent;
                    singleSampled++;
                } else {
                    exactNanos += spent;
                }
            }
        }
        if (target > clock.millis) {
            clock.millis = target;
            guard.tick();
        }
    }

    /** Ends the run at the current clock (or at {@code untilMillis} if later) and closes the guard. */
    public void finish(long untilMillis) {
        if (guard == null) {
            return;
        }
        if (untilMillis > clock.millis) {
            advanceTo(untilMillis);
        }
        for (String check : current.keySet()) {
            account(check, current.get(check), clock.millis);
        }
        guard.close();
    }

    /** The guard (after the first record), for its snapshot and checks. */
    public CdnGuard guard() {
        return guard;
    }

    /** The transitions so far, if kept. */
    public List<Transition> transitions() {
        return transitions;
    }

    /** Simulated time of the first record, or {@link Long#MIN_VALUE}. */
    public long startMillis() {
        return startMillis;
    }

    /** The simulated clock now. */
    public long nowMillis() {
        return clock.millis;
    }

    /** Records fed. */
    public long records() {
        return records;
    }

    /** Records more than 5 s older than the newest one seen before them. */
    public long lateRecords() {
        return lateRecords;
    }

    /** Gaps between records longer than 8 days whose rest (after 8 days) was jumped without evaluating. */
    public long gapsJumped() {
        return gapsJumped;
    }

    /** Evaluations run. */
    public long evaluations() {
        return evaluations;
    }

    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = THREADS.isCurrentThreadCpuTimeSupported();

    /** CPU time of the current thread (wall-clock time where not supported), nanoseconds. */
    static long cpuNanos() {
        return CPU_TIME ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /**
     * CPU nanoseconds of this thread spent in evaluations (ticks and checks) so far: exact for the
     * calls that evaluated several boundaries and the first 10,000 that evaluated one, estimated
     * from a one-in-16 sample for the later ones (reading the thread's CPU clock twice per record
     * cost more than a tenth of a sparse trace's run).
     */
    public long evaluationNanos() {
        long sampledCalls = Math.max(0, singleCalls - EXACT_CALLS);
        long singles = singleSampled == 0 ? 0 : Math.round((double) singleSampledNanos * sampledCalls / singleSampled);
        return exactNanos + singles;
    }

    /** Milliseconds each check (and {@code overall}) spent in each status, after {@link #finish}. */
    public Map<String, EnumMap<HealthStatus, Long>> timeInStatus() {
        return timeIn;
    }

    /** A human summary of CDN share from the guard's snapshot. */
    public String cdnShare() {
        if (guard == null) {
            return "no records";
        }
        GuardSnapshot s = guard.snapshot();
        long cdn = s.cdnFetches();
        long total = cdn;
        for (RequestKind k : RequestKind.values()) {
            if (k != RequestKind.CDN) {
                total += s.otherRequests(k);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("CDN fetches %d of %d recorded (%.1f%%)", cdn, total, total == 0 ? 0.0 : 100.0 * cdn / total));
        for (Cdn c : Cdn.values()) {
            long n = s.cdnFetches(c);
            if (n > 0) {
                sb.append(String.format("%n  %-11s %9d  %5.1f%%", c.label(), n, 100.0 * n / Math.max(1, total)));
            }
        }
        for (RequestKind k : RequestKind.values()) {
            if (k != RequestKind.CDN) {
                long n = s.otherRequests(k);
                sb.append(String.format("%n  %-11s %9d  %5.1f%%", "(" + k.label() + ")", n, 100.0 * n / Math.max(1, total)));
            }
        }
        return sb.toString();
    }

    /** The simulated clock. */
    static final class SimClock implements TimeSource {
        volatile long millis;

        @Override
        public long currentTimeMillis() {
            return millis;
        }
    }
}
