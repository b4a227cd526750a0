/**
 * Files of HTTP transactions, as Suricata 7 (app-layer-htp.c) names them:
 * a response with a body carries a file whose name is the `filename=` of its
 * Content-Disposition header, else the request's URI path (without the
 * query). The name fills the `file.name` buffer (read by `file.name`,
 * `filename` and `fileext`). Request files (multipart uploads, PUT) are not
 * produced yet.
 *
 * The name is derived from the transaction's own buffers when the response
 * part is published; it is copied into the transaction's byte arena, so
 * nothing is allocated.
 *
 * @module
 */

import { BufferSide, registerBuffer, registerBufferSide } from "../detect/buffers.ts";
import { HttpRequestBuffer as Q, HttpResponseBuffer as R } from "./http_buffers.ts";
import type { Transaction } from "./transaction.ts";

/** The `file.name` buffer. */
export const FILE_NAME: number = registerBuffer("file.name", "http", true).id;
registerBufferSide("file.name", BufferSide.EITHER);

const DISPOSITION = "content-disposition";
const FILENAME = "filename=";

/** Whether `bytes[at..]` starts with the lower-case ASCII `word`, ignoring case. */
function startsWithNocase(bytes: Uint8Array, at: number, end: number, word: string): boolean {
  if (end - at < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((bytes[at + k] | 0x20) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Add the `file.name` of a response that has a body (call when the response
 * part is published).
 *
 * @param tx the HTTP transaction
 */
export function addResponseFileName(tx: Transaction): void {
  const b = tx.buffers;
  if (b.has(FILE_NAME)) return;
  for (let s = b.first(R.RESPONSE_HEADER); s >= 0; s = b.next(s)) {
    const bytes = b.bytes;
    const start = b.spanStart[s];
    const end = b.spanEnd[s];
    if (!startsWithNocase(bytes, start, end, DISPOSITION)) continue;
    let at = start + DISPOSITION.length;
    if (at >= end || bytes[at] !== 0x3a) continue;
    at++;
    // the `;`-separated parameters of the value (HTTPParseContentDispositionHeader)
    while (at < end) {
      while (at < end && (bytes[at] === 0x20 || bytes[at] === 0x09)) at++;
      let stop = at;
      while (stop < end && bytes[stop] !== 0x3b) stop++;
      if (startsWithNocase(bytes, at, stop, FILENAME)) {
        let from = at + FILENAME.length;
        let to = stop;
        while (to > from && (bytes[to - 1] === 0x20 || bytes[to - 1] === 0x09)) to--;
        if (to - from >= 2 && bytes[from] === 0x22 && bytes[to - 1] === 0x22) {
          from++;
          to--;
        }
        if (to > from) {
          b.add(FILE_NAME, bytes, from, to);
          return;
        }
      }
      at = stop + 1;
    }
  }
  const u = b.first(Q.URI);
  if (u < 0) return;
  const bytes = b.bytes;
  const start = b.spanStart[u];
  let end = start;
  while (end < b.spanEnd[u] && bytes[end] !== 0x3f) end++;
  if (end > start) b.add(FILE_NAME, bytes, start, end);
}
