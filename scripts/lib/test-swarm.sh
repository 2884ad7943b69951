# shellcheck shell=bash
# A 3-node Docker Swarm for the multi-node tests, built on this one machine from
# docker-in-docker containers (image plenum/swarm-node:1 from images/build.sh). Source this
# file (after scripts/lib/setup.sh, for `say`); do not run it.
#
#   ensure_test_swarm     makes sure the Swarm runs and holds the test images; exports
#                         PLENUM_TEST_SWARM_NODES=tcp://127.0.0.1:23751 (the manager's API)
#   teardown_test_swarm   removes it (containers, their volumes, the network). Nothing calls
#                         it automatically; a developer can run
#                           bash -c 'source scripts/lib/setup.sh && source scripts/lib/test-swarm.sh && teardown_test_swarm'
#
# Layout: the bridge network plenum-test-swarm (172.31.250.0/24) on the host's Docker holds
# the containers plenum-test-node-1..3 (label plenum-test-swarm=1) at 172.31.250.11..13.
# Node 1 is the manager, nodes 2 and 3 are workers. Each node runs dockerd on
# tcp://172.31.250.1N:2375 (plain TCP; reachable from the host), and the manager's API is also
# published on 127.0.0.1:23751. Host-mode published ports of services
# (--publish mode=host,...) are reachable from the host at 172.31.250.1N:<port>. The nodes'
# local networks (docker0, docker_gwbridge) come from 172.31.<16*N>.0/20, the Swarm's overlay
# networks from 172.31.128.0/18, so nothing overlaps the host's networks or each other.
# What does not work (no IPVS in the kernel): the ingress routing mesh and VIP service
# addresses; use host-mode ports and --endpoint-mode dnsrr, as on the host's own Swarm.
#
# The nested Swarm has nothing to do with the host's one-node Swarm (scripts/ensure-docker.sh):
# its nodes are plain containers there. There is no registry: the test images are copied into
# every node with `docker save` + `docker load` (create services with
# --no-resolve-image).
#
# ensure_test_swarm is idempotent: when the three nodes run the current plenum/swarm-node:1
# and the manager lists three Ready nodes, the Swarm is reused (and only images whose ID
# differs from the host's are loaded again). Otherwise leftovers are removed and the Swarm is
# built anew (4-7 s, plus 25-35 s to load the images on a busy 2-core machine; a reused
# Swarm with current images takes under a second). Runs are serialised with flock.

TEST_SWARM_NAME=plenum-test-swarm
TEST_SWARM_LABEL=plenum-test-swarm=1
TEST_SWARM_SUBNET=172.31.250.0/24
TEST_SWARM_IP_PREFIX=172.31.250.1 # node N: ${TEST_SWARM_IP_PREFIX}N
TEST_SWARM_MANAGER_PORT=23751
TEST_SWARM_OVERLAY_POOL=172.31.128.0/18
TEST_SWARM_NODE_COUNT=3
TEST_SWARM_IMAGE=plenum/swarm-node:1
TEST_SWARM_IMAGES=(plenum/demo-app:1.0 plenum/demo-app:1.1 plenum/postgres:15 plenum/busybox:1)
TEST_SWARM_LOCK=/run/lock/plenum-test-swarm.lock

# The docker CLI against the nested Swarm's manager.
test_swarm_docker() { docker -H "tcp://127.0.0.1:$TEST_SWARM_MANAGER_PORT" "$@"; }

# The docker CLI against node N's own dockerd (over its bridge IP; faster than `docker exec`).
test_swarm_node_docker() {
  local n=$1
  shift
  docker -H "tcp://$TEST_SWARM_IP_PREFIX$n:2375" "$@"
}

test_swarm_node_name() { echo "plenum-test-node-$1"; }

ensure_test_swarm() {
  local rc=0
  mkdir -p "$(dirname "$TEST_SWARM_LOCK")"
  {
    flock 8
    _test_swarm_ensure_locked || rc=$?
  } 8>"$TEST_SWARM_LOCK"
  [ "$rc" -eq 0 ] || return "$rc"
  export PLENUM_TEST_SWARM_NODES="tcp://127.0.0.1:$TEST_SWARM_MANAGER_PORT"
}

teardown_test_swarm() {
  local rc=0
  mkdir -p "$(dirname "$TEST_SWARM_LOCK")"
  {
    flock 8
    _test_swarm_teardown || rc=$?
  } 8>"$TEST_SWARM_LOCK"
  return "$rc"
}

_test_swarm_ensure_locked() {
  local t0
  if _test_swarm_healthy; then
    say "reusing the 3-node test Swarm (plenum-test-node-1..3, manager tcp://127.0.0.1:$TEST_SWARM_MANAGER_PORT)"
  else
    if [ -n "$(docker ps -aq --filter "label=$TEST_SWARM_LABEL")" ]; then
      say "removing the incomplete or outdated test Swarm"
    fi
    _test_swarm_teardown || return 1
    say "creating the 3-node test Swarm (docker-in-docker containers plenum-test-node-1..3)"
    t0=$(date +%s%N)
    _test_swarm_create || return 1
    say "test Swarm ready in $(_test_swarm_since "$t0")"
  fi
  _test_swarm_load_images || return 1
}

