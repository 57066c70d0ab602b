#!/usr/bin/env bash
# Checks and unit-tests the cdnguard Prometheus rules, the example Prometheus config and the
# Grafana dashboard's queries. Usage: bash samples/prometheus/test-rules.sh
# Needs promtool (Debian package "prometheus"; installed with apt-get when missing and run as root).
# Exits non-zero if any step fails; the last line is a one-line summary.
set -uo pipefail
cd "$(dirname "$0")"

have() { command -v "$1" >/dev/null 2>&1; }

if ! have promtool; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    echo "test-rules.sh: promtool missing, installing Debian package prometheus" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  fi
  if ! have promtool; then
    echo "test-rules.sh: FAILED: promtool not found (install Debian's 'prometheus' package, or run as root to let this script do it)"
    exit 2
  fi
fi

failed=()
step() { # step NAME COMMAND...: runs a command, prints its output, records a failure
  local name=$1; shift
  echo "== $name: $*"
  if "$@"; then echo "-- $name: ok"; else echo "-- $name: FAILED"; failed+=("$name"); fi
}

rules=cdnguard-rules.yml
tests=(cdnguard-rules.test.yml cdnguard-rules.weekly.test.yml)

step "check rules" promtool check rules "$rules"
step "check config" promtool check config prometheus.yml
step "unit tests" promtool test rules "${tests[@]}"

# Every alert must be exercised by the unit tests, both firing and silent.
alerts=$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$rules")
untested=()
for a in $alerts; do
  # a firing case has a non-empty exp_alerts list under the alertname, a silent one "exp_alerts: []"
  fires=$(awk -v a="$a" '$0 ~ "alertname: " a "$" {getline n; if (n !~ /\[\]/) print "y"}' "${tests[@]}" | head -1)
  silent=$(awk -v a="$a" '$0 ~ "alertname: " a "$" {getline n; if (n ~ /\[\]/) print "y"}' "${tests[@]}" | head -1)
  [ "$fires" = y ] && [ "$silent" = y ] || untested+=("$a")
done
echo "== coverage: every alert has a firing and a silent test case"
if [ ${#untested[@]} = 0 ]; then echo "-- coverage: ok"; else echo "-- coverage: FAILED: ${untested[*]}"; failed+=("coverage"); fi

# The dashboard: valid JSON, and every panel query is valid PromQL (checked by promtool as a rule).
queries=0
if have python3; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if python3 - grafana-dashboard.json "$tmp/dashboard-queries.yml" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
with open(sys.argv[2], "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(exprs):
        e = e.replace("$__rate_interval", "5m").replace("$instance", ".*")
        f.write("      - record: dashboard:query_%d\n        expr: %s\n" % (i, json.dumps(e)))
PY
  then
    queries=$(grep -c 'record:' "$tmp/dashboard-queries.yml")
    step "dashboard queries" promtool check rules "$tmp/dashboard-queries.yml"
  else
    echo "-- dashboard: FAILED (grafana-dashboard.json is not valid JSON)"; failed+=("dashboard json")
  fi
else
  echo "== dashboard: skipped (python3 not found)"
fi

nalerts=$(echo "$alerts" | wc -w)
if [ ${#failed[@]} = 0 ]; then
  echo "test-rules.sh: OK: $nalerts alerts checked and unit-tested (${#tests[@]} test files), prometheus.yml valid, $queries dashboard queries valid"
else
  echo "test-rules.sh: FAILED: ${failed[*]}"
  exit 1
fi
