/**
 * The parsers of this build, by protocol and transport, and the protocols
 * rules may name because this build detects them (`alert smb ...` rules
 * with packet keywords only need the flow's protocol).
 *
 * @module
 */

import { registerAppProtocol } from "../detect/buffers.ts";
import type { AppParsers } from "./app_layer.ts";
import { APP_PROTO_NAMES, AppProto } from "./proto_detect.ts";
import type { AppParser } from "./transaction.ts";

for (const [id, name] of Object.entries(APP_PROTO_NAMES)) {
  if (Number(id) !== AppProto.FAILED) registerAppProtocol(name);
}

/**
 * The parsers to use, fresh for one worker.
 *
 * @returns TCP and UDP parsers by {@link AppProto} number
 */
export function defaultParsers(): AppParsers {
  const tcp = new Map<number, AppParser<unknown>>();
  const udp = new Map<number, AppParser<unknown>>();
  return { tcp, udp };
}
