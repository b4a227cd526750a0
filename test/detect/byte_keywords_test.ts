/**
 * byte_test, byte_jump, byte_extract, byte_math on real bytes: endianness,
 * string bases, bitmask, relative positions, variables used by content
 * modifiers and other byte_* keywords, and setup errors.
 */

import assert from "node:assert/strict";
import { bufferById } from "../../src/detect/buffers.ts";
import { fails, matches, sig } from "./_payload_helpers.ts";

Deno.test("byte_test: operators, endianness, negation", () => {
  assert.ok(matches("byte_test:2,=,0x0102,0;", "\x01\x02"));
  assert.ok(matches("byte_test:2,=,0x0201,0,little;", "\x01\x02"));
  assert.ok(matches("byte_test:2,=,0x0201,0,big,little;", "\x01\x02"), "little after big wins");
  assert.ok(matches("byte_test:2,=,0x0102,0,little,big;", "\x01\x02"), "big after little wins");
  assert.ok(matches("byte_test:1,>,5,1;", "\x00\x06"));
  assert.ok(!matches("byte_test:1,>,6,1;", "\x00\x06"));
  assert.ok(matches("byte_test:1,<=,6,1;", "\x00\x06"));
  assert.ok(matches("byte_test:1,!=,7,1;", "\x00\x06"));
  assert.ok(matches("byte_test:1,!,7,1;", "\x00\x06"), "'!' alone is not-equal");
  assert.ok(matches("byte_test:1,&,2,0;", "\x06"));
  assert.ok(!matches("byte_test:1,&,1,0;", "\x06"));
  assert.ok(matches("byte_test:1,^,6,0;", "\x07"), "^ is 'differs'");
  assert.ok(!matches("byte_test:4,=,1,0;", "\x00\x00\x01"), "not enough bytes");
  assert.ok(!matches("byte_test:1,=,1,-1;", "\x01"), "negative absolute offset");
});

Deno.test("byte_test: strings, bitmask, relative", () => {
  assert.ok(matches("byte_test:3,=,123,0,string,dec;", "123x"));
  assert.ok(matches("byte_test:2,=,255,0,string,hex;", "ff"));
  assert.ok(matches("byte_test:3,=,8,0,string,oct;", "010"));
  assert.ok(matches("byte_test:4,=,16,0,string;", "0x10"), "no base: strtoul base 0");
  assert.ok(matches("byte_test:3,=,12,0,string,dec;", "12x"), "digits stop at the first non-digit");
  assert.ok(!matches("byte_test:2,=,0,0,string,dec;", "xx"), "no digits: no match");
  assert.ok(matches("byte_test:0,>,4000,0,string,dec;", "5000 rest"), "0 bytes: up to the end");
  assert.ok(matches("byte_test:2,=,3,0,bitmask 0x0300;", "\x03\xff"), "masked then shifted");
  assert.ok(matches('content:"len="; byte_test:1,=,5,0,relative;', "len=\x05"));
  assert.ok(!matches('content:"len="; byte_test:1,=,5,0,relative;', "len="));
  assert.ok(matches('content:"a"; byte_test:1,=,0x61,-1,relative;', "xa"));
});

Deno.test("byte_test: errors", () => {
  assert.ok(fails("byte_test:9,>,5,0;").message.includes("more than 8"));
  assert.ok(fails("byte_test:24,>,5,0,string;").message.includes("more than 23"));
  assert.ok(fails("byte_test:2,>,5,0,hex;").message.includes("without string"));
  assert.ok(fails("byte_test:2,=>,5,0;").message.includes("operator"));
  assert.ok(fails("byte_test:2,=,5;").message.includes("invalid value"));
  assert.ok(fails("byte_test:2,=,x,0;").message.includes("unknown byte_extract"));
  assert.ok(fails("byte_test:2,=,1,0,dce,little;").message.includes("dce cannot"));
  assert.ok(fails("byte_test:2,=,1,0,string,dce;").message.includes("dce cannot"));
  // outside a DCE/RPC transaction `dce` reads big-endian (Suricata sets no DCE byte order there)
  assert.ok(matches("byte_test:2,=,0x0102,0,dce;", "\x01\x02"));
});

