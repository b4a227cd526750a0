/**
 * `gid`: the generator id. The rule parser reads and checks it (a decimal
 * number, given once) into `sig.gid`; the keyword has nothing left to do.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";

registerKeyword({
  name: "gid",
  description: "generator id",
  value: "required",
  setup() {},
});
