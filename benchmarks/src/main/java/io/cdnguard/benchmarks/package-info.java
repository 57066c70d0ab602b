/** io.cdnguard.benchmarks. */
package io.cdnguard.benchmarks;
