/**
 * The parts of an X.509 certificate (DER) that Suricata's TLS parser keeps:
 * subject and issuer as text, serial, validity and the SHA-1 fingerprint.
 * Formats as Suricata 7 writes them: RDNs in certificate order joined by
 * ", ", the attributes of a multi-valued RDN joined by " + ", short names
 * (`C`, `ST`, `L`, `O`, `OU`, `CN`, ...) or the dotted OID for unknown
 * attribute types; serial as the DER integer's bytes in uppercase hex joined
 * by ":" (a leading 00 kept); fingerprint lowercase hex joined by ":".
 *
 * @module
 */

import { createHash } from "node:crypto";

/** What {@link parseCertificate} extracts. */
export interface CertificateInfo {
  /** Subject DN, e.g. `C=US, O=Example Corp, CN=www.example.com`. */
  subject: string;
  /** Issuer DN. */
  issuer: string;
  /** Serial, e.g. `4D:52:C3`. */
  serial: string;
  /** notBefore as seconds since the epoch. */
  notBefore: number;
  /** notAfter as seconds since the epoch. */
  notAfter: number;
}

/** Short names of the attribute types Suricata's x509 printer knows. */
const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.4": "surname",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.9": "streetAddress",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.12": "title",
  "2.5.4.15": "businessCategory",
  "2.5.4.17": "postalCode",
  "2.5.4.41": "name",
  "2.5.4.42": "givenName",
  "2.5.4.43": "initials",
  "2.5.4.46": "dnQualifier",
  "2.5.4.65": "pseudonym",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
  "1.2.840.113549.1.9.1": "Email",
};

/** A DER reader position: tag, content start and end, or tag -1 on error. */
class Tlv {
  tag = -1;
  start = 0;
  end = 0;
}

/**
 * Read one TLV at `at` within `limit`.
 *
 * @returns false when malformed (the tlv's tag is -1)
 */
function readTlv(b: Uint8Array, at: number, limit: number, tlv: Tlv): boolean {
  tlv.tag = -1;
  if (at + 2 > limit) return false;
  const tag = b[at];
  if ((tag & 0x1f) === 0x1f) return false; // multi-byte tags do not occur here
  let len = b[at + 1];
  let p = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > limit) return false;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + b[p++];
  }
  if (len > limit - p) return false;
  tlv.tag = tag;
  tlv.start = p;
  tlv.end = p + len;
  return true;
}

/** A TLV's tag (a call, so type narrowing does not outlive a re-read). */
function tagOf(t: Tlv): number {
  return t.tag;
}

