/**
 * Legacy content modifiers (`content:"x"; http_uri;`): move the last
 * packet-payload content to an HTTP buffer (Suricata's
 * DetectEngineContentModifierBufferSetup). In Suricata 7 only these thirteen
 * are modifiers; `http_header_names`, `http_content_type`, ... are aliases of
 * sticky buffers instead.
 *
 * @module
 */

import { bufferByName, PKT_DATA, registerBuffer } from "../buffers.ts";
import { ContentFlag } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import {
  type ContentRecord,
  markRelativeNext,
  payloadState,
  previousMatch,
  recordsOf,
  RELATIVE_NEXT,
} from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";

/** Modifier keyword -> buffer. */
export const CONTENT_MODIFIERS: Readonly<Record<string, string>> = {
  http_uri: "http.uri",
  http_raw_uri: "http.uri.raw",
  http_method: "http.method",
  http_header: "http.header",
  http_raw_header: "http.header.raw",
  http_cookie: "http.cookie",
  http_user_agent: "http.user_agent",
  http_host: "http.host",
  http_raw_host: "http.host.raw",
  http_client_body: "http.request_body",
  http_server_body: "file.data:response",
  http_stat_code: "http.stat_code",
  http_stat_msg: "http.stat_msg",
};

/**
 * Move the last pkt_data content to a buffer, as a legacy modifier does.
 *
 * @param builder the signature builder
 * @param keyword the modifier, for errors
 * @param bufferName the target buffer
 */
export function moveContentToBuffer(
  builder: SignatureBuilder,
  keyword: string,
  bufferName: string,
): void {
  const st = payloadState(builder);
  const target = (bufferByName(bufferName) ?? registerBuffer(bufferName, "http", false)).id;
  if (builder.currentBuffer >= 0 || st.inBase64Data) {
    throw new KeywordError(
      keyword,
      "seen with a sticky buffer still set; reset it with pkt_data first",
    );
  }
  const sig = builder.sig;
  if (sig.appProto !== null && sig.appProto !== "http" && sig.appProto !== "http2") {
    throw new KeywordError(keyword, `rule protocol ${sig.appProto} conflicts with ${keyword}`);
  }
  const pmatch = recordsOf(builder, PKT_DATA);
  let record: ContentRecord | null = null;
  for (const r of pmatch) {
    if (r.type === "content" && (record === null || r.seq > record.seq)) record = r;
  }
  if (record === null) {
    throw new KeywordError(keyword, "found without a content to apply to");
  }
  if (record.rawbytes) throw new KeywordError(keyword, "cannot be used with rawbytes");
  if ((record.flags & (ContentFlag.WITHIN | ContentFlag.DISTANCE)) !== 0) {
    const prev = previousMatch(builder, PKT_DATA, record);
    if (prev !== null) {
      if (prev.type === "content") prev.flags &= ~RELATIVE_NEXT;
      else prev.relativeNext = false;
    }
    if (st.legacyBuffer === target) {
      const list = recordsOf(builder, target);
      for (let k = list.length - 1; k >= 0; k--) {
        const r = list[k];
        if (r.type === "content" || r.type === "pcre") {
          markRelativeNext(r, RELATIVE_NEXT);
          break;
        }
      }
    }
  }
  if (st.legacyBuffer !== target && !st.stickyHasMatch) {
    throw new KeywordError(keyword, "no matches for previous buffer");
  }
  pmatch.splice(pmatch.indexOf(record), 1);
  builder.addStep(target, record);
  st.legacyBuffer = target;
  st.stickyHasMatch = true;
  if (sig.appProto === null) sig.appProto = "http";
}

for (const [keyword, buffer] of Object.entries(CONTENT_MODIFIERS)) {
  registerKeyword({
    name: keyword,
    description: `legacy content modifier: the previous content is in ${buffer}`,
    value: "none",
    setup(builder) {
      moveContentToBuffer(builder, keyword, buffer);
    },
  });
}
