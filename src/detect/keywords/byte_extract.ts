/**
 * `byte_extract:nbytes,offset,name[,relative][,multiplier N][,big|little]
 * [,string[,hex|dec|oct]][,align 2|4]`: read a value into a variable that
 * later keywords use by name (Suricata's detect-byte-extract.c). `dce` reads
 * the DCE/RPC transaction's byte order.
 *
 * @module
 */

import { ByteFlag, StepKind } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { parseCNumber } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";
import { addByteRecord } from "./_byte_common.ts";

const OPT = "(?:(?:,\\s*([^\\s,]+)\\s*)|(?:,\\s*([^\\s,]+)\\s+([^\\s,]+)\\s*))?";
const PARSE = new RegExp(
  `^\\s*([0-9]+)\\s*,\\s*(-?[0-9]+)\\s*,\\s*([^\\s,]+)\\s*${OPT.repeat(5)}$`,
);

registerKeyword({
  name: "byte_extract",
  description: "read bytes into a variable",
  value: "required",
  setup(builder, value) {
    const raw = value!;
    const m = PARSE.exec(raw);
    if (m === null) throw new KeywordError("byte_extract", `invalid value ${raw}`);
    const nbytes = Number(m[1]);
    if (nbytes > 255) throw new KeywordError("byte_extract", `invalid number of bytes ${m[1]}`);
    const offset = parseCNumber(m[2], 10, true);
    if (offset === null || offset < -65535 || offset > 65535) {
      throw new KeywordError("byte_extract", `invalid offset ${m[2]}`);
    }
    const name = m[3];
    const args = m.slice(4).filter((x) => x !== undefined);
    let flags = 0;
    let relative = false;
    let multiplier = 0;
    let endian = "";
    let string = false;
    let base = 0;
    let align = 0;
    for (let k = 0; k < args.length; k++) {
      const a = args[k];
      switch (a) {
        case "relative":
          if (relative) throw new KeywordError("byte_extract", "relative given twice");
          relative = true;
          break;
        case "multiplier": {
          if (multiplier !== 0) throw new KeywordError("byte_extract", "multiplier given twice");
          const v = parseCNumber(args[++k] ?? "", 10);
          if (v === null || v < 1 || v > 65535) {
            throw new KeywordError("byte_extract", "invalid multiplier");
          }
          multiplier = v;
          break;
        }
        case "big":
        case "little":
        case "dce":
          if (endian !== "") throw new KeywordError("byte_extract", "endianness given twice");
          endian = a;
          break;
        case "string":
          if (string) throw new KeywordError("byte_extract", "string given twice");
          if (base !== 0) throw new KeywordError("byte_extract", "give string before the base");
          string = true;
          break;
        case "hex":
        case "oct":
        case "dec":
          if (!string) throw new KeywordError("byte_extract", `base ${a} without string`);
          if (base !== 0) throw new KeywordError("byte_extract", "more than one base");
          base = a === "hex" ? 16 : a === "oct" ? 8 : 10;
          break;
        case "align": {
          if (align !== 0) throw new KeywordError("byte_extract", "align given twice");
          const v = Number(args[++k]);
          if (v !== 2 && v !== 4) throw new KeywordError("byte_extract", "align must be 2 or 4");
          align = v;
          break;
        }
        case "":
          break;
        default:
          throw new KeywordError("byte_extract", `invalid option ${a}`);
      }
    }
    if (endian === "dce") flags |= ByteFlag.DCE;
    if (string) {
      if (base === 0) base = 10;
      if (endian !== "") throw new KeywordError("byte_extract", "endianness with string");
      const max = base === 8 ? 23 : base === 10 ? 20 : 14;
      if (nbytes > max) {
        throw new KeywordError("byte_extract", `cannot extract more than ${max} string bytes`);
      }
      flags |= ByteFlag.STRING;
    } else if (nbytes > 8) {
      throw new KeywordError("byte_extract", "cannot extract more than 8 bytes without string");
    }
    if (endian === "little") flags |= ByteFlag.LITTLE;
    if (relative) flags |= ByteFlag.RELATIVE;
    addByteRecord(builder, "byte_extract", {
      type: "byte_extract",
      seq: 0,
      step: {
        kind: StepKind.BYTE_EXTRACT,
        flags,
        nbytes,
        offset,
        base,
        multiplier: multiplier === 0 ? 1 : multiplier,
        align,
        slot: 0,
      },
      name,
    }, relative);
  },
});
