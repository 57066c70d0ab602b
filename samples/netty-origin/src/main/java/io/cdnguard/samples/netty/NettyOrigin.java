package io.cdnguard.samples.netty;

import io.cdnguard.CdnGuard;
import io.cdnguard.netty.CdnGuardEndpointHandler;
import io.cdnguard.netty.CdnGuardHandler;
import io.cdnguard.samples.origin.LabOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small static asset origin on Netty with cdnguard wired in: files from a directory (a bundled demo
 * site by default), {@code ETag}/{@code Last-Modified}, {@code Cache-Control: max-age} by file type
 * (html 60 s, css/js 1 h, images 1 day), 304 for conditional requests, {@code HEAD}, 404; and
 * cdnguard's health and metrics endpoints on the same port.
 *
 * <pre>
 * java -jar samples/netty-origin/target/cdnguard-netty-origin.jar [--port 8080] [--root DIR]
 *      [--name NAME] [--expect-backends a,b] [--no-cdnguard] [--trace-log FILE]
 * </pre>
 */
public final class NettyOrigin implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NettyOrigin.class);

    static final String USAGE = String.join("\n",
            "usage: java -jar cdnguard-netty-origin.jar [options]",
            "  --port N               port to listen on, 0 for any free one (default 8080)",
            "  --host ADDR            address to bind (default 0.0.0.0)",
            "  --root DIR             directory to serve (default: the bundled demo site)",
            "  --name NAME            origin name shown in logs (default netty-origin)",
            "  --expect-backends SPEC backends of the canonical configuration (gateways): a,b or",
            "                         by route class static:asset-1,asset-2;api:api-1 (repeatable)",
            "  --no-cdnguard          serve without cdnguard (for load comparisons)",
            LabOptions.usage(22),
            "  --help                 this text");

    private static final String[] DEMO_FILES = {"index.html", "app.js", "style.css", "logo.svg"};

    /** Parsed command-line options. */
    static final class Options {
        int port = 8080;
        String host = "0.0.0.0";
        Path root;
        String name = "netty-origin";
        /** The {@code --expect-backends} values, each checked with {@link CdnGuard.Builder#expectBackendSpec(String)}. */
        final List<String> expectBackendSpecs = new ArrayList<>();
        boolean cdnguard = true;
        boolean help;
        final LabOptions lab = new LabOptions();

        /**
         * Parses the arguments.
         *
         * @throws IllegalArgumentException with a message naming the bad argument
         */
        static Options parse(String... args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String value = null;
                int eq = a.indexOf('=');
                if (a.startsWith("--") && eq > 0) {
                    value = a.substring(eq + 1);
                    a = a.substring(0, eq);
                }
                switch (a) {
                    case "--help":
                    case "-h":
                        o.help = true;
                        break;
                    case "--no-cdnguard":
                        o.cdnguard = false;
                        break;
                    case "--port":
                    case "--host":
                    case "--root":
                    case "--name":
                    case "--expect-backends":
                        if (value == null) {
                            if (i + 1 >= args.length) {
                                throw new IllegalArgumentException(a + " needs a value");
                            }
                            value = args[++i];
                        }
                        o.set(a, value);
                        break;
                    default:
                        if (o.lab.accepts(a)) {
                            if (o.lab.needsValue(a) && value == null) {
                                if (i + 1 >= args.length) {
                                    throw new IllegalArgumentException(a + " needs a value");
                                }
                                value = args[++i];
                            }
                            o.lab.set(a, value);
                            break;
                        }
                        throw new IllegalArgumentException("unknown option: " + args[i]);
                }
            }
            return o;
        }

        private void set(String option, String value) {
            switch (option) {
                case "--port":
                    try {
                        port = Integer.parseInt(value.trim());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--port must be a number: " + value);
                    }
                    if (port < 0 || port > 65535) {
                        throw new IllegalArgumentException("--port must be 0..65535: " + value);
                    }
                    break;
                case "--host":
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--host must not be empty");
                    }
                    host = value.trim();
                    break;
                case "--root":
                    root = Paths.get(value);
                    if (!Files.isDirectory(root)) {
                        throw new IllegalArgumentException("--root is not a directory: " + value);
                    }
                    break;
                case "--name":
                    if (value.isBlank()) {
                        throw new IllegalArgumentException("--name must not be empty");
                    }
                    name = value.trim();
                    break;
                case "--expect-backends":
                    try {
                        CdnGuard.builder().expectBackendSpec(value);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--expect-backends: " + e.getMessage(), e);
                    }
                    expectBackendSpecs.add(value);
                    break;
                default:
                    throw new IllegalArgumentException("unknown option: " + option);
            }
        }
    }

    private final Options options;
    private final CdnGuard guard;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;
    private final Path root;
    private final Path extracted;

    /** A guard builder with the expected backends of the options. */
    static CdnGuard.Builder guardBuilder(Options options) {
        CdnGuard.Builder b = CdnGuard.builder();
        for (String spec : options.expectBackendSpecs) {
            b.expectBackendSpec(spec);
        }
        return b;
    }

    private NettyOrigin(Options options) throws InterruptedException {
        this.options = options;
        Path demo = null;
        if (options.root == null) {
            demo = extractDemo();
        }
        this.extracted = demo;
        this.root = options.root != null ? options.root : demo;
        this.guard = options.cdnguard ? options.lab.configure(guardBuilder(options)).build() : null;
        this.boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        StaticFileHandler files = new StaticFileHandler(root);
        try {
            this.channel = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec());
                            if (guard != null) {
                                ch.pipeline().addLast(new CdnGuardHandler(guard))
                                        .addLast(new CdnGuardEndpointHandler(guard));
                            }
                            if (options.lab.maxAge() >= 0) {
                                ch.pipeline().addLast(new MaxAgeOverride(options.lab.maxAge()));
                            }
                            ch.pipeline().addLast(files);
                        }
                    })
                    .bind(options.host, options.port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            shutdown();
            throw e;
        }
    }

    /**
     * Starts an origin.
     *
     * @param options the options
     * @return the running origin
     * @throws InterruptedException if interrupted while binding
     */
    static NettyOrigin start(Options options) throws InterruptedException {
        return new NettyOrigin(options);
    }

    /** The bound port. */
    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** The guard, or {@code null} with {@code --no-cdnguard}. */
    CdnGuard guard() {
        return guard;
    }

    /** The served directory. */
    Path root() {
        return root;
    }

    /** Prints the URLs to {@code out}. */
    void printUrls(PrintStream out) {
        String host = options.host.equals("0.0.0.0") || options.host.equals("::") ? "127.0.0.1" : options.host;
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
        out.println(options.name + ": serving " + root + (extracted != null ? " (bundled demo site)" : ""));
        out.println("  site     " + base + "/");
        if (guard != null) {
            String prefix = guard.endpoint().prefix();
            out.println("  health   " + base + prefix + "/health");
            out.println("  lb       " + base + prefix + "/health/lb");
            out.println("  metrics  " + base + prefix + "/metrics");
        } else {
            out.println("  cdnguard off (--no-cdnguard)");
        }
        out.flush();
    }

    /** Stops serving, the guard's evaluation thread and the event loops; removes the extracted demo site. */
    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        shutdown();
    }

    private void shutdown() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (guard != null) {
            guard.close();
        }
        options.lab.close();
        if (extracted != null) {
            try (Stream<Path> s = Files.walk(extracted)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                log.debug("could not remove {}", extracted, e);
            }
        }
    }

    /** Copies the bundled demo site to a temporary directory, so that it has real files and mtimes. */
    private static Path extractDemo() {
        try {
            Path dir = Files.createTempDirectory("cdnguard-demo-");
            for (String f : DEMO_FILES) {
                try (InputStream in = NettyOrigin.class.getResourceAsStream("/demo/" + f)) {
                    if (in == null) {
                        throw new IOException("bundled demo file missing: " + f);
                    }
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Entry point.
     *
     * @param args see {@link #USAGE}
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("netty-origin: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(USAGE);
            return;
        }
        NettyOrigin origin;
        try {
            origin = start(options);
        } catch (RuntimeException e) {
            System.err.println("netty-origin: cannot start on " + options.host + ":" + options.port + ": " + e);
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            origin.close();
            stopped.countDown();
        }, "netty-origin-shutdown"));
        origin.printUrls(System.out);
        log.info("{} started on port {} (cdnguard {}; expected backends {})", options.name, origin.port(),
                options.cdnguard ? "on" : "off", options.expectBackendSpecs);
        origin.channel.closeFuture().sync();
        stopped.await();
    }

    /** Lab: rewrites the file responses' {@code Cache-Control: public, max-age=...} to a fixed max-age. */
    @ChannelHandler.Sharable
    static final class MaxAgeOverride extends ChannelOutboundHandlerAdapter {
        private final String value;

        MaxAgeOverride(int maxAge) {
            this.value = "public, max-age=" + maxAge;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse) {
                HttpHeaders h = ((HttpResponse) msg).headers();
                String cc = h.get(HttpHeaderNames.CACHE_CONTROL);
                if (cc != null && cc.startsWith("public, max-age=")) {
                    h.set(HttpHeaderNames.CACHE_CONTROL, value);
                }
            }
            ctx.write(msg, promise);
        }
    }
}
