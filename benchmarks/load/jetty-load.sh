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
ORIGIN_CPU=(); WRK_CPU=()
if [[ "$PIN" == 1 ]]; then ORIGIN_CPU=(taskset -c 0); WRK_CPU=(taskset -c 1); fi

PIDS=()
WORK="$(mktemp -d -t cdnguard-jetty-load.XXXXXX)"
cleanup() {
    for pid in "${PIDS[@]:-}"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk not found: installing Debian's package" >&2
    SUDO=""
    if [[ "$(id -u)" != 0 ]]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi
if [[ ! -f "$JAR" ]]; then
    echo "building $JAR" >&2
    (cd "$ROOT_DIR" && mvn -q -B -pl samples/jetty-origin -am package -DskipTests)
fi

# start_origin NAME [ARGS...]: starts the sample on a free loopback port; sets PORT.
start_origin() {
    local name="$1"; shift
    local log="$WORK/$name.log"
    : >"$log"
    # shellcheck disable=SC2086
    "${ORIGIN_CPU[@]}" java $JAVA_OPTS -jar "$JAR" --host 127.0.0.1 --port 0 "$@" >"$log" 2>&1 &
    PIDS+=("$!")
    local pid="$!"
    ORIGIN_PID="$pid"
    for _ in $(seq 1 300); do
        if grep -q "assets: " "$log"; then
            PORT="$(sed -n 's#.*assets: *http://127.0.0.1:\([0-9]*\)/.*#\1#p' "$log" | head -n1)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "origin '$name' exited:" >&2; cat "$log" >&2; exit 1
        fi
        sleep 0.1
    done
    echo "origin '$name' did not start within 30 s:" >&2; cat "$log" >&2; exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CLK_TCK="$(getconf CLK_TCK)"

# drive PORT DURATION [PID]: runs wrk, prints "REQS_PER_S P99_MS CPU_US_PER_REQUEST" (CPU of PID).
drive() {
    local t0=0
    if [[ -n "${3:-}" ]]; then t0="$(cpu_ticks "$3")"; fi
    local out
    out="$("${WRK_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency \
        -H 'User-Agent: Amazon CloudFront' \
        -H 'X-Amz-Cf-Id: Lxk3dNDgQX9s9YwqJ3M8H0bGq4oJm0HkfPCxzyMUvDvH6wW4n8ZqGA==' \
        -H 'Via: 1.1 5d8f1e0c2b7a9e3d.cloudfront.net (CloudFront)' \
        "http://127.0.0.1:$1$ASSET")"
    if grep -q "Non-2xx" <<<"$out"; then
        echo "non-2xx responses from port $1:" >&2; echo "$out" >&2; exit 1
    fi
    local reqs p99 total cpu=0
    reqs="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    total="$(awk '/requests in/ {print $1}' <<<"$out")"
    if [[ -n "${3:-}" ]]; then
        cpu="$(awk -v d="$(( $(cpu_ticks "$3") - t0 ))" -v hz="$CLK_TCK" -v n="$total" 'BEGIN {printf "%.2f", d / hz * 1e6 / n}')"
    fi
    p99="$(awk '$1 == "99%" {v=$2; u=v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
            if (u == "us") v = v / 1000; else if (u == "s") v = v * 1000; printf "%.3f", v}' <<<"$out")"
    echo "$reqs $p99 $cpu"
}

median() { sort -g | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

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
