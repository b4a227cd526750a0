/**
 * Datasets (Suricata 7's datasets.c): named sets of strings, MD5 or SHA-256
 * digests, IPv4 or IPv6 addresses that the `dataset` and `datarep` keywords
 * look buffers up in, add buffers to or remove them from.
 *
 * Sets are declared by the `datasets:` section of suricata.yaml (`type`,
 * `load` or `state`, `memcap`, `hashsize`) or by the first rule naming them
 * (`type` required then). Files hold one value a line, optionally followed by
 * `,<reputation>` (0-65535): strings base64-encoded, digests in hex,
 * addresses in text form (an IPv4-mapped IPv6 address is stored as IPv4).
 *
 * File locations, as Suricata resolves them:
 * - a rule's `load`: relative to the rule file's folder when the file is
 *   there, else to `default-rule-path`;
 * - a rule's `save` and `state`: relative to the data directory
 *   (`default-data-dir`, `--data-dir`); absolute names and `..` are refused
 *   unless `datasets.rules.allow-absolute-filenames` is true, and both are
 *   refused when `datasets.rules.allow-write` is false;
 * - the yaml's `state` and `load`: relative to the data directory (a `load`
 *   missing there is taken as given).
 *
 * A `state` file is created when missing (it is opened for appending, as
 * Suricata does); sets with a `save` or `state` file are written by
 * {@link DatasetRegistry.saveAll} when the scan ends, never before.
 *
 * One registry belongs to one ruleset load ({@link openDatasets}); the
 * keywords find it with {@link currentDatasets}.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { dirname, isAbsolute, join } from "node:path";
import { formatIpv4, formatIpv6, ipv6Bytes, parseIpv4, parseIpv6 } from "../rules/address.ts";
import type { SuricataConfig } from "../rules/config.ts";
import { DatasetTable } from "./dataset_table.ts";

/** Suricata's DEFAULT_DATA_DIR (`$LOCALSTATEDIR/lib/suricata/data`). */
export const DEFAULT_DATA_DIR = "/var/lib/suricata/data";

/** Suricata's DATASETS_HASHSIZE_DEFAULT. */
const DEFAULT_HASHSIZE = 4096;

/** Suricata's DATASET_NAME_MAX_LEN. */
const NAME_MAX = 63;

/** Data types of a set. `ip` is `ipv6` (IPv4 addresses are kept in its first 4 bytes). */
export type DatasetType = "string" | "md5" | "sha256" | "ipv4" | "ipv6";

/**
 * The type named in a rule or the yaml.
 *
 * @param text `string`, `md5`, `sha256`, `ipv4`, `ipv6` or `ip`
 * @returns the type, or null when unknown
 */
export function datasetTypeOf(text: string): DatasetType | null {
  switch (text) {
    case "string":
    case "md5":
    case "sha256":
    case "ipv4":
    case "ipv6":
      return text;
    case "ip":
      return "ipv6";
    default:
      return null;
  }
}

/** A dataset problem: the rule (or yaml entry) that caused it is not loaded. */
export class DatasetError extends Error {
  /** @param message what is wrong, with the set name and file */
  constructor(message: string) {
    super(message);
    this.name = "DatasetError";
  }
}

/** One named set. */
export class Dataset {
  /** Its name. */
  readonly name: string;
  /** Its data type. */
  readonly type: DatasetType;
  /** Resolved path it was loaded from ("" if none). */
  readonly load: string;
  /** Resolved path it is saved to at exit ("" if none). */
  readonly save: string;
  /** The values. */
  readonly table: DatasetTable;
  /** Zero-padded key for an IPv4 address looked up in an ipv6 set. */
  readonly #ip4in6 = new Uint8Array(16);

  /**
   * An empty set.
   *
   * @param name its name
   * @param type its data type
   * @param load resolved load path or ""
   * @param save resolved save path or ""
   * @param hashsize expected number of entries
   */
  constructor(name: string, type: DatasetType, load: string, save: string, hashsize: number) {
    this.name = name;
    this.type = type;
    this.load = load;
    this.save = save;
    this.table = new DatasetTable(Math.min(Math.max(hashsize, 16), 1 << 16));
  }

