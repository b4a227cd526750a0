/**
 * Sticky buffers: `http.uri;`, `dns.query;`, `tls.sni;`, ... switch the
 * buffer that following content/pcre/byte_* keywords inspect (Suricata 7's
 * list: `suricata --list-keywords`, with the legacy aliases). Rules using
 * them compile now; they inspect nothing until a stage fills the buffer
 * (the compiler reports such rules as waiting).
 *
 * @module
 */

import { bufferByName, registerBuffer } from "../buffers.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { payloadState } from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";

/** One sticky buffer keyword. */
export interface StickyBuffer {
  /** Keyword (and buffer name). */
  readonly name: string;
  /** Other spellings. */
  readonly aliases: readonly string[];
  /** Application protocols the buffer exists for (empty: packet buffers). */
  readonly protocols: readonly string[];
  /** Suricata's MPM priority (lower wins the fast pattern); 0: no prefilter. */
  readonly priority: number;
  /**
   * The buffer it selects when not its own name (http.response_body is
   * file.data of the response in Suricata 7).
   */
  readonly buffer?: string;
}

const HTTP = ["http", "http2"];
const FILES = ["http", "http2", "smtp", "smb", "nfs", "ftp", "ftp-data"];
/** DCE/RPC buffers: a rule naming no protocol is a dcerpc rule (Suricata's DCERPC, which covers SMB). */
const DCERPC = ["dcerpc", "smb"];

function sb(
  name: string,
  protocols: readonly string[],
  aliases: string[] = [],
  priority = 2,
  buffer?: string,
): StickyBuffer {
  return { name, aliases, protocols, priority, buffer };
}

/** Suricata 7.0 sticky buffers, in Suricata's registration order where it matters. */
export const STICKY_BUFFERS: readonly StickyBuffer[] = [
  sb("http.cookie", HTTP),
  sb("http.method", HTTP, [], 4),
  sb("http.protocol", HTTP, ["http_protocol"]),
  sb("http.start", HTTP, ["http_start"]),
  sb("http.request_body", HTTP),
  sb("http.header", HTTP),
  sb("http.header_names", HTTP, ["http_header_names"]),
  sb("http.accept", HTTP, ["http_accept"]),
  sb("http.accept_lang", HTTP, ["http_accept_lang"]),
  sb("http.accept_enc", HTTP, ["http_accept_enc"]),
  sb("http.connection", HTTP, ["http_connection"]),
  sb("http.content_len", HTTP, ["http_content_len"]),
  sb("http.content_type", HTTP, ["http_content_type"]),
  sb("http.location", HTTP),
  sb("http.server", HTTP),
  sb("http.referer", HTTP, ["http_referer"]),
  sb("http.header.raw", HTTP),
  sb("http.uri", HTTP, ["http.uri.normalized"]),
  sb("http.uri.raw", HTTP),
  sb("http.stat_msg", HTTP, [], 3),
  sb("http.stat_code", HTTP, [], 4),
  sb("http.user_agent", HTTP),
  sb("http.host", HTTP),
  sb("http.host.raw", HTTP),
  sb("http.request_line", HTTP, ["http_request_line"]),
  sb("http.response_line", HTTP, ["http_response_line"]),
  sb("http.request_header", HTTP),
  sb("http.response_header", HTTP),
  sb("http2.header_name", ["http2"]),
  sb("file.data", FILES, ["file_data"]),
  sb("http.response_body", HTTP, [], 2, "file.data:response"),
  sb("file.name", FILES),
  sb("file.magic", FILES),
  sb("ssh.proto", ["ssh"], ["ssh_proto"]),
  sb("ssh.software", ["ssh"], ["ssh_software"]),
  sb("ssh.hassh", ["ssh"], ["ssh-hassh"]),
  sb("ssh.hassh.server", ["ssh"], ["ssh-hassh-server"]),
  sb("ssh.hassh.string", ["ssh"], ["ssh-hassh-string"]),
  sb("ssh.hassh.server.string", ["ssh"], ["ssh-hassh-server-string"]),
  sb("dcerpc.stub_data", DCERPC, ["dce_stub_data"]),
  sb("smb.named_pipe", ["smb"], ["smb_named_pipe"]),
  sb("smb.share", ["smb"], ["smb_share"]),
  sb("smb.ntlmssp_user", ["smb"]),
  sb("smb.ntlmssp_domain", ["smb"]),
  sb("dns.query", ["dns"], ["dns_query"]),
  sb("tls.sni", ["tls"], ["tls_sni"]),
  sb("tls.certs", ["tls"]),
  sb("tls.cert_issuer", ["tls"], ["tls_cert_issuer"]),
  sb("tls.cert_subject", ["tls"], ["tls_cert_subject"]),
  sb("tls.cert_serial", ["tls"], ["tls_cert_serial"]),
  sb("tls.cert_fingerprint", ["tls"], ["tls_cert_fingerprint"]),
  sb("tls.random_time", ["tls"]),
  sb("tls.random_bytes", ["tls"]),
  sb("tls.random", ["tls"]),
  sb("ja3.hash", ["tls", "quic"], ["ja3_hash"]),
  sb("ja3.string", ["tls", "quic"], ["ja3_string"]),
  sb("ja3s.hash", ["tls", "quic"]),
  sb("ja3s.string", ["tls", "quic"]),
  sb("ja4.hash", ["tls", "quic"], ["ja4_hash"]),
  sb("dnp3.data", ["dnp3"], ["dnp3_data"]),
  sb("krb5.cname", ["krb5"], ["krb5_cname"]),
  sb("krb5.sname", ["krb5"], ["krb5_sname"]),
  sb("sip.method", ["sip"]),
  sb("sip.uri", ["sip"]),
  sb("sip.protocol", ["sip"]),
  sb("sip.stat_code", ["sip"], [], 4),
  sb("sip.stat_msg", ["sip"], [], 3),
  sb("sip.request_line", ["sip"]),
  sb("sip.response_line", ["sip"]),
  sb("rfb.name", ["rfb"], [], 1),
  sb("snmp.usm", ["snmp"]),
  sb("snmp.community", ["snmp"]),
  sb("mqtt.connect.clientid", ["mqtt"]),
  sb("mqtt.connect.username", ["mqtt"]),
  sb("mqtt.connect.password", ["mqtt"]),
  sb("mqtt.connect.willtopic", ["mqtt"]),
  sb("mqtt.connect.willmessage", ["mqtt"]),
  sb("mqtt.publish.topic", ["mqtt"]),
  sb("mqtt.publish.message", ["mqtt"]),
  sb("mqtt.subscribe.topic", ["mqtt"], [], 1),
  sb("mqtt.unsubscribe.topic", ["mqtt"], [], 1),
  sb("quic.version", ["quic"]),
  sb("quic.sni", ["quic"]),
  sb("quic.ua", ["quic"]),
  sb("quic.cyu.hash", ["quic"]),
  sb("quic.cyu.string", ["quic"]),
  sb("ike.init_spi", ["ike"], [], 1),
  sb("ike.resp_spi", ["ike"], [], 1),
  sb("ike.vendor", ["ike"], [], 1),
  sb("ike.nonce_payload", ["ike"], [], 1),
  sb("ike.key_exchange_payload", ["ike"], [], 1),
  sb("ip.src", []),
  sb("ip.dst", []),
  sb("ipv4.hdr", []),
  sb("ipv6.hdr", []),
  sb("icmpv4.hdr", []),
  sb("icmpv6.hdr", []),
  sb("tcp.hdr", []),
  sb("udp.hdr", []),
];

