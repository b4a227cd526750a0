/**
 * DCE/RPC (connection-oriented) transactions and the per-flow binding
 * state they are matched against: PDU types, the interfaces a BIND offered
 * and the ones the BIND_ACK accepted.
 *
 * A transaction is one call (a request and its response, matched by
 * `call_id`) or one bind (BIND/ALTER_CONTEXT and its acknowledgement), as
 * in Suricata 7's rust/src/dcerpc.
 *
 * @module
 */

import { Transaction } from "./transaction.ts";

/** Connection-oriented PDU types (the header's `PTYPE`). */
export const DcePduType = {
  REQUEST: 0,
  PING: 1,
  RESPONSE: 2,
  FAULT: 3,
  WORKING: 4,
  NOCALL: 5,
  REJECT: 6,
  ACK: 7,
  CL_CANCEL: 8,
  FACK: 9,
  CANCEL_ACK: 10,
  BIND: 11,
  BINDACK: 12,
  BINDNAK: 13,
  ALTER_CONTEXT: 14,
  ALTER_CONTEXT_RESP: 15,
  AUTH3: 16,
  SHUTDOWN: 17,
  CO_CANCEL: 18,
  ORPHANED: 19,
  RTS: 20,
} as const;

const PDU_TYPE_NAMES: readonly string[] = [
  "REQUEST",
  "PING",
  "RESPONSE",
  "FAULT",
  "WORKING",
  "NOCALL",
  "REJECT",
  "ACK",
  "CL_CANCEL",
  "FACK",
  "CANCEL_ACK",
  "BIND",
  "BINDACK",
  "BINDNAK",
  "ALTER_CONTEXT",
  "ALTER_CONTEXT_RESP",
  "AUTH3",
  "SHUTDOWN",
  "CO_CANCEL",
  "ORPHANED",
  "RTS",
];

/**
 * The EVE name of a PDU type (`"REQUEST"`, `"BINDACK"`, ...).
 *
 * @param type a {@link DcePduType}
 * @returns the name, `"UNKNOWN"` for others
 */
export function dcePduTypeName(type: number): string {
  return PDU_TYPE_NAMES[type] ?? "UNKNOWN";
}

/** One presentation context of a BIND: an interface UUID and version under a context id. */
export class DceInterface {
  /** The interface UUID in canonical (RFC 4122 text) byte order. */
  readonly uuid: Uint8Array = new Uint8Array(16);
  /** The presentation context id requests name it by. */
  ctxid = 0;
  /** Position of the context in its BIND (matched with the BIND_ACK's results). */
  internalId = 0;
  /** Interface major version. */
  version = 0;
  /** Interface minor version. */
  versionMinor = 0;
  /** The BIND that offered it had PFC_FIRST_FRAG set (what `dce_iface` without `any_frag` needs). */
  firstFrag = false;
  /** The BIND_ACK's result for it: 0 accepted, 2 provider rejection, 3 negotiate ack... */
  result = 0;

  /**
   * Copy another entry.
   *
   * @param other the entry to copy
   */
  copyFrom(other: DceInterface): void {
    this.uuid.set(other.uuid);
    this.ctxid = other.ctxid;
    this.internalId = other.internalId;
    this.version = other.version;
    this.versionMinor = other.versionMinor;
    this.firstFrag = other.firstFrag;
    this.result = other.result;
  }
}

/**
 * The interfaces of a DCE/RPC association: the last BIND's contexts and the
 * ones its BIND_ACK accepted (entries are pooled; the lists only grow to the
 * largest BIND seen, at most 255 contexts).
 */
export class DceBinding {
  /** Entries of the last BIND or ALTER_CONTEXT ({@link DceBinding.offeredCount} in use). */
  readonly offered: DceInterface[] = [];
  /** Entries of {@link DceBinding.offered} in use. */
  offeredCount = 0;
  /** A BIND was parsed (Suricata logs its interfaces with the bind transaction). */
  hasBind = false;
  /** Copies of the accepted entries as of the last BIND_ACK ({@link DceBinding.acceptedCount} in use). */
  readonly accepted: DceInterface[] = [];
  /** Entries of {@link DceBinding.accepted} in use. */
  acceptedCount = 0;

  /** Forget everything (the entries stay pooled). */
  clear(): void {
    this.offeredCount = 0;
    this.acceptedCount = 0;
    this.hasBind = false;
  }

