#!/usr/bin/env bash
# cdnguard incident lab: a real CDN (Varnish) -> load balancer (HAProxy) -> two origins (the Netty and
# the Jetty sample, each with cdnguard), on loopback, replaying the April-4 failure: a load-balancer
# reload with the canonical configuration silently stops routing to one origin. See README.md.
#
#   sudo samples/lab/lab.sh [--scenario all|incident|down|gateway] [--keep-workdir] [--help]
#
# Exit status: 0 when every expectation held, 1 when one did not (e.g. cdnguard did not detect the
# incident in time), 2 on a usage or setup error, 130 when interrupted. Every process it starts is
# stopped and its temporary directory removed on exit, also when interrupted.
set -uo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$LAB_DIR/../.." && pwd)

# ---- settings (environment overrides) ----------------------------------------------------------
SCALE=${LAB_TIME_SCALE:-60}               # cdnguard's clock runs this many times faster than real time
MAX_AGE=${LAB_MAX_AGE:-300}               # origin TTL in lab seconds (300 = 5 lab min = 5 real s at 60x)
RATE=${LAB_RATE:-20}                      # requests per second through Varnish
ASSETS=${LAB_ASSETS:-40}                  # number of asset files served
WARMUP_TIMEOUT=${LAB_WARMUP_TIMEOUT:-180} # real s to wait for cdnguard to learn the normal rate
DETECT_TIMEOUT=${LAB_DETECT_TIMEOUT:-120} # real s after the reload within which detection must happen
RECOVER_TIMEOUT=${LAB_RECOVER_TIMEOUT:-90}
ROTATION_TIMEOUT=${LAB_ROTATION_TIMEOUT:-30}
MAX_SECONDS=${LAB_MAX_SECONDS:-600}       # hard bound on the whole run
PORT_BASE=${LAB_PORT_BASE:-18480}
JAVA=${JAVA:-java}
SCENARIO=all
KEEP_WORKDIR=${LAB_KEEP_WORKDIR:-0}

usage() {
    cat <<EOF
usage: $0 [--scenario all|incident|down|gateway] [--keep-workdir] [--help]

  --scenario incident  the April-4 replay: HAProxy reloaded without origin-b, cdnguard on origin-b
                       must leave UP (cache-refetch / cdn-traffic); then origin-b is restored
  --scenario down      origin-a's cdnguard reports DOWN on its LB endpoint; HAProxy takes it out
                       of rotation; back UP, back in rotation
  --scenario gateway   the gateway variant: Varnish -> a Netty gateway with cdnguard -> the origins;
                       the gateway's routes lose origin-b, its missing-backend check must fire
  --scenario all       all three (default)
  --keep-workdir       keep the temporary directory (configs, logs) for inspection

Environment: LAB_TIME_SCALE ($SCALE), LAB_MAX_AGE ($MAX_AGE lab s), LAB_RATE ($RATE req/s),
LAB_ASSETS ($ASSETS), LAB_DETECT_TIMEOUT ($DETECT_TIMEOUT s), LAB_PORT_BASE ($PORT_BASE),
LAB_BUILD_DIR (target), LAB_JAR_DIR, LAB_NETTY_JAR, LAB_JETTY_JAR, JAVA ($JAVA).
Needs Linux, bash 5+, curl, Java 17+, varnish and haproxy (installed with apt-get when missing,
as root). Binds 127.0.0.1 only.
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --scenario) SCENARIO=${2:-}; shift 2 || { usage >&2; exit 2; } ;;
        --scenario=*) SCENARIO=${1#*=}; shift ;;
        --keep-workdir) KEEP_WORKDIR=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "lab: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$SCENARIO" in all|incident|down|gateway) ;; *) echo "lab: --scenario must be all, incident, down or gateway: $SCENARIO" >&2; exit 2 ;; esac
for v in SCALE MAX_AGE RATE ASSETS WARMUP_TIMEOUT DETECT_TIMEOUT RECOVER_TIMEOUT ROTATION_TIMEOUT MAX_SECONDS PORT_BASE; do
    case "${!v}" in ''|*[!0-9]*) echo "lab: $v must be a positive integer: '${!v}'" >&2; exit 2 ;; esac
done
[ "$SCALE" -ge 1 ] || { echo "lab: LAB_TIME_SCALE must be at least 1" >&2; exit 2; }

# ---- timeline ------------------------------------------------------------------------------------
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
T0=$(now_ms)
elapsed_s() { echo $((($(now_ms) - T0) / 1000)); }
FAILURES=()

# t+SECONDS, the approximate lab time (cdnguard's compressed clock), and the message
tl() {
    local ms=$(($(now_ms) - T0)) lab=""
    if [ "$SCALE" -gt 1 ]; then
        local lm=$((ms * SCALE / 60000))
        lab=$(printf '[lab %dh%02dm] ' $((lm / 60)) $((lm % 60)))
    fi
    printf 't+%4ds %s%s\n' $((ms / 1000)) "$lab" "$*"
}
note() { printf '          %s\n' "$*"; }
fail() { FAILURES+=("$*"); tl "FAILED: $*"; }
die() { echo "lab: $*" >&2; exit 2; }

