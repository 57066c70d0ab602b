#!/usr/bin/env bash
# cdnguard lab traffic driver: requests assets through the CDN (Varnish) at a steady rate.
#
#   driver.sh BASE_URL ASSET_LIST RATE_PER_S MAX_SECONDS LOG_FILE [STOP_FILE]
#
# Every second it fetches the next RATE_PER_S paths of ASSET_LIST (one path per line, cycled in
# order, so every asset is requested at the same rate) with one curl process, spread over the
# second (curl --rate), and appends one line per second to LOG_FILE:
#   <epoch seconds> ok=<2xx/3xx> err=<other> hit=<cache hits> miss=<cache misses>
# It stops after MAX_SECONDS, or as soon as STOP_FILE exists. Loopback only by intent: lab.sh gives
# it http://127.0.0.1:PORT.
set -u
base=${1:?base url} list=${2:?asset list} rate=${3:?rate per second} max=${4:?max seconds} log=${5:?log file}
stop=${6:-}
case "$rate" in ''|*[!0-9]*) echo "driver: rate must be a positive integer: $rate" >&2; exit 2 ;; esac
case "$max" in ''|*[!0-9]*) echo "driver: max seconds must be a positive integer: $max" >&2; exit 2 ;; esac
[ "$rate" -ge 1 ] && [ "$rate" -le 500 ] || { echo "driver: rate must be 1..500: $rate" >&2; exit 2; }
mapfile -t assets < <(grep -v '^[[:space:]]*$' "$list")
n=${#assets[@]}
[ "$n" -gt 0 ] || { echo "driver: no assets in $list" >&2; exit 2; }

rate_opt=()
if curl --help all 2>/dev/null | grep -q -- '--rate'; then
    rate_opt=(--rate "${rate}/s")
fi

next=0
start=$(date +%s)
end=$((start + max))
while :; do
    now=$(date +%s)
    [ "$now" -lt "$end" ] || break
    [ -n "$stop" ] && [ -e "$stop" ] && break
    urls=()
    for ((i = 0; i < rate; i++)); do
        urls+=(-o /dev/null "$base${assets[next]}")
        next=$(((next + 1) % n))
    done
    # one curl per second, bounded in time; its summary line is written when it ends
    (
        out=$(curl -s --max-time 3 --connect-timeout 1 "${rate_opt[@]}" \
            -w '%{http_code} %header{x-lab-cache}\n' "${urls[@]}" 2>/dev/null)
        awk -v t="$now" '{ if ($1 ~ /^[23]/) ok++; else err++; if ($2 == "HIT") hit++; else if ($2 == "MISS") miss++ }
            END { printf "%s ok=%d err=%d hit=%d miss=%d\n", t, ok, err, hit, miss }' <<<"$out" >>"$log"
    ) &
    # sleep to the next whole second
    sleep "$(awk -v n="$(date +%s.%N)" 'BEGIN { s = 1 - (n - int(n)); if (s < 0.05) s += 1; printf "%.3f", s }')"
done
wait
