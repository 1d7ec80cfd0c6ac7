#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the status page's browser test (test/integration/
# status-page.test.ts drives /usr/bin/chromium through playwright-core; no browser download).
set -euo pipefail
[[ -x /usr/bin/chromium ]] && exit 0
# An index that fails to refresh may still hold it; the install fails loudly if not.
apt-get update -qq || echo "apt-get update failed; installing chromium from the current index" >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
