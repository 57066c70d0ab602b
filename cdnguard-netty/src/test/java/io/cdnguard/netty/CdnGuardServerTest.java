package io.cdnguard.netty;

import static io.cdnguard.netty.TestServer.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.cdnguard.Cdn;
import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.HealthStatus;
import io.cdnguard.HistogramSnapshot;
import io.cdnguard.RequestKind;
import io.cdnguard.StatusClass;
import io.cdnguard.testing.ManualTimeSource;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link CdnGuardHandler} and {@link CdnGuardEndpointHandler} on a real server socket with real clients. */
class CdnGuardServerTest {

    /** A check whose status the test sets. */
    static final class FlipCheck implements Check {
        volatile HealthStatus status = HealthStatus.UP;

        @Override
        public String name() {
            return "flip";
        }

        @Override
        public CheckResult evaluate(GuardSnapshot snapshot) {
            return CheckResult.of(status, "set by the test");
        }
    }

    private final FlipCheck flip = new FlipCheck();
    private final CdnGuard guard = CdnGuard.builder()
            .timeSource(new ManualTimeSource(Instant.parse("2026-04-05T02:00:00Z")))
            .evaluationThread(false)
            .builtInChecks(false)
            .check(flip)
            .build();
    private TestServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void leaks() {
        LeakDetection.install();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        guard.close();
        LeakDetection.assertNoLeaks();
    }

    private void startHttp1() throws InterruptedException {
        server = new TestServer(ch -> ch.pipeline()
                .addLast(new HttpServerCodec())
                .addLast(new CdnGuardHandler(guard))
                .addLast(new CdnGuardEndpointHandler(guard))
                .addLast(new AssetApp()));
    }

    private static int bucketOf(HistogramSnapshot h, double v) {
        for (int i = 0; i < h.bucketCount(); i++) {
            if (v <= h.upperBound(i)) {
                return i;
            }
        }
        return h.bucketCount() - 1;
    }

