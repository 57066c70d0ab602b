/**
 * What the sample origins share: the lab options ({@link io.cdnguard.samples.origin.LabOptions}) that
 * compress time for samples/lab, and the trace file ({@link io.cdnguard.samples.origin.TraceFile})
 * behind {@code --trace-log FILE}. Not a library.
 */
package io.cdnguard.samples.origin;
