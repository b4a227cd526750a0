/**
 * Application protocol detection by content, on the first bytes a TCP
 * stream carries in one direction: the patterns Suricata's protocol
 * detection looks for (HTTP methods and status lines, TLS records, SSH
 * banners, SMB over NetBIOS, DCE/RPC headers, SMTP, IMAP and FTP greetings, RDP's
 * TPKT/X.224 connection request, VNC's RFB banner), plus DNS and Kerberos
 * by their port, as Suricata's probing parsers do.
 *
 * The answer names the protocol as EVE's `app_proto` does. Nothing is
 * parsed beyond the first bytes and nothing is allocated: it reads the
 * bytes where they are.
 *
 * @module
 */

/** Application protocols, numbered; {@link APP_PROTO_NAMES} gives EVE's names. */
export const AppProto = {
  /** Not known yet. */
  UNKNOWN: 0,
  HTTP: 1,
  TLS: 2,
  SSH: 3,
  SMB: 4,
  DCERPC: 5,
  FTP: 6,
  SMTP: 7,
  IMAP: 8,
  RDP: 10,
  RFB: 11,
  DNS: 12,
  KRB5: 13,
  /** SIP (UDP, by port 5060). */
  SIP: 30,
  /** MQTT (TCP, by its fixed header on port 1883). */
  MQTT: 31,
  /** Detection ran on the first data of both directions and found nothing. */
  FAILED: 255,
} as const;

/** EVE `app_proto` names by {@link AppProto} number. */
export const APP_PROTO_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [AppProto.HTTP]: "http",
  [AppProto.TLS]: "tls",
  [AppProto.SSH]: "ssh",
  [AppProto.SMB]: "smb",
  [AppProto.DCERPC]: "dcerpc",
  [AppProto.FTP]: "ftp",
  [AppProto.SMTP]: "smtp",
  [AppProto.IMAP]: "imap",
  [AppProto.RDP]: "rdp",
  [AppProto.RFB]: "rfb",
  [AppProto.DNS]: "dns",
  [AppProto.KRB5]: "krb5",
  [AppProto.SIP]: "sip",
  [AppProto.MQTT]: "mqtt",
  [AppProto.FAILED]: "failed",
});

/** HTTP request methods Suricata's HTTP detection knows, each followed by a space. */
const METHODS: readonly Uint8Array[] = [
  "GET",
  "POST",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "CONNECT",
  "TRACE",
  "PATCH",
  "PROPFIND",
  "PROPPATCH",
  "MKCOL",
  "COPY",
  "MOVE",
  "LOCK",
  "UNLOCK",
  "CHECKOUT",
  "UNCHECKOUT",
  "CHECKIN",
  "UPDATE",
  "LABEL",
  "REPORT",
  "MKWORKSPACE",
  "MKACTIVITY",
  "MERGE",
  "INVALID",
  "VERSION-CONTROL",
  "BASELINE-CONTROL",
  "SEARCH",
  "POLL",
  "SUBSCRIBE",
  "UNSUBSCRIBE",
  "NOTIFY",
  "BMOVE",
  "BDELETE",
  "BPROPFIND",
  "BPROPPATCH",
  "BCOPY",
].map((m) => new TextEncoder().encode(m + " "));

const ascii = (s: string) => new TextEncoder().encode(s);
const HTTP_VERSION = ascii("HTTP/1.");
const SSH = ascii("SSH-");
const RFB = ascii("RFB ");
const OK_IMAP = ascii("* OK");
const EHLO = ascii("EHLO");
const HELO = ascii("HELO");
const USER = ascii("USER ");
const GREETING_220 = ascii("220");
const FTP_WORD = ascii("FTP");
const SMTP_WORD = ascii("SMTP");

/**
 * Whether Suricata 7's parser of the protocol asks for raw stream inspection
 * when it completes a message (AppLayerParserTriggerRawStreamReassembly):
 * HTTP, DCE/RPC, DNS, SMTP, FTP, TLS and SSH do; SMB and the detection-only
 * protocols do not, so their streams are inspected by chunks.
 *
 * @param proto an {@link AppProto} number
 * @returns true when a message end triggers inspection
 */
export function triggersInspection(proto: number): boolean {
  switch (proto) {
    case AppProto.HTTP:
    case AppProto.DCERPC:
    case AppProto.DNS:
    case AppProto.SMTP:
    case AppProto.FTP:
    case AppProto.TLS:
    case AppProto.SSH:
      return true;
    default:
      return false;
  }
}

/**
 * Detect the application protocol from the first data of one direction.
 *
 * @param data the bytes
 * @param start where the data starts (stream offset 0)
 * @param len how many bytes there are
 * @param toServer the data goes client -> server
 * @param serverPort the flow's server port (for the port-probed protocols)
 * @returns an {@link AppProto} number, UNKNOWN when nothing matched
 */
