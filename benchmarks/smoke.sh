#!/usr/bin/env bash
# Smoke pass of the JMH suite: every benchmark runs once, for one very short measurement iteration,
# so that the suite never rots (a benchmark that throws, a @Setup that fails, a state that no longer
# builds). It asserts NO timing: on shared CI machines the figures are meaningless.
#
# Usage:   benchmarks/smoke.sh [extra JMH args, e.g. a benchmark regex]
# Env:     CDNGUARD_BENCH_JAR  the shaded jar (default: benchmarks/target/benchmarks.jar)
#          SMOKE_TIMEOUT       seconds before the whole pass is killed (default: 600)
# Build:   mvn -o -q -B -pl benchmarks -am package -DskipTests
# Exit:    0 when every benchmark ran; non-zero when any benchmark errored, the jar is missing,
#          no benchmark was found, or the pass timed out.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${CDNGUARD_BENCH_JAR:-$here/target/benchmarks.jar}"
timeout_s="${SMOKE_TIMEOUT:-600}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

if [[ ! -f "$jar" ]]; then
  echo "smoke: benchmark jar not found: $jar" >&2
  echo "smoke: build it with: mvn -o -q -B -pl benchmarks -am package -DskipTests" >&2
  exit 2
fi

# -Djmh.ignoreLock: JMH refuses to start while another JMH run holds /tmp/jmh.lock; a smoke pass
# measures nothing, so it must not fail (or wait) because someone is benchmarking on the machine.
jvm=("$java_bin" -Djmh.ignoreLock=true -jar "$jar")

count="$("${jvm[@]}" -l "$@" | grep -c '^io\.cdnguard\.' || true)"
if [[ "$count" -eq 0 ]]; then
  echo "smoke: no benchmarks found in $jar" >&2
  exit 3
fi
echo "smoke: running $count benchmarks from $jar (one 100 ms iteration each, no warmup, -prof gc)"

log="$(mktemp "${TMPDIR:-/tmp}/cdnguard-smoke.XXXXXX")"
trap 'rm -f "$log"' EXIT

start=$SECONDS
status=0
# One fork per benchmark keeps states isolated (as in a real run); -foe fails the run on the first
# error. -prof gc keeps the profiler path working (every figure of the results page uses it).
timeout --kill-after=10 "$timeout_s" "${jvm[@]}" \
    -f 1 -wi 0 -i 1 -r 100ms -foe true -prof gc \
    -jvmArgsAppend "-XX:TieredStopAtLevel=1" \
    "$@" >"$log" 2>&1 || status=$?

# Do not trust the exit status alone (extra args could override -foe): every benchmark must have
# printed its result, and none may have printed a failure.
if grep -qE '^<failure>|Benchmark had encountered error' "$log"; then
  [[ $status -ne 0 ]] || status=1
fi
ran="$(grep -c '^Result "io\.cdnguard\.' "$log" || true)"
if [[ $status -eq 0 && "$ran" -ne "$count" ]]; then
  echo "smoke: expected $count benchmark results, got $ran" >&2
  status=4
fi

if [[ $status -ne 0 ]]; then
  echo "smoke: FAILED (exit $status) after $((SECONDS - start)) s; JMH output follows" >&2
  cat "$log" >&2
  exit "$status"
fi
echo "smoke: OK, $ran benchmarks ran in $((SECONDS - start)) s"
