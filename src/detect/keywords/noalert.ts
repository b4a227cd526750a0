/**
 * `noalert` - the rule matches (and runs its flowbits actions) without
 * raising an alert.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";

registerKeyword({
  name: "noalert",
  description: "match without alerting",
  value: "none",
  setup(builder) {
    builder.sig.noalert = true;
  },
});
