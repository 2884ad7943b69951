#!/usr/bin/env bash
# Runs every test of Plenum on a fresh Debian machine: installs what is missing (Debian
# packages, Rust targets, cargo-leptos, Docker in Swarm mode, a private PostgreSQL, the local
# test images, the npm peers of the SSO tests, moto's S3 server for the backup tests,
# Prometheus for the metrics test), builds the web app, then runs
# unit, integration (SQLite and PostgreSQL), engine (real Swarm) and browser (headless
# Chromium) tests.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/setup.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/postgres.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/moto.sh"
cd "$(repo_root)"

ensure_web_toolchain
apt_install chromium chromium-driver sqlite3 curl apache2 libapache2-mod-auth-openidc python3-aiosmtpd prometheus
ensure_test_postgres
ensure_moto
bash scripts/ensure-docker.sh
bash images/build.sh
# A 3-node Swarm of docker-in-docker containers for the multi-node tests (reused when it runs);
# exports PLENUM_TEST_SWARM_NODES.
source scripts/lib/test-swarm.sh
ensure_test_swarm

# Peers of the integration tests from the npm registry, each installed from its lock file
# (again only when that changed): samlify 2.12.0, the service provider library of OpenSlides
# 4's auth service (server/tests/saml), and oidc-provider, a certified OpenID provider
# (server/tests/upstream).
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm
for peer in server/tests/saml server/tests/upstream; do
  if ! cmp -s "$peer/package-lock.json" "$peer/node_modules/.plenum-installed-lock.json"; then
    say "installing the test peer in $peer (from its package-lock.json)"
    (cd "$peer" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$peer/package-lock.json" "$peer/node_modules/.plenum-installed-lock.json"
  fi
done

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
