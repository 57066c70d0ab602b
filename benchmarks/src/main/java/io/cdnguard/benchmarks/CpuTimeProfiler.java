package io.cdnguard.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler for shared machines: the CPU time the benchmark JVM consumed per operation, next to
 * the wall-clock score. {@code -prof io.cdnguard.benchmarks.CpuTimeProfiler} adds two secondary
 * results per iteration:
 * <ul>
 *   <li>{@code cpu.time.norm} (ns/op): CPU time of the benchmark's worker threads ({@code
 *       *-jmh-worker-*}) over the iteration divided by all their operations (the same normalisation
 *       as {@code gc.alloc.rate.norm}). When other processes
 *       steal the cores, wall-clock ns/op grows with the load while this stays close to the cost of
 *       the operation; at {@code -t 2} it is the CPU one operation costs when two threads record at
 *       once, so it shows a slowdown from contention (cache-line ping-pong, CAS retries) even when
 *       the machine is oversubscribed;
 *   <li>{@code cpu.process.norm} (ns/op): the same with the CPU time of the whole forked JVM
 *       (JIT compiler, GC, the guard's evaluation thread): what an operation costs including the
 *       garbage collection its allocation causes;
 *   <li>{@code cpu.util} (cores): worker CPU time divided by wall time over the iteration (and, with
 *       more than one worker, {@code cpu.util.workerN} for each worker thread). About
 *       {@code -t} on an idle machine; well below it means the workers were starved of CPU and
 *       wall-clock figures are inflated by that much (and at {@code -t 2}, that the two threads
 *       seldom ran at the same instant, so contention was barely exercised).
 * </ul>
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> workerStart = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private long cpuStart;
    private long wallStart;

    /** Creates the profiler (JMH instantiates it reflectively). */
    public CpuTimeProfiler() {
        // no state until the first iteration
    }

    @Override
    public String getDescription() {
        return "CPU time per operation of the worker threads (cpu.time.norm) and of the JVM (cpu.process.norm), "
                + "and worker cores used (cpu.util)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        workerStart.clear();
        workerStart.putAll(workerCpu());
        cpuStart = processCpuNanos();
        wallStart = System.nanoTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long cpu = processCpuNanos() - cpuStart;
        long wall = System.nanoTime() - wallStart;
        long workers = 0;
        Map<String, Long> byName = new java.util.TreeMap<>();
        for (Map.Entry<Long, Long> e : workerCpu().entrySet()) {
            long d = e.getValue() - workerStart.getOrDefault(e.getKey(), 0L);
            workers += d;
            byName.put(names.getOrDefault(e.getKey(), "?"), d);
        }
        long ops = result.getMetadata() == null ? 0 : result.getMetadata().getAllOps();
        List<Result> out = new ArrayList<>(3);
        if (workers > 0 && ops > 0) {
            out.add(new ScalarResult("cpu.time.norm", (double) workers / ops, "ns/op", AggregationPolicy.AVG));
        }
        if (cpuStart >= 0 && cpu >= 0 && ops > 0) {
            out.add(new ScalarResult("cpu.process.norm", (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
        }
        if (workers > 0 && wall > 0) {
            out.add(new ScalarResult("cpu.util", (double) workers / wall, "cores", AggregationPolicy.AVG));
            if (byName.size() > 1) {
                // per worker (in a @Group, JMH numbers the threads of the roles in declaration order)
                for (Map.Entry<String, Long> e : byName.entrySet()) {
                    String n = e.getKey();
                    String suffix = n.substring(n.lastIndexOf('-') + 1);
                    out.add(new ScalarResult("cpu.util.worker" + suffix, (double) e.getValue() / wall, "cores",
                            AggregationPolicy.AVG));
                }
            }
        }
        return out;
    }

    /** CPU time so far of each live JMH worker thread, by thread id. */
    private Map<Long, Long> workerCpu() {
        Map<Long, Long> m = new HashMap<>();
        if (!threads.isThreadCpuTimeSupported()) {
            return m;
        }
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("jmh-worker")) {
                long t = threads.getThreadCpuTime(info.getThreadId());
                if (t >= 0) {
                    m.put(info.getThreadId(), t);
                    names.put(info.getThreadId(), info.getThreadName());
                }
            }
        }
        return m;
    }

    private long processCpuNanos() {
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return -1;
    }
}
