#!/usr/bin/env bash
# Make sure a local Docker engine runs and is a one-node Swarm manager.
#
# Idempotent: every step checks first and does nothing when already done.
#   1. installs Debian's docker.io when `dockerd` is missing;
#   2. starts `dockerd` in the background (log: /var/log/dockerd.log) when
#      `docker info` does not answer, and waits up to DOCKERD_WAIT_SECONDS (60);
#   3. runs `docker swarm init --advertise-addr 127.0.0.1` when the node is not
#      in an active Swarm.
#
# Usage: scripts/ensure-docker.sh        (as root, or via sudo)
# Env:   DOCKERD_LOG (default /var/log/dockerd.log)
#        DOCKERD_WAIT_SECONDS (default 60)
#        SWARM_ADVERTISE_ADDR (default 127.0.0.1)
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKERD_WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"
SWARM_ADVERTISE_ADDR="${SWARM_ADVERTISE_ADDR:-127.0.0.1}"

say() { printf '[ensure-docker] %s\n' "$*"; }
die() { printf '[ensure-docker] ERROR: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "must run as root (or with sudo available)"
    SUDO="sudo"
fi

# 1. Install Debian's docker.io if the daemon binary is missing.
if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ]; then
    say "dockerd not found: installing Debian's docker.io"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq || die "apt-get update failed"
    $SUDO apt-get install -y -qq docker.io >/dev/null || die "apt-get install docker.io failed"
    say "docker.io installed: $(dockerd --version 2>/dev/null || echo '?')"
else
    say "dockerd present: $(dockerd --version 2>/dev/null || echo '?')"
fi
command -v docker >/dev/null 2>&1 || die "the docker CLI is missing even though dockerd exists"

# 2. Start the daemon if it does not answer.
if docker info >/dev/null 2>&1; then
    say "docker daemon already answers"
else
    say "starting dockerd in the background (log: $DOCKERD_LOG)"
    DOCKERD_BIN="$(command -v dockerd || echo /usr/sbin/dockerd)"
    # containerd is started by dockerd itself when no system containerd runs.
    $SUDO sh -c "nohup '$DOCKERD_BIN' >>'$DOCKERD_LOG' 2>&1 </dev/null &"
    waited=0
    until docker info >/dev/null 2>&1; do
        if [ "$waited" -ge "$DOCKERD_WAIT_SECONDS" ]; then
            printf '[ensure-docker] last lines of %s:\n' "$DOCKERD_LOG" >&2
            tail -n 20 "$DOCKERD_LOG" >&2 || true
            die "dockerd did not answer 'docker info' within ${DOCKERD_WAIT_SECONDS}s (see $DOCKERD_LOG)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    say "docker daemon up after ${waited}s"
fi

# 3. Make this node a one-node Swarm manager.
state="$(docker info --format '{{.Swarm.LocalNodeState}}' 2>/dev/null || echo unknown)"
case "$state" in
    active)
        say "swarm already active (node $(docker info --format '{{.Swarm.NodeID}}'))"
        ;;
    inactive)
        say "initialising a one-node swarm (advertise $SWARM_ADVERTISE_ADDR)"
        docker swarm init --advertise-addr "$SWARM_ADVERTISE_ADDR" >/dev/null \
            || die "docker swarm init failed"
        say "swarm active (node $(docker info --format '{{.Swarm.NodeID}}'))"
        ;;
    pending|locked|error)
        die "swarm is in state '$state'; fix it by hand (e.g. 'docker swarm leave --force' then rerun)"
        ;;
    *)
        die "could not read the swarm state (got '$state')"
        ;;
esac
say "ready"
