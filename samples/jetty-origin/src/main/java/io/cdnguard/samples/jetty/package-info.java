/** io.cdnguard.samples.jetty. */
package io.cdnguard.samples.jetty;
