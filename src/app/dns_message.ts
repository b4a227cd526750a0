/**
 * The DNS wire format as Suricata 7.0 reads it (rust/src/dns/parser.rs):
 * name decompression with its limits and flags, and the walk over a
 * message's questions, answers and authorities that decides whether the
 * message is well formed. Allocation-free: names are decoded into a reused
 * scratch array.
 *
 * Suricata's rules, kept exactly because they decide which messages are
 * logged at all:
 * - a pointer may point anywhere in the message (forwards too); a pointer to
 *   the very bytes being read is an infinite loop: an error when no pointer
 *   was followed yet, else the name ends there (flag {@link NameFlag.INFINITE_LOOP});
 * - more than 255 labels and pointers: an error before any pointer, else the
 *   name is cut ({@link NameFlag.LABEL_LIMIT} and {@link NameFlag.TRUNCATED});
 * - a name longer than {@link MAX_NAME_LEN} characters is cut there
 *   ({@link NameFlag.TRUNCATED});
 * - a name may end at the end of its input without the zero label;
 * - only questions are read in requests; questions, answers and authorities
 *   in responses (additional records never); an rdata that yields nothing
 *   (an empty A, an empty CNAME) makes the message malformed.
 *
 * @module
 */

/** The DNS header's size. */
export const DNS_HEADER_LEN = 12;

/** Longest decoded name (dotted form), as dnsmasq and Suricata: longer names are cut. */
export const MAX_NAME_LEN = 1025;

/** Most labels plus pointers read in one name. */
export const MAX_NAME_STEPS = 255;

/** Flags of a decoded name (Suricata's DNSNameFlags). */
export const NameFlag = {
  /** A pointer pointed at itself after another pointer was followed. */
  INFINITE_LOOP: 1,
  /** The name was cut (too long, or too many labels). */
  TRUNCATED: 2,
  /** More than {@link MAX_NAME_STEPS} labels and pointers. */
  LABEL_LIMIT: 4,
} as const;

/** Record types the parser and logger know by number. */
export const RrType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  NULL: 10,
  PTR: 12,
  HINFO: 13,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  SSHFP: 44,
} as const;

/** Results of {@link DnsWalker.scan}. */
export const ScanResult = {
  /** Well formed. */
  OK: 0,
  /** Shorter than a header, or the header's counts cannot fit: Suricata ignores it silently. */
  INVALID_HEADER: 1,
  /** A record could not be read: `malformed_data`. */
  MALFORMED: 2,
} as const;

/**
 * Reads DNS names and messages. One per parser (it keeps the last decoded
 * name in {@link DnsWalker.name}).
 *
 * @example
 * ```ts
 * import { DnsWalker } from "./dns_message.ts";
 * const w = new DnsWalker();
 * const m = new Uint8Array([3, 0x77, 0x77, 0x77, 2, 0x69, 0x6f, 0]);
 * const next = w.readName(m, 0, m.length, 0, m.length);
 * console.log(next, new TextDecoder().decode(w.name.subarray(0, w.nameLen))); // 8 "www.io"
 * ```
 */
export class DnsWalker {
  /** The last decoded name (bytes as on the wire, labels joined by dots). */
  readonly name: Uint8Array = new Uint8Array(MAX_NAME_LEN + 80);
  /** Length of {@link DnsWalker.name}. */
  nameLen = 0;
  /** {@link NameFlag} bits of the last name. */
  nameFlags = 0;
  /** {@link NameFlag} bits of every name read since the last {@link DnsWalker.scan} began. */
  messageFlags = 0;
  /** Start of each question's name in the last scanned message (absolute offsets). */
  questionAt: Int32Array = new Int32Array(16);
  /** Each question's type. */
  questionType: Uint16Array = new Uint16Array(16);
  /** Questions read by the last {@link DnsWalker.scan}. */
  questionCount = 0;