Deno.test("byte_jump: relative jumps and following contents", () => {
  assert.ok(matches('byte_jump:1,0; content:"x"; within:1;', "\x02abx"));
  assert.ok(!matches('byte_jump:1,0; content:"x"; within:1;', "\x01abx"));
  assert.ok(matches('content:"L"; byte_jump:1,0,relative; content:"x"; within:1;', "L\x02abx"));
  assert.ok(matches("byte_jump:1,0,multiplier 2; isdataat:!1,relative;", "\x02abcd"));
  assert.ok(matches('byte_jump:1,0,align; content:"x"; within:1;', "\x01abcdx"), "aligned to 4");
  assert.ok(matches('byte_jump:1,0,post_offset -1; content:"a"; within:1;', "\x01ab"));
  assert.ok(matches('byte_jump:1,1,from_beginning; content:"b"; within:1;', "x\x02b"));
  assert.ok(matches('byte_jump:1,0,from_end,post_offset -2; content:"yz"; within:2;', "\x00xyz"));
  assert.ok(!matches("byte_jump:1,0;", "\x09ab"), "past the end");
  assert.ok(matches('byte_jump:2,0,string,dec; content:"x"; within:1;', "03abcx"));
  assert.ok(fails("byte_jump:4,0,from_end,from_beginning;").message.includes("together"));
  assert.ok(fails("byte_jump:4,0,multiplier 0;").message.includes("multiplier"));
  assert.ok(fails("byte_jump:4,70000;").message.includes("offset"));
});

Deno.test("byte_extract: variables for within, distance, offset, depth and byte_test", () => {
  const rule = 'byte_extract:1,0,len; content:"x"; within:len;';
  assert.ok(matches(rule, "\x03abx"));
  assert.ok(!matches(rule, "\x02abx"));
  assert.ok(matches('byte_extract:1,0,d; content:"x"; distance:d;', "\x02abx"));
  assert.ok(!matches('byte_extract:1,0,d; content:"x"; distance:d;', "\x03abx"));
  assert.ok(matches('byte_extract:1,0,o; content:"x"; offset:o;', "\x03abx"));
  assert.ok(!matches('byte_extract:1,0,o; content:"x"; offset:o;', "\x04abx"));
  assert.ok(matches('byte_extract:1,0,n; content:"x"; depth:n;', "\x04abx"), "depth from 0");
  assert.ok(!matches('byte_extract:1,0,n; content:"x"; depth:n;', "\x03abx"));
  assert.ok(matches("byte_extract:1,0,v; byte_test:1,=,v,1;", "\x07\x07"));
  assert.ok(matches("byte_extract:2,0,v,string,dec; isdataat:v;", "03xyz"));
  assert.ok(!matches("byte_extract:2,0,v,string,dec; isdataat:v;", "03x"));
  assert.ok(matches("byte_extract:1,0,v,multiplier 2; isdataat:v;", "\x02xxxx"));
  assert.ok(matches('byte_extract:1,0,v,relative,align 4; content:"z"; within:v;', "\x01abcz"));
  // a relative byte_extract moves the inspection point past the bytes it read
  assert.ok(
    matches('content:"L"; byte_extract:1,0,n,relative; content:"ab"; within:2;', "L\x01ab"),
  );
});

Deno.test("byte_extract: Suricata's per-buffer slot numbering", () => {
  // a byte_extract and a byte_math of one buffer share slot 0 in Suricata;
  // the later one overwrites the earlier value
  assert.ok(
    matches(
      "byte_extract:1,0,a; byte_math:bytes 1, offset 1, oper +, rvalue 0, result b; byte_test:1,=,a,1;",
      "\x05\x09",
    ),
  );
  // a name defined twice refers to the first definition
  assert.ok(
    matches('byte_extract:1,0,v; byte_extract:1,1,v; content:"x"; within:v;', "\x03\x00bx"),
  );
});

