/**
 * The TLS parser: records reassembled across segments, handshake messages
 * reassembled across records, the ClientHello, ServerHello and (TLS <= 1.2)
 * the server's Certificate chain, up to the handshake's end (the first
 * application data record, as Suricata 7's `handshake done`).
 *
 * One {@link TlsTx} per flow. REQUEST part (published when the ClientHello
 * is parsed): `tls.sni`, `ja3.hash`, `ja3.string`, `ja4.hash`, `tls.random`,
 * `tls.random_time`, `tls.random_bytes`. RESPONSE part (published at
 * ServerHelloDone, at the TLS 1.3 ServerHello, or at the server's
 * ChangeCipherSpec / the handshake's end, whichever comes first):
 * `ja3s.hash`, `ja3s.string`, `tls.cert_subject`, `tls.cert_issuer`,
 * `tls.cert_serial`, `tls.cert_fingerprint`, `tls.certs` (one span per
 * certificate of the chain). The EVE record is asked for when the handshake
 * is done (or at the flow's end) if Suricata would write one: a certificate
 * was seen, the session was resumed, or it is TLS 1.3.
 *
 * @module
 */

import { BufferSide, registerBuffer, registerBufferSide } from "../detect/buffers.ts";
import {
  type AppLogStyle,
  type AppOutput,
  type AppParser,
  Transaction,
  TxSide,
} from "./transaction.ts";
import { certificateFingerprint, certificateTimeText, parseCertificate } from "./x509.ts";
import { type ClientHelloFields, ja3Hash, ja3sString, ja3String, ja4 } from "./tls_fingerprint.ts";

const buf = (name: string) => registerBuffer(name, "tls", true).id;
/** Buffer id of `tls.sni`. */
export const TLS_SNI_BUFFER: number = buf("tls.sni");
/** Buffer id of `ja3.hash`. */
export const JA3_HASH_BUFFER: number = buf("ja3.hash");
/** Buffer id of `ja3.string`. */
export const JA3_STRING_BUFFER: number = buf("ja3.string");
/** Buffer id of `ja4.hash`. */
export const JA4_HASH_BUFFER: number = buf("ja4.hash");
/** Buffer id of `tls.random` (the client's 32 random bytes). */
export const TLS_RANDOM_BUFFER: number = buf("tls.random");
/** Buffer id of `tls.random_time` (its first 4 bytes). */
export const TLS_RANDOM_TIME_BUFFER: number = buf("tls.random_time");
/** Buffer id of `tls.random_bytes` (its last 28 bytes). */
export const TLS_RANDOM_BYTES_BUFFER: number = buf("tls.random_bytes");
/** The server's random: the response side of the `tls.random*` buffers. */
const TLS_SERVER_RANDOM_BUFFER: number = buf("tls.random:response");
const TLS_SERVER_RANDOM_TIME_BUFFER: number = buf("tls.random_time:response");
const TLS_SERVER_RANDOM_BYTES_BUFFER: number = buf("tls.random_bytes:response");
for (const name of ["tls.random", "tls.random_time", "tls.random_bytes"]) {
  registerBufferSide(name, BufferSide.EITHER);
}
/** Buffer id of `ja3s.hash`. */
export const JA3S_HASH_BUFFER: number = buf("ja3s.hash");
/** Buffer id of `ja3s.string`. */
export const JA3S_STRING_BUFFER: number = buf("ja3s.string");
/** Buffer id of `tls.cert_subject`. */
export const TLS_CERT_SUBJECT_BUFFER: number = buf("tls.cert_subject");
/** Buffer id of `tls.cert_issuer`. */
export const TLS_CERT_ISSUER_BUFFER: number = buf("tls.cert_issuer");
/** Buffer id of `tls.cert_serial`. */
export const TLS_CERT_SERIAL_BUFFER: number = buf("tls.cert_serial");
/** Buffer id of `tls.cert_fingerprint`. */
export const TLS_CERT_FINGERPRINT_BUFFER: number = buf("tls.cert_fingerprint");
/** Buffer id of `tls.certs` (a multi-buffer: each certificate's DER). */
export const TLS_CERTS_BUFFER: number = buf("tls.certs");

