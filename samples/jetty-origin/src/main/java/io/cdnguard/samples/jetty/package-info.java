/**
 * The Jetty sample origin: a static asset server on embedded Jetty 12 (ee10) with cdnguard's servlet
 * filter and health servlet. See {@link io.cdnguard.samples.jetty.JettyOrigin}.
 */
package io.cdnguard.samples.jetty;
