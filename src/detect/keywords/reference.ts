/**
 * `reference`: where to read about the rule, `type,id`
 * (`reference:url,example.com/advisory;`, `reference:cve,2021-44228;`).
 * Kept in `sig.references` as `type,id` with the id as written (quotes
 * removed). Accepted as Suricata accepts it: an alphanumeric type, a comma,
 * then an id starting with a letter, digit or one of `-_./?=`; types
 * missing from reference.config are allowed.
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { KeywordError } from "../signature.ts";

/** Suricata's limits (REFERENCE_SYSTEM_NAME_MAX, REFERENCE_CONTENT_NAME_MAX, minus the NUL). */
const MAX_TYPE = 63;
const MAX_ID = 1023;

registerKeyword({
  name: "reference",
  description: "reference to documentation (type,id)",
  value: "required",
  setup(builder, value) {
    const v = value!;
    const m = /^(\s*)([A-Za-z0-9]+)\s*,/.exec(v);
    if (m === null) {
      const at = v.search(/[^\sA-Za-z0-9]/);
      throw new KeywordError("reference", "type,id expected (the type is alphanumeric)", {
        valueOffset: at < 0 ? v.length : at,
      });
    }
    const type = m[2];
    if (type.length > MAX_TYPE) {
      throw new KeywordError("reference", `type longer than ${MAX_TYPE} characters`, {
        valueOffset: m[1].length,
      });
    }
    let idStart = m[0].length;
    let id = v.slice(idStart);
    // Suricata allows the id in quotes, with blanks inside them.
    const q = /^"?\s*"?\s*/.exec(id)![0].length;
    idStart += q;
    id = id.slice(q).replace(/"?\s*"?$/, "");
    if (!/^[a-zA-Z0-9\-_./?=]/.test(id)) {
      throw new KeywordError(
        "reference",
        "id expected (it starts with a letter, a digit or one of -_./?=)",
        { valueOffset: idStart },
      );
    }
    if (id.length > MAX_ID) {
      throw new KeywordError("reference", `id longer than ${MAX_ID} characters`, {
        valueOffset: idStart,
      });
    }
    builder.sig.references.push(`${type},${id}`);
  },
});
