/**
 * The reference implementation: the spec of trace-lineage, in TypeScript.
 *
 * The Rust core (`crates/core`) implements exactly these rules, and the differential properties
 * of `test/` hold the native and WASM backends to them on arbitrary input. Answers are plain
 * objects: offsets into the header (a header that parses is ASCII, so UTF-16 indices and byte
 * offsets agree) and numbers, with the codes of `codes.ts`. A hard error is returned as data, a
 * `HardError`, never thrown. The js backend (`backends/js.ts`) writes these answers into the flat
 * record every backend returns.
 *
 * The header (`X-Amzn-Trace-Id`): `field *( ";" field ) [";"]`, `field = key "=" value`, in any
 * order. The keys AWS gives a meaning are `Root`, `Parent`, `Sampled`, `Self` and `Lineage`; our
 * own loop counter has a key of its own (`loopKey`, default `LoopGuard`); any other key is opaque.
 * Peers disagree on nearly every malformed case, so the policy is:
 *
 * 1. Preserve by default. Nothing here rebuilds a header from its parts: a rewrite replaces one
 *    span, and every other byte stays where it was. AWS's `Lineage` is never modified.
 * 2. Lenient tokenising, precise accessors. Whitespace around keys and values, empty fields, a
 *    trailing `;` and a field without `=` are tolerated, and each is reported as a diagnostic.
 *    Known keys match in any ASCII case; the last field with a key and a `=` is the one its
 *    accessor reads (the others stay in the header). Each accessor validates its own value and
 *    says why it is invalid.
 * 3. Hard errors are few: an empty header, a unit outside visible ASCII, space and tab, a header
 *    longer than `maxLength`, more than `maxFields` fields. Each has a code and an offset.
 * 4. Our loop field holds `<8 hex>:<count>` entries joined by `|`, one per resource (its id's
 *    FNV-1a hash, `resource-hash.ts`). Entering a resource counts its entry up by one; a count
 *    above the threshold is a loop; the field keeps at most `maxEntries` entries.
 */
import {
  D_DUPLICATE_KEY,
  D_EMPTY_FIELD,
  D_EMPTY_KEY,
  D_KEY_CASE,
  D_MISSING_EQUALS,
  D_TRAILING_SEMICOLON,
  D_WHITESPACE,
  E_EMPTY,
  E_INVALID_BYTE,
  E_INVALID_KEY,
  E_INVALID_VALUE,
  E_TOO_LONG,
  E_TOO_MANY_FIELDS,
  F_OPAQUE,
  F_V1,
  F_V2,
  R_EMPTY,
  R_ENTRY_FORMAT,
  R_LENGTH,
  R_NOT_DECIMAL,
  R_NOT_HEX,
  R_NOT_LOWERCASE_HEX,
  R_OUT_OF_RANGE,
  R_SAMPLED_VALUE,
  R_SEPARATOR,
  R_UNKNOWN_FORMAT,
  R_VALID,
  R_VERSION,
} from './codes.js';
import { hashHex } from './resource-hash.js';
import type { CounterOptions } from './backends/types.js';
import type { ResolvedOptions } from './record.js';

// ---------------------------------------------------------------------------------------------
// The answers.

/** A hard error: its code (`E_*`) and the offset of the unit it is at. */
export interface HardError {
  code: number;
  offset: number;
}

/** A lenient case met while tokenising: its code (`D_*`) and where it is. */
export interface DiagnosticAt {
  code: number;
  offset: number;
}

/** A field: where its key and its value are, without the optional whitespace around them. */
export interface FieldSpan {
  keyStart: number;
  keyEnd: number;
  /** Where the value is; -1 (both) for a field without `=`. */
  valueStart: number;
  valueEnd: number;
}

/** A well-formed `<8 hex>:<decimal>` entry at [start, end): the hash is its first 8 units. */
export interface EntrySpan {
  start: number;
  end: number;
  /** The decimal, saturated at 2^32-1. */
  count: number;
}

/** A known key's accessor: the field it reads, and why that field's value is invalid. */
export interface KnownField {
  /** Index of the last field with the key (in any case) and a `=`. */
  field: number;
  /** `R_VALID`, or why the value is invalid (`R_*`). */
  reason: number;
}

/** The parts of a valid Lineage V2 value. */
export interface LineageV2Parts {
  first: number;
  /** Where the 8 lowercase hex digits start. */
  hashStart: number;
  last: number;
}

