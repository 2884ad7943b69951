#!/usr/bin/env bash
# Build the Docker images Plenum's tests and local default use, without any registry.
#
# Usage: images/build.sh [--force] [IMAGE...]
#   IMAGE: demo-app | postgres | caddy | busybox | swarm-node   (default: all of them)
#   --force: rebuild the images even when they are up to date (the cached
#            Debian root file systems are still reused).
#
# Images (all built locally; nothing is pulled):
#   plenum/demo-app:1.0, :1.1  FROM scratch + the static musl demo-app binary,
#                              APP_VERSION=<tag>, runs as uid 65534, port 8080
#   plenum/demo-app:broken     same binary, entrypoint `/demo-app --fail-at-start`:
#                              exits 1 at once (for rollback tests; its `migrate` works)
#   plenum/demo-app:bad-migration  same binary, entrypoint `/demo-app --fail-migration`:
#                              serves, but its `migrate` exits 1 (failed-migration tests)
#   plenum/postgres:15         Debian bookworm minbase + postgresql-15 and curl (for the
#                              demo's backup jobs), entrypoint
#                              images/postgres/plenum-postgres-entrypoint
#   plenum/caddy:2.6           Debian bookworm minbase + caddy 2.6 + ca-certificates,
#                              ENTRYPOINT ["caddy"], CMD run with images/caddy/Caddyfile
#   plenum/busybox:1           FROM scratch + Debian's busybox-static with applet links,
#                              CMD ["sh"], STOPSIGNAL SIGKILL
#   plenum/swarm-node:1        Debian bookworm minbase + docker.io: one dockerd node of
#                              the multi-node test Swarm (scripts/lib/test-swarm.sh),
#                              entrypoint images/swarm-node/plenum-swarm-node-entrypoint
#
# See images/README.md for the environment contracts of the images.
#
# Caching: every image carries the label org.plenum.build-hash, a hash of its
# recipe (Dockerfile) and inputs (demo-app sources, entrypoint scripts, the
# busybox binary, the root file system recipe). An image whose label matches is
# skipped; otherwise it is rebuilt and the tag moves. The debootstrap root file
# systems are cached as tarballs under $PLENUM_IMAGE_CACHE (default
# /var/cache/plenum-images/rootfs), so a rebuild after `docker image rm` takes
# seconds instead of minutes. Runs of this script are serialised with flock.
#
# Environment:
#   PLENUM_IMAGE_CACHE  cache directory (default /var/cache/plenum-images)
#   CARGO_TARGET_DIR    cargo target dir for the musl build (default <repo>/target/images)
#   DEBIAN_MIRROR       Debian mirror for debootstrap (default: the one apt uses)
#
# Needs: root (apt-get, debootstrap), a running Docker engine (scripts/ensure-docker.sh),
# cargo/rustup. Missing Debian tools (debootstrap, busybox-static, musl-tools) and
# the rustup target x86_64-unknown-linux-musl are installed on first use.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGES_DIR="$REPO/images"
CACHE_DIR="${PLENUM_IMAGE_CACHE:-/var/cache/plenum-images}"
ROOTFS_DIR="$CACHE_DIR/rootfs"
LOG_DIR="$CACHE_DIR/logs"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target/images}"
MUSL_TARGET=x86_64-unknown-linux-musl
SUITE=bookworm
HASH_LABEL=org.plenum.build-hash
# The legacy builder needs neither buildx nor a registry (FROM scratch only).
export DOCKER_BUILDKIT=0

ALL_IMAGES=(demo-app postgres caddy busybox swarm-node)
FORCE=0
REQUESTED=()
SUMMARY=()
CLEANUP_PATHS=()

log() { printf '[build-images] %s\n' "$*"; }
die() {
    printf '[build-images] ERROR: %s\n' "$*" >&2
    exit 1
}
cleanup() {
    local p
    for p in "${CLEANUP_PATHS[@]+"${CLEANUP_PATHS[@]}"}"; do
        rm -rf -- "$p"
    done
}
trap cleanup EXIT
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
    case "$1" in
        --force) FORCE=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        demo-app | postgres | caddy | busybox | swarm-node) REQUESTED+=("$1") ;;
        *)
            usage >&2
            die "unknown argument: $1"
            ;;
    esac
    shift
