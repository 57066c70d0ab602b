package io.cdnguard.servlet;

/**
 * The scenarios in real embedded Tomcat 11 with {@code wrap-response=false}, the setting the README
 * recommends on Tomcat for large static files (its default servlet uses sendfile only for the
 * container's own, unwrapped response): everything but exact body bytes without a
 * {@code Content-Length} must hold as with the wrapper.
 */
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
