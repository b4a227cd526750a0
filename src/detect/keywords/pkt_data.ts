/**
 * `pkt_data`: back to the packet payload after a sticky buffer (Suricata's
 * DetectPktDataSetup).
 *
 * @module
 */

import { registerKeyword } from "../keyword_registry.ts";
import { payloadState } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";

registerKeyword({
  name: "pkt_data",
  description: "inspect the packet payload again after a sticky buffer",
  value: "none",
  setup(builder) {
    const st = payloadState(builder);
    if (st.pendingTransforms.length > 0) {
      throw new KeywordError("pkt_data", "previous transforms not consumed before pkt_data");
    }
    builder.currentBuffer = -1;
    st.inBase64Data = false;
    st.listSet = false;
  },
});
