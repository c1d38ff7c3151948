#!/usr/bin/env bash
# Browser test of the HTML report: makes sure Debian's chromium is installed,
# then runs report/browser_test.go, which renders every page kind (a single
# run, a run against a baseline in light and dark, 2,000 cases, a trend page,
# a model workload, an energy-analysis page, --assets cdn offline), loads
# each in headless chromium with the network blocked and checks that the
# page script finished with no JavaScript error, every chart drawn and not
# blank, and, as a reader would: every chart shows a tooltip, every table
# sorts by a header click, every legend swatch has its series' colour.
#
# The Go test skips where chromium is absent; here chromium must be present,
# so a skipped test fails this script.
set -euo pipefail
cd "$(dirname "$0")/.."

find_chromium() {
  if [ -n "${CHROMIUM:-}" ]; then
    echo "$CHROMIUM"
    return
  fi
  local c
  for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null; then
      command -v "$c"
      return
    fi
  done
}

bin=$(find_chromium)
if [ -z "$bin" ]; then
  echo "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  # Try without refreshing the package lists first; refresh once if needed.
  if ! apt-get install -y --no-install-recommends chromium; then
    apt-get update
    apt-get install -y --no-install-recommends chromium
  fi
  bin=$(find_chromium)
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "chromium is not installed and could not be installed" >&2
  exit 1
fi
export CHROMIUM="$bin"
"$CHROMIUM" --version || true

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
go test -run Browser -count=1 -v ./report/ 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "browser tests failed" >&2
  exit "$rc"
fi
if grep -q -- '--- SKIP' "$log"; then
  echo "browser tests skipped, but chromium ($CHROMIUM) must run them here" >&2
  exit 1
fi
passed=$(grep -c -- '^--- PASS: TestBrowser' "$log" || true)
if [ "$passed" -lt 6 ]; then
  echo "only $passed browser tests passed, want 6" >&2
  exit 1
fi
echo "browser tests passed: $passed"
