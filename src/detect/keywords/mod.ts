/**
 * Every rule keyword Tarsier knows: importing this module registers them all
 * in the keyword registry. One line per keyword module.
 *
 * @module
 */

import "./mod_meta.ts";
import "./mod_payload.ts";
import "./mod_header.ts";
import "./mod_flow.ts";
import "./mod_app.ts";