    @Test
    void pipelinedRequestsInOneFlush_exactCountsAndEachStatusPairedWithItsTtl() throws Exception {
        startHttp1();
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.send(RawHttp.get("/ttl/60", ""),
                    RawHttp.get("/ttl/60", "If-None-Match: \"v1\"\r\n"),
                    RawHttp.get("/ttl/3600", ""));
            List<RawHttp.Response> responses = raw.read(3);
            assertThat(responses).extracting(RawHttp.Response::status).containsExactly(200, 304, 200);
            assertThat(responses.get(2).headers()).containsEntry("cache-control", "public, max-age=3600");
        }
        await(() -> guard.snapshot().cdnFetches() == 3);
        GuardSnapshot s = guard.snapshot();
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT)).isEqualTo(3);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(2);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.REDIRECTION)).isEqualTo(1);
        assertThat(s.revalidations(Cdn.CLOUDFRONT)).isEqualTo(1);
        assertThat(s.cdnBytes()).isEqualTo(2L * AssetApp.TTL_BODY);
        HistogramSnapshot f = s.freshness();
        assertThat(f.count()).isEqualTo(2);
        assertThat(bucketOf(f, 60)).isNotEqualTo(bucketOf(f, 3600));
        assertThat(f.count(bucketOf(f, 60))).isEqualTo(1);
        assertThat(f.count(bucketOf(f, 3600))).isEqualTo(1);
        assertThat(s.aborted()).isZero();
        assertThat(s.otherRequests(RequestKind.DIRECT)).isZero();
    }

    @Test
    void keepAlive_severalRequestsOnOneConnection_allRecorded() throws Exception {
        startHttp1();
        for (int i = 0; i < 3; i++) {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/ttl/600")))
                    .header("User-Agent", "Amazon CloudFront")
                    .header("X-Amz-Cf-Id", "Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==")
                    .header("X-Amz-Cf-Pop", "FRA56-P1")
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        await(() -> guard.snapshot().cdnFetches() == 3);
        assertThat(server.connections.get()).isEqualTo(1);
        assertThat(guard.snapshot().cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(3);
        assertThat(guard.snapshot().freshness().count()).isEqualTo(3);
    }

    @Test
    void chunkedResponse_recordedOnceWithAllItsBytes() throws Exception {
        startHttp1();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/chunked")))
                .header("User-Agent", "Amazon CloudFront")
                .header("X-Amz-Cf-Id", "Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==")
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).hasSize(3 * AssetApp.CHUNK);
        await(() -> guard.snapshot().cdnFetches() == 1);
        assertThat(guard.snapshot().cdnBytes()).isEqualTo(3L * AssetApp.CHUNK);
        assertThat(guard.snapshot().aborted()).isZero();
    }

    @Test
    void clientDisconnectsMidResponse_recordedAsAborted() throws Exception {
        startHttp1();
        try (RawHttp raw = new RawHttp(server.port())) {
            raw.send(RawHttp.get("/ttl/60", ""), RawHttp.get("/hang", ""));
            assertThat(raw.read(1)).extracting(RawHttp.Response::status).containsExactly(200);
            assertThat(raw.readSome(64)).isPositive(); // the head of the never-finished response
        }
        await(() -> guard.snapshot().aborted() == 1);
        GuardSnapshot s = guard.snapshot();
        assertThat(s.aborted()).isEqualTo(1);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isGreaterThanOrEqualTo(1);
    }

    @Test
    void healthEndpoint_statusFollowsTheChecks_200to503andBack_neverCountedAsCdn() throws Exception {
        startHttp1();
        guard.evaluateNow();
        assertThat(lb()).isEqualTo("200 UP");
        flip.status = HealthStatus.DOWN;
        guard.evaluateNow();
        assertThat(lb()).isEqualTo("503 DOWN");
        HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(server.url("/cdnguard/health"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/health+json"));
        assertThat(health.headers().firstValue("cache-control")).contains("no-store");
        flip.status = HealthStatus.UP;
        guard.evaluateNow();
        assertThat(lb()).isEqualTo("200 UP");

        await(() -> guard.snapshot().otherRequests(RequestKind.SELF) == 4);
        assertThat(guard.snapshot().cdnFetches()).isZero();
    }

    private String lb() throws Exception {
        // Sent with CDN headers on purpose: the endpoint's own path is SELF whatever the headers say.
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.url("/cdnguard/health/lb")))
                .header("User-Agent", "Amazon CloudFront")
                .header("X-Amz-Cf-Id", "Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w==")
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("cache-control")).contains("no-store");
        return r.statusCode() + " " + r.body().trim();
    }

    @Test
    void endpoint_headMethodsAndUnknownPaths_perTheContract_restPassesThrough() throws Exception {
        startHttp1();
        guard.evaluateNow();
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create(server.url("/cdnguard/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).contains("cdnguard_");
        HttpResponse<String> head = client.send(HttpRequest.newBuilder(URI.create(server.url("/cdnguard/health")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> getHealth = client.send(HttpRequest.newBuilder(URI.create(server.url("/cdnguard/health"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(getHealth.statusCode());
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-length")).contains(String.valueOf(getHealth.body().length()));
        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(server.url("/cdnguard/health")))
                .POST(HttpRequest.BodyPublishers.ofString("x=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).isPresent();
        HttpResponse<String> unknown = client.send(HttpRequest.newBuilder(URI.create(server.url("/cdnguard/nope"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        HttpResponse<String> app = client.send(HttpRequest.newBuilder(URI.create(server.url("/ttl/5"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(app.statusCode()).isEqualTo(200);
        assertThat(app.headers().firstValue("cache-control")).contains("public, max-age=5");
        // Keep-alive held across the endpoint's answers, the POST body included.
        assertThat(server.connections.get()).isEqualTo(1);
        await(() -> guard.snapshot().otherRequests(RequestKind.DIRECT) == 1);
        assertThat(guard.snapshot().otherRequests(RequestKind.SELF)).isEqualTo(5);
    }

    @Test
    void endpoint_passesTheAuthorizationHeader_detailsOnlyWithTheToken() throws Exception {
        try (CdnGuard secured = CdnGuard.builder().evaluationThread(false).builtInChecks(false).check(flip)
                .detailsToken("s3cret").build()) {
            secured.evaluateNow();
            server = new TestServer(ch -> ch.pipeline()
                    .addLast(new HttpServerCodec())
                    .addLast(new CdnGuardHandler(secured))
                    .addLast(new CdnGuardEndpointHandler(secured))
                    .addLast(new AssetApp()));
            URI health = URI.create(server.url("/cdnguard/health"));
            String anonymous = client.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.ofString()).body();
            String wrong = client.send(HttpRequest.newBuilder(health).header("Authorization", "Bearer nope").build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            String authorized = client.send(HttpRequest.newBuilder(health).header("Authorization", "Bearer s3cret").build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(authorized).contains("flip").contains("set by the test");
            assertThat(anonymous).doesNotContain("set by the test");
            assertThat(wrong).isEqualTo(anonymous);
            server.close();
            server = null;
        }
    }

    @Test
    void adminServer_servesTheEndpointOnItsOwnPort_andCountsNothing() throws Exception {
        guard.evaluateNow();
        try (CdnGuardAdminServer admin = CdnGuardAdminServer.start(guard, "127.0.0.1", 0)) {
            String base = "http://127.0.0.1:" + admin.port();
            HttpResponse<String> lb = client.send(HttpRequest.newBuilder(URI.create(base + "/cdnguard/health/lb")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(lb.statusCode()).isEqualTo(200);
            assertThat(lb.body().trim()).isEqualTo("UP");
            HttpResponse<String> other = client.send(HttpRequest.newBuilder(URI.create(base + "/index.html")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).isEqualTo(404);
        }
        GuardSnapshot s = guard.snapshot();
        assertThat(s.otherRequests(RequestKind.SELF) + s.otherRequests(RequestKind.DIRECT) + s.cdnFetches()).isZero();
    }

    @Test
    void http2PriorKnowledge_eachStreamRecorded() throws Exception {
        server = new TestServer(ch -> ch.pipeline()
                .addLast(Http2FrameCodecBuilder.forServer().build())
                .addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel stream) {
                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true))
                                .addLast(new CdnGuardHandler(guard))
                                .addLast(new CdnGuardEndpointHandler(guard))
                                .addLast(new AssetApp());
                    }
                })));
        Channel parent = new Bootstrap().group(server.group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build())
                                .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .connect("127.0.0.1", server.port()).sync().channel();
        try {
            assertThat(h2(parent, Http.cloudFront("/ttl/60"))).isEqualTo("200 public, max-age=60");
            FullHttpRequest conditional = Http.cloudFront("/ttl/60");
            conditional.headers().set(HttpHeaderNames.IF_NONE_MATCH, "\"v1\"");
            assertThat(h2(parent, conditional)).isEqualTo("304 null");
            assertThat(h2(parent, Http.cloudFront("/cdnguard/health/lb"))).startsWith("200");
        } finally {
            parent.close().sync();
        }
        await(() -> guard.snapshot().cdnFetches() == 2 && guard.snapshot().otherRequests(RequestKind.SELF) == 1);
        GuardSnapshot s = guard.snapshot();
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.SUCCESS)).isEqualTo(1);
        assertThat(s.cdnFetches(Cdn.CLOUDFRONT, StatusClass.REDIRECTION)).isEqualTo(1);
        assertThat(s.revalidations(Cdn.CLOUDFRONT)).isEqualTo(1);
        assertThat(s.freshness().count()).isEqualTo(1);
        assertThat(s.aborted()).isZero();
    }

    private static String h2(Channel parent, FullHttpRequest request) throws Exception {
        CompletableFuture<String> result = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(parent)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel s) {
                        s.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false))
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse r) {
                                        result.complete(r.status().code() + " " + r.headers().get(HttpHeaderNames.CACHE_CONTROL));
                                    }

                                    @Override
                                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                        result.completeExceptionally(cause);
                                    }
                                });
                    }
                }).open().sync().getNow();
        stream.writeAndFlush(request).sync();
        return result.get(10, TimeUnit.SECONDS);
    }
}
