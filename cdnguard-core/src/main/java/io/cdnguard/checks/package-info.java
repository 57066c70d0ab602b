/**
 * Ready-made {@link io.cdnguard.Check}s: built-in error-ratio checks and the detection checks
 * ({@code cdn-traffic}, {@code cache-refetch}, {@code missing-backend}).
 */
package io.cdnguard.checks;
