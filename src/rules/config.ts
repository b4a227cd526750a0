/**
 * Suricata-style configuration (suricata.yaml): loading, `include:`,
 * `--set key=value` overrides and typed accessors.
 *
 * The configuration is a tree of named nodes holding string values, as in
 * Suricata 7 (conf.c, conf-yaml-loader.c):
 * - every scalar is kept as the text written (`yes`, `1024:65535`, `08`);
 *   getBool/getNumber/getSize interpret it when asked; plain `~`, `null`
 *   and empty values are null;
 * - sequence items are children named `0`, `1`, ...; an item that is a
 *   mapping takes its first key as its value (`outputs.1` is `eve-log`, and
 *   `outputs.1.eve-log.enabled` is a key);
 * - `include: file` or `include: [a, b]` merges files at that level and
 *   `key: !include file` puts a file under `key`; relative names are taken
 *   from the main configuration file's folder;
 * - a key defined again replaces the earlier definition; `a.b: x` sets a
 *   nested key; `_` in key names reads as `-` (except variable names);
 * - the file should start with `%YAML 1.1` and `---` (Suricata refuses it
 *   otherwise; here it is a warning).
 *
 * With no file, the defaults are those of Suricata 7's default suricata.yaml
 * (see default_config.ts). A given file replaces them entirely, as in
 * Suricata.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const { config, unknownKeys } = loadConfig({ sets: ["vars.address-groups.HOME_NET=[10.0.0.0/8]"] });
 * config.addressGroups().get("HOME_NET"); // "[10.0.0.0/8]"
 * config.getBool("stream.midstream", false); // false
 * unknownKeys; // []
 * ```
 *
 * @module
 */

import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isAlias, isMap, isScalar, isSeq, type Node, parseDocument } from "yaml";
import { DEFAULT_CONFIG_YAML } from "./default_config.ts";

/** A configuration problem that stops loading (unreadable file, bad YAML, bad --set). */
export class ConfigError extends Error {
  /**
   * Makes the error.
   *
   * @param message one line saying what and where (`file:line:col: ...`)
   */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/** One node of the configuration tree. */
export class ConfigNode {
  /** The key (`enabled`), or the index of a sequence item (`0`). */
  readonly name: string;
  /** The scalar value as written, or the first key of a sequence item that is a mapping; null if none. */
  value: string | null = null;
  /** Child nodes in order. */
  readonly children: ConfigNode[] = [];
  /** Whether the children are the items of a sequence. */
  isSequence = false;

  /**
   * Makes an empty node.
   *
   * @param name the key or sequence index
   */
  constructor(name: string) {
    this.name = name;
  }

  /**
   * A direct child by name.
   *
   * @param name the key
   * @returns the child, if present
   */
  child(name: string): ConfigNode | undefined {
    for (const c of this.children) if (c.name === name) return c;
    return undefined;
  }

  /**
   * A direct child by name, created (at the end) when missing.
   *
   * @param name the key
   * @returns the child
   */
  childOrCreate(name: string): ConfigNode {
    const found = this.child(name);
    if (found !== undefined) return found;
    const c = new ConfigNode(name);
    this.children.push(c);
    return c;
  }

  /**
   * A deep copy.
   *
   * @returns the copy
   */
  clone(): ConfigNode {
    const c = new ConfigNode(this.name);
    c.value = this.value;
    c.isSequence = this.isSequence;
    for (const k of this.children) c.children.push(k.clone());
    return c;
  }

