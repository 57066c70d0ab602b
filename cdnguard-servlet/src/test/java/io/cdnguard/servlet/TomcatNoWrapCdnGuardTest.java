package io.cdnguard.servlet;

/**
 * The scenarios in real embedded Tomcat 11 with the default mode, {@code wrap-response=auto}, which
 * there leaves Tomcat's own response unwrapped (its default servlet uses sendfile for large static
 * files only for that response) and reads the body bytes from Tomcat's own counter: everything but
 * exact bytes for a body written through the writer in UTF-8 without a {@code Content-Length} must
 * hold as with the wrapper. {@link TomcatUnwrappedTest} covers sendfile and the byte rules in detail.
 */
class TomcatNoWrapCdnGuardTest extends ServletContainerContract {

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
        return false;
    }

    @Override
    boolean countsStreamBytes() {
        return true;
    }
}
