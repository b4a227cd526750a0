/**
 * `byte_test:nbytes,[!]op,value,offset[,relative][,big|little][,string][,hex|dec|oct][,bitmask N]`
 * (Suricata's detect-bytetest.c). `dce` reads the DCE/RPC transaction's byte
 * order (big-endian outside DCE/RPC).
 *
 * @module
 */

import { ByteFlag, ByteOp, StepKind } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { isVariableName, parseCNumber, variableSlot } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";
import { addByteRecord, leadingUint } from "./_byte_common.ts";

const KW = "relative|big|little|string|oct|dec|hex|dce|bitmask";
const OPT = `(?:\\s*,\\s*((?:${KW})\\s+[^\\s,]+|[${KW}]+))?`;
const PARSE = new RegExp(
  `^\\s*([^\\s,]+)\\s*,\\s*(!?\\s*[^\\s,]*)\\s*,\\s*([^\\s,]+\\s*,\\s*[^\\s,]+)${
    OPT.repeat(6)
  }\\s*$`,
);

const OPS: Record<string, number> = {
  "=": ByteOp.EQ,
  "<": ByteOp.LT,
  ">": ByteOp.GT,
  "&": ByteOp.AND,
  "^": ByteOp.OR,
  ">=": ByteOp.GE,
  "<=": ByteOp.LE,
};

registerKeyword({
  name: "byte_test",
  description: "extract bytes and compare them with a value",
  value: "required",
  setup(builder, value) {
    const raw = value!;
    const m = PARSE.exec(raw);
    if (m === null) throw new KeywordError("byte_test", `invalid value ${raw}`);
    let flags = 0;
    let base = 0;
    let bitmask = 0;
    let dce = false;
    let endianGiven = false;
    for (const a of m.slice(4)) {
      if (a === undefined) continue;
      const lower = a.toLowerCase();
      if (a === "relative") flags |= ByteFlag.RELATIVE;
      else if (lower === "string") flags |= ByteFlag.STRING;
      else if (lower === "dec") base |= 10;
      else if (lower === "hex") base |= 16;
      else if (lower === "oct") base |= 8;
      else if (lower === "big") {
        flags &= ~ByteFlag.LITTLE;
        endianGiven = true;
      } else if (lower === "little") {
        flags |= ByteFlag.LITTLE;
        endianGiven = true;
      } else if (lower === "dce") dce = true;
      else if (lower.startsWith("bitmask")) {
        flags |= ByteFlag.BITMASK;
        const v = leadingUint(a.slice(7));
        if (v === null || v > 0xffffffff) {
          throw new KeywordError("byte_test", `malformed bitmask ${a}`);
        }
        bitmask = v;
      } else throw new KeywordError("byte_test", `unknown option ${a}`);
    }
    if (dce) {
      if (endianGiven || base !== 0 || (flags & ByteFlag.STRING) !== 0) {
        throw new KeywordError(
          "byte_test",
          "dce cannot be used with string, a base or an endianness",
        );
      }
      flags |= ByteFlag.DCE;
    }
    // nbytes
    let nbytes: number;
    if (m[1][0] !== "-" && isVariableName(m[1])) {
      nbytes = variableSlot(builder, "byte_test", m[1], 0);
      flags |= ByteFlag.NBYTES_VAR;
    } else {
      const v = parseCNumber(m[1], 10);
      if (v === null || v > 0xffffffff) {
        throw new KeywordError("byte_test", `malformed number of bytes ${m[1]}`);
      }
      nbytes = v;
    }
    // operator
    let opText = m[2];
    let negate = false;
    if (opText[0] === "!") {
      negate = true;
      opText = opText.slice(1).replace(/^[\s,]+/, "");
    }
    let op = OPS[opText];
    if (op === undefined && negate && opText === "") op = ByteOp.EQ;
    if (op === undefined) throw new KeywordError("byte_test", `invalid operator ${m[2]}`);
    // value and offset
    const [valueText, offsetText] = m[3].split(/[\s,]+/).filter((x) => x !== "");
    let testValue: number;
    if (valueText[0] !== "-" && isVariableName(valueText)) {
      testValue = variableSlot(builder, "byte_test", valueText, raw.indexOf(valueText));
      flags |= ByteFlag.VALUE_VAR;
    } else {
      const v = leadingUint(valueText);
      if (v === null) throw new KeywordError("byte_test", `malformed value ${valueText}`);
      testValue = v;
    }
    let offset: number;
    if (offsetText[0] !== "-" && isVariableName(offsetText)) {
      offset = variableSlot(builder, "byte_test", offsetText, raw.lastIndexOf(offsetText));
      flags |= ByteFlag.OFFSET_VAR;
    } else {
      const v = parseCNumber(offsetText, 0, true);
      if (v === null || v < -(2 ** 31) || v >= 2 ** 31) {
        throw new KeywordError("byte_test", `malformed offset ${offsetText}`);
      }
      offset = v;
    }
    if ((flags & ByteFlag.NBYTES_VAR) === 0) {
      const string = (flags & ByteFlag.STRING) !== 0;
      if (string ? nbytes > 23 : nbytes > 8) {
        throw new KeywordError(
          "byte_test",
          string
            ? "cannot test more than 23 bytes with string"
            : "cannot test more than 8 bytes without string",
        );
      }
    }
    if ((flags & ByteFlag.STRING) === 0 && base !== 0) {
      throw new KeywordError("byte_test", "cannot use a base without string");
    }
    let bitmaskShift = 0;
    if ((flags & ByteFlag.BITMASK) !== 0 && bitmask !== 0) {
      while (((bitmask >>> bitmaskShift) & 1) === 0) bitmaskShift++;
    }
    addByteRecord(builder, "byte_test", {
      type: "byte_test",
      seq: 0,
      step: {
        kind: StepKind.BYTE_TEST,
        flags,
        nbytes,
        offset,
        value: testValue,
        op,
        negate,
        base,
        bitmask,
        bitmaskShift,
      },
    }, (flags & ByteFlag.RELATIVE) !== 0);
  },
});
