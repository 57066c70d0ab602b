#!/bin/sh
# Regenerates docs/detection.md: simulates every scenario with fixed seeds, replays each through
# cdnguard's detection checks and writes the table (delay, t*, delay/t*, false alarms).
# Usage (from the repository root): samples/backtest/detection-table.sh [seeds, default 1,2]
set -e
cd "$(dirname "$0")/../.."
mvn -q -B -pl samples/backtest -am package -DskipTests
java -jar samples/backtest/target/cdnguard-backtest.jar table --seeds "${1:-1,2}" > docs/detection.md
echo "wrote docs/detection.md" >&2
