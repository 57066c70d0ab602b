/**
 * cdnguard's public API: {@link io.cdnguard.CdnGuard} records every CDN fetch an origin serves and
 * judges whether the CDN can still reach it; {@link io.cdnguard.Exchange} and {@link
 * io.cdnguard.HeaderSource} are what adapters implement; {@link io.cdnguard.Check}, {@link
 * io.cdnguard.HealthReport} and {@link io.cdnguard.GuardSnapshot} are the health model.
 */
package io.cdnguard;