# ---- processes and cleanup -----------------------------------------------------------------------
PIDS=()          # every process started, each the leader of its own process group (setsid)
WORK=""
POLICY_RC_CREATED=0

start_bg() { # start_bg NAME LOG CMD... : starts CMD in its own session/process group
    local name=$1 log=$2
    shift 2
    setsid "$@" >"$log" 2>&1 </dev/null &
    local pid=$!
    PIDS+=("$pid")
    echo "$pid" >"$WORK/$name.pid"
    LAST_PID=$pid
}

stop_all() {
    local pid alive=() i
    for pid in "${PIDS[@]}"; do
        # the group, even if its leader is gone (e.g. the driver's last curl)
        if kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null 2>&1; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
            alive+=("$pid")
        fi
    done
    for ((i = 0; i < 100 && ${#alive[@]} > 0; i++)); do
        local still=()
        for pid in "${alive[@]}"; do
            if kill -0 "$pid" 2>/dev/null || pgrep -g "$pid" >/dev/null 2>&1; then still+=("$pid"); fi
        done
        alive=("${still[@]}")
        [ ${#alive[@]} -gt 0 ] && sleep 0.1
    done
    for pid in "${alive[@]}"; do
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    STOPPED=${#PIDS[@]}
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    [ -n "$WORK" ] && [ -d "$WORK" ] && touch "$WORK/driver.stop" 2>/dev/null
    local n
    stop_all
    n=$STOPPED
    if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "$KEEP_WORKDIR" = 1 ]; then
            echo "lab: stopped $n processes; kept $WORK"
        else
            rm -rf "$WORK"
            echo "lab: stopped $n processes; removed $WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'echo; echo "lab: interrupted"; exit 130' INT TERM HUP

# ---- prerequisites -------------------------------------------------------------------------------
[ "$(uname -s)" = Linux ] || die "Linux only"
[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "bash 5 or newer needed (EPOCHREALTIME)"
command -v curl >/dev/null || die "curl is needed"
command -v setsid >/dev/null || die "setsid (util-linux) is needed"
command -v ss >/dev/null || die "ss (iproute2) is needed"
command -v "$JAVA" >/dev/null || die "Java 17+ is needed (set JAVA=/path/to/java)"

if ! command -v varnishd >/dev/null || ! command -v haproxy >/dev/null; then
    PATH=$PATH:/usr/sbin:/sbin
fi
if ! command -v varnishd >/dev/null || ! command -v haproxy >/dev/null; then
    [ "$(id -u)" -eq 0 ] || die "varnish and haproxy are missing: run as root (sudo) to install them with apt-get, or install them yourself"
    command -v apt-get >/dev/null || die "varnish and haproxy are missing and apt-get is not available: install them yourself"
    echo "lab: installing varnish and haproxy with apt-get (their system services are not started)"
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # keep the packages' own services (varnish on *:6081) from starting: the lab binds loopback only
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && POLICY_RC_CREATED=1
    fi
    apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends varnish haproxy >/dev/null \
        || die "apt-get install varnish haproxy failed"
    if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
fi

BUILD_DIR=${LAB_BUILD_DIR:-target}
if [ -n "${LAB_JAR_DIR:-}" ]; then
    NETTY_JAR=${LAB_NETTY_JAR:-$LAB_JAR_DIR/cdnguard-netty-origin.jar}
    JETTY_JAR=${LAB_JETTY_JAR:-$LAB_JAR_DIR/cdnguard-jetty-origin.jar}
else
    NETTY_JAR=${LAB_NETTY_JAR:-$REPO/samples/netty-origin/$BUILD_DIR/cdnguard-netty-origin.jar}
    JETTY_JAR=${LAB_JETTY_JAR:-$REPO/samples/jetty-origin/$BUILD_DIR/cdnguard-jetty-origin.jar}
fi
has_lab_options() { [ -f "$1" ] && "$JAVA" -jar "$1" --help 2>&1 | grep -q -- '--time-scale'; }
if ! has_lab_options "$NETTY_JAR" || ! has_lab_options "$JETTY_JAR"; then
    # build only the default jars; explicitly chosen ones (LAB_JAR_DIR, LAB_BUILD_DIR, ...) are the caller's
    if [ -z "${LAB_JAR_DIR:-}${LAB_NETTY_JAR:-}${LAB_JETTY_JAR:-}${LAB_BUILD_DIR:-}" ] && command -v mvn >/dev/null; then
        echo "lab: building the sample jars (mvn -q install -DskipTests in $REPO)"
        (cd "$REPO" && mvn -q -B install -DskipTests) || die "mvn install failed"
    fi
fi
for j in "$NETTY_JAR" "$JETTY_JAR"; do
    [ -f "$j" ] || die "missing $j: run mvn install -DskipTests in $REPO"
    has_lab_options "$j" || die "$j has no lab options (--time-scale, --max-age, --down-file): rebuild it with mvn install -DskipTests"
done

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
find_ports() {
    local base tries p ok
    for ((tries = 0; tries < 40; tries++)); do
        base=$((PORT_BASE + tries * 10))
        ok=1
        for p in $base $((base + 1)) $((base + 2)) $((base + 3)) $((base + 4)) $((base + 5)) $((base + 6)); do
            port_free "$p" || { ok=0; break; }
        done
        if [ "$ok" = 1 ]; then echo "$base"; return 0; fi
    done
    return 1
}
BASE=$(find_ports) || die "no 7 free consecutive ports from $PORT_BASE on"
P_CDN=$BASE P_LB=$((BASE + 1)) P_STATS=$((BASE + 2)) P_A=$((BASE + 3)) P_B=$((BASE + 4)) P_GW=$((BASE + 5)) P_CDN2=$((BASE + 6))

WORK=$(mktemp -d /tmp/cdnguard-lab.XXXXXX) || die "mktemp failed"
chmod 755 "$WORK"   # varnishd's unprivileged workers read the VCL and their -n directory here

# ---- the assets ----------------------------------------------------------------------------------
mkdir -p "$WORK/assets/css" "$WORK/assets/js" "$WORK/assets/img"
: >"$WORK/assets.txt"
for ((i = 1; i <= ASSETS; i++)); do
    case $((i % 4)) in
        0) f=css/site-$i.css; body=".c$i { color: #$(printf '%06x' $((i * 4099 % 16777216))); }" ;;
        1) f=js/app-$i.js; body="console.log('cdnguard lab asset $i');" ;;
        2) f=img/icon-$i.svg; body="<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\"><circle cx=\"8\" cy=\"8\" r=\"$((i % 8 + 1))\"/></svg>" ;;
        3) f=page-$i.html; body="<!doctype html><title>lab page $i</title><p>cdnguard lab page $i</p>" ;;
    esac
    { echo "$body"; head -c 1024 /dev/zero | tr '\0' ' '; echo; } >"$WORK/assets/$f"
    echo "/$f" >>"$WORK/assets.txt"
done
# the same mtime everywhere: stable Last-Modified and validators across restarts
find "$WORK/assets" -type f -exec touch -d '2026-04-03 12:00:00 UTC' {} +

# ---- configurations ------------------------------------------------------------------------------
sed -e "s/@LB_PORT@/$P_LB/g" -e "s/@TIME_SCALE@/$SCALE/g" "$LAB_DIR/lab.vcl.in" >"$WORK/lab.vcl"
render_haproxy() { # render_haproxy OUT WITH_B
    local bline="    # origin-b was hand-added to the running configuration and is missing from the canonical one"
    [ "$2" = 1 ] && bline="    server origin-b 127.0.0.1:$P_B check   # hand-added on the running load balancer"
    sed -e "s#@WORKDIR@#$WORK#g" -e "s/@LB_PORT@/$P_LB/g" -e "s/@STATS_PORT@/$P_STATS/g" \
        -e "s/@ORIGIN_A_PORT@/$P_A/g" -e "s|@ORIGIN_B_LINE@|$bline|" "$LAB_DIR/haproxy.cfg.in" >"$1"
    haproxy -c -q -f "$1" >/dev/null 2>&1 || die "invalid HAProxy configuration $1: $(haproxy -c -f "$1" 2>&1 | tail -3)"
}
render_haproxy "$WORK/haproxy-before.cfg" 1
render_haproxy "$WORK/haproxy-canonical.cfg" 0
chmod 644 "$WORK"/*.cfg "$WORK/lab.vcl"

# ---- health polling ------------------------------------------------------------------------------
declare -A PREV=()     # last seen status per "origin:check"
declare -A JSON=() LBCODE=() LBWORD=()
declare -A HASTAT=() HASESS=()
CHECKS=(cdn-traffic cache-refetch missing-backend lab-down-file upstream-failures cdn-errors)
TARGETS=(origin-a origin-b)   # the cdnguard instances polled; the gateway joins in its scenario
port_of() { case "$1" in origin-a) echo "$P_A" ;; origin-b) echo "$P_B" ;; gateway) echo "$P_GW" ;; esac; }
kind_of() { if [ "$1" = origin-a ]; then echo "Netty sample"; else echo "Jetty sample"; fi; }

# check_of ORIGIN CHECK -> sets CST (UP/DEGRADED/DOWN, or "" if absent) and CMSG
check_of() {
    local j=${JSON[$1]:-} seg re
    CST="" CMSG=""
    seg=${j#*\"$2\":\[\{}
    [ "$seg" = "$j" ] && return
    re='"cdnguardStatus":"([A-Z]+)"'
    [[ $seg =~ $re ]] && CST=${BASH_REMATCH[1]}
    re='"output":"(([^"\\]|\\.)*)"'
    [[ $seg =~ $re ]] && CMSG=${BASH_REMATCH[1]}
}
overall_of() {
    local re='"cdnguardStatus":"([A-Z]+)"'
    if [[ ${JSON[$1]:-} =~ $re ]]; then echo "${BASH_REMATCH[1]}"; else echo UNREACHABLE; fi
}
detail_of() { # detail_of ORIGIN CHECK KEY
    local j=${JSON[$1]:-} seg re
    seg=${j#*\"$2\":\[\{}
    re="\"$3\":\"?([^,\"}]*)"
    [[ $seg =~ $re ]] && echo "${BASH_REMATCH[1]}"
}

poll_origin() {
    local o=$1 p body code
    p=$(port_of "$o")
    JSON[$o]=$(curl -s --max-time 2 "http://127.0.0.1:$p/cdnguard/health" 2>/dev/null)
    body=$(curl -s --max-time 2 -w '\n%{http_code}' "http://127.0.0.1:$p/cdnguard/health/lb" 2>/dev/null)
    code=${body##*$'\n'}
    LBCODE[$o]=${code:-000}
    LBWORD[$o]=$(printf '%s' "${body%$'\n'*}" | head -1 | tr -d '\r')
}

poll_haproxy() {
    local csv line sv st stot
    HASTAT=() HASESS=()
    csv=$(curl -s --max-time 2 "http://127.0.0.1:$P_STATS/stats;csv" 2>/dev/null) || return
    while IFS=, read -r px sv _ _ _ _ _ stot _ _ _ _ _ _ _ _ _ st _; do
        [ "$px" = origins ] || continue
        case "$sv" in origin-a|origin-b) HASTAT[$sv]=$st HASESS[$sv]=$stot ;; esac
    done <<<"$csv"
}

# polls everything once and prints every change as a timeline line; QUIET=1 records without printing
poll() {
    local o c key st
    for o in "${TARGETS[@]}"; do
        poll_origin "$o"
        printf '%s\n' "${JSON[$o]}" >"$WORK/$o.health.json"
        st=$(overall_of "$o")
        key="$o:overall"
        if [ "${PREV[$key]:-}" != "$st" ]; then
            [ "${QUIET:-0}" = 1 ] || [ -z "${PREV[$key]:-}" ] || tl "$o cdnguard overall ${PREV[$key]} -> $st (LB endpoint: ${LBCODE[$o]} ${LBWORD[$o]})"
            PREV[$key]=$st
        fi
        for c in "${CHECKS[@]}"; do
            check_of "$o" "$c"
            [ -n "$CST" ] || continue
            key="$o:$c"
            if [ "${PREV[$key]:-}" != "$CST" ]; then
                [ "${QUIET:-0}" = 1 ] || [ -z "${PREV[$key]:-}" ] || tl "$o cdnguard $c ${PREV[$key]} -> $CST: $CMSG"
                PREV[$key]=$CST
            fi
        done
    done
    poll_haproxy
    for o in origin-a origin-b; do
        st=${HASTAT[$o]:-absent}
        case "$st" in */*) continue ;; esac   # transitional ("UP 1/2", "DOWN 1/2"): wait for the verdict
        key="$o:haproxy"
        if [ "${PREV[$key]:-}" != "$st" ]; then
            if [ "${QUIET:-0}" != 1 ] && [ -n "${PREV[$key]:-}" ]; then
                case "$st" in
                    UP) tl "HAProxy: $o ${PREV[$key]} -> UP (in rotation)" ;;
                    DOWN) tl "HAProxy: $o ${PREV[$key]} -> DOWN (out of rotation)" ;;
                    absent) tl "HAProxy: $o is no longer in the configuration (no traffic, no health checks)" ;;
                    *) tl "HAProxy: $o ${PREV[$key]} -> $st" ;;
                esac
            fi
            PREV[$key]=$st
        fi
    done
}