/** Largest handshake message reassembled; a longer one is skipped with `handshake_invalid_length`. */
export const TLS_MAX_HANDSHAKE = 64 * 1024;
/** Largest record payload accepted (2^14 + 2048, the TLSCiphertext limit). */
export const TLS_MAX_RECORD = 16384 + 2048;
/** Certificates of a chain kept in `tls.certs`. */
export const TLS_MAX_CERTS = 16;

const UTF8 = new TextEncoder();

const REC_CCS = 20;
const REC_HANDSHAKE = 22;
const REC_APPDATA = 23;
const REC_HEARTBEAT = 24;

const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;
/** Handshake message types Suricata accepts. */
const KNOWN_HS = new Set([
  0,
  1,
  2,
  3,
  4,
  5,
  6,
  8,
  11,
  12,
  13,
  14,
  15,
  16,
  20,
  21,
  22,
  23,
  24,
  25,
  254,
]);

/** The one transaction of a TLS flow: the handshake. */
export class TlsTx extends Transaction {
  /** Negotiated version (the ServerHello's, supported_versions for TLS 1.3), 0 when unknown: `tls.version`. */
  version = 0;
  /** The ClientHello's legacy_version, 0 before it. */
  clientVersion = 0;
  /** Server name (latin1), "" when the client sent none: `tls.sni`. */
  sni = "";
  /** Leaf certificate subject, "" when none: `tls.subject`. */
  subject = "";
  /** Leaf certificate issuer, "" when none: `tls.issuerdn`. */
  issuerdn = "";
  /** Leaf certificate serial (`4D:52:...`), "". */
  serial = "";
  /** SHA-1 of the leaf certificate (`c7:66:...`), "". */
  fingerprint = "";
  /** Leaf notBefore, epoch seconds, 0 when no certificate: `tls_cert_notbefore`. */
  notBefore = 0;
  /** Leaf notAfter, epoch seconds, 0 when no certificate: `tls_cert_notafter`. */
  notAfter = 0;
  /** Certificates in the server's chain. */
  certCount = 0;
  /**
   * The client's certificate (mutual TLS, TLS <= 1.2), null when none: EVE
   * `tls.client`. Not inspected by rules.
   */
  clientCert: ClientCertificate | null = null;
  /** The leaf certificate's DER was parsed (subject, issuer... are set). */
  leafParsed = false;
  /** JA3 string, "" before the ClientHello. */
  ja3 = "";
  /** JA3 md5. */
  ja3Hash = "";
  /** JA3S string, "" before the ServerHello. */
  ja3s = "";
  /** JA3S md5. */
  ja3sHash = "";
  /** JA4 fingerprint. */
  ja4 = "";
  /** ClientHello seen. */
  clientHello = false;
  /** ServerHello seen. */
  serverHello = false;
  /** The server resumed the client's session (same non-empty session id). */
  sessionResumed = false;
  /** TLS 1.3 (or a draft): logged without a certificate. */
  logWithoutCert = false;
  /** The handshake is done (first application data after the ServerHello). */
  handshakeDone = false;
  /** Application data records seen from the client. */
  clientAppRecords = 0;
  /** Application data records seen from the server. */
  serverAppRecords = 0;

  /** Make the transaction new again. */
  override reset(): void {
    super.reset();
    this.version = 0;
    this.clientVersion = 0;
    this.sni = "";
    this.subject = "";
    this.issuerdn = "";
    this.serial = "";
    this.fingerprint = "";
    this.notBefore = 0;
    this.notAfter = 0;
    this.certCount = 0;
    this.clientCert = null;
    this.leafParsed = false;
    this.ja3 = "";
    this.ja3Hash = "";
    this.ja3s = "";
    this.ja3sHash = "";
    this.ja4 = "";
    this.clientHello = false;
    this.serverHello = false;
    this.sessionResumed = false;
    this.logWithoutCert = false;
    this.handshakeDone = false;
    this.clientAppRecords = 0;
    this.serverAppRecords = 0;
  }
}

