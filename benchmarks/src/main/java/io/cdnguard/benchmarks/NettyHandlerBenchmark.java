package io.cdnguard.benchmarks;

import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.netty.CdnGuardHandler;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
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
 * The cost of {@link CdnGuardHandler} per exchange: the same CloudFront request/response pair (a
 * {@link FullHttpRequest} in, a cacheable {@link FullHttpResponse} out) through an {@link
 * EmbeddedChannel} pipeline without ({@link #baseline}) and with ({@link #withCdnGuard}) the handler,
 * which records every exchange into a real {@link CdnGuard}. The difference of the two is the
 * handler's cost; run with {@code -prof gc} to see that it adds no allocation.
 *
 * <p>The request and response objects are reused (retained before each trip, released by the
 * application handler and by the benchmark), so that the numbers show the pipeline's work, not the
 * construction of messages, and nothing leaks.
 *
 * <pre>
 * mvn -o -q -B -pl benchmarks -am package -DskipTests
 * java -jar benchmarks/target/benchmarks.jar NettyHandlerBenchmark -f 1 -wi 3 -i 5 -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class NettyHandlerBenchmark {

    private CdnGuard guard;
    private EmbeddedChannel plain;
    private EmbeddedChannel guarded;
    private FullHttpRequest request;
    private FullHttpResponse response;
    private Exchange exchange;

    /** The application: answers every request with the shared response. Sharable: stateless. */
    @ChannelHandler.Sharable
    static final class App extends ChannelInboundHandlerAdapter {
        private final FullHttpResponse response;

        App(FullHttpResponse response) {
            this.response = response;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.writeAndFlush(response.retain());
        }
    }

    /** Builds the guard, the two channels and the message pair. */
    @Setup(Level.Trial)
    public void setUp() {
        guard = CdnGuard.builder().evaluationThread(false).build();
        request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/static/app.3f9c2b.js?v=7",
                ByteBufAllocator.DEFAULT.buffer(0));
        request.headers()
                .set(HttpHeaderNames.HOST, "origin.example.com")
                .set(HttpHeaderNames.USER_AGENT, "Amazon CloudFront")
                .set(HttpHeaderNames.VIA, "1.1 5f7a3b2e9c1d.cloudfront.net (CloudFront)")
                .set("x-amz-cf-id", "Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==")
                .set("x-amz-cf-pop", "FRA56-P1")
                .set(HttpHeaderNames.ACCEPT_ENCODING, "gzip");
        response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                ByteBufAllocator.DEFAULT.buffer(512).writeZero(512));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/javascript; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 512)
                .set(HttpHeaderNames.CACHE_CONTROL, "public, max-age=3600")
                .set(HttpHeaderNames.ETAG, "\"200-18c5a3f2b10\"");
        exchange = new RecordedExchange(request, response);
        App app = new App(response);
        plain = new EmbeddedChannel(app);
        guarded = new EmbeddedChannel(new CdnGuardHandler(guard), app);
    }

    /** Closes the channels and the guard and releases the shared messages. */
    @TearDown(Level.Trial)
    public void tearDown() {
        plain.finishAndReleaseAll();
        guarded.finishAndReleaseAll();
        guard.close();
        request.release();
        response.release();
    }

    /** One exchange through a pipeline without cdnguard. */
    @Benchmark
    public Object baseline() {
        return trip(plain);
    }

    /** One exchange through the same pipeline with {@link CdnGuardHandler} in front of the application. */
    @Benchmark
    public Object withCdnGuard() {
        return trip(guarded);
    }

    /**
     * The guard's share of {@link #withCdnGuard}: {@link CdnGuard#record(Exchange)} of the same exchange,
     * read from the same Netty headers, without any pipeline. {@code withCdnGuard - baseline - recordOnly}
     * is the handler's own bookkeeping.
     */
    @Benchmark
    public Object recordOnly() {
        guard.record(exchange);
        return exchange;
    }

    /** The benchmark's exchange as the handler would report it, over the messages' own headers. */
    static final class RecordedExchange implements Exchange {
        private final HeaderSource requestHeaders;
        private final HeaderSource responseHeaders;
        private final String path;

        RecordedExchange(FullHttpRequest request, FullHttpResponse response) {
            this.requestHeaders = request.headers()::get;
            this.responseHeaders = response.headers()::get;
            this.path = request.uri().substring(0, request.uri().indexOf('?'));
        }

        @Override
        public String method() {
            return "GET";
        }

        @Override
        public CharSequence path() {
            return path;
        }

        @Override
        public int status() {
            return 200;
        }

        @Override
        public long responseBytes() {
            return 512;
        }

        @Override
        public long durationNanos() {
            return 25_000;
        }

        @Override
        public HeaderSource requestHeaders() {
            return requestHeaders;
        }

        @Override
        public HeaderSource responseHeaders() {
            return responseHeaders;
        }
    }

    private Object trip(EmbeddedChannel ch) {
        ch.pipeline().fireChannelRead(request.retain());
        Object out = ch.readOutbound();
        ReferenceCountUtil.release(out);
        return out;
    }
}
