/**
 * Test helper for the TLS and SSH parser tests: read a capture, split it into
 * TCP connections and give each direction's payload in sequence order, as
 * the flow stage's reassembly would (retransmissions dropped, out-of-order
 * segments held until the hole fills). Test code: it allocates freely.
 *
 * @module
 */

import { tcpConnections } from "./_tcp_streams.ts";

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

/**
 * Read a capture's TCP connections: {@link tcpConnections} of
 * `_tcp_streams.ts` (the one test reassembler), in the shape the parser
 * tests use.
 *
 * @param path a pcap or pcapng file
 * @returns the connections in order of their first packet
 */
export function readTcpConnections(path: string): TcpConnection[] {
  return tcpConnections(path).map((c) => ({
    key: c.key,
    clientPort: Number(c.client.slice(c.client.lastIndexOf(":") + 1)),
    serverPort: c.serverPort,
    chunks: c.chunks.map((k) => ({ toServer: k.toServer, bytes: k.data })),
  }));
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
