#!/usr/bin/env bash
# Runs every test of cdnguard: unit, property, stress, real-container (Jetty 12, Tomcat 11),
# real-socket (Netty) and exposition tests checked by the real consumer (promtool), then the
# incident lab: real Varnish -> real HAProxy -> both sample origins (samples/lab, about 3 minutes).
#
# Installs what the tests need where it is missing (Debian packages; needs root for that):
#   - a JDK 17+ and Maven, to build;
#   - promtool (Debian package "prometheus"), for `promtool check metrics` on our output;
#   - varnish and haproxy, for the incident lab (samples/lab/lab.sh installs them itself).
# Extra arguments go to Maven, e.g. scripts/test.sh -pl cdnguard-core (the lab then does not run:
# it needs the sample jars of a whole build). CDNGUARD_LAB=0 skips the lab explicitly.
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

# Whether varnishd and haproxy are on PATH (Debian puts them in /usr/sbin).
lab_servers_installed() { have varnishd && have haproxy; }

# The incident lab: Varnish as the CDN, HAProxy as the load balancer health-checking
# /cdnguard/health/lb, the Netty and the Jetty sample origins; it replays the April-4 failure and
# fails (exit 1) when cdnguard does not detect it in time or HAProxy does not follow the LB endpoint.
if [ "$#" -gt 0 ] || [ "${CDNGUARD_LAB:-1}" = 0 ]; then
  echo "test.sh: incident lab skipped (${CDNGUARD_LAB:+CDNGUARD_LAB=$CDNGUARD_LAB, }Maven arguments: ${*:-none})"
elif [ "${CI:-}" != true ] && [ "$(id -u)" != 0 ] && ! PATH="$PATH:/usr/sbin" lab_servers_installed; then
  # As for promtool: a run that cannot install the lab's servers says so; CI (root) always runs it.
  echo "test.sh: incident lab SKIPPED: varnish/haproxy are missing and installing them needs root (sudo scripts/test.sh runs it)" >&2
else
  timeout 900 bash samples/lab/lab.sh
  echo "test.sh: incident lab passed"
fi
