#!/bin/bash
# The POP-loss rows and the false-alarm variants of docs/detection-audit.md, in one run:
# a 40 % POP loss on the public `normal` trace at four times, as Cloudflare (its own POP keys),
# CloudFront edge hosts and Fastly, then seven variants of `normal` that must stay quiet.
# Needs ../shared beside the repository and a built backtest jar.
# Env: JAR (default the backtest jar), WORK (default /tmp/cdnguard-audit/pop-loss), SHARED.
set -u
repo="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$repo"
export JAR="${JAR:-$repo/samples/backtest/target/cdnguard-backtest.jar}"
export WORK="${WORK:-/tmp/cdnguard-audit/pop-loss}" SHARED="${SHARED:-$repo/../shared}"
mkdir -p "$WORK"
row() { # name start hours
  for cdn in cloudflare cloudfront-edges fastly; do
    extra=(); [ "$cdn" != cloudflare ] && extra=(--cdn "$cdn")
    echo "== $1-$cdn"
    samples/backtest/audit/audit.sh origin "$1-$cdn" normal --pop-loss 0.4 --pop-loss-at "$2" --pop-loss-hours "$3" "${extra[@]}" 2>&1 | grep -E 'SCORE' | tail -1
    rm -f "$WORK/$1-$cdn.jsonl"
  done
}
row sat18 2022-05-07T18:00:00Z 4
row wed14 2022-05-11T14:00:00Z 4
row spike 2022-05-14T18:00:00Z 4
row sun02 2022-05-15T02:00:00Z 6
for v in "--cdn cloudfront-edges --weekdup" "--cdn cloudflare --weekdup" "--cdn fastly" "--cdn akamai-pop" "--thin 0.5" "--cdn cloudfront-edges" "--dup 3"; do
  n=fa$(echo "$v" | tr -d ' -.')
  echo "== $n"
  samples/backtest/audit/audit.sh origin "$n" normal $v 2>&1 | grep -E 'SCORE' | tail -1
  rm -f "$WORK/$n.jsonl"
done
