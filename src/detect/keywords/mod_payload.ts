/** Registers the payload keywords (one import per keyword module). @module */

import "./sticky_buffers.ts";
import "./pkt_data.ts";
import "./transforms.ts";
import "./content.ts";
import "./http_modifiers.ts";
import "./content_modifiers.ts";
import "./fast_pattern.ts";
import "./isdataat.ts";
import "./bsize.ts";
import "./urilen.ts";
import "./pcre.ts";
import "./byte_test.ts";
import "./byte_jump.ts";
import "./byte_extract.ts";
import "./byte_math.ts";
import "./base64.ts";
import "./dataset.ts";
import "./file_name.ts";
import "./payload_finalizer.ts";
