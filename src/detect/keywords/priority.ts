/**
 * `priority`: the rule's priority, a non-negative decimal number (1 is the
 * highest; Suricata sets no upper bound). It overrides the classtype's
 * priority. Given twice, the highest priority (smallest number) wins, as in
 * Suricata.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { parseDecimalValue } from "./_numeric.ts";

/** Suricata keeps the priority in an int. */
const PRIORITY_MAX = 0x7fffffff;

registerKeyword({
  name: "priority",
  description: "priority (1 highest); overrides the classtype's",
  value: "required",
  setup(builder, value) {
    const prio = parseDecimalValue("priority", value!, PRIORITY_MAX);
    const sig = builder.sig;
    sig.priority = sig.priorityExplicit ? Math.min(sig.priority, prio) : prio;
    sig.priorityExplicit = true;
  },
});
