/** Registers the payload keywords (one import per keyword module). @module */
