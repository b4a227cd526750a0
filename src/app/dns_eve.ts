/**
 * Suricata 7.0's EVE `dns` objects (version 2 format, rust/src/dns/log.rs and
 * src/output-json-dns.c, output-json-alert.c) for a {@link DnsTx}: the query
 * records, the answer record, and the object alerts carry. Built from the
 * message copy kept in the transaction; allocates (called only to write).
 *
 * Text is as Suricata's JsonBuilder writes bytes: a valid UTF-8 name or
 * string as is, otherwise each byte above 127 as the four characters `\xhh`.
 *
 * @module
 */

import { DnsWalker, NameFlag, RrType, u16, u32 } from "./dns_message.ts";
import { TxSide } from "./transaction.ts";
import type { DnsTx } from "./dns_tx.ts";

/** Record type names as Suricata spells them (its typos kept: MD is "ND"). */
const RRTYPE_NAMES: Readonly<Record<number, string>> = {
  1: "A",
  2: "NS",
  3: "ND",
  4: "MF",
  5: "CNAME",
  6: "SOA",
  7: "MB",
  8: "MG",
  9: "MR",
  10: "NULL",
  11: "WKS",
  12: "PTR",
  13: "HINFO",
  14: "MINFO",
  15: "MX",
  16: "TXT",
  17: "RP",
  18: "AFSDB",
  19: "X25",
  20: "ISDN",
  21: "RT",
  22: "NSAP",
  23: "NSAPPT",
  24: "SIG",
  25: "KEY",
  26: "PX",
  27: "GPOS",
  28: "AAAA",
  29: "LOC",
  30: "NXT",
  33: "SRV",
  34: "ATMA",
  35: "NAPTR",
  36: "KX",
  37: "CERT",
  38: "A6",
  39: "DNAME",
  41: "OPT",
  42: "APL",
  43: "DS",
  44: "SSHFP",
  45: "IPSECKEY",
  46: "RRSIG",
  47: "NSEC",
  48: "DNSKEY",
  49: "DHCID",
  50: "NSEC3",
  51: "NSEC3PARAM",
  52: "TLSA",
  55: "HIP",
  59: "CDS",
  60: "CDSNKEY",
  65: "HTTPS",
  99: "SPF",
  249: "TKEY",
  250: "TSIG",
  254: "MAILA",
  255: "ANY",
  256: "URI",
};

/** Response codes by the low 4 bits of the flags. */
const RCODE_NAMES: readonly string[] = [
  "NOERROR",
  "FORMERR",
  "SERVFAIL",
  "NXDOMAIN",
  "NOTIMP",
  "REFUSED",
  "YXDOMAIN",
  "YXRRSET",
  "NXRRSET",
  "NOTAUTH",
  "NOTZONE",
];

/**
 * Record types an alert's `dns` object shows (Suricata's alert logger asks
 * for "all types" as a type mask, which leaves out HINFO and the types it
 * has no bit for).
 */
const ALERT_TYPES: ReadonlySet<number> = new Set(
  Object.keys(RRTYPE_NAMES).map(Number).filter((t) => t !== RrType.HINFO),
);

/**
 * A record type as EVE writes it.
 *
 * @param rrtype the type number
 * @returns its name, or the number in decimal
 */
export function rrtypeName(rrtype: number): string {
  return RRTYPE_NAMES[rrtype] ?? String(rrtype);
}

/**
 * A response code as EVE writes it.
 *
 * @param flags the header's flags word
 * @returns its name, or the number in decimal
 */
