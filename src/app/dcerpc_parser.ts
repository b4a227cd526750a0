/**
 * The DCE/RPC parser, connection-oriented PDUs over TCP, as Suricata 7's
 * rust/src/dcerpc parser reads them:
 *
 * - a PDU is its 16-byte header and `frag_length - 16` bytes, reassembled
 *   per direction when it spans segments (at most 65535 bytes);
 * - BIND / ALTER_CONTEXT record the offered interfaces (UUID, version,
 *   context id) and start a bind transaction; BIND_ACK /
 *   ALTER_CONTEXT_RESP set each context's result, keep the accepted ones
 *   and complete it;
 * - REQUEST starts (or completes) the call transaction of its `call_id`:
 *   context id, opnum, and the stub -- the bytes after the 8-byte request
 *   header up to the end of the PDU (Suricata keeps an object UUID and the
 *   auth trailer in it too); RESPONSE fills the call's response stub -- all
 *   bytes after the common header, as Suricata's;
 * - like Suricata 7, each REQUEST / RESPONSE PDU completes its side of the
 *   transaction (fragment count 1): the fragments of a call that arrives in
 *   several PDUs become one transaction each;
 * - another PDU type (FAULT, AUTH3, SHUTDOWN, ...) or a malformed PDU ends
 *   parsing of the flow (Suricata's parser returns an error and the flow's
 *   app layer is disabled); Tarsier raises an app-layer event for it:
 *   `invalid_header`, `invalid_fragment_length`, `unhandled_pdu_type`,
 *   `malformed_bind`, `malformed_bind_ack`, `malformed_request`.
 *
 * Buffers: `dcerpc.stub_data` holds the request stub on the REQUEST part and
 * `dcerpc.stub_data:response` the response stub on the RESPONSE part. A
 * transaction is logged (EVE `dcerpc`) when both parts are done, and at the
 * end of the flow otherwise (`"response":"UNREPLIED"`).
 *
 * @module
 */

import { BufferSide, registerBuffer, registerBufferSide } from "../detect/buffers.ts";
import {
  DceBinding,
  type DceFlowView,
  DcePduType,
  DceRpcTx,
  requestTypeFor,
  responseTypeFor,
} from "./dcerpc_tx.ts";
import { dceRpcEve } from "./dcerpc_eve.ts";
import {
  type AppLogStyle,
  type AppOutput,
  type AppParser,
  type Transaction,
  TxSide,
} from "./transaction.ts";

/** Buffer id of `dcerpc.stub_data` (the request stub). */
export const DCERPC_STUB_BUFFER: number = registerBuffer("dcerpc.stub_data", "dcerpc", true).id;
/** Buffer id of the response stub (`dcerpc.stub_data` in a to-client rule). */
export const DCERPC_STUB_RESPONSE_BUFFER: number =
  registerBuffer("dcerpc.stub_data:response", "dcerpc", true).id;
registerBufferSide("dcerpc.stub_data", BufferSide.EITHER);

/** Bytes of the common PDU header. */
export const DCERPC_HEADER_LEN = 16;
/** PFC_FIRST_FRAG: the first fragment of a PDU sequence. */
export const PFC_FIRST_FRAG = 0x01;
/** PFC_LAST_FRAG: the last fragment. */
export const PFC_LAST_FRAG = 0x02;
/** Most transactions a flow keeps before the oldest open one is forced complete. */
export const DCERPC_MAX_LIVE_TX = 256;

/** Per-flow DCE/RPC state. */
export class DceRpcState implements DceFlowView {
  /** Live transactions, oldest first. */
  readonly txs: DceRpcTx[] = [];
  /** Id of the next transaction. */
  nextTxId = 0;
  /** The association's interfaces. */
  readonly binding: DceBinding = new DceBinding();
  /** Minor version of the last header parsed. */
  rpcVersionMinor = 0;
  /** Type of the last PDU parsed, -1 before the first. */
  lastPduType = -1;
  /** A header was parsed. */
  hasHeader = false;
  /** Parsing stopped (malformed or unhandled PDU). */
  givenUp = false;
  /** Partial PDU bytes per direction (0: to server, 1: to client). */
  readonly pending: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
  /** Bytes of {@link DceRpcState.pending} in use per direction. */
  readonly pendingLen: Int32Array = new Int32Array(2);
  /** Per direction: bytes were lost, resynchronise on the next `05 00`. */
  readonly gap: Uint8Array = new Uint8Array(2);
}

