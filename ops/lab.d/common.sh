# shellcheck shell=bash
# ops/lab: names, the state file and process bookkeeping. Sourced by ops/lab.
#
# The state file ($LAB_DIR/lab.state) is an append-only record of everything the lab made,
# one line per thing, written *before* the thing is made (so a crash half-way through `up`
# still leaves a record that `down` can follow):
#   lab NAME HOSTS SCHEDULERS      the lab's name (namespace prefix), size
#   dir PATH                       a directory the lab created (removed last)
#   netns NAME                     a network namespace (its links go with it)
#   link NETNS IFNAME              a link made inside a lab namespace (informational: removed with it)
#   pid LABEL PID STARTTIME        a process the lab started; STARTTIME (field 22 of
#                                  /proc/PID/stat) tells it apart from a later process
#                                  that got the same pid, so `down` never signals a stranger
#   host INDEX ADDRESS ROLES       a lab host
#   cgroup-parent NAME             the cgroup a host's agent puts its containers under
# `down` reads it backwards and undoes each line; nothing else is ever touched.

LAB_SUBNET_PREFIX="10.213.0"           # the lab's private /24; nothing else on the machine uses it
LAB_GATEWAY="$LAB_SUBNET_PREFIX.1"     # the bridge's address: registry and journal listen here
LAB_BRIDGE="gantry-lab-br"             # inside the lab's own "-net" namespace
LAB_HTTP_PORT=7070
LAB_CLUSTER_PORT=7071
LAB_REGISTRY_PORT=5000
LAB_PG_PORT=5432
LAB_MAX_HOSTS=50

say() { echo "lab: $*"; }
warn() { echo "lab: $*" >&2; }
die() { echo "lab: $*" >&2; exit 1; }
# Dies with the end of LOG shown: a failed `up` removes the lab directory, logs included.
die_with_log() {
  local log="$1"; shift
  echo "lab: $*; the end of $log:" >&2
  tail -n 20 "$log" 2>/dev/null | sed 's/^/  | /' >&2 || true
  exit 1
}

state_file() { echo "$LAB_DIR/lab.state"; }
record() { echo "$*" >>"$(state_file)"; }

# Reads the lab's name and size from the state file into LAB_NAME, LAB_HOSTS, LAB_SCHEDULERS.
load_state() {
  [ -f "$(state_file)" ] || die "no lab in $LAB_DIR (start one with: ops/lab up N)"
  local kind name hosts schedulers
  read -r kind name hosts schedulers < <(grep -m1 '^lab ' "$(state_file)") || true
  [ "${kind:-}" = lab ] || die "$(state_file) has no 'lab' line: not a lab state file"
  LAB_NAME="$name"
  LAB_HOSTS="$hosts"
  LAB_SCHEDULERS="$schedulers"
}

net_ns() { echo "$LAB_NAME-net"; }
host_ns() { echo "$LAB_NAME-$1"; }
host_ip() { echo "$LAB_SUBNET_PREFIX.$((10 + $1))"; }
host_dir() { echo "$LAB_DIR/hosts/$1"; }
host_roles() {
  if [ "$1" -le "$LAB_SCHEDULERS" ]; then echo "scheduler,agent"; else echo "agent"; fi
}

# "3", "host3" or "NAME-3" -> 3; anything else is an error naming the valid hosts.
host_index() {
  local h="$1" i
  case "$h" in
    host[0-9]*) i="${h#host}" ;;
    "$LAB_NAME"-[0-9]*) i="${h#"$LAB_NAME"-}" ;;
    [0-9]*) i="$h" ;;
    *) i="" ;;
  esac
  if ! [[ "$i" =~ ^[0-9]+$ ]] || [ "$i" -lt 1 ] || [ "$i" -gt "$LAB_HOSTS" ]; then
    die "no host '$h' in lab $LAB_NAME (hosts: host1..host$LAB_HOSTS)"
  fi
  echo "$((10#$i))"
}

