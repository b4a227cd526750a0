/**
 * The application layer's per-flow state: what a parser asks about
 * inspection (payload inspection stopped, inspection ended) stays with its
 * flow and is cleared when the flow slot is reused.
 */

import assert from "node:assert/strict";
import { AppLayer } from "../../src/app/app_layer.ts";
import type { AppLogStyle, AppOutput, AppParser } from "../../src/app/transaction.ts";

const TLS = 6;

/** A parser that stops payload inspection on a byte 1 and ends inspection on a byte 2. */
class EncryptingParser implements AppParser<null> {
  readonly name = "test";
  readonly logStyle: AppLogStyle = {
    txId: false,
    packetSide: false,
    eventsAsRaised: false,
    dropsEventsWithoutTx: false,
  };
  newState(): null {
    return null;
  }
  resetState(): void {}
  parse(
    _s: null,
    _toServer: boolean,
    data: Uint8Array,
    start: number,
    end: number,
    out: AppOutput,
  ) {
    for (let i = start; i < end; i++) {
      if (data[i] === 1) out.stopPayloadInspection();
      if (data[i] === 2) out.endInspection();
    }
  }
  gap(): void {}
  finish(): void {}
  collect(): void {}
  eve(): null {
    return null;
  }
}

Deno.test("app layer: a parser's stop and end of inspection stay with the flow until its slot is reused", () => {
  const app = new AppLayer(4, { tcp: new Map([[TLS, new EncryptingParser()]]), udp: new Map() });
  const feed = (f: number, ...bytes: number[]) => {
    const data = Uint8Array.from(bytes);
    app.feed(f, TLS, true, true, data, 0, data.length, 0);
  };
  feed(0, 0, 0);
  assert.equal(app.flow(0)!.payloadStopped, false);
  feed(0, 1);
  feed(1, 2);
  assert.equal(app.flow(0)!.payloadStopped, true);
  assert.equal(app.flow(0)!.inspectionEnding, false);
  assert.equal(app.flow(1)!.inspectionEnding, true, "another flow's own request");
  assert.equal(app.flow(1)!.payloadStopped, false);
  // the slots are reused by new flows: nothing carries over
  app.release(0);
  app.release(1);
  feed(0, 0);
  feed(1, 0);
  for (const f of [0, 1]) {
    assert.equal(app.flow(f)!.payloadStopped, false);
    assert.equal(app.flow(f)!.inspectionEnding, false);
  }
});
