#!/usr/bin/env bash
# The headless browser of the console tests (test/e2e/console): Debian's `chromium`, installed
# with apt-get when missing, the way the stack installs its Debian packages (scripts/stack/lib.sh).
# playwright-core drives it through its executable path; nothing is downloaded from a CDN.
set -euo pipefail
# shellcheck source=stack/lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/stack/lib.sh"
ensure_debian_packages chromium
[ -x /usr/bin/chromium ] || die "chromium is installed but /usr/bin/chromium is missing"
