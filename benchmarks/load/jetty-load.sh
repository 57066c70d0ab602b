#!/usr/bin/env bash
# Overhead of the cdnguard servlet filter under load: the Jetty sample origin with and without
# cdnguard, on loopback, driven by wrk with CloudFront request headers. Prints requests/s and p99
# latency side by side, per run and as medians, and the throughput ratio; and the origin's own CPU
# time per request (from /proc/PID/stat), which a busy shared machine disturbs far less than req/s.
#
#   benchmarks/load/jetty-load.sh                 # 3 x 15 s per variant, 2 threads, 32 connections
#   RUNS=5 DURATION=30s CONNECTIONS=64 benchmarks/load/jetty-load.sh
#   JAR=samples/jetty-origin/target/cdnguard-jetty-origin.jar benchmarks/load/jetty-load.sh
#
# The runs of the two variants alternate (with, without, with, ...) so that drift on a shared
# machine hits both alike. Every process this script starts is stopped on exit (trap EXIT INT TERM).
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAR="${JAR:-$ROOT_DIR/samples/jetty-origin/target/cdnguard-jetty-origin.jar}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-10s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
ASSET="${ASSET:-/app.js}"
JAVA_OPTS="${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}"
# PIN=1 (default on a machine with 2+ CPUs): the origin runs on CPU 0 and wrk on CPU 1
# (taskset), so the two do not take each other's core and the run measures the origin, not the
# scheduler. PIN=0 lets them float.
PIN="${PIN:-auto}"
if [[ "$PIN" == auto ]]; then
    if [[ "$(nproc)" -ge 2 ]] && command -v taskset >/dev/null 2>&1; then PIN=1; else PIN=0; fi
fi
# shellcheck source=benchmarks/load/lib.sh
source "$ROOT_DIR/benchmarks/load/lib.sh"
load_init jetty-load
if [[ ! -f "$JAR" ]]; then
    echo "building $JAR" >&2
    (cd "$ROOT_DIR" && mvn -q -B -pl samples/jetty-origin -am package -DskipTests)
fi

# start_origin NAME [ARGS...]: starts the sample on a free loopback port; sets PORT and ORIGIN_PID.
start_origin() {
    local name="$1"; shift
    # shellcheck disable=SC2086
    load_start_origin "$name" java $JAVA_OPTS -jar "$JAR" --host 127.0.0.1 --port 0 "$@"
}

# drive PORT DURATION [PID]: runs wrk, prints "REQS_PER_S P99_MS CPU_US_PER_REQUEST" (CPU of PID).
drive() { load_drive "http://127.0.0.1:$1$ASSET" "$2" "${3:-}"; }

start_origin with
PORT_WITH="$PORT"; PID_WITH="$ORIGIN_PID"
start_origin without --no-cdnguard
PORT_WITHOUT="$PORT"; PID_WITHOUT="$ORIGIN_PID"

echo "jetty-origin load: $RUNS x $DURATION per variant, wrk -t$THREADS -c$CONNECTIONS, GET $ASSET with CloudFront headers"
echo "java: $(java -version 2>&1 | head -n1); JAVA_OPTS=$JAVA_OPTS; cpus: $(nproc); pinned (origin CPU 0, wrk CPU 1): $PIN"
echo "warming up both ($WARMUP each)..."
drive "$PORT_WITH" "$WARMUP" >/dev/null
drive "$PORT_WITHOUT" "$WARMUP" >/dev/null

FMT='%-6s %12s %10s %12s | %12s %10s %12s\n'
printf "$FMT" run "with req/s" "p99 ms" "cpu us/req" "without" "p99 ms" "cpu us/req"
: >"$WORK/with" ; : >"$WORK/without"
for run in $(seq 1 "$RUNS"); do
    read -r rw pw cw < <(drive "$PORT_WITH" "$DURATION" "$PID_WITH")
    read -r ro po co < <(drive "$PORT_WITHOUT" "$DURATION" "$PID_WITHOUT")
    echo "$rw $pw $cw" >>"$WORK/with"
    echo "$ro $po $co" >>"$WORK/without"
    printf "$FMT" "$run" "$rw" "$pw" "$cw" "$ro" "$po" "$co"
done

RW="$(awk '{print $1}' "$WORK/with" | median)"
PW="$(awk '{print $2}' "$WORK/with" | median)"
RO="$(awk '{print $1}' "$WORK/without" | median)"
PO="$(awk '{print $2}' "$WORK/without" | median)"
CW="$(awk '{print $3}' "$WORK/with" | median)"
CO="$(awk '{print $3}' "$WORK/without" | median)"
printf "$FMT" median "$RW" "$PW" "$CW" "$RO" "$PO" "$CO"
PAIRED="$(paste -d' ' "$WORK/with" "$WORK/without" | awk '{print $1 / $4}' | median)"
awk -v rw="$RW" -v ro="$RO" -v paired="$PAIRED" 'BEGIN {
    ratio = rw / ro
    printf "throughput with/without cdnguard: %.4f (%+.2f %%) from the medians; %.4f (%+.2f %%) median of the paired runs\n",
        ratio, (ratio - 1) * 100, paired, (paired - 1) * 100
}'
awk -v cw="$CW" -v co="$CO" 'BEGIN {
    printf "origin CPU per request with/without cdnguard: %.4f (%+.2f %%)\n", cw / co, (cw / co - 1) * 100
}'
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg) (a loaded machine makes these figures noisy)"
# the guard really recorded: its own metrics, fetched without CDN headers
curl -fsS "http://127.0.0.1:$PORT_WITH/cdnguard/metrics" 2>/dev/null \
    | grep -E '^cdnguard_cdn_fetches_total\{cdn="cloudfront",status="2xx"\}' || true