ALIVE=(origin-a origin-b varnish driver)   # processes that must keep running
alive_or_fail() { # every process of the base lab still running?
    local n
    for n in "${ALIVE[@]}"; do
        local pid
        pid=$(cat "$WORK/$n.pid" 2>/dev/null) || continue
        if ! kill -0 "$pid" 2>/dev/null; then
            tl "$n exited unexpectedly; last lines of its log:"
            tail -5 "$WORK/$n.log" | sed 's/^/          /'
            exit 1
        fi
    done
    [ "$(elapsed_s)" -lt "$MAX_SECONDS" ] || { fail "the lab ran longer than LAB_MAX_SECONDS=$MAX_SECONDS s"; exit 1; }
}

# wait_for TIMEOUT CONDITION-FUNCTION: polls every second until the condition holds; 1 on timeout
wait_for() {
    local deadline=$(($(elapsed_s) + $1)) cond=$2
    while :; do
        alive_or_fail
        poll
        "$cond" && return 0
        [ "$(elapsed_s)" -lt "$deadline" ] || return 1
        sleep 1
    done
}

cdn_fetches() { # total CDN fetches an origin recorded
    curl -s --max-time 2 "http://127.0.0.1:$(port_of "$1")/cdnguard/metrics" 2>/dev/null \
        | awk '/^cdnguard_cdn_fetches_total[{ ]/ { s += $NF } END { printf "%d", s }'
}
revalidations() { # conditional CDN refetches an origin answered 304
    curl -s --max-time 2 "http://127.0.0.1:$(port_of "$1")/cdnguard/metrics" 2>/dev/null \
        | awk '/^cdnguard_revalidations_total[{ ]/ { s += $NF } END { printf "%d", s }'
}
cdn_label() { # the CDN labels under which an origin counted fetches
    curl -s --max-time 2 "http://127.0.0.1:$(port_of "$1")/cdnguard/metrics" 2>/dev/null \
        | awk '/^cdnguard_cdn_fetches_total[{]/ && $NF > 0 && match($0, /cdn="[a-z]*"/) { c[substr($0, RSTART + 5, RLENGTH - 6)] = 1 }
            END { s = ""; for (k in c) s = s (s == "" ? "" : ",") k; print (s == "" ? "nothing" : "cdn=" s) }'
}
driver_rate() { # requests/s, ok and hit ratio over the last N driver lines
    tail -n "$1" "$WORK/driver.log" 2>/dev/null | awk -v n="$1" '{ split($2,a,"="); split($3,b,"="); split($4,c,"=");
        ok += a[2]; err += b[2]; hit += c[2] } END { t = ok + err; if (NR == 0) NR = 1;
        printf "%.0f req/s, %d errors, %.0f%% cache hits", t / NR, err, t ? 100 * hit / t : 0 }'
}

