#!/usr/bin/env bash
# Runs Plenum on its embedded defaults: SQLite in ./data and the local Docker engine (in
# Swarm mode). Installs whatever is missing first, then prints the address to open.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
cd "$(repo_root)"

ensure_web_toolchain
bash scripts/ensure-docker.sh
bash images/build.sh

# A debug build: it compiles in half the time of a release build and needs no wasm-opt.
say "building Plenum"
cargo leptos build

# The engine runs on the local Swarm. Its key for instance secrets is made once and kept in
# the data directory (losing it makes the stored secrets unreadable). This machine's Swarm has
# no IPVS, so services are reached by DNS round robin, and Plenum, on the host, checks entry
# services at their docker_gwbridge addresses. Every value can be overridden from outside.
data_dir="${PLENUM_DATA_DIR:-$PWD/data}"
mkdir -p "$data_dir"
if [ ! -s "$data_dir/secret.key" ]; then
  (umask 077 && head -c32 /dev/urandom | base64 >"$data_dir/secret.key")
fi
export PLENUM_DATA_DIR="$data_dir"
export PLENUM_ENGINE_ENABLED="${PLENUM_ENGINE_ENABLED:-true}"
export PLENUM_ENGINE_SECRET_KEY_FILE="${PLENUM_ENGINE_SECRET_KEY_FILE:-$data_dir/secret.key}"
export PLENUM_ENGINE_ENDPOINT_MODE="${PLENUM_ENGINE_ENDPOINT_MODE:-dnsrr}"
export PLENUM_ENGINE_ENTRY_ACCESS="${PLENUM_ENGINE_ENTRY_ACCESS:-bridge-address}"
export PLENUM_SITE_DIR="$PWD/target/site"
exec "$PWD/target/debug/plenum" serve
