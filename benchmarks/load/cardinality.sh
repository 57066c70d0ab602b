#!/usr/bin/env bash
# Cardinality attack, full size (issue 8; not in CI): 1M distinct paths, 100k distinct backend names,
# 10k distinct made-up CDN-Loop ids (and 10k made-up CloudFront POP names) against both samples.
#
# Part 1 (in-process, JOL): runs the samples' *CardinalityTest at full size through Maven: the real
#   Netty sample and a Netty gateway pipeline (backend names), and the real Jetty sample (backend names
#   through the guard's API: the servlet adapter cannot name a backend). Prints, after 10k and after
#   all requests, the bytes the guard holds (guardOwnedBytes: reachable from it without passing
#   through threads, class loaders or classes; JOL sizes) and everything JOL's GraphLayout reaches
#   from it (jolReachableBytes: includes threads' and the server's state), the metrics/health sizes,
#   JOL's footprint table and the guard's own bytes by class.
# Part 2 (out of process, heap): starts each sample jar, drives 1M distinct paths / 10k CDN-Loop ids /
#   10k POPs with wrk (benchmarks/load/cardinality.lua), and prints heap used after a full GC
#   (jcmd GC.run + GC.heap_info) and the io.cdnguard.* rows of jcmd GC.class_histogram, before and
#   after, plus what the guard counted (metrics page).
#
# Environment (all optional):
#   PATHS=1000000 BACKENDS=100000 CDN_LOOPS=10000 POPS=10000   sizes
#   PARTS="1 2"          which parts to run
#   BUILD_DIR=target-h7  Maven build directory (the sample jars are samples/*/$BUILD_DIR/*.jar; built if missing)
#   JAVA_OPTS="-Xmx512m" for the sample processes; THREADS=2 CONNECTIONS=32 for wrk
#   PORT_NETTY=18580 PORT_JETTY=18581
# Stops every process it starts (trap). Installs Debian's wrk if missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/../.."

PATHS=${PATHS:-1000000}
BACKENDS=${BACKENDS:-100000}
CDN_LOOPS=${CDN_LOOPS:-10000}
POPS=${POPS:-10000}
PARTS=${PARTS:-"1 2"}
BUILD_DIR=${BUILD_DIR:-target-h7}
JAVA_OPTS=${JAVA_OPTS:--Xmx512m}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
PORT_NETTY=${PORT_NETTY:-18580}
PORT_JETTY=${PORT_JETTY:-18581}
NETTY_JAR=samples/netty-origin/$BUILD_DIR/cdnguard-netty-origin.jar
JETTY_JAR=samples/jetty-origin/$BUILD_DIR/cdnguard-jetty-origin.jar

have() { command -v "$1" >/dev/null 2>&1; }
say() { echo "cardinality: $*" >&2; }

