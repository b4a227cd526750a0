/**
 * `dataset:<isset|isnotset|set|unset>,<name>[, type <t>, load <f>, state <f>,
 * save <f>, memcap <n>, hashsize <n>]` and `datarep:<name>,<op>,<value>[,
 * type <t>, load <f>, memcap <n>, hashsize <n>]` (Suricata 7's
 * detect-dataset.c and detect-datarep.c): the sticky buffer the keyword
 * follows (transforms applied) is looked up in, added to or removed from a
 * named set (see ../datasets.ts).
 *
 * Each is a step of the buffer, run where it stands among the buffer's
 * content/pcre steps, as Suricata 7 runs it inside its content inspection:
 * `set` and `unset` change the set when the inspection reaches them, and
 * match only when they changed it (a value already in the set does not match
 * `set`). An empty buffer matches nothing.
 *
 * @module
 */

import type { BufferTest } from "../content_inspect.ts";
import {
  currentDatasets,
  type Dataset,
  DatasetError,
  type DatasetType,
  datasetTypeOf,
} from "../datasets.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { activeBuffer, addRecord } from "../payload_setup.ts";
import { KeywordError, type SignatureBuilder } from "../signature.ts";

/** dataset commands. */
const Cmd = { ISSET: 0, ISNOTSET: 1, SET: 2, UNSET: 3 } as const;

/** A dataset command on a buffer. */
export class DatasetCommand implements BufferTest {
  /** The set. */
  readonly set: Dataset;
  /** A {@link Cmd}. */
  readonly cmd: number;

  /**
   * @param set the set
   * @param cmd the command
   */
  constructor(set: Dataset, cmd: number) {
    this.set = set;
    this.cmd = cmd;
  }

  /**
   * Suricata's DetectDatasetBufferMatch.
   *
   * @param data the bytes
   * @param start first byte of the buffer
   * @param end one past its last byte
   * @returns true on a match
   */
  test(data: Uint8Array, start: number, end: number): boolean {
    if (end <= start) return false;
    switch (this.cmd) {
      case Cmd.ISSET:
        return this.set.find(data, start, end) >= 0;
      case Cmd.ISNOTSET:
        return this.set.find(data, start, end) < 0;
      case Cmd.SET:
        return this.set.add(data, start, end) === 1;
      default:
        return this.set.remove(data, start, end);
    }
  }
}

/** datarep operators. */
const RepOp = { GT: 0, LT: 1, EQ: 2 } as const;

/** A reputation test on a buffer. */
export class DatarepTest implements BufferTest {
  /** The set. */
  readonly set: Dataset;
  /** A {@link RepOp}. */
  readonly op: number;
  /** The value compared with. */
  readonly value: number;

  /**
   * @param set the set
   * @param op the operator
   * @param value the value compared with
   */
  constructor(set: Dataset, op: number, value: number) {
    this.set = set;
    this.op = op;
    this.value = value;
  }

  /**
   * Suricata's DetectDatarepBufferMatch.
   *
   * @param data the bytes
   * @param start first byte of the buffer
   * @param end one past its last byte
   * @returns true when the value is in the set with a matching reputation
   */
  test(data: Uint8Array, start: number, end: number): boolean {
    if (end <= start) return false;
    const e = this.set.find(data, start, end);
    if (e < 0) return false;
    const rep = this.set.table.repOf(e);
    if (this.op === RepOp.GT) return rep > this.value;
    if (this.op === RepOp.LT) return rep < this.value;
    return rep === this.value;
  }
}

/** One `key value` item of the option, as Suricata's strtok loop splits it. */
interface Item {
  key: string;
  value: string | null;
}

function items(raw: string): Item[] {
  const out: Item[] = [];
  for (const token of raw.split(",")) {
    const t = token.replace(/^[ \t]+/, "").replace(/[ \t]+$/, "");
    if (t === "") continue;
    const sp = t.indexOf(" ");
    if (sp < 0) out.push({ key: t, value: null });
    else out.push({ key: t.slice(0, sp), value: t.slice(sp + 1).replace(/^[ \t]+/, "") });
  }
  return out;
}

function typeOf(keyword: string, value: string): DatasetType {
  const type = datasetTypeOf(value);
  if (type === null) throw new KeywordError(keyword, `bad type ${value}`);
  return type;
}

function sizeOf(keyword: string, key: string, value: string): number {
  const m = /^([0-9]+)\s*(kb|mb|gb|kib|mib|gib)?$/i.exec(value);
  if (m === null) throw new KeywordError(keyword, `invalid value for ${key}: ${value}`);
  return Number(m[1]);
}

function needSticky(builder: SignatureBuilder, keyword: string): number {
  if (builder.currentBuffer < 0) {
    throw new KeywordError(keyword, `${keyword} is only supported for sticky buffers`);
  }
  return activeBuffer(builder, keyword);
}

function checkName(keyword: string, name: string): void {
  if (/[ \t]/.test(name)) throw new KeywordError(keyword, "spaces not allowed in dataset names");
}

