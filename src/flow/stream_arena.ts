/**
 * The memory of TCP reassembly: one byte arena, sized by the reassembly
 * memcap, handed out as power-of-two windows by a buddy allocator. A
 * stream's window is a contiguous run of the arena, so the detection
 * engine scans reassembled data where it lies (no second copy), and a
 * freed window merges back with its buddy so a flood of small streams
 * does not fragment the arena for large ones.
 *
 * Everything is preallocated: the arena (pages the OS maps on first touch)
 * and the free lists, one typed array each. Allocation and release allocate
 * nothing.
 *
 * @module
 */

/** The smallest window by default, in bytes (the arena's unit). */
export const MIN_WINDOW = 4096;

const NIL = -1;
/**
 * The largest order: 4096 << 18 is 1 GiB, the largest window whose
 * size and unit offsets stay 32-bit shifts (4096 << 19 is negative).
 */
const MAX_ORDER = 18;

/** A buddy allocator over one byte arena. */
export class StreamArena {
  /** The bytes of every window. */
  readonly bytes: Uint8Array;
  /** The smallest window and allocation unit, in bytes (a power of two). */
  readonly unit: number;
  /** Largest order a window may have (size unit << maxOrder). */
  readonly maxOrder: number;
  /** Bytes in windows handed out. */
  used = 0;
  /** Allocations refused (the memcap was reached). */
  refused = 0;
  readonly #freeHead: Int32Array;
  readonly #next: Int32Array;
  readonly #prev: Int32Array;
  /** Order of the free block starting at this unit, -1 when not a free block head. */
  readonly #freeOrder: Int8Array;

  /**
   * @param memcap bytes for all windows (rounded down to whole largest windows, at least one)
   * @param maxWindow the largest window, in bytes (a power of two >= the unit; at most 1 GiB is used)
   * @param unit the smallest window, a power of two from 256 to 4096 (default {@link MIN_WINDOW})
   */
  constructor(memcap: number, maxWindow: number, unit: number = MIN_WINDOW) {
    let u = 256;
    while (u < unit && u < MIN_WINDOW) u <<= 1;
    this.unit = u;
    let maxOrder = 0;
    while (maxOrder < MAX_ORDER && (u << (maxOrder + 1)) <= maxWindow) maxOrder++;
    this.maxOrder = maxOrder;
    const top = u << maxOrder;
    const tops = Math.max(1, Math.floor(memcap / top));
    const units = tops << maxOrder;
    this.bytes = new Uint8Array(units * u);
    this.#freeHead = new Int32Array(maxOrder + 1).fill(NIL);
    this.#next = new Int32Array(units).fill(NIL);
    this.#prev = new Int32Array(units).fill(NIL);
    this.#freeOrder = new Int8Array(units).fill(-1);
    for (let t = tops - 1; t >= 0; t--) this.#push(t << maxOrder, maxOrder);
  }

  /** Capacity of the arena, in bytes. */
  get capacity(): number {
    return this.bytes.length;
  }

  /**
   * The order of the smallest window holding `size` bytes, or -1 when even
   * the largest is too small.
   *
   * @param size bytes needed
   * @returns the order
   */
  orderFor(size: number): number {
    let order = 0;
    while ((this.unit << order) < size) {
      if (++order > this.maxOrder) return -1;
    }
    return order;
  }

  /**
   * Take a window.
   *
   * @param order its order (size unit << order)
   * @returns the window's first unit (byte offset = first unit * unit size), or -1 when the memcap is reached
   */
  allocate(order: number): number {
    let o = order;
    while (o <= this.maxOrder && this.#freeHead[o] === NIL) o++;
    if (o > this.maxOrder) {
      this.refused++;
      return NIL;
    }
    const unit = this.#freeHead[o];
    this.#remove(unit, o);
    // split down to the order asked, the upper halves stay free
    while (o > order) {
      o--;
      this.#push(unit + (1 << o), o);
    }
    this.used += this.unit << order;
    return unit;
  }

  /**
   * Give a window back; it merges with its free buddies.
   *
   * @param unitIn the window's first unit, from {@link StreamArena.allocate}
   * @param orderIn the order it was allocated with
   */
  release(unitIn: number, orderIn: number): void {
    this.used -= this.unit << orderIn;
    let unit = unitIn;
    let order = orderIn;
    while (order < this.maxOrder) {
      const buddy = unit ^ (1 << order);
      if (this.#freeOrder[buddy] !== order) break;
      this.#remove(buddy, order);
      unit = unit < buddy ? unit : buddy;
      order++;
    }
    this.#push(unit, order);
  }

  #push(unit: number, order: number): void {
    const head = this.#freeHead[order];
    this.#next[unit] = head;
    this.#prev[unit] = NIL;
    if (head !== NIL) this.#prev[head] = unit;
    this.#freeHead[order] = unit;
    this.#freeOrder[unit] = order;
  }

  #remove(unit: number, order: number): void {
    const next = this.#next[unit];
    const prev = this.#prev[unit];
    if (prev === NIL) this.#freeHead[order] = next;
    else this.#next[prev] = next;
    if (next !== NIL) this.#prev[next] = prev;
    this.#freeOrder[unit] = -1;
  }
}
