package io.cdnguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.cdnguard.Cdn;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.MutableExchange;
import io.cdnguard.RecognitionRules;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.ManualTimeSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class TraceLogTest {

    private static final long T0 = Instant.parse("2021-04-04T01:59:58.120Z").toEpochMilli();

    private final ManualTimeSource clock = new ManualTimeSource(T0);
    private final List<String> lines = new ArrayList<>();
    private final TraceLog trace = TraceLog.toSink(clock, RecognitionRules.defaults(), lines::add);

    private static Map<String, Object> parse(String line) {
        return HealthJsonTestParser.parseObject(line);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Map<String, Object> m, String field) {
        return (Map<String, Object>) m.get(field);
    }

    private static MutableExchange cloudFrontRevalidation() {
        return new MutableExchange().method("GET").path("/static/chat.js").status(304).bytes(0).durationNanos(812_345)
                .requestHeader("User-Agent", "Amazon CloudFront")
                .requestHeader("via", "1.1 5f3c.cloudfront.net (CloudFront)")
                .requestHeader("x-amz-cf-id", "Yc5X3lZbGkW8sGzQx1kTtT0wDkq9xX2vB4Hh9cZzW1fA0nEw==")
                .requestHeader("if-none-match", "\"v41\"")
                .requestHeader("cookie", "session=secret")
                .responseHeader("cache-control", "public, max-age=3600")
                .responseHeader("etag", "\"v41\"")
                .responseHeader("set-cookie", "a=b");
    }

    @Test
    void log_cdnRevalidation_writesOneSpecLineThatParsesBack() {
        trace.log(cloudFrontRevalidation());

        assertThat(lines).hasSize(1);
        Map<String, Object> m = parse(lines.get(0));
        assertThat(m).containsEntry("ts", "2021-04-04T01:59:58.120Z").containsEntry("method", "GET")
                .containsEntry("path", "/static/chat.js").containsEntry("status", 304L).containsEntry("bytes", 0L)
                .containsEntry("duration_ms", 0.812)
                .doesNotContainKeys("backend", "error", "aborted");
        assertThat(object(m, "req")).containsOnly(
                Map.entry("user-agent", "Amazon CloudFront"),
                Map.entry("via", "1.1 5f3c.cloudfront.net (CloudFront)"),
                Map.entry("x-amz-cf-id", "Yc5X3lZbGkW8sGzQx1kTtT0wDkq9xX2vB4Hh9cZzW1fA0nEw=="),
                Map.entry("if-none-match", "\"v41\""));
        assertThat(object(m, "resp")).containsOnly(
                Map.entry("cache-control", "public, max-age=3600"), Map.entry("etag", "\"v41\""));
    }

    @Test
    void format_gatewayFailure_writesBackendErrorAndAbortedButNoUnknowns() {
        MutableExchange e = new MutableExchange().method("GET").path("/static/a.js").status(503)
                .backend("asset-1").failure(UpstreamFailure.CONNECT_REFUSED).aborted(true);

        Map<String, Object> m = parse(trace.format(e, T0));

        assertThat(m).containsEntry("backend", "asset-1").containsEntry("error", "connect_refused")
                .containsEntry("aborted", true).doesNotContainKeys("bytes", "duration_ms", "req", "resp");
    }

    @Test
    void format_everyFailure_writesItsLabelThatReadsBackAsTheSameFailure() {
        for (UpstreamFailure f : UpstreamFailure.values()) {
            Map<String, Object> m = parse(trace.format(new MutableExchange().status(502).failure(f), T0));
            assertThat(UpstreamFailure.fromLabel((String) m.get("error"))).isEqualTo(f);
        }
    }

    /** Delegates to a {@link MutableExchange}; override a method to break it. */
    static class Delegate implements Exchange {
        final MutableExchange e;

        Delegate(MutableExchange e) {
            this.e = e;
        }

        @Override
        public String method() {
            return e.method();
        }

        @Override
        public CharSequence path() {
            return e.path();
        }

        @Override
        public int status() {
            return e.status();
        }

        @Override
        public long responseBytes() {
            return e.responseBytes();
        }

        @Override
        public long durationNanos() {
            return e.durationNanos();
        }

        @Override
        public HeaderSource requestHeaders() {
            return e.requestHeaders();
        }

        @Override
        public HeaderSource responseHeaders() {
            return e.responseHeaders();
        }
    }

    @Test
    void format_nullMethodPathAndHeaders_stillWritesRequiredFields() {
        Exchange e = new Delegate(new MutableExchange().status(0)) {
            @Override
            public String method() {
                return null;
            }

            @Override
            public CharSequence path() {
                return null;
            }

            @Override
            public HeaderSource requestHeaders() {
                return null;
            }
        };

        Map<String, Object> m = parse(trace.format(e, T0));

        assertThat(m).containsEntry("method", "").containsEntry("path", "").containsEntry("status", 0L)
                .doesNotContainKeys("req", "resp");
    }

    @Test
    void format_hostileValues_escapedToOneAsciiLineThatParsesBackExactly() {
        StringBuilder all = new StringBuilder("q\"b\\s/<>&");
        for (char c = 0; c < 0x20; c++) {
            all.append(c);
        }
        all.append('\u007f').append('\u2028').append('\u2029').append("é€").append("\ud83d\ude00").append('\ufeff');
        String hostile = all.toString();
        MutableExchange e = new MutableExchange().method("GET\n").path("/p\"a\\th\r\n{}").status(200)
                .requestHeader("user-agent", hostile).responseHeader("etag", "\"x\"\u0000");

        String line = trace.format(e, T0);

        assertThat(line).doesNotContain("\n", "\r").matches("[\\x20-\\x7e]*");
        Map<String, Object> m = parse(line);
        assertThat(m).containsEntry("method", "GET\n").containsEntry("path", "/p\"a\\th\r\n{}");
        assertThat(object(m, "req")).containsEntry("user-agent", hostile);
        assertThat(object(m, "resp")).containsEntry("etag", "\"x\"\u0000");
    }

    @Test
    void format_unpairedSurrogates_becomeReplacementCharacter() {
        String bad = "a\ud800b\udc00c\ude00\ud83d";
        Map<String, Object> m = parse(trace.format(new MutableExchange().status(200).requestHeader("via", bad), T0));

        assertThat(object(m, "req")).containsEntry("via", "a\ufffdb\ufffdc\ufffd\ufffd");
    }

    @Test
    void format_hugeValues_cutAtMaxValueCharacters() {
        String huge = "x".repeat(100_000);
        MutableExchange e = new MutableExchange().method(huge).path("/" + huge).status(200).backend(huge)
                .requestHeader("user-agent", huge).responseHeader("cache-control", huge);

        String line = trace.format(e, T0);

        Map<String, Object> m = parse(line);
        assertThat((String) m.get("method")).hasSize(TraceLog.MAX_VALUE);
        assertThat((String) m.get("path")).hasSize(TraceLog.MAX_VALUE).startsWith("/x");
        assertThat((String) m.get("backend")).hasSize(TraceLog.MAX_VALUE);
        assertThat((String) object(m, "req").get("user-agent")).hasSize(TraceLog.MAX_VALUE);
        assertThat((String) object(m, "resp").get("cache-control")).hasSize(TraceLog.MAX_VALUE);
        assertThat(line.length()).isLessThan(6 * TraceLog.MAX_VALUE);
    }

    @Test
    void format_pairCutAtLimit_writesReplacementNotHalfAPair() {
        String v = "x".repeat(TraceLog.MAX_VALUE - 1) + "\ud83d\ude00";
        Map<String, Object> m = parse(trace.format(new MutableExchange().status(200).requestHeader("via", v), T0));

        String via = (String) object(m, "req").get("via");
        assertThat(via).hasSize(TraceLog.MAX_VALUE).endsWith("x\ufffd");
    }

    @Test
    void timestamp_randomInstants_matchJavaTimeWithMillis() {
        SplittableRandom r = new SplittableRandom(42);
        long min = Instant.parse("0000-01-01T00:00:00Z").toEpochMilli();
        long max = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli();
        long[] edges = {0, -1, 1, T0, min, max, Instant.parse("2000-02-29T12:00:00Z").toEpochMilli(),
            Instant.parse("1900-03-01T00:00:00.001Z").toEpochMilli()};
        List<Long> times = new ArrayList<>();
        for (long t : edges) {
            times.add(t);
        }
        for (int i = 0; i < 5_000; i++) {
            times.add(r.nextLong(min, max + 1));
        }
        for (long t : times) {
            StringBuilder sb = new StringBuilder();
            TraceLog.timestamp(sb, t);
            String expected = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                    .withZone(java.time.ZoneOffset.UTC).format(Instant.ofEpochMilli(t));
            assertThat(sb.toString()).as("t=%d", t).isEqualTo('"' + expected + '"');
        }
    }

    @Test
    void timestamp_outsideFourDigitYears_writtenAsEpochMillisNumber() {
        long beyond = Instant.parse("9999-12-31T23:59:59.999Z").toEpochMilli() + 1;
        for (long t : new long[] {beyond, Long.MAX_VALUE, Long.MIN_VALUE}) {
            Map<String, Object> m = parse(trace.format(new MutableExchange().status(200), t));
            assertThat(m.get("ts")).isEqualTo(t);
        }
    }

    @Test
    void millis_nanos_writtenWithMicrosecondResolution() {
        long[][] cases = {{0, 0}, {999, 0}, {1_000, 1}, {812_345, 812}, {1_500_000_000L, 1_500_000}, {12_345_678, 12_345}};
        for (long[] c : cases) {
            StringBuilder sb = new StringBuilder();
            TraceLog.millis(sb, c[0]);
            assertThat(Double.parseDouble(sb.toString()) * 1000).as("nanos %d -> %s", c[0], sb)
                    .isCloseTo(c[1], org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void requestHeaders_userRuleHeadersIncluded_sharedSecretNeverWritten() {
        RecognitionRules rules = RecognitionRules.builder()
                .headerPresent("X-My-Cdn", Cdn.OTHER)
                .headerContains("x-edge", "edge", Cdn.FASTLY)
                .sharedSecret("X-Origin-Verify", "s3cret-value", Cdn.CLOUDFRONT)
                .headerPresent("x-origin-verify", Cdn.CLOUDFRONT)
                .trustedRange("10.0.0.0/8", Cdn.AKAMAI)
                .build();
        TraceLog t = TraceLog.toSink(clock, rules, lines::add);

        t.log(new MutableExchange().status(200).requestHeader("x-my-cdn", "1").requestHeader("x-edge", "edge-7")
                .requestHeader("x-origin-verify", "s3cret-value").clientAddress("10.1.2.3"));

        assertThat(t.requestHeaderNames()).contains("x-my-cdn", "x-edge").doesNotContain("x-origin-verify")
                .containsAll(TraceLog.REQUEST_HEADERS);
        assertThat(lines).singleElement().asString().doesNotContain("s3cret");
        assertThat(object(parse(lines.get(0)), "req")).containsOnly(Map.entry("x-my-cdn", "1"), Map.entry("x-edge", "edge-7"));
    }

    @Test
    void log_throwingSink_neverThrows_countsEveryDrop() {
        TraceLog t = TraceLog.toSink(clock, RecognitionRules.defaults(), line -> {
            throw new IllegalStateException("appender broken");
        });

        assertThatCode(() -> {
            t.log(cloudFrontRevalidation());
            t.log(cloudFrontRevalidation());
        }).doesNotThrowAnyException();
        assertThat(t.dropped()).isEqualTo(2);
    }

    @Test
    void log_throwingExchangeOrClock_neverThrows_countsDrop() {
        Exchange broken = new Delegate(new MutableExchange().status(200)) {
            @Override
            public int status() {
                throw new IllegalStateException("exchange broken");
            }
        };
        TraceLog brokenClock = TraceLog.toSink(() -> {
            throw new IllegalStateException("clock broken");
        }, RecognitionRules.defaults(), lines::add);

        assertThatCode(() -> {
            trace.log(broken);
            brokenClock.log(cloudFrontRevalidation());
        }).doesNotThrowAnyException();
        assertThat(trace.dropped()).isEqualTo(1);
        assertThat(brokenClock.dropped()).isEqualTo(1);
        assertThat(lines).isEmpty();
    }

    @Test
    void format_throwingHeaderSource_headersOmittedLineKept() {
        HeaderSource throwing = name -> {
            throw new IllegalStateException("headers broken");
        };
        Exchange wrapped = new Delegate(new MutableExchange().status(200).requestHeader("user-agent", "x")) {
            @Override
            public HeaderSource requestHeaders() {
                return throwing;
            }

            @Override
            public HeaderSource responseHeaders() {
                return null;
            }
        };

        trace.log(wrapped);

        assertThat(lines).singleElement().satisfies(l -> assertThat(parse(l)).containsEntry("status", 200L)
                .doesNotContainKeys("req", "resp"));
        assertThat(trace.dropped()).isZero();
    }

    @Test
    void log_loggerNotAtInfo_formatsNothing() {
        Logger logger = mock(Logger.class);
        when(logger.isInfoEnabled()).thenReturn(false);
        TraceLog t = TraceLog.toLogger(clock, RecognitionRules.defaults(), logger);
        Exchange e = new Delegate(cloudFrontRevalidation()) {
            @Override
            public int status() {
                throw new AssertionError("read although the logger is off");
            }
        };

        t.log(e);

        verify(logger, never()).info(anyString());
        assertThat(t.dropped()).isZero();
    }

    @Test
    void log_loggerAtInfo_getsTheLine_andAThrowingAppenderNeverReachesTheCaller() {
        Logger logger = mock(Logger.class);
        when(logger.isInfoEnabled()).thenReturn(true);
        doNothing().doThrow(new IllegalStateException("appender broken")).when(logger).info(anyString());
        TraceLog t = TraceLog.toLogger(clock, RecognitionRules.defaults(), logger);

        t.log(cloudFrontRevalidation());
        assertThatCode(() -> t.log(cloudFrontRevalidation())).doesNotThrowAnyException();

        verify(logger, times(2)).info(org.mockito.ArgumentMatchers.startsWith("{\"ts\":\"2021-04-04T01:59:58.120Z\""));
        assertThat(t.dropped()).isEqualTo(1);
    }

    @Test
    void log_stampsTheClockAtLogTime() {
        trace.log(new MutableExchange().status(200));
        clock.setMillis(T0 + 61_000);
        trace.log(new MutableExchange().status(200));

        assertThat(lines).extracting(l -> parse(l).get("ts"))
                .containsExactly("2021-04-04T01:59:58.120Z", "2021-04-04T02:00:59.120Z");
    }
}
