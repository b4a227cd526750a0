/**
 * The inspection buffers the HTTP/1.x parser fills, by id (registered in
 * src/detect/buffers.ts as available).
 *
 * Request-only buffers use Suricata's sticky-buffer names. The buffers that
 * exist in both directions (`http.header`, `http.header.raw`,
 * `http.header_names`, `http.content_type`, `http.content_len`,
 * `http.connection`, `http.protocol`, `http.start`, `http.cookie`) hold the
 * request's value under the plain name and the response's value under
 * `<name>:response`; the detection engine picks the side by the rule's
 * direction. `file.data` is the same: the request's files (a POST or PUT
 * body, the files of a multipart body) under `file.data`, the response body
 * under `file.data:response` (= `http.response_body`).
 *
 * @module
 */

import { registerBuffer } from "../detect/buffers.ts";

function reg(name: string): number {
  return registerBuffer(name, "http", true).id;
}

/** Buffer ids of the request part of an HTTP transaction. */
export const HttpRequestBuffer = {
  METHOD: reg("http.method"),
  URI: reg("http.uri"),
  URI_RAW: reg("http.uri.raw"),
  PROTOCOL: reg("http.protocol"),
  REQUEST_LINE: reg("http.request_line"),
  HOST: reg("http.host"),
  HOST_RAW: reg("http.host.raw"),
  USER_AGENT: reg("http.user_agent"),
  COOKIE: reg("http.cookie"),
  REFERER: reg("http.referer"),
  ACCEPT: reg("http.accept"),
  ACCEPT_LANG: reg("http.accept_lang"),
  ACCEPT_ENC: reg("http.accept_enc"),
  CONNECTION: reg("http.connection"),
  CONTENT_TYPE: reg("http.content_type"),
  CONTENT_LEN: reg("http.content_len"),
  HEADER: reg("http.header"),
  HEADER_RAW: reg("http.header.raw"),
  HEADER_NAMES: reg("http.header_names"),
  /** Multi-buffer: one `Name: value` span per header. */
  REQUEST_HEADER: reg("http.request_header"),
  START: reg("http.start"),
  REQUEST_BODY: reg("http.request_body"),
  /** Multi-buffer: the files of the request (its body, or the files of a multipart body). */
  FILE_DATA: reg("file.data"),
} as const;

/** Buffer ids of the response part of an HTTP transaction. */
export const HttpResponseBuffer = {
  STAT_CODE: reg("http.stat_code"),
  STAT_MSG: reg("http.stat_msg"),
  RESPONSE_LINE: reg("http.response_line"),
  SERVER: reg("http.server"),
  LOCATION: reg("http.location"),
  /** Multi-buffer: one `Name: value` span per header. */
  RESPONSE_HEADER: reg("http.response_header"),
  /** The de-chunked, decompressed response body (`http.response_body` in rules). */
  FILE_DATA: reg("file.data:response"),
  PROTOCOL: reg("http.protocol:response"),
  COOKIE: reg("http.cookie:response"),
  CONNECTION: reg("http.connection:response"),
  CONTENT_TYPE: reg("http.content_type:response"),
  CONTENT_LEN: reg("http.content_len:response"),
  HEADER: reg("http.header:response"),
  HEADER_RAW: reg("http.header.raw:response"),
  HEADER_NAMES: reg("http.header_names:response"),
  START: reg("http.start:response"),
} as const;
