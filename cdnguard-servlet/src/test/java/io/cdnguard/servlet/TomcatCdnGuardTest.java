package io.cdnguard.servlet;

/** The filter and health servlet scenarios in real embedded Tomcat 11. */
class TomcatCdnGuardTest extends ServletContainerContract {

    @Override
    Container newContainer() {
        return new TomcatContainer();
    }
}
