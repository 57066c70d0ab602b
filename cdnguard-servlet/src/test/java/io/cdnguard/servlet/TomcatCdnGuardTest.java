package io.cdnguard.servlet;

/**
 * The filter and health servlet scenarios in real embedded Tomcat 11 with {@code wrap-response=true}:
 * the counting wrapper ({@code auto} does not wrap there, see {@link TomcatNoWrapCdnGuardTest}).
 */
class TomcatCdnGuardTest extends ServletContainerContract {

    @Override
    Container newContainer() {
        return new TomcatContainer();
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
