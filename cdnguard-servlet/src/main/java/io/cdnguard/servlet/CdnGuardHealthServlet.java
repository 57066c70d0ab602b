package io.cdnguard.servlet;

import io.cdnguard.CdnGuard;
import io.cdnguard.HealthEndpoint;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link CdnGuard}'s {@link HealthEndpoint}: {@code /cdnguard/health} ({@code
 * application/health+json}, 200 or 503 by the status policy), {@code /cdnguard/health/lb} (one word
 * for a load balancer) and {@code /cdnguard/metrics} (Prometheus text). Map it at the guard's
 * endpoint prefix plus {@code /*}, by default {@code /cdnguard/*}:
 * <pre>{@code
 * context.addServlet(new ServletHolder(new CdnGuardHealthServlet(guard)), "/cdnguard/*");
 * }</pre>
 * or in {@code web.xml} with the no-argument constructor, which finds the guard in the servlet
 * context attribute {@value CdnGuardFilter#GUARD_ATTRIBUTE} (published by {@link CdnGuardFilter}).
 *
 * <p>Every method is handed to the endpoint, which answers {@code HEAD} without a body, other
 * methods than {@code GET} and {@code HEAD} with 405, unknown sub-paths with 404, and shows the
 * health details only to {@code Authorization: Bearer <token>} when a details token is configured.
 * Every response carries {@code Cache-Control: no-store}. The path handed to the endpoint is the
 * servlet path plus path info (context-relative, decoded), matching the prefix the filter sees.
 *
 * <p>Thread-safety: the endpoint is found once and kept in a volatile field; responses are rendered
 * by the core from the last evaluated report, never by evaluating checks on the request thread.
 */
public final class CdnGuardHealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(CdnGuardHealthServlet.class);

    private final transient CdnGuard given;
    private transient volatile HealthEndpoint endpoint;

    /** For {@code web.xml}: the guard is found in the servlet context attribute. */
    public CdnGuardHealthServlet() {
        this.given = null;
    }

    /**
     * Serves {@code guard}'s endpoint.
     *
     * @param guard the guard
     */
    public CdnGuardHealthServlet(CdnGuard guard) {
        this.given = java.util.Objects.requireNonNull(guard, "guard");
    }

    /** Finds the endpoint now if it can (else on the first request) and checks the mapping. */
    @Override
    public void init() throws ServletException {
        HealthEndpoint ep = endpoint();
        if (ep != null) {
            checkMapping(ep.prefix());
        }
    }

    private HealthEndpoint endpoint() {
        HealthEndpoint ep = endpoint;
        if (ep != null) {
            return ep;
        }
        CdnGuard g = given;
        if (g == null) {
            Object attr = getServletContext().getAttribute(CdnGuardFilter.GUARD_ATTRIBUTE);
            if (attr instanceof CdnGuard) {
                g = (CdnGuard) attr;
            }
        }
        if (g != null) {
            ep = g.endpoint();
            endpoint = ep;
        }
        return ep;
    }

    private void checkMapping(String prefix) {
        try {
            ServletRegistration reg = getServletContext().getServletRegistration(getServletName());
            if (reg != null && !reg.getMappings().isEmpty() && !reg.getMappings().contains(prefix + "/*")) {
                log.warn("cdnguard health servlet '{}' is mapped at {} but the guard's endpoint prefix is {}: map it at {}/*",
                        getServletName(), reg.getMappings(), prefix, prefix);
            }
        } catch (RuntimeException e) {
            // the container cannot tell (programmatic registration): nothing to check
        }
    }

    /** Answers every method through the guard's endpoint. */
    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        HealthEndpoint ep = endpoint();
        if (ep == null) {
            byte[] body = ("cdnguard: no CdnGuard in servlet context attribute " + CdnGuardFilter.GUARD_ATTRIBUTE
                    + " (declare CdnGuardFilter, or construct this servlet with a guard)\n").getBytes(StandardCharsets.UTF_8);
            resp.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
            resp.setHeader("Cache-Control", "no-store");
            resp.setContentType("text/plain; charset=utf-8");
            resp.setContentLength(body.length);
            if (!"HEAD".equals(req.getMethod())) {
                resp.getOutputStream().write(body);
            }
            return;
        }
        // The raw request URI minus the context path, as CdnGuardFilter and the Netty endpoint see it:
        // routing on the container's decoded path would answer /cdnguard/%68ealth here but not there,
        // and the filter would not know such a request as the endpoint's own.
        String uri = req.getRequestURI();
        String context = req.getContextPath();
        String path = uri == null ? "" : context != null && !context.isEmpty() && uri.startsWith(context)
                ? uri.substring(context.length()) : uri;
        HealthEndpoint.Response r = ep.handle(req.getMethod(), path, req.getHeader("Authorization"));
        resp.setStatus(r.status());
        resp.setHeader("Cache-Control", r.cacheControl());
        if (r.allow() != null) {
            resp.setHeader("Allow", r.allow());
        }
        if (r.contentType() != null) {
            resp.setContentType(r.contentType());
        }
        resp.setContentLength(r.contentLength());
        byte[] body = r.body();
        if (body.length > 0 && !"HEAD".equals(req.getMethod())) {
            resp.getOutputStream().write(body);
        }
    }
}
