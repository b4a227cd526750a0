/**
 * The EVE `http` object of an HTTP/1.x transaction, as Suricata 7 writes it
 * with its default configuration (`extended: yes`, no header dumps): for
 * the `http` record and for the `http` member of alerts.
 *
 * @module
 */

import { HttpRequestBuffer as Q, HttpResponseBuffer as R } from "./http_buffers.ts";
import type { HttpTx } from "./http_parser.ts";
import type { JsonBytes } from "../output/json_bytes.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** Longest ASCII value {@link eveBytes} turns into a string itself (a TextDecoder call costs ~0.4 us). */
const ASCII_FAST_MAX = 1024;

/**
 * Bytes as Suricata's JSON builder writes them: valid UTF-8 as text,
 * otherwise ASCII as is and every byte from 0x80 as the four characters
 * `\xNN`.
 *
 * @param bytes the bytes
 * @returns the string
 */
export function eveBytes(bytes: Uint8Array): string {
  // ASCII (most header values and URIs) decodes to the same characters without a TextDecoder call
  const n = bytes.length;
  if (n <= ASCII_FAST_MAX) {
    let i = 0;
    while (i < n && bytes[i] < 0x80) i++;
    if (i === n) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    let out = "";
    for (const b of bytes) {
      out += b < 0x80 ? String.fromCharCode(b) : "\\x" + b.toString(16).padStart(2, "0");
    }
    return out;
  }
}

function text(tx: HttpTx, id: number): string | undefined {
  const b = tx.buffers;
  const s = b.first(id);
  return s < 0 ? undefined : eveBytes(b.bytes.subarray(b.spanStart[s], b.spanEnd[s]));
}

/** Parse `bytes a-b/size` of a Content-Range value. */
function contentRange(raw: string): Record<string, unknown> {
  const out: Record<string, unknown> = { raw };
  let s = raw.trim();
  if (s.toLowerCase().startsWith("bytes")) s = s.slice(5).trim();
  const slash = s.indexOf("/");
  if (slash < 0) return out;
  const range = s.slice(0, slash);
  const size = s.slice(slash + 1);
  const dash = range.indexOf("-");
  if (range === "*") {
    // unsatisfied range: only the size
  } else if (dash > 0) {
    const a = Number(range.slice(0, dash));
    const b = Number(range.slice(dash + 1));
    if (!Number.isInteger(a) || !Number.isInteger(b)) return out;
    out.start = a;
    out.end = b;
  } else {
    return out;
  }
  if (size !== "*") {
    const n = Number(size);
    if (Number.isInteger(n)) out.size = n;
  }
  return out;
}

/**
 * Build the `http` object (field order as Suricata's).
 *
 * @param tx the transaction
 * @returns hostname, http_port, url, http_user_agent, http_content_type,
 *   content_range, http_refer, http_method, protocol, status, redirect, length
 */
export function httpEve(tx: HttpTx): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const host = text(tx, Q.HOST);
  if (host !== undefined) o.hostname = host;
  if (tx.port >= 0) o.http_port = tx.port;
  const url = text(tx, Q.URI_RAW);
  if (url !== undefined) o.url = url;
  const ua = text(tx, Q.USER_AGENT);
  if (ua !== undefined) o.http_user_agent = ua;
  if (tx.xff !== null) o.xff = eveBytes(tx.xff);
  const ct = text(tx, R.CONTENT_TYPE);
  if (ct !== undefined) {
    const semi = ct.indexOf(";");
    o.http_content_type = semi >= 0 ? ct.slice(0, semi) : ct;
  }
  if (tx.contentRange !== null) o.content_range = contentRange(tx.contentRange);
  const ref = text(tx, Q.REFERER);
  if (ref !== undefined) o.http_refer = ref;
  const method = text(tx, Q.METHOD);
  if (method !== undefined) o.http_method = method;
  const proto = text(tx, Q.PROTOCOL);
  if (proto !== undefined) o.protocol = proto;
  if (tx.hasStatusLine) o.status = tx.statusValue;
  const loc = text(tx, R.LOCATION);
  if (loc !== undefined) o.redirect = loc;
  o.length = tx.responseMessageLen;
  return o;
}

/** Write the JSON string of the first value of buffer `id` of `tx`, cut at its first `;` when `cut`. */
function writeText(out: JsonBytes, tx: HttpTx, id: number, cut: boolean): void {
  const b = tx.buffers;
  const s = b.first(id);
  const start = b.spanStart[s];
  const end = b.spanEnd[s];
  let stop = end;
  if (cut) {
    for (let i = start; i < end; i++) {
      if (b.bytes[i] === SEMICOLON) {
        stop = i;
        break;
      }
    }
  }
  if (out.asciiString(b.bytes, start, stop)) return;
  const text = eveBytes(b.bytes.subarray(start, end));
  const at = cut ? text.indexOf(";") : -1;
  out.string(at >= 0 ? text.slice(0, at) : text);
}

/** `"key":"value",` for the first value of buffer `id`, when the transaction has one. */
function textField(out: JsonBytes, key: string, tx: HttpTx, id: number, cut = false): void {
  if (tx.buffers.first(id) < 0) return;
  out.ascii(key);
  writeText(out, tx, id, cut);
  out.ascii(",");
}

const SEMICOLON = 0x3b;

/**
 * Write the JSON text of {@link httpEve}'s object straight into `out`, as
 * `JSON.stringify` writes it, without building the object or its strings.
 *
 * @param out the record being built
 * @param tx the transaction
 */
export function writeHttpEve(out: JsonBytes, tx: HttpTx): void {
  // every field but the last one (length, always there) is followed by a comma
  out.ascii("{");
  textField(out, '"hostname":', tx, Q.HOST);
  if (tx.port >= 0) {
    out.ascii('"http_port":');
    out.number(tx.port);
    out.ascii(",");
  }
  textField(out, '"url":', tx, Q.URI_RAW);
  textField(out, '"http_user_agent":', tx, Q.USER_AGENT);
  if (tx.xff !== null) {
    out.ascii('"xff":');
    if (!out.asciiString(tx.xff, 0, tx.xff.length)) out.string(eveBytes(tx.xff));
    out.ascii(",");
  }
  textField(out, '"http_content_type":', tx, R.CONTENT_TYPE, true);
  if (tx.contentRange !== null) {
    out.ascii('"content_range":');
    out.json(JSON.stringify(contentRange(tx.contentRange)));
    out.ascii(",");
  }
  textField(out, '"http_refer":', tx, Q.REFERER);
  textField(out, '"http_method":', tx, Q.METHOD);
  textField(out, '"protocol":', tx, Q.PROTOCOL);
  if (tx.hasStatusLine) {
    out.ascii('"status":');
    out.number(tx.statusValue);
    out.ascii(",");
  }
  textField(out, '"redirect":', tx, R.LOCATION);
  out.ascii('"length":');
  out.number(tx.responseMessageLen);
  out.ascii("}");
}