# ---- start ---------------------------------------------------------------------------------------
echo "cdnguard incident lab: CDN (Varnish) -> load balancer (HAProxy) -> origin-a (Netty) + origin-b (Jetty)"
echo "  loopback only: varnish 127.0.0.1:$P_CDN, haproxy 127.0.0.1:$P_LB (stats :$P_STATS), origin-a :$P_A, origin-b :$P_B"
echo "  compressed time: cdnguard runs ${SCALE}x faster (1 real s = $SCALE lab s); origin TTL max-age=$MAX_AGE lab s; $RATE req/s"
echo "  workdir $WORK"
echo
T0=$(now_ms)
tl "lab starting (scenario: $SCENARIO)"

JOPTS=(-XX:+UseSerialGC -Xmx128m -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Dorg.slf4j.simpleLogger.showDateTime=true)
LABOPTS=(--host 127.0.0.1 --root "$WORK/assets" --max-age "$MAX_AGE" --time-scale "$SCALE" --eval-period 1s --detection)
# one bucket per real second and a refetch grace of 2 real seconds; real time keeps cdnguard's defaults
[ "$SCALE" -gt 1 ] && LABOPTS+=(--bucket "${SCALE}s" --refetch-grace "$((2 * SCALE))s")
start_bg origin-a "$WORK/origin-a.log" "$JAVA" "${JOPTS[@]}" -jar "$NETTY_JAR" --port "$P_A" --name origin-a "${LABOPTS[@]}" --down-file "$WORK/origin-a.down"
start_bg origin-b "$WORK/origin-b.log" "$JAVA" "${JOPTS[@]}" -jar "$JETTY_JAR" --port "$P_B" "${LABOPTS[@]}" --down-file "$WORK/origin-b.down"
origins_up() { [ "${LBCODE[origin-a]:-}" = 200 ] && [ "${LBCODE[origin-b]:-}" = 200 ]; }
QUIET=1 wait_for 90 origins_up || { fail "the origins did not start within 90 s (see $WORK/origin-*.log)"; exit 1; }
tl "origin-a ($(kind_of origin-a), :$P_A) and origin-b ($(kind_of origin-b), :$P_B) up; cdnguard UP on both"