  /** A fresh entry at the end of the offered list. */
  offer(): DceInterface {
    if (this.offeredCount === this.offered.length) this.offered.push(new DceInterface());
    return this.offered[this.offeredCount++];
  }

  /**
   * Add a copy of an entry to the accepted list.
   *
   * @param entry the accepted entry
   */
  accept(entry: DceInterface): void {
    if (this.acceptedCount === this.accepted.length) this.accepted.push(new DceInterface());
    this.accepted[this.acceptedCount++].copyFrom(entry);
  }
}

/** What a flow's transactions need from the flow's state. */
export interface DceFlowView {
  /** The association's interfaces. */
  readonly binding: DceBinding;
  /** Minor version of the last header parsed (EVE `rpc_version` is `5.<minor>`). */
  readonly rpcVersionMinor: number;
  /** Type of the last PDU parsed (`dce_iface` matches only after a REQUEST or RESPONSE). */
  readonly lastPduType: number;
}

/** One DCE/RPC call or bind. */
export class DceRpcTx extends Transaction {
  /** The header's `call_id`. */
  callId = 0;
  /** Presentation context id of the request. */
  ctxid = 0;
  /** Operation number of the request. */
  opnum = 0;
  /** A REQUEST PDU was parsed into it (`dce_iface`/`dce_opnum` match only then). */
  firstRequestSeen = false;
  /** Client PDU type (REQUEST, BIND, ALTER_CONTEXT). */
  reqCmd: number = DcePduType.REQUEST;
  /** Server PDU type (RESPONSE, BINDACK, ALTER_CONTEXT_RESP). */
  respCmd: number = DcePduType.RESPONSE;
  /** Request fragments counted (Suricata 7 counts 1 per PDU). */
  reqFragCount = 0;
  /** Response fragments counted. */
  respFragCount = 0;
  /** Request stub bytes. */
  reqStubSize = 0;
  /** Response stub bytes. */
  respStubSize = 0;
  /** The client's part is complete. */
  reqDone = false;
  /** The server's part is complete. */
  respDone = false;
  /** The client's part was lost in a gap. */
  reqLost = false;
  /** The server's part was lost in a gap. */
  respLost = false;
  /**
   * The data representation was little-endian when the transaction began
   * (what `byte_test`/`byte_jump` `dce` read multi-byte values as).
   */
  dceLittleEndian = false;
  /** The flow's state (bindings, header version), for `dce_iface` and EVE. */
  flow: DceFlowView | null = null;
  /** Its EVE record was asked for (it is written once). */
  logQueued = false;

  /** @inheritdoc */
  override reset(): void {
    super.reset();
    this.callId = 0;
    this.ctxid = 0;
    this.opnum = 0;
    this.firstRequestSeen = false;
    this.reqCmd = DcePduType.REQUEST;
    this.respCmd = DcePduType.RESPONSE;
    this.reqFragCount = 0;
    this.respFragCount = 0;
    this.reqStubSize = 0;
    this.respStubSize = 0;
    this.reqDone = false;
    this.respDone = false;
    this.reqLost = false;
    this.respLost = false;
    this.dceLittleEndian = false;
    this.flow = null;
    this.logQueued = false;
  }
}

/**
 * The response PDU type that answers a request type.
 *
 * @param type a client PDU type
 * @returns the server PDU type, -1 when none
 */
export function responseTypeFor(type: number): number {
  switch (type) {
    case DcePduType.REQUEST:
      return DcePduType.RESPONSE;
    case DcePduType.BIND:
      return DcePduType.BINDACK;
    case DcePduType.ALTER_CONTEXT:
      return DcePduType.ALTER_CONTEXT_RESP;
    default:
      return -1;
  }
}

/**
 * The request PDU type a response type answers.
 *
 * @param type a server PDU type
 * @returns the client PDU type, -1 when none
 */
export function requestTypeFor(type: number): number {
  switch (type) {
    case DcePduType.RESPONSE:
      return DcePduType.REQUEST;
    case DcePduType.BINDACK:
      return DcePduType.BIND;
    case DcePduType.ALTER_CONTEXT_RESP:
      return DcePduType.ALTER_CONTEXT;
    default:
      return -1;
  }
}

/**
 * A UUID as text (`"367abb81-9844-35f1-ad32-98f038001003"`).
 *
 * @param uuid 16 bytes in canonical order
 * @returns lowercase hyphenated hex
 */
export function uuidText(uuid: Uint8Array): string {
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += (uuid[i] < 16 ? "0" : "") + uuid[i].toString(16);
  }
  return s;
}