# The start time of a process in clock ticks since boot, or nothing if it is gone.
proc_starttime() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  # shellcheck disable=SC2086 # split the fields
  set -- $stat
  echo "${20}"
}

# The last recorded pid of LABEL, if that very process still runs.
live_pid() {
  local label="$1" kind l pid start
  local found_pid="" found_start=""
  [ -f "$(state_file)" ] || return 1
  while read -r kind l pid start; do
    if [ "$kind" = pid ] && [ "$l" = "$label" ]; then
      found_pid="$pid"
      found_start="$start"
    fi
  done <"$(state_file)"
  [ -n "$found_pid" ] || return 1
  [ "$(proc_starttime "$found_pid" 2>/dev/null)" = "$found_start" ] || return 1
  echo "$found_pid"
}

# Signals PID only if it is still the process that was recorded (same start time).
signal_recorded() {
  local sig="$1" pid="$2" start="$3"
  [ "$(proc_starttime "$pid" 2>/dev/null)" = "$start" ] || return 1
  kill "-$sig" "$pid" 2>/dev/null
}

# Waits up to SECONDS for a recorded process to end.
wait_gone() {
  local pid="$1" start="$2" seconds="$3" waited=0
  while [ "$(proc_starttime "$pid" 2>/dev/null)" = "$start" ]; do
    [ "$waited" -ge $((seconds * 10)) ] && return 1
    sleep 0.1
    waited=$((waited + 1))
  done
}

# Starts a command detached (own session, no terminal) inside NETNS, with stdout and stderr
# appended to LOG, and records its pid under LABEL. The command's own pid is the one
# recorded: nsenter and the inner bash both exec, so nothing sits in between.
# nsenter --net (not `ip netns exec`, which also makes a private mount namespace): the
# process keeps the machine's mount namespace, so what an agent mounts under the lab dir
# is visible to `down` (which unmounts it) and to the same agent after a restart (which
# adopts its running containers).
start_recorded() {
  local label="$1" netns="$2" log="$3"
  shift 3
  local pidfile="$LAB_DIR/.pid.$label.$$"
  rm -f "$pidfile"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
  setsid nsenter --net="/run/netns/$netns" bash -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
    >>"$log" 2>&1 </dev/null &
  local waited=0
  until [ -s "$pidfile" ]; do
    [ "$waited" -ge 100 ] && die_with_log "$log" "could not start $label"
    sleep 0.05
    waited=$((waited + 1))
  done
  local pid start
  pid="$(cat "$pidfile")"
  rm -f "$pidfile"
  start="$(proc_starttime "$pid")" || die_with_log "$log" "$label exited at once"
  record "pid $label $pid $start"
  echo "$pid"
}

http_get() { # NETNS URL: the body, or failure
  ip netns exec "$1" curl -fsS -m 3 "$2" 2>/dev/null
}

find_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    echo "$JAVA_HOME/bin/java"
  else
    command -v java || die "no java found: install a JDK 17 (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  fi
}

# The classpath the lab's JVMs run with: GANTRY_LAB_CLASSPATH when set (the lab tests pass
# their own), else the distribution that `mvn package` leaves in ops/target, built first
# when missing or stale (ops/bin/gantry's build-once logic).
lab_classpath() {
  if [ -n "${GANTRY_LAB_CLASSPATH:-}" ]; then
    echo "$GANTRY_LAB_CLASSPATH"
    return
  fi
  "$OPS_DIR/bin/gantry" version >/dev/null || die "could not build Gantry"
  local dists=("$OPS_DIR"/target/gantry-*/lib)
  [ ${#dists[@]} -eq 1 ] && [ -d "${dists[0]}" ] || die "expected one distribution in $OPS_DIR/target (found ${#dists[@]}); run: rm -rf $OPS_DIR/target"
  echo "${dists[0]}/*"
}
