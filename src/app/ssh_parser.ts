/**
 * The SSH parser: each side's identification banner
 * (`SSH-protoversion-softwareversion SP comments CR LF`) and, after it, the
 * binary packet layer up to SSH_MSG_NEWKEYS, hashing the SSH_MSG_KEXINIT
 * algorithm lists into HASSH fingerprints when enabled -- as Suricata 7's
 * ssh parser does.
 *
 * One {@link SshTx} per flow: the client's banner is its REQUEST part, the
 * server's its RESPONSE part. Buffers: `ssh.proto` and `ssh.software` on
 * both parts (the side's own banner), `ssh.hassh` / `ssh.hassh.string` on
 * the REQUEST part and `ssh.hassh.server` / `ssh.hassh.server.string` on
 * the RESPONSE part once the side's KEXINIT is parsed (the part is then
 * announced ready a second time).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { registerBuffer } from "../detect/buffers.ts";
import {
  type AppLogStyle,
  type AppOutput,
  type AppParser,
  Transaction,
  TxSide,
} from "./transaction.ts";

/** Buffer id of `ssh.proto`. */
export const SSH_PROTO_BUFFER: number = registerBuffer("ssh.proto", "ssh", true).id;
/** Buffer id of `ssh.software`. */
export const SSH_SOFTWARE_BUFFER: number = registerBuffer("ssh.software", "ssh", true).id;
/** Buffer id of `ssh.hassh` (client). */
export const SSH_HASSH_BUFFER: number = registerBuffer("ssh.hassh", "ssh", true).id;
/** Buffer id of `ssh.hassh.string` (client). */
export const SSH_HASSH_STRING_BUFFER: number = registerBuffer("ssh.hassh.string", "ssh", true).id;
/** Buffer id of `ssh.hassh.server`. */
export const SSH_HASSH_SERVER_BUFFER: number = registerBuffer("ssh.hassh.server", "ssh", true).id;
/** Buffer id of `ssh.hassh.server.string`. */
export const SSH_HASSH_SERVER_STRING_BUFFER: number =
  registerBuffer("ssh.hassh.server.string", "ssh", true).id;

/** Banner bytes kept; a longer banner raises `long_banner` (Suricata's SSH_MAX_BANNER_LEN). */
export const SSH_MAX_BANNER_LEN = 256;
/** Largest KEXINIT body reassembled for HASSH; a longer one raises `long_kex_record`. */
export const SSH_MAX_KEX_RECORD = 65535;

const SSH_MSG_KEXINIT = 20;
const SSH_MSG_NEWKEYS = 21;

/** Where one direction's parsing is. */
const Phase = {
  /** Reading the banner line. */
  BANNER: 0,
  /** The banner was too long: skipping to its end of line. */
  WAIT_EOL: 1,
  /** Reading binary packets up to NEWKEYS. */
  RECORDS: 2,
  /** NEWKEYS seen: the rest is encrypted and ignored. */
  DONE: 3,
} as const;

/** The one transaction of an SSH flow: both banners and HASSH fingerprints. */
export class SshTx extends Transaction {
  /** Client protocol version (`"2.0"`), "" until the client banner is parsed. */
  clientProto = "";
  /** Client software version without comments (`"OpenSSH_8.9p1"`). */
  clientSoftware = "";
  /** Server protocol version. */
  serverProto = "";
  /** Server software version without comments. */
  serverSoftware = "";
  /** Client HASSH (md5 hex), "" when not computed. */
  clientHassh = "";
  /** Client HASSH string (`kex;enc;mac;cmp`). */
  clientHasshString = "";
  /** Server HASSH (md5 hex). */
  serverHassh = "";
  /** Server HASSH string. */
  serverHasshString = "";
  /**
   * Span index (in `buffers`) of the client's `ssh.proto`, -1 before its
   * banner. `ssh.proto` and `ssh.software` get one span per side in arrival
   * order (the server usually speaks first); a to-server rule inspects the
   * client's span, a to-client rule the server's.
   */
  clientProtoSpan = -1;
  /** Span index of the client's `ssh.software`, -1 before its banner. */
  clientSoftwareSpan = -1;
  /** Span index of the server's `ssh.proto`, -1 before its banner. */
  serverProtoSpan = -1;
  /** Span index of the server's `ssh.software`, -1 before its banner. */
  serverSoftwareSpan = -1;

