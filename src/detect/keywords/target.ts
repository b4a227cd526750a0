/**
 * `target`: which side of the alert is the target, `src_ip` or `dest_ip`
 * (alerts then carry `source`/`target` in EVE). Kept in `sig.target`.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError } from "../signature.ts";

registerKeyword({
  name: "target",
  description: "the side of the alert that is the target (src_ip, dest_ip)",
  value: "required",
  setup(builder, value) {
    const v = value!.trim();
    if (v !== "src_ip" && v !== "dest_ip") {
      throw new KeywordError("target", "src_ip or dest_ip expected", {
        valueOffset: value!.length - value!.trimStart().length,
      });
    }
    const sig = builder.sig;
    if (sig.target !== null && sig.target !== v) {
      throw new KeywordError("target", `conflicts with the earlier target:${sig.target}`);
    }
    sig.target = v;
  },
});
