/**
 * The decoders on real captures from suricata-verify: every frame of every
 * pcap decodes without throwing and within its captured length; selected
 * pcaps (one per link type and encapsulation) give the layer and event
 * counts Wireshark and Suricata give (see the README for where they differ
 * by design); real frames cut at every length stay independent of the
 * bytes past the cut.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DECODER_EVENT_NAMES } from "../../src/decode/events.ts";
import { decodePacket } from "../../src/decode/decoder.ts";
import { LAYER_NAMES, Packet, Tunnel } from "../../src/decode/packet.ts";
import { CORPUS_DIR, HAVE_CORPUS } from "../corpus.ts";
import { assertCutSafe, assertWithin } from "./frames.ts";
import { type PcapFile, readPcap } from "./pcap_file.ts";

const SV = join(CORPUS_DIR, "suricata-verify");

interface Counts {
  frames: number;
  layers: Record<string, number>;
  events: Record<string, number>;
  tunnels: Record<string, number>;
}

function decodeAll(file: PcapFile, each?: (p: Packet, i: number) => void): Counts {
  const p = new Packet();
  const counts: Counts = { frames: file.offsets.length, layers: {}, events: {}, tunnels: {} };
  const tunnelNames = Object.fromEntries(Object.entries(Tunnel).map(([k, v]) => [v, k]));
  for (let i = 0; i < file.offsets.length; i++) {
    p.data = file.data;
    p.frameOffset = file.offsets[i];
    p.capLen = file.capLens[i];
    p.wireLen = file.wireLens[i];
    p.linkType = file.linkType;
    decodePacket(p);
    for (let b = 0; b < LAYER_NAMES.length; b++) {
      if ((p.layers >>> b) & 1) {
        counts.layers[LAYER_NAMES[b]] = (counts.layers[LAYER_NAMES[b]] ?? 0) + 1;
      }
    }
    for (let e = 0; e < DECODER_EVENT_NAMES.length; e++) {
      if (p.hasEvent(e)) {
        counts.events[DECODER_EVENT_NAMES[e]] = (counts.events[DECODER_EVENT_NAMES[e]] ?? 0) + 1;
      }
    }
    if (p.tunnel !== 0) {
      counts.tunnels[tunnelNames[p.tunnel]] = (counts.tunnels[tunnelNames[p.tunnel]] ?? 0) + 1;
    }
    each?.(p, i);
  }
  return counts;
}

function listPcaps(dir: string, out: string[] = []): string[] {
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) listPcaps(path, out);
    else if (entry.name.endsWith(".pcap")) out.push(path);
  }
  return out.sort();
}

Deno.test({
  name: "pcap: every suricata-verify frame decodes within its captured length",
  ignore: !HAVE_CORPUS,
  fn() {
    let frames = 0;
    let pcaps = 0;
    for (const path of listPcaps(SV)) {
      let file: PcapFile;
      try {
        file = readPcap(path);
      } catch {
        continue; // pcapng or damaged: the capture reader's business
      }
      pcaps++;
      decodeAll(file, (p, i) => {
        frames++;
        assertWithin(p, Math.min(p.capLen, file.data.length - p.frameOffset), `${path}#${i + 1}`);
        if (p.layers === 0) throw new Error(`${path}#${i + 1}: nothing decoded`);
      });
    }
    assert.ok(pcaps > 600, `${pcaps} pcaps`);
    assert.ok(frames > 100000, `${frames} frames`);
  },
});

const EXPECTED: Record<string, Counts> = {
  "bug-6244-tcp-rst-with-data/tcp-rst-with-data.pcap": {
    frames: 8,
    layers: { ethernet: 8, vlan: 8, ipv4: 8, tcp: 8 },
    events: {},
    tunnels: {},
  },
  "ipv6-hdr-keyword-02/input.pcap": {
    frames: 1,
    layers: { ethernet: 1, vlan: 1, ipv6: 1, udp: 1 },
    events: {
      "ipv6.hopopts_only_padding": 1,
      "ipv6.dstopts_only_padding": 1,
      "ipv6.rh_type_0": 1,
    },
    tunnels: {},
  },
  "detect-ttl-ipv6/covert_send6.pcap": {
    frames: 37,
    layers: { ethernet: 37, ipv6: 37, icmpv6: 37 },
    events: { "ipv6.dstopts_unknown_opt": 18 },
    tunnels: {},
  },
  "ipv6-evasion/ipv6-malformed-fragments-15/frag-15.pcap": {
    frames: 64,
    layers: { ethernet: 64, ipv6: 64, icmpv6: 11, fragment: 54 },
    events: { "ipv6.zero_len_padn": 2 },
    tunnels: {},
  },
  "defrag/bug-6887-defrag-ppp-ipv4-tcp-syn/frag-ppp-ip-tcp-syn.pcap": {
    frames: 3,
    layers: { ppp: 3, ipv4: 3, tcp: 1, fragment: 3 },
    events: {},
    tunnels: {},
  },
  "defrag/bug-6887-defrag-ppp-ipv6-tcp/frag-ppp-ipv6-tcp.pcap": {
    frames: 3,
    layers: { ppp: 3, ipv6: 3, tcp: 1, fragment: 3 },
    events: {},
    tunnels: {},
  },
  "bug-2576-02/temp1.pcap": {
    frames: 17,
    layers: { ethernet: 17, ipv4: 17, tcp: 17, gre: 17 },
    events: {},
    tunnels: { GRE: 17 },
  },
  "decode-erspan-typeII-01/input.pcap": {
    frames: 6,
    layers: { ethernet: 6, ipv4: 6, gre: 6, erspan: 6, icmpv4: 4 },
    events: {},
    tunnels: { ERSPAN: 6 },
  },
  "vxlan-decoder-02/vxlan.pcap": {
    frames: 10,
    layers: { ethernet: 10, ipv4: 10, udp: 10, icmpv4: 8, vxlan: 10, arp: 2 },
    events: {},
    tunnels: { VXLAN: 10 },
  },
  // Wireshark counts a fourth Teredo frame whose inner hop limit is 0;
  // Suricata (and Tarsier) reject it.
  "decode-teredo-01/input.pcap": {
    frames: 78,
    layers: { ethernet: 78, ipv4: 78, udp: 45, tcp: 33, ipv6: 3, icmpv6: 3, teredo: 3 },
    events: {},
    tunnels: { TEREDO: 3 },
  },
  "smtp-rset/input.pcap": {
    frames: 42,
    layers: { null: 42, ipv4: 42, tcp: 42 },
    events: {},
    tunnels: {},
  },
  "smb-named-pipe-ascii-frames/input.pcap": {
    frames: 23,
    layers: { sll: 23, ipv4: 23, tcp: 23 },
    events: {},
    tunnels: {},
  },
  "decode-chdlc-01/hdlc-http_1tx.pcap": {
    frames: 17,
    layers: { chdlc: 17, ipv4: 17, tcp: 17 },
    events: {},
    tunnels: {},
  },
  "detect-ipopts/input.pcap": {
    frames: 8,
    layers: { raw: 8, ipv4: 8, tcp: 8 },
    events: { "ipv4.opt_pad_required": 7 },
    tunnels: {},
  },
  "decode-sctp-01/input.pcap": {
    frames: 1,
    layers: { ethernet: 1, ipv4: 1, sctp: 1 },
    events: {},
    tunnels: {},
  },
  // Big-endian pcap.
  "nfs3-01/input.pcap": {
    frames: 128,
    layers: { ethernet: 128, ipv4: 128, udp: 128 },
    events: {},
    tunnels: {},
  },
  // Suricata's own expectations: frame 3 raises ipv4.opt_invalid_len and
  // ipv4.opt_pad_required (and is invalid, so nothing past IPv4).
  "bug-7414-decoder-event-01/ip_secopt.pcap": {
    frames: 3,
    layers: { ethernet: 3, ipv4: 3, udp: 2 },
    events: { "ipv4.opt_invalid_len": 1, "ipv4.opt_pad_required": 1 },
    tunnels: {},
  },
  "udp-5379/udp-len-invalid/input.pcap": {
    frames: 1,
    layers: { ethernet: 1, ipv4: 1, udp: 1 },
    events: { "udp.len_invalid": 1 },
    tunnels: {},
  },
};

for (const [rel, expected] of Object.entries(EXPECTED)) {
  Deno.test({
    name: `pcap: ${rel}`,
    ignore: !HAVE_CORPUS,
    fn() {
      assert.deepEqual(decodeAll(readPcap(join(SV, rel))), expected);
    },
  });
}

Deno.test({
  name: "pcap: real frames cut at every length do not read past the cut",
  ignore: !HAVE_CORPUS,
  fn() {
    const samples = [
      "bug-6244-tcp-rst-with-data/tcp-rst-with-data.pcap",
      "ipv6-hdr-keyword-02/input.pcap",
      "ipv6-evasion/ipv6-malformed-fragments-15/frag-15.pcap",
      "bug-2576-02/temp1.pcap",
      "decode-erspan-typeII-01/input.pcap",
      "vxlan-decoder-02/vxlan.pcap",
      "decode-teredo-01/input.pcap",
      "smtp-rset/input.pcap",
      "decode-chdlc-01/hdlc-http_1tx.pcap",
      "detect-ipopts/input.pcap",
      "defrag/bug-6887-defrag-ppp-ipv4-tcp-syn/frag-ppp-ip-tcp-syn.pcap",
      "smb-named-pipe-ascii-frames/input.pcap",
    ];
    for (const rel of samples) {
      const file = readPcap(join(SV, rel));
      const n = Math.min(file.offsets.length, 12);
      for (let i = 0; i < n; i++) {
        const frame = file.data.subarray(
          file.offsets[i],
          file.offsets[i] + Math.min(file.capLens[i], 200),
        );
        assertCutSafe(frame, file.linkType);
      }
    }
  },
});
