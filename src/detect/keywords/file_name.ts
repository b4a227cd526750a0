/**
 * `filename:"<name>"` and `fileext:"<ext>"` (Suricata 7's detect-filename.c):
 * legacy file keywords that add a case-insensitive content to the
 * `file.name` buffer: the name anywhere in the file name, or `.ext` at its
 * end. Quotes are optional, `!` negates. Like Suricata, they leave no sticky
 * buffer in effect (a later content inspects the payload).
 *
 * Only HTTP produces files in Tarsier for now, so a rule without an
 * application protocol becomes an HTTP rule.
 *
 * @module
 */

import { bufferByName } from "../buffers.ts";
import { ContentFlag } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { payloadState } from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";
import { addContent } from "./content.ts";

function setup(builder: SignatureBuilder, keyword: string, value: string, ext: boolean): void {
  const st = payloadState(builder);
  if (st.pendingTransforms.length > 0) {
    throw new KeywordError(keyword, `previous transforms not consumed before '${keyword}'`);
  }
  let v = value.trim();
  const negated = v.startsWith("!");
  if (negated) v = v.slice(1).trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
  if (v === "") throw new KeywordError(keyword, "empty value");
  const quoted = `${negated ? "!" : ""}"${ext ? "." : ""}${v}"`;
  const sig = builder.sig;
  if (sig.appProto === null) sig.appProto = "http";
  builder.currentBuffer = bufferByName("file.name")!.id;
  try {
    const { record } = addContent(builder, keyword, quoted);
    record.flags |= ContentFlag.NOCASE | (ext ? ContentFlag.ENDS_WITH : 0);
  } finally {
    builder.currentBuffer = -1;
    st.legacyBuffer = -1;
  }
}

registerKeyword({
  name: "filename",
  description: "match on the file name (case-insensitive)",
  value: "required",
  setup(builder, value) {
    setup(builder, "filename", value!, false);
  },
});

registerKeyword({
  name: "fileext",
  description: "match on the extension of the file name (case-insensitive)",
  value: "required",
  setup(builder, value) {
    setup(builder, "fileext", value!, true);
  },
});