/** One direction's record and handshake reassembly. */
class TlsSide {
  readonly header = new Uint8Array(5);
  headerLen = 0;
  recordType = 0;
  recordLeft = 0;
  /** Handshake bytes not yet forming a whole message (grows to TLS_MAX_HANDSHAKE + 4). */
  hs: Uint8Array = new Uint8Array(0);
  hsLen = 0;
  /** Bytes of an oversized handshake message still to discard. */
  hsSkip = 0;
  /** ChangeCipherSpec sent: its handshake records are encrypted from here on. */
  ccs = false;

  reset(): void {
    this.headerLen = 0;
    this.recordType = 0;
    this.recordLeft = 0;
    this.hsLen = 0;
    this.hsSkip = 0;
    this.ccs = false;
    if (this.hs.length > 16384) this.hs = new Uint8Array(0);
  }
}

/** The leaf of a client's certificate chain. */
export interface ClientCertificate {
  /** Subject DN. */
  subject: string;
  /** Issuer DN. */
  issuerdn: string;
  /** SHA-1 fingerprint. */
  fingerprint: string;
  /** Serial. */
  serial: string;
  /** notBefore, epoch seconds. */
  notBefore: number;
  /** notAfter, epoch seconds. */
  notAfter: number;
}

/** Per-flow TLS state. */
export class TlsState {
  /** The flow's one transaction. */
  readonly tx: TlsTx = new TlsTx();
  /** Client-to-server direction. */
  readonly client: TlsSide = new TlsSide();
  /** Server-to-client direction. */
  readonly server: TlsSide = new TlsSide();
  /** The parser gave up: the rest of the flow is ignored. */
  givenUp = false;
  /** The EVE record was asked for. */
  logAsked = false;
  /** The client's session id (up to 32 bytes). */
  readonly sessionId = new Uint8Array(32);
  sessionIdLen = 0;
  /** The client announced early data (0-RTT). */
  earlyData = false;
  /** The first ClientHello's fields (a duplicate hello adds to its JA4). */
  ja4Fields: ClientHelloFields | null = null;
}

/** Options of {@link TlsParser}. */
export interface TlsParserOptions {
  /** Put `ja3`/`ja3s` in the EVE object (Suricata's `ja3-fingerprints`, off by default). */
  ja3?: boolean;
  /** Put `ja4` in the EVE object (the tls logger's `ja4: on`, off by default). */
  ja4?: boolean;
  /**
   * Keep content rules on the encrypted payload (Suricata's
   * `encryption-handling: full`). Off by default: application data stops
   * payload inspection of the flow, as Suricata's `default`.
   */
  inspectEncrypted?: boolean;
}

/**
 * Suricata's name of a TLS version (`TLS 1.2`, `TLSv1`, `UNDETERMINED`...).
 *
 * @param v the version number
 */
export function tlsVersionText(v: number): string {
  switch (v) {
    case 0:
      return "UNDETERMINED";
    case 0x0200:
      return "SSLv2";
    case 0x0300:
      return "SSLv3";
    case 0x0301:
      return "TLSv1";
    case 0x0302:
      return "TLS 1.1";
    case 0x0303:
      return "TLS 1.2";
    case 0x0304:
      return "TLS 1.3";
  }
  if (v >> 8 === 0x7f) {
    const d = v & 0xff;
    return d < 16 ? "TLS 1.3 draft-<16" : `TLS 1.3 draft-${d}`;
  }
  return `0x${v.toString(16).padStart(4, "0")}`;
}

/**
 * The TLS parser.
 *
 * @example
 * ```ts
 * import { TlsParser } from "./tls_parser.ts";
 * const parser = new TlsParser({ ja3: true });
 * const state = parser.newState();
 * // parser.parse(state, true, clientBytes, 0, clientBytes.length, out) ...
 * console.log(state.tx.sni, state.tx.ja3Hash);
 * ```
 */
