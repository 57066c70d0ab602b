package io.cdnguard.servlet;

/**
 * The endpoint abuse scenarios in a real embedded Jetty 12 over a raw socket. Jetty's own limits
 * answer first: 8 KiB for the request line and headers together (a 64 KiB query string: 414; 32 KiB
 * of headers: 431), and Jetty refuses ambiguous paths ({@code //}, {@code %00}, encoded dots, path
 * parameters around {@code ..}) with 400 before the filter runs. It decodes {@code %68} to map
 * {@code /cdnguard/%68ealth} to the health servlet, which routes on the raw request URI (as the
 * filter and the Netty endpoint do) and answers 404.
 */
class JettyEndpointAbuseTest extends ServletEndpointAbuse {

    @Override
    Container newContainer() {
        return new JettyContainer();
    }

    @Override
    Server describe(int port) {
        return Server.of("Jetty", port)
                .refused("/cdnguard//health", "/cdnguard/health%00", "/cdnguard/./x", "/cdnguard/%2e%2e/x",
                        "/cdnguard/health;x=1/..;/y")
                .notFound("/cdnguard/%68ealth")
                .limits(414, 431, 431);
    }
}