const byBuffer = new Map<number, StickyBuffer>();

/**
 * The sticky buffer description of a buffer id (transformed buffers: see
 * buffer_transforms.ts for their base).
 *
 * @param bufferId a buffer id
 * @returns the description, or undefined (pkt_data, base64_data)
 */
export function stickyBufferOf(bufferId: number): StickyBuffer | undefined {
  return byBuffer.get(bufferId);
}

/** Protocol words that name the same application protocol for buffer checks. */
function sameProtocol(sigProto: string, bufferProto: string): boolean {
  if (sigProto === bufferProto) return true;
  if (bufferProto === "http") return sigProto === "http2" || sigProto === "doh2";
  if (bufferProto === "http2") return sigProto === "doh2";
  if (bufferProto === "ike") return sigProto === "ikev2";
  return false;
}

/**
 * Make a buffer the current one (Suricata's DetectBufferSetActiveList) and
 * check the rule's protocol (DetectSignatureSetAppProto).
 *
 * @param builder the signature builder
 * @param keyword the keyword, for errors
 * @param bufferId the buffer
 * @param protocols the protocols the buffer exists for
 */
export function setStickyBuffer(
  builder: SignatureBuilder,
  keyword: string,
  bufferId: number,
  protocols: readonly string[],
): void {
  const st = payloadState(builder);
  if (st.inBase64Data) {
    throw new KeywordError(keyword, "the buffer cannot be changed after base64_data");
  }
  if (st.pendingTransforms.length > 0) {
    throw new KeywordError(keyword, "no matches following transform(s)");
  }
  if (!st.stickyHasMatch) {
    throw new KeywordError(keyword, `previous sticky buffer ${st.stickyName} has no matches`);
  }
  const sig = builder.sig;
  if (protocols.length > 0) {
    if (sig.appProto !== null) {
      if (!protocols.some((p) => sameProtocol(sig.appProto!, p))) {
        throw new KeywordError(keyword, `rule protocol ${sig.appProto} conflicts with ${keyword}`);
      }
    } else if (protocols === HTTP || protocols === DCERPC || protocols.length === 1) {
      sig.appProto = protocols[0];
    }
  }
  builder.currentBuffer = bufferId;
  st.stickyBase = bufferId;
  st.legacyBuffer = bufferId;
  st.stickyName = keyword;
  st.stickyHasMatch = false;
  st.listSet = true;
}

for (const def of STICKY_BUFFERS) {
  const info = def.buffer === undefined
    ? registerBuffer(def.name, def.protocols[0] ?? null, false)
    : registerBuffer(def.buffer, def.protocols[0] ?? null, false);
  if (!byBuffer.has(info.id)) byBuffer.set(info.id, def);
  registerKeyword({
    name: def.name,
    aliases: [...def.aliases],
    description: `sticky buffer: inspect ${def.name}`,
    value: "none",
    setup(builder) {
      const sig = builder.sig;
      if (
        def.name === "file.data" && sig.ipProto !== -1 && sig.ipProto !== 6 && sig.ipProtoAlt !== 6
      ) {
        throw new KeywordError("file.data", "cannot be used with non-TCP protocols");
      }
      setStickyBuffer(builder, def.name, info.id, def.protocols);
    },
  });
}

/** The buffer id of a sticky buffer by name (registered by this module). */
export function stickyBufferId(name: string): number {
  return bufferByName(name)!.id;
}
