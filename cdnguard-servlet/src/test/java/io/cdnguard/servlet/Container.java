package io.cdnguard.servlet;

import jakarta.servlet.ServletContext;
import java.net.URI;

/** A real embedded servlet container on a loopback ephemeral port. */
interface Container extends AutoCloseable {

    /** Deploys {@code app} and starts; returns the base URI including the context path, without trailing slash. */
    URI start(WebApp app) throws Exception;

    /** The deployed application's servlet context. */
    ServletContext servletContext();

    /** The container's name, for messages. */
    String name();

    /** Stops and discards the container. */
    @Override
    void close() throws Exception;
}
