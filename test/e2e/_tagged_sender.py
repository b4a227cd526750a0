"""Send 802.1Q-tagged IPv4/UDP frames from an interface through a packet socket.

Used by the VLAN bridge test where the kernel has no VLAN devices (no 8021q):
the frame carries its tag in its bytes, and the receiving kernel takes it off
into the skb (what a VLAN device's hardware offload does too).

usage: _tagged_sender.py DEV DST_MAC TCI SRC_IP DST_IP COUNT PAYLOAD
"""

import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main() -> None:
    dev, dst_mac, tci, src_ip, dst_ip, count, payload = sys.argv[1:8]
    src = bytes.fromhex(open(f"/sys/class/net/{dev}/address").read().strip().replace(":", ""))
    dst = bytes.fromhex(dst_mac.replace(":", ""))
    data = payload.encode()
    udp = struct.pack("!HHHH", 40000, 9999, 8 + len(data), 0) + data
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
        socket.inet_aton(src_ip), socket.inet_aton(dst_ip),
    )
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    frame = dst + src + struct.pack("!HH", 0x8100, int(tci, 0)) + b"\x08\x00" + ip + udp
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((dev, 0))
    for _ in range(int(count)):
        sock.send(frame)
        time.sleep(0.01)


main()
