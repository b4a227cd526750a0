#!/usr/bin/env python3
"""Write crafted.pcap: hand-made DNS messages (UDP and TCP) for the DNS parser
tests -- every rdata shape, several questions, compression loops, forward
pointers, overlong names, truncated messages, odd flags. Run it from this
folder, then make_fixture.sh to record what Suricata logs for it."""
import struct

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 53])
packets = []
ts = [1700000000, 0]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip(src, dst, proto, payload):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def emit(frame):
    ts[1] += 1000
    packets.append((ts[0], ts[1], b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + frame))


def udp(sport, dport, payload, to_server=True):
    src, dst = (CLIENT, SERVER) if to_server else (SERVER, CLIENT)
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 17, len(seg))
    seg = seg[:6] + struct.pack("!H", csum(pseudo + seg) or 0xFFFF) + seg[8:]
    emit(ip(src, dst, 17, seg))


class Tcp:
    def __init__(self, sport):
        self.sport, self.cseq, self.sseq = sport, 1000, 5000
        self.seg(True, 0x02, b"")
        self.cseq += 1
        self.seg(False, 0x12, b"")
        self.sseq += 1
        self.seg(True, 0x10, b"")

    def seg(self, to_server, flags, payload):
        src, dst = (CLIENT, SERVER) if to_server else (SERVER, CLIENT)
        sp, dp = (self.sport, 53) if to_server else (53, self.sport)
        seq, ack = (self.cseq, self.sseq) if to_server else (self.sseq, self.cseq)
        s = struct.pack("!HHIIBBHHH", sp, dp, seq, ack if flags != 0x02 else 0, 0x50, flags, 65535, 0, 0) + payload
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(s))
        s = s[:16] + struct.pack("!H", csum(pseudo + s)) + s[18:]
        emit(ip(src, dst, 6, s))

    def send(self, to_server, payload):
        self.seg(to_server, 0x18, payload)
        if to_server:
            self.cseq += len(payload)
            self.seg(False, 0x10, b"")
        else:
            self.sseq += len(payload)
            self.seg(True, 0x10, b"")

    def close(self):
        self.seg(True, 0x11, b"")
        self.cseq += 1
        self.seg(False, 0x11, b"")
        self.sseq += 1
        self.seg(True, 0x10, b"")


def name(n):
    out = b""
    for label in n.split(".") if n else []:
        out += bytes([len(label)]) + label.encode("latin1")
    return out + b"\0"


