package io.cdnguard.benchmarks;

import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.HeaderSource;
import io.cdnguard.netty.CdnGuardHandler;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
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
 * handler's cost; run with {@code -prof gc} to see that it adds no allocation. That request is built
 * by hand with Netty's header-name constants; {@link #baselineDecoded} and {@link #withCdnGuardDecoded}
 * send the same request as {@link HttpRequestDecoder} makes it from the wire (names in the sender's
 * spelling, so no lookup matches by identity), the cost on a real server's requests.
 *
 * <p>Splitting that cost: {@link #withHandlerOnly} is the same pipeline whose handler records into a
 * sink that only reads the exchange's duration and status, so {@code withHandlerOnly - baseline} is
 * the handler's own bookkeeping (pairing, the two clock reads, write completion, the views) without
 * the core; {@link #recordOnlyHandlerViews} is {@link CdnGuard#record(Exchange)} of the same exchange
 * through the handler's own header and path views (the header lookups the core makes go through
 * them), so {@code withCdnGuard - baseline - recordOnlyHandlerViews} is the same bookkeeping measured
 * the other way; {@link #withPassThrough} is a handler that only passes the same events on, the floor
 * any handler in that place pays to Netty. The handler's package-private sink constructor and views are reached by reflection
 * in the setup only (the benchmark jar runs on the class path); the sink is a real class made by
 * {@link LambdaMetafactory}, so nothing reflective runs per operation.
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
    private FullHttpRequest decodedRequest;
    private FullHttpResponse response;
    private Exchange exchange;
    private Exchange viewExchange;
    private EmbeddedChannel handlerOnly;
    private EmbeddedChannel passThrough;

    /** What the no-op sink of {@link #withHandlerOnly} accumulates, so that its reads are not dead code. */
    static long sunk;

    /**
     * The sink of {@link #withHandlerOnly}: reads two facts of the exchange (no header lookups).
     *
     * @param e the exchange being recorded
     */
    public static void sink(Exchange e) {
        sunk += e.durationNanos() + e.status();
    }

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

    /**
     * A handler that intercepts what {@link CdnGuardHandler} intercepts (read, write, flush) and only
     * passes each on: what any handler in that place costs in Netty's pipeline.
     */
    static final class PassThrough extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ctx.write(msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** Builds the guard, the channels and the message pair. */
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
        decodedRequest = decode("GET /static/app.3f9c2b.js?v=7 HTTP/1.1\r\n"
                + "Host: origin.example.com\r\n"
                + "User-Agent: Amazon CloudFront\r\n"
                + "Via: 1.1 5f7a3b2e9c1d.cloudfront.net (CloudFront)\r\n"
                + "X-Amz-Cf-Id: Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==\r\n"
                + "X-Amz-Cf-Pop: FRA56-P1\r\n"
                + "Accept-Encoding: gzip\r\n\r\n");
        exchange = new RecordedExchange(request, response);
        App app = new App(response);
        plain = new EmbeddedChannel(app);
        guarded = new EmbeddedChannel(new CdnGuardHandler(guard), app);
        passThrough = new EmbeddedChannel(new PassThrough(), app);
        try {
            viewExchange = new RecordedExchange(view(request), view(response), pathView(request.uri()));
            handlerOnly = new EmbeddedChannel(handlerWithSink(), app);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach the handler's package-private parts: " + e, e);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static final String NETTY_PACKAGE = "io.cdnguard.netty.";

    /** The handler's own header view ({@code NettyHeaderSource}) over {@code message}'s headers. */
    private static HeaderSource view(io.netty.handler.codec.http.HttpMessage message) throws ReflectiveOperationException {
        Class<?> type = Class.forName(NETTY_PACKAGE + "NettyHeaderSource");
        Constructor<?> c = type.getDeclaredConstructor();
        c.setAccessible(true);
        Object v = c.newInstance();
        Method set = type.getDeclaredMethod("set", io.netty.handler.codec.http.HttpHeaders.class);
        set.setAccessible(true);
        set.invoke(v, message.headers());
        return (HeaderSource) v;
    }

    /** The handler's own path view ({@code UriPath}) over {@code uri}. */
    private static CharSequence pathView(String uri) throws ReflectiveOperationException {
        Class<?> type = Class.forName(NETTY_PACKAGE + "UriPath");
        Constructor<?> c = type.getDeclaredConstructor();
        c.setAccessible(true);
        Object v = c.newInstance();
        Method set = type.getDeclaredMethod("set", String.class);
        set.setAccessible(true);
        set.invoke(v, uri);
        return (CharSequence) v;
    }

    /** A handler recording into {@link #sink(Exchange)} through its package-private sink constructor. */
    private static CdnGuardHandler handlerWithSink() throws Throwable {
        Class<?> sinkType = Class.forName(NETTY_PACKAGE + "ExchangeSink");
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(sinkType, MethodHandles.lookup());
        MethodHandle target = MethodHandles.lookup().findStatic(NettyHandlerBenchmark.class, "sink",
                MethodType.methodType(void.class, Exchange.class));
        Object sink = LambdaMetafactory.metafactory(lookup, "record", MethodType.methodType(sinkType),
                MethodType.methodType(void.class, Exchange.class), target,
                MethodType.methodType(void.class, Exchange.class)).getTarget().invoke();
        Constructor<CdnGuardHandler> c = CdnGuardHandler.class.getDeclaredConstructor(sinkType, int.class);
        c.setAccessible(true);
        return c.newInstance(sink, CdnGuardHandler.DEFAULT_MAX_PIPELINED);
    }

    /**
     * The request as Netty's {@link HttpRequestDecoder} hands it over from the wire: header names are
     * fresh {@code AsciiString}s in the sender's spelling, not Netty's {@link HttpHeaderNames} constants,
     * so a lookup by name cannot match by identity (the hand-built {@link #request} flatters that).
     */
    private static FullHttpRequest decode(String wire) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HttpRequestDecoder(), new HttpObjectAggregator(1024));
        decoder.writeInbound(Unpooled.copiedBuffer(wire, StandardCharsets.US_ASCII));
        FullHttpRequest r = decoder.readInbound();
        decoder.finishAndReleaseAll();
        if (r == null) {
            throw new IllegalStateException("the decoder made no request of " + wire);
        }
        return r;
    }

    /** Closes the channels and the guard and releases the shared messages. */
    @TearDown(Level.Trial)
    public void tearDown() {
        plain.finishAndReleaseAll();
        guarded.finishAndReleaseAll();
        handlerOnly.finishAndReleaseAll();
        passThrough.finishAndReleaseAll();
        guard.close();
        request.release();
        decodedRequest.release();
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

    /** {@link #baseline} with the request as decoded from the wire ({@link #decode}). */
    @Benchmark
    public Object baselineDecoded() {
        return trip(plain, decodedRequest);
    }

    /**
     * {@link #withCdnGuard} with the request as decoded from the wire: {@code withCdnGuardDecoded -
     * baselineDecoded} is the handler's cost on a real server's requests.
     */
    @Benchmark
    public Object withCdnGuardDecoded() {
        return trip(guarded, decodedRequest);
    }

    /**
     * The same pipeline with a handler that passes on every read, write and flush and does nothing
     * else: {@code withPassThrough - baseline} is what Netty charges for a handler in that place, the
     * floor of any recording handler's cost.
     */
    @Benchmark
    public Object withPassThrough() {
        return trip(passThrough);
    }

    /**
     * The same pipeline with a {@link CdnGuardHandler} that records into a sink reading two facts of
     * the exchange: the handler's own cost without the core's.
     */
    @Benchmark
    public Object withHandlerOnly() {
        return trip(handlerOnly);
    }

    /**
     * {@link CdnGuard#record(Exchange)} of the benchmark's exchange read through the handler's own
     * header and path views: the core's share of {@link #withCdnGuard} as the handler feeds it.
     */
    @Benchmark
    public Object recordOnlyHandlerViews() {
        guard.record(viewExchange);
        return viewExchange;
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
        private final CharSequence path;

        RecordedExchange(FullHttpRequest request, FullHttpResponse response) {
            this(request.headers()::get, response.headers()::get,
                    request.uri().substring(0, request.uri().indexOf('?')));
        }

        RecordedExchange(HeaderSource requestHeaders, HeaderSource responseHeaders, CharSequence path) {
            this.requestHeaders = requestHeaders;
            this.responseHeaders = responseHeaders;
            this.path = path;
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
        return trip(ch, request);
    }

    private static Object trip(EmbeddedChannel ch, FullHttpRequest request) {
        ch.pipeline().fireChannelRead(request.retain());
        Object out = ch.readOutbound();
        ReferenceCountUtil.release(out);
        return out;
    }
}