  /** Make the transaction new again. */
  override reset(): void {
    super.reset();
    this.clientProto = "";
    this.clientSoftware = "";
    this.serverProto = "";
    this.serverSoftware = "";
    this.clientHassh = "";
    this.clientHasshString = "";
    this.serverHassh = "";
    this.serverHasshString = "";
    this.clientProtoSpan = -1;
    this.clientSoftwareSpan = -1;
    this.serverProtoSpan = -1;
    this.serverSoftwareSpan = -1;
  }
}

/** One direction's parsing state. */
class SshSide {
  phase: number = Phase.BANNER;
  /** Banner bytes so far (without CR/LF). */
  readonly line = new Uint8Array(SSH_MAX_BANNER_LEN);
  lineLen = 0;
  /** A CR ended the previous chunk: a LF right after belongs to it. */
  pendingCr = false;
  /** Banner parsed. */
  bannerDone = false;
  /** Record header bytes so far. */
  readonly header = new Uint8Array(6);
  headerLen = 0;
  /** Bytes of the current record's body still to skip or collect. */
  recordLeft = 0;
  /** Collecting the current record's body (a KEXINIT for HASSH). */
  collecting = false;
  /** The KEXINIT body being collected (allocated on first use, grown to its size). */
  kex: Uint8Array | null = null;
  kexLen = 0;

  reset(): void {
    this.phase = Phase.BANNER;
    this.lineLen = 0;
    this.pendingCr = false;
    this.bannerDone = false;
    this.headerLen = 0;
    this.recordLeft = 0;
    this.collecting = false;
    this.kexLen = 0;
    if (this.kex !== null && this.kex.length > 4096) this.kex = null;
  }
}

/** Per-flow SSH state. */
export class SshState {
  /** The flow's one transaction. */
  readonly tx: SshTx = new SshTx();
  /** Client-to-server direction. */
  readonly client: SshSide = new SshSide();
  /** Server-to-client direction. */
  readonly server: SshSide = new SshSide();
  /** The parser gave up (invalid banner or record, a gap): the rest is ignored. */
  givenUp = false;
  /** The EVE record was asked for (out.log called). */
  logAsked = false;
}

/** Options of {@link SshParser}. */
export interface SshParserOptions {
  /**
   * Compute HASSH (Suricata's `app-layer.protocols.ssh.hassh`, off by
   * default; Suricata turns it on when a rule uses an `ssh.hassh*` keyword).
   * With it the EVE record waits for both sides' NEWKEYS (or the flow's end)
   * and carries `hassh` objects.
   */
  hassh?: boolean;
}

/**
 * The SSH parser.
 *
 * @example
 * ```ts
 * import { SshParser } from "./ssh_parser.ts";
 * const parser = new SshParser({ hassh: true });
 * const state = parser.newState();
 * const out = { ready() {}, log() {}, event() {} };
 * const banner = new TextEncoder().encode("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3\r\n");
 * parser.parse(state, true, banner, 0, banner.length, out);
 * console.log(state.tx.clientSoftware); // OpenSSH_8.9p1
 * ```
 */
export class SshParser implements AppParser<SshState> {
  /** EVE name. */
  readonly name = "ssh";
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle = {
    txId: false,
    packetSide: false,
    eventsAsRaised: false,
    dropsEventsWithoutTx: false,
  };
  /** Whether HASSH is computed. */
  readonly hassh: boolean;

  /** @param options see {@link SshParserOptions} */
  constructor(options: SshParserOptions = {}) {
    this.hassh = options.hassh ?? false;
  }

  /** A fresh per-flow state. */
  newState(): SshState {
    return new SshState();
  }

  /** Make a state fresh for another flow. */
  resetState(state: SshState): void {
    state.tx.reset();
    state.client.reset();
    state.server.reset();
    state.givenUp = false;
    state.logAsked = false;
  }

