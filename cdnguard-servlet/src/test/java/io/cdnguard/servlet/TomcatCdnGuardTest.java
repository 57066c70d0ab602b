package io.cdnguard.servlet;

/** The filter and health servlet scenarios in real embedded Tomcat 11 with the default mode, which there wraps the response. */
class TomcatCdnGuardTest extends ServletContainerContract {

    @Override
    Container newContainer() {
        return new TomcatContainer();
    }

    @Override
    CdnGuardFilter.ResponseWrapping wrapping() {
        return CdnGuardFilter.ResponseWrapping.AUTO;
    }

    @Override
    boolean expectWrapped() {
        return true;
    }
}
