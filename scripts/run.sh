#!/usr/bin/env bash
# Runs Plenum on its embedded defaults: SQLite in ./data and the local Docker engine (in
# Swarm mode). Installs whatever is missing first, then prints the address to open.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
cd "$(repo_root)"

ensure_web_toolchain --release
bash scripts/ensure-docker.sh
bash images/build.sh

say "building Plenum (release)"
cargo leptos build --release

export PLENUM_SITE_DIR="$PWD/target/site"
exec "$PWD/target/release/plenum" serve
