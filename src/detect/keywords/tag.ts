/**
 * `tag`: Suricata logs further packets of the session or host after an
 * alert (`tag:session,5,packets;`). Tarsier checks the syntax
 * (`session|host[,count,packets|bytes|seconds[,src|dst]]`) and otherwise
 * ignores the keyword: the rule loads and alerts, no packets are tagged.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError } from "../signature.ts";

const TAG_SYNTAX =
  /^\s*(host|session)\s*(,\s*(\d+)\s*,\s*(packets|bytes|seconds)\s*(,\s*(src|dst))?\s*)?$/;

registerKeyword({
  name: "tag",
  description: "tag the session or host after an alert (accepted, ignored)",
  value: "required",
  setup(_builder, value) {
    const m = TAG_SYNTAX.exec(value!);
    if (m === null) {
      throw new KeywordError(
        "tag",
        "session|host[,count,packets|bytes|seconds[,src|dst]] expected",
        { valueOffset: 0 },
      );
    }
    if (m[3] !== undefined && Number(m[3]) > 0xffffffff) {
      throw new KeywordError("tag", "count out of range", { valueOffset: m.index });
    }
  },
});
