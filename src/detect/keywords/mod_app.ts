/** Registers the application-layer transaction keywords (one import per keyword module). @module */
import "./tls_fields.ts";
import "./ssh_versions.ts";
import "./dns_opcode.ts";
import "./mqtt_fields.ts";
import "./dce_iface.ts";
import "./dce_opnum.ts";
