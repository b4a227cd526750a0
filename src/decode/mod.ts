/**
 * The packet decoders: link, network and transport headers decoded in place
 * into one reused {@link Packet}, with Suricata-named anomaly events.
 *
 * @module
 */

export { decodeFrame, decodePacket, LinkType } from "./decoder.ts";
export { FragFlag, Ip6Ext, Layer, LAYER_NAMES, Packet, TcpFlag, Tunnel } from "./packet.ts";
export {
  DECODER_EVENT_COUNT,
  DECODER_EVENT_NAMES,
  decoderEventId,
  type DecoderEventName,
  Ev,
  EVENT_WORDS,
} from "./events.ts";
export { DecodeStats } from "./decode_stats.ts";
export { EtherType } from "./ether_type.ts";
export { Ip4Opt, IpProto } from "./ipv4.ts";
export { MAX_DECODED_LAYERS } from "./_layers.ts";