# Seconds since a `date +%s%N` value, e.g. "4.2s".
_test_swarm_since() {
  local ms=$((($(date +%s%N) - $1) / 1000000))
  printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}

# True when all nodes run the current node image and the manager sees them all Ready.
_test_swarm_healthy() {
  local image n names=() states
  image=$(docker image inspect -f '{{.Id}}' "$TEST_SWARM_IMAGE" 2>/dev/null) || return 1
  for n in $(seq 1 "$TEST_SWARM_NODE_COUNT"); do names+=("$(test_swarm_node_name "$n")"); done
  states=$(docker inspect -f '{{.State.Running}} {{.Image}} {{index .Config.Labels "plenum-test-swarm"}}' \
    "${names[@]}" 2>/dev/null) || return 1
  [ "$(grep -cx "true $image 1" <<<"$states")" -eq "$TEST_SWARM_NODE_COUNT" ] || return 1
  [ "$(_test_swarm_ready_count)" -eq "$TEST_SWARM_NODE_COUNT" ]
}

_test_swarm_ready_count() {
  test_swarm_docker node ls --format '{{.Status}}' 2>/dev/null | grep -c '^Ready$' || true
}

_test_swarm_teardown() {
  local ids volumes
  ids=$(docker ps -aq --filter "label=$TEST_SWARM_LABEL")
  # shellcheck disable=SC2086 # word splitting of the id list is wanted
  [ -z "$ids" ] || docker rm -f -v $ids >/dev/null || return 1
  volumes=$(docker volume ls -q --filter "label=$TEST_SWARM_LABEL")
  # shellcheck disable=SC2086
  [ -z "$volumes" ] || docker volume rm $volumes >/dev/null || return 1
  if docker network inspect "$TEST_SWARM_NAME" >/dev/null 2>&1; then
    docker network rm "$TEST_SWARM_NAME" >/dev/null || return 1
  fi
}

# Starts node N (a dockerd container) and waits until its daemon answers.
_test_swarm_start_node() {
  local n=$1 name publish=()
  name=$(test_swarm_node_name "$n")
  [ "$n" -ne 1 ] || publish=(-p "127.0.0.1:$TEST_SWARM_MANAGER_PORT:2375")
  docker volume create --label "$TEST_SWARM_LABEL" "$name-data" >/dev/null || return 1
  # Not --privileged, which fails on this machine: see images/swarm-node/plenum-swarm-node-entrypoint.
  docker run -d --name "$name" --hostname "$name" --label "$TEST_SWARM_LABEL" \
    --cap-add ALL --cap-drop SYS_RESOURCE \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --security-opt systempaths=unconfined --device-cgroup-rule='a *:* rwm' \
    --network "$TEST_SWARM_NAME" --ip "$TEST_SWARM_IP_PREFIX$n" \
    -v "$name-data:/var/lib/docker" "${publish[@]}" \
    "$TEST_SWARM_IMAGE" --default-address-pool "base=172.31.$((16 * n)).0/20,size=24" >/dev/null || return 1
  local i
  for i in $(seq 1 150); do
    test_swarm_node_docker "$n" info >/dev/null 2>&1 && return 0
    [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ] || break
    sleep 0.2
  done
  printf 'test Swarm: the dockerd of %s did not come up; its last log lines:\n' "$name" >&2
  docker logs --tail 30 "$name" >&2 2>&1 || true
  return 1
}

