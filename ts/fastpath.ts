/**
 * The js backend's fast path for `enter`: one `indexOf` pass over a clean header, the answer the
 * reference's `enter` gives, or `null` where the header is not clean and the reference must
 * decide (errors, diagnostics, dropped or evicted entries are all the reference's).
 *
 * Clean: 1..maxLength units of visible ASCII (no space, tab or anything else), at most
 * maxFields fields, no empty field (no `;;`, no leading or trailing `;`), a `=` in every field;
 * the loop field (the last field whose key is the loop key in any ASCII case) holds only
 * well-formed `<8 hex>:<decimal>` entries, this resource's at most once, and has room for it
 * (no eviction). The outgoing header must fit in maxLength. On such a header the reference's
 * tokeniser finds exactly the spans found here, so the outgoing header is the input with this
 * resource's entry replaced (or appended to the loop field, or the loop field appended).
 * test/fastpath.test.ts holds this to the reference on clean headers and on every way of not
 * being clean.
 */
import { B_COUNT, B_DROPPED, B_EVICTED, B_IS_LOOP, B_OFFSET, B_OUTPUT_END, B_STATUS } from './record.js';
import { hashHex } from './resource-hash.js';
import type { CounterOptions } from './backends/types.js';
import type { ResolvedOptions } from './record.js';

/** Anything but visible ASCII: whitespace, controls, DEL, non-ASCII. */
const NOT_VISIBLE = /[^!-~]/;
const U32_MAX = 0xffffffff;
const COLON = 0x3a;
const PIPE = 0x7c;

/** The hex digit `c` stands for (either case), or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** `header[start, start + key.length)` is `lowerKey` in any ASCII case (`lowerKey` is lower case). */
function isKey(header: string, start: number, lowerKey: string): boolean {
  for (let i = 0; i < lowerKey.length; i++) {
    const c = header.charCodeAt(start + i);
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lowerKey.charCodeAt(i)) return false;
  }
  return true;
}

let lastLoopKey = '';
let lastLowerKey = '';
/** The loop key in lower case (a guard passes the same key on every call). */
function lowerKeyOf(loopKey: string): string {
  if (loopKey !== lastLoopKey) {
    lastLowerKey = loopKey.toLowerCase();
    lastLoopKey = loopKey;
  }
  return lastLowerKey;
}

/**
 * The reference's `enter(header, hash, counter, options)` for a clean header: the outgoing
 * header, with the answer in the record's batch slots (`B_*`); `null` (record untouched) for any
 * other header.
 */
export function enterClean(
  header: string,
  hash: number,
  { threshold, maxEntries, maxCount }: CounterOptions,
  options: ResolvedOptions,
  record: Uint32Array,
): string | null {
  const length = header.length;
  if (length > options.maxLength || NOT_VISIBLE.test(header)) return null;
  const maxFields = options.maxFields;
  const lowerKey = lowerKeyOf(options.loopKey);
  const keyLength = lowerKey.length;

  // The fields: `key=value` between single `;`s; the last loop field's value span.
  let fields = 0;
  let loopStart = -1;
  let loopEnd = -1;
  for (let start = 0; ; ) {
    let end = header.indexOf(';', start);
    if (end < 0) end = length;
    // No `=` before the `;`: a field without one, or an empty field (the empty header too).
    const equals = header.indexOf('=', start);
    if (equals < 0 || equals >= end || ++fields > maxFields) return null;
    if (equals - start === keyLength && isKey(header, start, lowerKey)) {
      loopStart = equals + 1;
      loopEnd = end;
    }
    if (end === length) break;
    start = end + 1;
  }

  let outgoing: string;
  let count = 1;
  if (loopStart < 0) {
    // Appending the loop field adds a field: the reference refuses that at maxFields.
    if (fields === maxFields) return null;
    outgoing = `${header};${options.loopKey}=${hashHex(hash)}:1`;
  } else {
    // The entries: each exactly 8 hex, `:`, at least one digit, then `|` or the field's end
    // (past the field's end there is a `;`, which is neither hex nor `:`).
    let ownStart = -1;
    let ownEnd = -1;
    let others = 0;
    for (let start = loopStart; ; ) {
      if (header.charCodeAt(start + 8) !== COLON) return null;
      let entryHash = 0;
      for (let i = start; i < start + 8; i++) {
        const digit = hexDigit(header.charCodeAt(i));
        if (digit < 0) return null;
        entryHash = (entryHash << 4) | digit;
      }
      let end = start + 9;
      let entryCount = 0;
      for (; end < loopEnd; end++) {
        const digit = header.charCodeAt(end) - 0x30;
        if (digit < 0 || digit > 9) break;
        entryCount = Math.min(entryCount * 10 + digit, U32_MAX);
      }
      if (end === start + 9 || (end < loopEnd && header.charCodeAt(end) !== PIPE)) return null;
      if (entryHash >>> 0 === hash) {
        if (ownStart >= 0) return null; // a duplicate: the reference merges and drops it
        ownStart = start;
        ownEnd = end;
        count = Math.min(entryCount + 1, maxCount);
      } else {
        others++;
      }
      if (end === loopEnd) break;
      start = end + 1;
    }
    if (others > maxEntries - 1) return null; // eviction: the reference's
    const ownEntry = `${hashHex(hash)}:${count}`;
    outgoing =
      ownStart >= 0
        ? header.slice(0, ownStart) + ownEntry + header.slice(ownEnd)
        : `${header.slice(0, loopEnd)}|${ownEntry}${header.slice(loopEnd)}`;
  }
  if (outgoing.length > options.maxLength) return null;
  record[B_STATUS] = 0;
  record[B_OFFSET] = 0;
  record[B_COUNT] = count;
  record[B_IS_LOOP] = count > threshold ? 1 : 0;
  record[B_EVICTED] = 0;
  record[B_DROPPED] = 0;
  record[B_OUTPUT_END] = outgoing.length;
  return outgoing;
}
