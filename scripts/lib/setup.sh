# Shared set-up steps for scripts/run.sh and scripts/test.sh: each installs what is missing
# and does nothing when it is already there. Source this file; do not run it.

# The cargo-leptos release that builds on stable Rust 1.95 (0.3.11 needs 1.97); it links
# wasm-bindgen 0.2.117, the version pinned in Cargo.toml.
CARGO_LEPTOS_VERSION=0.3.10
# The wasm-bindgen CLI matching the `wasm-bindgen` pin in Cargo.toml. cargo-leptos uses the one
# on the PATH; without it, it tries to download one from GitHub, which cannot work here.
WASM_BINDGEN_VERSION=0.2.117

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd; }

apt_updated=
# apt_install PACKAGE... : installs the Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_rust_targets() {
  local installed
  installed=$(rustup target list --installed)
  for target in wasm32-unknown-unknown "$@"; do
    grep -qx "$target" <<<"$installed" || { say "adding Rust target $target"; rustup target add "$target"; }
  done
}

# Build tools are installed without link-time optimisation: they are run, not shipped, and
# this halves their build time on two cores.
install_tool() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install "$1" --version "$2" --locked --quiet
}

ensure_cargo_leptos() {
  if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
    say "installing cargo-leptos $CARGO_LEPTOS_VERSION (a few minutes, once)"
    install_tool cargo-leptos "$CARGO_LEPTOS_VERSION"
  fi
}

ensure_wasm_bindgen() {
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
    install_tool wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
  fi
}

# The web app's toolchain: a C compiler for -sys crates, the WASM target and cargo-leptos.
# (A release build would also run wasm-opt; cargo-leptos would try to download it, which
# cannot work here: install Debian's `binaryen` first, which puts wasm-opt on the PATH.)
ensure_web_toolchain() {
  apt_install build-essential pkg-config
  ensure_rust_targets
  ensure_cargo_leptos
  ensure_wasm_bindgen
}
