package io.cdnguard.netty;

import static io.cdnguard.netty.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.BackendStats;
import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.StatusClass;
import io.cdnguard.UpstreamFailure;
import io.cdnguard.testing.ManualTimeSource;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.nio.channels.ClosedChannelException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A small gateway on real sockets whose upstreams are a closed port and a live one. */
class UpstreamRecorderTest {

    private final CdnGuard guard = CdnGuard.builder()
            .timeSource(new ManualTimeSource(Instant.parse("2026-04-05T02:00:00Z")))
            .evaluationThread(false)
            .expectBackends("asset-1", "asset-2")
            .build();
    private final UpstreamRecorder upstreams = new UpstreamRecorder(guard);
    private TestServer gateway;
    private TestServer liveUpstream;
    private int closedPort;

    @BeforeAll
    static void leaks() {
        LeakDetection.install();
    }

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
        if (liveUpstream != null) {
            liveUpstream.close();
        }
        guard.close();
        LeakDetection.assertNoLeaks();
    }

    /**
     * The gateway: {@code /a} goes to asset-1 (a closed port), {@code /b} to asset-2 (a live server),
     * {@code /none} finds no backend. It answers 502/503 itself on failure and 200 once connected.
     */
    private final class Gateway extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (!(msg instanceof HttpRequest)) {
                    return;
                }
                String path = ((HttpRequest) msg).uri();
                Channel inbound = ctx.channel();
                if (path.equals("/none")) {
                    upstreams.recordNoBackend(inbound);
                    answer(inbound, HttpResponseStatus.SERVICE_UNAVAILABLE);
                    return;
                }
                String backend = path.equals("/a") ? "asset-1" : "asset-2";
                int port = path.equals("/a") ? closedPort : liveUpstream.port();
                new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
                        .attr(UpstreamRecorder.INBOUND, inbound)
                        .handler(new ChannelInboundHandlerAdapter())
                        .connect("127.0.0.1", port)
                        .addListener(upstreams.connectListener(backend))
                        .addListener((ChannelFutureListener) f -> {
                            if (f.isSuccess()) {
                                f.channel().close();
                                answer(inbound, HttpResponseStatus.OK);
                            } else {
                                answer(inbound, HttpResponseStatus.BAD_GATEWAY);
                            }
                        });
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void answer(Channel inbound, HttpResponseStatus status) {
            FullHttpResponse r = new DefaultFullHttpResponse(io.netty.handler.codec.http.HttpVersion.HTTP_1_1, status,
                    Unpooled.EMPTY_BUFFER);
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            inbound.writeAndFlush(r);
        }
    }

    @Test
    void gatewayWithClosedUpstreamPort_connectRefusedRecordedForThatBackend() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        liveUpstream = new TestServer(ch -> { });
        gateway = new TestServer(ch -> ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new CdnGuardHandler(guard))
                .addLast(new Gateway()));

        try (RawHttp raw = new RawHttp(gateway.port())) {
            raw.send(RawHttp.get("/a", ""));
            assertThat(raw.read(1)).extracting(RawHttp.Response::status).containsExactly(502);
            raw.send(RawHttp.get("/b", ""));
            assertThat(raw.read(1)).extracting(RawHttp.Response::status).containsExactly(200);
            raw.send(RawHttp.get("/none", ""));
            assertThat(raw.read(1)).extracting(RawHttp.Response::status).containsExactly(503);
        }
        await(() -> guard.snapshot().cdnFetches() == 3);

        GuardSnapshot s = guard.snapshot();
        assertThat(s.upstreamFailures(UpstreamFailure.CONNECT_REFUSED)).isEqualTo(1);
        assertThat(s.upstreamFailures(UpstreamFailure.NO_BACKEND)).isEqualTo(1);
        assertThat(s.upstreamFailures()).isEqualTo(2);
        List<BackendStats> backends = s.backends();
        assertThat(backends).extracting(BackendStats::name).startsWith("asset-1", "asset-2");
        BackendStats a1 = backends.get(0);
        assertThat(a1.failures(UpstreamFailure.CONNECT_REFUSED)).isEqualTo(1);
        assertThat(a1.exchanges()).isEqualTo(1);
        BackendStats a2 = backends.get(1);
        assertThat(a2.exchanges()).isEqualTo(1);
        assertThat(a2.failures()).isZero();
        // Each client request recorded once, with the status the gateway answered.
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SERVER_ERROR)).isEqualTo(2);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(1);
    }

    @Test
    void failureWithoutInboundChannel_recordedAtOnce() {
        upstreams.recordFailure(null, "asset-2", new ConnectTimeoutException("connection timed out: /10.0.0.2:8080"));
        GuardSnapshot s = guard.snapshot();
        assertThat(s.upstreamFailures(UpstreamFailure.CONNECT_TIMEOUT)).isEqualTo(1);
        assertThat(s.backends()).filteredOn(b -> b.name().equals("asset-2"))
                .singleElement().satisfies(b -> assertThat(b.failures(UpstreamFailure.CONNECT_TIMEOUT)).isEqualTo(1));
    }

    @Test
    void connectListener_cachedPerBackend() {
        assertThat(upstreams.connectListener("asset-1")).isSameAs(upstreams.connectListener("asset-1"))
                .isNotSameAs(upstreams.connectListener("asset-2"));
    }

    @Test
    void classify_mapsNettyAndJdkExceptions() {
        assertThat(UpstreamRecorder.classify(new ConnectTimeoutException("timed out"))).isEqualTo(UpstreamFailure.CONNECT_TIMEOUT);
        assertThat(UpstreamRecorder.classify(new ConnectException("Connection refused"))).isEqualTo(UpstreamFailure.CONNECT_REFUSED);
        assertThat(UpstreamRecorder.classify(new IOException("Connection reset by peer"))).isEqualTo(UpstreamFailure.RESET);
        assertThat(UpstreamRecorder.classify(new ClosedChannelException())).isEqualTo(UpstreamFailure.RESET);
        assertThat(UpstreamRecorder.classify(ReadTimeoutException.INSTANCE)).isEqualTo(UpstreamFailure.READ_TIMEOUT);
        assertThat(UpstreamRecorder.classify(new RuntimeException("wrapped", new ConnectException("refused"))))
                .isEqualTo(UpstreamFailure.CONNECT_REFUSED);
        assertThat(UpstreamRecorder.classify(new IllegalStateException("other"))).isEqualTo(UpstreamFailure.OTHER);
        assertThat(UpstreamRecorder.classify(null)).isEqualTo(UpstreamFailure.OTHER);
    }
}
