/**
 * Per-flow variables of the rules: flowbits (named flags, `flowbits:set,x`)
 * and flowints (named unsigned 32-bit counters, `flowint:x,+,1`). Names are
 * interned to numbers when rules load; each flow slot owns a few 32-bit
 * words of preallocated arrays. A slot reused by a new flow starts with no
 * bit set and no flowint set: the store notices the flow table's generation
 * counter changed and clears the slot on first access.
 *
 * @module
 */

import type { FlowTable } from "./flow_table.ts";

const bitNames = new Map<string, number>();
const intNames = new Map<string, number>();

/**
 * The bit number of a flowbit name, interned on first use (at rule load).
 *
 * @param name the flowbit name
 * @returns its bit number
 */
export function flowbitId(name: string): number {
  let id = bitNames.get(name);
  if (id === undefined) {
    id = bitNames.size;
    bitNames.set(name, id);
  }
  return id;
}

/**
 * The flowbits Suricata logs as a flow's `traffic` (names `traffic/id/X`
 * and `traffic/label/X`): their bit numbers, kinds and values.
 *
 * @returns one entry per such name interned so far
 */
export function trafficFlowbits(): { bit: number; kind: "id" | "label"; value: string }[] {
  const out: { bit: number; kind: "id" | "label"; value: string }[] = [];
  for (const [name, bit] of bitNames) {
    const m = /^traffic\/(id|label)\/(.+)$/.exec(name);
    if (m !== null) out.push({ bit, kind: m[1] as "id" | "label", value: m[2] });
  }
  return out;
}

/**
 * Number of flowbit names interned so far.
 *
 * @returns the count
 */
export function flowbitCount(): number {
  return bitNames.size;
}

/**
 * The number of a flowint name, interned on first use (at rule load).
 *
 * @param name the flowint name
 * @returns its number
 */
export function flowintId(name: string): number {
  let id = intNames.get(name);
  if (id === undefined) {
    id = intNames.size;
    intNames.set(name, id);
  }
  return id;
}

/**
 * Number of flowint names interned so far.
 *
 * @returns the count
 */
export function flowintCount(): number {
  return intNames.size;
}

/** Per-flow flowbits and flowints over a flow table's slots. */
export class FlowbitStore {
  /** 32-bit words of flowbits per flow. */
  readonly words: number;
  /** Flowints per flow. */
  readonly ints: number;
  readonly #bits: Uint32Array;
  readonly #intValues: Uint32Array;
  readonly #intSet: Uint32Array;
  readonly #intWords: number;
  readonly #generation: Uint32Array;
  readonly #flows: FlowTable;

  /** Bytes of the store's typed arrays. */
  get memoryBytes(): number {
    return this.#bits.byteLength + this.#intValues.byteLength + this.#intSet.byteLength +
      this.#generation.byteLength;
  }

  /**
   * @param flows the flow table whose slots the variables belong to
   * @param bitCount how many flowbit names exist (from {@link flowbitCount})
   * @param intCount how many flowint names exist (from {@link flowintCount})
   */
  constructor(flows: FlowTable, bitCount: number, intCount = 0) {
    this.#flows = flows;
    this.words = Math.max(1, (bitCount + 31) >>> 5);
    this.ints = intCount;
    this.#intWords = (intCount + 31) >>> 5;
    this.#bits = new Uint32Array(flows.capacity * this.words);
    this.#intValues = new Uint32Array(flows.capacity * intCount);
    this.#intSet = new Uint32Array(flows.capacity * this.#intWords);
    this.#generation = new Uint32Array(flows.capacity);
  }

  /** Clear the slot's variables when the flow table gave it to a new flow. */
  #fresh(flow: number): void {
    const gen = this.#flows.generation[flow];
    if (this.#generation[flow] === gen) return;
    this.#generation[flow] = gen;
    this.#bits.fill(0, flow * this.words, (flow + 1) * this.words);
    if (this.#intWords > 0) {
      this.#intSet.fill(0, flow * this.#intWords, (flow + 1) * this.#intWords);
    }
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   * @returns whether the bit is set on the flow
   */
  isSet(flow: number, bit: number): boolean {
    if (flow < 0 || (bit >>> 5) >= this.words) return false;
    this.#fresh(flow);
    return (this.#bits[flow * this.words + (bit >>> 5)] & (1 << (bit & 31))) !== 0;
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   */
  set(flow: number, bit: number): void {
    if (flow < 0 || (bit >>> 5) >= this.words) return;
    this.#fresh(flow);
    this.#bits[flow * this.words + (bit >>> 5)] |= 1 << (bit & 31);
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   */
  unset(flow: number, bit: number): void {
    if (flow < 0 || (bit >>> 5) >= this.words) return;
    this.#fresh(flow);
    this.#bits[flow * this.words + (bit >>> 5)] &= ~(1 << (bit & 31));
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   */
  toggle(flow: number, bit: number): void {
    if (flow < 0 || (bit >>> 5) >= this.words) return;
    this.#fresh(flow);
    this.#bits[flow * this.words + (bit >>> 5)] ^= 1 << (bit & 31);
  }

  /**
   * @param flow a flow slot
   * @param id a flowint number
   * @returns whether the flowint has a value on the flow
   */
  intIsSet(flow: number, id: number): boolean {
    if (flow < 0 || id >= this.ints) return false;
    this.#fresh(flow);
    return (this.#intSet[flow * this.#intWords + (id >>> 5)] & (1 << (id & 31))) !== 0;
  }

  /**
   * @param flow a flow slot
   * @param id a flowint number
   * @returns its value (0 when not set)
   */
  intValue(flow: number, id: number): number {
    if (!this.intIsSet(flow, id)) return 0;
    return this.#intValues[flow * this.ints + id];
  }

  /**
   * Give a flowint a value (kept as an unsigned 32-bit number, wrapping).
   *
   * @param flow a flow slot
   * @param id a flowint number
   * @param value the value
   */
  setInt(flow: number, id: number, value: number): void {
    if (flow < 0 || id >= this.ints) return;
    this.#fresh(flow);
    this.#intValues[flow * this.ints + id] = value >>> 0;
    this.#intSet[flow * this.#intWords + (id >>> 5)] |= 1 << (id & 31);
  }
}
