package io.cdnguard.samples.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.BackendStats;
import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthListener;
import io.cdnguard.HealthStatus;
import io.cdnguard.PopStats;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import io.cdnguard.TimeSource;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.checks.CacheRefetchCheck;
import io.cdnguard.checks.CdnTrafficCheck;
import io.cdnguard.checks.MissingBackendCheck;
import io.cdnguard.samples.backtest.sim.CdnProfile;
import io.cdnguard.samples.backtest.sim.Scenario;
import io.cdnguard.samples.backtest.sim.Simulator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The guard's own trace log ({@code CdnGuard.Builder.traceLog}) replays exactly: a simulated
 * scenario is recorded by a guard that traces every exchange, the lines are read back with
 * {@link JsonTraceReader} through a second backtest, and both runs must count the same and
 * transition the same, at the same times.
 */
class TraceLogRoundTripTest {

    private static final Duration PERIOD = Duration.ofSeconds(10);

    /** The backtest's detection setup ({@link GuardSetup}), plus the trace log when a sink is given. */
    private static CdnGuard guard(TimeSource clock, HealthListener listener, List<String> backends, Consumer<String> trace) {
        CdnGuard.Builder b = CdnGuard.builder().timeSource(clock).evaluationThread(false).evaluationPeriod(PERIOD)
                .builtInChecks(false).detectionChecks(false).listener(listener)
                .check(CdnTrafficCheck.builder().persistence(false).build())
                .check(CacheRefetchCheck.builder().build())
                .check(MissingBackendCheck.builder().build());
        backends.forEach(b::expectBackend);
        if (trace != null) {
            b.traceLog(trace);
        }
        return b.build();
    }

    private static Backtest backtest(List<String> backends, Consumer<String> trace) {
        Backtest[] holder = new Backtest[1];
        holder[0] = new Backtest(PERIOD, clock -> guard(clock, holder[0].listener(), backends, trace), null, true);
        return holder[0];
    }

    /** Every count the snapshot has that a trace can carry, by name. */
    private static Map<String, Long> counts(GuardSnapshot s) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("cdn", s.cdnFetches());
        for (Cdn c : Cdn.values()) {
            for (StatusClass k : StatusClass.values()) {
                m.put("cdn." + c + "." + k, s.cdnFetches(c, k));
            }
            m.put("revalidations." + c, s.revalidations(c));
        }
        for (RequestKind k : RequestKind.values()) {
            m.put("other." + k, s.otherRequests(k));
        }
        m.put("invalid", s.invalid());
        m.put("aborted", s.aborted());
        m.put("bytes", s.cdnBytes());
        for (UpstreamFailure f : UpstreamFailure.values()) {
            m.put("failures." + f, s.upstreamFailures(f));
        }
        for (BackendStats b : s.backends()) {
            m.put("backend." + b.name() + ".exchanges", b.exchanges());
            m.put("backend." + b.name() + ".failures", b.failures());
        }
        for (PopStats p : s.pops()) {
            m.put("pop." + p.cdn() + "." + p.pop(), p.fetches());
        }
        m.put("latency.count", s.latency().count());
        return m;
    }

    private record Runs(Backtest original, Backtest replay, JsonTraceReader reader, int lines) {
    }

    private static Runs roundTrip(Scenario sc) throws IOException {
        List<String> backends = sc.expectedBackends();
        StringBuilder trace = new StringBuilder();
        int[] lines = {0};
        Backtest original = backtest(backends, line -> {
            trace.append(line).append('\n');
            lines[0]++;
        });
        new Simulator(sc).run(new SimFeed(original));
        original.finish(sc.endMillis());

        Backtest replay = backtest(backends, null);
        JsonTraceReader reader = new JsonTraceReader(new ByteArrayInputStream(trace.toString().getBytes(StandardCharsets.UTF_8)));
        try (reader) {
            while (reader.next()) {
                replay.record(reader.timestampMillis(), reader.exchange());
            }
        }
        replay.finish(sc.endMillis());
        return new Runs(original, replay, reader, lines[0]);
    }

    private static void assertSameRun(Runs r) {
        assertThat(r.lines()).isEqualTo(r.original().records()).isPositive();
        assertThat(r.reader().malformed()).isZero();
        assertThat(r.reader().records()).isEqualTo(r.lines());
        assertThat(r.replay().records()).isEqualTo(r.original().records());
        assertThat(r.replay().lateRecords()).as("the trace is stamped in record order").isZero();
        assertThat(counts(r.replay().guard().snapshot())).isEqualTo(counts(r.original().guard().snapshot()));
        assertThat(r.replay().transitions()).isEqualTo(r.original().transitions());
        assertThat(r.replay().timeInStatus()).isEqualTo(r.original().timeInStatus());
    }

    @Test
    void gatewayNoBackend_tracedAndReplayed_sameCountsAndSameTransitions() throws IOException {
        Runs r = roundTrip(Scenario.named("gateway-no-backend", 21, 21, null).fromDay(20));

        assertSameRun(r);
        // the run is not trivial: the incident fires, backends and upstream failures were carried over
        assertThat(r.original().transitions()).anySatisfy(t -> {
            assertThat(t.check()).isEqualTo("missing-backend");
            assertThat(t.status()).isNotEqualTo(HealthStatus.UP);
        });
        GuardSnapshot s = r.replay().guard().snapshot();
        assertThat(s.upstreamFailures(UpstreamFailure.NO_BACKEND)).isPositive();
        assertThat(s.backends()).extracting(BackendStats::name).containsAll(r.original().guard().snapshot()
                .backends().stream().map(BackendStats::name).toList());
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT)).isPositive();
        assertThat(s.otherRequests(RequestKind.PROBE)).isPositive();
    }

    @Test
    void otherCdns_tracedAndReplayed_sameCountsPerCdnAndStatus() throws IOException {
        List<Cdn> seen = new ArrayList<>();
        for (CdnProfile cdn : new CdnProfile[] {CdnProfile.FASTLY, CdnProfile.CLOUDFLARE, CdnProfile.AKAMAI}) {
            Runs r = roundTrip(Scenario.named("small-site", 22, 1, cdn));
            assertSameRun(r);
            GuardSnapshot s = r.replay().guard().snapshot();
            for (Cdn c : Cdn.values()) {
                if (s.cdnFetches(c) > 0) {
                    seen.add(c);
                }
            }
            assertThat(s.otherRequests(RequestKind.DIRECT)).isPositive();
        }
        assertThat(seen).contains(Cdn.FASTLY, Cdn.CLOUDFLARE, Cdn.AKAMAI);
    }
}
