# shellcheck shell=bash
# ops/lab: fault injection (partition, heal, slow). Sourced by ops/lab.
#
# partition: an nftables table "gantry_lab_partition" inside each listed host's namespace
# drops every packet to and from the lab hosts outside the group (both directions, so TCP
# sees silence, not resets, as in a real partition). The group still reaches its own
# members and the registry and journal on the bridge address, which stand for services
# outside the cluster. Without nft, the listed hosts' eth0 goes down instead: they are cut
# from everything, each other included.
# slow: `tc netem delay` on the host's eth0 (its egress); kernels built without netem get a
# small userspace relay (delay_relay.py) between the host's veth and the bridge instead.

PARTITION_TABLE="gantry_lab_partition"

have_nft() { command -v nft >/dev/null 2>&1; }

partition() {
  [ $# -gt 0 ] || die "usage: ops/lab partition HOST..."
  local h i group=() others=() in_group
  for h in "$@"; do group+=("$(host_index "$h")"); done
  for ((i = 1; i <= LAB_HOSTS; i++)); do
    in_group=no
    for h in "${group[@]}"; do [ "$h" = "$i" ] && in_group=yes; done
    [ "$in_group" = no ] && others+=("$(host_ip "$i")")
  done
  [ ${#others[@]} -gt 0 ] || die "a partition needs at least one host outside the group"
  local set; set="$(IFS=,; echo "${others[*]}")"
  for i in "${group[@]}"; do
    if have_nft; then
      ip netns exec "$(host_ns "$i")" nft -f - <<NFT || die "nft failed in $(host_ns "$i")"
table inet $PARTITION_TABLE
delete table inet $PARTITION_TABLE
table inet $PARTITION_TABLE {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr { $set } drop
  }
  chain output {
    type filter hook output priority 0; policy accept;
    ip daddr { $set } drop
  }
}
NFT
      say "host$i: cut from ${others[*]} (nftables)"
    else
      ip -n "$(host_ns "$i")" link set eth0 down
      say "host$i: eth0 down (no nft here: cut from everything)"
    fi
  done
}

heal() {
  local i ns
  for ((i = 1; i <= LAB_HOSTS; i++)); do
    ns="$(host_ns "$i")"
    netns_exists "$ns" || continue
    if have_nft && ip netns exec "$ns" nft list table inet "$PARTITION_TABLE" >/dev/null 2>&1; then
      ip netns exec "$ns" nft delete table inet "$PARTITION_TABLE"
      say "host$i: partition removed"
    fi
    if ip -n "$ns" link show eth0 2>/dev/null | grep -q 'state DOWN'; then
      ip -n "$ns" link set eth0 up
      say "host$i: eth0 up"
    fi
    if [ -n "$(host_delay "$i")" ]; then
      set_delay "$i" 0
    fi
  done
}

# host i's current delay in ms (netem or relay), or nothing.
host_delay() {
  local i="$1" q
  q="$(ip netns exec "$(host_ns "$i")" tc qdisc show dev eth0 2>/dev/null | grep -o 'netem .*delay [0-9.]*[mu]*s' | grep -o '[0-9.]*[mu]*s$')" || true
  if [ -n "$q" ]; then echo "$q"; return; fi
  if live_pid "delay$i" >/dev/null && [ -f "$(host_dir "$i")/delay_ms" ]; then
    echo "$(cat "$(host_dir "$i")/delay_ms")ms"
  fi
}

slow() {
  [ $# -eq 2 ] || die "usage: ops/lab slow HOST MS   (MS = 0 removes the delay)"
  local i; i="$(host_index "$1")"
  [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -le 60000 ] || die "delay must be a whole number of milliseconds, 0..60000; got '$2'"
  set_delay "$i" "$2"
}

set_delay() {
  local i="$1" ms="$2" ns err
  ns="$(host_ns "$i")"
  # Whatever delay there is goes first: netem or the relay.
  ip netns exec "$ns" tc qdisc del dev eth0 root 2>/dev/null || true
  stop_relay "$i"
  if [ "$ms" -eq 0 ]; then
    say "host$i: no delay"
    return
  fi
  if err="$(ip netns exec "$ns" tc qdisc replace dev eth0 root netem delay "${ms}ms" 2>&1)"; then
    say "host$i: ${ms} ms delay on its egress (netem)"
    return
  fi
  case "$err" in
    *"qdisc kind is unknown"*) start_relay "$i" "$ms" ;;
    *) die "tc netem failed in $ns: $err" ;;
  esac
}

# The kernel has no netem: veth-i comes off the bridge, a fresh veth pair (dly-i on the
# bridge, dlyp-i for the relay) takes its place, and the relay carries frames between
# veth-i and dlyp-i, host-to-bridge ones delayed.
start_relay() {
  local i="$1" ms="$2" net
  net="$(net_ns)"
  command -v python3 >/dev/null 2>&1 || die "no netem in this kernel and no python3 for the delay relay (apt-get install python3)"
  record "link $net dly-$i"
  ip -n "$net" link add "dly-$i" type veth peer name "dlyp-$i"
  ip -n "$net" link set "dly-$i" master "$LAB_BRIDGE"
  ip -n "$net" link set "veth-$i" nomaster
  ip -n "$net" link set "dly-$i" up
  ip -n "$net" link set "dlyp-$i" up
  echo "$ms" >"$(host_dir "$i")/delay_ms"
  start_recorded "delay$i" "$net" "$(host_dir "$i")/delay.log" \
    python3 "$OPS_DIR/lab.d/delay_relay.py" "veth-$i" "dlyp-$i" "$ms" >/dev/null
  sleep 0.2
  live_pid "delay$i" >/dev/null || { stop_relay "$i"; die "the delay relay did not start; see $(host_dir "$i")/delay.log"; }
  say "host$i: ${ms} ms delay on its egress (relay: this kernel has no netem)"
}

stop_relay() {
  local i="$1" net pid start
  net="$(net_ns)"
  if pid="$(live_pid "delay$i")"; then
    start="$(proc_starttime "$pid")"
    stop_recorded "delay$i" "$pid" "$start" 5
  fi
  if ip -n "$net" link show "dly-$i" >/dev/null 2>&1; then
    ip -n "$net" link del "dly-$i"
    ip -n "$net" link set "veth-$i" master "$LAB_BRIDGE"
  fi
  rm -f "$(host_dir "$i")/delay_ms"
}

# One word for status: what is done to host i's network.
host_faults() {
  local i="$1" ns out=() d
  ns="$(host_ns "$i")"
  if have_nft && ip netns exec "$ns" nft list table inet "$PARTITION_TABLE" >/dev/null 2>&1; then
    out+=("partitioned")
  fi
  ip -n "$ns" link show eth0 2>/dev/null | grep -q 'state DOWN' && out+=("link-down")
  d="$(host_delay "$i")"
  [ -n "$d" ] && out+=("delay=$d")
  (IFS=,; echo "${out[*]:-}")
}
