/** Tarsier's version, printed by `tarsier --version` and in summaries. */
export const VERSION = "0.1.0";
