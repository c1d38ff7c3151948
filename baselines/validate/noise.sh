#!/usr/bin/env bash
# noise.sh: a background load that changes over time, for validating
# regression-check (regression-check --validate) the way a shared CI runner
# behaves: stress-ng's CPU, memory and cache stressors switched on and off
# at random, for random durations, for at most SECONDS seconds in all.
#
#   baselines/validate/noise.sh [SECONDS]   (default 3600)
#
# Each phase runs one stress-ng instance with --timeout, so nothing outlives
# its phase; on exit, Ctrl-C or TERM the running instance is stopped (by its
# process id) before the script ends. Installs stress-ng from Debian when it
# is missing (needs root or sudo). Prints one line per phase to stderr.
set -euo pipefail

total=${1:-3600}
if ! command -v stress-ng >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends stress-ng >/dev/null
fi

child=""
cleanup() {
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Phases: a stressor set (one worker each, so a 2-core machine keeps a core
# for the benchmarks at least part of the time) or a quiet phase.
phases=(
  "quiet"
  "--cpu 1 --cpu-load 100"
  "--cpu 1 --cpu-load 50"
  "--vm 1 --vm-bytes 512M --vm-keep"
  "--cache 1"
  "--stream 1"
  "--cpu 1 --cpu-load 70 --cache 1"
  "--matrix 1"
)

start=$(date +%s)
while :; do
  left=$(( total - ($(date +%s) - start) ))
  [ "$left" -gt 0 ] || break
  dur=$(( 5 + RANDOM % 36 ))          # 5-40 s per phase
  [ "$dur" -le "$left" ] || dur=$left
  p=${phases[RANDOM % ${#phases[@]}]}
  printf 'noise: %s for %ds (load %s)\n' "$p" "$dur" "$(cut -d' ' -f1 /proc/loadavg 2>/dev/null)" >&2
  if [ "$p" = quiet ]; then
    sleep "$dur" & child=$!
  else
    # shellcheck disable=SC2086 # the phase is a list of flags
    stress-ng $p --timeout "${dur}s" --quiet & child=$!
  fi
  wait "$child" || true
  child=""
done