/** A Lineage value, validated. */
export interface LineageValue {
  /** `F_V1`, `F_V2` or `F_OPAQUE`. */
  format: number;
  reason: number;
  /** V1: the well-formed entries, in order (none for the other formats). */
  entries: EntrySpan[];
  /** V2, when valid: its parts. */
  v2: LineageV2Parts | null;
}

export interface LineageField extends KnownField, LineageValue {}

export interface LoopField extends KnownField {
  /** The well-formed entries, in order. */
  entries: EntrySpan[];
}

/** A parsed header: every field in order, the diagnostics in order, and the accessors. */
export interface Parsed {
  fields: FieldSpan[];
  diagnostics: DiagnosticAt[];
  root: KnownField | null;
  parent: KnownField | null;
  sampled: KnownField | null;
  self: KnownField | null;
  lineage: LineageField | null;
  loop: LoopField | null;
}

/** What entering a resource did. */
export interface Entered {
  /** This resource's count in the chain, this entry included. */
  count: number;
  /** `count > threshold`. */
  loop: boolean;
  /** Other resources' entries left out to keep at most `maxEntries`. */
  evicted: number;
  /** Malformed pieces of the loop field, and duplicates of this resource's entry, left out. */
  dropped: number;
  /** The outgoing header. */
  header: string;
}

/** A rewrite: `insert` replaces `header[start, end)`. */
export interface Splice {
  start: number;
  end: number;
  insert: string;
}

/** Whether an answer is a hard error (no other answer has a `code`). */
export const isHardError = (answer: object): answer is HardError => 'code' in answer;

// ---------------------------------------------------------------------------------------------
// Units.

const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const COLON = 0x3a;
const PIPE = 0x7c;
const U32_MAX = 0xffffffff;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLowerHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66);
const isUpperHex = (c: number): boolean => c >= 0x41 && c <= 0x46;
const isHex = (c: number): boolean => isLowerHex(c) || isUpperHex(c);
const asciiLower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
/** A unit a key may have: visible ASCII except `;` and `=`. */
export const isKeyUnit = (c: number): boolean => c > 0x20 && c < 0x7f && c !== SEMICOLON && c !== EQUALS;
/** A unit a value we write may have: visible ASCII except `;` (a value may hold `=`). */
export const isValueUnit = (c: number): boolean => c > 0x20 && c < 0x7f && c !== SEMICOLON;
/** A unit no header may hold: anything but visible ASCII, space and tab. */
const INVALID_UNIT = /[^\t -~]/;

/** The first unit of `text` that `allowed` refuses, or -1; an empty text is refused at 0. */
export function firstRefused(text: string, allowed: (c: number) => boolean): number {
  if (text.length === 0) return 0;
  for (let i = 0; i < text.length; i++) if (!allowed(text.charCodeAt(i))) return i;
  return -1;
}

/** Index of the unit `c` in `text[start, end)`, or -1 (searching one field, not the header). */
function indexIn(text: string, c: number, start: number, end: number): number {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === c) return i;
  return -1;
}

const skipWhitespace = (text: string, start: number, end: number): number => {
  while (start < end && isWhitespace(text.charCodeAt(start))) start++;
  return start;
};
const trimWhitespace = (text: string, start: number, end: number): number => {
  while (end > start && isWhitespace(text.charCodeAt(end - 1))) end--;
  return end;
};

/** Decimal digits as a number, saturated at 2^32-1 (a count never wraps); -1 if not decimal. */
function decimal(text: string, start: number, end: number): number {
  if (start === end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    value = Math.min(value * 10 + (c - 0x30), U32_MAX);
  }
  return value;
}