done
[ ${#REQUESTED[@]} -gt 0 ] || REQUESTED=("${ALL_IMAGES[@]}")

wants() {
    local i
    for i in "${REQUESTED[@]}"; do [ "$i" = "$1" ] && return 0; done
    return 1
}

now_ms() { date +%s%3N; }
elapsed() { # start_ms -> "12.3s"
    local ms=$(($(now_ms) - $1))
    printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# ---------------------------------------------------------------- prerequisites

APT_UPDATED=0
apt_install() { # packages...
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    if [ "$APT_UPDATED" = 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || die "apt-get update failed"
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || die "apt-get install ${missing[*]} failed"
}

check_prerequisites() {
    command -v docker >/dev/null 2>&1 || die "docker CLI missing: run scripts/ensure-docker.sh first"
    docker info >/dev/null 2>&1 || die "the Docker daemon does not answer: run scripts/ensure-docker.sh first"
    if wants postgres || wants caddy || wants swarm-node; then
        [ "$(id -u)" -eq 0 ] || die "building postgres/caddy/swarm-node (debootstrap) needs root"
        apt_install debootstrap
    fi
    if wants busybox; then apt_install busybox-static; fi
    if wants demo-app; then
        apt_install musl-tools
        command -v cargo >/dev/null 2>&1 || die "cargo not found (install Rust with rustup)"
        if ! rustup target list --installed 2>/dev/null | grep -qx "$MUSL_TARGET"; then
            log "adding the rustup target $MUSL_TARGET"
            rustup target add "$MUSL_TARGET" || die "rustup target add $MUSL_TARGET failed"
        fi
    fi
}

# The Debian mirror apt uses for $SUITE (deb822 .sources first, then .list).
detect_mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then
        echo "$DEBIAN_MIRROR"
        return
    fi
    local f m=""
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        m="$(awk -v suite="$SUITE" 'BEGIN { RS = ""; FS = "\n" }
            {
                uris = ""; suites = ""; enabled = 1
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
                    if ($i ~ /^Suites:/) { sub(/^Suites:[ \t]*/, "", $i); suites = " " $i " " }
                    if ($i ~ /^Enabled:[ \t]*no/) enabled = 0
                }
                if (enabled && uris != "" && index(suites, " " suite " ") > 0) {
                    split(uris, u, " "); print u[1]; exit
                }
            }' "$f")"
        [ -n "$m" ] && break
    done
    if [ -z "$m" ]; then
        m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk -v suite="$SUITE" '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite) { print $i; exit }
            }')"
    fi
    echo "${m:-http://deb.debian.org/debian}"
}

# ---------------------------------------------------------------- helpers

sha() { sha256sum | cut -c1-64; }

# Hash of the files under a directory (paths and contents).
tree_hash() {
    (cd "$1" && find . -type f ! -path './target/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha
}

image_hash_label() {
    docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$1" 2>/dev/null || true
}

up_to_date() { # tag hash
    [ "$FORCE" = 0 ] && [ "$(image_hash_label "$1")" = "$2" ]
}

image_size() {
    local bytes
    bytes="$(docker image inspect --format '{{.Size}}' "$1" 2>/dev/null || echo 0)"
    awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1000000 }'
}

# Creates a scratch directory under the cache (removed on exit) in $NEW_TMPDIR.
# Not meant for $(...): the clean-up list must be extended in this shell.
new_tmpdir() { # prefix
    NEW_TMPDIR="$(mktemp -d "$CACHE_DIR/tmp.$1.XXXXXX")"
    CLEANUP_PATHS+=("$NEW_TMPDIR")
}

# docker build with the context directory $2 for tag $1; the Dockerfile is in
# the context. Removes the image the tag pointed to before, when now unused.
docker_build() {
    local tag="$1" ctx="$2" old new logf
    logf="$LOG_DIR/docker-build-${tag//[\/:]/_}.log"
    old="$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)"
    if ! docker build --force-rm -t "$tag" "$ctx" >"$logf" 2>&1; then
        tail -n 30 "$logf" >&2
        die "docker build of $tag failed (full log: $logf)"
    fi
    new="$(docker image inspect --format '{{.Id}}' "$tag")"
    if [ -n "$old" ] && [ "$old" != "$new" ]; then
        docker image rm "$old" >/dev/null 2>&1 || true
    fi
}

record() { # tag what time
    SUMMARY+=("$(printf '%-26s %-10s %8s  %s' "$1" "$2" "$3" "$(image_size "$1")")")
}

# ---------------------------------------------------------------- demo-app

DEMO_TAGS=(1.0 1.1 broken bad-migration)

demo_dockerfile() { # tag
    local version="$1" entrypoint='["/demo-app"]'
    case "$1" in
        broken) entrypoint='["/demo-app", "--fail-at-start"]' ;;
        bad-migration) entrypoint='["/demo-app", "--fail-migration"]' ;;
    esac
    cat <<EOF