function oidText(b: Uint8Array, from: number, to: number): string {
  if (from >= to) return "";
  const first = b[from];
  const parts: number[] = [
    first < 80 ? Math.floor(first / 40) : 2,
    first < 80 ? first % 40 : first - 80,
  ];
  let v = 0;
  for (let i = from + 1; i < to; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if ((b[i] & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join(".");
}

function valueText(b: Uint8Array, tag: number, from: number, to: number): string {
  if (tag === 0x0c) return new TextDecoder().decode(b.subarray(from, to)); // UTF8String
  if (tag === 0x1e) { // BMPString
    let s = "";
    for (let i = from; i + 1 < to; i += 2) s += String.fromCharCode((b[i] << 8) | b[i + 1]);
    return s;
  }
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}

/** A Name (SEQUENCE OF RDN) as text, or null when malformed. */
function nameText(b: Uint8Array, from: number, to: number): string | null {
  const rdn = new Tlv();
  const atv = new Tlv();
  const oid = new Tlv();
  const val = new Tlv();
  let out = "";
  let at = from;
  let firstRdn = true;
  while (at < to) {
    if (!readTlv(b, at, to, rdn) || rdn.tag !== 0x31) return null;
    let p = rdn.start;
    let firstAtv = true;
    if (!firstRdn) out += ", ";
    firstRdn = false;
    while (p < rdn.end) {
      if (!readTlv(b, p, rdn.end, atv) || atv.tag !== 0x30) return null;
      if (!readTlv(b, atv.start, atv.end, oid) || oid.tag !== 0x06) return null;
      if (!readTlv(b, oid.end, atv.end, val)) return null;
      const o = oidText(b, oid.start, oid.end);
      if (!firstAtv) out += " + ";
      firstAtv = false;
      out += `${SHORT_NAMES[o] ?? o}=${valueText(b, val.tag, val.start, val.end)}`;
      p = atv.end;
    }
    at = rdn.end;
  }
  return out;
}

function digits(b: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = b[at + k] - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** UTCTime or GeneralizedTime as epoch seconds, NaN when malformed. */
function timeValue(b: Uint8Array, tlv: Tlv): number {
  let at = tlv.start;
  let year: number;
  if (tlv.tag === 0x17) {
    if (tlv.end - at < 11) return NaN;
    year = digits(b, at, 2);
    year += year < 50 ? 2000 : 1900;
    at += 2;
  } else if (tlv.tag === 0x18) {
    if (tlv.end - at < 13) return NaN;
    year = digits(b, at, 4);
    at += 4;
  } else return NaN;
  const month = digits(b, at, 2);
  const day = digits(b, at + 2, 2);
  const hour = digits(b, at + 4, 2);
  const min = digits(b, at + 6, 2);
  const sec = tlv.end - (at + 8) >= 2 && b[at + 8] !== 0x5a ? digits(b, at + 8, 2) : 0;
  const ms = Date.UTC(year, month - 1, day, hour, min, sec);
  return Number.isNaN(ms) ? NaN : Math.floor(ms / 1000);
}

/**
 * Parse a certificate's DER.
 *
 * @param b the bytes
 * @param from first byte of the certificate
 * @param to one past its last byte
 * @returns what was found, or null when the DER is invalid
 */
export function parseCertificate(b: Uint8Array, from: number, to: number): CertificateInfo | null {
  const t = new Tlv();
  if (!readTlv(b, from, to, t) || t.tag !== 0x30) return null;
  const certEnd = t.end;
  if (!readTlv(b, t.start, certEnd, t) || t.tag !== 0x30) return null; // tbsCertificate
  const tbsEnd = t.end;
  let at = t.start;
  if (!readTlv(b, at, tbsEnd, t)) return null;
  if (tagOf(t) === 0xa0) { // [0] version
    at = t.end;
    if (!readTlv(b, at, tbsEnd, t)) return null;
  }
  if (tagOf(t) !== 0x02) return null; // serial
  let serial = "";
  for (let i = t.start; i < t.end; i++) {
    if (i > t.start) serial += ":";
    serial += b[i].toString(16).toUpperCase().padStart(2, "0");
  }
  at = t.end;
  if (!readTlv(b, at, tbsEnd, t) || t.tag !== 0x30) return null; // signature algorithm
  at = t.end;
  if (!readTlv(b, at, tbsEnd, t) || t.tag !== 0x30) return null; // issuer
  const issuer = nameText(b, t.start, t.end);
  if (issuer === null) return null;
  at = t.end;
  if (!readTlv(b, at, tbsEnd, t) || t.tag !== 0x30) return null; // validity
  const validityEnd = t.end;
  at = t.end;
  if (!readTlv(b, t.start, validityEnd, t)) return null;
  const notBefore = timeValue(b, t);
  if (!readTlv(b, t.end, validityEnd, t)) return null;
  const notAfter = timeValue(b, t);
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) return null;
  if (!readTlv(b, at, tbsEnd, t) || t.tag !== 0x30) return null; // subject
  const subject = nameText(b, t.start, t.end);
  if (subject === null) return null;
  return { subject, issuer, serial, notBefore, notAfter };
}

/**
 * SHA-1 of a certificate's DER as lowercase hex pairs joined by ":".
 *
 * @param b the bytes
 * @param from first byte
 * @param to one past the last byte
 */
export function certificateFingerprint(b: Uint8Array, from: number, to: number): string {
  const hex = createHash("sha1").update(b.subarray(from, to)).digest("hex");
  let out = "";
  for (let i = 0; i < hex.length; i += 2) {
    if (i > 0) out += ":";
    out += hex.slice(i, i + 2);
  }
  return out;
}

/**
 * Epoch seconds as Suricata's certificate time text (`2026-11-26T15:43:59`).
 *
 * @param seconds seconds since the epoch
 */
export function certificateTimeText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19);
}
