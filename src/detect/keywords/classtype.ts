/**
 * `classtype`: the rule's classification (`classtype:trojan-activity;`).
 * The name is kept in lower case in `sig.classtype` (Suricata matches
 * classtypes case-insensitively); the compiler looks it up in the
 * classification table and takes its priority unless `priority` is given.
 * As in Suricata, a second `classtype` does not fail the rule; the first
 * one is kept.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError } from "../signature.ts";

/** Longest classtype name Suricata accepts. */
const MAX_NAME = 63;

registerKeyword({
  name: "classtype",
  description: "classification (sets the priority)",
  value: "required",
  setup(builder, value) {
    const v = value!;
    const offset = v.length - v.trimStart().length;
    const name = v.trim();
    if (!/^[a-zA-Z]/.test(name)) {
      throw new KeywordError("classtype", "a name starting with a letter expected", {
        valueOffset: offset,
      });
    }
    const bad = name.search(/[^a-zA-Z0-9_-]/);
    if (bad >= 0) {
      throw new KeywordError("classtype", `invalid character '${name[bad]}' in the name`, {
        valueOffset: offset + bad,
      });
    }
    if (name.length > MAX_NAME) {
      throw new KeywordError("classtype", `name longer than ${MAX_NAME} characters`, {
        valueOffset: offset,
      });
    }
    if (builder.sig.classtype === null) builder.sig.classtype = name.toLowerCase();
  },
});