export function rcodeName(flags: number): string {
  return RCODE_NAMES[flags & 0xf] ?? String(flags & 0xf);
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Bytes as Suricata's JsonBuilder shows them (`set_string_from_bytes`).
 *
 * @param b the bytes
 * @param from first byte
 * @param to one past the last
 * @returns the text
 */
export function eveText(b: Uint8Array, from: number, to: number): string {
  let ascii = true;
  for (let i = from; i < to; i++) if (b[i] > 127) ascii = false;
  if (ascii) return String.fromCharCode(...b.subarray(from, to));
  try {
    return utf8.decode(b.subarray(from, to));
  } catch {
    let s = "";
    for (let i = from; i < to; i++) {
      s += b[i] < 128 ? String.fromCharCode(b[i]) : "\\x" + b[i].toString(16).padStart(2, "0");
    }
    return s;
  }
}

/** An address as Suricata prints it: dotted quad, or 8 groups of 4 hex digits. */
function printAddr(b: Uint8Array, from: number, to: number): string {
  if (to - from === 4) return `${b[from]}.${b[from + 1]}.${b[from + 2]}.${b[from + 3]}`;
  if (to - from !== 16) return "";
  const groups: string[] = [];
  for (let i = from; i < to; i += 2) {
    groups.push(b[i].toString(16).padStart(2, "0") + b[i + 1].toString(16).padStart(2, "0"));
  }
  return groups.join(":");
}

const walker = new DnsWalker();

/** A decoded name: its text and whether it was cut. */
interface Name {
  text: string;
  truncated: boolean;
  next: number;
}

function readName(tx: DnsTx, p: number, end: number): Name {
  const next = walker.readName(tx.msg, 0, tx.msgLen, p, end);
  return {
    text: eveText(walker.name, 0, walker.nameLen),
    truncated: (walker.nameFlags & NameFlag.TRUNCATED) !== 0,
    next,
  };
}

/**
 * The query records of a request: one `dns` object per question, in order
 * (Suricata writes one EVE record each).
 *
 * @param tx a request transaction
 * @param forAlert the alert's entries (no `version`; stop at the first
 *   question of a type alerts leave out)
 * @returns the objects (empty when the message has no question)
 */
export function dnsQueryRecords(tx: DnsTx, forAlert: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (tx.queryCount === 0) return out;
  walker.scan(tx.msg, 0, tx.msgLen, false);
  const z = (tx.flags & 0x0040) !== 0;
  for (let k = 0; k < walker.questionCount; k++) {
    const rrtype = walker.questionType[k];
    if (forAlert && !ALERT_TYPES.has(rrtype)) break;
    const name = readName(tx, walker.questionAt[k], tx.msgLen);
    const r: Record<string, unknown> = forAlert ? {} : { version: 2 };
    r.type = "query";
    r.id = tx.dnsId;
    r.rrname = name.text;
    if (name.truncated) r.rrname_truncated = true;
    r.rrtype = rrtypeName(rrtype);
    r.tx_id = tx.id;
    if (z) r.z = true;
    r.opcode = tx.opcode;
    out.push(r);
  }
  return out;
}

/** One answer or authority entry, and its grouped value. */
interface Entry {
  detail: Record<string, unknown>;
  grouped: unknown;
}

function entry(tx: DnsTx, owner: Name, type: number, ttl: number, p: number, end: number): Entry {
  const m = tx.msg;
  const detail: Record<string, unknown> = { rrname: owner.text };
  if (owner.truncated) detail.rrname_truncated = true;
  detail.rrtype = rrtypeName(type);
  detail.ttl = ttl;
  let grouped: unknown = undefined;
  switch (type) {
    case RrType.A:
    case RrType.AAAA:
      grouped = detail.rdata = printAddr(m, p, end);
      break;
    case RrType.CNAME:
    case RrType.PTR:
    case RrType.NS:
    case RrType.MX: {
      const name = readName(tx, type === RrType.MX ? p + 2 : p, end);
      grouped = detail.rdata = name.text;
      if (name.truncated) detail.rdata_truncated = true;
      break;
    }
    case RrType.TXT:
      grouped = detail.rdata = eveText(m, p + 1, p + 1 + m[p]);
      break;
    case RrType.NULL:
      grouped = detail.rdata = eveText(m, p, end);
      break;
    case RrType.SOA: {
      const mname = readName(tx, p, end);
      const rname = readName(tx, mname.next, end);
      const q = rname.next;
      const soa: Record<string, unknown> = { mname: mname.text };
      if (mname.truncated) soa.mname_truncated = true;
      soa.rname = rname.text;
      if (rname.truncated) soa.rname_truncated = true;
      soa.serial = u32(m, q);
      soa.refresh = u32(m, q + 4);
      soa.retry = u32(m, q + 8);
      soa.expire = u32(m, q + 12);
      soa.minimum = u32(m, q + 16);
      grouped = detail.soa = soa;
      break;
    }
    case RrType.SSHFP: {
      const hex: string[] = [];
      for (let i = p + 2; i < end; i++) hex.push(m[i].toString(16).padStart(2, "0"));
      grouped = detail.sshfp = { fingerprint: hex.join(":"), algo: m[p], type: m[p + 1] };
      break;
    }
    case RrType.SRV: {
      const target = readName(tx, p + 6, end);
      grouped = detail.srv = {
        priority: u16(m, p),
        weight: u16(m, p + 2),
        port: u16(m, p + 4),
        name: target.text,
      };
      break;
    }
  }
  return { detail, grouped };
}

/** The entries of `count` records from `p` (a TXT record gives one per string). */
function section(tx: DnsTx, p: number, count: number, entries: Entry[]): number {
  const m = tx.msg;
  const end = tx.msgLen;
  for (let k = 0; k < count; k++) {
    const owner = readName(tx, p, end);
    p = owner.next;
    const type = u16(m, p);
    const ttl = u32(m, p + 4);
    const rdEnd = p + 10 + u16(m, p + 8);
    let item = p + 10;
    for (;;) {
      const next = walker.rdataItem(m, 0, end, type, item, rdEnd);
      if (next < 0) break;
      entries.push(entry(tx, owner, type, ttl, item, rdEnd));
      if (type !== RrType.TXT) break;
      item = next;
    }
    p = rdEnd;
  }
  return p;
}

/**
 * The answer record of a response: `{"version":2,"type":"answer",...}` with
 * `answers` and `grouped` (unless `forAlert`: alerts leave them out) and
 * `authorities`.
 *
 * @param tx a response transaction
 * @param forAlert the object an alert's `dns.answer` holds
 * @returns the object, or null when Suricata writes none (no question, or
 *   for alerts no question of a type alerts show)
 */
export function dnsAnswerRecord(tx: DnsTx, forAlert: boolean): Record<string, unknown> | null {
  if (tx.queryCount === 0) return null;
  if (forAlert) {
    let shown = false;
    for (let k = 0; k < tx.queryCount; k++) if (ALERT_TYPES.has(tx.queryTypes[k])) shown = true;
    if (!shown) return null;
  }
  const m = tx.msg;
  const f = tx.flags;
  walker.scan(m, 0, tx.msgLen, false);
  const questionsEnd = questionsEndOffset(tx);
  const first = readName(tx, walker.questionAt[0], tx.msgLen);
  const r: Record<string, unknown> = {
    version: 2,
    type: "answer",
    id: tx.dnsId,
    flags: f.toString(16),
  };
  if (f & 0x8000) r.qr = true;
  if (f & 0x0400) r.aa = true;
  if (f & 0x0200) r.tc = true;
  if (f & 0x0100) r.rd = true;
  if (f & 0x0080) r.ra = true;
  if (f & 0x0040) r.z = true;
  r.opcode = tx.opcode;
  r.rrname = first.text;
  if (first.truncated) r.rrname_truncated = true;
  r.rrtype = rrtypeName(tx.queryTypes[0]);
  r.rcode = rcodeName(f);
  const answers: Entry[] = [];
  const authorities: Entry[] = [];
  const p = section(tx, questionsEnd, u16(m, 6), answers);
  section(tx, p, u16(m, 8), authorities);
  if (answers.length > 0 && !forAlert) {
    r.answers = answers.map((e) => e.detail);
    const grouped: Record<string, unknown[]> = {};
    for (let k = 0; k < answers.length; k++) {
      const e = answers[k];
      if (e.grouped === undefined) continue;
      const key = e.detail.rrtype as string;
      (grouped[key] ??= []).push(e.grouped);
    }
    r.grouped = grouped;
  }
  if (authorities.length > 0) r.authorities = authorities.map((e) => e.detail);
  return r;
}

/** Where the questions of the transaction's message end. */
function questionsEndOffset(tx: DnsTx): number {
  let p = 12;
  for (let k = 0; k < tx.queryCount; k++) {
    p = walker.readName(tx.msg, 0, tx.msgLen, p, tx.msgLen) + 4;
  }
  return p;
}

/**
 * The `dns` object Suricata 7.0 adds to an alert on the transaction:
 * `{"version":2,"query":[...]}` for a query, `{"version":2,"answer":{...}}`
 * for a response, `{"version":2}` when neither has anything to show.
 *
 * @param tx the transaction
 * @returns the object
 */
export function dnsAlertObject(tx: DnsTx): Record<string, unknown> {
  const r: Record<string, unknown> = { version: 2 };
  if (tx.side === TxSide.REQUEST) {
    const query = dnsQueryRecords(tx, true);
    if (query.length > 0) r.query = query;
  } else {
    const answer = dnsAnswerRecord(tx, true);
    if (answer !== null) r.answer = answer;
  }
  return r;
}
