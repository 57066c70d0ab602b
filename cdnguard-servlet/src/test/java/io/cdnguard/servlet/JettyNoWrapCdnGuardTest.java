package io.cdnguard.servlet;

/** The scenarios in real embedded Jetty 12 (ee10) with the default mode, which in Jetty does not wrap the response. */
class JettyNoWrapCdnGuardTest extends ServletContainerContract {

    @Override
    Container newContainer() {
        return new JettyContainer();
    }

    @Override
    CdnGuardFilter.ResponseWrapping wrapping() {
        return CdnGuardFilter.ResponseWrapping.AUTO;
    }

    @Override
    boolean expectWrapped() {
        return false;
    }
}
