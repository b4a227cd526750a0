/**
 * The flow stage of the detection pipeline: looks each packet's flow up in
 * the {@link FlowTable}, fills the detection context (flow slot, direction,
 * established, packets, age, flowbits/flowints) and gives the EVE fields of
 * the flow (flow_id, direction, flow{...}) for alert records.
 *
 * Per packet, the pipeline sets `ctx.now` to the packet time and calls
 * {@link FlowStage.update} before the detection engine inspects the packet.
 * Stream reassembly and full TCP state tracking come with the flow/stream
 * stage, which will sit beside this one.
 *
 * @module
 */

import type { Packet } from "../decode/packet.ts";
import { type DetectContext, FlowDirection } from "../detect/detect_context.ts";
import type { FlowTracker } from "../engine/detect_stage.ts";
import type { EveExtras } from "../output/eve_record.ts";
import { FlowbitStore, flowintCount } from "./flowbits.ts";
import { HostBitStore } from "./host_bits.ts";
import { FlowTable, type FlowTableOptions } from "./flow_table.ts";

/** Flow tracking for one worker. */
export class FlowStage implements FlowTracker {
  /** The flow table. */
  readonly table: FlowTable;
  /** Per-flow flowbits and flowints. */
  readonly flowbits: FlowbitStore;
  /** Host bits and xbits. */
  readonly hostbits: HostBitStore = new HostBitStore();

  /**
   * @param options flow table options
   * @param flowbitNames how many flowbit names the rules use (`flowbitCount()`)
   * @param flowintNames how many flowint names the rules use
   */
  constructor(options: FlowTableOptions, flowbitNames: number, flowintNames = flowintCount()) {
    this.table = new FlowTable(options);
    this.flowbits = new FlowbitStore(this.table, flowbitNames, flowintNames);
  }

  /**
   * Find or create the packet's flow and fill the context: `flowIndex`
   * (-1 without a flow), `direction`, `established`, `flowPackets`,
   * `flowAge`, `flowGeneration`, `flowbits`, `hostbits`.
   *
   * @param p the decoded packet
   * @param ctx the detection context to fill; `ctx.now` must hold the packet time
   */
  update(p: Packet, ctx: DetectContext): void {
    ctx.flowbits = this.flowbits;
    ctx.hostbits = this.hostbits;
    const f = this.table.lookupOrCreate(p, ctx.now);
    ctx.flowIndex = f;
    if (f < 0) {
      ctx.direction = FlowDirection.UNKNOWN;
      ctx.established = false;
      ctx.flowPackets = 0;
      ctx.flowGeneration = 0;
      ctx.flowAge = 0;
      return;
    }
    const t = this.table;
    ctx.direction = t.lastToServer ? FlowDirection.TO_SERVER : FlowDirection.TO_CLIENT;
    ctx.established = t.lastEstablished;
    ctx.flowPackets = t.pktsToServer[f] + t.pktsToClient[f];
    ctx.flowGeneration = t.generation[f];
    ctx.flowAge = ctx.now - t.firstTs[f];
  }

  /**
   * EVE fields of the packet's flow.
   *
   * @param _p the packet
   * @param ctx the context {@link FlowStage.update} filled
   * @returns flow_id, direction and flow counters for EVE
   */
  eveExtras(_p: Packet, ctx: DetectContext): EveExtras | undefined {
    const f = ctx.flowIndex;
    if (f < 0) return undefined;
    const t = this.table;
    const start = t.firstTs[f];
    const startSec = Math.floor(start);
    return {
      flowId: t.flowId[f],
      direction: ctx.direction === FlowDirection.TO_CLIENT ? "to_client" : "to_server",
      flow: {
        pktsToServer: t.pktsToServer[f],
        pktsToClient: t.pktsToClient[f],
        bytesToServer: t.bytesToServer[f],
        bytesToClient: t.bytesToClient[f],
        startSec,
        startNsec: Math.round((start - startSec) * 1e9),
      },
    };
  }
}
