/**
 * The EVE `dcerpc` object of a DCE/RPC transaction, in Suricata 7's shape
 * (rust/src/dcerpc/log.rs, TCP):
 *
 * ```json
 * {"request":"REQUEST","req":{"opnum":4,"frag_cnt":1,"stub_data_size":24},
 *  "response":"RESPONSE","res":{"frag_cnt":1,"stub_data_size":68},
 *  "call_id":27,"rpc_version":"5.0"}
 * ```
 *
 * A bind lists the interfaces of the flow's last BIND with their results
 * (`"interfaces":[{"uuid":...,"version":"1.0","ack_result":0}]`); a part
 * not seen is `REQUEST_LOST` / `UNREPLIED`.
 *
 * @module
 */

import { DcePduType, dcePduTypeName, type DceRpcTx, uuidText } from "./dcerpc_tx.ts";

/**
 * The EVE object of a transaction (allocates; called when a record is written).
 *
 * @param tx the transaction
 * @returns Suricata 7's `dcerpc` object
 */
export function dceRpcEve(tx: DceRpcTx): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (tx.reqDone && !tx.reqLost) {
    o.request = dcePduTypeName(tx.reqCmd);
    if (tx.reqCmd === DcePduType.REQUEST) {
      o.req = { opnum: tx.opnum, frag_cnt: tx.reqFragCount, stub_data_size: tx.reqStubSize };
    } else if (tx.reqCmd === DcePduType.BIND && tx.flow !== null && tx.flow.binding.hasBind) {
      const b = tx.flow.binding;
      const interfaces: Record<string, unknown>[] = [];
      for (let k = 0; k < b.offeredCount; k++) {
        const e = b.offered[k];
        interfaces.push({
          uuid: uuidText(e.uuid),
          version: `${e.version}.${e.versionMinor}`,
          ack_result: e.result,
        });
      }
      o.interfaces = interfaces;
    }
  } else {
    o.request = "REQUEST_LOST";
  }
  if (tx.respDone && !tx.respLost) {
    o.response = dcePduTypeName(tx.respCmd);
    if (tx.respCmd === DcePduType.RESPONSE) {
      o.res = { frag_cnt: tx.respFragCount, stub_data_size: tx.respStubSize };
    }
  } else {
    o.response = "UNREPLIED";
  }
  o.call_id = tx.callId;
  o.rpc_version = `5.${tx.flow?.rpcVersionMinor ?? 0}`;
  return o;
}
