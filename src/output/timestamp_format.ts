/**
 * Timestamps as Suricata 7 writes them, in the LOCAL time zone of the process
 * (the `TZ` environment variable, else /etc/localtime), with microseconds:
 *
 * - EVE: `YYYY-MM-DDTHH:MM:SS.uuuuuu+HHMM` (`strftime("%Y-%m-%dT%H:%M:%S")`,
 *   the microseconds, then `%z`: `+0000` under TZ=UTC, `+0100` / `+0200` in
 *   Europe/Berlin winter / summer, `-0500`, `+0530`, `+0545`).
 * - fast.log: `MM/DD/YYYY-HH:MM:SS.uuuuuu`, local time, no zone.
 *
 * Microseconds are the nanoseconds truncated (`nsec / 1000`, rounded down).
 * The formatters cache the date part of the seconds they formatted last (EVE:
 * eight of them, fast.log: one), so a burst of events in the same second
 * builds its date part once.
 *
 * @module
 */

import type { JsonBytes } from "./json_bytes.ts";

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

function pad6(n: number): string {
  return String(n).padStart(6, "0");
}

/**
 * A UTC offset in minutes east of UTC as `strftime`'s `%z` writes it.
 *
 * @example
 * ```ts
 * formatUtcOffset(60); // "+0100"
 * formatUtcOffset(-300); // "-0500"
 * formatUtcOffset(345); // "+0545"
 * ```
 * @param minutesEast offset in minutes, positive east of Greenwich
 * @returns `+HHMM` or `-HHMM`
 */
export function formatUtcOffset(minutesEast: number): string {
  const sign = minutesEast < 0 ? "-" : "+";
  const m = Math.abs(minutesEast);
  return sign + pad2(Math.floor(m / 60)) + pad2(m % 60);
}

/**
 * The date part (`YYYY-MM-DDTHH:MM:SS.`) and zone of a few recent seconds,
 * in slot `sec & 7`: a record mixes times (a flow record's time, start and
 * end), and each slot is built once per second.
 */
const EVE_SLOTS = 8;
const eveSecs = new Float64Array(EVE_SLOTS).fill(NaN);
const evePrefixes: string[] = new Array(EVE_SLOTS).fill("");
const eveZones: string[] = new Array(EVE_SLOTS).fill("");
const evePrefixBytes: Uint8Array[] = new Array(EVE_SLOTS).fill(new Uint8Array(0));
const eveZoneBytes: Uint8Array[] = new Array(EVE_SLOTS).fill(new Uint8Array(0));
const encoder = new TextEncoder();

/** The slot holding the date part and zone of `sec`. */
function eveSlot(sec: number): number {
  const i = sec & (EVE_SLOTS - 1);
  if (eveSecs[i] === sec) return i;
  const d = new Date(sec * 1000);
  const prefix = d.getFullYear() + "-" + pad2(d.getMonth() + 1) + "-" + pad2(d.getDate()) + "T" +
    pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds()) + ".";
  const zone = formatUtcOffset(-d.getTimezoneOffset());
  evePrefixes[i] = prefix;
  eveZones[i] = zone;
  evePrefixBytes[i] = encoder.encode(prefix);
  eveZoneBytes[i] = encoder.encode(zone);
  eveSecs[i] = sec;
  return i;
}

/**
 * An EVE `timestamp` (also used for `flow.start`): local time with the local
 * UTC offset, as Suricata's `CreateIsoTimeString`.
 *
 * @example
 * ```ts
 * // under TZ=Europe/Berlin
 * formatEveTimestamp(1562318017, 460702000); // "2019-07-05T11:13:37.460702+0200"
 * ```
 * @param sec seconds since the epoch
 * @param nsec nanoseconds within the second (0..999999999)
 * @returns the timestamp text
 */
export function formatEveTimestamp(sec: number, nsec: number): string {
  const i = eveSlot(sec);
  return evePrefixes[i] + pad6(Math.floor(nsec / 1000)) + eveZones[i];
}

/**
 * Write the text of {@link formatEveTimestamp} (without quotes) into `out`.
 *
 * @param out the record being built
 * @param sec seconds since the epoch
 * @param nsec nanoseconds within the second (0..999999999)
 */
export function writeEveTimestamp(out: JsonBytes, sec: number, nsec: number): void {
  const i = eveSlot(sec);
  out.raw(evePrefixBytes[i]);
  out.padded(Math.floor(nsec / 1000), 6);
  out.raw(eveZoneBytes[i]);
}

let fastSec = NaN;
let fastPrefix = "";

/**
 * A fast.log timestamp: local time, `MM/DD/YYYY-HH:MM:SS.uuuuuu`, as
 * Suricata's `CreateTimeString`.
 *
 * @example
 * ```ts
 * // under TZ=UTC
 * formatFastTimestamp(1562318017, 460702000); // "07/05/2019-09:13:37.460702"
 * ```
 * @param sec seconds since the epoch
 * @param nsec nanoseconds within the second
 * @returns the timestamp text
 */
export function formatFastTimestamp(sec: number, nsec: number): string {
  if (sec !== fastSec) {
    const d = new Date(sec * 1000);
    fastPrefix = pad2(d.getMonth() + 1) + "/" + pad2(d.getDate()) + "/" + d.getFullYear() + "-" +
      pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds()) + ".";
    fastSec = sec;
  }
  return fastPrefix + pad6(Math.floor(nsec / 1000));
}
