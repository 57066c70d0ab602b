#!/usr/bin/env bash
# The main job: builds cdnguard and replays the April-4 incident (a CDN that silently stops
# fetching from one asset server on a Sunday night) through the real checks on simulated time,
# printing when each check fired against the 18 hours it took in reality.
#
# Installs a JDK 17+ and Maven where missing (Debian packages; needs root).
# Arguments go to the demo, e.g. scripts/demo.sh --seed 7
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }
if ! { have java && have javac && have mvn; }; then
  if [ "$(id -u)" = 0 ] && have apt-get; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null
  else
    echo "demo.sh: needs a JDK 17+ and Maven on PATH" >&2
    exit 1
  fi
fi

mvn -B -ntp -q install -DskipTests
exec java -jar samples/backtest/target/cdnguard-backtest.jar demo "$@"
