/**
 * The HTTP/1.x parser on real captures (agreement with Suricata 7's EVE
 * `http` records) and on crafted input: splits at every byte, pipelining,
 * chunked and gzip bodies, malformed input, bounded memory.
 */

import assert from "node:assert/strict";
import { deflateRawSync, gzipSync } from "node:zlib";
import { HttpParser } from "../../src/app/http_parser.ts";
import { normalizePath } from "../../src/app/http_uri.ts";
import { haveSuricata } from "../_suricata.ts";
import { tcpConnections } from "./_tcp_streams.ts";
import { byteByByte, bytes, req, res, runChunks, type TxRecord } from "./_http_run.ts";

const SV = "/work/shared/corpus/suricata-verify";
const TRAFFIC = "/work/shared/corpus/pcap/traffic-small.pcap";

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Suricata's eve http records of a capture (default config). */
async function suricataHttp(pcap: string): Promise<Record<string, unknown>[]> {
  const dir = await Deno.makeTempDir({ prefix: "tarsier-http-" });
  try {
    const r = await new Deno.Command("suricata", {
      args: ["-r", pcap, "-l", dir, "-k", "none", "--runmode", "single"],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.equal(r.code, 0, `suricata on ${pcap}`);
    return (await Deno.readTextFile(`${dir}/eve.json`)).split("\n")
      .filter((l) => l.includes('"event_type":"http"')).map((l) => JSON.parse(l));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Our http objects of a capture by "client-server#tx_id". */
function ourHttp(pcap: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const c of tcpConnections(pcap)) {
    const first = c.chunks.find((k) => k.toServer);
    if (first === undefined || first.data[0] < 0x41 || first.data[0] > 0x5a) continue;
    for (const r of runChunks(c.chunks).records) out.set(`${c.key}#${r.id}`, r.eve);
  }
  return out;
}

function keyOf(s: Record<string, unknown>): string {
  return `${s.src_ip}:${s.src_port}-${s.dest_ip}:${s.dest_port}#${s.tx_id}`;
}

const suricata = haveSuricata();

Deno.test({
  name: "http: every transaction of traffic-small.pcap as Suricata logs it",
  ignore: !suricata || !exists(TRAFFIC),
  async fn() {
    const sur = await suricataHttp(TRAFFIC);
    const ours = ourHttp(TRAFFIC);
    assert.ok(sur.length > 200, `only ${sur.length} http records`);
    for (const s of sur) assert.deepEqual(ours.get(keyOf(s)), s.http, keyOf(s));
    assert.equal(ours.size, sur.length);
  },
});

/** suricata-verify captures whose http records we reproduce exactly. */
const EXACT = [
  "http-async/input.pcap",
  "http-async-srv/input.pcap",
  "http-body-inspect/http-aptget-ids-02-s2.pcap",
  "http-encoding-gzip-uncompressed/input.pcap",
  "http-encoding-identity/test.pcap",
  "http-event-chunk/input.pcap",
  "http-ipv6/input.pcap",
  "http-multiple-cl/input.pcap",
  "http-post-file/input.pcap",
  "http-raw-header/input.pcap",
  "http-request-header/input.pcap",
  "http-request-header-multi/input.pcap",
  "http-response-line/input.pcap",
  "http-urldecode-body/input.pcap",
  "http-xff-eve-forward-overwrite/test.pcap",
  "http-missing-protocol/input.pcap",
  "cond-log-http-testmyids/input.pcap",
];

Deno.test({
  name: "http: suricata-verify captures give Suricata's http records",
  ignore: !suricata || !exists(SV),
  async fn() {
    let checked = 0;
    for (const rel of EXACT) {
      const pcap = `${SV}/${rel}`;
      if (!exists(pcap)) continue;
      const sur = await suricataHttp(pcap);
      const ours = ourHttp(pcap);
      for (const s of sur) assert.deepEqual(ours.get(keyOf(s)), s.http, `${rel} ${keyOf(s)}`);
      checked += sur.length;
    }
    assert.ok(checked >= 15, `only ${checked} records checked`);
  },
});

const GET = "GET /a/./b/../c//d%41?x=%41&y=1 HTTP/1.1\r\n" +
  "Host: WWW.Example.COM:8080\r\n" +
  "User-Agent: test/1.0\r\n" +
  "Cookie: k=v\r\n" +
  "Accept: */*\r\n" +
  "X-Folded: one\r\n  two\r\n" +
  "Accept: text/html\r\n" +
  "\r\n";
const OK = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; charset=utf-8\r\n" +
  "Set-Cookie: s=1\r\nContent-Length: 5\r\n\r\nhello";

function one(rec: { records: TxRecord[] }): TxRecord {
  assert.equal(rec.records.length, 1);
  return rec.records[0];
}

Deno.test("http: request and response buffers", () => {
  const r = one(runChunks([req(GET), res(OK)]));
  const b = r.buffers;
  assert.deepEqual(b["http.method"], ["GET"]);
  assert.deepEqual(b["http.uri.raw"], ["/a/./b/../c//d%41?x=%41&y=1"]);
  assert.deepEqual(b["http.uri"], ["/a/c/dA?x=%41&y=1"]);
  assert.deepEqual(b["http.protocol"], ["HTTP/1.1"]);
  assert.deepEqual(b["http.request_line"], ["GET /a/./b/../c//d%41?x=%41&y=1 HTTP/1.1"]);
  assert.deepEqual(b["http.host"], ["www.example.com"]);
  assert.deepEqual(b["http.host.raw"], ["WWW.Example.COM:8080"]);
  assert.deepEqual(b["http.user_agent"], ["test/1.0"]);
  assert.deepEqual(b["http.cookie"], ["k=v"]);
  assert.deepEqual(b["http.accept"], ["*/*, text/html"]);
  assert.deepEqual(b["http.header"], [
    "Host: WWW.Example.COM:8080\r\nUser-Agent: test/1.0\r\nAccept: */*, text/html\r\n" +
    "X-Folded: one two\r\n",
  ]);
  assert.deepEqual(b["http.header_names"], [
    "\r\nHost\r\nUser-Agent\r\nCookie\r\nAccept\r\nX-Folded\r\n\r\n",
  ]);
  assert.equal(b["http.request_header"].length, 5);
  assert.equal(b["http.request_header"][2], "Cookie: k=v");
  assert.ok(b["http.start"][0].startsWith("GET /a/./b/../c//d%41?x=%41&y=1 HTTP/1.1\r\nHost: "));
  assert.ok(b["http.start"][0].endsWith("X-Folded: one two\r\n\r\n"));
  assert.equal(b["http.header.raw"][0], GET.slice(GET.indexOf("\r\n") + 2));
  assert.deepEqual(b["http.stat_code"], ["200"]);
  assert.deepEqual(b["http.stat_msg"], ["OK"]);
  assert.deepEqual(b["http.response_line"], ["HTTP/1.1 200 OK"]);
  assert.deepEqual(b["http.server"], ["nginx"]);
  assert.deepEqual(b["http.protocol:response"], ["HTTP/1.1"]);
  assert.deepEqual(b["http.content_type:response"], ["text/html; charset=utf-8"]);
  assert.deepEqual(b["http.content_len:response"], ["5"]);
  assert.deepEqual(b["http.cookie:response"], ["s=1"]);
  assert.ok(!b["http.header:response"][0].includes("Set-Cookie"));
  assert.deepEqual(b["file.data:response"], ["hello"]);
  assert.deepEqual(r.eve, {
    hostname: "www.example.com",
    http_port: 8080,
    url: "/a/./b/../c//d%41?x=%41&y=1",
    http_user_agent: "test/1.0",
    http_content_type: "text/html",
    http_method: "GET",
    protocol: "HTTP/1.1",
    status: 200,
    length: 5,
  });
  assert.ok(r.events.includes("request_header_repetition"));
});

Deno.test("http: a request and response split at every byte give the same buffers", () => {
  const whole = one(runChunks([req(GET), res(OK)]));
  const split = one(runChunks([req(GET), res(OK)], byteByByte));
  assert.deepEqual(split, whole);
  // and at every single boundary
  for (let k = 1; k < GET.length; k++) {
    const two = one(runChunks([req(GET), res(OK)], (len) => len === GET.length ? [k] : [len]));
    assert.deepEqual(two.buffers, whole.buffers, `split at ${k}`);
  }
});

Deno.test("http: pipelined requests are paired with responses in order", () => {
  const reqs = [0, 1, 2].map((i) => `GET /p${i} HTTP/1.1\r\nHost: h\r\n\r\n`).join("");
  const resps = [0, 1, 2].map((i) =>
    `HTTP/1.1 20${i} X\r\nContent-Length: ${i + 1}\r\n\r\n${"abc".slice(0, i + 1)}`
  ).join("");
  for (const cut of [undefined, byteByByte]) {
    const rec = runChunks([req(reqs), res(resps)], cut);
    assert.deepEqual(rec.records.map((r) => [r.id, r.eve.url, r.eve.status, r.eve.length]), [
      [0, "/p0", 200, 1],
      [1, "/p1", 201, 2],
      [2, "/p2", 202, 3],
    ]);
    assert.deepEqual(rec.records.map((r) => r.buffers["file.data:response"]), [["a"], ["ab"], [
      "abc",
    ]]);
  }
});

Deno.test("http: chunked request body split everywhere, extensions, trailers", () => {
  const post = "POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
    "5;name=x\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n";
  const ans = "HTTP/1.1 204 No Content\r\n\r\n";
  const whole = one(runChunks([req(post), res(ans)]));
  assert.deepEqual(whole.buffers["http.request_body"], ["hello world"]);
  assert.ok(whole.events.includes("request_chunk_extension"));
  for (let k = 1; k < post.length; k++) {
    const r = one(runChunks([req(post), res(ans)], (len) => len === post.length ? [k] : [len]));
    assert.deepEqual(r.buffers, whole.buffers, `split at ${k}`);
  }
  assert.deepEqual(one(runChunks([req(post), res(ans)], byteByByte)), whole);
});

Deno.test("http: chunked gzip response is de-chunked and decompressed", () => {
  const text = "The quick brown fox jumps over the lazy dog. ".repeat(50);
  const gz = gzipSync(bytes(text));
  const head = bytes(
    "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
  );
  const half = gz.length >> 1;
  const parts: Uint8Array[] = [head];
  for (const [a, b] of [[0, half], [half, gz.length]]) {
    parts.push(bytes(`${(b - a).toString(16)}\r\n`), gz.subarray(a, b), bytes("\r\n"));
  }
  parts.push(bytes("0\r\n\r\n"));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  for (const cut of [undefined, byteByByte]) {
    const r = one(runChunks([req("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), res(all)], cut));
    assert.deepEqual(r.buffers["file.data:response"], [text]);
    assert.equal(r.eve.length, all.length - head.length - 2); // the end of the trailers is not counted
  }
  // neither gzip nor raw deflate (a reserved block type): libhtp gives up
  // after its restarts and passes the bytes on as they are, with an event
  const bad = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 4\r\n\r\n\x07xyz";
  const r = one(runChunks([req("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), res(bad)]));
  assert.deepEqual(r.buffers["file.data:response"], ["\x07xyz"]);
  assert.ok(r.events.includes("gzip_decompression_failed"));
});

Deno.test("http: body limits, HEAD, 100 Continue, until-close response", () => {
  const big = "x".repeat(5000);
  const parser = new HttpParser({ requestBodyLimit: 1000, responseBodyLimit: 2000 });
  const rec = runChunks(
    [
      req(`POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5000\r\n\r\n${big}`),
      res("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + big),
      req("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"),
      res("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"),
      req("GET /c HTTP/1.0\r\n\r\n"),
      res("HTTP/1.0 200 OK\r\n\r\nuntil the end"),
    ],
    undefined,
    parser,
  );
  assert.equal(rec.records.length, 3);
  assert.equal(rec.records[0].buffers["http.request_body"][0].length, 1000);
  assert.equal(rec.records[0].buffers["file.data:response"][0].length, 2000);
  assert.equal(rec.records[0].eve.status, 200);
  assert.equal(rec.records[0].eve.length, 5000);
  assert.equal(rec.records[1].eve.length, 0);
  assert.equal(rec.records[1].buffers["file.data:response"], undefined);
  assert.deepEqual(rec.records[2].buffers["file.data:response"], ["until the end"]);
  assert.equal(rec.records[2].eve.length, 13);
});

Deno.test("http: a request without response is logged at finish", () => {
  const rec = runChunks([req("GET /only HTTP/1.1\r\nHost: h\r\n\r\n")]);
  assert.deepEqual(one(rec).eve, {
    hostname: "h",
    url: "/only",
    http_method: "GET",
    protocol: "HTTP/1.1",
    length: 0,
  });
});

Deno.test("http: anomalies raise Suricata's events", () => {
  const r1 = one(runChunks([req("GET  /x\tHTTP/1.1\r\nBad Name: v\r\nNoColon\r\n\r\n")]));
  for (
    const e of [
      "method_delim_non_compliant",
      "request_header_invalid",
      "request_field_missing_colon",
      "missing_host_header",
    ]
  ) {
    assert.ok(r1.events.includes(e), `${e} in ${r1.events}`);
  }
  const r2 = runChunks([
    req("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc"),
  ]);
  assert.ok(r2.records[0].events.includes("invalid_request_chunk_len"));
  const r3 = runChunks([req("GET / HTTP/1.1\r\nHost: h\r\nX: " + "a".repeat(70000))]);
  assert.ok(
    r3.flowEvents.includes("request_field_too_long") ||
      r3.records[0]?.events.includes("request_field_too_long"),
  );
});

Deno.test("http: random input never throws and memory stays bounded", () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 0x100000000;
  const parser = new HttpParser();
  const alphabet = bytes(
    "GET /HTTP1.0\r\n: chunked Content-Length Transfer-Encoding 0123456789abcdef;",
  );
  for (let round = 0; round < 200; round++) {
    const chunks = [];
    for (let k = 0; k < 6; k++) {
      const n = Math.floor(rnd() * 400);
      const d = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        d[i] = rnd() < 0.7
          ? alphabet[Math.floor(rnd() * alphabet.length)]
          : Math.floor(rnd() * 256);
      }
      chunks.push(rnd() < 0.5 ? req(d) : res(d));
    }
    runChunks(chunks, (len) => {
      const out = [];
      while (len > 0) {
        const n = Math.min(len, 1 + Math.floor(rnd() * 50));
        out.push(n);
        len -= n;
      }
      return out;
    }, parser);
  }
  // many pipelined transactions on one flow: state stays small
  const state = parser.newState();
  const rec = runChunks([], undefined, parser);
  const one = bytes("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  const ans = bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  for (let i = 0; i < 2000; i++) {
    parser.parse(state, true, one, 0, one.length, rec);
    parser.parse(state, false, ans, 0, ans.length, rec);
    rec.afterPacket(state);
  }
  assert.ok(state.txs.length <= 1, `${state.txs.length} live transactions`);
  assert.ok(state.req.hdr.length <= 64 * 1024 && state.res.body.length <= 100 * 1024);
  // a flood of requests without responses gives the flow up instead of growing
  const s2 = parser.newState();
  const r2 = runChunks([], undefined, parser);
  for (let i = 0; i < 100; i++) parser.parse(s2, true, one, 0, one.length, r2);
  assert.ok(s2.txs.length <= 32);
  assert.ok(r2.flowEvents.length > 0);
});

Deno.test("http: path normalisation", () => {
  const cases: [string, string][] = [
    ["/a/b/../c", "/a/c"],
    ["/a/./b", "/a/b"],
    ["/../../x", "/x"],
    ["//a///b", "/a/b"],
    ["/a\\b", "/a/b"],
    ["/%2e%2e/x", "/x"],
    ["/a/%2f/b", "/a/b"],
    ["/%u0041", "/A"],
    ["/%zz", "/%zz"],
    ["/a/..", "/"],
    ["/a/.", "/a/"],
  ];
  for (const [input, want] of cases) {
    const src = bytes(input);
    const dst = new Uint8Array(src.length);
    const n = normalizePath(src, 0, src.length, dst, 0);
    assert.equal(String.fromCharCode(...dst.subarray(0, n)), want, input);
  }
});

Deno.test("http: libhtp's response evasions (chunk length junk, bad chunking, bare CR, folding)", () => {
  const get = req("GET /e HTTP/1.1\r\nHost: h\r\n\r\n");
  const body = (head: string, rest: string) =>
    one(runChunks([get, res(head + "\r\n\r\n" + rest)])).buffers["file.data:response"];
  // a chunk length followed by a form feed: the hex digits count
  assert.deepEqual(
    body("HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked", "3\x0c\r\nabc\r\n0\r\n\r\n"),
    [
      "abc",
    ],
  );
  // "chunked" that is not: the body is read until the connection closes
  assert.deepEqual(body("HTTP/1.0 200 ok\r\nTransfer-Encoding: chunked", "X5O!P%@AP[4\\PZX"), [
    "X5O!P%@AP[4\\PZX",
  ]);
  // a bare CR ends a header line; the next line without a colon is a header without name
  assert.deepEqual(
    body("HTTP/1.1 200 ok\r\nA: b\rTransfer-Encoding: chunked", "2\r\nab\r\n0\r\n\r\n"),
    ["ab"],
  );
  // a folded Transfer-Encoding value
  assert.deepEqual(
    body("HTTP/1.1 200 ok\r\nTransfer-Encoding: \r\n chunked", "2\r\nab\r\n0\r\n\r\n"),
    ["ab"],
  );
  // a NUL inside a header name is ignored when looking headers up
  assert.deepEqual(
    body("HTTP/1.1 200 ok\r\nTransfer\x00-Encoding: chunked", "2\r\nab\r\n0\r\n\r\n"),
    ["ab"],
  );
  // junk before the status line is body of the response (unless an H follows it)
  const r = one(
    runChunks([get, res("junk line\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab")]),
  );
  assert.deepEqual(r.buffers["file.data:response"], ["junk line\nab"]);
  const skipped = one(
    runChunks([get, res("junk line\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab")]),
  );
  assert.deepEqual(skipped.buffers["file.data:response"], ["ab"]);
});

Deno.test("http: Content-Encoding layers as libhtp decodes them", () => {
  const text = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
  const gzDeflate = gzipSync(deflateRawSync(bytes(text)));
  const head = (ce: string, n: number) =>
    `HTTP/1.1 200 OK\r\nContent-Encoding: ${ce}\r\nContent-Length: ${n}\r\n\r\n`;
  const run = (ce: string, data: Uint8Array, parser?: HttpParser) => {
    const h = bytes(head(ce, data.length));
    const all = new Uint8Array(h.length + data.length);
    all.set(h);
    all.set(data, h.length);
    return one(runChunks([req("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), res(all)], undefined, parser))
      .buffers["file.data:response"];
  };
  // the layers in header order; gzip and deflate are tried both ways
  assert.deepEqual(run("gzip, deflate", gzDeflate), [text]);
  // one layer more than the limit (2) is not decoded
  const three = gzipSync(deflateRawSync(gzipSync(bytes(text))));
  assert.notDeepEqual(run("gzip,deflate,gzip", three), [text]);
  assert.deepEqual(run("gzip,deflate,gzip", three, new HttpParser({ decompressLayerLimit: 3 })), [
    text,
  ]);
  // a truncated deflate stream gives what it decoded
  const cut = deflateRawSync(bytes(text.repeat(20)));
  const part = run("deflate", cut.subarray(0, cut.length - 8))![0];
  assert.ok(part.length > 0 && text.repeat(20).startsWith(part));
});

Deno.test("http: data after a request that is no method is body; request files", () => {
  const r = runChunks([
    req("POST /up HTTP/1.1\r\nHost: h\r\n\r\nlogin=foo&password=bar\r\n"),
    res("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
  ]);
  assert.ok(r.records[0].events.includes("request_body_unexpected"));
  assert.deepEqual(r.records[0].buffers["http.request_body"], ["login=foo&password=bar\r\n"]);
  const put = one(runChunks([req("PUT /f HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")]));
  assert.deepEqual(put.buffers["file.data"], ["abc"]);
  const mp = '--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\nnot a file\r\n' +
    '--XX\r\nContent-Disposition: form-data; name="f"; filename="e.txt"\r\n\r\nFILE\r\n--XX--\r\n';
  const post = one(runChunks([
    req(
      "POST /m HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; boundary=XX\r\n" +
        `Content-Length: ${mp.length}\r\n\r\n${mp}`,
    ),
  ]));
  assert.deepEqual(post.buffers["file.data"], ["FILE"]);
});
