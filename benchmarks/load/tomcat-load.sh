#!/usr/bin/env bash
# Overhead of the cdnguard servlet filter on Tomcat 11 under load, and whether wrap-response=auto keeps
# Tomcat's sendfile for large static files: an embedded Tomcat static origin
# (io.cdnguard.benchmarks.load.TomcatOrigin, DefaultServlet over files of 4 KiB, 20 KiB and 256 KiB;
# Tomcat's default sendfileSize is 48 KiB) run three ways -- without cdnguard ("none"), with cdnguard's
# default wrap-response=auto ("auto": Tomcat's own response, sendfile kept) and with wrap-response=true
# ("wrap": the counting wrapper, no sendfile) -- driven by wrk on loopback with CloudFront headers.
# Prints requests/s, p99 latency and the origin's CPU time per request per run and as medians, and
# the ratios to "none", per asset.
#
#   benchmarks/load/tomcat-load.sh                      # 30 s warm-up, 3 rounds x 10 s per mode and asset: about 6 min
#   RUNS=5 DURATION=30s CONNECTIONS=64 benchmarks/load/tomcat-load.sh
#   ASSETS="/big.bin" MODES="none auto" benchmarks/load/tomcat-load.sh
#   BUILD_DIR=target-foo benchmarks/load/tomcat-load.sh  # use/build benchmarks/target-foo/benchmarks.jar
#
# Within a round the modes run one after the other for each asset (none, auto, wrap, none, ...), so
# that drift on a shared machine hits all alike. Every process this script starts is stopped on exit.
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-target}"
JAR="${JAR:-$ROOT_DIR/benchmarks/$BUILD_DIR/benchmarks.jar}"
RUNS="${RUNS:-3}"
DURATION="${DURATION:-10s}"
# 30 s: the origins are pinned to one CPU, where C2 compiles the filter's code paths meanwhile;
# with 5 s the cdnguard columns still paid their JIT warm-up (-13 % on /app.js, against -1.7 % warm).
WARMUP="${WARMUP:-30s}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-32}"
ASSETS="${ASSETS:-/app.js /big.bin}"
MODES="${MODES:-none auto wrap}"
MAX_SECONDS="${MAX_SECONDS:-420}"
JAVA_OPTS="${JAVA_OPTS:--Xms256m -Xmx256m -XX:+UseParallelGC}"
MAIN=io.cdnguard.benchmarks.load.TomcatOrigin
# PIN=1 (default on a machine with 2+ CPUs): the origins run on CPU 0 and wrk on CPU 1 (taskset).
PIN="${PIN:-auto}"
if [[ "$PIN" == auto ]]; then
    if [[ "$(nproc)" -ge 2 ]] && command -v taskset >/dev/null 2>&1; then PIN=1; else PIN=0; fi
fi

