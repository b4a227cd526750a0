/**
 * `msg`: the alert message. The rule parser already checked it (quoted,
 * not empty, given once) and resolved its escapes into `sig.msg`; this
 * keyword only confirms the quotes.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError } from "../signature.ts";

registerKeyword({
  name: "msg",
  description: "alert message",
  value: "required",
  setup(_builder, value) {
    const v = value!;
    if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) {
      throw new KeywordError("msg", "the message must be in double quotes", { valueOffset: 0 });
    }
  },
});
