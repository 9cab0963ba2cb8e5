#!/usr/bin/env bash
# Make sure a local Docker engine answers (idempotent; run as root).
#
# - Installs Debian's engine (docker.io) when `dockerd` is missing. A `docker` CLI alone
#   (e.g. /usr/local/bin/docker) is not an engine, so we look for `dockerd`.
# - Starts dockerd WITHOUT a bridge network (no private-range address is ever used; only
#   loopback traffic is allowed on CI machines): containers must use `--network host`.
# - Waits (bounded) until `docker info` answers; fails loudly with the log tail otherwise.
#
# Environment: DOCKERD_LOG (default /var/log/recoverable-dockerd.log),
#              DOCKERD_WAIT_SECONDS (default 60).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

log_file="${DOCKERD_LOG:-/var/log/recoverable-dockerd.log}"
wait_seconds="${DOCKERD_WAIT_SECONDS:-60}"

say() { printf '[docker-engine] %s\n' "$*"; }
die() { printf '[docker-engine] ERROR: %s\n' "$*" >&2; exit 1; }

# `docker info` prints the client section and exits 1 when no daemon answers.
engine_answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

if engine_answers; then
  say "engine already answers (server $(docker info --format '{{.ServerVersion}}'))"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root to install/start dockerd"

if ! command -v dockerd >/dev/null 2>&1; then
  say "dockerd missing: installing docker.io from Debian"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold docker.io
  command -v dockerd >/dev/null 2>&1 || die "docker.io installed but dockerd still not on PATH"
fi
command -v docker >/dev/null 2>&1 || die "no docker CLI on PATH"

# Start dockerd unless one is already running (e.g. still starting up from a previous run).
if pgrep -x dockerd >/dev/null 2>&1; then
  say "dockerd process already running (pid $(pgrep -x dockerd | tr '\n' ' ')); waiting for it"
else
  say "starting dockerd (no bridge, no iptables); log: $log_file"
  mkdir -p "$(dirname "$log_file")"
  # setsid + nohup: the daemon survives this script and its session/terminal.
  setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
    >>"$log_file" 2>&1 </dev/null &
fi

for ((i = 0; i < wait_seconds; i++)); do
  if engine_answers; then
    say "engine answers after ${i}s (server $(docker info --format '{{.ServerVersion}}'))"
    exit 0
  fi
  sleep 1
done

printf '[docker-engine] ERROR: engine did not answer within %ss. Last lines of %s:\n' \
  "$wait_seconds" "$log_file" >&2
tail -n 40 "$log_file" >&2 || true
exit 1