start_bg haproxy "$WORK/haproxy.log" haproxy -db -f "$WORK/haproxy-before.cfg"
HAPROXY_PID=$LAST_PID
haproxy_up() { [ "${HASTAT[origin-a]:-}" = UP ] && [ "${HASTAT[origin-b]:-}" = UP ]; }
QUIET=1 wait_for 30 haproxy_up || { fail "HAProxy did not mark both origins UP within 30 s (see $WORK/haproxy.log)"; exit 1; }
tl "HAProxy up (load balancer, :$P_LB): origin-a and origin-b in rotation, health check GET /cdnguard/health/lb every 1 s"

VOPTS=(-F -a "127.0.0.1:$P_CDN" -f "$WORK/lab.vcl" -n "$WORK/varnish" -s malloc,64m -T none)
[ "$(id -u)" -eq 0 ] || VOPTS+=(-j none)
start_bg varnish "$WORK/varnish.log" varnishd "${VOPTS[@]}"
varnish_up() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$P_CDN$(head -1 "$WORK/assets.txt")"; }
QUIET=1 wait_for 30 varnish_up || { fail "Varnish did not start within 30 s (see $WORK/varnish.log)"; exit 1; }
tl "Varnish up (the CDN, :$P_CDN): caches with the origins' TTLs, refetches conditionally"