function getSet(keyword: string, req: Parameters<ReturnType<typeof currentDatasets>["get"]>[0]) {
  try {
    return currentDatasets().get(req);
  } catch (e) {
    if (e instanceof DatasetError) throw new KeywordError(keyword, e.message);
    throw e;
  }
}

function resolve(keyword: string, fn: () => string): string {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DatasetError) throw new KeywordError(keyword, e.message);
    throw e;
  }
}

registerKeyword({
  name: "dataset",
  description: "match, add or remove the sticky buffer in a named set",
  value: "required",
  setup(builder, value) {
    const buffer = needSticky(builder, "dataset");
    const list = items(value!);
    if (list.length < 2) throw new KeywordError("dataset", "needs a command and a set name");
    const [cmdItem, nameItem, ...options] = list;
    if (cmdItem.value !== null && cmdItem.value !== "") {
      throw new KeywordError("dataset", `bad command ${cmdItem.key} ${cmdItem.value}`);
    }
    if (nameItem.value !== null && nameItem.value !== "") {
      throw new KeywordError("dataset", "spaces not allowed in dataset names");
    }
    const cmd = { isset: Cmd.ISSET, isnotset: Cmd.ISNOTSET, set: Cmd.SET, unset: Cmd.UNSET }[
      cmdItem.key
    ];
    if (cmd === undefined) {
      throw new KeywordError("dataset", `dataset action "${cmdItem.key}" is not supported`);
    }
    const name = nameItem.key;
    checkName("dataset", name);
    let type: DatasetType | null = null;
    let load = "";
    let save = "";
    let state = "";
    let hashsize = 0;
    for (const { key, value: v } of options) {
      if (v === null) throw new KeywordError("dataset", `option ${key} needs a value`);
      switch (key) {
        case "type":
          type = typeOf("dataset", v);
          break;
        case "load":
        case "save":
        case "state": {
          const prev = key === "load" ? load : key === "save" ? save : state;
          if (prev !== "") throw new KeywordError("dataset", `'${key}' can only appear once`);
          if (key === "load") load = v;
          else if (key === "save") save = v;
          else state = v;
          break;
        }
        case "memcap":
          sizeOf("dataset", key, v);
          break;
        case "hashsize":
          hashsize = sizeOf("dataset", key, v);
          break;
          // other options (Suricata 8's format, context_key, ...) are ignored, as Suricata 7 does
      }
    }
    if (state !== "" && (load !== "" || save !== "")) {
      throw new KeywordError("dataset", "'state' can not be mixed with 'load' and 'save'");
    }
    const ruleFile = builder.sig.location.file;
    if (state !== "") {
      save = load = resolve("dataset", () => currentDatasets().savePath(state));
    } else if (save !== "" && load === "") {
      save = resolve("dataset", () => currentDatasets().savePath(save));
    } else if (load !== "" && save === "") {
      load = currentDatasets().loadPath(load, ruleFile);
    }
    const set = getSet("dataset", { name, type, load, save, hashsize });
    addRecord(builder, buffer, {
      type: "buffer_test",
      seq: 0,
      keyword: "dataset",
      test: new DatasetCommand(set, cmd),
    });
  },
});

registerKeyword({
  name: "datarep",
  description: "match the reputation of the sticky buffer in a named set",
  value: "required",
  setup(builder, value) {
    const buffer = needSticky(builder, "datarep");
    const list = items(value!);
    if (list.length < 3) throw new KeywordError("datarep", "missing values");
    const [nameItem, opItem, valueItem, ...options] = list;
    for (const it of [nameItem, opItem, valueItem]) {
      if (it.value !== null) throw new KeywordError("datarep", `unexpected ${it.key} ${it.value}`);
    }
    const name = nameItem.key;
    checkName("datarep", name);
    const op = { ">": RepOp.GT, "<": RepOp.LT, "==": RepOp.EQ }[opItem.key];
    if (op === undefined) {
      throw new KeywordError("datarep", `operator "${opItem.key}" is not supported`);
    }
    if (!/^[0-9]+$/.test(valueItem.key) || Number(valueItem.key) > 65535) {
      throw new KeywordError("datarep", `invalid value ${valueItem.key} (0-65535)`);
    }
    let type: DatasetType | null = null;
    let load = "";
    let hashsize = 0;
    for (const { key, value: v } of options) {
      if (v === null) throw new KeywordError("datarep", `option ${key} needs a value`);
      if (key === "type") type = typeOf("datarep", v);
      else if (key === "load") load = v;
      else if (key === "memcap") sizeOf("datarep", key, v);
      else if (key === "hashsize") hashsize = sizeOf("datarep", key, v);
    }
    if (load !== "" && type === null) {
      throw new KeywordError("datarep", "if load is used type must be set as well");
    }
    if (load !== "") load = currentDatasets().loadPath(load, builder.sig.location.file);
    const set = getSet("datarep", { name, type, load, save: "", hashsize });
    addRecord(builder, buffer, {
      type: "buffer_test",
      seq: 0,
      keyword: "datarep",
      test: new DatarepTest(set, op, Number(valueItem.key)),
    });
  },
});
