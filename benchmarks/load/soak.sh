#!/usr/bin/env bash
# Soak run (issue 8; not in CI): the Netty sample with cdnguard under wrk for DURATION seconds
# (default 600), every request a CDN fetch with its own path (benchmarks/load/cardinality.lua: 3 of 4
# distinct spellings of a cached asset, 1 of 4 a distinct 404; 10k CDN-Loop ids, 10k POP names).
# Every INTERVAL seconds it forces a full GC (jcmd GC.run) and samples the heap used after it
# (old generation used, jstat -gc, right after the full GC: the live set), the JVM's thread count and RSS (/proc), and what the guard counted (its
# metrics page, which also exercises the endpoint); then prints a table and a verdict: "flat" or
# "growing" for heap and threads (last third of the samples against the first third, after the
# first sample: growing if the median heap grew by more than 20% + 1 MiB, or the thread count rose).
# Exits 1 if anything grows. The machine is shared: throughput here means nothing, flatness does.
#
# Environment (all optional):
#   DURATION=600 INTERVAL=30 THREADS=2 CONNECTIONS=32 PORT=18590 JAVA_OPTS="-Xmx256m"
#   BUILD_DIR=target-h7   (the jar is samples/netty-origin/$BUILD_DIR/cdnguard-netty-origin.jar; built if missing)
#   --duration N on the command line overrides DURATION (e.g. --duration 60 for a short run).
# Stops every process it starts (trap). Installs Debian's wrk if missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-600}
INTERVAL=${INTERVAL:-30}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
PORT=${PORT:-18590}
JAVA_OPTS=${JAVA_OPTS:--Xmx256m}
BUILD_DIR=${BUILD_DIR:-target-h7}
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --duration=*) DURATION=${1#*=}; shift ;;
    --interval) INTERVAL=$2; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
done
JAR=samples/netty-origin/$BUILD_DIR/cdnguard-netty-origin.jar

have() { command -v "$1" >/dev/null 2>&1; }
say() { echo "soak: $*" >&2; }

if ! have wrk; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    say "installing wrk (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  else
    say "needs wrk on PATH (apt-get install wrk)"; exit 1
  fi
fi
if [ ! -f "$JAR" ]; then
  say "building $JAR"
  mvn -o -q -B -Dcdnguard.buildDir="$BUILD_DIR" -pl samples/netty-origin -am package -DskipTests
fi

ORIGIN_PID=
WRK_PID=
LOGDIR=$(mktemp -d -t soak.XXXXXX)
cleanup() {
  [ -n "$WRK_PID" ] && kill "$WRK_PID" 2>/dev/null || true
  [ -n "$ORIGIN_PID" ] && kill "$ORIGIN_PID" 2>/dev/null || true
  [ -n "$WRK_PID" ] && wait "$WRK_PID" 2>/dev/null || true
  [ -n "$ORIGIN_PID" ] && wait "$ORIGIN_PID" 2>/dev/null || true
  rm -rf "$LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck disable=SC2086
java $JAVA_OPTS -jar "$JAR" --host 127.0.0.1 --port "$PORT" --name soak >"$LOGDIR/origin.log" 2>&1 &
ORIGIN_PID=$!
for _ in $(seq 1 150); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  kill -0 "$ORIGIN_PID" 2>/dev/null || { cat "$LOGDIR/origin.log" >&2; exit 1; }
  sleep 0.2
done

# KiB of old generation used right after a full GC: the live set. (A full GC leaves every live object
# in old regions; objects the origin allocates between the GC and the reading land in eden, so
# GC.heap_info's total "used" is noisy under load, the old generation is not.)
heap_after_gc() {
  jcmd "$ORIGIN_PID" GC.run >/dev/null
  jstat -gc "$ORIGIN_PID" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "OU") c = i } NR == 2 { printf "%d\n", $c }'
}
proc_field() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$ORIGIN_PID/status"; }
counted() {
  curl -s "http://127.0.0.1:$PORT/cdnguard/metrics" | awk '/^cdnguard_cdn_fetches_total\{/ { s += $NF } END { printf "%d", s }'
}

say "Netty sample pid $ORIGIN_PID on port $PORT ($JAVA_OPTS); wrk -t$THREADS -c$CONNECTIONS for ${DURATION}s, a sample every ${INTERVAL}s"
PER_THREAD=1000000000000 wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s benchmarks/load/cardinality.lua \
  "http://127.0.0.1:$PORT" >"$LOGDIR/wrk.out" 2>&1 &
WRK_PID=$!

printf '%8s %14s %8s %10s %14s %10s\n' "t (s)" "heap@GC (KiB)" threads "RSS (KiB)" "CDN fetches" "req/s" | tee "$LOGDIR/table"
START=$SECONDS
prev_count=0
prev_t=0
samples_heap=()
samples_threads=()
while :; do
  t=$((SECONDS - START))
  heap=$(heap_after_gc)
  threads=$(proc_field Threads)
  rss=$(proc_field VmRSS)
  count=$(counted)
  rate=0
  if [ "$t" -gt "$prev_t" ]; then rate=$(( (count - prev_count) / (t - prev_t) )); fi
  printf '%8d %14d %8d %10d %14d %10d\n' "$t" "$heap" "$threads" "$rss" "$count" "$rate" | tee -a "$LOGDIR/table"
  samples_heap+=("$heap")
  samples_threads+=("$threads")
  prev_count=$count
  prev_t=$t
  if ! kill -0 "$WRK_PID" 2>/dev/null; then break; fi
  # sleep until the next interval or until wrk ends
  for _ in $(seq 1 "$INTERVAL"); do
    kill -0 "$WRK_PID" 2>/dev/null || break
    sleep 1
  done
done
wait "$WRK_PID" 2>/dev/null || true
WRK_PID=
kill -0 "$ORIGIN_PID" 2>/dev/null || { say "the origin died:"; tail -20 "$LOGDIR/origin.log" >&2; exit 1; }
grep -E 'requests in|Requests/sec|Socket errors|Non-2xx' "$LOGDIR/wrk.out" | sed 's/^/wrk: /'

# Verdict: first third (after the first sample, which is taken before any load) against the last third.
verdict=$(printf '%s\n' "${samples_heap[@]}" | paste -sd' ' | awk -v threads="$(printf '%s\n' "${samples_threads[@]}" | paste -sd' ')" '
  function median(a, from, to,    n, i, j, t, b) {
    n = 0
    for (i = from; i <= to; i++) b[++n] = a[i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
    return n % 2 ? b[(n + 1) / 2] : (b[n / 2] + b[n / 2 + 1]) / 2
  }
  {
    n = split($0, h, " "); split(threads, th, " ")
    if (n < 4) { print "too-short"; exit }
    k = int((n - 1) / 3); if (k < 1) k = 1
    first = median(h, 2, 1 + k); last = median(h, n - k + 1, n)
    tf = 0; for (i = 2; i <= 1 + k; i++) if (th[i] > tf) tf = th[i]
    tl = 0; for (i = n - k + 1; i <= n; i++) if (th[i] > tl) tl = th[i]
    hv = (last > first * 1.2 + 1024) ? "growing" : "flat"
    tv = (tl > tf) ? "growing" : "flat"
    printf "heap after GC %s (median of first third %d KiB, last third %d KiB); threads %s (max %d then %d)\n", hv, first, last, tv, tf, tl
  }')
echo "soak verdict: $verdict"
case "$verdict" in
  *growing*|too-short*) exit 1 ;;
esac
