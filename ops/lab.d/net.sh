# shellcheck shell=bash
# ops/lab: the lab's network. Sourced by ops/lab.
#
# Everything lives in namespaces the lab makes; the root namespace gets no link, address or
# rule. NAME-net holds the bridge gantry-lab-br with 10.213.0.1/24 (where the registry and
# the journal listen); each host NAME-i has one veth "eth0" with 10.213.0.(10+i)/24 whose
# peer "veth-i" is a port of the bridge. Deleting a namespace deletes its links, so `down`
# only has to delete the namespaces. Two labs (different --name) never see each other even
# though they use the same addresses.

netns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$1"; }

make_netns() {
  local ns="$1"
  netns_exists "$ns" && die "network namespace $ns already exists (another lab with this name? ops/lab down, or --name)"
  record "netns $ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
}

make_bridge() {
  local ns; ns="$(net_ns)"
  make_netns "$ns"
  record "link $ns $LAB_BRIDGE"
  ip -n "$ns" link add "$LAB_BRIDGE" type bridge
  ip -n "$ns" addr add "$LAB_GATEWAY/24" dev "$LAB_BRIDGE"
  ip -n "$ns" link set "$LAB_BRIDGE" up
}

# Host i's namespace, cabled to the bridge.
make_host_net() {
  local i="$1" ns net
  ns="$(host_ns "$i")"
  net="$(net_ns)"
  make_netns "$ns"
  record "link $net veth-$i"
  ip -n "$net" link add "veth-$i" type veth peer name eth0 netns "$ns"
  ip -n "$net" link set "veth-$i" master "$LAB_BRIDGE"
  ip -n "$net" link set "veth-$i" up
  ip -n "$ns" addr add "$(host_ip "$i")/24" dev eth0
  ip -n "$ns" link set eth0 up
}

# Waits until host i can reach the bridge address (the bridge port needs a moment to forward).
wait_host_net() {
  local i="$1" ns waited=0
  ns="$(host_ns "$i")"
  until ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$LAB_GATEWAY/$LAB_REGISTRY_PORT" 2>/dev/null; do
    [ "$waited" -ge 100 ] && die "host$i ($ns) cannot reach $LAB_GATEWAY:$LAB_REGISTRY_PORT"
    sleep 0.1
    waited=$((waited + 1))
  done
}
