/**
 * TLS transaction keywords without a buffer: `tls.version`, `ssl_version`,
 * `tls.subject`, `tls.issuerdn`, `tls.cert_chain_len`, `tls_cert_notbefore`,
 * `tls_cert_notafter`, `tls_cert_expired`, `tls_cert_valid` (Suricata 7's
 * detect-tls-*.c semantics).
 *
 * @module
 */

import type { Packet } from "../../decode/packet.ts";
import type { TlsTx } from "../../app/tls_parser.ts";
import type { DetectContext } from "../detect_context.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError, type PacketCondition } from "../signature.ts";
import { inRange, parseUintComparison, U32_MAX } from "./_numeric.ts";
import { claimTransaction, quotedValue } from "./_tx_keyword.ts";

const RESPONSE = 2;
const EITHER = 3;

function tlsTx(ctx: DetectContext): TlsTx | null {
  return ctx.tx as TlsTx | null;
}

/** `tls.version:1.2` (or 1.0, 1.1, 1.3, ssl3 / 0xNNNN): the version of the packet's side. */
class TlsVersionCondition implements PacketCondition {
  constructor(readonly version: number) {}
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = tlsTx(ctx);
    if (tx === null) return false;
    const v = ctx.txSide === RESPONSE ? tx.version : tx.clientVersion;
    return v === this.version;
  }
}

const VERSIONS: Record<string, number> = {
  "1.0": 0x0301,
  "1.1": 0x0302,
  "1.2": 0x0303,
  "1.3": 0x0304,
  ssl3: 0x0300,
  "3.0": 0x0300,
};

registerKeyword({
  name: "tls.version",
  description: "the TLS version of the packet's side of the handshake",
  value: "required",
  setup(builder, value) {
    const text = quotedValue("tls.version", value!).text;
    const v = VERSIONS[text] ?? (/^0x[0-9a-f]{1,4}$/i.test(text) ? parseInt(text, 16) : NaN);
    if (Number.isNaN(v)) throw new KeywordError("tls.version", `invalid version ${text}`);
    claimTransaction(builder, "tls.version", "tls", EITHER);
    builder.sig.conditions.push(new TlsVersionCondition(v));
  },
});

/** `ssl_version:tls1.2,sslv3` (any of the listed, `!` to negate one). */
class SslVersionCondition implements PacketCondition {
  constructor(readonly versions: number[], readonly negated: boolean[]) {}
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = tlsTx(ctx);
    if (tx === null) return false;
    const v = ctx.txSide === RESPONSE ? tx.version : tx.clientVersion;
    if (v === 0) return false;
    for (let k = 0; k < this.versions.length; k++) {
      if ((v === this.versions[k]) !== this.negated[k]) return true;
    }
    return false;
  }
}

const SSL_VERSIONS: Record<string, number> = {
  sslv2: 0x0200,
  sslv3: 0x0300,
  "tls1.0": 0x0301,
  "tls1.1": 0x0302,
  "tls1.2": 0x0303,
  "tls1.3": 0x0304,
};

registerKeyword({
  name: "ssl_version",
  description: "the SSL/TLS version",
  value: "required",
  setup(builder, value) {
    const versions: number[] = [];
    const negated: boolean[] = [];
    for (const part of value!.split(",")) {
      let t = part.trim().toLowerCase();
      const neg = t.startsWith("!");
      if (neg) t = t.slice(1).trim();
      const v = SSL_VERSIONS[t];
      if (v === undefined) throw new KeywordError("ssl_version", `invalid version ${t}`);
      versions.push(v);
      negated.push(neg);
    }
    claimTransaction(builder, "ssl_version", "tls", EITHER);
    builder.sig.conditions.push(new SslVersionCondition(versions, negated));
  },
});

/** `tls.subject:"CN=..."` and `tls.issuerdn:"..."`: substring of the server certificate's field. */
class TlsDnCondition implements PacketCondition {
  constructor(
    readonly field: "subject" | "issuerdn",
    readonly text: string,
    readonly negate: boolean,
  ) {}
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = tlsTx(ctx);
    if (tx === null || !tx.leafParsed) return false;
    return tx[this.field].includes(this.text) !== this.negate;
  }
}

