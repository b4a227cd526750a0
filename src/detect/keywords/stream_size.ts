/**
 * `stream_size:` - compares stream sequence progress; needs TCP stream
 * tracking, so such rules load and wait for the stream stage.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError } from "../signature.ts";

const FORM = /^\s*(server|client|both|either)\s*,\s*(<=|>=|<|>|=|!=)\s*,\s*\d+\s*$/;

registerKeyword({
  name: "stream_size",
  description: "compare the bytes seen on the TCP stream (waits for stream tracking)",
  value: "required",
  setup(builder, value) {
    if (!FORM.test(value ?? "")) {
      throw new KeywordError("stream_size", "expected <server|client|both|either>,<op>,<number>");
    }
    if (!builder.sig.waitingFor.includes("stream")) builder.sig.waitingFor.push("stream");
  },
});