/** The 8 hex digits at `start` (either case) as a number. */
function hashAt(text: string, start: number): number {
  let value = 0;
  for (let i = start; i < start + 8; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower case; digits stay digits
    value = (value << 4) | (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return value >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Keys.

const EXACT = 1;
const OTHER_CASE = 2;
const NOT_KEY = 0;
/** How `text[start, end)` spells `key`: `EXACT`, in `OTHER_CASE` (ASCII), or `NOT_KEY`. */
function spelling(text: string, start: number, end: number, key: string): number {
  if (end - start !== key.length) return NOT_KEY;
  let result = EXACT;
  for (let i = 0; i < key.length; i++) {
    const c = text.charCodeAt(start + i);
    const k = key.charCodeAt(i);
    if (c === k) continue;
    if (asciiLower(c) !== asciiLower(k)) return NOT_KEY;
    result = OTHER_CASE;
  }
  return result;
}

/** Whether `text[start, end)` is `key` in any ASCII case. */
export const isKey = (text: string, start: number, end: number, key: string): boolean => spelling(text, start, end, key) !== NOT_KEY;

/** The accessors, each named for the key it reads; `loop` reads `loopKey`. */
type Known = 'root' | 'parent' | 'sampled' | 'self' | 'lineage' | 'loop';
const AWS_KEYS: ReadonlyArray<readonly [Known, string]> = [
  ['root', 'Root'],
  ['parent', 'Parent'],
  ['sampled', 'Sampled'],
  ['self', 'Self'],
  ['lineage', 'Lineage'],
];

// ---------------------------------------------------------------------------------------------
// Tokenising: the fields, the diagnostics, and which field each accessor reads.

interface Tokens {
  fields: FieldSpan[];
  diagnostics: DiagnosticAt[];
  /** Per accessor, the index of the last field with its key and a `=`, or -1. */
  known: Record<Known, number>;
}

function tokenize(header: string, { maxLength, maxFields, loopKey }: ResolvedOptions): Tokens | HardError {
  const length = header.length;
  if (length === 0) return { code: E_EMPTY, offset: 0 };
  // Units first, within the limit only: a 1 MB header is refused after maxLength units of work,
  // and an invalid unit inside the limit wins over the length (so a backend that reads UTF-8
  // bytes finds it where this finds a UTF-16 unit: everything before it is ASCII).
  const invalid = (length > maxLength ? header.slice(0, maxLength) : header).search(INVALID_UNIT);
  if (invalid >= 0) return { code: E_INVALID_BYTE, offset: invalid };
  if (length > maxLength) return { code: E_TOO_LONG, offset: maxLength };

  const tokens: Tokens = { fields: [], diagnostics: [], known: { root: -1, parent: -1, sampled: -1, self: -1, lineage: -1, loop: -1 } };
  let inEmptyRun = false;
  for (let segmentStart = 0; ; ) {
    let segmentEnd = header.indexOf(';', segmentStart);
    if (segmentEnd < 0) segmentEnd = length;
    const start = skipWhitespace(header, segmentStart, segmentEnd);
    const end = trimWhitespace(header, start, segmentEnd);
    if (start < end) {
      if (tokens.fields.length === maxFields) return { code: E_TOO_MANY_FIELDS, offset: start };
      addField(header, segmentStart, start, end, segmentEnd, loopKey, tokens);
      inEmptyRun = false;
    } else if (segmentEnd === length && segmentStart > 0) {
      tokens.diagnostics.push({ code: D_TRAILING_SEMICOLON, offset: segmentStart - 1 });
    } else if (!inEmptyRun) {
      // `;;;` is one empty field diagnostic, not two.
      tokens.diagnostics.push({ code: D_EMPTY_FIELD, offset: segmentStart });
      inEmptyRun = true;
    }
    if (segmentEnd === length) break;
    segmentStart = segmentEnd + 1;
  }
  if (tokens.fields.length === 0) return { code: E_EMPTY, offset: 0 };
  return tokens;
}

/** The field `header[start, end)`, found in the segment `[segmentStart, segmentEnd)` between two `;`. */
function addField(header: string, segmentStart: number, start: number, end: number, segmentEnd: number, loopKey: string, tokens: Tokens): void {
  const { fields, diagnostics } = tokens;
  const equals = indexIn(header, EQUALS, start, end);
  if (equals < 0) {
    fields.push({ keyStart: start, keyEnd: end, valueStart: -1, valueEnd: -1 });
    const whitespace = start > segmentStart ? segmentStart : end < segmentEnd ? end : -1;
    if (whitespace >= 0) diagnostics.push({ code: D_WHITESPACE, offset: whitespace });
    diagnostics.push({ code: D_MISSING_EQUALS, offset: start });
    return;
  }
  const keyEnd = trimWhitespace(header, start, equals);
  const valueStart = skipWhitespace(header, equals + 1, end);
  fields.push({ keyStart: start, keyEnd, valueStart, valueEnd: end });
  // One whitespace diagnostic a field, at the first place: before the key, after it, before the
  // value, after it.
  let whitespace = -1;
  if (start > segmentStart) whitespace = segmentStart;
  else if (keyEnd < equals) whitespace = keyEnd;
  else if (valueStart > equals + 1) whitespace = equals + 1;
  else if (end < segmentEnd) whitespace = end;
  if (whitespace >= 0) diagnostics.push({ code: D_WHITESPACE, offset: whitespace });
  if (keyEnd === start) {
    diagnostics.push({ code: D_EMPTY_KEY, offset: start });
    return;
  }
  for (const [known, key] of AWS_KEYS) if (claimField(header, start, keyEnd, key, known, tokens)) return;
  claimField(header, start, keyEnd, loopKey, 'loop', tokens);
}

/**
 * If the key `header[start, end)` is `key`, the field just added is the one the accessor `known`
 * reads from now on: noted as a diagnostic when spelled in another case, or when an earlier field
 * had the key. Returns whether it is `key`.
 */
function claimField(header: string, start: number, end: number, key: string, known: Known, tokens: Tokens): boolean {
  const spelled = spelling(header, start, end, key);
  if (spelled === NOT_KEY) return false;
  if (spelled === OTHER_CASE) tokens.diagnostics.push({ code: D_KEY_CASE, offset: start });
  if (tokens.known[known] >= 0) tokens.diagnostics.push({ code: D_DUPLICATE_KEY, offset: start });
  tokens.known[known] = tokens.fields.length - 1;
  return true;
}

// ---------------------------------------------------------------------------------------------
// The accessors, each validating its own value.

const hexReason = (text: string, start: number, end: number): number => {
  for (let i = start; i < end; i++) if (!isHex(text.charCodeAt(i))) return R_NOT_HEX;
  return R_VALID;
};

/** `Root`: `1-`, 8 hex (the epoch seconds), `-`, 24 hex: 35 units. */
export function rootReason(text: string, start: number, end: number): number {
  if (start === end) return R_EMPTY;
  if (end - start !== 35) return R_LENGTH;
  if (text.charCodeAt(start) !== 0x31 || text.charCodeAt(start + 1) !== 0x2d) return R_VERSION;
  if (text.charCodeAt(start + 10) !== 0x2d) return R_SEPARATOR;
  return hexReason(text, start + 2, start + 10) || hexReason(text, start + 11, end);
}

/** `Parent`: 16 hex. */
export function parentReason(text: string, start: number, end: number): number {
  if (start === end) return R_EMPTY;
  if (end - start !== 16) return R_LENGTH;
  return hexReason(text, start, end);
}

/** `Sampled`: `1`, `0`, or `?` (requested: the downstream decides). */
export function sampledReason(text: string, start: number, end: number): number {
  if (start === end) return R_EMPTY;
  const c = text.charCodeAt(start);
  return end - start === 1 && (c === 0x30 || c === 0x31 || c === 0x3f) ? R_VALID : R_SAMPLED_VALUE;
}

/** `Self`: load balancers write it, and AWS's own example breaks any stricter rule: non-empty. */
const selfReason = (_text: string, start: number, end: number): number => (start === end ? R_EMPTY : R_VALID);

/**
 * `|`-separated `<8 hex>:<decimal>` entries (Lineage V1, and our loop field): the well-formed
 * ones, how many pieces are not, and the reason of the first that is not (`R_VALID` if none).
 */
function entryList(text: string, start: number, end: number): { entries: EntrySpan[]; malformed: number; reason: number } {
  const entries: EntrySpan[] = [];
  let malformed = 0;
  let reason = R_VALID;
  for (let pieceStart = start; ; ) {
    let pieceEnd = indexIn(text, PIPE, pieceStart, end);
    if (pieceEnd < 0) pieceEnd = end;
    const pieceReason = entryReason(text, pieceStart, pieceEnd);
    if (pieceReason === R_VALID) {
      entries.push({ start: pieceStart, end: pieceEnd, count: decimal(text, pieceStart + 9, pieceEnd) });
    } else {
      malformed++;
      if (reason === R_VALID) reason = pieceReason;
    }
    if (pieceEnd === end) break;
    pieceStart = pieceEnd + 1;
  }
  return { entries, malformed, reason };
}

/** Why `text[start, end)` is not a `<8 hex>:<decimal>` entry, or `R_VALID`. */
function entryReason(text: string, start: number, end: number): number {
  const colon = indexIn(text, COLON, start, end);
  if (colon < 0 || indexIn(text, COLON, colon + 1, end) >= 0) return R_ENTRY_FORMAT;
  if (colon - start !== 8) return R_LENGTH;
  if (hexReason(text, start, colon) !== R_VALID) return R_NOT_HEX;
  return decimal(text, colon + 1, end) < 0 ? R_NOT_DECIMAL : R_VALID;
}

/**
 * A `Lineage` value. Exactly two `:` and no `|` is V2; any other value with a `:` is V1 (entries,
 * as our loop field's); anything else is opaque (kept, never interpreted).
 */
export function lineageValue(text: string, start: number, end: number): LineageValue {
  let colons = 0;
  let pipes = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) colons++;
    else if (c === PIPE) pipes++;
  }
  if (colons === 2 && pipes === 0) return lineageV2(text, start, end);
  if (colons > 0) {
    const { entries, reason } = entryList(text, start, end);
    return { format: F_V1, reason, entries, v2: null };
  }
  return { format: F_OPAQUE, reason: start === end ? R_EMPTY : R_UNKNOWN_FORMAT, entries: [], v2: null };
}

/**
 * Lineage V2: `<decimal>:<8 lowercase hex>:<decimal>`, 12..18 units, the first number 0..32767,
 * the last 0..255: the rules OpenTelemetry Java publishes (what the numbers mean, AWS does not
 * say). Checked left to right: the first rule broken is the reason.
 */
function lineageV2(text: string, start: number, end: number): LineageValue {
  const invalid = (reason: number): LineageValue => ({ format: F_V2, reason, entries: [], v2: null });
  if (end - start < 12 || end - start > 18) return invalid(R_LENGTH);
  const firstColon = indexIn(text, COLON, start, end);
  const lastColon = indexIn(text, COLON, firstColon + 1, end);
  const first = decimal(text, start, firstColon);
  if (first < 0) return invalid(R_NOT_DECIMAL);
  if (first > 32767) return invalid(R_OUT_OF_RANGE);
  if (lastColon - firstColon - 1 !== 8) return invalid(R_LENGTH);
  for (let i = firstColon + 1; i < lastColon; i++) {
    const c = text.charCodeAt(i);
    if (!isLowerHex(c)) return invalid(isUpperHex(c) ? R_NOT_LOWERCASE_HEX : R_NOT_HEX);
  }
  const last = decimal(text, lastColon + 1, end);
  if (last < 0) return invalid(R_NOT_DECIMAL);
  if (last > 255) return invalid(R_OUT_OF_RANGE);
  return { format: F_V2, reason: R_VALID, entries: [], v2: { first, hashStart: firstColon + 1, last } };
}

/** Our loop field: its entries, and the reason of the first malformed piece. */
function loopField(header: string, field: number, { valueStart, valueEnd }: FieldSpan): LoopField {
  if (valueStart === valueEnd) return { field, reason: R_EMPTY, entries: [] };
  const { entries, reason } = entryList(header, valueStart, valueEnd);
  return { field, reason, entries };
}

// ---------------------------------------------------------------------------------------------
// Parsing.

/** Parse `header`: every field, the diagnostics, and each accessor validated; or the hard error. */
export function parse(header: string, options: ResolvedOptions): Parsed | HardError {
  const tokens = tokenize(header, options);
  if (isHardError(tokens)) return tokens;
  const { fields, known } = tokens;
  const accessor = (field: number, reason: (text: string, start: number, end: number) => number): KnownField | null =>
    field < 0 ? null : { field, reason: reason(header, fields[field].valueStart, fields[field].valueEnd) };
  const lineage = known.lineage;
  return {
    fields,
    diagnostics: tokens.diagnostics,
    root: accessor(known.root, rootReason),
    parent: accessor(known.parent, parentReason),
    sampled: accessor(known.sampled, sampledReason),
    self: accessor(known.self, selfReason),
    lineage: lineage < 0 ? null : { field: lineage, ...lineageValue(header, fields[lineage].valueStart, fields[lineage].valueEnd) },
    loop: known.loop < 0 ? null : loopField(header, known.loop, fields[known.loop]),
  };
}

/** Validate a bare `Lineage` value (not a whole header: any string). */
export const validateLineage = (value: string): LineageValue => lineageValue(value, 0, value.length);

// ---------------------------------------------------------------------------------------------
// Rewriting: one span replaced, every other byte kept.

/** Replace `header[start, end)` by `insert`, unless the header would get longer than maxLength. */
function replaceSpan(header: string, start: number, end: number, insert: string, { maxLength }: ResolvedOptions): Splice | HardError {
  if (header.length - (end - start) + insert.length > maxLength) return { code: E_TOO_LONG, offset: maxLength };
  return { start, end, insert };
}

/**
 * Append `;key=value` after the last field (after its value, or its key if it has no `=`): one
 * field more, so `too_many_fields` (at that offset) where there are maxFields already, since the
 * next parse would refuse the header.
 */
function appendField(header: string, fields: FieldSpan[], key: string, value: string, options: ResolvedOptions): Splice | HardError {
  const last = fields[fields.length - 1];
  const end = last.valueStart < 0 ? last.keyEnd : last.valueEnd;
  if (fields.length >= options.maxFields) return { code: E_TOO_MANY_FIELDS, offset: end };
  return replaceSpan(header, end, end, `;${key}=${value}`, options);
}

/**
 * Count one more entry of the resource whose hash is `hash` in our loop field (the last field
 * with the loop key and a `=`), and give the outgoing header: the incoming one with the loop
 * field's value replaced (or the loop field appended), every other byte as it was.
 */
export function enter(header: string, hash: number, { threshold, maxEntries, maxCount }: CounterOptions, options: ResolvedOptions): Entered | HardError {
  const tokens = tokenize(header, options);
  if (isHardError(tokens)) return tokens;
  const field = tokens.known.loop < 0 ? null : tokens.fields[tokens.known.loop];
  const { entries, malformed } = field === null ? { entries: [], malformed: 0 } : entryList(header, field.valueStart, field.valueEnd);

  // This resource's entries merge into the first of them, at the highest count; the count goes up
  // by one and saturates at maxCount.
  const isOwn = (entry: EntrySpan): boolean => hashAt(header, entry.start) === hash;
  const own = entries.filter(isOwn);
  const others = entries.filter((entry) => !isOwn(entry));
  const previous = own.reduce((highest, entry) => Math.max(highest, entry.count), 0);
  const count = own.length === 0 ? 1 : Math.min(previous + 1, maxCount);

  // At most maxEntries entries: the other resources' with the lowest counts go first, the earliest
  // first among equal counts, so that a long-running loop's entries are the last to go.
  const evict = Math.max(0, others.length - (maxEntries - 1));
  const evicted = new Set(evict === 0 ? [] : others.sort((a, b) => a.count - b.count || a.start - b.start).slice(0, evict));

  // The entries in their order, as written; this resource's where its first was, or last if new.
  const ownEntry = `${hashHex(hash)}:${count}`;
  const value: string[] = [];
  for (const entry of entries) {
    if (entry === own[0]) value.push(ownEntry);
    else if (!evicted.has(entry) && !isOwn(entry)) value.push(header.slice(entry.start, entry.end));
  }
  if (own.length === 0) value.push(ownEntry);

  const splice =
    field === null
      ? appendField(header, tokens.fields, options.loopKey, value.join('|'), options)
      : replaceSpan(header, field.valueStart, field.valueEnd, value.join('|'), options);
  if (isHardError(splice)) return splice;
  return {
    count,
    loop: count > threshold,
    evicted: evict,
    dropped: malformed + Math.max(0, own.length - 1),
    header: header.slice(0, splice.start) + splice.insert + header.slice(splice.end),
  };
}

/** Why `key` and `value` may not be written into a header, or null if they may (AWS's `Lineage` may not be). */
function refusedKeyValue(key: string, value: string): HardError | null {
  const badKey = firstRefused(key, isKeyUnit);
  if (badKey >= 0) return { code: E_INVALID_KEY, offset: badKey };
  if (isKey(key, 0, key.length, 'Lineage')) return { code: E_INVALID_KEY, offset: 0 };
  const badValue = firstRefused(value, isValueUnit);
  if (badValue >= 0) return { code: E_INVALID_VALUE, offset: badValue };
  return null;
}

/**
 * Set the value of `key`: the last field with that key (in any case) and a `=`, else a new field
 * after the last one. The key and value are checked before the header.
 */
export function setField(header: string, key: string, value: string, options: ResolvedOptions): Splice | HardError {
  const refused = refusedKeyValue(key, value);
  if (refused !== null) return refused;
  const tokens = tokenize(header, options);
  if (isHardError(tokens)) return tokens;
  const { fields } = tokens;
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i];
    if (field.valueStart >= 0 && isKey(header, field.keyStart, field.keyEnd, key)) {
      return replaceSpan(header, field.valueStart, field.valueEnd, value, options);
    }
  }
  return appendField(header, fields, key, value, options);
}
