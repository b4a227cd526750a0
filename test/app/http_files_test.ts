/**
 * HTTP files: the `file.name` of a response with a body (Content-Disposition
 * filename, else the URI path), and the `filename`/`fileext` keywords on it.
 */

import assert from "node:assert/strict";
import "../../src/detect/keywords/mod_meta.ts";
import "../../src/detect/keywords/mod_payload.ts";
import { fails, matcherOf, run, sig } from "../detect/_payload_helpers.ts";
import { req, res, runChunks } from "./_http_run.ts";

function fileNames(request: string, response: string): string[] | undefined {
  const rec = runChunks([req(request), res(response)]);
  assert.equal(rec.records.length, 1);
  return rec.records[0].buffers["file.name"];
}

const GET = "GET /dl/Report.PDF?x=1 HTTP/1.1\r\nHost: h\r\n\r\n";

Deno.test("http files: the URI path names a response body", () => {
  assert.deepEqual(
    fileNames(GET, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"),
    ["/dl/Report.PDF"],
  );
});

Deno.test("http files: Content-Disposition filename wins, quoted or not", () => {
  const disp = (v: string) =>
    fileNames(GET, `HTTP/1.1 200 OK\r\nContent-Disposition: ${v}\r\nContent-Length: 3\r\n\r\nabc`);
  assert.deepEqual(disp('attachment; filename="a b.doc"'), ["a b.doc"]);
  assert.deepEqual(disp("attachment; filename=x.zip; size=3"), ["x.zip"]);
  assert.deepEqual(disp("inline"), ["/dl/Report.PDF"], "no filename: the URI path");
});

Deno.test("http files: no body, no file", () => {
  assert.equal(fileNames(GET, "HTTP/1.1 304 Not Modified\r\n\r\n"), undefined);
});

Deno.test("filename and fileext: case-insensitive contents on file.name", () => {
  const ext = sig('fileext:"pDf";', "alert tcp any any -> any any");
  assert.equal(ext.appProto, "http");
  const m = matcherOf(ext, "file.name");
  assert.ok(run(m, "/dl/Report.PDF"));
  assert.ok(!run(m, "/dl/Report.PDF.txt"), "at the end only");
  assert.ok(!run(m, "/dl/ReportPDF"), "after a dot");
  const notDoc = matcherOf(sig('fileext:!"DOC";'), "file.name");
  assert.ok(run(notDoc, "/r.pdf"));
  assert.ok(!run(notDoc, "/r.doc"));
  const name = matcherOf(sig("filename:report;"), "file.name");
  assert.ok(run(name, "/dl/REPORT.pdf"));
  assert.ok(!run(name, "/dl/x.pdf"));
  // no sticky buffer after them: a content goes to the payload
  const s = sig('fileext:"pdf"; content:"abc";', "alert http any any -> any any");
  assert.ok(run(matcherOf(s, "pkt_data"), "xabcx"));
  assert.ok(fails("fileext:;").message.length > 0);
});
