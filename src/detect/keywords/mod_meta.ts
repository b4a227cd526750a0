/** Registers the meta keywords (one import per keyword module). @module */

import "./msg.ts";
import "./sid.ts";
import "./rev.ts";
import "./gid.ts";
import "./classtype.ts";
import "./priority.ts";
import "./reference.ts";
import "./metadata.ts";
import "./target.ts";
import "./tag.ts";
import "./requires.ts";