for (const [name, field] of [["tls.subject", "subject"], ["tls.issuerdn", "issuerdn"]] as const) {
  registerKeyword({
    name,
    description: `the server certificate's ${field} contains a text`,
    value: "required",
    setup(builder, value) {
      const { text, negate } = quotedValue(name, value!);
      claimTransaction(builder, name, "tls", RESPONSE);
      builder.sig.conditions.push(new TlsDnCondition(field, text, negate));
    },
  });
}

/** `tls.cert_chain_len:<4`: the number of certificates the server sent. */
class CertChainLenCondition implements PacketCondition {
  constructor(readonly lo: number, readonly hi: number, readonly negate: boolean) {}
  match(_p: Packet, ctx: DetectContext): boolean {
    const tx = tlsTx(ctx);
    if (tx === null || (tx.progress & RESPONSE) === 0) return false;
    return inRange(tx.certCount, this.lo, this.hi, this.negate);
  }
}

registerKeyword({
  name: "tls.cert_chain_len",
  description: "the number of certificates in the server's chain",
  value: "required",
  setup(builder, value) {
    const r = parseUintComparison("tls.cert_chain_len", value!, U32_MAX);
    claimTransaction(builder, "tls.cert_chain_len", "tls", RESPONSE);
    builder.sig.conditions.push(new CertChainLenCondition(r.lo, r.hi, r.negate));
  },
});

/** `tls_cert_notbefore:<2015-10-22` and friends: the server certificate's validity dates. */
class CertDateCondition implements PacketCondition {
  constructor(
    readonly field: "notBefore" | "notAfter" | "expired" | "valid",
    readonly op: string,
    readonly lo: number,
    readonly hi: number,
  ) {}
  match(p: Packet, ctx: DetectContext): boolean {
    const tx = tlsTx(ctx);
    if (tx === null || !tx.leafParsed) return false;
    const now = p.tsSec;
    switch (this.field) {
      case "expired":
        return tx.notAfter < now;
      case "valid":
        return tx.notBefore <= now && now <= tx.notAfter;
    }
    const v = tx[this.field];
    switch (this.op) {
      case "<":
        return v < this.lo;
      case ">":
        return v > this.lo;
      case "-":
        return v >= this.lo && v <= this.hi;
      default:
        return v === this.lo;
    }
  }
}

/** Seconds since the epoch of a date as Suricata's keyword takes it (UTC). */
function parseDate(keyword: string, text: string): number {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?)?)?$/.exec(
    text.trim(),
  );
  if (m === null) throw new KeywordError(keyword, `invalid date ${text}`);
  const [, y, mo, d, h, mi, s] = m;
  return Date.UTC(+y, (mo ? +mo : 1) - 1, d ? +d : 1, h ? +h : 0, mi ? +mi : 0, s ? +s : 0) / 1000;
}

for (
  const [name, field] of [["tls_cert_notbefore", "notBefore"], [
    "tls_cert_notafter",
    "notAfter",
  ]] as const
) {
  registerKeyword({
    name,
    description: `the server certificate's ${field} date`,
    value: "required",
    setup(builder, value) {
      const text = value!.trim();
      let op = "=";
      let lo: number;
      let hi = 0;
      if (text.startsWith("<") || text.startsWith(">")) {
        op = text[0];
        lo = parseDate(name, text.slice(1));
      } else {
        const range = /^(\S+?)-(\d{4}\S*)$/.exec(text);
        if (range !== null && /^\d{4}/.test(range[1]) && range[1].length >= 4) {
          op = "-";
          lo = parseDate(name, range[1]);
          hi = parseDate(name, range[2]);
        } else lo = parseDate(name, text);
      }
      claimTransaction(builder, name, "tls", RESPONSE);
      builder.sig.conditions.push(new CertDateCondition(field, op, lo, hi));
    },
  });
}

for (
  const [name, field] of [["tls_cert_expired", "expired"], ["tls_cert_valid", "valid"]] as const
) {
  registerKeyword({
    name,
    description: `the server certificate is ${field}`,
    value: "none",
    setup(builder) {
      claimTransaction(builder, name, "tls", RESPONSE);
      builder.sig.conditions.push(new CertDateCondition(field, "", 0, 0));
    },
  });
}
