#!/usr/bin/env bash
# The test command's maintenance silence: tests inject the very faults the alert rules of
# config/prometheus/rules.yml detect (poison messages, drifted caches, outbox rows, orphans) on
# purpose and clean them up themselves. While they run, the stack's Alertmanager must not hand
# those alerts to the stack's Rebound, which would recover the tests' fixtures under them.
#   start [WHO]  silences every alert of the rules file for at most 3 h; prints the silence id
#                (WHO: what injects the faults, for the comment; `npm test` unless given; the chaos
#                command passes `npm run chaos`)
#   end ID expires it (the test command does this on exit; the demo expires one left behind)
# Alerts of other names (an `amtool alert add` by hand, the delivery test) are not silenced.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/stack/lib.sh
load_config
AUTHOR=rebound-npm-test
am() { amtool --alertmanager.url="http://127.0.0.1:$REBOUND_ALERTMANAGER_PORT" "$@"; }

case "${1:-}" in
  start)
    names="$(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' config/prometheus/rules.yml | paste -sd '|')"
    [ -n "$names" ] || die "no alert rules found in config/prometheus/rules.yml"
    am silence add --author="$AUTHOR" --duration=3h \
      --comment="${2:-npm test} injects faults on purpose; expired when it ends" "alertname=~^(${names})\$"
    ;;
  end)
    [ -n "${2:-}" ] && am silence expire "$2" || true
    ;;
  *)
    echo "usage: $0 start | end <silence id>" >&2
    exit 2
    ;;
esac
