package io.cdnguard.samples.jetty;

import io.cdnguard.CdnGuard;
import io.cdnguard.samples.origin.LabOptions;
import io.cdnguard.servlet.CdnGuardFilter;
import io.cdnguard.servlet.CdnGuardHealthServlet;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A static asset origin on embedded Jetty 12 (ee10) with cdnguard: Jetty's {@link DefaultServlet}
 * serves a directory with {@code ETag}, {@code Last-Modified} and 304s, a small filter sets {@code
 * Cache-Control: max-age} by file type (css/js 1 h, images 1 day, html 1 min), {@link
 * CdnGuardFilter} records every exchange and {@link CdnGuardHealthServlet} serves {@code /cdnguard/*}.
 *
 * <pre>
 * java -jar samples/jetty-origin/target/cdnguard-jetty-origin.jar [--port 8081] [--root DIR]
 *      [--expect-backends a,b] [--host 0.0.0.0] [--no-cdnguard] [--trace-log FILE]
 * </pre>
 */
public final class JettyOrigin implements AutoCloseable {

    static final String USAGE = String.join("\n",
            "usage: java -jar cdnguard-jetty-origin.jar [options]",
            "  --port N                 port to listen on (default 8081; 0 picks a free one)",
            "  --host ADDR              address to bind (default 0.0.0.0)",
            "  --root DIR               directory to serve (default: the bundled demo assets)",
            "  --expect-backends SPEC   backends the canonical configuration expects (gateways): a,b or",
            "                           by route class static:asset-1,asset-2;api:api-1 (repeatable)",
            "  --no-cdnguard            serve without the cdnguard filter and endpoints (load comparisons)",
            LabOptions.usage(24),
            "  --help                   print this and exit");

    static final String[] DEMO_FILES = {"index.html", "app.js", "style.css", "logo.svg"};

    /** Parsed command-line options. */
    static final class Options {
        int port = 8081;
        String host = "0.0.0.0";
        Path root;
        /** The {@code --expect-backends} values, each checked with {@link CdnGuard.Builder#expectBackendSpec(String)}. */
        final List<String> expectBackendSpecs = new ArrayList<>();
        boolean cdnguard = true;
        boolean help;
        final LabOptions lab = new LabOptions();

        /** Parses {@code args}; throws {@link IllegalArgumentException} with a message for people. */
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
                    case "--port":
                        value = value != null ? value : next(args, ++i, a);
                        try {
                            o.port = Integer.parseInt(value);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--port: not a number: " + value);
                        }
                        if (o.port < 0 || o.port > 65535) {
                            throw new IllegalArgumentException("--port: must be 0..65535: " + value);
                        }
                        break;
                    case "--host":
                        o.host = value != null ? value : next(args, ++i, a);
                        break;
                    case "--root":
                        o.root = Paths.get(value != null ? value : next(args, ++i, a));
                        if (!Files.isDirectory(o.root)) {
                            throw new IllegalArgumentException("--root: not a directory: " + o.root);
                        }
                        break;
                    case "--expect-backends":
                        String spec = value != null ? value : next(args, ++i, a);
                        try {
                            CdnGuard.builder().expectBackendSpec(spec);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--expect-backends: " + e.getMessage(), e);
                        }
                        o.expectBackendSpecs.add(spec);
                        break;
                    case "--no-cdnguard":
                        o.cdnguard = false;
                        break;
                    case "--help":
                    case "-h":
                        o.help = true;
                        break;
                    default:
                        if (o.lab.accepts(a)) {
                            o.lab.set(a, o.lab.needsValue(a) ? (value != null ? value : next(args, ++i, a)) : null);
                            break;
                        }
                        throw new IllegalArgumentException("unknown option: " + args[i]);
                }
            }
            return o;
        }

        private static String next(String[] args, int i, String option) {
            if (i >= args.length || args[i].startsWith("--")) {
                throw new IllegalArgumentException(option + ": missing value");
            }
            return args[i];
        }
    }

    private final Server server;
    private final ServerConnector connector;
    private final CdnGuard guard;
    private final Path root;
    private final Path extracted;
    private final LabOptions lab;

    private JettyOrigin(Server server, ServerConnector connector, CdnGuard guard, Path root, Path extracted, LabOptions lab) {
        this.lab = lab;
        this.server = server;
        this.connector = connector;
        this.guard = guard;
        this.root = root;
        this.extracted = extracted;
    }

    /** Entry point: parses the options, starts the server, prints its URLs and runs until stopped. */
    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("jetty-origin: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(USAGE);
            return;
        }
        JettyOrigin origin = start(o);
        Runtime.getRuntime().addShutdownHook(new Thread(origin::close, "jetty-origin-shutdown"));
        origin.printUrls(System.out);
        origin.server.join();
    }

    /** Starts an origin as configured. */
    static JettyOrigin start(Options o) throws Exception {
        Path extracted = null;
        Path root = o.root;
        if (root == null) {
            extracted = extractDemo();
            root = extracted;
        }
        CdnGuard guard = null;
        Server server = new Server();
        try {
            ServerConnector connector = new ServerConnector(server);
            connector.setHost(o.host);
            connector.setPort(o.port);
            server.addConnector(connector);

            ServletContextHandler context = new ServletContextHandler("/");
            context.setBaseResourceAsPath(root.toAbsolutePath());
            context.setWelcomeFiles(new String[] {"index.html"});
            if (o.cdnguard) {
                CdnGuard.Builder b = CdnGuard.builder();
                for (String spec : o.expectBackendSpecs) {
                    b.expectBackendSpec(spec);
                }
                guard = o.lab.configure(b).build();
                context.addFilter(new FilterHolder(new CdnGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
                context.addServlet(new ServletHolder("cdnguard", new CdnGuardHealthServlet(guard)), "/cdnguard/*");
            }
            context.addFilter(new FilterHolder(new CacheControlFilter(o.lab.maxAge())), "/*", EnumSet.of(DispatcherType.REQUEST));
            ServletHolder assets = new ServletHolder("default", DefaultServlet.class);
            assets.setInitParameter("dirAllowed", "false");
            assets.setInitParameter("etags", "true");
            assets.setInitParameter("acceptRanges", "true");
            context.addServlet(assets, "/");
            server.setHandler(context);
            server.start();
            return new JettyOrigin(server, connector, guard, root, extracted, o.lab);
        } catch (Exception | Error e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // best effort
            }
            if (guard != null) {
                guard.close();
            }
            o.lab.close();
            deleteTree(extracted);
            throw e;
        }
    }

    /** The port it listens on (the chosen one if started with port 0). */
    int port() {
        return connector.getLocalPort();
    }

    /** The guard, or {@code null} with {@code --no-cdnguard}. */
    CdnGuard guard() {
        return guard;
    }

    /** The directory served. */
    Path root() {
        return root;
    }

    void printUrls(PrintStream out) {
        String host = "0.0.0.0".equals(connector.getHost()) || connector.getHost() == null ? "127.0.0.1" : connector.getHost();
        String base = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
        out.println("cdnguard jetty-origin (Jetty " + Server.getVersion() + ") serving " + root);
        out.println("  assets:  " + base + "/");
        if (guard != null) {
            out.println("  health:  " + base + "/cdnguard/health");
            out.println("  lb:      " + base + "/cdnguard/health/lb");
            out.println("  metrics: " + base + "/cdnguard/metrics");
        } else {
            out.println("  cdnguard: off (--no-cdnguard)");
        }
    }

    /** Stops the server, closes the guard and removes the extracted demo directory. Idempotent. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            System.err.println("jetty-origin: stopping failed: " + e);
        }
        if (guard != null) {
            guard.close();
        }
        lab.close();
        deleteTree(extracted);
    }

    static Path extractDemo() throws IOException {
        Path dir = Files.createTempDirectory("cdnguard-jetty-origin");
        for (String name : DEMO_FILES) {
            URL url = JettyOrigin.class.getResource("demo/" + name);
            if (url == null) {
                throw new IOException("demo asset missing from the jar: " + name);
            }
            URLConnection conn = url.openConnection();
            long modified = conn.getLastModified();
            try (InputStream in = conn.getInputStream()) {
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
            if (modified > 0) {
                // keep the jar's timestamps: Last-Modified and ETag stay the same across restarts and instances
                Files.setLastModifiedTime(dir.resolve(name), FileTime.fromMillis(modified));
            }
        }
        return dir;
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    /** Sets {@code Cache-Control} by file type before the default servlet answers. */
    static final class CacheControlFilter implements Filter {

        private final int maxAgeOverride;

        /** Per-type max-age. */
        CacheControlFilter() {
            this(-1);
        }

        /** With {@code maxAgeOverride >= 0}, every file gets {@code public, max-age=maxAgeOverride} (lab). */
        CacheControlFilter(int maxAgeOverride) {
            this.maxAgeOverride = maxAgeOverride;
        }

        /** The {@code Cache-Control} value for a request path, or {@code null} to set none. */
        static String cacheControl(String path) {
            String p = path.toLowerCase(Locale.ROOT);
            if (p.endsWith(".css") || p.endsWith(".js") || p.endsWith(".mjs")) {
                return "public, max-age=3600";
            }
            if (p.endsWith(".svg") || p.endsWith(".png") || p.endsWith(".jpg") || p.endsWith(".jpeg")
                    || p.endsWith(".gif") || p.endsWith(".webp") || p.endsWith(".avif") || p.endsWith(".ico")) {
                return "public, max-age=86400";
            }
            if (p.endsWith(".html") || p.endsWith("/")) {
                return "public, max-age=60";
            }
            return null;
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String cc = cacheControl(((HttpServletRequest) request).getRequestURI());
            if (cc != null && maxAgeOverride >= 0) {
                cc = "public, max-age=" + maxAgeOverride;
            }
            if (cc == null) {
                chain.doFilter(request, response);
                return;
            }
            HttpServletResponse res = (HttpServletResponse) response;
            res.setHeader("Cache-Control", cc);
            chain.doFilter(request, new NotModifiedKeepsHeaders(res));
        }
    }

    /**
     * Jetty's default servlet answers a matching conditional GET with {@code sendError(304)}, which
     * clears the headers set before it, {@code Cache-Control} included. A 304 must carry the
     * headers that refresh the cached copy (RFC 9111, 4.3.4), and cdnguard reads the copy's new
     * lifetime from it, so send 304 as a plain status instead.
     */
    static final class NotModifiedKeepsHeaders extends HttpServletResponseWrapper {
        NotModifiedKeepsHeaders(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void sendError(int sc) throws IOException {
            if (sc == SC_NOT_MODIFIED) {
                setStatus(sc);
            } else {
                super.sendError(sc);
            }
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            if (sc == SC_NOT_MODIFIED) {
                setStatus(sc);
            } else {
                super.sendError(sc, msg);
            }
        }
    }
}
