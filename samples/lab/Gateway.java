import io.cdnguard.CdnGuard;
import io.cdnguard.TimeSource;
import io.cdnguard.checks.MissingBackendCheck;
import io.cdnguard.netty.CdnGuardEndpointHandler;
import io.cdnguard.netty.CdnGuardHandler;
import io.cdnguard.netty.UpstreamRecorder;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * cdnguard lab: a small Netty gateway (reverse proxy) with cdnguard, for the lab's gateway variant.
 * It routes round-robin over the backends of a routes file (one {@code name host:port} per line,
 * re-read when it changes: a "reload"), and declares the backends of the canonical inventory with
 * {@code --expect-backends}; cdnguard's {@code missing-backend} check fires when a declared backend
 * gets no traffic while its peers do, or when there is no backend at all (503, "no backend").
 *
 * <pre>
 * java -cp samples/netty-origin/target/cdnguard-netty-origin.jar samples/lab/Gateway.java \
 *      --port 18485 --routes routes.txt --expect-backends origin-a,origin-b [--time-scale 60]
 * </pre>
 * Runs with the JDK's source launcher; the Netty sample's jar brings Netty and cdnguard. Loopback
 * only: it binds 127.0.0.1. Lab code: one backend connection per request, no pooling.
 */
public final class Gateway {

    record Route(String name, String host, int port) {
    }

    private static volatile List<Route> routes = List.of();
    private static final AtomicInteger next = new AtomicInteger();

    public static void main(String[] args) throws Exception {
        int port = 0;
        Path routesFile = null;
        String expect = null;
        double scale = 1;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(v);
                case "--routes" -> routesFile = Paths.get(v);
                case "--expect-backends" -> expect = v;
                case "--time-scale" -> scale = Double.parseDouble(v);
                default -> {
                    System.err.println("gateway: unknown option " + args[i]);
                    System.exit(2);
                }
            }
            i++;
        }
        if (routesFile == null) {
            System.err.println("gateway: --routes FILE is required");
            System.exit(2);
        }
        CdnGuard.Builder b = CdnGuard.builder();
        if (expect != null) {
            // the guard's grammar (CdnGuard.Builder#expectBackendSpec); route classes would need the guard's own
            // missing-backend check, which brings cdn-traffic and cache-refetch along: a plain list here
            try {
                if (expect.indexOf(':') >= 0) {
                    throw new IllegalArgumentException("route classes (group:names) are not supported by the lab gateway: '"
                            + expect + "'");
                }
                b.expectBackendSpec(expect);
            } catch (IllegalArgumentException e) {
                System.err.println("gateway: --expect-backends: " + e.getMessage());
                System.exit(2);
            }
        }
        b.evaluationPeriod(Duration.ofSeconds(1))
                .detectionChecks(false) // the gateway judges backends only
                .check(MissingBackendCheck.builder().build());
        if (scale != 1) {
            long wall0 = System.currentTimeMillis();
            long nano0 = System.nanoTime();
            double s = scale;
            TimeSource clock = () -> wall0 + (long) ((System.nanoTime() - nano0) / 1_000_000.0 * s);
            b.timeSource(clock).window(Duration.ofSeconds(Math.max(1, (long) scale)), 360);
        }
        CdnGuard guard = b.build();
        UpstreamRecorder upstreams = new UpstreamRecorder(guard);
        Path rf = routesFile;
        reload(rf);

        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        long[] lastModified = {Files.getLastModifiedTime(rf).toMillis()};
        workers.scheduleAtFixedRate(() -> {
            try {
                long m = Files.getLastModifiedTime(rf).toMillis();
                if (m != lastModified[0]) {
                    lastModified[0] = m;
                    reload(rf);
                }
            } catch (Exception e) {
                System.err.println("gateway: cannot read " + rf + ": " + e);
            }
        }, 200, 200, TimeUnit.MILLISECONDS);

        Channel server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new CdnGuardHandler(guard))
                                .addLast(new CdnGuardEndpointHandler(guard))
                                .addLast(new Proxy(upstreams));
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            guard.close();
        }));
        System.out.println("gateway: listening on " + server.localAddress() + ", expecting backends " + expect);
        server.closeFuture().sync();
    }

    private static void reload(Path file) throws Exception {
        List<Route> r = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] p = l.split("\\s+");
            int colon = p[1].lastIndexOf(':');
            r.add(new Route(p[0], p[1].substring(0, colon), Integer.parseInt(p[1].substring(colon + 1))));
        }
        routes = List.copyOf(r);
        System.out.println("gateway: routes " + routes);
    }

    /** Forwards each request to the next backend, one connection per request. */
    static final class Proxy extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final UpstreamRecorder upstreams;

        Proxy(UpstreamRecorder upstreams) {
            this.upstreams = upstreams;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            Channel inbound = ctx.channel();
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            List<Route> r = routes;
            if (r.isEmpty()) {
                upstreams.recordNoBackend(inbound);
                answer(inbound, error(HttpResponseStatus.SERVICE_UNAVAILABLE, "no backend\n"), keepAlive);
                return;
            }
            Route route = r.get(Math.floorMod(next.getAndIncrement(), r.size()));
            FullHttpRequest out = req.retainedDuplicate();
            out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            new Bootstrap().group(inbound.eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 1000)
                    .attr(UpstreamRecorder.INBOUND, inbound)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(5))
                                    .addLast(new HttpClientCodec())
                                    .addLast(new HttpObjectAggregator(1 << 20))
                                    .addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext bctx, FullHttpResponse resp) {
                                            CdnGuardHandler.backend(inbound, route.name());
                                            FullHttpResponse copy = resp.retainedDuplicate();
                                            copy.headers().remove(HttpHeaderNames.CONNECTION);
                                            answer(inbound, copy, keepAlive);
                                            bctx.close();
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext bctx, Throwable cause) {
                                            upstreams.recordFailure(inbound, route.name(), cause);
                                            answer(inbound, error(HttpResponseStatus.BAD_GATEWAY, "bad gateway\n"), keepAlive);
                                            bctx.close();
                                        }
                                    });
                        }
                    })
                    .connect(route.host(), route.port())
                    .addListener(upstreams.connectListener(route.name()))
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            f.channel().writeAndFlush(out);
                        } else {
                            out.release();
                            answer(inbound, error(HttpResponseStatus.BAD_GATEWAY, "bad gateway\n"), keepAlive);
                        }
                    });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a client connection failed; cdnguard's handler records the aborted exchange
        }

        private static FullHttpResponse error(HttpResponseStatus status, String body) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
            return r;
        }

        private static void answer(Channel inbound, FullHttpResponse r, boolean keepAlive) {
            if (!r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
                HttpUtil.setContentLength(r, r.content().readableBytes());
            }
            HttpUtil.setKeepAlive(r, keepAlive);
            if (!inbound.isActive()) {
                r.release();
                return;
            }
            if (keepAlive) {
                inbound.writeAndFlush(r);
            } else {
                inbound.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
