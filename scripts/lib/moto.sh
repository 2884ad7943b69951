# moto's S3 server (PyPI `moto[server]`), the real S3 API the backup tests store into.
# Sourced by scripts/test.sh after scripts/lib/setup.sh.

# Version installed into the test tools' virtual environment.
MOTO_VERSION="5.1.18"
MOTO_VENV="${PLENUM_TEST_TOOLS:-/opt/plenum-test}/moto-$MOTO_VERSION"

# Installs moto's server into its own virtual environment (once) and exports
# PLENUM_TEST_MOTO_SERVER, the program the tests start.
ensure_moto() {
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    say "installing moto $MOTO_VERSION (S3 API for the backup tests) into $MOTO_VENV"
    python3 -m venv --help >/dev/null 2>&1 || apt_install python3-venv
    rm -rf "$MOTO_VENV"
    python3 -m venv "$MOTO_VENV" || { apt_install python3-venv && python3 -m venv "$MOTO_VENV"; }
    "$MOTO_VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  fi
  export PLENUM_TEST_MOTO_SERVER="$MOTO_VENV/bin/moto_server"
}
