/**
 * Test helper for the TLS and SSH parser tests: read a capture, split it into
 * TCP connections and give each direction's payload in sequence order, as
 * the flow stage's reassembly would (retransmissions dropped, out-of-order
 * segments held until the hole fills). Test code: it allocates freely.
 *
 * @module
 */

import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet, TcpFlag } from "../../src/decode/packet.ts";

/** One in-order piece of a connection's stream. */
export interface StreamChunk {
  /** True for client-to-server bytes. */
  toServer: boolean;
  /** The bytes (a copy). */
  bytes: Uint8Array;
}

/** A TCP connection's streams. */
export interface TcpConnection {
  /** "clientIp:port-serverIp:port". */
  key: string;
  /** Client port. */
  clientPort: number;
  /** Server port. */
  serverPort: number;
  /** In-order chunks of both directions, in capture order. */
  chunks: StreamChunk[];
}

interface DirState {
  next: number; // next expected seq, -1 when unknown
  pending: Map<number, Uint8Array>;
}

function addrText(p: Packet, src: boolean): string {
  if (p.ipVersion === 4) {
    const a = src ? p.src4 : p.dst4;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const off = p.frameOffset + (src ? p.src6Offset : p.dst6Offset);
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    parts.push(((p.data[off + i] << 8) | p.data[off + i + 1]).toString(16));
  }
  return `[${parts.join(":")}]`;
}

/**
 * Read a capture's TCP connections.
 *
 * @param path a pcap or pcapng file
 * @returns the connections in order of their first packet
 */
export function readTcpConnections(path: string): TcpConnection[] {
  const capture = openCaptureFile(path);
  const conns = new Map<string, TcpConnection>();
  const dirs = new Map<string, DirState>();
  const packet = new Packet();
  try {
    const batch = new FrameBatch();
    for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
      for (let i = 0; i < n; i++) {
        decodeFrame(packet, batch, i);
        if (packet.ipProto !== 6 || packet.l4Offset < 0) continue;
        const src = `${addrText(packet, true)}:${packet.srcPort}`;
        const dst = `${addrText(packet, false)}:${packet.dstPort}`;
        let conn = conns.get(`${src}-${dst}`);
        let toServer = true;
        if (!conn) {
          conn = conns.get(`${dst}-${src}`);
          toServer = false;
        }
        if (!conn) {
          // A SYN-ACK first means the other side is the client.
          const synAck = (packet.tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) ===
            (TcpFlag.SYN | TcpFlag.ACK);
          toServer = !synAck;
          const key = toServer ? `${src}-${dst}` : `${dst}-${src}`;
          conn = {
            key,
            clientPort: toServer ? packet.srcPort : packet.dstPort,
            serverPort: toServer ? packet.dstPort : packet.srcPort,
            chunks: [],
          };
          conns.set(key, conn);
        }
        const dirKey = `${conn.key}/${toServer}`;
        let dir = dirs.get(dirKey);
        if (!dir) {
          dir = { next: -1, pending: new Map() };
          dirs.set(dirKey, dir);
        }
        let seq = packet.tcpSeq >>> 0;
        if (packet.tcpFlags & TcpFlag.SYN) {
          dir.next = (seq + 1) >>> 0;
          seq = (seq + 1) >>> 0;
        }
        if (packet.payloadLen <= 0) continue;
        const at = packet.frameOffset + packet.payloadOffset;
        const bytes = packet.data.slice(at, at + packet.payloadLen);
        if (dir.next < 0) dir.next = seq;
        dir.pending.set(seq, bytes);
        // Deliver what is in order now.
        for (;;) {
          let delivered = false;
          for (const [s, b] of dir.pending) {
            const rel = (s - dir.next) | 0;
            if (rel > 0) continue;
            dir.pending.delete(s);
            if (rel + b.length > 0) {
              const fresh = b.subarray(-rel);
              conn.chunks.push({ toServer, bytes: fresh });
              dir.next = (dir.next + fresh.length) >>> 0;
            }
            delivered = true;
          }
          if (!delivered) break;
        }
      }
    }
  } finally {
    capture.close();
  }
  return [...conns.values()];
}

/**
 * The whole stream of one direction.
 *
 * @param conn the connection
 * @param toServer the direction
 * @returns the concatenated bytes
 */
export function streamBytes(conn: TcpConnection, toServer: boolean): Uint8Array {
  const parts = conn.chunks.filter((c) => c.toServer === toServer);
  const out = new Uint8Array(parts.reduce((n, c) => n + c.bytes.length, 0));
  let at = 0;
  for (const c of parts) {
    out.set(c.bytes, at);
    at += c.bytes.length;
  }
  return out;
}

/** Read the EVE records of one event type from an eve.json. */
export function readEve(path: string, eventType: string): Record<string, unknown>[] {
  return Deno.readTextFileSync(path).split("\n").filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.event_type === eventType);
}
