package io.cdnguard.samples.jetty;

import io.cdnguard.CdnGuard;
import io.cdnguard.Check;
import io.cdnguard.CheckResult;
import io.cdnguard.GuardSnapshot;
import io.cdnguard.TimeSource;
import io.cdnguard.checks.CacheRefetchCheck;
import io.cdnguard.checks.CdnTrafficCheck;
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
import java.time.Duration;
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
 *      [--expect-backends a,b] [--host 0.0.0.0] [--no-cdnguard]
 * </pre>
 */
public final class JettyOrigin implements AutoCloseable {

    static final String USAGE = String.join("\n",
            "usage: java -jar cdnguard-jetty-origin.jar [options]",
            "  --port N                 port to listen on (default 8081; 0 picks a free one)",
            "  --host ADDR              address to bind (default 0.0.0.0)",
            "  --root DIR               directory to serve (default: the bundled demo assets)",
            "  --expect-backends a,b    backends the canonical configuration expects (gateways)",
            "  --no-cdnguard            serve without the cdnguard filter and endpoints (load comparisons)",
            "lab options (compressed time, samples/lab):",
            "  --max-age SECONDS        Cache-Control max-age for every file, overriding the per-type one",
            "  --time-scale N           cdnguard's clock runs N times faster than real time (default 1)",
            "  --eval-period DUR        how often cdnguard evaluates its checks, real time (default 10s)",
            "  --bucket DUR             cdnguard's window bucket length, cdnguard time (default 10s)",
            "  --refetch-grace DUR      cdnguard's refetch grace, cdnguard time (default 1m)",
            "  --detection              add the cdn-traffic and cache-refetch checks (baseline not persisted)",
            "  --down-file PATH         report DOWN (check lab-down-file) while PATH exists",
            "  --help                   print this and exit");

    static final String[] DEMO_FILES = {"index.html", "app.js", "style.css", "logo.svg"};

    /** Parsed command-line options. */
    static final class Options {
        int port = 8081;
        String host = "0.0.0.0";
        Path root;
        final List<String> expectBackends = new ArrayList<>();
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
                        for (String b : (value != null ? value : next(args, ++i, a)).split(",")) {
                            if (!b.trim().isEmpty()) {
                                o.expectBackends.add(b.trim());
                            }
                        }
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

    private JettyOrigin(Server server, ServerConnector connector, CdnGuard guard, Path root, Path extracted) {
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
                guard = o.lab.configure(CdnGuard.builder().expectBackends(o.expectBackends.toArray(new String[0]))).build();
                context.addFilter(new FilterHolder(new CdnGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
                context.addServlet(new ServletHolder("cdnguard", new CdnGuardHealthServlet(guard)), "/cdnguard/*");
            }
            context.addFilter(new FilterHolder(new CacheControlFilter(o.lab.maxAge)), "/*", EnumSet.of(DispatcherType.REQUEST));
            ServletHolder assets = new ServletHolder("default", DefaultServlet.class);
            assets.setInitParameter("dirAllowed", "false");
            assets.setInitParameter("etags", "true");
            assets.setInitParameter("acceptRanges", "true");
            context.addServlet(assets, "/");
            server.setHandler(context);
            server.start();
            return new JettyOrigin(server, connector, guard, root, extracted);
        } catch (Exception | Error e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // best effort
            }
            if (guard != null) {
                guard.close();
            }
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

    /**
     * Lab options (samples/lab): compressed time, a fixed max-age and a switch to force DOWN. All
     * default to the normal behaviour.
     */
    static final class LabOptions {
        int maxAge = -1;
        double timeScale = 1;
        Duration evalPeriod;
        Duration bucket;
        Duration refetchGrace;
        boolean detection;
        Path downFile;

        boolean accepts(String option) {
            switch (option) {
                case "--max-age":
                case "--time-scale":
                case "--eval-period":
                case "--bucket":
                case "--refetch-grace":
                case "--detection":
                case "--down-file":
                    return true;
                default:
                    return false;
            }
        }

        boolean needsValue(String option) {
            return !"--detection".equals(option);
        }

        void set(String option, String value) {
            switch (option) {
                case "--max-age":
                    maxAge = (int) number(option, value, 0, Integer.MAX_VALUE);
                    break;
                case "--time-scale":
                    timeScale = number(option, value, 1, 10_000);
                    break;
                case "--eval-period":
                    evalPeriod = duration(option, value);
                    break;
                case "--bucket":
                    bucket = duration(option, value);
                    break;
                case "--refetch-grace":
                    refetchGrace = duration(option, value);
                    break;
                case "--detection":
                    detection = true;
                    break;
                case "--down-file":
                    if (value == null || value.isBlank()) {
                        throw new IllegalArgumentException("--down-file needs a path");
                    }
                    downFile = Paths.get(value.trim());
                    break;
                default:
                    throw new IllegalArgumentException("unknown option: " + option);
            }
        }

        /** Applies the lab options to a guard builder. */
        CdnGuard.Builder configure(CdnGuard.Builder b) {
            if (timeScale != 1) {
                b.timeSource(scaledClock(timeScale));
            }
            if (evalPeriod != null) {
                b.evaluationPeriod(evalPeriod);
            }
            if (bucket != null) {
                b.window(bucket, 360);
            }
            if (refetchGrace != null) {
                b.refetchGrace(refetchGrace);
            }
            if (detection) {
                b.check(CdnTrafficCheck.builder().persistence(false).build());
                b.check(CacheRefetchCheck.builder().build());
            }
            if (downFile != null) {
                Path f = downFile;
                b.check(new Check() {
                    @Override
                    public String name() {
                        return "lab-down-file";
                    }

                    @Override
                    public CheckResult evaluate(GuardSnapshot snapshot) {
                        return Files.exists(f) ? CheckResult.down("down file present: " + f)
                                : CheckResult.up("no down file at " + f);
                    }
                });
            }
            return b;
        }

        /** A clock that starts at the wall clock and runs {@code scale} times faster. */
        static TimeSource scaledClock(double scale) {
            long wall0 = System.currentTimeMillis();
            long nano0 = System.nanoTime();
            return () -> wall0 + (long) ((System.nanoTime() - nano0) / 1_000_000.0 * scale);
        }

        private static double number(String option, String value, double min, double max) {
            double v;
            try {
                v = Double.parseDouble(value.trim());
            } catch (NumberFormatException | NullPointerException e) {
                throw new IllegalArgumentException(option + " must be a number: " + value);
            }
            if (!(v >= min && v <= max)) {
                throw new IllegalArgumentException(option + " must be " + (long) min + ".." + (long) max + ": " + value);
            }
            return v;
        }

        /** Parses {@code 500ms}, {@code 2s}, {@code 5m}, {@code 1h} or plain seconds. */
        static Duration duration(String option, String value) {
            String v = value == null ? "" : value.trim().toLowerCase(java.util.Locale.ROOT);
            try {
                Duration d;
                if (v.endsWith("ms")) {
                    d = Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                } else if (v.endsWith("s")) {
                    d = Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
                } else if (v.endsWith("m")) {
                    d = Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
                } else if (v.endsWith("h")) {
                    d = Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
                } else {
                    d = Duration.ofSeconds(Long.parseLong(v));
                }
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException(option + " must be positive: " + value);
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a duration like 500ms, 2s, 5m: " + value);
            }
        }
    }
}
