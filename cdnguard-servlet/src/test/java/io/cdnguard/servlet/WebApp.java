package io.cdnguard.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A container-neutral description of a test web application, deployed the same way in Jetty and Tomcat. */
final class WebApp {

    record FilterSpec(String name, Filter instance, Class<? extends Filter> type, Map<String, String> initParams,
            String pattern, EnumSet<DispatcherType> dispatchers) {
    }

    record ServletSpec(String name, Servlet instance, Class<? extends Servlet> type, String pattern) {
    }

    String contextPath = "";
    Path staticRoot;
    boolean compression;
    final List<FilterSpec> filters = new ArrayList<>();
    final List<ServletSpec> servlets = new ArrayList<>();
    final Map<Integer, String> errorPages = new LinkedHashMap<>();

    WebApp contextPath(String path) {
        this.contextPath = path;
        return this;
    }

    WebApp staticRoot(Path root) {
        this.staticRoot = root;
        return this;
    }

    WebApp compression(boolean on) {
        this.compression = on;
        return this;
    }

    WebApp filter(String name, Filter instance, String pattern, DispatcherType... types) {
        filters.add(new FilterSpec(name, instance, null, Map.of(), pattern, dispatchers(types)));
        return this;
    }

    WebApp filter(String name, Class<? extends Filter> type, Map<String, String> params, String pattern, DispatcherType... types) {
        filters.add(new FilterSpec(name, null, type, params, pattern, dispatchers(types)));
        return this;
    }

    WebApp servlet(String name, Servlet instance, String pattern) {
        servlets.add(new ServletSpec(name, instance, null, pattern));
        return this;
    }

    WebApp servlet(String name, Class<? extends Servlet> type, String pattern) {
        servlets.add(new ServletSpec(name, null, type, pattern));
        return this;
    }

    WebApp errorPage(int status, String location) {
        errorPages.put(status, location);
        return this;
    }

    private static EnumSet<DispatcherType> dispatchers(DispatcherType... types) {
        return types.length == 0 ? EnumSet.of(DispatcherType.REQUEST) : EnumSet.of(types[0], types);
    }
}
