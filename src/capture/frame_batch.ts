/**
 * A batch of frame descriptors: where each frame lies in its source's ONE
 * buffer, how long it is, when it was seen and how it is framed. Preallocated
 * typed arrays, filled in place by a frame source: no per-frame object and no
 * per-frame `subarray`.
 *
 * @module
 */

/** Default number of descriptors in a batch. */
export const DEFAULT_BATCH_CAPACITY = 256;

/** Descriptors for up to {@link FrameBatch.capacity} frames, reused for every batch. */
export class FrameBatch {
  /** How many descriptors the arrays hold. */
  readonly capacity: number;
  /** How many descriptors of this batch are filled (0..capacity). */
  count = 0;
  /** The buffer every `offset` points into (a file's window, or a ring). */
  data: Uint8Array = new Uint8Array(0);
  /** Byte offset of each frame in {@link FrameBatch.data} (a double: files over 4 GiB work). */
  readonly offset: Float64Array;
  /** Captured length of each frame (bytes present in `data`). */
  readonly capLen: Uint32Array;
  /** Length of each frame on the wire (>= captured length when snapped). */
  readonly wireLen: Uint32Array;
  /** Timestamp of each frame: whole seconds since the epoch. */
  readonly tsSec: Float64Array;
  /** Timestamp of each frame: nanoseconds within the second. */
  readonly tsNsec: Uint32Array;
  /** Link type of each frame (pcap LINKTYPE_* value, e.g. 1 = Ethernet). */
  readonly linkType: Uint16Array;

  /**
   * Allocate the descriptor arrays once, for every batch to come.
   *
   * @param capacity descriptors per batch (a positive integer)
   * @throws {RangeError} when `capacity` is not a positive integer: a batch
   *   that holds nothing would look like the end of the input
   */
  constructor(capacity: number = DEFAULT_BATCH_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`batch capacity must be a positive integer, not ${capacity}`);
    }
    this.capacity = capacity;
    this.offset = new Float64Array(capacity);
    this.capLen = new Uint32Array(capacity);
    this.wireLen = new Uint32Array(capacity);
    this.tsSec = new Float64Array(capacity);
    this.tsNsec = new Uint32Array(capacity);
    this.linkType = new Uint16Array(capacity);
  }
}

/** Where and why a capture file stopped being readable. */
export interface CaptureDamage {
  /** Byte offset in the file of the damaged record or block. */
  offset: number;
  /** What is wrong, in one line, e.g. "record header truncated". */
  reason: string;
}

/**
 * A source of frames: fills batches until the input ends. A source never
 * throws on damaged input: it stops before the damage and reports it in
 * {@link FrameSource.damage}.
 */
export interface FrameSource {
  /** Format name for summaries, e.g. "pcap" or "pcapng". */
  readonly format: string;
  /** Bytes of input consumed so far (for progress). */
  readonly position: number;
  /** Total bytes of input, when known (0 for live sources). */
  readonly size: number;
  /** Set when reading stopped at damaged input; null while the input is sound. */
  readonly damage: CaptureDamage | null;
  /**
   * Fill `batch` with the next frames.
   *
   * @param batch the batch to fill; its `data` is set to the source's buffer
   * @returns the number of frames filled; 0 at the end of input or at damage
   */
  next(batch: FrameBatch): number;
}
