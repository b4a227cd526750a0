/**
 * A capture of long-lived application flows for the steady-state GC test:
 * an HTTP download (one request, a 1.4 MB response body in 1,000 segments),
 * a TLS session (ClientHello with an SNI, ServerHello, then 600 application
 * data records each way) and an SSH session (banners, then 600 binary
 * packets each way). Every flow opens its transaction in its first few
 * packets; the thousands after open none. Test code: it allocates freely.
 *
 * @module
 */

import { A, F, P, S, TcpConversation } from "../flow/_flow_frames.ts";
import { pcapFile, type PcapRecord } from "../capture/capture_builder.ts";

const text = new TextEncoder();

/** A TLS record of a type holding `body`. */
function tlsRecord(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out.set([type, 3, 3, body.length >> 8, body.length & 0xff]);
  out.set(body, 5);
  return out;
}

/** A handshake message. */
function handshake(type: number, body: number[]): Uint8Array {
  return new Uint8Array([type, 0, body.length >> 8, body.length & 0xff, ...body]);
}

function u16(n: number): number[] {
  return [n >> 8, n & 0xff];
}

/** A ClientHello offering one suite, with an SNI. */
function clientHello(sni: string): Uint8Array {
  const name = [...text.encode(sni)];
  const sniExt = [
    ...u16(0),
    ...u16(name.length + 5),
    ...u16(name.length + 3),
    0,
    ...u16(name.length),
    ...name,
  ];
  const body = [
    3,
    3,
    ...new Array(32).fill(7),
    0,
    ...u16(2),
    0x13,
    0x01,
    1,
    0,
    ...u16(sniExt.length),
    ...sniExt,
  ];
  return tlsRecord(22, handshake(1, body));
}

/** A ServerHello choosing that suite. */
function serverHello(): Uint8Array {
  return tlsRecord(22, handshake(2, [3, 3, ...new Array(32).fill(9), 0, 0x13, 0x01, 0, 0, 0]));
}

/** The frames of the three flows, in time order, as pcap records. */
export function steadyCapture(): Uint8Array {
  const records: PcapRecord[] = [];
  let t = 0;
  const push = (frame: Uint8Array) => {
    records.push({ sec: 1_700_000_000 + Math.floor(t / 1e6), frac: t % 1e6, data: frame });
    t += 50;
  };
  // HTTP: a request, a long response body
  const http = new TcpConversation({
    client: "10.1.0.2",
    server: "10.2.0.2",
    cport: 40001,
    sport: 80,
  });
  for (const f of http.handshake()) push(f);
  push(
    http.seg(
      true,
      A | P,
      "GET /big.bin HTTP/1.1\r\nHost: a.example\r\nUser-Agent: curl/8.0\r\n\r\n",
    ),
  );
  push(http.seg(false, A));
  const segment = new Uint8Array(1400).fill(0x41);
  const bodyLength = 1000 * segment.length;
  push(
    http.seg(
      false,
      A | P,
      `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bodyLength}\r\n\r\n`,
    ),
  );
  push(http.seg(true, A));
  for (let k = 0; k < 1000; k++) {
    push(http.seg(false, A, segment));
    if (k % 2 === 1) push(http.seg(true, A));
  }
  push(http.seg(true, A | F));
  push(http.seg(false, A | F));
  push(http.seg(true, A));
  // TLS: the handshake, then application data both ways
  const tls = new TcpConversation({
    client: "10.1.0.3",
    server: "10.2.0.3",
    cport: 40002,
    sport: 443,
  });
  for (const f of tls.handshake()) push(f);
  push(tls.seg(true, A | P, clientHello("steady.example")));
  push(tls.seg(false, A | P, serverHello()));
  const appData = tlsRecord(23, new Uint8Array(600).fill(0x5a));
  for (let k = 0; k < 600; k++) {
    push(tls.seg(true, A | P, appData));
    push(tls.seg(false, A | P, appData));
  }
  push(tls.seg(true, A | F));
  push(tls.seg(false, A | F));
  push(tls.seg(true, A));
  // SSH: banners, then binary packets both ways
  const ssh = new TcpConversation({
    client: "10.1.0.4",
    server: "10.2.0.4",
    cport: 40003,
    sport: 22,
  });
  for (const f of ssh.handshake()) push(f);
  push(ssh.seg(false, A | P, "SSH-2.0-OpenSSH_9.6\r\n"));
  push(ssh.seg(true, A | P, "SSH-2.0-OpenSSH_9.2p1\r\n"));
  const packet = new Uint8Array(256).fill(0x33);
  for (let k = 0; k < 600; k++) {
    push(ssh.seg(true, A | P, packet));
    push(ssh.seg(false, A | P, packet));
  }
  push(ssh.seg(true, A | F));
  push(ssh.seg(false, A | F));
  push(ssh.seg(true, A));
  void S;
  return pcapFile({}, records);
}
