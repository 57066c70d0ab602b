package io.cdnguard.servlet;

/** The filter and health servlet scenarios in real embedded Jetty 12 (ee10), with the response wrapper forced on. */
class JettyCdnGuardTest extends ServletContainerContract {

    @Override
    Container newContainer() {
        return new JettyContainer();
    }

    @Override
    CdnGuardFilter.ResponseWrapping wrapping() {
        return CdnGuardFilter.ResponseWrapping.ALWAYS;
    }

    @Override
    boolean expectWrapped() {
        return true;
    }
}
