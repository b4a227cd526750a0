/**
 * Flowbits: named boolean flags kept per flow (`flowbits:set,name`). Names
 * are interned to bit numbers when rules load; each flow slot owns a few
 * 32-bit words of a preallocated array. A slot reused by a new flow starts
 * with no bits set (detected by the flow table's generation counter).
 *
 * @module
 */

import type { FlowTable } from "./flow_table.ts";

const names = new Map<string, number>();

/**
 * The bit number of a flowbit name, interned on first use (at rule load).
 *
 * @param name the flowbit name
 * @returns its bit number
 */
export function flowbitId(name: string): number {
  let id = names.get(name);
  if (id === undefined) {
    id = names.size;
    names.set(name, id);
  }
  return id;
}

/** Number of flowbit names interned so far. */
export function flowbitCount(): number {
  return names.size;
}

/** Per-flow bitsets over a flow table's slots. */
export class FlowbitStore {
  /** 32-bit words per flow. */
  readonly words: number;
  readonly #bits: Uint32Array;
  readonly #generation: Uint32Array;
  readonly #flows: FlowTable;

  /**
   * @param flows the flow table whose slots the bits belong to
   * @param bitCount how many flowbit names exist (from {@link flowbitCount})
   */
  constructor(flows: FlowTable, bitCount: number) {
    this.#flows = flows;
    this.words = Math.max(1, (bitCount + 31) >>> 5);
    this.#bits = new Uint32Array(flows.capacity * this.words);
    this.#generation = new Uint32Array(flows.capacity);
  }

  #base(flow: number): number {
    const gen = this.#flows.generation[flow];
    const base = flow * this.words;
    if (this.#generation[flow] !== gen) {
      this.#generation[flow] = gen;
      for (let w = 0; w < this.words; w++) this.#bits[base + w] = 0;
    }
    return base;
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   * @returns whether the bit is set on the flow
   */
  isSet(flow: number, bit: number): boolean {
    if (flow < 0 || (bit >>> 5) >= this.words) return false;
    return (this.#bits[this.#base(flow) + (bit >>> 5)] & (1 << (bit & 31))) !== 0;
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   */
  set(flow: number, bit: number): void {
    if (flow < 0 || (bit >>> 5) >= this.words) return;
    this.#bits[this.#base(flow) + (bit >>> 5)] |= 1 << (bit & 31);
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   */
  unset(flow: number, bit: number): void {
    if (flow < 0 || (bit >>> 5) >= this.words) return;
    this.#bits[this.#base(flow) + (bit >>> 5)] &= ~(1 << (bit & 31));
  }

  /**
   * @param flow a flow slot
   * @param bit a flowbit number
   */
  toggle(flow: number, bit: number): void {
    if (flow < 0 || (bit >>> 5) >= this.words) return;
    this.#bits[this.#base(flow) + (bit >>> 5)] ^= 1 << (bit & 31);
  }
}
