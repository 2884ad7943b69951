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

export PLENUM_SITE_DIR="$PWD/target/site"
exec "$PWD/target/debug/plenum" serve