export class TlsParser implements AppParser<TlsState> {
  /** EVE name. */
  readonly name = "tls";
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle = {
    txId: false,
    packetSide: false,
    eventsAsRaised: false,
    dropsEventsWithoutTx: false,
  };
  /** JA3/JA3S in EVE. */
  readonly ja3: boolean;
  /** JA4 in EVE. */
  readonly ja4: boolean;
  /** Content rules keep inspecting the flow once its payload is encrypted. */
  readonly inspectEncrypted: boolean;

  /** @param options see {@link TlsParserOptions} */
  constructor(options: TlsParserOptions = {}) {
    this.ja3 = options.ja3 ?? false;
    this.ja4 = options.ja4 ?? false;
    this.inspectEncrypted = options.inspectEncrypted ?? false;
  }

  /** A fresh per-flow state. */
  newState(): TlsState {
    return new TlsState();
  }

  /** Make a state fresh for another flow. */
  resetState(state: TlsState): void {
    state.tx.reset();
    state.client.reset();
    state.server.reset();
    state.givenUp = false;
    state.logAsked = false;
    state.sessionIdLen = 0;
    state.earlyData = false;
    state.ja4Fields = null;
  }

  /** Parse bytes of one direction. */
  parse(
    state: TlsState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void {
    const side = toServer ? state.client : state.server;
    const tx = state.tx;
    let i = start;
    while (i < end && !state.givenUp) {
      if (side.recordLeft > 0) {
        const n = Math.min(side.recordLeft, end - i);
        if (side.recordType === REC_HANDSHAKE && !side.ccs) {
          this.#handshakeBytes(state, side, toServer, data, i, i + n, out);
        }
        side.recordLeft -= n;
        i += n;
        continue;
      }
      side.header[side.headerLen++] = data[i++];
      if (side.headerLen < 5) continue;
      side.headerLen = 0;
      const h = side.header;
      const type = h[0];
      const length = (h[3] << 8) | h[4];
      if (type < REC_CCS || type > REC_HEARTBEAT) {
        out.event(tx, "invalid_record_type");
        state.givenUp = true;
        return;
      }
      if (h[1] !== 3) {
        out.event(tx, "invalid_record_version");
        state.givenUp = true;
        return;
      }
      if (length > TLS_MAX_RECORD) {
        out.event(tx, "invalid_record_length");
        state.givenUp = true;
        return;
      }
      if (!toServer && tx.version === 0) tx.version = (h[1] << 8) | h[2];
      side.recordType = type;
      side.recordLeft = length;
      if (type === REC_CCS) {
        side.ccs = true;
        if (!toServer) this.#publishResponse(state, out);
      } else if (type === REC_APPDATA) {
        if (toServer) tx.clientAppRecords++;
        else tx.serverAppRecords++;
        // early data (TLS 1.3 0-RTT) before the ServerHello does not end the handshake
        if (!state.earlyData || tx.serverHello) {
          if (!tx.handshakeDone) this.#handshakeDone(state, out);
          if (!this.inspectEncrypted) out.stopPayloadInspection();
        }
      }
    }
  }

  /** Bytes were lost: record boundaries are gone, the parser gives up. */
  gap(state: TlsState, _toServer: boolean, _length: number, _out: AppOutput): void {
    state.givenUp = true;
  }

  /** The flow ended: publish what is parsed and log the handshake if Suricata would. */
  finish(state: TlsState, out: AppOutput): void {
    if (state.tx.serverHello) this.#publishResponse(state, out);
    this.#maybeLog(state, out);
  }

  /** Nothing to do: the one transaction lives as long as the flow's state. */
  collect(_state: TlsState): void {}

  /** The EVE `tls` object (Suricata 7's extended tls record; alerts carry the same). */
  eve(tx: Transaction, _side: number, _forAlert: boolean): Record<string, unknown> | null {
    const t = tx as TlsTx;
    const o: Record<string, unknown> = {};
    if (t.leafParsed) {
      o.subject = t.subject;
      o.issuerdn = t.issuerdn;
    }
    if (t.sessionResumed && !t.leafParsed && t.serverHello && !t.logWithoutCert) {
      o.session_resumed = true;
    }
    if (t.serial !== "") o.serial = t.serial;
    if (t.fingerprint !== "") o.fingerprint = t.fingerprint;
    if (t.sni !== "") o.sni = t.sni;
    o.version = tlsVersionText(t.version);
    if (t.notBefore !== 0) o.notbefore = certificateTimeText(t.notBefore);
    if (t.notAfter !== 0) o.notafter = certificateTimeText(t.notAfter);
    if (this.ja3) {
      if (t.ja3Hash !== "") o.ja3 = { hash: t.ja3Hash, string: t.ja3 };
      if (t.ja3sHash !== "") o.ja3s = { hash: t.ja3sHash, string: t.ja3s };
    }
    if (this.ja4 && t.ja4 !== "") o.ja4 = t.ja4;
    const c = t.clientCert;
    if (c !== null) {
      o.client = {
        subject: c.subject,
        issuerdn: c.issuerdn,
        fingerprint: c.fingerprint,
        serial: c.serial,
        notbefore: certificateTimeText(c.notBefore),
        notafter: certificateTimeText(c.notAfter),
      };
    }
    return o;
  }

  #handshakeDone(state: TlsState, out: AppOutput): void {
    state.tx.handshakeDone = true;
    if (state.tx.serverHello) this.#publishResponse(state, out);
    this.#maybeLog(state, out);
  }

