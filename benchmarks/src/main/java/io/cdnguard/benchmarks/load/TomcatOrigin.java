package io.cdnguard.benchmarks.load;

import io.cdnguard.CdnGuard;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * The static origin of {@code benchmarks/load/tomcat-load.sh}: embedded Tomcat 11, its {@link
 * DefaultServlet} over a directory (by default a temporary one with files of a few sizes, one above
 * Tomcat's 48 KiB {@code sendfileSize}), a filter setting {@code Cache-Control} by file type, and,
 * unless {@code --mode none}, {@link CdnGuardFilter} and {@link CdnGuardHealthServlet} at {@code
 * /cdnguard/*}.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.cdnguard.benchmarks.load.TomcatOrigin
 *      [--mode auto|wrap|none] [--port 0] [--host 127.0.0.1] [--root DIR]
 * </pre>
 * {@code --mode auto}: the filter's default, which leaves Tomcat's response unwrapped (sendfile kept);
 * {@code wrap}: {@code wrap-response=true}, the counting wrapper; {@code none}: no cdnguard at all.
 * Prints {@code assets: http://HOST:PORT/} once listening, then runs until killed.
 */
public final class TomcatOrigin {

    /** The generated files: name and size in bytes. */
    static final Object[][] FILES = {
        {"app.js", 4 * 1024},
        {"logo.png", 20 * 1024},
        {"big.bin", 256 * 1024},
    };

    private TomcatOrigin() {
    }

    /**
     * Starts the origin (see the class description).
     *
     * @param args the options
     * @throws Exception if Tomcat cannot start
     */
    public static void main(String[] args) throws Exception {
        String mode = "auto";
        String host = "127.0.0.1";
        int port = 0;
        Path root = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                usage("missing value for " + a);
            }
            String v = args[++i];
            switch (a) {
                case "--mode":
                    mode = v.toLowerCase(Locale.ROOT);
                    if (!mode.equals("auto") && !mode.equals("wrap") && !mode.equals("none")) {
                        usage("--mode must be auto, wrap or none: " + v);
                    }
                    break;
                case "--host":
                    host = v;
                    break;
                case "--port":
                    port = Integer.parseInt(v);
                    break;
                case "--root":
                    root = Paths.get(v);
                    break;
                default:
                    usage("unknown option " + a);
            }
        }
        Path base = Files.createTempDirectory("cdnguard-tomcat-origin");
        if (root == null) {
            root = Files.createDirectories(base.resolve("assets"));
            for (Object[] f : FILES) {
                byte[] body = new byte[(Integer) f[1]];
                for (int i = 0; i < body.length; i++) {
                    body[i] = (byte) ('a' + i % 26);
                }
                Files.write(root.resolve((String) f[0]), body);
            }
        }

        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(base.resolve("tomcat").toString());
        Connector connector = new Connector();
        connector.setPort(port);
        connector.setProperty("address", host);
        tomcat.setConnector(connector);
        Context context = tomcat.addContext("", root.toString());
        Tomcat.addDefaultMimeTypeMappings(context);
        addFilter(context, "cache-control", new CacheControlFilter());
        CdnGuard guard = null;
        if (!mode.equals("none")) {
            // a throwaway baseline: load runs must not teach, or read, a real origin's traffic baseline
            guard = CdnGuard.builder().baselineDirectory(base.resolve("baseline")).build();
            addFilter(context, "cdnguard", new CdnGuardFilter(guard,
                    mode.equals("wrap") ? CdnGuardFilter.ResponseWrapping.ALWAYS : CdnGuardFilter.ResponseWrapping.AUTO));
            Tomcat.addServlet(context, "cdnguard", new CdnGuardHealthServlet(guard));
            context.addServletMappingDecoded("/cdnguard/*", "cdnguard");
        }
        Wrapper def = Tomcat.addServlet(context, "default", new DefaultServlet());
        def.addInitParameter("listings", "false");
        context.addServletMappingDecoded("/", "default");

        CountDownLatch stopped = new CountDownLatch(1);
        CdnGuard g = guard;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                tomcat.stop();
                tomcat.destroy();
            } catch (Exception e) {
                // exiting anyway
            }
            if (g != null) {
                g.close();
            }
            deleteTree(base);
            stopped.countDown();
        }, "tomcat-origin-stop"));
        tomcat.start();
        System.out.println(ServerInfo.getServerInfo() + ", mode " + mode + ", root " + root);
        System.out.println("assets: http://" + host + ":" + connector.getLocalPort() + "/");
        System.out.flush();
        stopped.await();
    }

    private static void addFilter(Context context, String name, Filter filter) {
        FilterDef def = new FilterDef();
        def.setFilterName(name);
        def.setFilter(filter);
        def.setAsyncSupported("true");
        context.addFilterDef(def);
        FilterMap map = new FilterMap();
        map.setFilterName(name);
        map.addURLPatternDecoded("/*");
        map.setDispatcher(DispatcherType.REQUEST.name());
        context.addFilterMap(map);
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println("usage: TomcatOrigin [--mode auto|wrap|none] [--port N] [--host ADDR] [--root DIR]");
        System.exit(2);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }

    /** Sets {@code Cache-Control} by file type: js/css 1 h, images and binaries 1 day, html 1 min. */
    static final class CacheControlFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            String uri = ((HttpServletRequest) request).getRequestURI();
            String cc = null;
            if (uri.endsWith(".js") || uri.endsWith(".css")) {
                cc = "public, max-age=3600";
            } else if (uri.endsWith(".png") || uri.endsWith(".bin")) {
                cc = "public, max-age=86400";
            } else if (uri.endsWith(".html")) {
                cc = "public, max-age=60";
            }
            if (cc != null) {
                ((HttpServletResponse) response).setHeader("Cache-Control", cc);
            }
            chain.doFilter(request, response);
        }
    }
}
