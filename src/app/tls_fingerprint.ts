/**
 * TLS client and server fingerprints: JA3 and JA3S (md5 of
 * `version,ciphers,extensions,groups,pointformats` resp.
 * `version,cipher,extensions`, GREASE values left out) and JA4
 * (`t13d1516h2_8daaf6152771_e5627efa2ab1`), from the hello fields the TLS
 * parser collected. Allocates; called once per handshake.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Whether a 16-bit value is a GREASE value (RFC 8701: 0x?a?a with equal bytes). */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);
}

/** The ClientHello fields the fingerprints use. */
export interface ClientHelloFields {
  /** legacy_version. */
  version: number;
  /** Cipher suites in order. */
  ciphers: number[];
  /** Extension types in order. */
  extensions: number[];
  /** supported_groups in order. */
  groups: number[];
  /** ec_point_formats in order. */
  pointFormats: number[];
  /** signature_algorithms in order. */
  sigAlgs: number[];
  /** supported_versions in order. */
  supportedVersions: number[];
  /** The first ALPN protocol name (latin1), "" when none. */
  firstAlpn: string;
  /** Whether an SNI extension was present. */
  hasSni: boolean;
}

function dashList(values: number[]): string {
  let s = "";
  for (const v of values) {
    if (isGrease(v)) continue;
    if (s.length > 0) s += "-";
    s += v;
  }
  return s;
}

function md5(text: string): string {
  return createHash("md5").update(text, "latin1").digest("hex");
}

/**
 * The JA3 string of a ClientHello.
 *
 * @param ch the hello's fields
 */
export function ja3String(ch: ClientHelloFields): string {
  return `${ch.version},${dashList(ch.ciphers)},${dashList(ch.extensions)},${dashList(ch.groups)},${
    dashList(ch.pointFormats)
  }`;
}

/**
 * The JA3S string of a ServerHello.
 *
 * @param version legacy_version
 * @param cipher the chosen cipher suite
 * @param extensions extension types in order
 */
export function ja3sString(version: number, cipher: number, extensions: number[]): string {
  return `${version},${cipher},${dashList(extensions)}`;
}

/**
 * md5 hex of a JA3 or JA3S string.
 *
 * @param text the string
 */
export function ja3Hash(text: string): string {
  return md5(text);
}

function ja4Version(v: number): string {
  switch (v) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0200:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, "0");
}

function sha12(text: string): string {
  return createHash("sha256").update(text, "latin1").digest("hex").slice(0, 12);
}

/**
 * The JA4 fingerprint of a ClientHello over TCP.
 *
 * @param ch the hello's fields
 */
export function ja4(ch: ClientHelloFields): string {
  let version = 0;
  for (const v of ch.supportedVersions) if (!isGrease(v) && v > version) version = v;
  if (version === 0) version = ch.version;
  const ciphers = ch.ciphers.filter((v) => !isGrease(v));
  const exts = ch.extensions.filter((v) => !isGrease(v));
  const two = (n: number) => String(Math.min(n, 99)).padStart(2, "0");
  let alpn = "00";
  const a = ch.firstAlpn;
  if (a.length > 0) {
    const f = a.charCodeAt(0);
    const l = a.charCodeAt(a.length - 1);
    alpn = isAlnum(f) && isAlnum(l)
      ? a[0] + a[a.length - 1]
      : f.toString(16).padStart(2, "0")[0] + l.toString(16).padStart(2, "0")[1];
  }
  const head = `t${ja4Version(version)}${ch.hasSni ? "d" : "i"}${two(ciphers.length)}${
    two(exts.length)
  }${alpn}`;
  const cipherPart = ciphers.length === 0
    ? "000000000000"
    : sha12(ciphers.map(hex4).sort().join(","));
  const sortedExts = exts.filter((v) => v !== 0x0000 && v !== 0x0010).map(hex4).sort();
  const sigs = ch.sigAlgs.filter((v) => !isGrease(v)).map(hex4);
  let extText = sortedExts.join(",");
  if (sigs.length > 0) extText += "_" + sigs.join(",");
  const extPart = sortedExts.length === 0 ? "000000000000" : sha12(extText);
  return `${head}_${cipherPart}_${extPart}`;
}