def header(id_, flags, qd, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", id_, flags, qd, an, ns, ar)


def q(n, t=1):
    return name(n) + struct.pack("!HH", t, 1)


def rr(owner, t, ttl, rdata):
    return owner + struct.pack("!HHIH", t, 1, ttl, len(rdata)) + rdata


PTR12 = b"\xc0\x0c"  # pointer to the first question's name

# 1. two questions, a response with every rdata shape the logger knows
udp(40001, 53, header(0x1001, 0x0100, 2) + q("www.example.org", 1) + q("www.example.org", 28))
resp = header(0x1001, 0x8180, 1, 12, 1) + q("www.example.org", 1)
resp += rr(PTR12, 5, 300, name("web.example.org"))
resp += rr(PTR12, 1, 60, bytes([192, 0, 2, 1]))
resp += rr(PTR12, 1, 60, bytes([192, 0, 2, 2]))
resp += rr(PTR12, 28, 60, bytes([0x20, 0x01, 0x0d, 0xb8] + [0] * 11 + [1]))
resp += rr(PTR12, 15, 60, struct.pack("!H", 10) + name("mail.example.org"))
resp += rr(PTR12, 16, 60, b"\x05hello\x00\x05world")
resp += rr(PTR12, 12, 60, name("ptr.example.org"))
resp += rr(PTR12, 2, 60, name("ns1.example.org"))
resp += rr(PTR12, 33, 60, struct.pack("!HHH", 1, 2, 5060) + name("sip.example.org"))
resp += rr(PTR12, 44, 60, bytes([1, 2, 0xde, 0xad, 0xbe, 0xef]))
resp += rr(PTR12, 10, 60, b"nul\x01data")
resp += rr(PTR12, 13, 60, b"\x03cpu\x02os")
resp += rr(name("example.org"), 6, 3600, name("ns1.example.org") + name("hostmaster.example.org")
           + struct.pack("!IIIII", 2024010101, 7200, 3600, 1209600, 300))
udp(53, 40001, resp, False)

# 2. a response without a query (after a query with another id), with a
# non-UTF-8 and a control byte in names
udp(40002, 53, header(0x2001, 0x0100, 1) + q("first.example"))
udp(53, 40002, header(0x2002, 0x8183, 1) + q("caf\xe9.ex\x01ample"), False)

# 3. query: self-referencing pointer in the first name (malformed)
udp(40003, 53, header(0x3003, 0x0100, 1) + q("good.example", 1))
udp(40003, 53, header(0x3004, 0x0100, 1) + b"\xc0\x0c" + struct.pack("!HH", 1, 1))

# 4. response: two pointers pointing at each other (loop after a pointer)
loop = header(0x4004, 0x8180, 1, 1) + q("loop.example", 1)
loop += b"\xc0\x20\xc0\x1e" + struct.pack("!HHIH", 1, 1, 5, 4) + bytes([1, 2, 3, 4])
udp(40004, 53, header(0x4004, 0x0100, 1) + q("loop.example", 1))
udp(53, 40004, loop, False)

# 5. forward pointer: the question's name points at a name after it
fwd = header(0x5005, 0x0100, 1) + b"\xc0\x12" + struct.pack("!HH", 1, 1) + name("forward.example")
udp(40005, 53, fwd)

# 6. truncated query (name cut), then a header only, then a lying count
udp(40006, 53, header(0x6006, 0x0100, 1) + q("ok.example"))
udp(40006, 53, (header(0x6007, 0x0100, 1) + q("truncated.example"))[:20])
udp(40006, 53, header(0x6008, 0x0100, 1))
udp(40006, 53, header(0x6009, 0x0100, 3000) + q("huge.example"))

# 7. an overlong name: 40 labels of 63 bytes (> 1025 characters)
longname = b"".join(bytes([63]) + (b"%c" % (97 + i % 26)) * 63 for i in range(40)) + b"\0"
udp(40007, 53, header(0x7007, 0x0100, 1) + longname + struct.pack("!HH", 1, 1))

# 8. Z flag, invalid opcode, NOTIFY (opcode 4), not-a-request / not-a-response
udp(40008, 53, header(0x8008, 0x0140, 1) + q("z.example"))
udp(40008, 53, header(0x8009, 0x4900, 1) + q("opcode9.example"))
udp(40008, 53, header(0x800A, 0x2000, 1) + q("notify.example", 6))
udp(40010, 53, header(0x800A, 0x0100, 1) + q("before-qr.example"))
udp(40010, 53, header(0x800B, 0x8180, 1) + q("qr-to-server.example"))
udp(40011, 53, header(0x800A, 0x0100, 1) + q("before-no-qr.example"))
udp(53, 40011, header(0x800C, 0x0000, 1) + q("no-qr-to-client.example"), False)
udp(40012, 53, header(0x800D, 0x0100, 1) + q("noq.example"))
udp(53, 40012, header(0x800D, 0x8180, 0, 1) + rr(name("noq.example"), 1, 5, bytes([1, 2, 3, 4])), False)
udp(53, 40012, header(0x800E, 0x8180, 1, 1) + q("empty-a.example") + rr(PTR12, 1, 5, b""), False)
udp(53, 40012, header(0x800F, 0x8180, 1, 1) + q("root-cname.example") + rr(PTR12, 5, 5, b"\0"), False)
udp(40013, 53, header(0x8010, 0x0100, 2) + q("", 2) + q("after-root.example"))
udp(40013, 53, header(0x8011, 0x0100, 1) + q("hinfo.example", 13))
udp(40013, 53, header(0x8012, 0x0100, 1) + q("type-999.example", 999))
udp(53, 40013, header(0x8012, 0x8180, 1, 2) + q("type-999.example", 999)
    + rr(PTR12, 999, 5, b"\x01\x02") + rr(PTR12, 16, 5, b"\x00\x03abc\x09cut"), False)

# 9. TCP: a message split over segments, two messages in one segment
t = Tcp(40009)
m1 = header(0x9001, 0x0100, 1) + q("tcp-one.example")
m2 = header(0x9002, 0x0100, 1) + q("tcp-two.example", 28)
m3 = header(0x9003, 0x0100, 1) + q("tcp-three.example", 16)
framed = b"".join(struct.pack("!H", len(m)) + m for m in (m1, m2, m3))
t.send(True, framed[:1])
t.send(True, framed[1:9])
t.send(True, framed[9:])
r1 = header(0x9001, 0x8180, 1, 1) + q("tcp-one.example") + rr(PTR12, 1, 7, bytes([10, 1, 2, 3]))
r2 = header(0x9002, 0x8180, 1, 0) + q("tcp-two.example", 28)
t.send(False, b"".join(struct.pack("!H", len(m)) + m for m in (r1, r2)))
t.close()

with open("crafted.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for sec, usec, frame in packets:
        f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
