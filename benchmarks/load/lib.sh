# Shared by jetty-load.sh and tomcat-load.sh (sourced, not run): pinning, the work directory and
# the clean-up of every process started, wrk, starting an origin, one wrk run with CloudFront
# headers and the origin's CPU time per request, medians. Expects THREADS, CONNECTIONS and PIN.

# load_init NAME: the work directory, the PID list and the traps that stop every process on exit;
# ORIGIN_CPU / WRK_CPU (taskset -c 0 / -c 1 when PIN=1); installs Debian's wrk where missing.
load_init() {
    ORIGIN_CPU=(); WRK_CPU=()
    if [[ "$PIN" == 1 ]]; then ORIGIN_CPU=(taskset -c 0); WRK_CPU=(taskset -c 1); fi
    PIDS=()
    WORK="$(mktemp -d -t "cdnguard-$1.XXXXXX")"
    trap load_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    if ! command -v wrk >/dev/null 2>&1; then
        echo "wrk not found: installing Debian's package" >&2
        local sudo=""
        if [[ "$(id -u)" != 0 ]]; then sudo="sudo"; fi
        $sudo apt-get update -qq && $sudo apt-get install -y -qq wrk >/dev/null
    fi
    CLK_TCK="$(getconf CLK_TCK)"
}

load_cleanup() {
    for pid in "${PIDS[@]:-}"; do
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}

# load_start_origin NAME COMMAND...: runs COMMAND (pinned) until it prints its "assets: URL" line;
# sets PORT and ORIGIN_PID. The command must bind 127.0.0.1 on a free port.
load_start_origin() {
    local name="$1"; shift
    local log="$WORK/$name.log"
    : >"$log"
    "${ORIGIN_CPU[@]}" "$@" >"$log" 2>&1 &
    local pid="$!"
    PIDS+=("$pid")
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

# load_drive URL DURATION [PID]: one wrk run with CloudFront's request headers; prints
# "REQS_PER_S P99_MS CPU_US_PER_REQUEST" (the CPU time of PID per request, 0 without PID).
load_drive() {
    local t0=0 out reqs p99 total cpu=0
    if [[ -n "${3:-}" ]]; then t0="$(cpu_ticks "$3")"; fi
    out="$("${WRK_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" --latency \
        -H 'User-Agent: Amazon CloudFront' \
        -H 'X-Amz-Cf-Id: Lxk3dNDgQX9s9YwqJ3M8H0bGq4oJm0HkfPCxzyMUvDvH6wW4n8ZqGA==' \
        -H 'Via: 1.1 5d8f1e0c2b7a9e3d.cloudfront.net (CloudFront)' \
        "$1")"
    if grep -q "Non-2xx" <<<"$out"; then
        echo "non-2xx responses from $1:" >&2; echo "$out" >&2; exit 1
    fi
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