start_bg driver "$WORK/driver.log" bash "$LAB_DIR/driver.sh" "http://127.0.0.1:$P_CDN" "$WORK/assets.txt" "$RATE" "$MAX_SECONDS" "$WORK/driver.log" "$WORK/driver.stop"
sleep 8
QUIET=1 poll
A0=$(cdn_fetches origin-a) B0=$(cdn_fetches origin-b) RA0=$(revalidations origin-a) RB0=$(revalidations origin-b)
sleep 5
QUIET=1 poll
A1=$(cdn_fetches origin-a) B1=$(cdn_fetches origin-b) RA1=$(revalidations origin-a) RB1=$(revalidations origin-b)
tl "traffic steady: $(driver_rate 5) through Varnish; CDN fetches reaching origin-a $(awk -v d=$((A1 - A0)) 'BEGIN{printf "%.1f", d/5}')/s, origin-b $(awk -v d=$((B1 - B0)) 'BEGIN{printf "%.1f", d/5}')/s (recognised by cdnguard as $(cdn_label origin-b))"
note "conditional refetches answered 304: origin-a $((RA1 - RA0)) of $((A1 - A0)), origin-b $((RB1 - RB0)) of $((B1 - B0)) (a copy revalidated at the other origin gets a 200: their validators differ)"
if [ $((A1 - A0)) -le 0 ] || [ $((B1 - B0)) -le 0 ]; then
    fail "an origin receives no CDN fetches in steady state (origin-a +$((A1 - A0)), origin-b +$((B1 - B0)))"
fi

unexpected_alarm() { # prints and records any origin that left UP although nothing happened to it
    local o
    for o in "$@"; do
        if [ "${PREV[$o:overall]:-UP}" != UP ] && [ -z "${FALSE_ALARM[$o]:-}" ]; then
            FALSE_ALARM[$o]=1
            fail "$o left UP although nothing happened to it (a false alarm)"
        fi
    done
}
declare -A FALSE_ALARM=()

# ---- scenario 1: the April-4 incident ------------------------------------------------------------
DETECT_S=""
if [ "$SCENARIO" = all ] || [ "$SCENARIO" = incident ]; then
    learned() {
        unexpected_alarm origin-a origin-b
        local o
        for o in origin-a origin-b; do
            check_of "$o" cdn-traffic
            case "$CMSG" in warming\ up:*|"") return 1 ;; esac
            # cache-refetch must be judging refetches; it may still be learning this origin's normal
            # refetch ratio (it needs 50 copies to come due first, and with a CDN that refetches on
            # time that can take longer than the lab's warm-up): it then detects with 3 nats more.
            check_of "$o" cache-refetch
            case "$CMSG" in "refetches as expected"*) ;; *) [ "$CST" != UP ] || return 1 ;; esac
        done
    }
    if wait_for "$WARMUP_TIMEOUT" learned; then
        tl "cdnguard has finished warming up on both origins: cdn-traffic has learned the normal CDN fetch rate, cache-refetch is judging refetches"
    else
        fail "cdnguard did not finish warming up within $WARMUP_TIMEOUT s"
    fi
    # a little steady time after the warm-up, watching for false alarms
    wait_for 10 false || true
    unexpected_alarm origin-a origin-b
    A0=$(cdn_fetches origin-a) B0=$(cdn_fetches origin-b)
    sleep 3
    A1=$(cdn_fetches origin-a) B1=$(cdn_fetches origin-b)
    tl "steady, both UP: origin-a gets about $(((A1 - A0) * 20 / SCALE)) CDN fetches per lab minute, origin-b $(((B1 - B0) * 20 / SCALE))"

    # the "upgrade": the canonical configuration, without the hand-added origin-b, soft-reloaded
    start_bg haproxy-canonical "$WORK/haproxy-canonical.log" haproxy -db -f "$WORK/haproxy-canonical.cfg" -sf "$HAPROXY_PID"
    HAPROXY_PID=$LAST_PID
    RELOAD_MS=$(now_ms)
    tl ">>> INCIDENT: HAProxy soft-reloaded (haproxy -sf) with the canonical configuration; origin-b is not in it"
    b_detected() { unexpected_alarm origin-a; [ "${PREV[origin-b:overall]:-UP}" != UP ]; }
    if wait_for "$DETECT_TIMEOUT" b_detected; then
        DETECT_S=$((($(now_ms) - RELOAD_MS) / 1000))
        tl "DETECTED: cdnguard on origin-b is ${PREV[origin-b:overall]} ${DETECT_S}s after the reload (about $((DETECT_S * SCALE / 60)) lab minutes; on April 4 it took 18 hours)"
        note "origin-b's LB endpoint answers ${LBCODE[origin-b]} ${LBWORD[origin-b]}: by design a balancer is not told to pull an origin the CDN stopped calling"
        # give the other signal a little time to fire too, for the timeline
        both() { unexpected_alarm origin-a; [ "${PREV[origin-b:cdn-traffic]:-UP}" != UP ] && [ "${PREV[origin-b:cache-refetch]:-UP}" != UP ]; }
        wait_for 30 both || note "(only one of cdn-traffic / cache-refetch fired within 30 s more)"
    else
        fail "cdnguard on origin-b did not leave UP within $DETECT_TIMEOUT s of the reload"
    fi

    # the fix: origin-b added to the canonical configuration, reloaded again
    start_bg haproxy-fixed "$WORK/haproxy-fixed.log" haproxy -db -f "$WORK/haproxy-before.cfg" -sf "$HAPROXY_PID"
    HAPROXY_PID=$LAST_PID
    tl ">>> FIX: HAProxy soft-reloaded with origin-b back in the configuration"
    b_recovered() { unexpected_alarm origin-a; [ "${PREV[origin-b:overall]:-}" = UP ] && [ "${HASTAT[origin-b]:-}" = UP ]; }
    if wait_for "$RECOVER_TIMEOUT" b_recovered; then
        tl "RECOVERED: origin-b back in rotation and its cdnguard UP again"
    else
        fail "origin-b did not recover (cdnguard UP and in rotation) within $RECOVER_TIMEOUT s"
    fi