/** Fields of the PDU header being processed. */
interface Header {
  type: number;
  flags: number;
  little: boolean;
  fragLength: number;
  callId: number;
}

function u16(d: Uint8Array, at: number, little: boolean): number {
  return little ? d[at] | (d[at + 1] << 8) : (d[at] << 8) | d[at + 1];
}

function u32(d: Uint8Array, at: number, little: boolean): number {
  return little
    ? (d[at] | (d[at + 1] << 8) | (d[at + 2] << 16) | (d[at + 3] << 24)) >>> 0
    : ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;
}

/** The DCE/RPC over TCP parser (one per worker; it pools transactions). */
export class DceRpcParser implements AppParser<DceRpcState> {
  /** EVE name. */
  readonly name = "dcerpc";
  /** How EVE writes its records and events. */
  readonly logStyle: AppLogStyle = {
    txId: false,
    packetSide: false,
    eventsAsRaised: false,
    dropsEventsWithoutTx: false,
  };
  /** Bound on live transactions per flow. */
  readonly maxLiveTx: number;
  readonly #pool: DceRpcTx[] = [];
  readonly #hdr: Header = { type: 0, flags: 0, little: true, fragLength: 0, callId: 0 };

  /** @param maxLiveTx bound on live transactions per flow */
  constructor(maxLiveTx = DCERPC_MAX_LIVE_TX) {
    this.maxLiveTx = maxLiveTx;
  }

  /** A fresh per-flow state. */
  newState(): DceRpcState {
    return new DceRpcState();
  }

  /** Make a state fresh for another flow; its transactions go back to the pool. */
  resetState(state: DceRpcState): void {
    for (const tx of state.txs) this.#release(tx);
    state.txs.length = 0;
    state.nextTxId = 0;
    state.binding.clear();
    state.rpcVersionMinor = 0;
    state.lastPduType = -1;
    state.hasHeader = false;
    state.givenUp = false;
    state.pendingLen[0] = 0;
    state.pendingLen[1] = 0;
    state.gap[0] = 0;
    state.gap[1] = 0;
  }

  /** Parse a chunk of one direction's stream. */
  parse(
    state: DceRpcState,
    toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ): void {
    if (state.givenUp) return;
    const dir = toServer ? 0 : 1;
    let p = start;
    if (state.gap[dir] !== 0) {
      // resynchronise on what may be a header (Suricata looks for 05 00)
      while (p + 1 < end && !(data[p] === 5 && data[p + 1] === 0)) p++;
      if (p + 1 >= end) {
        if (p < end && data[p] === 5) this.#stash(state, dir, data, p, end);
        return;
      }
      state.gap[dir] = 0;
      state.pendingLen[dir] = 0;
    }
    while (p < end && !state.givenUp) {
      const have = state.pendingLen[dir];
      if (have > 0) {
        if (have < DCERPC_HEADER_LEN) {
          const take = Math.min(DCERPC_HEADER_LEN - have, end - p);
          this.#stash(state, dir, data, p, p + take);
          p += take;
          if (state.pendingLen[dir] < DCERPC_HEADER_LEN) return;
        }
        const fragLength = this.#frameLength(state, state.pending[dir], 0, out);
        if (fragLength < 0) return;
        const need = fragLength - state.pendingLen[dir];
        const take = Math.min(need, end - p);
        this.#stash(state, dir, data, p, p + take);
        p += take;
        if (state.pendingLen[dir] < fragLength) return;
        state.pendingLen[dir] = 0;
        this.#pdu(state, state.pending[dir], 0, out);
        continue;
      }
      if (end - p < DCERPC_HEADER_LEN) {
        this.#stash(state, dir, data, p, end);
        return;
      }
      const fragLength = this.#frameLength(state, data, p, out);
      if (fragLength < 0) return;
      if (end - p < fragLength) {
        this.#stash(state, dir, data, p, end);
        return;
      }
      this.#pdu(state, data, p, out);
      p += fragLength;
    }
  }

