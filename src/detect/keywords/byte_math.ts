/**
 * `byte_math:bytes N, offset N, oper +|-|*|/|<<|>>, rvalue N|var, result name
 * [, relative][, endian big|little][, string hex|dec|oct][, bitmask 0xN]`
 * (Suricata's detect-bytemath.c and rust/src/detect/byte_math.rs). `dce`
 * reads the DCE/RPC transaction's byte order.
 *
 * @module
 */

import { ByteFlag, MathOp, StepKind } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { variableSlot } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";
import { addByteRecord } from "./_byte_common.ts";

const OPERS: Record<string, number> = {
  "+": MathOp.ADD,
  "-": MathOp.SUB,
  "/": MathOp.DIV,
  "*": MathOp.MUL,
  "<<": MathOp.SHL,
  ">>": MathOp.SHR,
};

/** Rust's `is_not(",;: \n\r\t")` token with leading blanks skipped. */
function token(text: string): string {
  const m = /^\s*([^\n\r\t,;: ]+)/.exec(text);
  return m === null ? "" : m[1];
}

registerKeyword({
  name: "byte_math",
  description: "compute with bytes read from the buffer and store the result",
  value: "required",
  setup(builder, value) {
    const raw = value!;
    const err = (message: string): never => {
      throw new KeywordError("byte_math", message);
    };
    const parts = raw.split(",");
    if (parts.some((p) => p.trim() === "")) err(`invalid value ${raw}`);
    if (parts.length < 5 || parts.length > 10) err("needs 5 to 10 comma-separated values");
    let flags = 0;
    let nbytes = -1;
    let nbytesVar: string | null = null;
    let offset: number | null = null;
    let oper = -1;
    let rvalue = -1;
    let rvalueVar: string | null = null;
    let result: string | null = null;
    let endian = "";
    let base = 10;
    let string = false;
    let relative = false;
    let bitmask = -1;
    for (const part of parts) {
      const p = part.replace(/^\s+/, "");
      const m = /^(\S+)(.*)$/s.exec(p)!;
      const name = m[1].trim();
      const val = m[2].trim();
      switch (name) {
        case "oper":
          if (oper >= 0) err("operator already set");
          if (OPERS[val] === undefined) err(`unknown oper value ${val}`);
          oper = OPERS[val];
          break;
        case "result":
          if (result !== null) err("result already set");
          result = val;
          break;
        case "rvalue": {
          if (rvalue >= 0 || rvalueVar !== null) err("rvalue already set");
          const t = token(val);
          if (/^\d+$/.test(t)) {
            if (Number(t) > 0xffffffff) err(`invalid rvalue ${t}`);
            rvalue = Number(t);
          } else {
            rvalueVar = t;
          }
          break;
        }
        case "endian":
          if (endian !== "") err("endianness already set");
          if (val !== "big" && val !== "little" && val !== "dce") err(`invalid endian ${val}`);
          endian = val;
          break;
        case "dce":
          if (endian !== "") err("endianness already set");
          endian = "dce";
          break;
        case "string":
          if (string) err("string already set");
          if (val !== "hex" && val !== "oct" && val !== "dec") err(`invalid string value ${val}`);
          base = val === "hex" ? 16 : val === "oct" ? 8 : 10;
          string = true;
          break;
        case "relative":
          if (relative) err("relative already set");
          relative = true;
          break;
        case "bitmask": {
          if (bitmask >= 0) err("bitmask already set");
          const h = val.replace(/^0[xX]/, "");
          if (!/^[0-9a-fA-F]{1,8}$/.test(h)) err(`invalid bitmask ${val}`);
          bitmask = parseInt(h, 16);
          break;
        }
        case "offset": {
          if (offset !== null) err("offset already set");
          if (!/^[+-]?\d+$/.test(val)) err(`invalid offset ${val}`);
          const v = Number(val);
          if (v > 65535 || v < -65535) err(`invalid offset ${val}`);
          offset = v;
          break;
        }
        case "bytes": {
          if (nbytes >= 0 || nbytesVar !== null) err("bytes already set");
          const t = token(val);
          if (/^\d+$/.test(t)) {
            const v = Number(t);
            if (v < 1 || v > 10) err("bytes must be between 1 and 10");
            nbytes = v;
          } else {
            nbytesVar = t;
          }
          break;
        }
        default:
          err(`unknown byte_math keyword ${name}`);
      }
    }
    if (oper < 0 || result === null || offset === null || (rvalue < 0 && rvalueVar === null)) {
      err("required byte_math parameters missing");
    }
    if (nbytes < 0 && nbytesVar === null) err("required byte_math parameters missing");
    if ((oper === MathOp.SHL || oper === MathOp.SHR) && nbytes > 4) {
      err("bytes must be 1 through 4 with << or >>");
    }
    if (endian === "dce") flags |= ByteFlag.DCE;
    if (endian === "little") flags |= ByteFlag.LITTLE;
    if (string) flags |= ByteFlag.STRING;
    if (relative) flags |= ByteFlag.RELATIVE;
    if (nbytesVar !== null) {
      nbytes = variableSlot(builder, "byte_math", nbytesVar, raw.indexOf(nbytesVar));
      flags |= ByteFlag.NBYTES_VAR;
    }
    if (rvalueVar !== null) {
      rvalue = variableSlot(builder, "byte_math", rvalueVar, raw.indexOf(rvalueVar));
      flags |= ByteFlag.VALUE_VAR;
    }
    let bitmaskShift = 0;
    if (bitmask >= 0) {
      flags |= ByteFlag.BITMASK;
      if (bitmask !== 0) { while (((bitmask >>> bitmaskShift) & 1) === 0) bitmaskShift++; }
    }
    addByteRecord(
      builder,
      "byte_math",
      {
        type: "byte_math",
        seq: 0,
        step: {
          kind: StepKind.BYTE_MATH,
          flags,
          nbytes,
          offset: offset!,
          oper,
          rvalue,
          base,
          bitmask: bitmask < 0 ? 0 : bitmask,
          bitmaskShift,
          slot: 0,
        },
        name: result!,
      },
      relative,
      true,
    );
  },
});
