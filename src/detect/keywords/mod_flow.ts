/** Registers the flow keywords (one import per keyword module). @module */
import "./flow.ts";
import "./flowbits.ts";
import "./flowint.ts";
import "./noalert.ts";
import "./stream_size.ts";
import "./threshold.ts";
import "./flow_age.ts";
import "./hostbits.ts";
