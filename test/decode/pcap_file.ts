/**
 * A minimal classic-pcap reader for the decoder tests (the real reader lives
 * in src/capture): file header, record headers, either byte order, micro-
 * or nanosecond timestamps. Test code: it allocates freely.
 *
 * @module
 */

import { FrameBatch } from "../../src/capture/frame_batch.ts";

/** A pcap file loaded whole, with one descriptor per record. */
export interface PcapFile {
  /** The whole file. */
  data: Uint8Array;
  /** The link type of the file header. */
  linkType: number;
  /** Offset of each frame in `data`. */
  offsets: number[];
  /** Captured length of each frame. */
  capLens: number[];
  /** Wire length of each frame. */
  wireLens: number[];
}

/**
 * Parse a classic pcap file. Stops at the first truncated record.
 *
 * @param data the file's bytes
 * @returns the descriptors
 */
export function parsePcap(data: Uint8Array): PcapFile {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = view.getUint32(0, true);
  let little: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) little = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) little = false;
  else throw new Error(`not a pcap file (magic ${magic.toString(16)})`);
  const linkType = view.getUint32(20, little) & 0x0fffffff;
  const file: PcapFile = { data, linkType, offsets: [], capLens: [], wireLens: [] };
  let pos = 24;
  while (pos + 16 <= data.length) {
    const capLen = view.getUint32(pos + 8, little);
    const wireLen = view.getUint32(pos + 12, little);
    if (pos + 16 + capLen > data.length) break;
    file.offsets.push(pos + 16);
    file.capLens.push(capLen);
    file.wireLens.push(wireLen);
    pos += 16 + capLen;
  }
  return file;
}

/**
 * Read and parse a pcap file.
 *
 * @param path the file
 * @returns the descriptors
 */
export function readPcap(path: string): PcapFile {
  return parsePcap(Deno.readFileSync(path));
}

/**
 * Fill a batch with frames `start..start+capacity-1` of a pcap.
 *
 * @param file the parsed pcap
 * @param batch the batch to fill
 * @param start first frame index
 * @returns the number of frames filled
 */
export function fillBatch(file: PcapFile, batch: FrameBatch, start: number): number {
  const n = Math.min(batch.capacity, file.offsets.length - start);
  batch.data = file.data;
  for (let i = 0; i < n; i++) {
    batch.offset[i] = file.offsets[start + i];
    batch.capLen[i] = file.capLens[start + i];
    batch.wireLen[i] = file.wireLens[start + i];
    batch.linkType[i] = file.linkType;
    batch.tsSec[i] = 0;
    batch.tsNsec[i] = 0;
  }
  batch.count = n;
  return n;
}
