#!/usr/bin/env bash
# Detection sweep: the simulator's own scenarios over seeds and CDNs, each simulated, backtested and
# scored with the shared evaluator (docs/detection-audit.md, "Session 7"). Needs ../shared beside the
# repository (tools/evaluate-backtest.py) and a built backtest jar. One SCORE line per run on stdout.
#
#   samples/backtest/audit/sweep.sh                    # the 80 runs of the table
#   samples/backtest/audit/sweep.sh partial-drop 3 akamai   # one run
#
# Env: SHARED (default ../shared), WORK (default /tmp/cdnguard-sweep), JAR (default the backtest jar).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
SHARED="${SHARED:-$repo/../shared}"
WORK="${WORK:-/tmp/cdnguard-sweep}"
JAR="${JAR:-$repo/samples/backtest/target/cdnguard-backtest.jar}"
mkdir -p "$WORK"

one() { # scenario seed cdn
    local n="$1-$2-$3" exp=()
    java -jar "$JAR" simulate --scenario "$1" --seed "$2" --cdn "$3" --out "$WORK/$n.jsonl.gz" > /dev/null 2>&1
    case "$1" in
        gateway-*|silent-backend|route-class-*)
            exp=(--expect-backends "$(python3 -c "import json,sys; print(','.join(json.load(open(sys.argv[1]))['expected_backends']))" "$WORK/$n.truth.json")") ;;
    esac
    java -jar "$JAR" backtest "${exp[@]}" "$WORK/$n.jsonl.gz" > "$WORK/$n.out" 2> "$WORK/$n.err"
    echo "$n $(python3 "$SHARED/tools/evaluate-backtest.py" --truth "$WORK/$n.truth.json" --transitions "$WORK/$n.out" | grep SCORE)"
    rm -f "$WORK/$n.jsonl.gz"
}

if [ $# -eq 3 ]; then
    one "$@"
    exit
fi
for cdn in cloudfront cloudflare fastly akamai; do
    for seed in 3 4 5 6 7; do one normal "$seed" "$cdn"; done
    for seed in 3 4 5; do
        for sc in april4 partial-drop small-site april4-probes; do one "$sc" "$seed" "$cdn"; done
    done
done
for seed in 3 4 5; do
    for sc in gateway-no-backend silent-backend route-class-silent route-class-normal; do one "$sc" "$seed" cloudfront; done
done
