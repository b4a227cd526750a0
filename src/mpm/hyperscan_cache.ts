/**
 * The on-disk cache of compiled Hyperscan databases (as Suricata 8's
 * `detect.sgh-mpm-caching`): a database is stored under a file named by the
 * hash of everything its bytes depend on (the expressions, their flags and
 * offsets, the library version, the CPU features, the mode), so a changed
 * ruleset, library or CPU simply misses.
 *
 * File format: an 8-byte magic `TRSHSDB1`, the SHA-256 of the payload (32 B),
 * then the payload (`hs_serialize_database`). Files are written to a temporary
 * name and renamed, so a reader never sees half a file; a damaged or truncated
 * file (bad magic, checksum, or a payload Hyperscan refuses) is reported once
 * and rebuilt, never fatal. So is a cache directory that cannot be written.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import {
  deserializeDatabase,
  serializeDatabase,
  serializedDatabaseInfo,
} from "../../ffi/hyperscan.ts";
import { errorText, isMissingFile, sha256Hex, writeFileAtomically } from "./cache_files.ts";

const MAGIC = new TextEncoder().encode("TRSHSDB1");
const DIGEST_SIZE = 32;
const HEADER_SIZE = MAGIC.length + DIGEST_SIZE;

/** Options of {@link HyperscanCache}. */
export interface HyperscanCacheOptions {
  /** The directory holding `<key>.hs` files (created on the first store). */
  dir: string;
  /** Where warnings go (default: `console.error` with a `tarsier: warning:` prefix). */
  warn?: (message: string) => void;
}

/** Counters of what a {@link HyperscanCache} did. */
export interface HyperscanCacheCounters {
  /** Databases loaded from a file. */
  hits: number;
  /** Look-ups that found no file (the database was compiled). */
  misses: number;
  /** Files found damaged (the database was compiled and the file rewritten). */
  damaged: number;
  /** Databases written. */
  stored: number;
  /** Writes that failed (the scan goes on without caching). */
  writeFailures: number;
}

/**
 * A directory of compiled databases keyed by content hash.
 *
 * @example
 * ```ts
 * import { HyperscanCache } from "./hyperscan_cache.ts";
 * const cache = new HyperscanCache({ dir: "/tmp/tarsier-cache" });
 * const key = HyperscanCache.key(["5.4.0", "\\x47\\x45\\x54", "8"]);
 * const db = cache.load(key); // null on a miss: compile, then cache.store(key, db)
 * ```
 */
export class HyperscanCache {
  /** The cache directory. */
  readonly dir: string;
  /** What the cache did so far. */
  readonly counters: HyperscanCacheCounters = {
    hits: 0,
    misses: 0,
    damaged: 0,
    stored: 0,
    writeFailures: 0,
  };
  readonly #warn: (message: string) => void;
  #warnedDamaged = false;
  #warnedWrite = false;

  /** @param options the directory and the warning sink */
  constructor(options: HyperscanCacheOptions) {
    this.dir = options.dir;
    this.#warn = options.warn ?? ((m) => console.error(`tarsier: warning: ${m}`));
  }

  /**
   * The cache key of a list of parts: hex SHA-256 over each part's length and text.
   *
   * @param parts everything the compiled database depends on
   * @returns 64 hex digits
   */
  static key(parts: string[]): string {
    // one update over the joined text: the same bytes as one update per
    // length and part (the same key), without two calls into the runtime a part
    let text = "";
    for (const part of parts) text += `${part.length}:${part}`;
    return sha256Hex(text);
  }

  /**
   * The path of a key's file.
   *
   * @param key a key from {@link HyperscanCache.key}
   * @returns `<dir>/<key>.hs`
   */
  pathOf(key: string): string {
    return join(this.dir, `${key}.hs`);
  }

  /**
   * Load the database stored under `key`.
   *
   * @param key the key
   * @param mode the mode the database must have, as `hs_database_info` names
   *   it (e.g. `VECTORED`)
   * @returns the database, or null when there is no usable file
   */
  load(key: string, mode: string): Deno.PointerObject | null {
    const path = this.pathOf(key);
    let file: Uint8Array;
    try {
      file = Deno.readFileSync(path);
    } catch (error) {
      if (isMissingFile(error)) this.counters.misses++;
      else this.#damaged(path, errorText(error));
      return null;
    }
    const problem = checkFile(file);
    if (problem !== null) {
      this.#damaged(path, problem);
      return null;
    }
    const payload = file.subarray(HEADER_SIZE);
    try {
      const info = serializedDatabaseInfo(payload);
      if (!info.includes(`Mode: ${mode}`)) {
        this.#damaged(path, `holds a database of another mode (${info})`);
        return null;
      }
      const db = deserializeDatabase(payload);
      this.counters.hits++;
      return db;
    } catch (error) {
      this.#damaged(path, errorText(error));
      return null;
    }
  }

  /**
   * Store a database under `key` (temporary file + rename). Failures are
   * warned about once and otherwise ignored.
   *
   * @param key the key
   * @param db the database
   */
  store(key: string, db: Deno.PointerObject): void {
    const path = this.pathOf(key);
    try {
      const payload = serializeDatabase(db);
      const file = new Uint8Array(HEADER_SIZE + payload.length);
      file.set(MAGIC, 0);
      file.set(createHash("sha256").update(payload).digest(), MAGIC.length);
      file.set(payload, HEADER_SIZE);
      writeFileAtomically(path, file);
      this.counters.stored++;
    } catch (error) {
      this.counters.writeFailures++;
      if (!this.#warnedWrite) {
        this.#warnedWrite = true;
        this.#warn(`mpm cache: cannot write ${path}: ${errorText(error)}; not caching`);
      }
    }
  }

  #damaged(path: string, reason: string): void {
    this.counters.damaged++;
    if (this.#warnedDamaged) return;
    this.#warnedDamaged = true;
    this.#warn(`mpm cache: ${path} is damaged (${reason}); rebuilding it`);
  }
}

/** Why a cache file's framing is wrong, or null when magic and checksum hold. */
function checkFile(file: Uint8Array): string | null {
  if (file.length <= HEADER_SIZE) return `truncated: ${file.length} bytes`;
  for (let i = 0; i < MAGIC.length; i++) {
    if (file[i] !== MAGIC[i]) return "not a Tarsier Hyperscan cache file";
  }
  const digest = createHash("sha256").update(file.subarray(HEADER_SIZE)).digest();
  for (let i = 0; i < DIGEST_SIZE; i++) {
    if (digest[i] !== file[MAGIC.length + i]) return "checksum mismatch";
  }
  return null;
}
