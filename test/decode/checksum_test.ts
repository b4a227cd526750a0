/**
 * checksumState on real captured packets: the same verdict as a byte-by-byte
 * RFC 1071 reference for every IPv4 header and TCP/UDP/ICMP checksum of the
 * demo capture (frames at every alignment in the file), and a wrong
 * verdict once a byte of the segment is changed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { checksumState, CsumKind } from "../../src/decode/checksum.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet } from "../../src/decode/packet.ts";
import { REPO_ROOT } from "../corpus.ts";
import { checksum } from "./frames.ts";

/** The reference: 1 when the ones' complement sum over pseudo header and segment is 0xffff. */
function reference(p: Packet, kind: number): number {
  const d = p.data;
  const base = p.frameOffset;
  if (kind === CsumKind.IPV4) {
    return checksum(d.slice(base + p.l3Offset, base + p.l3Offset + p.ipHeaderLen)) === 0 ? 1 : 0;
  }
  const len = p.ipTotalLen - p.ipHeaderLen;
  const seg = d.slice(base + p.l4Offset, base + p.l4Offset + len);
  if (kind === CsumKind.ICMPV4) return checksum(seg) === 0 ? 1 : 0;
  const pseudo: number[] = [];
  if (p.ipVersion === 4) pseudo.push(...d.slice(base + p.l3Offset + 12, base + p.l3Offset + 20));
  else {
    pseudo.push(...d.slice(base + p.src6Offset, base + p.src6Offset + 16));
    pseudo.push(...d.slice(base + p.dst6Offset, base + p.dst6Offset + 16));
  }
  pseudo.push(0, p.ipProto, (len >>> 8) & 0xff, len & 0xff);
  return checksum(new Uint8Array([...pseudo, ...seg])) === 0 ? 1 : 0;
}

function kindOf(p: Packet): number {
  if (p.ipProto === 6) return p.ipVersion === 4 ? CsumKind.TCPV4 : CsumKind.TCPV6;
  if (p.ipProto === 17) return p.ipVersion === 4 ? CsumKind.UDPV4 : CsumKind.UDPV6;
  if (p.ipProto === 1) return CsumKind.ICMPV4;
  if (p.ipProto === 58) return CsumKind.ICMPV6;
  return -1;
}

Deno.test("checksumState agrees with an RFC 1071 reference on every packet of the demo capture", () => {
  const capture = openCaptureFile(join(REPO_ROOT, "test", "data", "demo.pcap"));
  const batch = new FrameBatch();
  const p = new Packet();
  let checked = 0;
  let odd = 0;
  let oddLength = 0;
  const residues = new Set<number>(); // segment lengths mod 32: every tail of the word loops
  try {
    for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
      for (let i = 0; i < n; i++) {
        decodeFrame(p, batch, i);
        if (p.ipVersion === 4 && p.l3Offset >= 0) {
          assert.equal(checksumState(p, CsumKind.IPV4), reference(p, CsumKind.IPV4));
        }
        const kind = kindOf(p);
        if (kind < 0 || p.l4Offset < 0) continue;
        const state = checksumState(p, kind);
        if (state < 0) continue;
        assert.equal(state, reference(p, kind), `frame at ${p.frameOffset}`);
        checked++;
        if ((p.frameOffset + p.l4Offset) % 2 === 1) odd++;
        if ((p.ipTotalLen - p.ipHeaderLen) % 2 === 1) oddLength++;
        residues.add((p.ipTotalLen - p.ipHeaderLen) % 32);
      }
    }
  } finally {
    capture.close();
  }
  assert.ok(checked > 3000, `checked ${checked}`);
  assert.ok(odd > 0 && oddLength > 0, `segments at odd offsets ${odd}, of odd length ${oddLength}`);
  assert.equal(residues.size, 32, `segment lengths mod 32: ${[...residues].sort((a, b) => a - b)}`);
});

Deno.test("checksumState says wrong once a segment byte changes", () => {
  const capture = openCaptureFile(join(REPO_ROOT, "test", "data", "demo.pcap"));
  const batch = new FrameBatch();
  const p = new Packet();
  try {
    const n = capture.source.next(batch);
    let found = false;
    for (let i = 0; i < n && !found; i++) {
      decodeFrame(p, batch, i);
      if (p.ipProto !== 6 || p.l4Offset < 0 || checksumState(p, kindOf(p)) !== 1) continue;
      // a private copy of the frame, changed in its last byte
      const start = p.frameOffset;
      const frame = p.data.slice(start, start + p.capLen);
      const at = p.l4Offset + (p.ipTotalLen - p.ipHeaderLen) - 1;
      frame[at] ^= 0x5a;
      const q = new Packet();
      const one = new FrameBatch(1);
      one.data = frame;
      one.count = 1;
      one.offset[0] = 0;
      one.capLen[0] = frame.length;
      one.wireLen[0] = frame.length;
      one.linkType[0] = batch.linkType[i];
      decodeFrame(q, one, 0);
      assert.equal(checksumState(q, kindOf(q)), 0);
      assert.equal(reference(q, kindOf(q)), 0);
      found = true;
    }
    assert.ok(found);
  } finally {
    capture.close();
  }
});
