/**
 * Protocol detection on the first bytes of each direction: each protocol's
 * real opening bytes are recognised, near misses are not.
 */

import assert from "node:assert/strict";
import {
  APP_PROTO_NAMES,
  AppProto,
  detectAppProto,
  triggersInspection,
} from "../../src/app/proto_detect.ts";

const text = (s: string) => new TextEncoder().encode(s);
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

function detect(bytes: Uint8Array, toServer: boolean, port = 12345): string {
  // at an offset, as in a frame
  const frame = new Uint8Array(bytes.length + 7);
  frame.set(bytes, 7);
  const p = detectAppProto(frame, 7, bytes.length, toServer, port);
  return p === AppProto.UNKNOWN ? "unknown" : APP_PROTO_NAMES[p];
}

Deno.test("proto detect: client openings", () => {
  assert.equal(detect(text("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), true), "http");
  assert.equal(detect(text("POST /x HTTP/1.0\r\n"), true), "http");
  assert.equal(detect(text("PROPFIND /dav HTTP/1.1\r\n"), true), "http");
  // TLS 1.2 ClientHello record header
  assert.equal(detect(hex("160301020001"), true), "tls");
  // SSLv2-framed ClientHello offering SSL 3.0
  assert.equal(detect(hex("803e0103000025"), true), "tls");
  assert.equal(detect(text("SSH-2.0-OpenSSH_9.2\r\n"), true), "ssh");
  // NBSS session message + SMB2 header
  assert.equal(detect(hex("000000a4fe534d4240000000"), true), "smb");
  assert.equal(detect(hex("0000002fff534d4272000000"), true), "smb");
  // DCE/RPC bind (v5.0, type 11, little-endian data representation)
  assert.equal(detect(hex("05000b031000000048000000" + "02000000"), true), "dcerpc");
  // RDP: TPKT + X.224 connection request
  assert.equal(detect(hex("0300002b26e00000000000"), true), "rdp");
  assert.equal(detect(text("EHLO mail.example\r\n"), true), "smtp");
  assert.equal(detect(text("USER anonymous\r\n"), true), "ftp");
  assert.equal(detect(text("RFB 003.008\n"), true), "rfb");
});

Deno.test("proto detect: server openings and port-probed protocols", () => {
  assert.equal(detect(text("HTTP/1.1 200 OK\r\n"), false), "http");
  assert.equal(detect(text("220 ProFTPD Server (FTP) ready\r\n"), false), "ftp");
  assert.equal(detect(text("220 mx.example ESMTP Postfix\r\n"), false), "smtp");
  assert.equal(detect(text("* OK IMAP4rev1 ready\r\n"), false), "imap");
  assert.equal(detect(hex("0000001c"), true, 53), "dns");
  assert.equal(detect(hex("000000b4"), true, 88), "krb5");
});

Deno.test("proto detect: near misses stay unknown", () => {
  assert.equal(detect(text("GET"), true), "unknown", "no space after the method");
  assert.equal(detect(text("get / HTTP/1.1"), true), "unknown", "methods are upper case");
  assert.equal(
    detect(text("HTTP/1.1 200 OK"), true),
    "unknown",
    "a status line goes to the client",
  );
  assert.equal(detect(text("GET / HTTP/1.1"), false), "unknown", "a request goes to the server");
  assert.equal(detect(hex("160501"), true), "unknown", "no TLS major version 5");
  assert.equal(detect(hex("17030300"), true), "unknown", "application data is not an opening");
  assert.equal(detect(text("SSH"), true), "unknown");
  assert.equal(detect(hex("00000010ff534d"), true), "unknown", "cut before the SMB magic ends");
  assert.equal(detect(text("220 welcome\r\n"), false), "unknown", "a bare 220 names no protocol");
  assert.equal(detect(text("VERY"), true, 8080), "unknown");
  assert.equal(detect(new Uint8Array(0), true, 53), "unknown", "no data");
  assert.equal(detect(text("+OK POP3 ready"), false), "unknown", "Suricata 7 has no pop3");
});

Deno.test("proto detect: which protocols trigger stream inspection", () => {
  assert.equal(triggersInspection(AppProto.HTTP), true);
  assert.equal(triggersInspection(AppProto.DCERPC), true);
  assert.equal(triggersInspection(AppProto.SMB), false, "Suricata's SMB parser does not");
  assert.equal(triggersInspection(AppProto.IMAP), false, "detection only in Suricata 7");
  assert.equal(triggersInspection(AppProto.UNKNOWN), false);
  assert.equal(triggersInspection(AppProto.FAILED), false);
});
