package io.cdnguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdnguard.testing.ManualTimeSource;
import io.cdnguard.testing.TestGuards;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The guard's {@code traceLog} option: off by default, every exchange when on, never throws. */
class CdnGuardTraceLogTest {

    private static final long T0 = TestGuards.T0;

    private final TestGuards guards = new TestGuards();
    private final ManualTimeSource clock = guards.clock;

    private CdnGuard guard(Consumer<CdnGuard.Builder> config) {
        return guards.guard(config);
    }

    @AfterEach
    void close() {
        guards.close();
    }

    private static MutableExchange cdnFetch() {
        return new MutableExchange().method("GET").path("/static/app.js").status(200).bytes(1234)
                .durationNanos(2_000_000).requestHeader("user-agent", "Amazon CloudFront")
                .responseHeader("cache-control", "public, max-age=300");
    }

    /** Records with System.err captured (slf4j-simple, the test binding, writes there at INFO). */
    private static String stderrWhile(Runnable r) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void traceLog_notConfigured_writesNothingEvenWithTheLoggerAtInfo() {
        CdnGuard off = guard(b -> { });
        CdnGuard on = guard(b -> b.traceLog(true));

        String offOut = stderrWhile(() -> off.record(cdnFetch()));
        String onOut = stderrWhile(() -> on.record(cdnFetch()));

        assertThat(offOut).doesNotContain("cdnguard.trace").doesNotContain("/static/app.js");
        // the same exchange with the option on reaches the logger, so the assertion above can fail
        assertThat(onOut).contains("cdnguard.trace").contains("\"path\":\"/static/app.js\"");
        assertThat(off.snapshot().cdnFetches()).isEqualTo(1);
    }

    @Test
    void traceLog_sink_writesEveryExchangeCdnOrNotAndCountingIsUnchanged() {
        List<String> lines = new ArrayList<>();
        CdnGuard g = guard(b -> b.traceLog(lines::add));

        g.record(cdnFetch());
        g.record(new MutableExchange().path("/health").status(200).requestHeader("user-agent", "ELB-HealthChecker/2.0"));
        g.record(new MutableExchange().path("/").status(200).requestHeader("user-agent", "Mozilla/5.0"));
        g.record(new MutableExchange().path("/bad").status(42));

        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).contains("\"user-agent\":\"Amazon CloudFront\"", "\"status\":200");
        assertThat(lines.get(1)).contains("ELB-HealthChecker/2.0");
        assertThat(lines.get(3)).contains("\"status\":42");
        GuardSnapshot s = g.snapshot();
        assertThat(s.cdnFetches()).isEqualTo(1);
        assertThat(s.otherRequests(RequestKind.PROBE)).isEqualTo(1);
        assertThat(s.otherRequests(RequestKind.DIRECT)).isEqualTo(1);
        assertThat(s.invalid()).isEqualTo(1);
    }

    @Test
    void traceLog_throwingSink_neverReachesTheCallerAndCountingGoesOn() {
        CdnGuard g = guard(b -> b.traceLog(line -> {
            throw new IllegalStateException("appender broken");
        }));

        assertThatCode(() -> {
            for (int i = 0; i < 3; i++) {
                g.record(cdnFetch());
            }
        }).doesNotThrowAnyException();
        assertThat(g.snapshot().cdnFetches()).isEqualTo(3);
        assertThat(g.snapshot().invalid()).isZero();
    }

    @Test
    void traceLog_throwingError_neverReachesTheCaller() {
        CdnGuard g = guard(b -> b.traceLog(line -> {
            throw new AssertionError("appender broken badly");
        }));

        assertThatCode(() -> g.record(cdnFetch())).doesNotThrowAnyException();
        assertThat(g.snapshot().cdnFetches()).isEqualTo(1);
    }

    @Test
    void traceLog_falseAfterSink_turnsItOff() {
        List<String> lines = new ArrayList<>();
        CdnGuard g = guard(b -> b.traceLog(lines::add).traceLog(false));

        g.record(cdnFetch());

        assertThat(lines).isEmpty();
        assertThat(g.snapshot().cdnFetches()).isEqualTo(1);
    }

    @Test
    void traceLog_nullSink_rejected() {
        assertThatThrownBy(() -> CdnGuard.builder().traceLog((Consumer<String>) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("sink");
    }

    @Test
    void traceLog_stampsTheGuardClock() {
        List<String> lines = new ArrayList<>();
        CdnGuard g = guard(b -> b.traceLog(lines::add));
        clock.setMillis(T0 + 1_234);

        g.record(cdnFetch());

        assertThat(lines).singleElement().asString()
                .contains("\"ts\":\"" + java.time.Instant.ofEpochMilli(T0 + 1_234).toString() + "\"");
    }
}
