/**
 * Inspection buffers: the byte ranges rules look at. Buffer 0 is the packet
 * payload (`pkt_data`, what plain `content` inspects); sticky buffers such as
 * `http.uri` or `dns.query` are registered by name and filled by the stages
 * that produce them (the application layer).
 *
 * @module
 */

/** The packet payload: what `content` inspects without a sticky buffer. */
export const PKT_DATA = 0;

/** What is known about a buffer. */
export interface BufferInfo {
  /** Its id, an index into per-buffer tables. */
  readonly id: number;
  /** The sticky-buffer keyword, e.g. `http.uri`, or `pkt_data`. */
  readonly name: string;
  /** The application protocol the buffer belongs to, or null for packet buffers. */
  readonly appProto: string | null;
  /**
   * Whether a stage of this build fills it. Rules inspecting a buffer nobody
   * fills load (so the ruleset is complete) but are reported as waiting.
   */
  available: boolean;
}

const byName = new Map<string, BufferInfo>();
const byId: BufferInfo[] = [];

/**
 * Register (or look up) a buffer by name.
 *
 * @param name the sticky-buffer keyword
 * @param appProto the protocol it belongs to, null for packet buffers
 * @param available whether something in this build fills it
 * @returns the buffer's info
 */
export function registerBuffer(
  name: string,
  appProto: string | null,
  available = false,
): BufferInfo {
  const known = byName.get(name);
  if (known) {
    if (available) known.available = true;
    return known;
  }
  const info: BufferInfo = { id: byId.length, name, appProto, available };
  byName.set(name, info);
  byId.push(info);
  return info;
}

/**
 * The buffer registered under a name.
 *
 * @param name e.g. "http.uri"
 * @returns its info, or undefined
 */
export function bufferByName(name: string): BufferInfo | undefined {
  return byName.get(name);
}

/**
 * The buffer with an id.
 *
 * @param id a buffer id
 * @returns its info
 */
export function bufferById(id: number): BufferInfo {
  return byId[id];
}

/** Number of buffers registered. */
export function bufferCount(): number {
  return byId.length;
}

registerBuffer("pkt_data", null, true);

const parsedProtocols = new Set<string>();

/**
 * Note that this build parses an application protocol, so rules for it
 * (`alert http ...`) are evaluated instead of waiting.
 *
 * @param name the protocol as rules name it (`"http"`, `"dns"`)
 */
export function registerAppProtocol(name: string): void {
  parsedProtocols.add(name);
}

/**
 * Whether this build parses an application protocol.
 *
 * @param name the protocol as rules name it
 */
export function appProtocolParsed(name: string): boolean {
  return parsedProtocols.has(name);
}

const parsers = new Set<string>();

/**
 * Note that this build has a parser for a protocol (its events are raised).
 *
 * @param name the protocol as rules name it
 */
export function registerAppParser(name: string): void {
  parsers.add(name);
}

/**
 * Whether this build has a parser for a protocol.
 *
 * @param name the protocol as rules name it
 */
export function appParserPresent(name: string): boolean {
  return parsers.has(name);
}

/** Which transaction part an application buffer belongs to. */
export const BufferSide = {
  /** The client's part (request, query, ClientHello): the default. */
  REQUEST: 1,
  /** The server's part (response, answer, certificate). */
  RESPONSE: 2,
  /** Both parts have it; the response's is registered as `<name>:response` when they differ. */
  EITHER: 3,
} as const;

const sides = new Map<string, number>();

/**
 * Declare the transaction part an application buffer belongs to (parsers
 * call it for their server-side and two-sided buffers).
 *
 * @param name the buffer's name
 * @param side a {@link BufferSide}
 */
export function registerBufferSide(name: string, side: number): void {
  sides.set(name, side);
}

/**
 * The transaction part an application buffer belongs to.
 *
 * @param name the buffer's name
 * @returns a {@link BufferSide}; REQUEST unless declared otherwise
 */
export function bufferSide(name: string): number {
  return sides.get(name) ?? BufferSide.REQUEST;
}

for (
  const name of [
    "http.stat_code",
    "http.stat_msg",
    "http.response_line",
    "http.server",
    "http.location",
    "http.response_header",
    "http.response_body",
    "file.data:response",
    "ja3s.hash",
    "ja3s.string",
    "tls.cert_subject",
    "tls.cert_issuer",
    "tls.cert_serial",
    "tls.cert_fingerprint",
    "tls.certs",
    "ssh.hassh.server",
    "ssh.hassh.server.string",
  ]
) registerBufferSide(name, BufferSide.RESPONSE);
for (
  const name of [
    "http.header",
    "http.header.raw",
    "http.header_names",
    "http.content_type",
    "http.content_len",
    "http.connection",
    "http.protocol",
    "http.start",
    // files go both ways: request bodies (POST, PUT, multipart) and responses
    "file.data",
    "ssh.proto",
    "ssh.software",
  ]
) registerBufferSide(name, BufferSide.EITHER);