  /**
   * Decode the name at `p`.
   *
   * @param msg the bytes holding the message
   * @param base where the message (its header) starts in `msg`
   * @param msgEnd where the message ends
   * @param p where the name starts
   * @param sliceEnd the end of the input the name is read from (the message
   *   end, or the end of an rdata)
   * @returns the offset after the name (after the first pointer when one was
   *   followed), or -1 when the name cannot be read
   */
  readName(msg: Uint8Array, base: number, msgEnd: number, p: number, sliceEnd: number): number {
    const name = this.name;
    let len = 0;
    let flags = 0;
    let steps = 0;
    let jumped = false;
    let pivot = 0;
    let end = sliceEnd;
    for (;;) {
      if (p >= end) break;
      const b = msg[p];
      if (b === 0) {
        p++;
        break;
      } else if ((b & 0xc0) === 0) {
        if (p + 1 + b > end) return -1;
        if ((flags & NameFlag.TRUNCATED) === 0) {
          if (len > 0) name[len++] = 0x2e;
          for (let k = p + 1; k <= p + b; k++) name[len++] = msg[k];
        }
        p += 1 + b;
      } else if ((b & 0xc0) === 0xc0) {
        if (p + 2 > end) return -1;
        const offset = ((b & 0x3f) << 8) | msg[p + 1];
        if (offset > msgEnd - base) return -1;
        const target = base + offset;
        if (sameBytes(msg, target, msgEnd, p, end)) {
          flags |= NameFlag.INFINITE_LOOP;
          if (jumped) break;
          return -1;
        }
        if (!jumped) {
          jumped = true;
          pivot = p + 2;
        }
        p = target;
        end = msgEnd;
      } else {
        return -1;
      }
      if (++steps > MAX_NAME_STEPS) {
        flags |= NameFlag.LABEL_LIMIT;
        if (!jumped) return -1;
        flags |= NameFlag.TRUNCATED;
        break;
      }
      if (len > MAX_NAME_LEN) {
        len = MAX_NAME_LEN;
        flags |= NameFlag.TRUNCATED;
        if (jumped) break;
      }
    }
    this.nameLen = len;
    this.nameFlags = flags;
    this.messageFlags |= flags;
    return jumped ? pivot : p;
  }

  /**
   * Walk a whole message as Suricata does: header, questions (recorded in
   * {@link DnsWalker.questionAt}), and for responses the answers and
   * authorities with their rdata.
   *
   * @param msg the bytes holding the message
   * @param base where the message starts
   * @param msgEnd where it ends
   * @param response whether to read answers and authorities (Suricata reads a
   *   message by the direction it travels, not by its QR bit)
   * @returns a {@link ScanResult}
   */
  scan(msg: Uint8Array, base: number, msgEnd: number, response: boolean): number {
    this.messageFlags = 0;
    this.questionCount = 0;
    if (msgEnd - base < DNS_HEADER_LEN) return ScanResult.INVALID_HEADER;
    const qd = u16(msg, base + 4);
    const an = u16(msg, base + 6);
    const ns = u16(msg, base + 8);
    const ar = u16(msg, base + 10);
    if (2 * (qd + an + ns + ar) + DNS_HEADER_LEN > msgEnd - base) return ScanResult.INVALID_HEADER;
    if (qd > this.questionAt.length) {
      this.questionAt = new Int32Array(qd);
      this.questionType = new Uint16Array(qd);
    }
    let p = base + DNS_HEADER_LEN;
    for (let k = 0; k < qd; k++) {
      const at = p;
      p = this.readName(msg, base, msgEnd, p, msgEnd);
      if (p < 0 || p + 4 > msgEnd) return ScanResult.MALFORMED;
      this.questionAt[k] = at;
      this.questionType[k] = u16(msg, p);
      p += 4;
      this.questionCount = k + 1;
    }
    if (!response) return ScanResult.OK;
    p = this.#records(msg, base, msgEnd, p, an);
    if (p >= 0) p = this.#records(msg, base, msgEnd, p, ns);
    return p < 0 ? ScanResult.MALFORMED : ScanResult.OK;
  }