export function detectAppProto(
  data: Uint8Array,
  start: number,
  len: number,
  toServer: boolean,
  serverPort: number,
): number {
  if (len <= 0) return AppProto.UNKNOWN;
  const b0 = data[start];
  // TLS: a handshake record of SSL 3.0 .. TLS 1.3, or an SSLv2-framed ClientHello
  if (len >= 3 && b0 === 0x16 && data[start + 1] === 0x03 && data[start + 2] <= 0x04) {
    return AppProto.TLS;
  }
  if (
    toServer && len >= 5 && (b0 & 0x80) !== 0 && data[start + 2] === 0x01 &&
    (data[start + 3] === 0x03 || data[start + 3] === 0x00) && data[start + 4] <= 0x04
  ) {
    return AppProto.TLS;
  }
  if (startsWith(data, start, len, SSH)) return AppProto.SSH;
  // SMB over NetBIOS session service: a session message, then \xffSMB / \xfeSMB / \xfdSMB
  if (
    len >= 8 && b0 === 0x00 && (data[start + 4] === 0xff || data[start + 4] === 0xfe ||
      data[start + 4] === 0xfd) &&
    data[start + 5] === 0x53 && data[start + 6] === 0x4d &&
    data[start + 7] === 0x42
  ) {
    return AppProto.SMB;
  }
  // DCE/RPC connection-oriented header: version 5.0/5.1, a known packet type, data representation
  if (
    len >= 16 && b0 === 5 && data[start + 1] <= 1 && data[start + 2] <= 20 &&
    (data[start + 4] === 0x10 || data[start + 4] === 0x00)
  ) {
    return AppProto.DCERPC;
  }
  // RDP: TPKT version 3 carrying an X.224 connection request or confirm
  if (
    len >= 6 && b0 === 0x03 && data[start + 1] === 0x00 &&
    (data[start + 5] === 0xe0 || data[start + 5] === 0xd0)
  ) {
    return AppProto.RDP;
  }
  if (startsWith(data, start, len, RFB)) return AppProto.RFB;
  if (toServer) {
    for (let m = 0; m < METHODS.length; m++) {
      if (startsWith(data, start, len, METHODS[m])) return AppProto.HTTP;
    }
    if (startsWith(data, start, len, EHLO) || startsWith(data, start, len, HELO)) {
      return AppProto.SMTP;
    }
    if (startsWith(data, start, len, USER)) return AppProto.FTP;
  } else {
    if (startsWith(data, start, len, HTTP_VERSION)) return AppProto.HTTP;
    if (startsWith(data, start, len, OK_IMAP)) return AppProto.IMAP;
    if (startsWith(data, start, len, GREETING_220)) {
      const line = lineLength(data, start, len);
      if (contains(data, start, line, FTP_WORD)) return AppProto.FTP;
      if (contains(data, start, line, SMTP_WORD)) return AppProto.SMTP;
    }
  }
  if (serverPort === 53) return AppProto.DNS;
  if (serverPort === 88) return AppProto.KRB5;
  if (serverPort === 1883 && looksLikeMqtt(data, start, len)) return AppProto.MQTT;
  return AppProto.UNKNOWN;
}

/**
 * Whether data sent to the server looks like a server's opening (an HTTP
 * status line, an FTP or SMTP greeting, an IMAP greeting): the flow was
 * picked up the wrong way round.
 *
 * @param data the bytes
 * @param start where they start
 * @param len how many there are
 * @returns the {@link AppProto} of the server opening, UNKNOWN when none
 */
export function detectServerOpening(data: Uint8Array, start: number, len: number): number {
  const p = detectAppProto(data, start, len, false, 0);
  return p === AppProto.HTTP || p === AppProto.FTP || p === AppProto.SMTP || p === AppProto.IMAP
    ? p
    : AppProto.UNKNOWN;
}

/**
 * Suricata's MQTT probing parser: a fixed header with an assigned message
 * type, a QoS level up to 2 and a well-formed remaining length.
 */
function looksLikeMqtt(data: Uint8Array, start: number, len: number): boolean {
  if (len < 2) return false;
  const b0 = data[start];
  if ((b0 >> 4) === 0 || ((b0 >> 1) & 3) === 3) return false;
  for (let i = 1; i < 5; i++) {
    if (i >= len) return false;
    if ((data[start + i] & 0x80) === 0) return true;
  }
  return false;
}

function startsWith(data: Uint8Array, start: number, len: number, word: Uint8Array): boolean {
  if (len < word.length) return false;
  for (let i = 0; i < word.length; i++) if (data[start + i] !== word[i]) return false;
  return true;
}

function lineLength(data: Uint8Array, start: number, len: number): number {
  for (let i = 0; i < len; i++) if (data[start + i] === 0x0a) return i;
  return len;
}

function contains(data: Uint8Array, start: number, len: number, word: Uint8Array): boolean {
  for (let i = 0; i + word.length <= len; i++) {
    if (startsWith(data, start + i, len - i, word)) return true;
  }
  return false;
}

/**
 * Detect the application protocol of a UDP flow from its first datagram
 * (Suricata's probing parsers, which start from the ports).
 *
 * @param _data the bytes
 * @param _start where the payload starts
 * @param _len its length
 * @param clientPort the flow's client port
 * @param serverPort the flow's server port
 * @returns an {@link AppProto} number, FAILED when nothing matched
 */
export function detectUdpAppProto(
  _data: Uint8Array,
  _start: number,
  _len: number,
  clientPort: number,
  serverPort: number,
): number {
  if (serverPort === 53 || clientPort === 53) return AppProto.DNS;
  if ((serverPort === 5060 || clientPort === 5060) && _len > 0) return AppProto.SIP;
  return AppProto.FAILED;
}