  /** Parse bytes of one direction. */
  parse(
    state: SshState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void {
    const side = toServer ? state.client : state.server;
    let i = start;
    while (i < end && !state.givenUp) {
      switch (side.phase) {
        case Phase.BANNER:
        case Phase.WAIT_EOL:
          i = this.#banner(state, side, toServer, data, i, end, out);
          break;
        case Phase.RECORDS:
          i = this.#records(state, side, toServer, data, i, end, out);
          break;
        default:
          return;
      }
    }
  }

  /** Bytes were lost: SSH cannot resynchronise, so the parser gives up. */
  gap(state: SshState, _toServer: boolean, _length: number, _out: AppOutput): void {
    state.givenUp = true;
  }

  /** The flow ended: log the transaction if a banner was seen and it was not logged. */
  finish(state: SshState, out: AppOutput): void {
    if (!state.logAsked && (state.client.bannerDone || state.server.bannerDone)) {
      state.logAsked = true;
      out.log(state.tx, TxSide.BOTH);
    }
  }

  /** Nothing to do: the one transaction lives as long as the flow's state. */
  collect(_state: SshState): void {}

  /** The EVE `ssh` object (the same for the ssh record and alerts). */
  eve(tx: Transaction, _side: number, _forAlert: boolean): Record<string, unknown> | null {
    const t = tx as SshTx;
    if (t.clientProto === "" && t.serverProto === "") return null;
    const o: Record<string, unknown> = {};
    if (t.clientProto !== "") {
      o.client = sideObject(t.clientProto, t.clientSoftware, t.clientHassh, t.clientHasshString);
    }
    if (t.serverProto !== "") {
      o.server = sideObject(t.serverProto, t.serverSoftware, t.serverHassh, t.serverHasshString);
    }
    return o;
  }

  /** Banner bytes: returns where parsing stopped. */
  #banner(
    state: SshState,
    side: SshSide,
    toServer: boolean,
    data: Uint8Array,
    i: number,
    end: number,
    out: AppOutput,
  ): number {
    while (i < end) {
      const b = data[i];
      let eol = false;
      if (side.pendingCr) {
        side.pendingCr = false;
        eol = true;
        if (b === 0x0a) i++; // CR LF; a lone CR ends the line and the byte is the next record's
      } else if (b === 0x0a) {
        eol = true;
        i++;
      } else if (b === 0x0d) {
        side.pendingCr = true;
        i++;
        continue;
      } else {
        i++;
        if (side.phase === Phase.WAIT_EOL) continue;
        side.line[side.lineLen++] = b;
        if (side.lineLen === SSH_MAX_BANNER_LEN) {
          // Too long and no end of line yet: take the banner from what we have.
          out.event(state.tx, "long_banner");
          if (!this.#bannerDone(state, side, toServer, out)) return end;
          side.phase = Phase.WAIT_EOL;
        }
        continue;
      }
      if (eol) {
        if (side.phase === Phase.WAIT_EOL) {
          side.phase = Phase.RECORDS;
          return i;
        }
        if (!this.#bannerDone(state, side, toServer, out)) return end;
        side.phase = Phase.RECORDS;
        return i;
      }
    }
    return i;
  }

  /** A banner line is complete: parse it, fill the side's fields and buffers. */
  #bannerDone(state: SshState, side: SshSide, toServer: boolean, out: AppOutput): boolean {
    const line = side.line;
    const n = side.lineLen;
    // "SSH-" protoversion "-" softwareversion [SP comments]
    if (n < 4 || line[0] !== 0x53 || line[1] !== 0x53 || line[2] !== 0x48 || line[3] !== 0x2d) {
      return this.#invalidBanner(state, out);
    }
    let dash = 4;
    while (dash < n && line[dash] !== 0x2d) dash++;
    if (dash === 4 || dash >= n) return this.#invalidBanner(state, out);
    const swStart = dash + 1;
    let swEnd = swStart;
    while (swEnd < n && line[swEnd] !== 0x20) swEnd++;
    // An empty version before a space: Suricata takes the rest of the line.
    if (swEnd === swStart) swEnd = n;
    const proto = latin1(line, 4, dash);
    const software = latin1(line, swStart, swEnd);
    const tx = state.tx;
    side.bannerDone = true;
    const part = toServer ? TxSide.REQUEST : TxSide.RESPONSE;
    if (toServer) {
      tx.clientProto = proto;
      tx.clientSoftware = software;
    } else {
      tx.serverProto = proto;
      tx.serverSoftware = software;
    }
    tx.buffers.add(SSH_PROTO_BUFFER, line, 4, dash);
    const protoSpan = tx.buffers.spanCount - 1;
    tx.buffers.add(SSH_SOFTWARE_BUFFER, line, swStart, swEnd);
    const softwareSpan = tx.buffers.spanCount - 1;
    if (toServer) {
      tx.clientProtoSpan = protoSpan;
      tx.clientSoftwareSpan = softwareSpan;
    } else {
      tx.serverProtoSpan = protoSpan;
      tx.serverSoftwareSpan = softwareSpan;
    }
    tx.progress |= part;
    out.ready(tx, part);
    if (!this.hassh && state.client.bannerDone && state.server.bannerDone && !state.logAsked) {
      state.logAsked = true;
      out.log(tx, TxSide.BOTH);
    }
    return true;
  }

  #invalidBanner(state: SshState, out: AppOutput): boolean {
    out.event(state.tx, "invalid_banner");
    state.givenUp = true;
    return false;
  }