fi

# ---- scenario 2: an origin's cdnguard reports DOWN, the balancer takes it out --------------------
if [ "$SCENARIO" = all ] || [ "$SCENARIO" = down ]; then
    poll
    both_in() { [ "${HASTAT[origin-a]:-}" = UP ] && [ "${HASTAT[origin-b]:-}" = UP ]; }
    wait_for 30 both_in || fail "both origins were not in rotation before the DOWN scenario"
    touch "$WORK/origin-a.down"
    tl ">>> DOWN: origin-a's cdnguard forced DOWN (lab check lab-down-file: $WORK/origin-a.down created)"
    a_out() { [ "${HASTAT[origin-a]:-}" = DOWN ]; }
    if wait_for "$ROTATION_TIMEOUT" a_out; then
        tl "origin-a out of rotation: its LB endpoint answers ${LBCODE[origin-a]} ${LBWORD[origin-a]}, HAProxy marked it DOWN"
        poll; sa=${HASESS[origin-a]:-0}; sb=${HASESS[origin-b]:-0}
        sleep 5
        poll
        note "in the next 5 s HAProxy sent origin-a $((${HASESS[origin-a]:-0} - sa)) requests and origin-b $((${HASESS[origin-b]:-0} - sb))"
        [ $((${HASESS[origin-a]:-0} - sa)) -eq 0 ] || fail "origin-a still received requests while DOWN"
    else
        fail "HAProxy did not take origin-a out of rotation within $ROTATION_TIMEOUT s"
    fi
    rm -f "$WORK/origin-a.down"
    tl ">>> UP: origin-a's down file removed"
    a_in() { [ "${HASTAT[origin-a]:-}" = UP ]; }
    if wait_for "$ROTATION_TIMEOUT" a_in; then
        tl "origin-a back in rotation: its LB endpoint answers ${LBCODE[origin-a]} ${LBWORD[origin-a]}, HAProxy marked it UP"
        poll; sa=${HASESS[origin-a]:-0}
        sleep 5
        poll
        note "in the next 5 s HAProxy sent origin-a $((${HASESS[origin-a]:-0} - sa)) requests"
        if [ "${PREV[origin-a:overall]:-}" != UP ]; then
            note "(while it was out of rotation the CDN could not reach origin-a either, so its cdn-traffic check may have left UP too)"
            a_up() { [ "${PREV[origin-a:overall]:-}" = UP ]; }
            wait_for "$RECOVER_TIMEOUT" a_up && tl "origin-a cdnguard UP again" || fail "origin-a's cdnguard did not return to UP within $RECOVER_TIMEOUT s"
        fi
    else
        fail "HAProxy did not put origin-a back in rotation within $ROTATION_TIMEOUT s"
    fi
fi

