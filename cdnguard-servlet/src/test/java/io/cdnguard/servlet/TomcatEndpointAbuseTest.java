package io.cdnguard.servlet;

/**
 * The endpoint abuse scenarios in a real embedded Tomcat 11 over a raw socket. Where Tomcat differs
 * from Jetty (each checked against Tomcat 11.0.27, and asserted as Tomcat really behaves):
 * <ul>
 *   <li>Over its limits (8 KiB for the request line and the headers, {@code maxHttpHeaderSize}) Tomcat
 *       answers 400, not 414 or 431, and closes the connection: a 64 KiB query string, 32 KiB of headers
 *       and a 200 KiB header are all refused with 400 before the filter runs.</li>
 *   <li>Tomcat normalises more than it refuses: it merges {@code //}, decodes {@code %68} and resolves
 *       encoded dots and path parameters around {@code ..} to map the request to the servlet (Jetty
 *       refuses {@code //} with 400), and only {@code %00} is refused (400). The health servlet routes
 *       on the raw request URI, as the filter and the Netty endpoint do, so all of those are 404.</li>
 *   <li>{@code TRACE} never reaches the filter or servlet: the connector ({@code allowTrace=false})
 *       answers 405 itself, with an {@code Allow} header built from the servlet's {@code doXxx} methods;
 *       {@link CdnGuardHealthServlet} overrides only {@code service}, so Tomcat says {@code OPTIONS}.</li>
 *   <li>Tomcat logs the first request it cannot parse at INFO with a stack trace ("Error parsing HTTP
 *       request header", later ones at DEBUG), and an invalid {@code Cookie} at INFO with its value. That
 *       is Tomcat's own JULI logging, whose console handler holds the standard error stream of its start:
 *       the "nothing logged as an error" checks see what cdnguard logs (slf4j), not Tomcat's lines.</li>
 * </ul>
 */
class TomcatEndpointAbuseTest extends ServletEndpointAbuse {

    @Override
    Container newContainer() {
        return new TomcatContainer();
    }

    @Override
    Server describe(int port) {
        return Server.of("Tomcat", port)
                .notFound("/cdnguard//health", "/cdnguard/%68ealth", "/cdnguard/./x", "/cdnguard/%2e%2e/x",
                        "/cdnguard/health;x=1/..;/y")
                .refused("/cdnguard/health%00")
                .answersTraceItself("OPTIONS")
                .limits(400, 400, 400);
    }
}
