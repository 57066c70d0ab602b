#!/usr/bin/env bash
# Load comparison of the Netty sample origin with and without cdnguard, on loopback, driven by wrk.
#
# Starts samples/netty-origin twice (cdnguard on; --no-cdnguard), warms both up, then runs ROUNDS
# alternating rounds of DURATION seconds against each with CDN (CloudFront) request headers and
# prints requests/s and p99 latency side by side. Stops every process it started, also on Ctrl-C.
#
# Environment (all optional):
#   ROUNDS=3 DURATION=15 WARMUP=5 THREADS=2 CONNECTIONS=32 PATH_UNDER_TEST=/app.js
#   PORT_ON=18080 PORT_OFF=18081 JAVA_OPTS="-Xmx256m"
#   BUILD_DIR=target   (the Maven build directory the jar lives in: samples/netty-origin/$BUILD_DIR)
# Builds the jar (mvn -o package) if it is missing. Installs Debian's wrk if missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/../.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-5}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
PATH_UNDER_TEST=${PATH_UNDER_TEST:-/app.js}
PORT_ON=${PORT_ON:-18080}
PORT_OFF=${PORT_OFF:-18081}
JAVA_OPTS=${JAVA_OPTS:--Xmx256m}
# PIN=1 (default on a machine with 2+ CPUs): the origin runs on CPU 0 and wrk on CPU 1
# (taskset), so the two do not take each other's core and the run measures the origin, not the
# scheduler. PIN=0 lets them float.
PIN="${PIN:-auto}"
if [[ "$PIN" == auto ]]; then
    if [[ "$(nproc)" -ge 2 ]] && command -v taskset >/dev/null 2>&1; then PIN=1; else PIN=0; fi
fi
ORIGIN_CPU=(); WRK_CPU=()
if [[ "$PIN" == 1 ]]; then ORIGIN_CPU=(taskset -c 0); WRK_CPU=(taskset -c 1); fi
BUILD_DIR=${BUILD_DIR:-target}
JAR=samples/netty-origin/$BUILD_DIR/cdnguard-netty-origin.jar

have() { command -v "$1" >/dev/null 2>&1; }

if ! have wrk; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "netty-load: installing wrk (Debian package)" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  else
    echo "netty-load: needs wrk on PATH (apt-get install wrk)" >&2
    exit 1
  fi
fi
if [ ! -f "$JAR" ]; then
  echo "netty-load: building $JAR" >&2
  mvn -o -q -B -Dcdnguard.buildDir="$BUILD_DIR" -pl samples/netty-origin -am package -DskipTests
fi

PIDS=()
LOGDIR=$(mktemp -d -t netty-load.XXXXXX)
cleanup() {
  if [ -n "${WRK_PID:-}" ]; then
    kill "$WRK_PID" 2>/dev/null || true
  fi
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # port, name, extra args...
  local port=$1 name=$2
  shift 2
  # shellcheck disable=SC2086
  "${ORIGIN_CPU[@]}" java $JAVA_OPTS -jar "$JAR" --host 127.0.0.1 --port "$port" --name "$name" "$@" >"$LOGDIR/$name.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  echo "netty-load: $name did not start on port $port:" >&2
  cat "$LOGDIR/$name.log" >&2
  exit 1
}

HEADERS=(-H "User-Agent: Amazon CloudFront"
         -H "Via: 1.1 5f7a3b2e9c1d.cloudfront.net (CloudFront)"
         -H "X-Amz-Cf-Id: Q2xvdWRGcm9udElkLTEyMzQ1Njc4OTBhYmNkZWZnaGlqa2xtbm9w=="
         -H "X-Amz-Cf-Pop: FRA56-P1")

# Runs wrk in the background and waits for it (so that a signal stops it at once); sets RPS and P99 (ms).
WRK_PID=
load() { # port, seconds
  "${WRK_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2"s --latency "${HEADERS[@]}" "http://127.0.0.1:$1$PATH_UNDER_TEST" \
    >"$LOGDIR/wrk.out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID"
  WRK_PID=
  read -r RPS P99 < <(awk '
      /Requests\/sec:/ { rps = $2 }
      /^ +99%/ {
        v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
        if (unit == "us") v = v / 1000; else if (unit == "s") v = v * 1000; else if (unit == "m") v = v * 60000
        p99 = v
      }
      END { printf "%.0f %.2f\n", rps, p99 }' "$LOGDIR/wrk.out")
}

start "$PORT_ON" origin-cdnguard
start "$PORT_OFF" origin-plain --no-cdnguard

echo "netty-load: warming up ($WARMUP s each); pinned (origin CPU 0, wrk CPU 1): $PIN" >&2
load "$PORT_OFF" "$WARMUP"
load "$PORT_ON" "$WARMUP"

printf '%-6s  %16s %12s  %16s %12s\n' round "no-cdnguard r/s" "p99 ms" "cdnguard r/s" "p99 ms"
sum_off=0; sum_on=0
for r in $(seq 1 "$ROUNDS"); do
  load "$PORT_OFF" "$DURATION"
  rps_off=$RPS p99_off=$P99
  load "$PORT_ON" "$DURATION"
  rps_on=$RPS p99_on=$P99
  printf '%-6s  %16s %12s  %16s %12s\n' "$r" "$rps_off" "$p99_off" "$rps_on" "$p99_on"
  sum_off=$((sum_off + rps_off)); sum_on=$((sum_on + rps_on))
done
awk -v a="$sum_off" -v b="$sum_on" -v n="$ROUNDS" 'BEGIN {
  printf "mean    %16.0f %12s  %16.0f %12s   (cdnguard: %+.1f%% req/s)\n", a / n, "", b / n, "", (b - a) * 100 / a }'
# What the guarded origin counted: proof the traffic went through cdnguard.
if have curl; then
  curl -s "http://127.0.0.1:$PORT_ON/cdnguard/metrics" | grep -E '^cdnguard_cdn_fetches_total\{cdn="cloudfront",status="2xx"\}' || true
fi
