/**
 * Alert output: EVE JSON `alert` and `anomaly` records and fast.log lines as
 * Suricata 7 writes them, through buffered writers that only ever leave whole
 * lines in their files.
 *
 * @module
 */

export {
  type AlertAction,
  alertActionOf,
  type AlertInfo,
  type AlertMetadata,
  alertRecord,
  type AnomalyInfo,
  anomalyRecord,
  decoderAnomaly,
  type DropReason,
  dropRecord,
  type EveExtras,
  type EveOptions,
  type FlowInfo,
  payloadPrintable,
  type RuleAction,
  ruleDrops,
  ruleMetadata,
  type TunnelInfo,
  tunnelInfo,
  tunnelPktSrc,
  type VerdictInfo,
} from "./eve_record.ts";
export {
  EveWriter,
  type EveWriterOptions,
  FastLogWriter,
  type FastLogWriterOptions,
  type Flushable,
  type FlushOnSignalsOptions,
  installFlushOnSignals,
} from "./eve_writer.ts";
export { fastLogActionPrefix, fastLogLine } from "./fast_log.ts";
export {
  eveProtoName,
  fastLogProtoName,
  formatIpv4,
  formatIpv6,
  formatMac,
  IP_PROTO_NAMES,
  ipProtoName,
  packetDstIp,
  packetSrcIp,
} from "./ip_format.ts";
export {
  DEFAULT_LINE_BUFFER_SIZE,
  type LineSink,
  LineWriter,
  type LineWriterOptions,
} from "./line_writer.ts";
export { formatEveTimestamp, formatFastTimestamp, formatUtcOffset } from "./timestamp_format.ts";