FROM scratch
COPY demo-app /demo-app
ENV APP_VERSION=$version
EXPOSE 8080
USER 65534:65534
ENTRYPOINT $entrypoint
LABEL org.opencontainers.image.title="plenum demo-app" \\
      org.opencontainers.image.description="Plenum demo instance app (static musl binary, FROM scratch)"
EOF
}

build_demo_app() {
    local src_hash tag t0 bin ctx pending=() hashes=()
    src_hash="$(tree_hash "$IMAGES_DIR/demo-app")"
    for tag in "${DEMO_TAGS[@]}"; do
        local h
        h="$( (echo "$src_hash" && demo_dockerfile "$tag") | sha)"
        if up_to_date "plenum/demo-app:$tag" "$h"; then
            log "plenum/demo-app:$tag is up to date"
            record "plenum/demo-app:$tag" cached -
        else
            pending+=("$tag")
            hashes+=("$h")
        fi
    done
    [ ${#pending[@]} -gt 0 ] || return 0

    log "building the demo-app binary for $MUSL_TARGET (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    t0="$(now_ms)"
    CARGO_PROFILE_RELEASE_STRIP=true cargo build --quiet --release --target "$MUSL_TARGET" \
        -p demo-app --manifest-path "$REPO/Cargo.toml" || die "cargo build of demo-app failed"
    bin="$CARGO_TARGET_DIR/$MUSL_TARGET/release/demo-app"
    [ -x "$bin" ] || die "cargo did not produce $bin"
    if ldd "$bin" 2>&1 | grep -q '=>'; then
        die "$bin is dynamically linked; a FROM scratch image needs a static binary"
    fi
    log "demo-app binary built in $(elapsed "$t0")"
    SUMMARY+=("$(printf '%-26s %-10s %8s' "(cargo musl build)" built "$(elapsed "$t0")")")

    new_tmpdir demo-app
    ctx="$NEW_TMPDIR"
    cp "$bin" "$ctx/demo-app"
    local i
    for i in "${!pending[@]}"; do
        tag="${pending[$i]}"
        t0="$(now_ms)"
        log "building plenum/demo-app:$tag"
        {
            demo_dockerfile "$tag"
            echo "LABEL $HASH_LABEL=${hashes[$i]}"
        } >"$ctx/Dockerfile"
        docker_build "plenum/demo-app:$tag" "$ctx"
        log "plenum/demo-app:$tag built in $(elapsed "$t0")"
        record "plenum/demo-app:$tag" built "$(elapsed "$t0")"
    done
}

# ---------------------------------------------------------------- Debian root file systems

# Shared clean-up of a debootstrap root: package caches, lists, docs (except
# copyright files), man pages and translations.
rootfs_cleanup_common() { # root
    local root="$1"
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin \
        "$root"/var/lib/apt/lists/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
        "$root"/usr/share/locale/* "$root"/var/log/*.log "$root"/var/log/apt/* \
        "$root"/tmp/* "$root"/var/tmp/*
    find "$root/usr/share/doc" -type f ! -name copyright -delete
    find "$root/usr/share/doc" -depth -type d -empty -delete
    : >"$root/etc/machine-id"
}

rootfs_cleanup_postgres() { # root
    rootfs_cleanup_common "$1"
    # The package's postinst created a default cluster (15/main): the entrypoint
    # makes its own in $PGDATA.
    rm -rf "$1"/var/lib/postgresql/15 "$1"/etc/postgresql/15/main "$1"/var/log/postgresql/*
}

rootfs_cleanup_caddy() { # root
    rootfs_cleanup_common "$1"
}

rootfs_cleanup_swarm_node() { # root
    rootfs_cleanup_common "$1"
    # Created by the docker.io postinst; /var/lib/docker is a volume in the nodes.
    rm -rf "$1"/var/lib/docker/*
}

# Makes sure the root file system tarball for $1 exists; sets ROOTFS_TARBALL.
# $2: packages to include, $3: clean-up function.
ensure_rootfs() {
    local name="$1" include="$2" cleanup_fn="$3" key tarball work mirror t0 logf
    key="$( (echo "$SUITE minbase $include v1" && declare -f rootfs_cleanup_common "$cleanup_fn") | sha)"
    tarball="$ROOTFS_DIR/$name-$SUITE-${key:0:16}.tar"
    if [ -s "$tarball" ]; then
        log "reusing the cached root file system $tarball"
        ROOTFS_TARBALL="$tarball"
        return 0
    fi
    mirror="$(detect_mirror)"
    logf="$LOG_DIR/debootstrap-$name.log"
    log "debootstrap $SUITE (minbase + $include) from $mirror (log: $logf)"
    t0="$(now_ms)"
    new_tmpdir "rootfs-$name"
    work="$NEW_TMPDIR"
    if ! debootstrap --variant=minbase --include="$include" "$SUITE" "$work/root" "$mirror" \
        >"$logf" 2>&1; then
        tail -n 30 "$logf" >&2
        die "debootstrap for $name failed (full log: $logf)"
    fi
    "$cleanup_fn" "$work/root"
    tar --numeric-owner -C "$work/root" --exclude='./dev/*' --exclude='./proc/*' \
        --exclude='./sys/*' -cf "$tarball.tmp" . || die "cannot write $tarball"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$work"
    # Drop tarballs of older recipes for the same image.
    find "$ROOTFS_DIR" -maxdepth 1 -name "$name-$SUITE-*.tar" ! -path "$tarball" -delete
    log "root file system for $name ready in $(elapsed "$t0") ($(du -m "$tarball" | cut -f1) MB)"
    SUMMARY+=("$(printf '%-26s %-10s %8s' "(debootstrap $name)" built "$(elapsed "$t0")")")
    ROOTFS_TARBALL="$tarball"
}

# Builds tag $1 from the root file system of $2 plus the context files in the
# directory $3 (may be empty) and the Dockerfile body on stdin (which follows
# `FROM scratch` + `ADD rootfs.tar /`).
build_rootfs_image() { # tag name include cleanup_fn extra_dir
    local tag="$1" name="$2" include="$3" cleanup_fn="$4" extra="$5"
    local body key h t0 tarball ctx
    body="$(cat)"
    key="$( (echo "$SUITE minbase $include v1" && declare -f rootfs_cleanup_common "$cleanup_fn") | sha)"
    h="$( (echo "$key" && echo "$body" && { [ -z "$extra" ] || tree_hash "$extra"; }) | sha)"
    if up_to_date "$tag" "$h"; then
        log "$tag is up to date"
        record "$tag" cached -
        return 0
    fi
    t0="$(now_ms)"
    ensure_rootfs "$name" "$include" "$cleanup_fn"
    tarball="$ROOTFS_TARBALL"
    log "building $tag"
    local t1
    t1="$(now_ms)"
    new_tmpdir "ctx-$name"
    ctx="$NEW_TMPDIR"
    ln "$tarball" "$ctx/rootfs.tar" 2>/dev/null || cp "$tarball" "$ctx/rootfs.tar"
    if [ -n "$extra" ]; then
        cp -a "$extra"/. "$ctx/"
    fi
    {
        echo "FROM scratch"
        echo "ADD rootfs.tar /"
        echo "$body"
        echo "LABEL $HASH_LABEL=$h"
    } >"$ctx/Dockerfile"
    docker_build "$tag" "$ctx"
    rm -rf "$ctx"
    log "$tag built in $(elapsed "$t0") (docker build $(elapsed "$t1"))"
    record "$tag" built "$(elapsed "$t0")"
}

build_postgres() {
    build_rootfs_image plenum/postgres:15 postgres postgresql-15,curl rootfs_cleanup_postgres \
        "$IMAGES_DIR/postgres" <<'EOF'
COPY plenum-postgres-entrypoint /usr/local/bin/plenum-postgres-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data/pgdata \
    LANG=C.UTF-8
EXPOSE 5432
# SIGINT = fast shutdown (SIGTERM would wait for every client to disconnect).
STOPSIGNAL SIGINT
# Swarm reports the task running only once this passes: "running" means "accepting connections".
HEALTHCHECK --interval=2s --timeout=3s --start-period=120s --retries=3 \
    CMD ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]
ENTRYPOINT ["/usr/local/bin/plenum-postgres-entrypoint"]
LABEL org.opencontainers.image.title="plenum postgres" \
      org.opencontainers.image.description="PostgreSQL 15 from Debian bookworm packages (debootstrap minbase)"
EOF
}

build_caddy() {
    build_rootfs_image plenum/caddy:2.6 caddy caddy,ca-certificates rootfs_cleanup_caddy \
        "$IMAGES_DIR/caddy" <<'EOF'
COPY Caddyfile /etc/caddy/Caddyfile
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    XDG_CONFIG_HOME=/config \
    XDG_DATA_HOME=/data \
    LANG=C.UTF-8
WORKDIR /srv
EXPOSE 80 443 2019
ENTRYPOINT ["caddy"]
CMD ["run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile", "--resume"]
LABEL org.opencontainers.image.title="plenum caddy" \
      org.opencontainers.image.description="Caddy 2.6 from Debian bookworm packages (debootstrap minbase)"
EOF
}

build_swarm_node() {
    # Not --privileged: see the header of the entrypoint script.
    build_rootfs_image plenum/swarm-node:1 swarm-node docker.io,iptables,ca-certificates,procps,iproute2 \
        rootfs_cleanup_swarm_node "$IMAGES_DIR/swarm-node" <<'EOF'
COPY plenum-swarm-node-entrypoint /usr/local/bin/plenum-swarm-node-entrypoint
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
VOLUME /var/lib/docker
# Docker API (plain TCP), Swarm management, gossip, VXLAN overlay traffic.
EXPOSE 2375 2377 7946 7946/udp 4789/udp
ENTRYPOINT ["/usr/local/bin/plenum-swarm-node-entrypoint"]
LABEL org.opencontainers.image.title="plenum swarm-node" \
      org.opencontainers.image.description="dockerd (Debian bookworm docker.io) as a node of the multi-node test Swarm"
EOF
}

# ---------------------------------------------------------------- busybox

build_busybox() {
    local tag=plenum/busybox:1 bb=/bin/busybox h t0 ctx root body applet dir
    [ -x "$bb" ] || die "$bb missing (Debian package busybox-static)"
    if ldd "$bb" 2>&1 | grep -q '=>'; then
        die "$bb is dynamically linked; install busybox-static instead of busybox"
    fi
    # STOPSIGNAL SIGKILL: probes usually run `sleep N` as PID 1, which ignores
    # SIGTERM; without it every stop would wait Docker's full 10 s timeout.
    body='CMD ["sh"]
STOPSIGNAL SIGKILL
LABEL org.opencontainers.image.title="plenum busybox" \
      org.opencontainers.image.description="Debian busybox-static with applet links (note: its wget segfaults; use nc)"'
    h="$( (sha256sum <"$bb" && echo "$body" && "$bb" --list-full) | sha)"
    if up_to_date "$tag" "$h"; then
        log "$tag is up to date"
        record "$tag" cached -
        return 0
    fi
    t0="$(now_ms)"
    log "building $tag"
    new_tmpdir busybox
    ctx="$NEW_TMPDIR"
    root="$ctx/root"
    mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root"
    chmod 1777 "$root/tmp"
    cp "$bb" "$root/bin/busybox"
    while IFS= read -r applet; do
        case "$applet" in */*) ;; *) continue ;; esac
        [ "$applet" = bin/busybox ] && continue
        dir="$(dirname "$applet")"
        mkdir -p "$root/$dir"
        ln -sf /bin/busybox "$root/$applet"
    done < <("$bb" --list-full)
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
        >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$ctx/rootfs.tar" .
    rm -rf "$root"
    {
        echo "FROM scratch"
        echo "ADD rootfs.tar /"
        echo "$body"
        echo "LABEL $HASH_LABEL=$h"
    } >"$ctx/Dockerfile"
    docker_build "$tag" "$ctx"
    log "$tag built in $(elapsed "$t0")"
    record "$tag" built "$(elapsed "$t0")"
}

# ---------------------------------------------------------------- main

main() {
    local t0 name
    t0="$(now_ms)"
    mkdir -p "$CACHE_DIR" "$ROOTFS_DIR" "$LOG_DIR"
    # One build at a time (tests of several engineers may call this together).
    exec 9>"$CACHE_DIR/build.lock"
    if ! flock -n 9; then
        log "another build-images run holds $CACHE_DIR/build.lock; waiting"
        flock 9
    fi
    check_prerequisites
    for name in "${ALL_IMAGES[@]}"; do
        wants "$name" || continue
        case "$name" in
            demo-app) build_demo_app ;;
            postgres) build_postgres ;;
            caddy) build_caddy ;;
            busybox) build_busybox ;;
            swarm-node) build_swarm_node ;;
        esac
    done
    log "done in $(elapsed "$t0"):"
    printf '  %-26s %-10s %8s  %s\n' IMAGE STATUS TIME SIZE
    local line
    for line in "${SUMMARY[@]+"${SUMMARY[@]}"}"; do
        printf '  %s\n' "$line"
    done
}

main