  #maybeLog(state: TlsState, out: AppOutput): void {
    const tx = state.tx;
    if (state.logAsked) return;
    if (!tx.leafParsed && !tx.sessionResumed && !tx.logWithoutCert) return;
    state.logAsked = true;
    out.log(tx, TxSide.BOTH);
  }

  #publishResponse(state: TlsState, out: AppOutput): void {
    const tx = state.tx;
    if ((tx.progress & TxSide.RESPONSE) !== 0 || !tx.serverHello) return;
    tx.progress |= TxSide.RESPONSE;
    out.ready(tx, TxSide.RESPONSE);
  }

  /** Append handshake bytes and handle every whole message. */
  #handshakeBytes(
    state: TlsState,
    side: TlsSide,
    toServer: boolean,
    data: Uint8Array,
    from: number,
    to: number,
    out: AppOutput,
  ): void {
    if (side.hsSkip > 0) {
      const n = Math.min(side.hsSkip, to - from);
      side.hsSkip -= n;
      from += n;
      if (from >= to) return;
    }
    const need = side.hsLen + (to - from);
    if (need > side.hs.length) {
      let size = Math.max(side.hs.length * 2, 4096);
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, TLS_MAX_HANDSHAKE + 4));
      grown.set(side.hs.subarray(0, side.hsLen));
      side.hs = grown;
    }
    let at = 0;
    let taken = from;
    for (;;) {
      // Copy as much as fits, then consume whole messages.
      const room = side.hs.length - side.hsLen;
      const n = Math.min(room, to - taken);
      side.hs.set(data.subarray(taken, taken + n), side.hsLen);
      side.hsLen += n;
      taken += n;
      at = 0;
      while (side.hsLen - at >= 4 && !state.givenUp) {
        const b = side.hs;
        const type = b[at];
        const len = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
        if (!KNOWN_HS.has(type)) {
          out.event(state.tx, "invalid_handshake_message");
          state.givenUp = true;
          return;
        }
        if (len > TLS_MAX_HANDSHAKE) {
          out.event(state.tx, "handshake_invalid_length");
          const have = side.hsLen - at - 4;
          side.hsSkip = len - have;
          at = side.hsLen;
          // Whatever is left of this chunk belongs to the skipped message too.
          const rest = Math.min(side.hsSkip, to - taken);
          side.hsSkip -= rest;
          taken += rest;
          break;
        }
        if (side.hsLen - at - 4 < len) break;
        this.#message(state, toServer, type, b, at + 4, at + 4 + len, out);
        at += 4 + len;
      }
      if (at > 0) {
        side.hs.copyWithin(0, at, side.hsLen);
        side.hsLen -= at;
      }
      if (taken >= to || state.givenUp) return;
      if (side.hsLen === side.hs.length) {
        // Cannot happen (messages are bounded), but never loop forever.
        side.hsLen = 0;
        return;
      }
    }
  }

  #message(
    state: TlsState,
    toServer: boolean,
    type: number,
    b: Uint8Array,
    from: number,
    to: number,
    out: AppOutput,
  ): void {
    const tx = state.tx;
    if (toServer) {
      if (type === HS_CLIENT_HELLO) this.#clientHello(state, b, from, to, out);
      else if (type === HS_CERTIFICATE && tx.clientCert === null && tx.version < 0x0304) {
        this.#clientCertificate(state, b, from, to, out);
      }
      return;
    }
    if (type === HS_SERVER_HELLO && !tx.serverHello) this.#serverHello(state, b, from, to, out);
    else if (type === HS_CERTIFICATE && tx.certCount === 0 && tx.version < 0x0304) {
      this.#certificate(state, b, from, to, out);
    } else if (type === HS_SERVER_HELLO_DONE) this.#publishResponse(state, out);
  }

  #clientHello(state: TlsState, b: Uint8Array, from: number, to: number, out: AppOutput): void {
    const tx = state.tx;
    const ch: ClientHelloFields = {
      version: 0,
      ciphers: [],
      extensions: [],
      groups: [],
      pointFormats: [],
      sigAlgs: [],
      supportedVersions: [],
      firstAlpn: "",
      hasSni: false,
    };
    const again = tx.clientHello;
    let at = from;
    const u16 = (p: number) => (b[p] << 8) | b[p + 1];
    if (to - at < 35) return this.#badHello(state, out);
    ch.version = u16(at);
    const random = at + 2;
    at += 34;
    const sidLen = b[at++];
    if (sidLen > 32 || at + sidLen > to) return this.#badHello(state, out);
    state.sessionId.set(b.subarray(at, at + sidLen));
    state.sessionIdLen = sidLen;
    at += sidLen;
    if (at + 2 > to) return this.#badHello(state, out);
    const cLen = u16(at);
    at += 2;
    if (at + cLen > to) return this.#badHello(state, out);
    for (let p = at; p + 1 < at + cLen; p += 2) ch.ciphers.push(u16(p));
    at += cLen;
    if (at + 1 > to) return this.#badHello(state, out);
    at += 1 + b[at];
    let sniFrom = -1;
    let sniTo = -1;
    if (at + 2 <= to) {
      const eEnd = Math.min(to, at + 2 + u16(at));
      at += 2;
      while (at + 4 <= eEnd) {
        const type = u16(at);
        const len = u16(at + 2);
        const d = at + 4;
        const e = d + len;
        if (e > eEnd) {
          out.event(tx, "invalid_handshake_message");
          break;
        }
        ch.extensions.push(type);
        if (type === 0 && len >= 5) {
          if (sniFrom >= 0 || (again && tx.sni !== "")) out.event(tx, "multiple_sni_extensions");
          else if (b[d + 2] !== 0) out.event(tx, "invalid_sni_type");
          else {
            const nLen = u16(d + 3);
            if (d + 5 + nLen > e) out.event(tx, "invalid_sni_length");
            else {
              sniFrom = d + 5;
              sniTo = d + 5 + nLen;
            }
          }
          ch.hasSni = true;
        } else if (type === 0) ch.hasSni = true;
        else if (type === 10 && len >= 2) {
          for (let p = d + 2; p + 1 < Math.min(e, d + 2 + u16(d)); p += 2) ch.groups.push(u16(p));
        } else if (type === 11 && len >= 1) {
          for (let p = d + 1; p < Math.min(e, d + 1 + b[d]); p++) ch.pointFormats.push(b[p]);
        } else if (type === 13 && len >= 2) {
          for (let p = d + 2; p + 1 < Math.min(e, d + 2 + u16(d)); p += 2) ch.sigAlgs.push(u16(p));
        } else if (type === 16 && len >= 3) {
          const n = b[d + 2];
          if (d + 3 + n <= e) {
            for (let p = d + 3; p < d + 3 + n; p++) ch.firstAlpn += String.fromCharCode(b[p]);
          }
        } else if (type === 43 && len >= 1) {
          for (let p = d + 1; p + 1 < Math.min(e, d + 1 + b[d]); p += 2) {
            ch.supportedVersions.push(u16(p));
          }
        } else if (type === 42) state.earlyData = true;
        at = e;
      }
    }
    if (again) {
      // A second ClientHello (Suricata keeps the first one's JA3 and SNI, and
      // its JA4 counts the lists of both).
      const first = state.ja4Fields!;
      first.ciphers.push(...ch.ciphers);
      first.extensions.push(...ch.extensions);
      first.sigAlgs.push(...ch.sigAlgs);
      tx.ja4 = ja4(first);
      return;
    }
    state.ja4Fields = ch;
    tx.clientHello = true;
    tx.clientVersion = ch.version;
    // Suricata takes TLS 1.3 as the client's version when supported_versions offers it
    for (const v of ch.supportedVersions) {
      if (v === 0x0304 || (v & 0xff00) === 0x7f00) tx.clientVersion = 0x0304;
    }
    tx.ja3 = ja3String(ch);
    tx.ja3Hash = ja3Hash(tx.ja3);
    tx.ja4 = ja4(ch);
    const bufs = tx.buffers;
    if (sniFrom >= 0) {
      for (let p = sniFrom; p < sniTo; p++) tx.sni += String.fromCharCode(b[p]);
      bufs.add(TLS_SNI_BUFFER, b, sniFrom, sniTo);
    }
    bufs.addAscii(JA3_HASH_BUFFER, tx.ja3Hash);
    bufs.addAscii(JA3_STRING_BUFFER, tx.ja3);
    bufs.addAscii(JA4_HASH_BUFFER, tx.ja4);
    bufs.add(TLS_RANDOM_BUFFER, b, random, random + 32);
    bufs.add(TLS_RANDOM_TIME_BUFFER, b, random, random + 4);
    bufs.add(TLS_RANDOM_BYTES_BUFFER, b, random + 4, random + 32);
    tx.progress |= TxSide.REQUEST;
    out.ready(tx, TxSide.REQUEST);
  }

  #badHello(state: TlsState, out: AppOutput): void {
    out.event(state.tx, "invalid_handshake_message");
  }

  #serverHello(state: TlsState, b: Uint8Array, from: number, to: number, out: AppOutput): void {
    const tx = state.tx;
    const u16 = (p: number) => (b[p] << 8) | b[p + 1];
    let at = from;
    if (to - at < 35) return this.#badHello(state, out);
    const legacy = u16(at);
    at += 34;
    const sidLen = b[at++];
    if (sidLen > 32 || at + sidLen + 3 > to) return this.#badHello(state, out);
    if (sidLen > 0 && sidLen === state.sessionIdLen) {
      let same = true;
      for (let k = 0; k < sidLen; k++) if (b[at + k] !== state.sessionId[k]) same = false;
      tx.sessionResumed = same;
    }
    at += sidLen;
    const cipher = u16(at);
    at += 3;
    let version = legacy;
    const exts: number[] = [];
    if (at + 2 <= to) {
      const eEnd = Math.min(to, at + 2 + u16(at));
      at += 2;
      while (at + 4 <= eEnd) {
        const type = u16(at);
        const len = u16(at + 2);
        if (at + 4 + len > eEnd) {
          out.event(tx, "invalid_handshake_message");
          break;
        }
        exts.push(type);
        if (type === 43 && len >= 2) version = u16(at + 4);
        at += 4 + len;
      }
    }
    tx.serverHello = true;
    tx.version = version;
    if (version === 0x0304 || version >> 8 === 0x7f) tx.logWithoutCert = true;
    tx.ja3s = ja3sString(legacy, cipher, exts);
    tx.ja3sHash = ja3Hash(tx.ja3s);
    tx.buffers.addAscii(JA3S_HASH_BUFFER, tx.ja3sHash);
    tx.buffers.addAscii(JA3S_STRING_BUFFER, tx.ja3s);
    // the server's random, for to_client rules on tls.random*
    const random = from + 2;
    tx.buffers.add(TLS_SERVER_RANDOM_BUFFER, b, random, random + 32);
    tx.buffers.add(TLS_SERVER_RANDOM_TIME_BUFFER, b, random, random + 4);
    tx.buffers.add(TLS_SERVER_RANDOM_BYTES_BUFFER, b, random + 4, random + 32);
    if (tx.logWithoutCert) this.#publishResponse(state, out);
  }

  #clientCertificate(
    state: TlsState,
    b: Uint8Array,
    from: number,
    to: number,
    out: AppOutput,
  ): void {
    const tx = state.tx;
    if (to - from < 6) return;
    const listEnd = from + 3 + ((b[from] << 16) | (b[from + 1] << 8) | b[from + 2]);
    const len = (b[from + 3] << 16) | (b[from + 4] << 8) | b[from + 5];
    const d = from + 6;
    if (listEnd > to || d + len > listEnd) {
      out.event(tx, "certificate_invalid_length");
      return;
    }
    const info = parseCertificate(b, d, d + len);
    if (info === null) {
      out.event(tx, "certificate_invalid_der");
      return;
    }
    tx.clientCert = {
      subject: info.subject,
      issuerdn: info.issuer,
      fingerprint: certificateFingerprint(b, d, d + len),
      serial: info.serial,
      notBefore: info.notBefore,
      notAfter: info.notAfter,
    };
  }

  #certificate(state: TlsState, b: Uint8Array, from: number, to: number, out: AppOutput): void {
    const tx = state.tx;
    if (to - from < 3) {
      out.event(tx, "certificate_invalid_length");
      return;
    }
    const listEnd = from + 3 + ((b[from] << 16) | (b[from + 1] << 8) | b[from + 2]);
    if (listEnd > to) {
      out.event(tx, "certificate_invalid_length");
      return;
    }
    let at = from + 3;
    let count = 0;
    while (at + 3 <= listEnd) {
      const len = (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
      const d = at + 3;
      if (d + len > listEnd) {
        out.event(tx, "certificate_invalid_length");
        break;
      }
      if (count === 0) {
        const info = parseCertificate(b, d, d + len);
        if (info === null) out.event(tx, "certificate_invalid_der");
        else {
          tx.leafParsed = true;
          tx.subject = info.subject;
          tx.issuerdn = info.issuer;
          tx.serial = info.serial;
          tx.notBefore = info.notBefore;
          tx.notAfter = info.notAfter;
          tx.fingerprint = certificateFingerprint(b, d, d + len);
          const bufs = tx.buffers;
          const subject = UTF8.encode(tx.subject);
          const issuer = UTF8.encode(tx.issuerdn);
          bufs.add(TLS_CERT_SUBJECT_BUFFER, subject, 0, subject.length);
          bufs.add(TLS_CERT_ISSUER_BUFFER, issuer, 0, issuer.length);
          bufs.addAscii(TLS_CERT_SERIAL_BUFFER, tx.serial);
          bufs.addAscii(TLS_CERT_FINGERPRINT_BUFFER, tx.fingerprint);
        }
      }
      if (count < TLS_MAX_CERTS) tx.buffers.add(TLS_CERTS_BUFFER, b, d, d + len);
      count++;
      at = d + len;
    }
    tx.certCount = count;
  }
}
