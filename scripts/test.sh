#!/usr/bin/env bash
# Runs every test of cdnguard: unit, property, stress, real-container (Jetty 12, Tomcat 11),
# real-socket (Netty) and exposition tests checked by the real consumer (promtool).
#
# Installs what the tests need where it is missing (Debian packages; needs root for that):
#   - a JDK 17+ and Maven, to build;
#   - promtool (Debian package "prometheus"), for `promtool check metrics` on our output.
# Extra arguments go to Maven, e.g. scripts/test.sh -pl cdnguard-core
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1; }

apt_updated=0
apt_install() {
  if [ "$(id -u)" != 0 ] || ! have apt-get; then
    echo "test.sh: cannot install $* (needs root and apt-get); tests that need it will say so" >&2
    return 0
  fi
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

have java && have javac || apt_install openjdk-17-jdk-headless
have mvn || apt_install maven
have promtool || apt_install prometheus

echo "test.sh: $(java -version 2>&1 | head -1); $(mvn -v 2>/dev/null | head -1); promtool: $(command -v promtool || echo missing)"

# install (not just verify) so the sample jars land in samples/*/target/ for the README's first command.
mvn -B -ntp install "$@"

# Smoke pass of the JMH suite: every benchmark once, no timing asserted, so the suite never rots.
bash benchmarks/smoke.sh

# Alert rules for a fleet: promtool check rules + promtool test rules.
bash samples/prometheus/test-rules.sh
