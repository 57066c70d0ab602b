/** io.cdnguard.samples.netty. */
package io.cdnguard.samples.netty;
