/**
 * `rev`: the signature revision. The rule parser reads and checks it (a decimal
 * number, given once) into `sig.rev`; the keyword has nothing left to do.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";

registerKeyword({
  name: "rev",
  description: "signature revision",
  value: "required",
  setup() {},
});
