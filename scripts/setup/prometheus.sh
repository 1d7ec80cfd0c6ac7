#!/usr/bin/env bash
# Installs Debian's prometheus package for promtool, which test/monitoring checks and unit-tests the scrape
# config and alert rules in monitoring/ with. The package's own service is not needed: it is stopped.
set -euo pipefail
command -v promtool >/dev/null && exit 0
apt-get update -qq || echo "apt-get update failed; installing prometheus from the current index" >&2
# policy-rc.d 101 keeps the package's postinst from starting a Prometheus server on :9090.
policy=/usr/sbin/policy-rc.d
created=0
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus || status=$?
((created)) && rm -f "$policy"
exit "${status:-0}"
