/**
 * The table behind a dataset: a set of byte strings, each with a 16-bit
 * reputation value, in an open-addressing hash table (linear probing, FNV-1a
 * over the bytes). Keys are copied into one growable byte arena, so a lookup
 * hashes and compares the caller's bytes in place: nothing is allocated per
 * lookup. Adding a key allocates only when the arena or the table grows
 * (amortised). Removed keys leave a tombstone in the table and a dead entry
 * in the arena (reclaimed by the next rehash).
 *
 * @module
 */

const EMPTY = 0;
const TOMBSTONE = -1;
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a hash of `data[start, end)`, as an unsigned 32-bit value. */
function hashBytes(data: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ data[i], FNV_PRIME);
  return h >>> 0;
}

/** A set of byte strings with a reputation value each. */
export class DatasetTable {
  /** Slot -> entry index + 1; 0 empty, -1 a removed entry. */
  #slots: Int32Array;
  /** Key bytes of every entry, back to back. */
  #arena: Uint8Array;
  #arenaUsed = 0;
  /** Entry -> start of its key in the arena. */
  #keyStart: Int32Array;
  /** Entry -> key length, -1 once removed. */
  #keyLen: Int32Array;
  /** Entry -> reputation value. */
  #rep: Uint16Array;
  /** Entry -> hash of its key. */
  #hash: Uint32Array;
  #entries = 0;
  #live = 0;
  #tombstones = 0;

  /**
   * An empty table.
   *
   * @param expected how many keys to size it for (Suricata's hashsize is a good hint)
   */
  constructor(expected = 64) {
    let cap = 16;
    while (cap < expected * 2) cap <<= 1;
    this.#slots = new Int32Array(cap);
    this.#arena = new Uint8Array(Math.max(256, expected * 16));
    const n = Math.max(16, expected);
    this.#keyStart = new Int32Array(n);
    this.#keyLen = new Int32Array(n);
    this.#rep = new Uint16Array(n);
    this.#hash = new Uint32Array(n);
  }

  /** Number of keys in the set. */
  get size(): number {
    return this.#live;
  }

  /**
   * The entry holding `data[start, end)`.
   *
   * @param data the bytes
   * @param start first byte of the key
   * @param end one past its last byte
   * @returns the entry index, or -1 when absent
   */
  find(data: Uint8Array, start: number, end: number): number {
    const h = hashBytes(data, start, end);
    const mask = this.#slots.length - 1;
    const len = end - start;
    for (let s = h & mask;; s = (s + 1) & mask) {
      const v = this.#slots[s];
      if (v === EMPTY) return -1;
      if (v === TOMBSTONE) continue;
      const e = v - 1;
      if (this.#hash[e] !== h || this.#keyLen[e] !== len) continue;
      const at = this.#keyStart[e];
      const arena = this.#arena;
      let k = 0;
      while (k < len && arena[at + k] === data[start + k]) k++;
      if (k === len) return e;
    }
  }

  /**
   * The reputation value of an entry.
   *
   * @param entry an index from {@link DatasetTable.find}
   * @returns its value
   */
  repOf(entry: number): number {
    return this.#rep[entry];
  }

  /**
   * Add `data[start, end)` unless present.
   *
   * @param data the bytes
   * @param start first byte of the key
   * @param end one past its last byte
   * @param rep its reputation value (kept when the key is already there)
   * @returns true when the key was added, false when it was there already
   */
  add(data: Uint8Array, start: number, end: number, rep = 0): boolean {
    if (this.find(data, start, end) >= 0) return false;
    if ((this.#live + this.#tombstones + 1) * 2 > this.#slots.length) this.#rehash();
    const len = end - start;
    if (this.#arenaUsed + len > this.#arena.length) {
      const bigger = new Uint8Array(Math.max(this.#arena.length * 2, this.#arenaUsed + len));
      bigger.set(this.#arena.subarray(0, this.#arenaUsed));
      this.#arena = bigger;
    }
    if (this.#entries === this.#keyLen.length) this.#growEntries();
    const e = this.#entries++;
    this.#arena.set(data.subarray(start, end), this.#arenaUsed);
    this.#keyStart[e] = this.#arenaUsed;
    this.#keyLen[e] = len;
    this.#arenaUsed += len;
    this.#rep[e] = rep;
    const h = hashBytes(data, start, end);
    this.#hash[e] = h;
    this.#insertSlot(h, e);
    this.#live++;
    return true;
  }

  /**
   * Remove `data[start, end)`.
   *
   * @param data the bytes
   * @param start first byte of the key
   * @param end one past its last byte
   * @returns true when it was present
   */
  remove(data: Uint8Array, start: number, end: number): boolean {
    const h = hashBytes(data, start, end);
    const mask = this.#slots.length - 1;
    const len = end - start;
    for (let s = h & mask;; s = (s + 1) & mask) {
      const v = this.#slots[s];
      if (v === EMPTY) return false;
      if (v === TOMBSTONE) continue;
      const e = v - 1;
      if (this.#hash[e] !== h || this.#keyLen[e] !== len) continue;
      const at = this.#keyStart[e];
      let k = 0;
      while (k < len && this.#arena[at + k] === data[start + k]) k++;
      if (k !== len) continue;
      this.#slots[s] = TOMBSTONE;
      this.#keyLen[e] = -1;
      this.#tombstones++;
      this.#live--;
      return true;
    }
  }

  /**
   * Visit every key in insertion order (for saving).
   *
   * @param visit called with the key (a view into the arena, valid during the call) and its value
   */
  forEach(visit: (key: Uint8Array, rep: number) => void): void {
    for (let e = 0; e < this.#entries; e++) {
      const len = this.#keyLen[e];
      if (len < 0) continue;
      const at = this.#keyStart[e];
      visit(this.#arena.subarray(at, at + len), this.#rep[e]);
    }
  }

  #insertSlot(h: number, e: number): void {
    const mask = this.#slots.length - 1;
    let s = h & mask;
    while (this.#slots[s] > 0) s = (s + 1) & mask;
    if (this.#slots[s] === TOMBSTONE) this.#tombstones--;
    this.#slots[s] = e + 1;
  }

  #growEntries(): void {
    const n = this.#keyLen.length * 2;
    const grow = <T extends Int32Array | Uint16Array | Uint32Array>(
      a: T,
      make: (n: number) => T,
    ) => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#keyStart = grow(this.#keyStart, (k) => new Int32Array(k));
    this.#keyLen = grow(this.#keyLen, (k) => new Int32Array(k));
    this.#rep = grow(this.#rep, (k) => new Uint16Array(k));
    this.#hash = grow(this.#hash, (k) => new Uint32Array(k));
  }

  /** Rebuild the table without tombstones, doubling it when the live keys need room. */
  #rehash(): void {
    let cap = this.#slots.length;
    while ((this.#live + 1) * 2 > cap / 2) cap <<= 1;
    this.#slots = new Int32Array(cap);
    this.#tombstones = 0;
    for (let e = 0; e < this.#entries; e++) {
      if (this.#keyLen[e] >= 0) this.#insertSlot(this.#hash[e], e);
    }
  }
}