Deno.test("byte_extract: errors", () => {
  assert.ok(fails("byte_extract:2,0,v,string,big;").message.includes("endianness with string"));
  assert.ok(fails("byte_extract:2,0,v,hex,string;").message.includes("without string"));
  assert.ok(fails("byte_extract:2,0,v,align 3;").message.includes("align"));
  assert.ok(fails("byte_extract:21,0,v,string,dec;").message.includes("more than 20"));
  assert.ok(fails("byte_extract:9,0,v;").message.includes("more than 8"));
  assert.ok(fails("byte_extract:2,0,v,relative,relative;").message.includes("twice"));
  assert.ok(fails("byte_extract:2,0,v,dce,string;").message.includes("endianness with string"));
});

Deno.test("byte_math: operators and results", () => {
  assert.ok(
    matches("byte_math:bytes 1, offset 0, oper +, rvalue 2, result r; isdataat:r;", "\x01xxx"),
  );
  assert.ok(
    !matches("byte_math:bytes 1, offset 0, oper +, rvalue 2, result r; isdataat:r;", "\x01xx"),
  );
  assert.ok(
    matches(
      "byte_math:bytes 1, offset 0, oper *, rvalue 3, result r; byte_test:1,=,r,1;",
      "\x02\x06",
    ),
  );
  assert.ok(
    matches(
      "byte_math:bytes 1, offset 0, oper /, rvalue 3, result r; byte_test:1,=,r,1;",
      "\x07\x02",
    ),
  );
  assert.ok(
    matches(
      "byte_math:bytes 1, offset 0, oper <<, rvalue 2, result r; byte_test:1,=,r,1;",
      "\x02\x08",
    ),
  );
  assert.ok(
    matches(
      "byte_math:bytes 1, offset 0, oper >>, rvalue 1, result r; byte_test:1,=,r,1;",
      "\x08\x04",
    ),
  );
  assert.ok(
    matches(
      "byte_math:bytes 1, offset 0, oper -, rvalue 1, result r; byte_test:1,=,r,1;",
      "\x08\x07",
    ),
  );
  assert.ok(
    !matches("byte_math:bytes 1, offset 0, oper /, rvalue 0, result r;", "\x08"),
    "division by 0",
  );
  assert.ok(
    matches(
      "byte_math:bytes 2, offset 0, oper +, rvalue 0, string dec, result r; byte_test:1,=,r,2;",
      "12\x0c",
    ),
  );
  assert.ok(
    matches(
      "byte_math:bytes 1, offset 0, oper +, rvalue 0, bitmask 0x0c, result r; byte_test:1,=,r,1;",
      "\x0f\x03",
    ),
  );
  assert.ok(
    matches(
      "byte_extract:1,0,v; byte_math:bytes 1, offset 1, oper +, rvalue v, result r; byte_test:1,=,r,2;",
      "\x01\x02\x03",
    ),
  );
  assert.ok(
    !matches("byte_math:bytes 5, offset 0, oper +, rvalue 1, result r;", "\x01\x02\x03\x04\x05"),
    "more than 4 bytes never matches",
  );
  assert.ok(
    fails("byte_math:bytes 5, offset 0, oper <<, rvalue 1, result r;").message.includes(
      "1 through 4",
    ),
  );
  assert.ok(
    fails("byte_math:bytes 2, offset 0, oper %, rvalue 10, result r;").message.includes("oper"),
  );
  assert.ok(fails("byte_math:bytes 2, offset 0, oper +, result r;").message.includes("5 to 10"));
  assert.ok(
    fails("byte_math:bytes 2, offset 0, oper +, result r, relative;").message.includes("missing"),
  );
  assert.ok(
    fails(
      "http.uri; byte_math:bytes 2, offset 0, oper +, rvalue 1, result r, relative;",
      "alert http any any -> any any",
    ).message.includes("relative"),
  );
});

Deno.test("byte keywords: records are placed like Suricata's lists", () => {
  // a relative byte_test without sticky buffer follows the buffer of the match before it
  const s = sig(
    'content:"a"; http_uri; byte_test:1,=,1,0,relative;',
    "alert http any any -> any any",
  );
  assert.deepEqual(s.buffers.map((b) => b.bufferId).length, 1);
  assert.ok(s.buffers.some((b) => bufferById(b.bufferId).name === "http.uri"));
});