_test_swarm_create() {
  local n pids=() failed=0 manager_ip token
  docker image inspect "$TEST_SWARM_IMAGE" >/dev/null 2>&1 \
    || { echo "test Swarm: image $TEST_SWARM_IMAGE missing (run images/build.sh swarm-node)" >&2; return 1; }
  docker network create --driver bridge --subnet "$TEST_SWARM_SUBNET" --label "$TEST_SWARM_LABEL" \
    "$TEST_SWARM_NAME" >/dev/null || return 1
  for n in $(seq 1 "$TEST_SWARM_NODE_COUNT"); do
    _test_swarm_start_node "$n" &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || failed=1; done
  [ "$failed" -eq 0 ] || return 1

  manager_ip="${TEST_SWARM_IP_PREFIX}1"
  test_swarm_docker swarm init --advertise-addr "$manager_ip" --listen-addr "$manager_ip:2377" \
    --default-addr-pool "$TEST_SWARM_OVERLAY_POOL" --default-addr-pool-mask-length 24 >/dev/null \
    || { _test_swarm_node_logs 1; return 1; }
  token=$(test_swarm_docker swarm join-token -q worker) || return 1
  pids=()
  for n in $(seq 2 "$TEST_SWARM_NODE_COUNT"); do
    test_swarm_node_docker "$n" swarm join --token "$token" \
      --advertise-addr "$TEST_SWARM_IP_PREFIX$n" "$manager_ip:2377" >/dev/null &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || failed=1; done
  if [ "$failed" -ne 0 ]; then
    echo "test Swarm: a worker could not join" >&2
    for n in $(seq 2 "$TEST_SWARM_NODE_COUNT"); do _test_swarm_node_logs "$n"; done
    return 1
  fi

  local waited=0
  until [ "$(_test_swarm_ready_count)" -eq "$TEST_SWARM_NODE_COUNT" ]; do
    if [ "$waited" -ge 300 ]; then # 60 s
      echo "test Swarm: not all $TEST_SWARM_NODE_COUNT nodes became Ready within 60 s:" >&2
      test_swarm_docker node ls >&2 || true
      local ready
      ready=$(test_swarm_docker node ls --format '{{.Hostname}} {{.Status}}' 2>/dev/null || true)
      for n in $(seq 1 "$TEST_SWARM_NODE_COUNT"); do
        grep -qx "$(test_swarm_node_name "$n") Ready" <<<"$ready" || _test_swarm_node_logs "$n"
      done
      return 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
}

_test_swarm_node_logs() {
  local name
  name=$(test_swarm_node_name "$1")
  printf 'test Swarm: last log lines of %s:\n' "$name" >&2
  docker logs --tail 30 "$name" >&2 2>&1 || true
}

# Copies each test image into every node that lacks it (compared by image ID with the host's).
# Nodes that lack the same set share one `docker save` file; the loads run in parallel.
_test_swarm_load_images() {
  local t0 n image ids key
  local -A missing=()
  t0=$(date +%s%N)
  ids=$(docker image inspect -f '{{.Id}}' "${TEST_SWARM_IMAGES[@]}") \
    || { echo "test Swarm: a test image is missing on the host (run images/build.sh)" >&2; return 1; }
  local -a host_ids
  mapfile -t host_ids <<<"$ids"
  for n in $(seq 1 "$TEST_SWARM_NODE_COUNT"); do
    _test_swarm_node_has_images "$n" "${host_ids[@]}" || missing[$n]=$_TEST_SWARM_LACKING
  done
  [ ${#missing[@]} -gt 0 ] || return 0

  # Group the nodes by the images they lack.
  local -A groups=()
  for n in "${!missing[@]}"; do groups[${missing[$n]}]+="$n "; done
  local dir pids=() failed=0 i=0 tar node_names
  dir=$(mktemp -d /var/tmp/plenum-test-swarm-images.XXXXXX) || return 1
  for key in "${!groups[@]}"; do
    node_names=
    for n in ${groups[$key]}; do node_names+=" $(test_swarm_node_name "$n")"; done
    say "loading into${node_names}: ${key% }"
    tar="$dir/images-$i.tar"
    i=$((i + 1))
    # shellcheck disable=SC2086 # $key is a space-separated list of image names
    docker save -o "$tar" $key || { rm -rf "$dir"; return 1; }
    for n in ${groups[$key]}; do
      test_swarm_node_docker "$n" load -q -i "$tar" >/dev/null &
      pids+=($!)
    done
  done
  for n in "${pids[@]}"; do wait "$n" || failed=1; done
  rm -rf "$dir"
  [ "$failed" -eq 0 ] || { echo "test Swarm: docker load into a node failed" >&2; return 1; }
  for n in "${!missing[@]}"; do
    # The images these tags pointed to before are dangling now (unless a container uses them).
    test_swarm_node_docker "$n" image prune -f >/dev/null 2>&1 || true
    _test_swarm_node_has_images "$n" "${host_ids[@]}" || {
      echo "test Swarm: after loading, $(test_swarm_node_name "$n") still lacks: $_TEST_SWARM_LACKING" >&2
      return 1
    }
  done
  say "test images loaded in $(_test_swarm_since "$t0")"
}

# _test_swarm_node_has_images N ID... : true when node N has every TEST_SWARM_IMAGES[k] with the
# image ID given as the k-th argument; otherwise sets _TEST_SWARM_LACKING to the names it lacks
# ("a b ").
_test_swarm_node_has_images() {
  local n=$1 k have
  shift
  local want=("$@")
  have=$(test_swarm_node_docker "$n" images --no-trunc --format '{{.Repository}}:{{.Tag}} {{.ID}}' 2>/dev/null) || have=
  _TEST_SWARM_LACKING=
  for k in "${!TEST_SWARM_IMAGES[@]}"; do
    grep -qxF "${TEST_SWARM_IMAGES[$k]} ${want[$k]}" <<<"$have" || _TEST_SWARM_LACKING+="${TEST_SWARM_IMAGES[$k]} "
  done
  [ -z "$_TEST_SWARM_LACKING" ]
}
