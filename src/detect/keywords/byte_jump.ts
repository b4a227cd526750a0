/**
 * `byte_jump:nbytes,offset[,relative][,multiplier N][,big|little][,string][,hex|dec|oct]
 * [,align][,from_beginning|from_end][,post_offset N]`: move the inspection
 * point by a value read from the buffer (Suricata's detect-bytejump.c).
 * `dce` reads the DCE/RPC transaction's byte order (big-endian outside DCE/RPC).
 *
 * @module
 */

import { ByteFlag, StepKind } from "../content_inspect.ts";
import { registerKeyword } from "../keyword_registry.ts";
import { isVariableName, parseCNumber, variableSlot } from "../payload_setup.ts";
import { KeywordError } from "../signature.ts";
import { addByteRecord } from "./_byte_common.ts";

const OPT = "(?:\\s*,\\s*((?:multiplier|post_offset)\\s+[^\\s,]+|[^\\s,]+))?";
const PARSE = new RegExp(`^\\s*([^\\s,]+\\s*,\\s*[^\\s,]+)${OPT.repeat(9)}\\s*$`);

registerKeyword({
  name: "byte_jump",
  description: "move the inspection point by a value read from the buffer",
  value: "required",
  setup(builder, value) {
    const raw = value!;
    const m = PARSE.exec(raw);
    if (m === null) throw new KeywordError("byte_jump", `invalid value ${raw}`);
    const [nbytesText, offsetText] = m[1].split(/[\s,]+/).filter((x) => x !== "");
    let flags = 0;
    let base = 0;
    let multiplier = 1;
    let postOffset = 0;
    let dce = false;
    let endianGiven = false;
    for (const a of m.slice(2)) {
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
      } else if (lower === "from_beginning") flags |= ByteFlag.BEGIN;
      else if (lower === "from_end") flags |= ByteFlag.END;
      else if (lower === "align") flags |= ByteFlag.ALIGN;
      else if (lower === "dce") dce = true;
      else if (lower.startsWith("multiplier ")) {
        const v = parseCNumber(a.slice(11), 10);
        if (v === null || v < 1 || v > 65535) {
          throw new KeywordError("byte_jump", `malformed multiplier ${a}`);
        }
        multiplier = v;
      } else if (lower.startsWith("post_offset ")) {
        const v = parseCNumber(a.slice(12), 10, true);
        if (v === null || v < -65535 || v > 65535) {
          throw new KeywordError("byte_jump", `malformed post_offset ${a}`);
        }
        postOffset = v;
      } else throw new KeywordError("byte_jump", `unknown option ${a}`);
    }
    if ((flags & ByteFlag.BEGIN) !== 0 && (flags & ByteFlag.END) !== 0) {
      throw new KeywordError("byte_jump", "from_end and from_beginning cannot be used together");
    }
    if (dce) {
      if (endianGiven || base !== 0 || (flags & ByteFlag.STRING) !== 0) {
        throw new KeywordError(
          "byte_jump",
          "dce cannot be used with string, a base or an endianness",
        );
      }
      flags |= ByteFlag.DCE;
    }
    let nbytes: number;
    if (nbytesText[0] !== "-" && isVariableName(nbytesText)) {
      nbytes = variableSlot(builder, "byte_jump", nbytesText, 0);
      flags |= ByteFlag.NBYTES_VAR;
    } else {
      const v = parseCNumber(nbytesText, 10);
      if (v === null || v > 0xffffffff) {
        throw new KeywordError("byte_jump", `malformed number of bytes ${nbytesText}`);
      }
      nbytes = v;
      const string = (flags & ByteFlag.STRING) !== 0;
      if (string ? nbytes > 23 : nbytes > 8) {
        throw new KeywordError(
          "byte_jump",
          string
            ? "cannot jump more than 23 bytes with string"
            : "cannot jump more than 8 bytes without string",
        );
      }
    }
    let offset: number;
    if (offsetText[0] !== "-" && isVariableName(offsetText)) {
      offset = variableSlot(builder, "byte_jump", offsetText, raw.indexOf(offsetText));
      flags |= ByteFlag.OFFSET_VAR;
    } else {
      const v = parseCNumber(offsetText, 10, true);
      if (v === null || v < -65535 || v > 65535) {
        throw new KeywordError("byte_jump", `malformed offset ${offsetText}`);
      }
      offset = v;
    }
    if ((flags & ByteFlag.STRING) === 0 && base !== 0) {
      throw new KeywordError("byte_jump", "cannot use a base without string");
    }
    addByteRecord(builder, "byte_jump", {
      type: "byte_jump",
      seq: 0,
      step: { kind: StepKind.BYTE_JUMP, flags, nbytes, offset, base, multiplier, postOffset },
    }, (flags & ByteFlag.RELATIVE) !== 0);
  },
});