secs() { local d="$1"; case "$d" in *ms) echo 1;; *m) echo $(( ${d%m} * 60 ));; *s) echo "${d%s}";; *) echo "$d";; esac; }
read -r -a ASSET_LIST <<<"$ASSETS"
read -r -a MODE_LIST <<<"$MODES"
PLANNED=$(( (${#ASSET_LIST[@]} * ${#MODE_LIST[@]}) * (RUNS * $(secs "$DURATION") + $(secs "$WARMUP")) ))
if (( PLANNED > MAX_SECONDS )); then
    echo "planned $PLANNED s of load exceeds MAX_SECONDS=$MAX_SECONDS: lower RUNS/DURATION or raise MAX_SECONDS" >&2
    exit 2
fi

# shellcheck source=benchmarks/load/lib.sh
source "$ROOT_DIR/benchmarks/load/lib.sh"
load_init tomcat-load
if [[ ! -f "$JAR" ]] || ! jar tf "$JAR" | grep -q '^io/cdnguard/benchmarks/load/TomcatOrigin.class$'; then
    echo "building $JAR" >&2
    (cd "$ROOT_DIR" && mvn -q -B -Dcdnguard.buildDir="$BUILD_DIR" -pl benchmarks -am package -DskipTests)
fi

# start_origin MODE: starts TomcatOrigin on a free loopback port; sets PORT and ORIGIN_PID.
start_origin() {
    # shellcheck disable=SC2086
    load_start_origin "$1" java $JAVA_OPTS -cp "$JAR" "$MAIN" --mode "$1" --host 127.0.0.1 --port 0
}

# drive PORT ASSET DURATION PID: runs wrk, prints "REQS_PER_S P99_MS CPU_US_PER_REQUEST" (CPU of PID).
drive() { load_drive "http://127.0.0.1:$1$2" "$3" "$4"; }

declare -A PORT_OF PID_OF
for mode in "${MODE_LIST[@]}"; do
    start_origin "$mode"
    PORT_OF[$mode]="$PORT"; PID_OF[$mode]="$ORIGIN_PID"
done

echo "tomcat-origin load: $RUNS x $DURATION per mode and asset, wrk -t$THREADS -c$CONNECTIONS, CloudFront headers"
grep -h ", mode " "$WORK/${MODE_LIST[0]}.log" | head -n1 | sed 's/, mode .*//' 
echo "java: $(java -version 2>&1 | head -n1); JAVA_OPTS=$JAVA_OPTS; cpus: $(nproc); pinned (origins CPU 0, wrk CPU 1): $PIN"
for asset in "${ASSET_LIST[@]}"; do
    size="$(curl -fsS -o /dev/null -w '%{size_download}' "http://127.0.0.1:${PORT_OF[${MODE_LIST[0]}]}$asset")"
    echo "asset $asset: $size bytes"
done
echo "warming up ($WARMUP per mode and asset)..."
for asset in "${ASSET_LIST[@]}"; do
    for mode in "${MODE_LIST[@]}"; do
        drive "${PORT_OF[$mode]}" "$asset" "$WARMUP" "${PID_OF[$mode]}" >/dev/null
    done
done

for run in $(seq 1 "$RUNS"); do
    for asset in "${ASSET_LIST[@]}"; do
        for mode in "${MODE_LIST[@]}"; do
            drive "${PORT_OF[$mode]}" "$asset" "$DURATION" "${PID_OF[$mode]}" >>"$WORK/$(tr / _ <<<"$asset").$mode"
        done
    done
done

col() { awk -v c="$2" '{print $c}' "$1" | median; }
for asset in "${ASSET_LIST[@]}"; do
    a="$(tr / _ <<<"$asset")"
    echo
    echo "== GET $asset"
    printf '%-6s' run
    for mode in "${MODE_LIST[@]}"; do printf ' | %-5s %10s %9s %9s' "$mode" "req/s" "p99 ms" "cpu us/r"; done
    echo
    for run in $(seq 1 "$RUNS"); do
        printf '%-6s' "$run"
        for mode in "${MODE_LIST[@]}"; do
            read -r r p c < <(sed -n "${run}p" "$WORK/$a.$mode")
            printf ' | %-5s %10s %9s %9s' "" "$r" "$p" "$c"
        done
        echo
    done
    printf '%-6s' median
    for mode in "${MODE_LIST[@]}"; do
        printf ' | %-5s %10s %9s %9s' "" "$(col "$WORK/$a.$mode" 1)" "$(col "$WORK/$a.$mode" 2)" "$(col "$WORK/$a.$mode" 3)"
    done
    echo
    if [[ " ${MODE_LIST[*]} " == *" none "* ]]; then
        for mode in "${MODE_LIST[@]}"; do
            [[ "$mode" == none ]] && continue
            awk -v r="$(col "$WORK/$a.$mode" 1)" -v r0="$(col "$WORK/$a.none" 1)" \
                -v p="$(col "$WORK/$a.$mode" 2)" -v p0="$(col "$WORK/$a.none" 2)" \
                -v c="$(col "$WORK/$a.$mode" 3)" -v c0="$(col "$WORK/$a.none" 3)" -v m="$mode" 'BEGIN {
                printf "%s/none: throughput %.4f (%+.2f %%), p99 %.4f, cpu per request %.4f (%+.2f %%)\n",
                    m, r / r0, (r / r0 - 1) * 100, p / p0, c / c0, (c / c0 - 1) * 100
            }'
            # paired: the median of the per-round ratios
            paste -d' ' "$WORK/$a.$mode" "$WORK/$a.none" | awk '{print $1 / $4}' | median \
                | awk -v m="$mode" '{printf "%s/none: throughput %.4f (%+.2f %%), median of the paired rounds\n", m, $1, ($1 - 1) * 100}'
        done
    fi
done
echo
echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg) (a loaded machine makes these figures noisy)"
# the guards really recorded, bytes included: their own metrics, fetched without CDN headers
for mode in "${MODE_LIST[@]}"; do
    [[ "$mode" == none ]] && continue
    echo "guard ($mode): $(curl -fsS "http://127.0.0.1:${PORT_OF[$mode]}/cdnguard/metrics" 2>/dev/null \
        | grep -E '^cdnguard_cdn_(fetches_total\{cdn="cloudfront",status="2xx"\}|bytes_total)' | tr '\n' ' ')"
done
