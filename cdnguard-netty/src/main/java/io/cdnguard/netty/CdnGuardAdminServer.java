package io.cdnguard.netty;

import io.cdnguard.CdnGuard;
import io.cdnguard.HealthEndpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tiny HTTP/1.1 server on its own port that serves only cdnguard's endpoints ({@link
 * CdnGuardEndpointHandler}) and answers 404 to anything else: for servers that keep health and
 * metrics off the serving port, or that answer pipelined requests asynchronously. Runs on one
 * daemon event-loop thread of its own. Requests to it are not recorded (there is no {@link
 * CdnGuardHandler} in its pipeline), so they never count as traffic of any kind.
 *
 * <pre>{@code
 * try (CdnGuardAdminServer admin = CdnGuardAdminServer.start(guard, "127.0.0.1", 9090)) {
 *     // GET http://127.0.0.1:9090/cdnguard/health
 * }
 * }</pre>
 *
 * <p>Its pipeline, should you rather build it into your own server:
 * <pre>{@code
 * ch.pipeline().addLast(new HttpServerCodec())
 *              .addLast(new CdnGuardEndpointHandler(guard))
 *              .addLast(yourNotFoundHandler);
 * }</pre>
 */
public final class CdnGuardAdminServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CdnGuardAdminServer.class);

    private final EventLoopGroup group;
    private final Channel channel;
    private final InetSocketAddress address;

    private CdnGuardAdminServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
        this.address = (InetSocketAddress) channel.localAddress();
    }

    /**
     * Binds an admin server serving {@code guard}'s endpoints.
     *
     * @param guard the guard
     * @param host the address to bind, e.g. {@code "127.0.0.1"}
     * @param port the port, 0 for an ephemeral one
     * @return the running server
     * @throws InterruptedException if interrupted while binding
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public static CdnGuardAdminServer start(CdnGuard guard, String host, int port) throws InterruptedException {
        return start(Objects.requireNonNull(guard, "guard").endpoint(), host, port);
    }

    /**
     * Binds an admin server serving an endpoint.
     *
     * @param endpoint the endpoint, e.g. {@link CdnGuard#endpoint()}
     * @param host the address to bind
     * @param port the port, 0 for an ephemeral one
     * @return the running server
     * @throws InterruptedException if interrupted while binding
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public static CdnGuardAdminServer start(HealthEndpoint endpoint, String host, int port) throws InterruptedException {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("cdnguard-admin", true), NioIoHandler.newFactory());
        try {
            Channel ch = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec())
                                    .addLast(new CdnGuardEndpointHandler(endpoint))
                                    .addLast(new NotFound());
                        }
                    })
                    .bind(host, port).sync().channel();
            CdnGuardAdminServer server = new CdnGuardAdminServer(group, ch);
            log.info("cdnguard admin endpoints on http://{}:{}{}/health", host, server.port(), endpoint.prefix());
            return server;
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return address;
    }

    /** The bound port. */
    public int port() {
        return address.getPort();
    }

    /** Closes the port and stops the event loop; waits up to a few seconds. Idempotent. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Answers 404 to every request that is not cdnguard's, and 414, 431 or 400 (then closes) to one the
     * codec could not decode; releases what it reads.
     */
    private static final class NotFound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest) {
                    HttpRequest req = (HttpRequest) msg;
                    // A request the codec could not read (line or headers over its limits, bad syntax) is
                    // answered 414/431/400 and the connection closed: the decoder discards the rest anyway.
                    Throwable bad = req.decoderResult().isFailure() ? req.decoderResult().cause() : null;
                    HttpResponseStatus status = bad == null ? HttpResponseStatus.NOT_FOUND
                            : bad instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                            : bad instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                            : HttpResponseStatus.BAD_REQUEST;
                    String text = bad == null ? "not found\n" : status.reasonPhrase().toLowerCase(java.util.Locale.ROOT) + "\n";
                    FullHttpResponse res = new DefaultFullHttpResponse(bad == null ? req.protocolVersion() : HttpVersion.HTTP_1_1,
                            status, Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.US_ASCII)));
                    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
                    res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, res.content().readableBytes());
                    res.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
                    boolean keepAlive = bad == null && HttpUtil.isKeepAlive(req) && !HttpUtil.is100ContinueExpected(req);
                    HttpUtil.setKeepAlive(res, keepAlive);
                    if (keepAlive) {
                        ctx.writeAndFlush(res);
                    } else {
                        ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                    }
                } else if (!(msg instanceof HttpContent) && !(msg instanceof LastHttpContent)) {
                    ctx.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
