"""UDP traffic for the live policy tests.

send DST COUNT PREFIX INTERVAL_S  - send COUNT datagrams "PREFIX-i" to DST:9999, INTERVAL_S apart
recv SECONDS                      - count datagrams on :9999 by prefix for SECONDS, print JSON
"""

import json
import socket
import sys
import time


def send(dst: str, count: int, prefix: str, interval: float) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    next_at = time.monotonic()
    for i in range(count):
        sock.sendto(f"{prefix}-{i}".encode(), (dst, 9999))
        next_at += interval
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)


def recv(seconds: float) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind(("0.0.0.0", 9999))
    print("listening", file=sys.stderr, flush=True)
    counts: dict[str, int] = {}
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            data = sock.recv(2048)
        except socket.timeout:
            break
        prefix = data.decode(errors="replace").split("-")[0]
        counts[prefix] = counts.get(prefix, 0) + 1
    print(json.dumps(counts), flush=True)


if sys.argv[1] == "send":
    send(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
else:
    recv(float(sys.argv[2]))
