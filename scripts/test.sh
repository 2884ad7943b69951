#!/usr/bin/env bash
# Runs every test of Plenum on a fresh Debian machine: installs what is missing (Debian
# packages, Rust targets, cargo-leptos, Docker in Swarm mode, a private PostgreSQL, the local
# test images), builds the web app, then runs unit, integration (SQLite and PostgreSQL),
# engine (real Swarm) and browser (headless Chromium) tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/postgres.sh"
cd "$(repo_root)"

ensure_web_toolchain
apt_install chromium chromium-driver sqlite3 curl apache2 libapache2-mod-auth-openidc
ensure_test_postgres
bash scripts/ensure-docker.sh
bash images/build.sh

say "checking formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

say "building the web app (server + WASM)"
cargo leptos build

# The browser tests run the binary cargo-leptos built together with the WASM bundle: a later
# plain `cargo test` rebuilds target/debug/plenum with other compiler flags, and its pages
# would no longer hydrate with this bundle.
mkdir -p target/e2e
cp target/debug/plenum target/e2e/plenum
export PLENUM_E2E_BIN="$PWD/target/e2e/plenum"
export PLENUM_E2E_SITE_DIR="$PWD/target/site"
say "running the tests"
cargo test --workspace --exclude frontend --no-fail-fast -- --test-threads="${PLENUM_TEST_THREADS:-2}"
