/**
 * Frame sources over capture files: pcap and pcapng read through one window
 * that slides along the file (or from a buffer in memory), delivered as
 * batches of frame descriptors.
 *
 * @example
 * ```ts
 * import { FrameBatch, openCaptureFile } from "./mod.ts";
 * const capture = openCaptureFile("traffic.pcapng");
 * try {
 *   const batch = new FrameBatch(64);
 *   for (let n = capture.source.next(batch); n > 0; n = capture.source.next(batch)) {
 *     for (let i = 0; i < n; i++) {
 *       const first = batch.data[batch.offset[i]]; // the frame's first byte, read in place
 *       console.log(batch.capLen[i], batch.linkType[i], first);
 *     }
 *   }
 *   if (capture.source.damage) console.log(capture.source.damage.reason);
 * } finally {
 *   capture.close();
 * }
 * ```
 *
 * @module
 */

export {
  CaptureFile,
  type CaptureFormat,
  CaptureFormatError,
  openCaptureBytes,
  openCaptureFile,
} from "./capture_file.ts";
export {
  type CaptureDamage,
  DEFAULT_BATCH_CAPACITY,
  FrameBatch,
  type FrameSource,
} from "./frame_batch.ts";
export { FILE_WINDOW_BYTES, FileWindow } from "./file_window.ts";
export { type ByteWindow, WholeBuffer } from "./byte_window.ts";
export {
  PCAP_FILE_HEADER_LENGTH,
  PCAP_MAXIMUM_SNAPLEN,
  PCAP_RECORD_HEADER_LENGTH,
  PcapReader,
  startsLikePcap,
} from "./pcap_reader.ts";
export {
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_EPB,
  PCAPNG_IDB,
  PCAPNG_OPB,
  PCAPNG_SHB,
  PCAPNG_SPB,
  PcapngReader,
  startsLikePcapng,
} from "./pcapng_reader.ts";