  /** Binary packets: returns where parsing stopped. */
  #records(
    state: SshState,
    side: SshSide,
    toServer: boolean,
    data: Uint8Array,
    i: number,
    end: number,
    out: AppOutput,
  ): number {
    while (i < end) {
      if (side.recordLeft > 0) {
        const n = Math.min(side.recordLeft, end - i);
        if (side.collecting) {
          side.kex!.set(data.subarray(i, i + n), side.kexLen);
          side.kexLen += n;
        }
        side.recordLeft -= n;
        i += n;
        if (side.recordLeft === 0 && side.collecting) {
          side.collecting = false;
          this.#kexinit(state, side, toServer, out);
        }
        continue;
      }
      side.header[side.headerLen++] = data[i++];
      if (side.headerLen < 6) continue;
      side.headerLen = 0;
      const h = side.header;
      const pktLen = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
      if (pktLen <= 1) {
        out.event(state.tx, "invalid_record");
        state.givenUp = true;
        return end;
      }
      const msg = h[5];
      side.recordLeft = pktLen - 2;
      if (msg === SSH_MSG_NEWKEYS) {
        side.phase = Phase.DONE;
        this.#finished(state, out);
        return end;
      }
      if (msg === SSH_MSG_KEXINIT && this.hassh) {
        if (side.recordLeft < SSH_MAX_KEX_RECORD) {
          if (side.kex === null || side.kex.length < side.recordLeft) {
            side.kex = new Uint8Array(Math.max(side.recordLeft, 1024));
          }
          side.collecting = true;
          side.kexLen = 0;
        } else {
          out.event(state.tx, "long_kex_record");
        }
      }
    }
    return i;
  }

  /**
   * A side sent NEWKEYS. Once both have, the rest is encrypted: inspection
   * ends (as Suricata's), and with HASSH on the transaction is logged.
   */
  #finished(state: SshState, out: AppOutput): void {
    if (state.client.phase === Phase.DONE && state.server.phase === Phase.DONE) {
      out.endInspection();
    }
    if (
      this.hassh && !state.logAsked && state.client.phase === Phase.DONE &&
      state.server.phase === Phase.DONE
    ) {
      state.logAsked = true;
      out.log(state.tx, TxSide.BOTH);
    }
  }

  /** A whole KEXINIT body: compute the side's HASSH. */
  #kexinit(state: SshState, side: SshSide, toServer: boolean, out: AppOutput): void {
    const b = side.kex!;
    const n = side.kexLen;
    // cookie(16), then 10 name-lists: kex, hostkey, enc c2s, enc s2c, mac c2s,
    // mac s2c, comp c2s, comp s2c, lang c2s, lang s2c.
    const starts = new Int32Array(10);
    const ends = new Int32Array(10);
    let at = 16;
    for (let k = 0; k < 10; k++) {
      if (at + 4 > n) return;
      const len = ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
      at += 4;
      if (len > n - at) return;
      starts[k] = at;
      ends[k] = at + len;
      at += len;
    }
    if (at + 5 > n) return; // first_kex_packet_follows, reserved
    const pick = toServer ? [0, 2, 4, 6] : [0, 3, 5, 7];
    let text = "";
    for (let k = 0; k < 4; k++) {
      if (k > 0) text += ";";
      text += latin1(b, starts[pick[k]], ends[pick[k]]);
    }
    const hash = createHash("md5").update(text, "latin1").digest("hex");
    const tx = state.tx;
    const part = toServer ? TxSide.REQUEST : TxSide.RESPONSE;
    if (toServer) {
      tx.clientHassh = hash;
      tx.clientHasshString = text;
      tx.buffers.addAscii(SSH_HASSH_BUFFER, hash);
      tx.buffers.addAscii(SSH_HASSH_STRING_BUFFER, text);
    } else {
      tx.serverHassh = hash;
      tx.serverHasshString = text;
      tx.buffers.addAscii(SSH_HASSH_SERVER_BUFFER, hash);
      tx.buffers.addAscii(SSH_HASSH_SERVER_STRING_BUFFER, text);
    }
    if (side.bannerDone) out.ready(tx, part);
  }
}

function sideObject(
  proto: string,
  software: string,
  hassh: string,
  hasshString: string,
): Record<string, unknown> {
  const o: Record<string, unknown> = { proto_version: proto };
  if (software !== "") o.software_version = software;
  if (hassh !== "" || hasshString !== "") o.hassh = { hash: hassh, string: hasshString };
  return o;
}

/** Bytes as a latin1 string. */
function latin1(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]);
  return s;
}
