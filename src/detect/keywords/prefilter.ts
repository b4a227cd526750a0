/**
 * `prefilter` - in Suricata, lets a non-content keyword act as the rule's
 * prefilter. Tarsier checks such rules on every packet of their protocol
 * group, which gives the same matches, so the keyword is accepted as a hint.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";

registerKeyword({
  name: "prefilter",
  description: "use this rule's keyword as the prefilter (a hint; matches are unchanged)",
  value: "none",
  setup() {},
});
