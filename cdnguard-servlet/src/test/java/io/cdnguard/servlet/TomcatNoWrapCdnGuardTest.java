package io.cdnguard.servlet;

/** The scenarios in real embedded Tomcat 11 with the response wrapper turned off. */
class TomcatNoWrapCdnGuardTest extends ServletContainerContract {

    @Override
    Container newContainer() {
        return new TomcatContainer();
    }

    @Override
    CdnGuardFilter.ResponseWrapping wrapping() {
        return CdnGuardFilter.ResponseWrapping.NEVER;
    }

    @Override
    boolean expectWrapped() {
        return false;
    }
}
