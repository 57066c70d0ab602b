package io.cdnguard.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.servlets.DefaultServlet;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.util.ServerInfo;
import org.apache.tomcat.util.descriptor.web.ErrorPage;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** Embedded Tomcat 11: a context with Tomcat's DefaultServlet, error pages and connector compression. */
final class TomcatContainer implements Container {

    private Tomcat tomcat;
    private Context context;
    private Path baseDir;

    @Override
    public URI start(WebApp app) throws Exception {
        baseDir = Files.createTempDirectory("cdnguard-tomcat");
        tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        if (app.compression) {
            connector.setProperty("compression", "on");
            connector.setProperty("compressionMinSize", "16");
        }
        tomcat.setConnector(connector);

        Path docBase = app.staticRoot != null ? app.staticRoot : Files.createDirectories(baseDir.resolve("docbase"));
        context = tomcat.addContext(app.contextPath, docBase.toString());
        Tomcat.addDefaultMimeTypeMappings(context);
        for (WebApp.FilterSpec f : app.filters) {
            FilterDef def = new FilterDef();
            def.setFilterName(f.name());
            if (f.instance() != null) {
                def.setFilter(f.instance());
            } else {
                def.setFilterClass(f.type().getName());
            }
            def.setAsyncSupported("true");
            for (Map.Entry<String, String> p : f.initParams().entrySet()) {
                def.addInitParameter(p.getKey(), p.getValue());
            }
            context.addFilterDef(def);
            FilterMap map = new FilterMap();
            map.setFilterName(f.name());
            map.addURLPatternDecoded(f.pattern());
            for (DispatcherType d : f.dispatchers()) {
                map.setDispatcher(d.name());
            }
            context.addFilterMap(map);
        }
        for (WebApp.ServletSpec s : app.servlets) {
            Wrapper w = s.instance() != null ? Tomcat.addServlet(context, s.name(), s.instance())
                    : Tomcat.addServlet(context, s.name(), s.type().getName());
            w.setAsyncSupported(true);
            context.addServletMappingDecoded(s.pattern(), s.name());
        }
        if (app.staticRoot != null) {
            Tomcat.addServlet(context, "default", new DefaultServlet());
            context.addServletMappingDecoded("/", "default");
        }
        for (Map.Entry<Integer, String> e : app.errorPages.entrySet()) {
            ErrorPage page = new ErrorPage();
            page.setErrorCode(e.getKey());
            page.setLocation(e.getValue());
            context.addErrorPage(page);
        }
        tomcat.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + app.contextPath);
    }

    @Override
    public ServletContext servletContext() {
        return context.getServletContext();
    }

    @Override
    public String name() {
        return ServerInfo.getServerInfo();
    }

    @Override
    public void close() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
            tomcat = null;
        }
        if (baseDir != null) {
            try (Stream<Path> s = Files.walk(baseDir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // best effort
                    }
                });
            }
            baseDir = null;
        }
    }
}
