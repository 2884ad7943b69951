# A private PostgreSQL server for the test suite, from Debian's packages, listening on
# 127.0.0.1:${PLENUM_TEST_PG_PORT:-55432} with its data under /var/tmp. Source this file.

ensure_test_postgres() {
  apt_install postgresql
  local port=${PLENUM_TEST_PG_PORT:-55432}
  local data=/var/tmp/plenum-test-pg
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if ! runuser -u postgres -- "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    if [ ! -f "$data/PG_VERSION" ]; then
      say "creating the test PostgreSQL cluster in $data"
      rm -rf "$data" && mkdir -p "$data" && chown postgres:postgres "$data"
      runuser -u postgres -- "$bin/initdb" -D "$data" -A trust -U postgres >/dev/null
    fi
    say "starting the test PostgreSQL on 127.0.0.1:$port"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=/tmp -c fsync=off -c max_connections=300" start >/dev/null
  fi
  export PLENUM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}
