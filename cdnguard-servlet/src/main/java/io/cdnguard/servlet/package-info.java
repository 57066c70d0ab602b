/**
 * cdnguard for Jakarta Servlet 6: {@link io.cdnguard.servlet.CdnGuardFilter} records every exchange
 * a servlet application serves into a {@link io.cdnguard.CdnGuard}, and {@link
 * io.cdnguard.servlet.CdnGuardHealthServlet} serves the guard's health, load-balancer and metrics
 * endpoints. Both find one shared guard through the servlet context attribute {@value
 * io.cdnguard.servlet.CdnGuardFilter#GUARD_ATTRIBUTE}.
 */
package io.cdnguard.servlet;
