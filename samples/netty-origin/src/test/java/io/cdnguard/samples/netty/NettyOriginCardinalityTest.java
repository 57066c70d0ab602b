package io.cdnguard.samples.netty;

import static io.cdnguard.testing.CardinalityAttack.FIRST;
import static org.assertj.core.api.Assertions.assertThat;
import static io.cdnguard.testing.CardinalityAttack.REQUESTS;

import io.cdnguard.CdnGuard;
import io.cdnguard.netty.CdnGuardEndpointHandler;
import io.cdnguard.netty.CdnGuardHandler;
import io.cdnguard.testing.CardinalityAttack;
import io.cdnguard.testing.CardinalityAttack.Attack;
import io.cdnguard.testing.CardinalityAttack.Figures;
import io.cdnguard.testing.RawConnection;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;
import org.openjdk.jol.vm.VirtualMachine;

/**
 * The cardinality attack ({@link CardinalityAttack}, issue 8) on the Netty sample: distinct paths,
 * {@code CDN-Loop} ids and CloudFront POP names; and, through a gateway pipeline that names the backend
 * per request (as a virtual-host router would, with {@link CdnGuardHandler#backend}), 20k distinct
 * backend names.
 */
class NettyOriginCardinalityTest {

    static {
        // JOL cannot read field offsets of hidden classes (lambdas) through Unsafe on JDK 17 without this.
        System.setProperty("jol.magicFieldOffset", "true");
    }

    private static final VirtualMachine VM_ = VM.current();
    private static final CardinalityAttack.Heap JOL = new CardinalityAttack.Heap(VM_::sizeOf,
            (o, f) -> VM_.getObject(o, VM_.fieldOffset(f)), root -> GraphLayout.parseInstance(root).totalSize(),
            root -> GraphLayout.parseInstance(root).toFootprint());

    private NettyOrigin origin;
    private CdnGuard gatewayGuard;
    private EventLoopGroup group;
    private Channel gateway;
    private Path gatewayRoot;

    @AfterEach
    void stop() throws IOException {
        if (origin != null) {
            origin.close();
        }
        if (gateway != null) {
            gateway.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (gatewayGuard != null) {
            gatewayGuard.close();
        }
        if (gatewayRoot != null) {
            try (Stream<Path> s = Files.walk(gatewayRoot)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS) // a hang guard only; ~30 s on a busy 2-core machine
    void sample_distinctPathsCdnLoopsAndPops_memoryAndOutputBounded_noCountLost() throws Exception {
        origin = NettyOrigin.start(NettyOrigin.Options.parse("--port", "0", "--host", "127.0.0.1", "--name", "cardinality"));
        CdnGuard guard = origin.guard();
        try (RawConnection client = CardinalityAttack.connect(origin.port())) {
            Attack attack = new Attack(false);
            // Warm-up: a few requests so that lazily created per-channel and per-thread state exists before measuring.
            attack.send(client, 0, 64);
            CardinalityAttack.awaitTotal(guard, 64);
            attack.send(client, 64, FIRST);
            Figures first = CardinalityAttack.measure(JOL, "netty-sample", guard, client, attack.sent, FIRST);
            attack.send(client, FIRST, REQUESTS);
            Figures second = CardinalityAttack.measure(JOL, "netty-sample", guard, client, attack.sent + first.selfRequests(),
                    REQUESTS);
            CardinalityAttack.assertBounded(first, second);

            long sent = attack.sent + first.selfRequests() + second.selfRequests();
            CardinalityAttack.awaitTotal(guard, sent);
            CardinalityAttack.assertPathsLoopsAndPopsCounted(guard.snapshot(), attack, sent, 0);
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS) // a hang guard only; ~30 s on a busy 2-core machine
    void gateway_distinctBackendNames_memoryAndOutputBounded_overflowCounted() throws Exception {
        gatewayRoot = Files.createTempDirectory("cdnguard-cardinality-");
        Files.writeString(gatewayRoot.resolve("app.js"), "console.log('cardinality');\n");
        gatewayGuard = CdnGuard.builder().expectBackends("b0", "b1").build();
        StaticFileHandler files = new StaticFileHandler(gatewayRoot);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        gateway = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec())
                                .addLast(new CdnGuardHandler(gatewayGuard))
                                .addLast(new CdnGuardEndpointHandler(gatewayGuard))
                                .addLast(VirtualHostRouter.INSTANCE)
                                .addLast(files);
                    }
                }).bind("127.0.0.1", 0).sync().channel();
        int port = ((InetSocketAddress) gateway.localAddress()).getPort();
        try (RawConnection client = CardinalityAttack.connect(port)) {
            Attack attack = new Attack(true);
            attack.send(client, 0, 64);
            CardinalityAttack.awaitTotal(gatewayGuard, 64);
            attack.send(client, 64, FIRST);
            Figures first = CardinalityAttack.measure(JOL, "netty-gateway", gatewayGuard, client, attack.sent, FIRST);
            attack.send(client, FIRST, REQUESTS);
            Figures second = CardinalityAttack.measure(JOL, "netty-gateway", gatewayGuard, client,
                    attack.sent + first.selfRequests(), REQUESTS);
            CardinalityAttack.assertBounded(first, second);

            long sent = attack.sent + first.selfRequests() + second.selfRequests();
            CardinalityAttack.awaitTotal(gatewayGuard, sent);
            assertThat(CardinalityAttack.total(gatewayGuard.snapshot())).as("every request counted").isEqualTo(sent);
            CardinalityAttack.assertBackendsBounded(gatewayGuard.snapshot(), attack.sent);
        }
    }

    /** A gateway that routes by virtual host: the backend is named after the {@code Host} header's first label. */
    @ChannelHandler.Sharable
    static final class VirtualHostRouter extends ChannelInboundHandlerAdapter {
        static final VirtualHostRouter INSTANCE = new VirtualHostRouter();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest) {
                String host = ((HttpRequest) msg).headers().get(HttpHeaderNames.HOST, "");
                int dot = host.indexOf('.');
                CdnGuardHandler.backend(ctx.channel(), dot > 0 ? host.substring(0, dot) : host);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
