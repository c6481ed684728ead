# shellcheck shell=bash
# ops/lab: the Gantry nodes, one `gantry server` JVM per host namespace. Sourced by ops/lab.

# Each node JVM is bounded so that 5 nodes fit in a few GiB: 192 MiB heap, serial GC (no GC
# threads), bounded metaspace, code cache and direct memory, small stacks. C2 stays on, as in
# bin/gantry: an agent hashes and inflates every layer it pulls.
LAB_JVM_OPTS=(
  -Xms32m -Xmx192m
  -XX:+UseSerialGC
  -Xss512k
  -XX:MaxMetaspaceSize=128m
  -XX:ReservedCodeCacheSize=64m
  -XX:MaxDirectMemorySize=64m
  -XX:+ExitOnOutOfMemoryError
)

# Seed nodes: the first three hosts, in order, the same list on every host. With more than
# one seed a restarted first host joins the running cluster instead of forming a new one.
seed_nodes_conf() {
  local i n=$((LAB_HOSTS < 3 ? LAB_HOSTS : 3)) sep=""
  printf '['
  for ((i = 1; i <= n; i++)); do
    printf '%s"pekko://gantry@%s:%s"' "$sep" "$(host_ip "$i")" "$LAB_CLUSTER_PORT"
    sep=", "
  done
  printf ']'
}

# Every other host's API URL: the agents fetch layers from each other before the registry.
peers_conf() {
  local self="$1" i sep=""
  printf '['
  for ((i = 1; i <= LAB_HOSTS; i++)); do
    [ "$i" = "$self" ] && continue
    printf '%s"http://%s:%s"' "$sep" "$(host_ip "$i")" "$LAB_HTTP_PORT"
    sep=", "
  done
  printf ']'
}

write_host_config() {
  local i="$1" dir roles
  dir="$(host_dir "$i")"
  roles="$(host_roles "$i")"
  mkdir -p "$dir/data"
  record "host $i $(host_ip "$i") $roles"
  record "cgroup-parent $LAB_NAME-host$i"
  cat >"$dir/gantry.conf" <<CONF
# host$i of lab $LAB_NAME (written by ops/lab up)
gantry {
  roles = [${roles//,/, }]
  data-dir = "$dir/data"
  http {
    host = "$(host_ip "$i")"
    port = $LAB_HTTP_PORT
    # One token for the whole lab (in $LAB_DIR/token), so a client can talk to any host.
    token = "$(cat "$LAB_DIR/token")"
  }
  cluster {
    host = "$(host_ip "$i")"
    port = $LAB_CLUSTER_PORT
    seed-nodes = $(seed_nodes_conf)
$( [ -n "${GANTRY_LAB_DOWNING_STABLE_AFTER:-}" ] && echo "    downing-stable-after = $GANTRY_LAB_DOWNING_STABLE_AFTER" )
  }
$( [[ "$roles" == *scheduler* ]] && journal_conf )
  # All lab hosts share this machine: each agent gets its own node id (the default is the
  # machine's host name) and its own cgroup parent (so no agent sweeps another's
  # containers), reaches the lab's registry over plain HTTP, and offers a share of the
  # machine rather than all of it.
  images {
    # The other hosts' agents, asked for layers before the lab's registry.
    peers = $(peers_conf "$i")
  }
  agent {
    node-id = "host$i"
    cgroup-parent = "$LAB_NAME-host$i"
    insecure-registries = ["$LAB_GATEWAY:$LAB_REGISTRY_PORT"]
    capacity { cpu = ${GANTRY_LAB_HOST_CPU:-1000}, memory = ${GANTRY_LAB_HOST_MEMORY:-2 GiB} }
  }
}
CONF
}

start_host() {
  local i="$1" cp="$2" dir java
  dir="$(host_dir "$i")"
  java="$(find_java)"
  mkdir -p "$dir/data/logs"
  echo "--- $(date -u +%FT%TZ) ops/lab starts host$i" >>"$dir/server.out"
  # A UTF-8 locale, as bin/gantry sets: layer entries may have non-ASCII names.
  start_recorded "host$i" "$(host_ns "$i")" "$dir/server.out" \
    env LC_ALL=C.UTF-8 "$java" "${LAB_JVM_OPTS[@]}" -cp "$cp" io.gantry.ops.Main server --config "$dir/gantry.conf" >/dev/null
}

# host i's /v1/health as "self members unreachable" (e.g. "Up 3 0"), or failure.
host_health() {
  local i="$1" body
  body="$(http_get "$(host_ns "$i")" "http://$(host_ip "$i"):$LAB_HTTP_PORT/v1/health")" || return 1
  jq -r '"\(.cluster.self) \(.cluster.members) \(.cluster.unreachable)"' <<<"$body"
}

running_hosts() {
  local i n=0
  for ((i = 1; i <= LAB_HOSTS; i++)); do
    live_pid "host$i" >/dev/null && n=$((n + 1))
  done
  echo "$n"
}

# Waits until each host in "$@" is Up and sees every running host as a member, none unreachable.
wait_joined() {
  local timeout="${GANTRY_LAB_TIMEOUT:-180}" started i want pending
  started="$(date +%s)"
  while :; do
    want="$(running_hosts)"
    pending=()
    for i in "$@"; do
      if ! live_pid "host$i" >/dev/null; then
        warn "host$i exited during start; the end of $(host_dir "$i")/server.out:"
        tail -n 25 "$(host_dir "$i")/server.out" >&2
        return 1
      fi
      [ "$(host_health "$i" 2>/dev/null)" = "Up $want 0" ] || pending+=("host$i")
    done
    [ ${#pending[@]} -eq 0 ] && return 0
    if [ $(($(date +%s) - started)) -ge "$timeout" ]; then
      warn "not joined after ${timeout} s: ${pending[*]} (each host's view: $(for i in "$@"; do printf 'host%s=[%s] ' "$i" "$(host_health "$i" 2>/dev/null || echo no answer)"; done))"
      return 1
    fi
    sleep 0.5
  done
}

# Stops a recorded process: SIGTERM (a node runs its coordinated shutdown), then SIGKILL
# after GRACE seconds.
stop_recorded() {
  local label="$1" pid="$2" start="$3" grace="$4" sig=TERM
  [ "$label" = postgres ] && sig=INT   # PostgreSQL's "fast" shutdown
  signal_recorded "$sig" "$pid" "$start" || return 0
  if ! wait_gone "$pid" "$start" "$grace"; then
    warn "$label (pid $pid) did not stop within $grace s; sending SIGKILL"
    signal_recorded KILL "$pid" "$start" || true
    wait_gone "$pid" "$start" 10 || warn "$label (pid $pid) is still there after SIGKILL"
  fi
}
