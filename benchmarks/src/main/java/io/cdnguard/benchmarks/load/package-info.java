/** Origins for the load scripts under {@code benchmarks/load}: embedded servers started as separate processes. */
package io.cdnguard.benchmarks.load;
