# shellcheck shell=bash
# ops/lab: the services the lab hosts share, both inside NAME-net on the bridge address:
# a docker-registry (always) and, with more than one scheduler, a throwaway PostgreSQL
# cluster for the scheduler journal. Sourced by ops/lab.

registry_url() { echo "http://$LAB_GATEWAY:$LAB_REGISTRY_PORT"; }

start_registry() {
  command -v docker-registry >/dev/null 2>&1 || die "docker-registry is not installed (apt-get install docker-registry)"
  local dir="$LAB_DIR/registry"
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YAML
# The lab's registry (ops/lab), reachable from the lab's hosts only.
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $LAB_GATEWAY:$LAB_REGISTRY_PORT
YAML
  start_recorded registry "$(net_ns)" "$dir/registry.log" docker-registry serve "$dir/config.yml" >/dev/null
  local waited=0
  until http_get "$(net_ns)" "$(registry_url)/v2/" >/dev/null; do
    live_pid registry >/dev/null || die_with_log "$dir/registry.log" "the registry exited during start"
    [ "$waited" -ge 300 ] && die_with_log "$dir/registry.log" "the registry did not answer on $(registry_url) within 30 s"
    sleep 0.1
    waited=$((waited + 1))
  done
}

# The demo image: busybox in several layers plus a metadata-only one, built and pushed by
# Gantry's own image code (io.gantry.ops.lab.DemoImage) from inside NAME-net.
seed_registry() {
  local cp="$1" java
  java="$(find_java)"
  [ -x /bin/busybox ] || { warn "no /bin/busybox (apt-get install busybox-static): the registry stays empty"; return 0; }
  if ! ip netns exec "$(net_ns)" "$java" -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$cp" \
      io.gantry.ops.lab.DemoImage --busybox /bin/busybox --work "$LAB_DIR/registry/build" \
      "$LAB_GATEWAY:$LAB_REGISTRY_PORT/demo:latest" >>"$LAB_DIR/registry/seed.log" 2>&1; then
    die_with_log "$LAB_DIR/registry/seed.log" "could not seed the registry with the demo image"
  fi
  rm -rf "$LAB_DIR/registry/build"
}

pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  d="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
  [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  return 1
}

# Where the lab's PostgreSQL cluster lives: $LAB_DIR/postgres, or, when the postgres user
# cannot reach into $LAB_DIR (a --dir below a private directory), a directory of its own
# under /tmp, recorded like every other directory the lab makes.
pg_dir() {
  if [ -f "$LAB_DIR/postgres.dir" ]; then cat "$LAB_DIR/postgres.dir"; else echo "$LAB_DIR/postgres"; fi
}

# A fresh PostgreSQL cluster, run as the postgres user inside NAME-net, listening on the
# bridge address only; database and role "gantry" with a random password (in
# $LAB_DIR/journal-password, readable by root only). Durability settings are off: it lives
# as long as the lab.
start_postgres() {
  local bin dir pw
  bin="$(pg_bin)" || die "PostgreSQL is not installed (apt-get install postgresql): needed for --schedulers > 1"
  id postgres >/dev/null 2>&1 || die "no 'postgres' user (apt-get install postgresql)"
  if ! runuser -u postgres -- test -x "$LAB_DIR"; then
    dir="$(mktemp -d "/tmp/$LAB_NAME-postgres.XXXXXX")"
    record "dir $dir"
    echo "$dir" >"$LAB_DIR/postgres.dir"
    say "the postgres user cannot enter $LAB_DIR; the journal's database lives in $dir"
  else
    dir="$LAB_DIR/postgres"
  fi
  mkdir -p "$dir/run"
  pw="$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  (umask 077; echo "$pw" >"$LAB_DIR/journal-password")
  chmod 755 "$dir"
  chown postgres:postgres "$dir" "$dir/run"
  runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 --no-instructions \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
    || die_with_log "$dir/initdb.log" "initdb failed"
  cat >>"$dir/data/postgresql.conf" <<CONF
# ops/lab
listen_addresses = '$LAB_GATEWAY'
port = $LAB_PG_PORT
unix_socket_directories = '$dir/run'
max_connections = 40
shared_buffers = 32MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  echo "host gantry gantry $LAB_SUBNET_PREFIX.0/24 scram-sha-256" >>"$dir/data/pg_hba.conf"
  nsenter --net="/run/netns/$(net_ns)" runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start \
    >"$dir/pg_ctl.log" 2>&1 || die_with_log "$dir/postgres.log" "PostgreSQL did not start"
  local pid
  pid="$(head -n1 "$dir/data/postmaster.pid")"
  record "pid postgres $pid $(proc_starttime "$pid")"
  local psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/run" -p "$LAB_PG_PORT" -U postgres -d postgres)
  runuser -u postgres -- "${psql[@]}" -c "CREATE ROLE gantry LOGIN PASSWORD '$pw'" >>"$dir/pg_ctl.log" 2>&1 \
    && runuser -u postgres -- "${psql[@]}" -c "CREATE DATABASE gantry OWNER gantry" >>"$dir/pg_ctl.log" 2>&1 \
    || die_with_log "$dir/pg_ctl.log" "could not create the gantry database"
}

# The journal part of a scheduler host's config: the one place that knows the scheduler's
# journal keys (gantry.journal.*, from the scheduler module's reference.conf).
journal_conf() {
  if [ "$LAB_SCHEDULERS" -gt 1 ]; then
    cat <<CONF
  # Several scheduler nodes: they share the lab's PostgreSQL journal, so the scheduler
  # singleton can move between them.
  journal {
    kind = postgres
    postgres {
      url = "jdbc:postgresql://$LAB_GATEWAY:$LAB_PG_PORT/gantry"
      user = "gantry"
      password = "$(cat "$LAB_DIR/journal-password")"
    }
  }
CONF
  fi
}
