/** Registers the header keywords (one import per keyword module). @module */

import "./ttl.ts";
import "./tos.ts";
import "./id.ts";
import "./ipopts.ts";
import "./fragbits.ts";
import "./fragoffset.ts";
import "./ip_proto.ts";
import "./sameip.ts";
import "./tcp_flags.ts";
import "./tcp_seq.ts";
import "./tcp_ack.ts";
import "./tcp_window.ts";
import "./tcp_mss.ts";
import "./itype.ts";
import "./icode.ts";
import "./icmp_id.ts";
import "./icmp_seq.ts";
import "./dsize.ts";
import "./decode_event.ts";
import "./stream_event.ts";
import "./app_layer_event.ts";
import "./csum.ts";
import "./prefilter.ts";
