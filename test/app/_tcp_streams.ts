/**
 * Test helper: the TCP connections of a capture, each as the in-order
 * payload chunks of both directions in capture order (retransmissions and
 * overlaps dropped by sequence number; out-of-order segments held until the
 * hole is filled). Good enough for clean captures. Test code: allocates.
 *
 * @module
 */

import { openCaptureFile } from "../../src/capture/capture_file.ts";
import { FrameBatch } from "../../src/capture/frame_batch.ts";
import { decodeFrame } from "../../src/decode/decoder.ts";
import { Packet, TcpFlag } from "../../src/decode/packet.ts";

/** One chunk of payload of one direction. */
export interface StreamChunk {
  /** Client to server. */
  toServer: boolean;
  /** The bytes. */
  data: Uint8Array;
  /** The capture's packet number (1-based) that completed the chunk. */
  pcapCnt: number;
}

/** One TCP connection. */
export interface TcpConnection {
  /** "srcip:port-dstip:port" of the client side. */
  key: string;
  /** Client address and port. */
  client: string;
  /** Server address and port. */
  server: string;
  /** The server's port. */
  serverPort: number;
  /** Payload chunks in capture order. */
  chunks: StreamChunk[];
}

interface Dir {
  next: number; // next expected sequence number, -1 until known
  pending: Map<number, Uint8Array>;
}

function addr(p: Packet, src: boolean): string {
  if (p.ipVersion === 4) {
    const a = src ? p.src4 : p.dst4;
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  }
  const off = p.frameOffset + (src ? p.src6Offset : p.dst6Offset);
  const parts: string[] = [];
  for (let k = 0; k < 16; k += 2) {
    parts.push(((p.data[off + k] << 8) | p.data[off + k + 1]).toString(16).padStart(4, "0"));
  }
  return parts.join(":");
}

/**
 * Decode every frame of a capture, in order, into one reused packet.
 *
 * @param path the pcap or pcapng file
 * @param visit called with the decoded packet (valid until it returns) and its 1-based number
 */
export function forEachPacket(path: string, visit: (p: Packet, pcapCnt: number) => void): void {
  const capture = openCaptureFile(path);
  const batch = new FrameBatch();
  const p = new Packet();
  let cnt = 0;
  try {
    for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
      for (let i = 0; i < n; i++) {
        decodeFrame(p, batch, i);
        visit(p, ++cnt);
      }
    }
  } finally {
    capture.close();
  }
}

/**
 * Read a capture's TCP connections.
 *
 * @param path the pcap or pcapng file
 * @returns the connections in order of their first packet
 */
export function tcpConnections(path: string): TcpConnection[] {
  const conns = new Map<string, { conn: TcpConnection; dirs: [Dir, Dir] }>();
  const list: TcpConnection[] = [];
  forEachPacket(path, (p, cnt) => {
    if (p.ipProto !== 6 || p.l4Offset < 0) return;
    const a = `${addr(p, true)}:${p.srcPort}`;
    const b = `${addr(p, false)}:${p.dstPort}`;
    let entry = conns.get(`${a}-${b}`);
    let toServer = true;
    if (entry === undefined) {
      entry = conns.get(`${b}-${a}`);
      toServer = false;
    }
    const syn = (p.tcpFlags & TcpFlag.SYN) !== 0;
    const ack = (p.tcpFlags & TcpFlag.ACK) !== 0;
    if (entry === undefined) {
      // the first packet's sender is the client unless it is a SYN-ACK
      const reversed = syn && ack;
      const conn: TcpConnection = {
        key: reversed ? `${b}-${a}` : `${a}-${b}`,
        client: reversed ? b : a,
        server: reversed ? a : b,
        serverPort: reversed ? p.srcPort : p.dstPort,
        chunks: [],
      };
      entry = {
        conn,
        dirs: [{ next: -1, pending: new Map() }, { next: -1, pending: new Map() }],
      };
      conns.set(conn.key, entry);
      list.push(conn);
      toServer = !reversed;
    }
    const dir = entry.dirs[toServer ? 0 : 1];
    if (syn) {
      dir.next = (p.tcpSeq + 1) >>> 0;
      return;
    }
    if (p.payloadLen <= 0) return;
    const start = p.frameOffset + p.payloadOffset;
    const payload = p.data.slice(start, start + p.payloadLen);
    if (dir.next < 0) dir.next = p.tcpSeq >>> 0;
    const rel = (p.tcpSeq - dir.next) | 0;
    if (rel + payload.length <= 0) return; // retransmission
    const seq = rel < 0 ? dir.next : p.tcpSeq >>> 0;
    const bytes = rel < 0 ? payload.subarray(-rel) : payload;
    const have = dir.pending.get(seq);
    if (have === undefined || have.length < bytes.length) dir.pending.set(seq, bytes);
    // flush what is contiguous
    const parts: Uint8Array[] = [];
    for (;;) {
      let found = false;
      for (const [s, d] of dir.pending) {
        const r = (s - dir.next) | 0;
        if (r > 0) continue;
        dir.pending.delete(s);
        if (r + d.length > 0) {
          const piece = d.subarray(-r);
          parts.push(piece);
          dir.next = (dir.next + piece.length) >>> 0;
        }
        found = true;
        break;
      }
      if (!found) break;
    }
    if (parts.length === 0) return;
    let len = 0;
    for (const x of parts) len += x.length;
    const data = new Uint8Array(len);
    let o = 0;
    for (const x of parts) {
      data.set(x, o);
      o += x.length;
    }
    entry.conn.chunks.push({ toServer, data, pcapCnt: cnt });
  });
  return list;
}
