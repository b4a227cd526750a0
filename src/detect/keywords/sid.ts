/**
 * `sid`: the signature id. The rule parser reads and checks it (a decimal
 * number, given once) into `sig.sid`; the keyword has nothing left to do.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";

registerKeyword({
  name: "sid",
  description: "signature id",
  value: "required",
  setup() {},
});
