/** io.cdnguard.netty. */
package io.cdnguard.netty;
