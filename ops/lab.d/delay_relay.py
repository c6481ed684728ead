#!/usr/bin/env python3
"""Delays the frames one lab host sends, for `ops/lab slow` on kernels without netem.

    delay_relay.py HOST_PORT BRIDGE_PORT DELAY_MS

Runs inside the lab's NAME-net namespace. HOST_PORT is the host's veth peer (taken off the
bridge by ops/lab), BRIDGE_PORT the end of a fresh veth pair whose other end is on the
bridge. Every frame from HOST_PORT is sent on BRIDGE_PORT DELAY_MS later; frames the other
way pass at once -- the same as `tc qdisc add dev eth0 root netem delay DELAY_MS` on the
host. Packet sockets with PACKET_VNET_HDR carry the kernel's offload header along, so
segmentation-offloaded frames pass unchanged. Like netem (limit 1000), a bounded queue:
frames past it are dropped.
"""
import collections
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4
QUEUE_LIMIT = 10000
FRAME_MAX = 65536 + 64


def open_port(name):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    s.bind((name, ETH_P_ALL))
    s.setblocking(False)
    return s


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: delay_relay.py HOST_PORT BRIDGE_PORT DELAY_MS")
    host_port, bridge_port, delay = sys.argv[1], sys.argv[2], int(sys.argv[3]) / 1000.0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, bridge = open_port(host_port), open_port(bridge_port)
    delayed = collections.deque()  # (due, frame): the delay is constant, so due times only grow
    dropped = 0
    print(f"relaying {host_port} -> {bridge_port} with {delay * 1000:.0f} ms delay", flush=True)
    while True:
        timeout = max(0.0, delayed[0][0] - time.monotonic()) if delayed else None
        readable, _, _ = select.select([host, bridge], [], [], timeout)
        for sock in readable:
            while True:
                try:
                    frame, addr = sock.recvfrom(FRAME_MAX)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue  # our own send, seen on the way out
                if sock is host:
                    if len(delayed) < QUEUE_LIMIT:
                        delayed.append((time.monotonic() + delay, frame))
                    else:
                        dropped += 1
                else:
                    send(host, frame)
        now = time.monotonic()
        while delayed and delayed[0][0] <= now:
            send(bridge, delayed.popleft()[1])


def send(sock, frame):
    try:
        sock.send(frame)
    except (BlockingIOError, OSError):
        pass  # a full or vanished queue drops the frame, as a congested link would


if __name__ == "__main__":
    main()