  /**
   * The entry holding a buffer's value (Suricata's DatasetLookup: a digest
   * or address of the wrong length is never found).
   *
   * @param data the bytes
   * @param start first byte
   * @param end one past the last byte
   * @returns the entry, -1 when absent, -2 when the value cannot be in this set
   */
  find(data: Uint8Array, start: number, end: number): number {
    const len = end - start;
    switch (this.type) {
      case "string":
        return this.table.find(data, start, end);
      case "md5":
        return len === 16 ? this.table.find(data, start, end) : -2;
      case "sha256":
        return len === 32 ? this.table.find(data, start, end) : -2;
      case "ipv4":
        return len === 4 ? this.table.find(data, start, end) : -2;
      case "ipv6":
        if (len === 16) return this.table.find(data, start, end);
        if (len !== 4) return -2;
        return this.table.find(this.#padded(data, start), 0, 16);
    }
  }

  /**
   * Add a buffer's value (Suricata's DatasetAdd).
   *
   * @param data the bytes
   * @param start first byte
   * @param end one past the last byte
   * @param rep reputation value
   * @returns 1 when added, 0 when present already, -1 when it cannot be in this set
   */
  add(data: Uint8Array, start: number, end: number, rep = 0): number {
    const len = end - start;
    if (this.type === "ipv6" && len === 4) {
      return this.table.add(this.#padded(data, start), 0, 16, rep) ? 1 : 0;
    }
    if (len !== this.#keyLength(len)) return -1;
    return this.table.add(data, start, end, rep) ? 1 : 0;
  }

  /**
   * Remove a buffer's value (Suricata's DatasetRemove).
   *
   * @param data the bytes
   * @param start first byte
   * @param end one past the last byte
   * @returns true when it was there
   */
  remove(data: Uint8Array, start: number, end: number): boolean {
    const len = end - start;
    if (this.type === "ipv6" && len === 4) {
      return this.table.remove(this.#padded(data, start), 0, 16);
    }
    if (len !== this.#keyLength(len)) return false;
    return this.table.remove(data, start, end);
  }

  /** The key length the type needs (any for strings). */
  #keyLength(len: number): number {
    switch (this.type) {
      case "string":
        return len;
      case "md5":
        return 16;
      case "sha256":
        return 32;
      case "ipv4":
        return 4;
      case "ipv6":
        return 16;
    }
  }

  #padded(data: Uint8Array, start: number): Uint8Array {
    const k = this.#ip4in6;
    k[0] = data[start];
    k[1] = data[start + 1];
    k[2] = data[start + 2];
    k[3] = data[start + 3];
    return k;
  }

  /**
   * Read the load file (Suricata's DatasetLoad*). A `state` file that does
   * not exist is created empty.
   *
   * @throws {DatasetError} when the file cannot be read or a line is malformed
   */
  loadFile(): void {
    if (this.load === "") return;
    let text: string;
    try {
      if (this.save === this.load) {
        // Suricata opens a state file with "a+": created when missing
        Deno.writeFileSync(this.load, new Uint8Array(0), { append: true });
      }
      text = new TextDecoder("latin1").decode(Deno.readFileSync(this.load));
    } catch (e) {
      throw new DatasetError(
        `dataset ${this.name}: cannot open ${this.load}: ${e instanceof Error ? e.message : e}`,
      );
    }
    const lines = text.split("\n");
    for (let n = 0; n < lines.length; n++) {
      let line = lines[n];
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (line === "") continue;
      const problem = this.#loadLine(line);
      if (problem !== null) {
        throw new DatasetError(`dataset ${this.name}: ${this.load}:${n + 1}: ${problem}`);
      }
    }
  }

  /** Add one line of a data file; returns what is wrong with it, or null. */
  #loadLine(line: string): string | null {
    const comma = line.indexOf(",");
    const value = comma < 0 ? line : line.slice(0, comma);
    let rep = 0;
    if (comma >= 0) {
      const r = line.slice(comma + 1);
      if (!/^[0-9]+$/.test(r) || Number(r) > 65535) {
        return `'${r}' is not a valid reputation value (0-65535)`;
      }
      rep = Number(r);
    }
    const key = parseValue(this.type, value);
    if (key === null) return `bad ${this.type} value '${value}'`;
    this.table.add(key, 0, key.length, rep);
    return null;
  }

  /**
   * The set in file form (Suricata's DatasetsSave): one value a line.
   *
   * @returns the file text
   */
  serialize(): string {
    let out = "";
    this.table.forEach((key) => {
      out += formatValue(this.type, key) + "\n";
    });
    return out;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A value of a data file as the bytes the set keeps.
 *
 * @param type the set's type
 * @param text the value as written
 * @returns the key, or null when malformed
 */
export function parseValue(type: DatasetType, text: string): Uint8Array | null {
  switch (type) {
    case "string": {
      if (!BASE64.test(text) || text.length % 4 === 1) return null;
      return new Uint8Array(Buffer.from(text, "base64"));
    }
    case "md5":
    case "sha256": {
      const n = type === "md5" ? 32 : 64;
      if (text.length !== n || !/^[0-9a-fA-F]+$/.test(text)) return null;
      return new Uint8Array(Buffer.from(text, "hex"));
    }
    case "ipv4": {
      const v = parseIpv4(text);
      return v < 0 ? null : ipv4Bytes(v, 4);
    }
    case "ipv6": {
      if (!text.includes(":")) {
        const v = parseIpv4(text);
        return v < 0 ? null : ipv4Bytes(v, 16);
      }
      const v = parseIpv6(text);
      if (v === null) return null;
      if (v >> 32n === 0xffffn) return ipv4Bytes(Number(v & 0xffffffffn), 16);
      return ipv6Bytes(v);
    }
  }
}

function ipv4Bytes(v: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  out[0] = v >>> 24;
  out[1] = (v >>> 16) & 255;
  out[2] = (v >>> 8) & 255;
  out[3] = v & 255;
  return out;
}

/**
 * A key in file form.
 *
 * @param type the set's type
 * @param key the bytes
 * @returns base64, hex or an address
 */
export function formatValue(type: DatasetType, key: Uint8Array): string {
  switch (type) {
    case "string":
      return Buffer.from(key).toString("base64");
    case "md5":
    case "sha256":
      return Buffer.from(key).toString("hex");
    case "ipv4":
      return formatIpv4(((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) >>> 0);
    case "ipv6": {
      if (key.subarray(4).every((b) => b === 0)) {
        return formatIpv4(((key[0] << 24) | (key[1] << 16) | (key[2] << 8) | key[3]) >>> 0);
      }
      let v = 0n;
      for (const b of key) v = (v << 8n) | BigInt(b);
      return formatIpv6(v);
    }
  }
}

/** Options of a set as a rule or the yaml gives them. */
export interface DatasetRequest {
  /** The set name. */
  name: string;
  /** Its type, null when not given (the set must exist then). */
  type: DatasetType | null;
  /** Resolved load path ("" if none). */
  load: string;
  /** Resolved save path ("" if none). */
  save: string;
  /** Expected entries (0: default). */
  hashsize: number;
}

/** The datasets of one ruleset. */
export class DatasetRegistry {
  /** Sets by name. */
  readonly sets: Map<string, Dataset> = new Map();
  /** The data directory (save and state files of rules). */
  readonly dataDir: string;
  /** `default-rule-path`, "" when not set. */
  readonly ruleDir: string;
  /** `datasets.rules.allow-absolute-filenames`. */
  readonly allowAbsolute: boolean;
  /** `datasets.rules.allow-write`. */
  readonly allowWrite: boolean;
  /** `datasets.defaults.hashsize`. */
  readonly defaultHashsize: number;
  /** Problems with sets of the yaml (those sets are not defined). */
  readonly configErrors: string[] = [];

  /** @param config the configuration, or null for the defaults */
  constructor(config: SuricataConfig | null) {
    this.dataDir = config?.getString("default-data-dir", DEFAULT_DATA_DIR) ?? DEFAULT_DATA_DIR;
    this.ruleDir = config?.getString("default-rule-path", "") ?? "";
    this.allowAbsolute = config?.getBool("datasets.rules.allow-absolute-filenames", false) ??
      false;
    this.allowWrite = config?.getBool("datasets.rules.allow-write", true) ?? true;
    this.defaultHashsize = config?.getNumber("datasets.defaults.hashsize", DEFAULT_HASHSIZE) ??
      DEFAULT_HASHSIZE;
    if (config !== null) this.#defineFromConfig(config);
  }

  /** Suricata's DatasetsInit: the sets of the yaml's `datasets:` section. */
  #defineFromConfig(config: SuricataConfig): void {
    for (const node of config.get("datasets")?.children ?? []) {
      if (["defaults", "limits", "rules"].includes(node.name)) continue;
      const typeText = node.child("type")?.value;
      if (typeText === undefined || typeText === null) continue;
      const type = datasetTypeOf(typeText);
      if (type === null) {
        this.configErrors.push(`datasets.${node.name}: unknown type ${typeText}`);
        continue;
      }
      let load = "";
      let save = "";
      const state = node.child("state")?.value;
      const loadText = node.child("load")?.value;
      if (state) {
        save = load = isAbsolute(state) ? state : join(this.dataDir, state);
      } else if (loadText) {
        load = isAbsolute(loadText) ? loadText : join(this.dataDir, loadText);
        if (!exists(load)) load = loadText;
      }
      const hashsize = Number(node.child("hashsize")?.value ?? 0) || 0;
      try {
        this.get({ name: node.name, type, load, save, hashsize });
      } catch (e) {
        if (!(e instanceof DatasetError)) throw e;
        this.configErrors.push(`datasets.${node.name}: ${e.message}`);
      }
    }
  }

  /**
   * Where a rule's `load` file is (Suricata's SetupLoadPath): next to the
   * rule file when it exists there, else under `default-rule-path`.
   *
   * @param file the name given
   * @param ruleFile the rule file
   * @returns the path
   */
  loadPath(file: string, ruleFile: string): string {
    if (isAbsolute(file)) return file;
    const beside = join(dirname(ruleFile), file);
    if (exists(beside)) return beside;
    const underRules = this.ruleDir !== "" ? join(this.ruleDir, file) : file;
    return exists(underRules) ? underRules : file;
  }

  /**
   * Where a rule's `save` or `state` file is (Suricata's SetupSavePath).
   *
   * @param file the name given
   * @returns the path under the data directory
   * @throws {DatasetError} when writing is disabled or the name is refused
   */
  savePath(file: string): string {
    if (!this.allowWrite) {
      throw new DatasetError("rules containing save/state datasets have been disabled");
    }
    if (!this.allowAbsolute) {
      if (isAbsolute(file)) throw new DatasetError(`absolute paths not allowed: ${file}`);
      if (file.split(/[\\/]/).includes("..")) {
        throw new DatasetError(`directory traversals not allowed: ${file}`);
      }
    }
    return join(this.dataDir, file);
  }

  /**
   * The set of a name, created (and loaded) on first use (Suricata's
   * DatasetGet).
   *
   * @param req name, type, files
   * @returns the set
   * @throws {DatasetError} on a type or file mismatch, an undefined set, a bad file
   */
  get(req: DatasetRequest): Dataset {
    if (req.name.length > NAME_MAX) throw new DatasetError(`dataset name ${req.name} too long`);
    const known = this.sets.get(req.name);
    if (known !== undefined) {
      if (req.type !== null && known.type !== req.type) {
        throw new DatasetError(`dataset ${req.name} already exists and is of type ${known.type}`);
      }
      if (req.save !== "" || req.load !== "") {
        if (known.save !== req.save) {
          throw new DatasetError(`dataset ${req.name} save mismatch: ${known.save} != ${req.save}`);
        }
        if (known.load !== req.load) {
          throw new DatasetError(`dataset ${req.name} load mismatch: ${known.load} != ${req.load}`);
        }
      }
      return known;
    }
    if (req.type === null) throw new DatasetError(`dataset ${req.name} not defined`);
    const set = new Dataset(
      req.name,
      req.type,
      req.load,
      req.save,
      req.hashsize > 0 ? req.hashsize : this.defaultHashsize,
    );
    set.loadFile();
    this.sets.set(req.name, set);
    return set;
  }

  /**
   * Write every set that has a `save` or `state` file (at the end of a scan).
   *
   * @returns problems (a file that could not be written), empty when all went well
   */
  saveAll(): string[] {
    const problems: string[] = [];
    for (const set of this.sets.values()) {
      if (set.save === "") continue;
      try {
        Deno.writeTextFileSync(set.save, set.serialize());
      } catch (e) {
        problems.push(
          `dataset ${set.name}: cannot write ${set.save}: ${e instanceof Error ? e.message : e}`,
        );
      }
    }
    return problems;
  }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

let current: DatasetRegistry | null = null;

/**
 * Start the datasets of a ruleset load: a fresh registry with the yaml's
 * sets, which the `dataset`/`datarep` keywords of the rules compiled next use.
 *
 * @param config the configuration
 * @returns the registry
 */
export function openDatasets(config: SuricataConfig | null): DatasetRegistry {
  current = new DatasetRegistry(config);
  return current;
}

/**
 * The registry the rules being compiled use (one with default settings when
 * no ruleset load opened one, e.g. a rule compiled on its own).
 *
 * @returns the registry
 */
export function currentDatasets(): DatasetRegistry {
  current ??= new DatasetRegistry(null);
  return current;
}
