/**
 * The TCP/UDP payloads of an Ethernet pcap, found by parsing the file by hand
 * (24-byte file header, 16-byte record headers, Ethernet, VLAN, IPv4/IPv6,
 * TCP/UDP), as offsets into the file's bytes: the matcher benchmarks scan
 * them in place.
 *
 * @module
 */

/** Where the TCP/UDP payloads of an Ethernet pcap lie in the file's bytes. */
export interface Payloads {
  data: Uint8Array;
  offset: number[];
  length: number[];
  bytes: number;
}

/** Parse the pcap by hand: 24-byte file header, 16-byte record headers. */
export function loadPayloads(path: string): Payloads {
  const data = Deno.readFileSync(path);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = view.getUint32(0, true);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error(`${path}: not a pcap file`);
  }
  if ((view.getUint32(20, le) & 0xffff) !== 1) throw new Error(`${path}: not Ethernet`);
  const result: Payloads = { data, offset: [], length: [], bytes: 0 };
  for (let at = 24; at + 16 <= data.length;) {
    const capLen = view.getUint32(at + 8, le);
    const frame = at + 16;
    const stop = Math.min(frame + capLen, data.length);
    at = frame + capLen;
    let l3 = frame + 14;
    let etherType = view.getUint16(frame + 12);
    while ((etherType === 0x8100 || etherType === 0x88a8) && l3 + 4 <= stop) {
      etherType = view.getUint16(l3 + 2);
      l3 += 4;
    }
    let proto = -1;
    let l4 = 0;
    let l3End = stop;
    if (etherType === 0x0800 && l3 + 20 <= stop) {
      proto = data[l3 + 9];
      l4 = l3 + (data[l3] & 0x0f) * 4;
      l3End = Math.min(stop, l3 + view.getUint16(l3 + 2));
    } else if (etherType === 0x86dd && l3 + 40 <= stop) {
      proto = data[l3 + 6];
      l4 = l3 + 40;
      l3End = Math.min(stop, l4 + view.getUint16(l3 + 4));
    }
    let payload = -1;
    if (proto === 6 && l4 + 20 <= l3End) payload = l4 + (data[l4 + 12] >> 4) * 4;
    else if (proto === 17 && l4 + 8 <= l3End) payload = l4 + 8;
    if (payload >= 0 && payload < l3End) {
      result.offset.push(payload);
      result.length.push(l3End - payload);
      result.bytes += l3End - payload;
    }
  }
  return result;
}
