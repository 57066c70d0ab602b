/**
 * cdnguard for Netty: {@link io.cdnguard.netty.CdnGuardHandler} records every exchange of an HTTP/1.1
 * or HTTP/2 server pipeline, {@link io.cdnguard.netty.CdnGuardEndpointHandler} answers the health and
 * metrics endpoints (in the serving pipeline or on a {@link io.cdnguard.netty.CdnGuardAdminServer}),
 * and {@link io.cdnguard.netty.UpstreamRecorder} records a gateway's upstream failures per backend.
 *
 * <p>Netty is a {@code provided} dependency: the application's Netty 4.2 wins.
 */
package io.cdnguard.netty;
