package io.cdnguard.servlet;

/** The filter and health servlet scenarios in real embedded Jetty 12 (ee10). */
class JettyCdnGuardTest extends ServletContainerContract {

    @Override
    Container newContainer() {
        return new JettyContainer();
    }
}
