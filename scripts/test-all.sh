#!/usr/bin/env bash
# Installs everything the test suite needs on Debian 12 (apt packages, npm dependencies, the
# native addon), builds the app and runs the whole suite. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t packages < <(grep -v '^\s*#' scripts/apt-packages.txt | grep -v '^\s*$')
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Electron's binary and onnxruntime's CUDA files are downloads from outside the npm registry.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1 ONNXRUNTIME_NODE_INSTALL=skip
npm ci --no-audit --no-fund

npm run typecheck
npm run lint
npm run build
# The whole-dataset tests (tests/helpers/circor-dataset.ts) read the CirCor development set from
# AUSCULTA_CIRCOR_DIR; where it is unset, our machines and CI have it beside the clone.
if [ -z "${AUSCULTA_CIRCOR_DIR:-}" ] && [ -d ../shared/data/circor ]; then
  AUSCULTA_CIRCOR_DIR="$(cd ../shared/data/circor && pwd)"
  export AUSCULTA_CIRCOR_DIR
  echo "Whole-dataset tests: AUSCULTA_CIRCOR_DIR=$AUSCULTA_CIRCOR_DIR (../shared/data/circor, found beside the repository)"
elif [ -z "${AUSCULTA_CIRCOR_DIR:-}" ]; then
  echo "Whole-dataset tests: skipped (AUSCULTA_CIRCOR_DIR unset, no ../shared/data/circor; set it to a CirCor folder to run them)"
else
  echo "Whole-dataset tests: AUSCULTA_CIRCOR_DIR=$AUSCULTA_CIRCOR_DIR"
fi
mkdir -p test-results
status=0
npx vitest run --reporter=default --reporter=json --outputFile=test-results/vitest.json || status=$?
node scripts/print-test-summary.js test-results/vitest.json
exit $status