PIDS=()
WRK_PID=
LOGDIR=$(mktemp -d -t cardinality.XXXXXX)
cleanup() {
  [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ " $PARTS " == *" 1 "* ]]; then
  say "part 1: in-process run of the cardinality tests ($PATHS paths, $BACKENDS backends, $CDN_LOOPS CDN-Loop ids, $POPS POPs)"
  mvn -o -q -B -Dcdnguard.buildDir="$BUILD_DIR" -pl samples/netty-origin,samples/jetty-origin -am test \
      -Dtest='NettyOriginCardinalityTest,JettyOriginCardinalityTest' -Dsurefire.failIfNoSpecifiedTests=false \
      -Djunit.jupiter.execution.timeout.mode=disabled \
      -Dcardinality.requests="$PATHS" -Dcardinality.backends="$BACKENDS" -Dcardinality.cdnLoops="$CDN_LOOPS" \
      -Dcardinality.pops="$POPS" -Dcardinality.footprint=true >"$LOGDIR/mvn.log" 2>&1 \
    || { tail -50 "$LOGDIR/mvn.log" >&2; say "part 1 FAILED"; exit 1; }
  for m in netty-origin jetty-origin; do
    out=$(ls samples/$m/"$BUILD_DIR"/surefire-reports/*CardinalityTest-output.txt)
    grep -E '^cardinality\[.*requests=' "$out"
    # JOL's footprint table of the guard at full size (the last one printed): the 12 largest rows and the total.
    awk '/footprint:/ { n++; rows[n] = ""; total[n] = ""; title[n] = $0; inside = 1; next }
         inside && /TOTAL/ { total[n] = $0; inside = 0; next }
         inside && $1 ~ /^[0-9]+$/ { rows[n] = rows[n] $0 "\n" }
         END { print title[n]; printf "%s", rows[n] > "/dev/stderr"; print total[n] }' "$out" 2>"$LOGDIR/rows" >"$LOGDIR/fp"
    head -1 "$LOGDIR/fp"
    printf '%10s %10s %10s   %s\n' COUNT AVG SUM DESCRIPTION
    sort -k3,3nr "$LOGDIR/rows" | head -12 || true   # head closes the pipe early (pipefail)
    tail -1 "$LOGDIR/fp"
    # What the guard itself holds (not through threads), by class, at full size.
    line=$(grep -n 'owned by the guard, by class' "$out" | tail -1 | cut -d: -f1 || true)
    if [ -n "$line" ]; then sed -n "${line},$((line + 20))p" "$out"; fi
  done
fi

if [[ " $PARTS " != *" 2 "* ]]; then
  exit 0
fi

if ! have wrk; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    say "installing wrk (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  else
    say "needs wrk on PATH (apt-get install wrk)"; exit 1
  fi
fi
if [ ! -f "$NETTY_JAR" ] || [ ! -f "$JETTY_JAR" ]; then
  say "building the sample jars into $BUILD_DIR"
  mvn -o -q -B -Dcdnguard.buildDir="$BUILD_DIR" -pl samples/netty-origin,samples/jetty-origin -am package -DskipTests
fi

start() { # jar port name
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$1" --host 127.0.0.1 --port "$2" >"$LOGDIR/$3.log" 2>&1 &
  PIDS+=("$!")
  PID=$!
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  say "$3 did not start on port $2:"; cat "$LOGDIR/$3.log" >&2; exit 1
}

# Heap used after a full GC, in KiB (G1: "garbage-first heap   total N, used M").
heap_after_gc() { # pid
  jcmd "$1" GC.run >/dev/null
  jcmd "$1" GC.heap_info | awk '/heap/ && /used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); print v; exit } }'
}

# Instances and bytes of io.cdnguard.* classes in the heap histogram (it runs a full GC first).
cdnguard_histogram() { # pid
  jcmd "$1" GC.class_histogram | awk '$4 ~ /^io\.cdnguard\./ { n += $2; b += $3 } END { printf "%d instances, %d bytes", n, b }'
}

# Every CDN fetch the guard on $1 counted so far (its metrics page).
counted() { # port
  curl -s "http://127.0.0.1:$1/cdnguard/metrics" | awk '/^cdnguard_cdn_fetches_total\{/ { s += $NF } END { printf "%d", s }'
}

# wrk with cardinality.lua: each thread stops after its share of responses, but wrk itself only
# returns at the end of its duration, so this watches the guard's count and stops wrk (SIGINT: it
# prints its summary) once the threads' shares are all counted.
drive() { # port threads per_thread out
  local port=$1 threads=$2 per=$3 out=$4
  local target=$(( $(counted "$port") + threads * per ))
  PER_THREAD=$per CDN_LOOPS=$CDN_LOOPS POPS=$POPS \
    wrk -t"$threads" -c"$CONNECTIONS" -d3600s -s benchmarks/load/cardinality.lua "http://127.0.0.1:$port" \
    >"$out" 2>&1 &
  WRK_PID=$!
  while kill -0 "$WRK_PID" 2>/dev/null && [ "$(counted "$port")" -lt "$target" ]; do
    sleep 1
  done
  sleep 1
  kill -INT "$WRK_PID" 2>/dev/null || true
  wait "$WRK_PID" 2>/dev/null || true
  WRK_PID=
}

attack() { # name jar port
  local name=$1 jar=$2 port=$3
  start "$jar" "$port" "$name"
  local pid=$PID
  # Warm up with a few requests so that lazily created state exists before the first figure.
  drive "$port" 1 500 "$LOGDIR/warmup-$name.out"
  local before_heap before_hist
  before_heap=$(heap_after_gc "$pid")
  before_hist=$(cdnguard_histogram "$pid")
  local t0=$SECONDS
  drive "$port" "$THREADS" $((PATHS / THREADS)) "$LOGDIR/wrk-$name.out"
  local secs=$((SECONDS - t0))
  local after_heap after_hist
  after_heap=$(heap_after_gc "$pid")
  after_hist=$(cdnguard_histogram "$pid")
  curl -s "http://127.0.0.1:$port/cdnguard/metrics" >"$LOGDIR/metrics-$name.txt"
  curl -s "http://127.0.0.1:$port/cdnguard/health" >"$LOGDIR/health-$name.json"
  local fetches series
  fetches=$(awk '/^cdnguard_cdn_fetches_total\{/ { s += $NF } END { printf "%d", s }' "$LOGDIR/metrics-$name.txt")
  series=$(grep -vc '^#' "$LOGDIR/metrics-$name.txt" || true)
  echo "== $name: $(grep -o 'responses=.*' "$LOGDIR/wrk-$name.out") in ${secs}s"
  echo "   heap used after full GC: before ${before_heap} KiB, after ${after_heap} KiB (delta $((after_heap - before_heap)) KiB)"
  echo "   io.cdnguard.* in the histogram: before: $before_hist; after: $after_hist"
  echo "   guard counted $fetches CDN fetches; metrics page $(wc -c <"$LOGDIR/metrics-$name.txt") bytes, $series samples; health JSON $(wc -c <"$LOGDIR/health-$name.json") bytes"
  echo "   pop series: $(grep -c '^cdnguard_cdn_pop_fetches_total{' "$LOGDIR/metrics-$name.txt" || true); attacker values in metrics: $(grep -c 'loop-\|/c/\|missing' "$LOGDIR/metrics-$name.txt" || true)"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

say "part 2: sample processes under wrk ($PATHS distinct paths, $CDN_LOOPS CDN-Loop ids, $POPS POPs; $JAVA_OPTS)"
attack netty-sample "$NETTY_JAR" "$PORT_NETTY"
attack jetty-sample "$JETTY_JAR" "$PORT_JETTY"
