/**
 * The best plain JavaScript can do for the same job as ours, written for the benchmark: the
 * bytes and the length checked first (a header with CR/LF must not be forwarded), then one pass
 * with `indexOf` and `charCodeAt`, no intermediate arrays or strings, a slice only for what is
 * returned, and reused typed arrays for the loop entries. It handles the lenient cases the corpus
 * has (whitespace, empty fields, fields without `=`), but reports no diagnostics and validates
 * no values. A header it refuses gives `undefined` values (parse) or no header (enter).
 */
import type { PeerEntered, PeerParsed } from './naive.js';

const SPACE = 0x20;
const TAB = 0x09;
const COLON = 0x3a;

const isSpace = (c: number): boolean => c === SPACE || c === TAB;
const MAX_LENGTH = 8192;
const INVALID = /[^\t -~]/;
/** Safe to forward: at most MAX_LENGTH units, all visible ASCII, space or tab. */
const acceptable = (header: string): boolean => header.length <= MAX_LENGTH && !INVALID.test(header);

/** `text[start, end)` equals `lower` (ASCII lower case) ignoring case; `lower` is letters only. */
function keyIs(text: string, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if ((text.charCodeAt(start + i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

/** The spans of the field after `from`, trimmed: [next, keyStart, keyEnd, valueStart, valueEnd], valueStart -1 without `=`. */
const field = new Int32Array(5);
function nextField(text: string, from: number): void {
  const length = text.length;
  let end = text.indexOf(';', from);
  if (end < 0) end = length;
  let keyStart = from;
  while (keyStart < end && isSpace(text.charCodeAt(keyStart))) keyStart++;
  let valueEnd = end;
  while (valueEnd > keyStart && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--;
  let equals = text.indexOf('=', keyStart);
  if (equals >= valueEnd) equals = -1;
  let keyEnd = equals < 0 ? valueEnd : equals;
  while (keyEnd > keyStart && isSpace(text.charCodeAt(keyEnd - 1))) keyEnd--;
  let valueStart = equals + 1;
  while (equals >= 0 && valueStart < valueEnd && isSpace(text.charCodeAt(valueStart))) valueStart++;
  field[0] = end + 1;
  field[1] = keyStart;
  field[2] = keyEnd;
  field[3] = equals < 0 ? -1 : valueStart;
  field[4] = valueEnd;
}

export function scanParse(header: string): PeerParsed {
  const parsed: PeerParsed = { root: undefined, parent: undefined, sampled: undefined, lineage: undefined };
  if (!acceptable(header)) return parsed;
  for (let at = 0; at <= header.length; at = field[0]) {
    nextField(header, at);
    const keyStart = field[1];
    const keyEnd = field[2];
    const valueStart = field[3];
    if (valueStart < 0) continue;
    switch (keyEnd - keyStart) {
      case 4:
        if (keyIs(header, keyStart, keyEnd, 'root')) parsed.root = header.slice(valueStart, field[4]);
        break;
      case 6:
        if (keyIs(header, keyStart, keyEnd, 'parent')) parsed.parent = header.slice(valueStart, field[4]);
        break;
      case 7:
        if (keyIs(header, keyStart, keyEnd, 'sampled')) parsed.sampled = header.slice(valueStart, field[4]);
        else if (keyIs(header, keyStart, keyEnd, 'lineage')) parsed.lineage = header.slice(valueStart, field[4]);
        break;
    }
  }
  return parsed;
}

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

// Well-formed entries of the loop field: start, end (exclusive), count; reused between calls.
let entryStart = new Int32Array(64);
let entryEnd = new Int32Array(64);
let entryCount = new Float64Array(64);
function grow(): void {
  const [starts, ends, counts] = [entryStart, entryEnd, entryCount];
  entryStart = new Int32Array(2 * starts.length);
  entryEnd = new Int32Array(2 * starts.length);
  entryCount = new Float64Array(2 * starts.length);
  entryStart.set(starts);
  entryEnd.set(ends);
  entryCount.set(counts);
}

/** Count an entry of `hash` (8 lowercase hex) in the `loopKey` field, as `LoopGuard.enter` does. */
export function scanEnter(header: string, hash: string, loopKey: string, threshold: number, maxEntries: number): PeerEntered | undefined {
  if (!acceptable(header)) return undefined;
  const lowerKey = loopKey.toLowerCase();
  let loopStart = -1;
  let loopEnd = -1;
  let lastEnd = 0;
  for (let at = 0; at <= header.length; at = field[0]) {
    nextField(header, at);
    if (field[2] === field[1]) continue;
    lastEnd = field[4];
    if (field[3] >= 0 && field[2] - field[1] === lowerKey.length) {
      let same = true;
      for (let i = 0; i < lowerKey.length && same; i++) {
        const c = header.charCodeAt(field[1] + i);
        same = (c >= 0x41 && c <= 0x5a ? c | 0x20 : c) === lowerKey.charCodeAt(i);
      }
      if (same) {
        loopStart = field[3];
        loopEnd = field[4];
      }
    }
  }
  if (loopStart < 0) {
    const entered = `;${loopKey}=${hash}:1`;
    const outgoing = header.slice(0, lastEnd) + entered + header.slice(lastEnd);
    return outgoing.length > MAX_LENGTH ? undefined : { count: 1, loop: 1 > threshold, header: outgoing };
  }
  // The entries: `<8 hex>:<digits>` between `|`; ours found by comparing the hex ignoring case.
  let entries = 0;
  let own = -1;
  let ownCount = 0;
  for (let start = loopStart; start <= loopEnd; ) {
    let end = header.indexOf('|', start);
    if (end < 0 || end > loopEnd) end = loopEnd;
    let ok = end - start >= 10 && header.charCodeAt(start + 8) === COLON;
    let mine = ok;
    for (let i = 0; ok && i < 8; i++) {
      const c = header.charCodeAt(start + i);
      ok = isHex(c);
      mine = mine && (c | 0x20) === hash.charCodeAt(i);
    }
    let count = 0;
    for (let i = start + 9; ok && i < end; i++) {
      const c = header.charCodeAt(i) - 0x30;
      ok = c >= 0 && c <= 9;
      count = count * 10 + c;
    }
    if (ok) {
      if (entries === entryStart.length) grow();
      if (mine) {
        ownCount = Math.max(ownCount, count);
        if (own >= 0) ok = false; // a duplicate of ours merges into the first
        else own = entries;
      }
      if (ok) {
        entryStart[entries] = start;
        entryEnd[entries] = end;
        entryCount[entries] = mine ? -1 : count;
        entries++;
      }
    }
    start = end + 1;
  }
  const count = own < 0 ? 1 : ownCount + 1;
  const others = own < 0 ? entries : entries - 1;
  const evict = Math.max(0, others - (maxEntries - 1));
  let value = '';
  for (let i = 0; i < entries; i++) {
    if (evict > 0 && i !== own) {
      let rank = 0;
      for (let j = 0; j < entries; j++) {
        if (j !== own && j !== i && (entryCount[j] < entryCount[i] || (entryCount[j] === entryCount[i] && j < i))) rank++;
      }
      if (rank < evict) continue;
    }
    const entry = i === own ? `${hash}:${count}` : header.slice(entryStart[i], entryEnd[i]);
    value = value.length === 0 ? entry : `${value}|${entry}`;
  }
  if (own < 0) value = value.length === 0 ? `${hash}:1` : `${value}|${hash}:1`;
  const outgoing = header.slice(0, loopStart) + value + header.slice(loopEnd);
  return outgoing.length > MAX_LENGTH ? undefined : { count, loop: count > threshold, header: outgoing };
}