# ---- scenario 3: the gateway variant -------------------------------------------------------------
GW_DETECT_S=""
if [ "$SCENARIO" = all ] || [ "$SCENARIO" = gateway ]; then
    # a Netty gateway with cdnguard takes HAProxy's place; a second Varnish points at it, the driver
    # moves over, then the first Varnish stops: the origins see no gap in CDN traffic
    printf 'origin-a 127.0.0.1:%s\norigin-b 127.0.0.1:%s\n' "$P_A" "$P_B" >"$WORK/routes.txt"
    start_bg gateway "$WORK/gateway.log" "$JAVA" "${JOPTS[@]}" -cp "$NETTY_JAR" "$LAB_DIR/Gateway.java" \
        --port "$P_GW" --routes "$WORK/routes.txt" --expect-backends origin-a,origin-b --time-scale "$SCALE"
    TARGETS+=(gateway)
    ALIVE+=(gateway)
    gw_up() { [ "${LBCODE[gateway]:-}" = 200 ]; }
    QUIET=1 wait_for 120 gw_up || { fail "the gateway did not start within 120 s (see $WORK/gateway.log)"; exit 1; }
    sed -e "s/@LB_PORT@/$P_GW/g" -e "s/@TIME_SCALE@/$SCALE/g" "$LAB_DIR/lab.vcl.in" >"$WORK/lab-gateway.vcl"
    chmod 644 "$WORK/lab-gateway.vcl"
    VOPTS2=(-F -a "127.0.0.1:$P_CDN2" -f "$WORK/lab-gateway.vcl" -n "$WORK/varnish-gateway" -s malloc,64m -T none)
    [ "$(id -u)" -eq 0 ] || VOPTS2+=(-j none)
    start_bg varnish-gateway "$WORK/varnish-gateway.log" varnishd "${VOPTS2[@]}"
    varnish2_up() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$P_CDN2$(head -1 "$WORK/assets.txt")"; }
    QUIET=1 wait_for 30 varnish2_up || { fail "the second Varnish did not start within 30 s"; exit 1; }
    start_bg driver-gateway "$WORK/driver-gateway.log" bash "$LAB_DIR/driver.sh" "http://127.0.0.1:$P_CDN2" "$WORK/assets.txt" "$RATE" "$MAX_SECONDS" "$WORK/driver-gateway.log" "$WORK/driver-gateway.stop"
    touch "$WORK/driver.stop"
    sleep 2
    for n in driver varnish; do kill -TERM -- "-$(cat "$WORK/$n.pid")" 2>/dev/null; done
    ALIVE=(origin-a origin-b gateway varnish-gateway driver-gateway)
    tl "gateway variant: Varnish (:$P_CDN2) -> Netty gateway with cdnguard (:$P_GW, routes origin-a and origin-b, declared backends origin-a,origin-b) -> origins; HAProxy no longer in the path"
    wait_for 15 false || true
    unexpected_alarm origin-a origin-b gateway
    printf 'origin-a 127.0.0.1:%s\n' "$P_A" >"$WORK/routes.txt"
    GW_MS=$(now_ms)
    tl ">>> GATEWAY INCIDENT: the gateway reloads its routes from the canonical configuration; origin-b is not in it"
    gw_detected() { unexpected_alarm origin-a; check_of gateway missing-backend; [ -n "$CST" ] && [ "$CST" != UP ]; }
    if wait_for "$DETECT_TIMEOUT" gw_detected; then
        GW_DETECT_S=$((($(now_ms) - GW_MS) / 1000))
        tl "DETECTED: the gateway's missing-backend check is $CST ${GW_DETECT_S}s after the reload (about $((GW_DETECT_S * SCALE / 60)) lab minutes)"
    else
        fail "the gateway's missing-backend check did not fire within $DETECT_TIMEOUT s"
    fi
    printf 'origin-a 127.0.0.1:%s\norigin-b 127.0.0.1:%s\n' "$P_A" "$P_B" >"$WORK/routes.txt"
    tl ">>> FIX: the gateway's routes have origin-b again"
    gw_recovered() { unexpected_alarm origin-a; [ "${PREV[gateway:overall]:-}" = UP ] && [ "${PREV[origin-b:overall]:-}" = UP ]; }
    if wait_for "$RECOVER_TIMEOUT" gw_recovered; then
        tl "RECOVERED: the gateway and origin-b are UP again"
    else
        fail "the gateway / origin-b did not return to UP within $RECOVER_TIMEOUT s"
    fi
fi

# ---- summary -------------------------------------------------------------------------------------
touch "$WORK/driver.stop" "$WORK/driver-gateway.stop"
poll
tl "lab done: $(cat "$WORK"/driver*.log | wc -l) s of traffic, $(cat "$WORK"/driver*.log | awk '{ split($2,a,"="); split($3,b,"="); t += a[2] + b[2]; e += b[2] } END { printf "%d requests, %d errors", t, e }')"
echo
if [ ${#FAILURES[@]} -eq 0 ]; then
    msg="RESULT: PASS"
    [ -n "$DETECT_S" ] && msg+=" - cdnguard on origin-b detected the incident ${DETECT_S} s after the HAProxy reload (about $((DETECT_S * SCALE / 60)) lab min)"
    [ -n "$GW_DETECT_S" ] && msg+=" - the gateway's missing-backend fired ${GW_DETECT_S} s after its reload (about $((GW_DETECT_S * SCALE / 60)) lab min)"
    echo "$msg; total $(elapsed_s) s"
    exit 0
fi
echo "RESULT: FAIL"
for f in "${FAILURES[@]}"; do echo "  - $f"; done
exit 1