  /** Forgets value and children (before a redefinition). */
  clear(): void {
    this.value = null;
    this.children.length = 0;
    this.isSequence = false;
  }
}

/** Where Suricata installs classification.config and reference.config. */
export const SYSTEM_CLASSIFICATION_FILE = "/etc/suricata/classification.config";
/** Where Suricata installs reference.config. */
export const SYSTEM_REFERENCE_FILE = "/etc/suricata/reference.config";
/** The classification.config bundled with Tarsier (Emerging Threats' copy). */
export const BUNDLED_CLASSIFICATION_FILE: string = bundledPath("classification.config");
/** The reference.config bundled with Tarsier (suricata-verify's copy). */
export const BUNDLED_REFERENCE_FILE: string = bundledPath("reference.config");

function bundledPath(name: string): string {
  const url = new URL(`./data/${name}`, import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : url.href;
}

const TRUE_WORDS = new Set(["1", "yes", "true", "on"]);
const FALSE_WORDS = new Set(["0", "no", "false", "off"]);
const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** A loaded configuration. */
export class SuricataConfig {
  /** The root of the tree (its children are the top-level keys). */
  readonly root: ConfigNode;
  /** The main file it was loaded from; null for the built-in defaults. */
  readonly file: string | null;

  /**
   * Wraps a loaded tree.
   *
   * @param root the tree
   * @param file the main file, or null
   */
  constructor(root: ConfigNode, file: string | null) {
    this.root = root;
    this.file = file;
  }

  /**
   * A node by dotted key (`outputs.1.eve-log.enabled`).
   *
   * @param key the dotted key
   * @returns the node, if present
   */
  get(key: string): ConfigNode | undefined {
    let node: ConfigNode | undefined = this.root;
    for (const part of key.split(".")) {
      node = node.child(part);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /**
   * A value as text.
   *
   * @param key the dotted key
   * @param fallback returned when the key is absent or has no value
   * @returns the value
   */
  getString(key: string, fallback: string): string {
    return this.get(key)?.value ?? fallback;
  }

  /**
   * A yes/no value: `1`, `yes`, `true`, `on` and `0`, `no`, `false`, `off`
   * (any case).
   *
   * @param key the dotted key
   * @param fallback returned when absent or not one of those words
   * @returns the value
   */
  getBool(key: string, fallback: boolean): boolean {
    const v = this.get(key)?.value?.trim().toLowerCase();
    if (v === undefined) return fallback;
    if (TRUE_WORDS.has(v)) return true;
    if (FALSE_WORDS.has(v)) return false;
    return fallback;
  }

  /**
   * A number (decimal, or hexadecimal with `0x`).
   *
   * @param key the dotted key
   * @param fallback returned when absent or not a number
   * @returns the value
   */
  getNumber(key: string, fallback: number): number {
    const v = this.get(key)?.value?.trim();
    if (v === undefined || v === "") return fallback;
    const n = Number(v);
    return Number.isFinite(n) ? n : fallback;
  }

  /**
   * A size in bytes: a number with an optional unit `kb`, `mb`, `gb` (powers
   * of 1024, any case, `k`/`kib` too), e.g. `64mb`.
   *
   * @param key the dotted key
   * @param fallback returned when absent or malformed
   * @returns the size in bytes
   */
  getSize(key: string, fallback: number): number {
    const v = this.get(key)?.value?.trim().toLowerCase();
    if (v === undefined) return fallback;
    const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)$/.exec(v);
    if (m === null || !(m[2] in SIZE_UNITS)) return fallback;
    return Math.round(Number(m[1]) * SIZE_UNITS[m[2]]);
  }

  /**
   * The children of a node as name -> value (null values as "").
   *
   * @param key the dotted key
   * @returns the map (empty when absent)
   */
  getMap(key: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of this.get(key)?.children ?? []) out.set(c.name, c.value ?? "");
    return out;
  }

  /**
   * The values of a sequence (or of any node's children).
   *
   * @param key the dotted key
   * @returns the item values (empty when absent)
   */
  getList(key: string): string[] {
    const out: string[] = [];
    for (const c of this.get(key)?.children ?? []) if (c.value !== null) out.push(c.value);
    return out;
  }

  /**
   * Sets a value, creating the nodes on the way (as `--set` does).
   *
   * @param key the dotted key
   * @param value the value as text
   */
  set(key: string, value: string | null): void {
    let node = this.root;
    for (const part of key.split(".")) node = node.childOrCreate(part);
    node.value = value;
  }

  /**
   * The address variables (`vars.address-groups`).
   *
   * @returns name (without `$`) -> value
   */
  addressGroups(): Map<string, string> {
    return this.getMap("vars.address-groups");
  }

  /**
   * The port variables (`vars.port-groups`).
   *
   * @returns name (without `$`) -> value
   */
  portGroups(): Map<string, string> {
    return this.getMap("vars.port-groups");
  }

  /**
   * The classification file to read: `classification-file`, except that the
   * system default (/etc/suricata/classification.config) is replaced by the
   * bundled copy when it does not exist.
   *
   * @returns a path
   */
  classificationFile(): string {
    const v = this.getString("classification-file", SYSTEM_CLASSIFICATION_FILE);
    if (v === SYSTEM_CLASSIFICATION_FILE && !exists(v)) return BUNDLED_CLASSIFICATION_FILE;
    return v;
  }

  /**
   * The reference file to read: `reference-config-file`, with the same
   * fallback to the bundled copy as classificationFile.
   *
   * @returns a path
   */
  referenceConfigFile(): string {
    const v = this.getString("reference-config-file", SYSTEM_REFERENCE_FILE);
    if (v === SYSTEM_REFERENCE_FILE && !exists(v)) return BUNDLED_REFERENCE_FILE;
    return v;
  }

  /**
   * The rule files: each `rule-files` item, joined to `default-rule-path`
   * unless absolute.
   *
   * @returns paths
   */
  ruleFiles(): string[] {
    const base = this.getString("default-rule-path", "");
    return this.getList("rule-files").map((
      f,
    ) => (isAbsolute(f) || base === "" ? f : join(base, f)));
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

// ---------------------------------------------------------------- YAML loading

interface LoadContext {
  /** Folder that relative includes are taken from. */
  dir: string;
  /** Files being loaded (to refuse include cycles). */
  stack: string[];
  /** Non-fatal notes. */
  warnings: string[];
}

const NULL_WORDS = new Set(["", "~", "null", "Null", "NULL"]);

function scalarText(node: Node): string | null {
  if (!isScalar(node)) return null;
  const src = (node as { source?: unknown }).source;
  const text = typeof src === "string" ? src : node.value === null ? "" : String(node.value);
  if (node.type === "PLAIN" && NULL_WORDS.has(text)) return null;
  return text;
}

function position(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return `${line}:${col}`;
}

function loadYamlText(parent: ConfigNode, text: string, file: string, ctx: LoadContext): void {
  const doc = parseDocument(text, { version: "1.1", uniqueKeys: false, keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new ConfigError(`${file}:${position(text, e.pos[0])}: ${e.message.split("\n")[0]}`);
  }
  if (!/^(\ufeff)?%YAML 1\.1\b/.test(text)) {
    ctx.warnings.push(
      `${file}:1:1: the file does not start with "%YAML 1.1" and "---" (Suricata refuses such a file)`,
    );
  }
  const where = (node: Node | null | undefined) =>
    `${file}:${position(text, node?.range?.[0] ?? 0)}`;

  const include = (target: ConfigNode, name: string, at: Node) => {
    const path = isAbsolute(name) ? name : join(ctx.dir, name);
    const full = resolve(path);
    if (ctx.stack.includes(full)) {
      throw new ConfigError(`${where(at)}: "${name}" includes itself`);
    }
    let included: string;
    try {
      included = Deno.readTextFileSync(path);
    } catch (e) {
      throw new ConfigError(`${where(at)}: cannot include "${name}": ${reason(e)}`);
    }
    ctx.stack.push(full);
    loadYamlText(target, included, path, ctx);
    ctx.stack.pop();
  };

  const applyValue = (node: ConfigNode, v: Node | null, mangle: boolean) => {
    if (v !== null && isAlias(v)) v = v.resolve(doc) ?? null;
    if (v === null) return;
    if (isMap(v)) {
      applyMap(node, v.items, mangle);
    } else if (isSeq(v)) {
      node.isSequence = true;
      let index = 0;
      for (let item of v.items as (Node | null)[]) {
        if (item !== null && isAlias(item)) item = item.resolve(doc) ?? null;
        const child = node.childOrCreate(String(index++));
        child.clear();
        if (item === null) continue;
        if (isMap(item)) {
          child.isSequence = true;
          applyMap(child, item.items, true);
        } else {
          applyValue(child, item, true);
        }
      }
    } else if (isScalar(v)) {
      const s = scalarText(v);
      if (v.tag === "!include" && s !== null) include(node, s, v);
      else node.value = s;
    }
  };

  const applyMap = (
    node: ConfigNode,
    items: { key: unknown; value: unknown }[],
    mangle: boolean,
  ) => {
    let includes = 0;
    for (const pair of items) {
      const keyNode = pair.key as Node | null;
      const valueNode = (pair.value ?? null) as Node | null;
      const key = keyNode === null ? null : scalarText(keyNode);
      if (key === null || key === "") {
        if (keyNode === null) continue;
        throw new ConfigError(`${where(keyNode)}: a key must be a plain text`);
      }
      if (key === "include") {
        if (++includes > 1) {
          ctx.warnings.push(
            `${where(keyNode)}: several "include" keys at one level (use a list of files)`,
          );
        }
        if (valueNode !== null && isSeq(valueNode)) {
          for (const item of valueNode.items as Node[]) {
            const name = scalarText(item);
            if (name !== null) include(node, name, item);
          }
        } else if (valueNode !== null && isScalar(valueNode)) {
          const name = scalarText(valueNode);
          if (name !== null) include(node, name, valueNode);
        } else if (valueNode !== null) {
          throw new ConfigError(
            `${where(valueNode)}: "include" must name a file or a list of files`,
          );
        }
        continue;
      }
      let target: ConfigNode;
      if (key.includes(".")) {
        target = node;
        for (const part of key.split(".")) target = target.childOrCreate(part);
      } else {
        const name = mangle && key.includes("_") ? key.replaceAll("_", "-") : key;
        if (name !== key) {
          ctx.warnings.push(`${where(keyNode)}: "${key}" is deprecated, use "${name}"`);
        }
        if (node.isSequence && node.value === null) node.value = name;
        const existing = node.child(name);
        if (existing !== undefined) existing.clear();
        target = existing ?? node.childOrCreate(name);
      }
      const childMangle = !(target.name === "address-groups" || target.name === "port-groups");
      applyValue(target, valueNode, childMangle);
    }
  };

  const contents = doc.contents as Node | null;
  if (contents === null) return;
  if (isMap(contents)) applyMap(parent, contents.items, true);
  else if (isScalar(contents) && scalarText(contents) === null) return;
  else if (parent.name !== "") applyValue(parent, contents, true); // `key: !include file`
  else throw new ConfigError(`${where(contents)}: the configuration must be a mapping`);
}

function reason(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return e instanceof Error ? e.message : String(e);
}

let defaultTree: ConfigNode | null = null;

function defaults(): ConfigNode {
  if (defaultTree === null) {
    const root = new ConfigNode("");
    loadYamlText(root, DEFAULT_CONFIG_YAML, "<default suricata.yaml>", {
      dir: ".",
      stack: [],
      warnings: [],
    });
    defaultTree = root;
  }
  return defaultTree;
}

/** What loading a configuration gives. */
export interface LoadedConfig {
  /** The configuration with the overrides applied. */
  config: SuricataConfig;
  /**
   * The `--set` keys that the default configuration does not have (a typo,
   * or a setting Tarsier may not know): the caller prints a note. Children
   * of `vars.address-groups`/`vars.port-groups`, new sequence items and
   * children of empty settings count as known.
   */
  unknownKeys: string[];
  /** Non-fatal notes (missing %YAML header, deprecated `_` in keys, ...). */
  warnings: string[];
}

/** Options of loadConfig. */
export interface LoadConfigOptions {
  /** The suricata.yaml to read; the built-in defaults when absent. */
  file?: string;
  /** `key=value` overrides applied after loading, in order. */
  sets?: readonly string[];
}

/**
 * Loads a configuration: a suricata.yaml (with its includes), or the
 * defaults, then the `--set` overrides.
 *
 * @param options the file and the overrides
 * @returns the configuration, the unknown override keys and the warnings
 * @throws {ConfigError} when a file cannot be read, is not valid YAML, or an
 *   override is not `key=value`
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  if (options.file === undefined) {
    return applySets(new SuricataConfig(defaults().clone(), null), options.sets ?? [], []);
  }
  let text: string;
  try {
    text = Deno.readTextFileSync(options.file);
  } catch (e) {
    throw new ConfigError(`${options.file}: cannot read the configuration: ${reason(e)}`);
  }
  return loadConfigText(text, { file: options.file, sets: options.sets });
}

/**
 * Loads a configuration from YAML text.
 *
 * @param text the YAML
 * @param options `file`: its name, for messages and as the base of relative
 *   includes (the current folder when absent); `sets`: overrides
 * @returns the configuration, the unknown override keys and the warnings
 * @throws {ConfigError} as loadConfig
 */
export function loadConfigText(text: string, options: LoadConfigOptions = {}): LoadedConfig {
  const file = options.file ?? "<config>";
  const warnings: string[] = [];
  const root = new ConfigNode("");
  const full = options.file === undefined ? null : resolve(options.file);
  loadYamlText(root, text, file, {
    dir: options.file === undefined ? "." : dirname(options.file),
    stack: full === null ? [] : [full],
    warnings,
  });
  return applySets(new SuricataConfig(root, options.file ?? null), options.sets ?? [], warnings);
}

function applySets(
  config: SuricataConfig,
  sets: readonly string[],
  warnings: string[],
): LoadedConfig {
  const unknownKeys: string[] = [];
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new ConfigError(`invalid --set "${s}": expected key=value`);
    const key = s.slice(0, eq).trim();
    const value = s.slice(eq + 1).trim();
    if (key === "" || key.split(".").some((p) => p === "")) {
      throw new ConfigError(`invalid --set "${s}": malformed key`);
    }
    if (!isKnownKey(key, config)) unknownKeys.push(key);
    config.set(key, value);
  }
  return { config, unknownKeys, warnings };
}

function isKnownKey(key: string, config: SuricataConfig): boolean {
  if (config.get(key) !== undefined) return true;
  let node: ConfigNode = defaults();
  for (const part of key.split(".")) {
    const next = node.child(part);
    if (next === undefined) {
      return node.name === "address-groups" || node.name === "port-groups" || node.isSequence ||
        (node.value === null && node.children.length === 0);
    }
    node = next;
  }
  return true;
}
