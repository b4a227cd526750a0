/** Registers the flow keywords (one import per keyword module). @module */
