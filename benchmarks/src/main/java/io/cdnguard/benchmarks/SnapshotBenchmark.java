package io.cdnguard.benchmarks;

import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthReport;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.benchmarks.BenchData.BenchExchange;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the evaluation side pays: a {@link CdnGuard#snapshot()}, a full {@link CdnGuard#evaluateNow()}
 * (snapshot plus every built-in check), rendering the Prometheus metrics page and serving the health
 * document through {@link CdnGuard#endpoint()}. None of these is on the request path; they run on the
 * evaluation thread every few seconds or on a scrape, so microseconds are fine, but they must not grow
 * with traffic or with the number of distinct assets.
 *
 * <p>The guard is filled the way a busy origin fills it: {@value #PATHS} distinct assets fetched over
 * 20 simulated minutes (120 ten-second buckets) from seven CDNs and about forty POPs, with lifetimes from
 * one minute to a year (so part of the wheel is already overdue and part expires within each horizon),
 * through four expected backends and {@value #UNKNOWN_BACKENDS} unknown ones (the default cap), with
 * a sprinkle of upstream failures. It runs on a simulated clock with no evaluation thread, so nothing
 * changes between calls.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar SnapshotBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SnapshotBenchmark {

    static final int PATHS = 10_000;
    static final int UNKNOWN_BACKENDS = 64;
    private static final String[] EXPECTED = {"asset-1", "asset-2", "asset-3", "asset-4"};
    private static final long[] TTLS = {60, 300, 600, 900, 3_600, 21_600, 86_400, 604_800, 31_536_000};
    private static final UpstreamFailure[] FAILURES = UpstreamFailure.values();

    private volatile long clock;
    // It's intentionally not declared as final to avoid constant folding
    private CdnGuard guard;
    private String metricsPath;
    private String healthPath;

    /** Builds and fills the guard (10k assets, 68 backends, 20 simulated minutes). */
    @Setup(Level.Trial)
    public void setUp() {
        clock = 1_795_392_000_000L; // 2026-11-23T00:00:00Z
        guard = CdnGuard.builder()
                .timeSource(() -> clock)
                .evaluationThread(false)
                .expectBackends(EXPECTED)
                .build();
        metricsPath = guard.endpoint().prefix() + "/metrics";
        healthPath = guard.endpoint().prefix() + "/health";
        Random r = new Random(99);
        int perRound = (PATHS + 119) / 120;
        int path = 0;
        for (int round = 0; round < 120; round++) {
            for (int k = 0; k < perRound && path < PATHS; k++, path++) {
                BenchExchange e = BenchData.exchange(r, path, "/assets/" + path + "/" + BenchData.hex(r, 8) + ".js",
                        "public, max-age=" + TTLS[r.nextInt(TTLS.length)]);
                // every path enters the expiry table: a 2xx with a lifetime
                e = e.withStatus(200, 1_000 + r.nextInt(100_000));
                e.backend = path % 5 == 0 ? "legacy-" + (path / 5) % UNKNOWN_BACKENDS : EXPECTED[path % EXPECTED.length];
                if (r.nextInt(50) == 0) {
                    e.failure = FAILURES[r.nextInt(FAILURES.length)];
                }
                guard.record(e);
            }
            clock += 10_000;
            guard.tick();
        }
        HealthReport report = guard.evaluateNow();
        if (report == null) {
            throw new IllegalStateException("no health report");
        }
        GuardSnapshot s = guard.snapshot();
        if (s == null) {
            throw new IllegalStateException("no snapshot");
        }
    }

    /** Closes the guard. */
    @TearDown(Level.Trial)
    public void tearDown() {
        guard.close();
    }

    /** An immutable snapshot of every counter, the window, the histograms, backends, POPs and the wheel. */
    @Benchmark
    public GuardSnapshot snapshot() {
        return guard.snapshot();
    }

    /** A snapshot evaluated by every built-in check into a new health report (the evaluation thread's work). */
    @Benchmark
    public HealthReport evaluateNow() {
        return guard.evaluateNow();
    }

    /** A scrape: {@code GET /cdnguard/metrics}, a snapshot rendered as Prometheus text. */
    @Benchmark
    public byte[] metricsPage() {
        return guard.endpoint().handle("GET", metricsPath, null).body();
    }

    /** A balancer or monitor reading {@code GET /cdnguard/health}: the last report as health+json. */
    @Benchmark
    public byte[] healthPage() {
        return guard.endpoint().handle("GET", healthPath, null).body();
    }
}
