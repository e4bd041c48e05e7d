#!/usr/bin/env bash
# npm run eval:robustness [-- validation|test]: builds the robustness suite from our own
# development patients of that split (default test; never training patients) if it is not there
# yet, and runs it through the shipped model and the display decision. The table goes to
# models/robustness-<split>.md. Needs the CirCor data: AUSCULTA_CIRCOR_DIR or ../shared/data/circor.
set -euo pipefail
cd "$(dirname "$0")/.."
split="${1:-test}"
data="${AUSCULTA_CIRCOR_DIR:-../shared/data/circor}"
if [ ! -d "$data" ]; then
  echo "eval:robustness needs the CirCor data: set AUSCULTA_CIRCOR_DIR" \
    "(e.g. AUSCULTA_CIRCOR_DIR=../shared/data/circor npm run eval:robustness)" >&2
  exit 2
fi
suite="${AUSCULTA_ROBUSTNESS_DIR:-.cache/robustness-$split}"
if [ ! -f "$suite/manifest.json" ] || grep -q '"complete": false' "$suite/manifest.json"; then
  echo "building the $split robustness suite in $suite"
  PYTHONPATH=. /usr/bin/python3 -m models.training.robustness --data "$data" --split "$split" --variant full --out "$suite"
fi
node bin/ausculta.js robustness "$suite" --report "models/robustness-$split.md"
