/**
 * What a capture reader sees of its input: a window `[start, end)` of the
 * file's bytes, held in one `Uint8Array`. A file is read through a window
 * that slides forward ({@link FileWindow}); a capture already in memory is one
 * window over all of it ({@link WholeBuffer}). Readers keep file offsets and
 * index `bytes` with `offset - start`.
 *
 * @module
 */

/** A window over a capture's bytes. */
export interface ByteWindow {
  /** The bytes held: `bytes[i]` is the file's byte `start + i`, for `start + i < end`. */
  readonly bytes: Uint8Array;
  /** File offset of `bytes[0]`. */
  readonly start: number;
  /** File offset one past the last byte held. */
  readonly end: number;
  /** Total bytes of the input. */
  readonly size: number;
  /** Why the input could not be read further (a read error, a file that shrank), or null. */
  readonly failure: string | null;
  /**
   * Drop the bytes before `from` and hold as many after it as fit. Views into
   * `bytes` taken before the call are dead after it (`bytes` may be another array).
   *
   * @param from the first file offset still needed (anywhere in the input; 0 rewinds)
   */
  slide(from: number): void;
  /**
   * Before a batch from `from`: slide when few bytes past it are held and the
   * input goes on, so that most batches need no slide inside them. Views
   * taken before the call are dead after it, as for {@link ByteWindow.slide}.
   *
   * @param from the first file offset still needed
   */
  topUp(from: number): void;
  /**
   * Hold `[from, from + length)`, sliding (and growing) the window if needed.
   * Views taken before the call are dead after it, as for {@link ByteWindow.slide}.
   *
   * @param from the first file offset needed
   * @param length bytes needed from there
   * @returns false when they could not be held: past the end of the input, or
   *   {@link ByteWindow.failure} says why
   */
  hold(from: number, length: number): boolean;
}

/**
 * The window a reader reads through: `input` itself, or a {@link WholeBuffer}
 * over a capture in memory.
 *
 * @param input a window on a file, or the whole capture in memory
 * @returns the window
 */
export function windowOf(input: Uint8Array | ByteWindow): ByteWindow {
  return input instanceof Uint8Array ? new WholeBuffer(input) : input;
}

/** A capture already in memory: one window over all of it that never moves. */
export class WholeBuffer implements ByteWindow {
  /** The whole capture. */
  readonly bytes: Uint8Array;
  /** Always 0. */
  readonly start = 0;
  /** The capture's length. */
  readonly end: number;
  /** The capture's length. */
  readonly size: number;
  /** Always null: memory cannot fail to read. */
  readonly failure = null;

  /**
   * @param bytes the whole capture
   */
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.end = bytes.length;
    this.size = bytes.length;
  }

  /** Nothing to do: everything is held. */
  slide(): void {}

  /** Nothing to do: everything is held. */
  topUp(): void {}

  /**
   * @param from the first offset needed
   * @param length bytes needed from there
   * @returns whether they are within the buffer
   */
  hold(from: number, length: number): boolean {
    return from + length <= this.size;
  }
}