  /** TCP bytes were lost: drop the partial PDU, mark what it belonged to lost, resynchronise. */
  gap(state: DceRpcState, toServer: boolean, length: number, _out: AppOutput): void {
    if (length <= 0 || state.givenUp) return;
    const dir = toServer ? 0 : 1;
    state.pendingLen[dir] = 0;
    state.gap[dir] = 1;
    // Suricata's post-gap housekeeping: open parts of that direction are lost
    for (const tx of state.txs) {
      if (toServer) {
        if (!tx.reqDone) tx.reqLost = true;
        tx.reqDone = true;
      } else {
        if (!tx.reqDone) tx.reqLost = true;
        if (!tx.respDone) tx.respLost = true;
        tx.reqDone = true;
        tx.respDone = true;
      }
    }
  }

  /** The flow ended: log what was not logged (`UNREPLIED` / `REQUEST_LOST`). */
  finish(state: DceRpcState, out: AppOutput): void {
    state.pendingLen[0] = 0;
    state.pendingLen[1] = 0;
    for (const tx of state.txs) this.#log(tx, out);
  }

  /** Return the transactions published and logged to the pool. */
  collect(state: DceRpcState): void {
    const txs = state.txs;
    let kept = 0;
    for (let k = 0; k < txs.length; k++) {
      const tx = txs[k];
      const side = tx.progress;
      if (tx.logged !== 0 && (tx.published & side) === side) this.#release(tx);
      else txs[kept++] = tx;
    }
    txs.length = kept;
  }

  /**
   * The EVE `dcerpc` object of a transaction (Suricata 7's shape); null for
   * alerts, which Suricata 7 writes without it.
   */
  eve(tx: Transaction, _side: number, forAlert: boolean): Record<string, unknown> | null {
    if (forAlert) return null;
    return dceRpcEve(tx as DceRpcTx);
  }

  // ------------------------------------------------------------ internals