  /** Check `count` resource records from `p`; returns the offset after them or -1. */
  #records(msg: Uint8Array, base: number, msgEnd: number, p: number, count: number): number {
    for (let k = 0; k < count; k++) {
      p = this.readName(msg, base, msgEnd, p, msgEnd);
      if (p < 0 || p + 10 > msgEnd) return -1;
      const type = u16(msg, p);
      const rdLen = u16(msg, p + 8);
      const rd = p + 10;
      if (rd + rdLen > msgEnd) return -1;
      if (this.rdataEnd(msg, base, msgEnd, type, rd, rd + rdLen) < 0) return -1;
      p = rd + rdLen;
    }
    return p;
  }

  /**
   * Read one rdata item of a record (for TXT: one character-string) as
   * Suricata's rdata parsers do.
   *
   * @param msg the bytes holding the message
   * @param base where the message starts
   * @param msgEnd where it ends
   * @param type the record type
   * @param p where the item starts
   * @param end the end of the rdata
   * @returns the offset after the item, or -1 when it cannot be read or
   *   consumes nothing (Suricata then drops the whole message)
   */
  rdataItem(
    msg: Uint8Array,
    base: number,
    msgEnd: number,
    type: number,
    p: number,
    end: number,
  ): number {
    let next: number;
    switch (type) {
      case RrType.CNAME:
      case RrType.PTR:
      case RrType.NS:
        next = this.readName(msg, base, msgEnd, p, end);
        break;
      case RrType.MX:
        next = p + 2 > end ? -1 : this.readName(msg, base, msgEnd, p + 2, end);
        break;
      case RrType.SRV:
        next = p + 6 > end ? -1 : this.readName(msg, base, msgEnd, p + 6, end);
        break;
      case RrType.SOA: {
        next = this.readName(msg, base, msgEnd, p, end);
        if (next >= 0) next = this.readName(msg, base, msgEnd, next, end);
        if (next >= 0) next = next + 20 > end ? -1 : next + 20;
        break;
      }
      case RrType.TXT:
        next = p >= end || p + 1 + msg[p] > end ? -1 : p + 1 + msg[p];
        break;
      case RrType.SSHFP:
        next = p + 2 > end ? -1 : end;
        break;
      default: // A, AAAA, NULL and the types kept as raw bytes
        next = end;
    }
    return next === p ? -1 : next;
  }

  /**
   * Check a record's rdata: one item, or for TXT as many character-strings as
   * fit (at least one).
   *
   * @returns the end of what was read, or -1 when the message is malformed
   */
  rdataEnd(
    msg: Uint8Array,
    base: number,
    msgEnd: number,
    type: number,
    p: number,
    end: number,
  ): number {
    let next = this.rdataItem(msg, base, msgEnd, type, p, end);
    if (next < 0 || type !== RrType.TXT) return next;
    for (;;) {
      const more = this.rdataItem(msg, base, msgEnd, type, next, end);
      if (more < 0) return next;
      next = more;
    }
  }
}

/** Big-endian u16 at `p`. */
export function u16(b: Uint8Array, p: number): number {
  return (b[p] << 8) | b[p + 1];
}

/** Big-endian u32 at `p`. */
export function u32(b: Uint8Array, p: number): number {
  return ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
}

/** Whether `b[a..aEnd)` and `b[c..cEnd)` hold the same bytes (Rust slice equality). */
function sameBytes(b: Uint8Array, a: number, aEnd: number, c: number, cEnd: number): boolean {
  if (aEnd - a !== cEnd - c) return false;
  if (a === c) return true;
  for (; a < aEnd; a++, c++) if (b[a] !== b[c]) return false;
  return true;
}
