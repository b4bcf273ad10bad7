#!/bin/bash
# The suggestions step's seconds, before and after a change, on one county's inbox (issue 22):
# fresh data roots (the inbox hard-linked), `flows.cli run` for 2026Q2 then 2026Q3, the step's
# seconds from each run's manifest. Run it alternately (old, new, old, new) to see the noise.
#
#   git worktree add /tmp/old <commit before the change>
#   bench/compare_suggestions_time.sh /tmp/old  /tmp/measure/mistyped a
#   bench/compare_suggestions_time.sh .         /tmp/measure/mistyped a
set -euo pipefail
code=$(cd "$1" && pwd); county=$2; tag=${3:-a}
repo=$(cd "$(dirname "$0")/.." && pwd)
root=/tmp/suggestions_time_$(basename "$code")_$tag
rm -rf "$root"; mkdir -p "$root"; cp -al "$county/inbox" "$root/inbox"
for q in 2026Q2 2026Q3; do
  (cd "$code" && "$repo/.venv/bin/python" -m flows.cli run --data-root "$root" --quarter $q >/dev/null 2>&1)
  "$repo/.venv/bin/python" -c "import json; m = json.load(open('$root/out/$q/manifest.json')); print('$code', '$q', m['timings_seconds']['suggestions'])"
done