  /**
   * Validate the header at `at` and return its fragment length, or -1 after
   * giving up on the flow.
   */
  #frameLength(state: DceRpcState, d: Uint8Array, at: number, out: AppOutput): number {
    if (d[at] !== 5 || d[at + 1] > 1) {
      this.#giveUp(state, out, "invalid_header");
      return -1;
    }
    const fragLength = u16(d, at + 8, (d[at + 4] & 0x10) !== 0);
    if (fragLength < DCERPC_HEADER_LEN) {
      this.#giveUp(state, out, "invalid_fragment_length");
      return -1;
    }
    return fragLength;
  }

  /** Process a whole PDU at `d[at]`. */
  #pdu(state: DceRpcState, d: Uint8Array, at: number, out: AppOutput): void {
    const h = this.#hdr;
    h.little = (d[at + 4] & 0x10) !== 0;
    h.type = d[at + 2];
    h.flags = d[at + 3];
    h.fragLength = u16(d, at + 8, h.little);
    h.callId = u32(d, at + 12, h.little);
    state.rpcVersionMinor = d[at + 1];
    state.lastPduType = h.type;
    state.hasHeader = true;
    const body = at + DCERPC_HEADER_LEN;
    const end = at + h.fragLength;
    switch (h.type) {
      case DcePduType.BIND:
      case DcePduType.ALTER_CONTEXT:
        this.#bind(state, d, body, end, out);
        return;
      case DcePduType.BINDACK:
      case DcePduType.ALTER_CONTEXT_RESP:
        this.#bindAck(state, d, body, end, out);
        return;
      case DcePduType.REQUEST:
        this.#request(state, d, body, end, out);
        return;
      case DcePduType.RESPONSE:
        this.#response(state, d, body, end, out);
        return;
      default:
        this.#giveUp(state, out, "unhandled_pdu_type");
    }
  }

  #bind(state: DceRpcState, d: Uint8Array, p: number, end: number, out: AppOutput): void {
    const h = this.#hdr;
    const b = state.binding;
    if (end - p < 12) {
      this.#giveUp(state, out, "malformed_bind");
      return;
    }
    const count = d[p + 8];
    p += 12;
    b.offeredCount = 0;
    b.hasBind = true;
    for (let i = 0; i < count; i++) {
      if (end - p < 44) {
        this.#giveUp(state, out, "malformed_bind");
        return;
      }
      const e = b.offer();
      e.ctxid = u16(d, p, h.little);
      const u = e.uuid;
      if (h.little) {
        u[0] = d[p + 7];
        u[1] = d[p + 6];
        u[2] = d[p + 5];
        u[3] = d[p + 4];
        u[4] = d[p + 9];
        u[5] = d[p + 8];
        u[6] = d[p + 11];
        u[7] = d[p + 10];
      } else {
        for (let k = 0; k < 8; k++) u[k] = d[p + 4 + k];
      }
      for (let k = 8; k < 16; k++) u[k] = d[p + 4 + k];
      e.version = u16(d, p + 20, h.little);
      e.versionMinor = u16(d, p + 22, h.little);
      e.internalId = i;
      e.firstFrag = (h.flags & PFC_FIRST_FRAG) !== 0;
      e.result = 0;
      // one transfer syntax per context, as Suricata reads it
      p += 44;
    }
    const tx = this.#newTx(state, out);
    tx.reqCmd = h.type;
    tx.reqDone = true;
    tx.reqFragCount = 1;
    tx.progress |= TxSide.REQUEST;
    out.ready(tx, TxSide.REQUEST);
    this.#completed(tx, out);
  }

  #bindAck(state: DceRpcState, d: Uint8Array, p: number, end: number, out: AppOutput): void {
    const h = this.#hdr;
    if (end - p < 10) {
      this.#giveUp(state, out, "malformed_bind_ack");
      return;
    }
    // the secondary address length is read little-endian whatever the data representation
    const secAddrLen = d[p + 8] | (d[p + 9] << 8);
    p += 10 + secAddrLen;
    const misalign = (secAddrLen + 2) % 4;
    if (misalign !== 0) p += 4 - misalign;
    if (end - p < 4) {
      this.#giveUp(state, out, "malformed_bind_ack");
      return;
    }
    const count = d[p];
    p += 4;
    if (end - p < count * 24) {
      this.#giveUp(state, out, "malformed_bind_ack");
      return;
    }
    const b = state.binding;
    if (b.hasBind) {
      b.acceptedCount = 0;
      for (let i = 0; i < count; i++) {
        const result = d[p + i * 24] | (d[p + i * 24 + 1] << 8);
        for (let k = 0; k < b.offeredCount; k++) {
          const e = b.offered[k];
          if (e.internalId !== i) continue;
          e.result = result;
          if (result !== 0) break;
          b.accept(e);
        }
      }
    }
    let tx = this.#find(state, h.callId, false, h.type);
    if (tx === null) tx = this.#newTx(state, out);
    tx.respCmd = h.type;
    tx.respDone = true;
    tx.respFragCount = 1;
    tx.progress |= TxSide.RESPONSE;
    out.ready(tx, TxSide.RESPONSE);
    this.#completed(tx, out);
  }

  #request(state: DceRpcState, d: Uint8Array, p: number, end: number, out: AppOutput): void {
    const h = this.#hdr;
    if (end - p < 8) {
      this.#giveUp(state, out, "malformed_request");
      return;
    }
    let tx = this.#find(state, h.callId, true, h.type);
    if (tx === null) tx = this.#newTx(state, out);
    tx.reqCmd = h.type;
    tx.ctxid = u16(d, p + 4, h.little);
    tx.opnum = u16(d, p + 6, h.little);
    tx.firstRequestSeen = true;
    p += 8;
    tx.buffers.add(DCERPC_STUB_BUFFER, d, p, end);
    tx.reqStubSize += end - p;
    tx.reqDone = true;
    tx.reqFragCount = 1;
    tx.progress |= TxSide.REQUEST;
    out.ready(tx, TxSide.REQUEST);
    this.#completed(tx, out);
  }

  #response(state: DceRpcState, d: Uint8Array, p: number, end: number, out: AppOutput): void {
    const h = this.#hdr;
    let tx = this.#find(state, h.callId, false, h.type);
    if (tx === null) tx = this.#newTx(state, out);
    tx.respCmd = h.type;
    tx.buffers.add(DCERPC_STUB_RESPONSE_BUFFER, d, p, end);
    tx.respStubSize += end - p;
    tx.respDone = true;
    tx.respFragCount = 1;
    tx.progress |= TxSide.RESPONSE;
    out.ready(tx, TxSide.RESPONSE);
    this.#completed(tx, out);
  }

  /** Log the transaction when both parts are done. */
  #completed(tx: DceRpcTx, out: AppOutput): void {
    if (tx.reqDone && tx.respDone) this.#log(tx, out);
  }

  /** Ask for the transaction's EVE record, once. */
  #log(tx: DceRpcTx, out: AppOutput): void {
    if (tx.logQueued) return;
    tx.logQueued = true;
    out.log(tx, TxSide.BOTH);
  }

  /**
   * The open transaction of a call id whose other part fits this PDU type
   * (Suricata's get_tx_by_call_id), or null.
   */
  #find(state: DceRpcState, callId: number, toServer: boolean, type: number): DceRpcTx | null {
    for (const tx of state.txs) {
      if (tx.callId !== callId) continue;
      if (toServer) {
        if (tx.reqDone || tx.reqLost || tx.respCmd !== responseTypeFor(type)) continue;
      } else if (tx.respDone || tx.respLost || tx.reqCmd !== requestTypeFor(type)) continue;
      return tx;
    }
    return null;
  }

  #newTx(state: DceRpcState, out: AppOutput): DceRpcTx {
    if (state.txs.length >= this.maxLiveTx) {
      // Suricata's DCERPC_MAX_TX: the oldest open transaction is forced complete
      for (const old of state.txs) {
        if (old.reqDone && old.respDone) continue;
        old.reqDone = true;
        old.respDone = true;
        this.#log(old, out);
        break;
      }
    }
    const tx = this.#pool.pop() ?? new DceRpcTx();
    const h = this.#hdr;
    tx.id = state.nextTxId++;
    tx.callId = h.callId;
    tx.dceLittleEndian = h.little;
    tx.flow = state;
    state.txs.push(tx);
    return tx;
  }

  #stash(state: DceRpcState, dir: number, data: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    const have = state.pendingLen[dir];
    let buf = state.pending[dir];
    if (have + n > buf.length) {
      // a PDU is at most 65535 bytes: the buffer never grows beyond that
      const grown = new Uint8Array(Math.min(65535, Math.max(have + n, buf.length * 2, 256)));
      grown.set(buf.subarray(0, have));
      buf = grown;
      state.pending[dir] = buf;
    }
    buf.set(data.subarray(from, to), have);
    state.pendingLen[dir] = have + n;
  }

  #giveUp(state: DceRpcState, out: AppOutput, event: string): void {
    const n = state.txs.length;
    out.event(n === 0 ? null : state.txs[n - 1], event);
    state.givenUp = true;
    state.pendingLen[0] = 0;
    state.pendingLen[1] = 0;
  }

  #release(tx: DceRpcTx): void {
    tx.reset();
    this.#pool.push(tx);
  }
}
