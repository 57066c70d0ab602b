package io.cdnguard.servlet;

import io.cdnguard.CdnGuard;
import io.cdnguard.Exchange;
import io.cdnguard.UpstreamFailure;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Servlet 6 {@link Filter} that records every exchange of a web application into a {@link
 * CdnGuard}: the status actually sent, the body bytes written, the duration and the response's
 * caching headers.
 *
 * <p>In code (Jetty, Tomcat, any container):
 * <pre>{@code
 * CdnGuard guard = CdnGuard.builder().expectBackends("asset-1", "asset-2").build();
 * context.addFilter(new FilterHolder(new CdnGuardFilter(guard)), "/*", EnumSet.of(DispatcherType.REQUEST));
 * context.addServlet(new ServletHolder(new CdnGuardHealthServlet(guard)), "/cdnguard/*");
 * }</pre>
 * In {@code web.xml}, declare the filter with the no-argument constructor: {@link #init(FilterConfig)}
 * uses the guard found in the servlet context attribute {@value #GUARD_ATTRIBUTE}, or else builds one
 * from the init-parameters {@code expect-backends} (the grammar of
 * {@link io.cdnguard.CdnGuard.Builder#expectBackendSpec(String)}, e.g. {@code static:asset-1,asset-2;api:api-1}),
 * {@code endpoint-prefix},
 * {@code details-token}, {@code evaluation-period}, {@code window-bucket}, {@code window-buckets},
 * {@code refetch-grace} (durations as {@code 10s}, {@code 500ms}, {@code 5m}, {@code PT10S}),
 * {@code tracked-assets}, {@code max-pops}, {@code max-unknown-backends}, {@code name}, {@code
 * baseline-directory}, {@code zone} (the site's time zone, e.g. {@code Europe/Berlin}), {@code
 * detection-checks} and {@code trace-log} (the README's servlet section
 * says what each means), publishes it under the
 * attribute for {@link CdnGuardHealthServlet} and closes it when the filter is destroyed (with the
 * context). A guard it did not create it never closes. An unknown or bad init-parameter fails
 * {@code init} with a {@link ServletException} naming it. The init-parameter {@value
 * #WRAP_RESPONSE_PARAM} ({@code auto}, {@code true} or {@code false}) chooses the {@link
 * ResponseWrapping} in every style (unless the constructor was given one).
 *
 * <p>Response wrapping (see {@link ResponseWrapping}): by default ({@link ResponseWrapping#AUTO})
 * the filter wraps the response only outside Jetty and Tomcat. Jetty's default servlet sends a
 * cached static file straight from its buffer to the connection only when the response is not
 * wrapped; a wrapper makes it copy the file through the wrapper's stream, which cost 12-20 % of the
 * throughput of a static origin in our load test. Tomcat's default servlet uses sendfile for a file
 * of {@code sendfileSize} (48 KiB) or more only when the response is Tomcat's own {@code
 * ResponseFacade}. Without a wrapper the filter reads the status and headers from the container's
 * response when the exchange ends. The body size: in Tomcat, from Tomcat's own count of the bytes
 * written (found by class name and read through a method handle; the module does not depend on
 * Tomcat), or the sendfile range, exact except for a body written through the writer in a
 * multi-byte charset (UTF-8) without a {@code Content-Length}, which is unknown ({@code -1}); if
 * that count cannot be read, {@code auto} wraps Tomcat's response as before (logged once). In Jetty
 * and other containers, from the {@code Content-Length} header: exact for static files and for any
 * response that declares its length, but unknown ({@code -1}) for a chunked or streamed body without
 * one. Either way a failed body write is seen only if it reaches the filter as an exception.
 *
 * <p>Gateways: a servlet that proxies to a backend names it in the request attribute {@value
 * #BACKEND_ATTRIBUTE} (a {@link String}) and, when the backend could not answer, the failure in
 * {@value #UPSTREAM_FAILURE_ATTRIBUTE} (an {@link UpstreamFailure}, or its name or label as a
 * {@link String}, e.g. {@code "CONNECT_REFUSED"} or {@code "connect_refused"}). The filter reads both
 * when it records; anything else in them (an unknown name, another type) is ignored.
 *
 * <p>What is recorded, and when:
 * <ul>
 *   <li>Only the original {@link DispatcherType#REQUEST} dispatch records; {@code ASYNC}, {@code
 *       ERROR}, {@code FORWARD} and {@code INCLUDE} dispatches pass through, so mapping the filter
 *       for them too never double-counts (the error page of a {@code sendError} is part of the one
 *       exchange).
 *   <li>A request whose chain returns without starting async is recorded then, with {@link
 *       HttpServletResponse#getStatus()} (which reflects {@code setStatus}, {@code sendError},
 *       {@code sendRedirect}, and for a committed response the status already sent).
 *   <li>An async request ({@code startAsync}) is recorded once, from an {@link
 *       jakarta.servlet.AsyncListener}, when the container completes it: after {@code complete()},
 *       a timeout (the container's 500 unless a listener answered) or an error.
 *   <li>An exception thrown by the chain is rethrown unchanged; the exchange is recorded as 500 (the
 *       container's error response) or, if the response was already committed, with the status sent
 *       and as cut short.
 *   <li>Bytes, with a wrapper, are the body bytes the application wrote through the response
 *       (before any compression by the container); a container-generated error page ({@code
 *       sendError}, an exception) is unknown ({@code -1}). Without a wrapper, in Tomcat, they are
 *       Tomcat's count of the body bytes written or the sendfile range (as above); elsewhere the
 *       {@code Content-Length} the response declares, else unknown ({@code -1}); 1xx, 204 and 304
 *       count 0. {@code HEAD} counts 0 in both.
 *   <li>The path given to the guard is the request URI minus the context path, so the guard's
 *       {@code endpoint-prefix} is relative to the context, like the health servlet's mapping.
 * </ul>
 * Limitations: an application that calls {@code startAsync()} and then {@code dispatch()} or {@code
 * complete()} on the same thread before its {@code service} returns is recorded when the original
 * dispatch returns (the container reports async as no longer started), with the status at that
 * moment. Bytes written through {@code AsyncContext.getResponse()} after a no-argument {@code
 * startAsync()} go to the container's unwrapped response, around the counting wrapper: such an
 * exchange reports its {@code Content-Length}, or -1 (unknown). Write through the response the
 * servlet was given, or use {@code startAsync(request, response)}, to have them counted.
 *
 * <p>Cost per request: with a wrapper, one small response wrapper (which is also the {@link Exchange}
 * view and the async listener), a two-field request view (headers, and the client address resolved
 * only if a trusted-range rule reads it), and a pass-through stream or writer wrapper when a body is
 * written; the body itself is never buffered or copied. Without a wrapper, one small exchange view
 * (also the async listener) and the request view. The guard's own recording path allocates nothing.
 *
 * <p>Implementation notes: the filter's fields are written once in the constructor or in {@link
 * #init(FilterConfig)}, which the container completes before dispatching any request (and they are
 * volatile besides). Everything the guard is asked is wrapped: the filter never throws anything of
 * its own into the chain; a failure of the guard is logged once and otherwise ignored.
 */
public final class CdnGuardFilter implements Filter {

    /** The servlet context attribute under which the shared {@link CdnGuard} is found or published. */
    public static final String GUARD_ATTRIBUTE = "io.cdnguard.CdnGuard";

    /**
     * The request attribute naming the upstream backend that served the request or was tried and
     * failed (a {@link String}); gateways only. See {@link io.cdnguard.Exchange#backend()}.
     */
    public static final String BACKEND_ATTRIBUTE = "io.cdnguard.backend";

    /**
     * The request attribute saying why no backend answered: an {@link UpstreamFailure}, or its name or
     * label as a {@link String} ({@code "READ_TIMEOUT"}, {@code "read_timeout"}); anything else is
     * ignored. See {@link io.cdnguard.Exchange#failure()}.
     */
    public static final String UPSTREAM_FAILURE_ATTRIBUTE = "io.cdnguard.upstreamFailure";

    /** The init-parameter choosing the {@link ResponseWrapping}: {@code auto}, {@code true} or {@code false}. */
    public static final String WRAP_RESPONSE_PARAM = "wrap-response";

    /**
     * Whether the filter wraps the response to count the body bytes written through it.
     *
     * <p>With a wrapper, the bytes are those the application wrote (exact, chunked or not, before any
     * compression) and a failed body write marks the exchange aborted. Without one, the filter costs
     * the container nothing on the body path (Jetty keeps its zero-copy path for static files, Tomcat
     * its sendfile), but the bytes are Tomcat's own count of the bytes written (see the class
     * description) or, elsewhere, the response's {@code Content-Length} when it declares one and
     * unknown ({@code -1}) otherwise, and a failed write is seen only as an exception from the chain.
     * Status, headers, duration, async completion and error/async dispatch de-duplication are the
     * same in both.
     */
    public enum ResponseWrapping {
        /**
         * No wrapper in Jetty (its request class is in {@code org.eclipse.jetty}) and in Tomcat (the
         * response is {@code org.apache.catalina.connector.ResponseFacade} and its byte count can be
         * read), a wrapper elsewhere.
         */
        AUTO,
        /** Always wrap the response (init-parameter value {@code true}). */
        ALWAYS,
        /** Never wrap the response (init-parameter value {@code false}). */
        NEVER
    }

    private static final Logger log = LoggerFactory.getLogger(CdnGuardFilter.class);
    private static final Object LOCK = new Object();

    private static final UpstreamFailure[] FAILURES = UpstreamFailure.values();

    private final CdnGuard given;
    private final Recorder tap;
    private final ResponseWrapping requestedWrapping;
    private volatile ResponseWrapping wrapping;
    private volatile CdnGuard guard;
    private volatile Recorder recorder;
    private ServletContext context;
    private boolean created;
    private boolean published;
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    /**
     * For {@code web.xml}: the guard is found in, or built and published to, the servlet context in
     * {@link #init(FilterConfig)}.
     */
    public CdnGuardFilter() {
        this(null, null, null);
    }

    /**
     * Records into {@code guard}, which the caller owns (the filter never closes it). {@link
     * #init(FilterConfig)} publishes it under {@link #GUARD_ATTRIBUTE} unless that attribute is taken.
     *
     * @param guard the guard to record into
     */
    public CdnGuardFilter(CdnGuard guard) {
        this(Objects.requireNonNull(guard, "guard"), null, null);
    }

    /**
     * Records into {@code guard}, which the caller owns, wrapping the response or not as {@code
     * wrapping} says (the init-parameter {@value #WRAP_RESPONSE_PARAM} is then ignored).
     *
     * @param guard the guard to record into
     * @param wrapping whether to wrap the response
     */
    public CdnGuardFilter(CdnGuard guard, ResponseWrapping wrapping) {
        this(Objects.requireNonNull(guard, "guard"), null, Objects.requireNonNull(wrapping, "wrapping"));
    }

    /**
     * For tests: {@code tap} sees every exchange instead of the guard (it may forward to it); with a
     * tap and no guard, {@link #init(FilterConfig)} looks nothing up.
     */
    CdnGuardFilter(CdnGuard guard, Recorder tap) {
        this(guard, tap, null);
    }

    /** For tests, with a wrapping mode ({@code null}: the init-parameter's, else {@link ResponseWrapping#AUTO}). */
    CdnGuardFilter(CdnGuard guard, Recorder tap, ResponseWrapping wrapping) {
        this.given = guard;
        this.tap = tap;
        this.guard = guard;
        this.requestedWrapping = wrapping;
        this.wrapping = wrapping == null ? ResponseWrapping.AUTO : wrapping;
        if (tap != null) {
            this.recorder = tap;
        } else if (guard != null) {
            this.recorder = guard::record;
        }
    }

    /**
     * Finds, or builds and publishes, the guard (see the class description).
     *
     * @throws ServletException if an init-parameter is unknown or bad, or the context attribute
     *     holds something that is not a {@link CdnGuard}
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        Map<String, String> params = new LinkedHashMap<>();
        Enumeration<String> names = config.getInitParameterNames();
        while (names != null && names.hasMoreElements()) {
            String n = names.nextElement();
            params.put(n, config.getInitParameter(n));
        }
        String wrap = params.remove(WRAP_RESPONSE_PARAM);
        if (wrap != null) {
            ResponseWrapping w = parseWrapping(wrap);
            if (requestedWrapping == null) {
                wrapping = w;
            } else if (w != requestedWrapping) {
                log.warn("cdnguard filter '{}': init-param {}={} ignored, the filter was constructed with {}",
                        config.getFilterName(), WRAP_RESPONSE_PARAM, wrap, requestedWrapping);
            }
        }
        if (given == null && tap != null) {
            return;
        }
        ServletContext sc = config.getServletContext();
        synchronized (LOCK) {
            this.context = sc;
            Object existing = sc == null ? null : sc.getAttribute(GUARD_ATTRIBUTE);
            if (existing != null && !(existing instanceof CdnGuard)) {
                throw new ServletException("cdnguard: servlet context attribute " + GUARD_ATTRIBUTE + " holds a "
                        + existing.getClass().getName() + ", not an io.cdnguard.CdnGuard");
            }
            CdnGuard g;
            if (given != null) {
                g = given;
                if (existing == null) {
                    publish(sc, g);
                } else if (existing != g) {
                    log.warn("cdnguard filter '{}' records into the CdnGuard it was constructed with, but the context "
                            + "attribute {} holds another one: the health servlet may report a different guard",
                            config.getFilterName(), GUARD_ATTRIBUTE);
                }
            } else if (existing != null) {
                g = (CdnGuard) existing;
                if (!params.isEmpty()) {
                    log.warn("cdnguard filter '{}': using the CdnGuard from context attribute {}; init-params {} ignored",
                            config.getFilterName(), GUARD_ATTRIBUTE, params.keySet());
                }
            } else {
                g = GuardConfig.build(params);
                created = true;
                publish(sc, g);
                log.info("cdnguard filter '{}' created a CdnGuard from init-params {} and published it as {}",
                        config.getFilterName(), params.keySet(), GUARD_ATTRIBUTE);
            }
            this.guard = g;
            if (this.recorder == null) {
                this.recorder = tap != null ? tap : g::record;
            }
        }
    }

    private static ResponseWrapping parseWrapping(String value) throws ServletException {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "auto":
                return ResponseWrapping.AUTO;
            case "true":
                return ResponseWrapping.ALWAYS;
            case "false":
                return ResponseWrapping.NEVER;
            default:
                throw new ServletException("cdnguard: init-param '" + WRAP_RESPONSE_PARAM
                        + "' must be auto, true or false: '" + value + "'");
        }
    }

    /** The response wrapping in effect (after {@link #init(FilterConfig)}: the init-parameter's, if any). */
    public ResponseWrapping responseWrapping() {
        return wrapping;
    }

    private void publish(ServletContext sc, CdnGuard g) {
        if (sc != null) {
            sc.setAttribute(GUARD_ATTRIBUTE, g);
            published = true;
        }
    }

    /** The guard this filter records into, or {@code null} before {@link #init(FilterConfig)} (web.xml style). */
    public CdnGuard guard() {
        return guard;
    }

    /**
     * Records the exchange (see the class description) and passes the request down the chain. Any
     * exception from the chain is rethrown unchanged; the filter adds none of its own.
     */
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (recorder == null || request.getDispatcherType() != DispatcherType.REQUEST
                || !(request instanceof HttpServletRequest) || !(response instanceof HttpServletResponse)) {
            chain.doFilter(request, response);
            return;
        }
        long start = System.nanoTime();
        HttpServletRequest httpRequest = (HttpServletRequest) request;
        HttpServletResponse httpResponse = (HttpServletResponse) response;
        ServletExchange direct;
        RecordingResponse recording;
        try {
            // the views read the request (method, URI, context path): a foreign request wrapper that
            // throws there costs this exchange its record, never the request itself
            direct = unwrapped(httpRequest, httpResponse, start);
            recording = direct == null ? new RecordingResponse(this, httpRequest, httpResponse, start) : null;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            recordingFailed(t);
            chain.doFilter(request, response);
            return;
        }
        if (direct != null) {
            try {
                chain.doFilter(request, response);
            } catch (Throwable t) {
                direct.chainFailed();
                throw t;
            }
            direct.chainReturned();
            return;
        }
        try {
            chain.doFilter(request, recording.wrapper());
        } catch (Throwable t) {
            recording.chainFailed();
            throw t;
        }
        recording.chainReturned();
    }

    /**
     * The exchange view that leaves the response alone, or {@code null} to wrap it: Jetty's response
     * under {@code auto}, Tomcat's own response (read through its counters) under {@code auto}, any
     * response under {@code false}.
     */
    private ServletExchange unwrapped(HttpServletRequest request, HttpServletResponse response, long start) {
        ResponseWrapping w = wrapping;
        if (w == ResponseWrapping.ALWAYS) {
            return null;
        }
        // Class.getName() is cached by the JVM: a prefix comparison, no allocation.
        if (w == ResponseWrapping.AUTO && request.getClass().getName().startsWith("org.eclipse.jetty.")) {
            return new DirectExchange(this, request, response, start);
        }
        TomcatResponses tomcat = TomcatResponses.of(response);
        if (tomcat != null) {
            return new TomcatExchange(this, request, response, start, tomcat);
        }
        return w == ResponseWrapping.NEVER ? new DirectExchange(this, request, response, start) : null;
    }

    /** The request URI (raw, without query string) minus the context path; {@code "/"} when none. */
    static CharSequence pathWithinContext(String requestUri, String contextPath) {
        if (requestUri == null) {
            return "/";
        }
        if (contextPath == null || contextPath.isEmpty() || !requestUri.startsWith(contextPath)) {
            return requestUri;
        }
        return requestUri.length() == contextPath.length() ? "/" : requestUri.substring(contextPath.length());
    }

    /** The response's {@code Content-Length}, or -1 if absent or not a number. */
    static long declaredLength(HttpServletResponse response) {
        String v = response.getHeader("content-length");
        if (v == null || v.isEmpty() || v.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** The request attribute {@value #BACKEND_ATTRIBUTE} if it is a non-empty string, else {@code null}; never throws. */
    static String backendOf(ServletRequest request) {
        try {
            Object v = request.getAttribute(BACKEND_ATTRIBUTE);
            if (v instanceof String) {
                String s = (String) v;
                return s.isEmpty() ? null : s;
            }
        } catch (RuntimeException e) {
            // a recycled or broken request: no backend
        }
        return null;
    }

    /**
     * The request attribute {@value #UPSTREAM_FAILURE_ATTRIBUTE} as an {@link UpstreamFailure} (given
     * as one, or by its name or label in any case), else {@code null}; never throws, allocates nothing.
     */
    static UpstreamFailure failureOf(ServletRequest request) {
        try {
            Object v = request.getAttribute(UPSTREAM_FAILURE_ATTRIBUTE);
            if (v instanceof UpstreamFailure) {
                return (UpstreamFailure) v;
            }
            if (v instanceof String) {
                String s = (String) v;
                for (UpstreamFailure f : FAILURES) {
                    if (f.name().equalsIgnoreCase(s) || f.label().equalsIgnoreCase(s)) {
                        return f;
                    }
                }
            }
        } catch (RuntimeException e) {
            // a recycled or broken request: no failure
        }
        return null;
    }

    /** Hands a finished exchange to the guard; never throws (but lets a VirtualMachineError go). */
    void deliver(Exchange exchange) {
        try {
            recorder.record(exchange);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            recordingFailed(t);
        }
    }

    void recordingFailed(Throwable t) {
        if (failureLogged.compareAndSet(false, true)) {
            log.warn("cdnguard: recording an exchange failed; further failures are not logged", t);
        }
    }

    /**
     * Unpublishes the guard if this filter published it, and closes it if this filter created it.
     */
    @Override
    public void destroy() {
        synchronized (LOCK) {
            CdnGuard g = guard;
            if (published && context != null) {
                try {
                    if (context.getAttribute(GUARD_ATTRIBUTE) == g) {
                        context.removeAttribute(GUARD_ATTRIBUTE);
                    }
                } catch (RuntimeException e) {
                    // the context is going away; nothing to unpublish from
                }
                published = false;
            }
            if (created && g != null) {
                created = false;
                try {
                    g.close();
                    log.info("cdnguard filter closed the CdnGuard it created");
                } catch (RuntimeException e) {
                    log.warn("cdnguard: closing the CdnGuard failed", e);
                }
            }
        }
    }
}
