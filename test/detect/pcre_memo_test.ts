/**
 * The PCRE translation memo: a repeat is the same outcome (source or
 * refusal) as the first translation, options are part of the key.
 */

import assert from "node:assert/strict";
import { pcreMemoSize, translatePcreMemo } from "../../src/detect/pcre_memo.ts";
import { PcreTranslateError, translatePcre } from "../../src/detect/pcre_translate.ts";

Deno.test("pcre memo: a repeated pattern is looked up, not translated again", () => {
  const a = translatePcreMemo("^\\d{4}[01]");
  const size = pcreMemoSize();
  const b = translatePcreMemo("^\\d{4}[01]");
  assert.equal(b, a, "the same object");
  assert.equal(pcreMemoSize(), size, "no new entry");
  assert.deepEqual(a, translatePcre("^\\d{4}[01]"));
});

Deno.test("pcre memo: options are part of the key", () => {
  const plain = translatePcreMemo("get.x");
  const caseless = translatePcreMemo("get.x", { caseless: true });
  const dotall = translatePcreMemo("get.x", { dotall: true });
  assert.equal(plain.source, translatePcre("get.x").source);
  assert.equal(caseless.source, translatePcre("get.x", { caseless: true }).source);
  assert.equal(dotall.source, translatePcre("get.x", { dotall: true }).source);
  assert.notEqual(plain.source, caseless.source);
  assert.notEqual(plain.source, dotall.source);
  // noAutoCapture: a back reference to group 1 is translated with captures
  // either way here, but the default (true) and false are distinct keys
  const auto = translatePcreMemo("(a)b", { noAutoCapture: false });
  assert.equal(auto.source, translatePcre("(a)b", { noAutoCapture: false }).source);
  assert.equal(translatePcreMemo("(a)b").source, translatePcre("(a)b").source);
});

Deno.test("pcre memo: a refused pattern is refused again with the same error", () => {
  const refuse = () => translatePcreMemo("(?i)([\\xe9])\\1");
  let first: unknown;
  try {
    refuse();
  } catch (error) {
    first = error;
  }
  assert.ok(first instanceof PcreTranslateError);
  assert.ok(first.unsupported);
  assert.ok(first.message.includes("latin1"));
  assert.throws(refuse, (error) => error === first);
  // a pattern PCRE2 rejects (not "unsupported") keeps its kind
  assert.throws(
    () => translatePcreMemo("a(b"),
    (error) => error instanceof PcreTranslateError && !error.unsupported,
  );
  assert.throws(
    () => translatePcreMemo("a(b"),
    (error) => error instanceof PcreTranslateError && !error.unsupported,
  );
});
