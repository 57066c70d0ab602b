package io.cdnguard.servlet;

import jakarta.servlet.ServletContext;
import java.net.URI;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;

/** Embedded Jetty 12 (ee10): ServletContextHandler, DefaultServlet, ErrorPageErrorHandler, GzipHandler. */
final class JettyContainer implements Container {

    private Server server;
    private ServletContextHandler context;

    @Override
    public URI start(WebApp app) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        context = new ServletContextHandler(app.contextPath.isEmpty() ? "/" : app.contextPath);
        for (WebApp.FilterSpec f : app.filters) {
            FilterHolder h = f.instance() != null ? new FilterHolder(f.instance()) : new FilterHolder(f.type());
            h.setName(f.name());
            h.setAsyncSupported(true);
            for (Map.Entry<String, String> p : f.initParams().entrySet()) {
                h.setInitParameter(p.getKey(), p.getValue());
            }
            context.addFilter(h, f.pattern(), f.dispatchers());
        }
        for (WebApp.ServletSpec s : app.servlets) {
            ServletHolder h = s.instance() != null ? new ServletHolder(s.name(), s.instance()) : new ServletHolder(s.name(), s.type());
            h.setAsyncSupported(true);
            context.addServlet(h, s.pattern());
        }
        if (app.staticRoot != null) {
            context.setBaseResourceAsPath(app.staticRoot);
            ServletHolder def = new ServletHolder("default", DefaultServlet.class);
            def.setInitParameter("dirAllowed", "false");
            def.setInitParameter("etags", "true");
            context.addServlet(def, "/");
        }
        if (!app.errorPages.isEmpty()) {
            ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
            app.errorPages.forEach(errors::addErrorPage);
            context.setErrorHandler(errors);
        }
        Handler top = context;
        if (app.compression) {
            GzipHandler gzip = new GzipHandler();
            gzip.setMinGzipSize(16);
            gzip.setHandler(context);
            top = gzip;
        }
        server.setHandler(top);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + app.contextPath);
    }

    @Override
    public ServletContext servletContext() {
        return context.getServletContext();
    }

    @Override
    public String name() {
        return "Jetty " + Server.getVersion();
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
    }
}
