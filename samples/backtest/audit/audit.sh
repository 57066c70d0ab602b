#!/usr/bin/env bash
# Detection audit: replays a transformed public trace through the backtest and scores it with the
# shared evaluator (docs/detection-audit.md has the tables this produced). Needs ../shared beside the
# repository (the public traces and tools/evaluate-backtest.py) and a built backtest jar.
#
#   samples/backtest/audit/audit.sh origin  NAME april4|normal [origin_variants.py options...]
#   samples/backtest/audit/audit.sh gateway NAME MODE START HOURS [gateway_variants.py options...] [--no-expect]
#
# Env: SHARED (default ../shared), WORK (default /tmp/cdnguard-audit), JAR (default the backtest jar).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
SHARED="${SHARED:-$repo/../shared}"
WORK="${WORK:-/tmp/cdnguard-audit}"
JAR="${JAR:-$repo/samples/backtest/target/cdnguard-backtest.jar}"
mkdir -p "$WORK"
trace() { # uncompressed public trace, made once
    local f="$WORK/public-$1.jsonl"
    [ -f "$f" ] || zcat "$SHARED/traces/public-$1.jsonl.gz" > "$f"
    echo "$f"
}
kind=$1; name=$2; shift 2
expect=()
case "$kind" in
    origin)
        base=$1; shift
        python3 "$here/origin_variants.py" "$(trace "$base")" "$SHARED/traces/public-$base.truth.json" \
            "$WORK/$name.jsonl" "$@" > "$WORK/$name.tx"
        ;;
    gateway)
        args=()
        expect=(--expect-backends asset-1,asset-2,asset-3,api-1,api-2)
        for a in "$@"; do
            if [ "$a" = --no-expect ]; then expect=(); else args+=("$a"); fi
        done
        python3 "$here/gateway_variants.py" "$name" "${args[@]}" --base "$(trace gateway-missing-backend)" \
            --truth "$SHARED/traces/public-gateway-missing-backend.truth.json" --out-dir "$WORK" > "$WORK/$name.tx"
        ;;
    *) echo "audit.sh: origin or gateway, not '$kind'" >&2; exit 2 ;;
esac
java -jar "$JAR" backtest "${expect[@]}" "$WORK/$name.jsonl" > "$WORK/$name.out" 2> "$WORK/$name.err"
python3 "$SHARED/tools/evaluate-backtest.py" --truth "$WORK/$name.truth.json" --transitions "$WORK/$name.out" | tail -4
rm -f "$WORK/$name.jsonl"
