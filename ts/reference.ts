/**
 * The pure-TypeScript reference implementation: the readable spec of trace-lineage.
 *
 * The Rust core (`crates/core`) implements exactly this; the native and WASM backends are held
 * against it by the differential properties in `test/`. It writes the same flat record as the
 * core (see `record.ts`), so every backend is compared slot by slot. It is also the fallback
 * backend wherever native code and WASM are not allowed, so it scans with `charCodeAt` and
 * builds no intermediate strings while parsing.
 *
 * Policy (DOMAIN.md §4): tokenising is lenient (whitespace, empty fields, a trailing `;`, a
 * field without `=` are tolerated and reported as diagnostics); hard errors are few (empty, too
 * long, a byte outside visible ASCII/space/tab, too many fields); typed accessors validate
 * their own value and say why it is invalid.
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
  E_OK,
  E_TOO_LONG,
  E_TOO_MANY_FIELDS,
  F_ABSENT,
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
import {
  A_LINEAGE,
  B_COUNT,
  B_DROPPED,
  B_EVICTED,
  B_IS_LOOP,
  B_OUTPUT_END,
  A_LOOP,
  A_PARENT,
  A_ROOT,
  A_SAMPLED,
  A_SELF,
  ACCESSOR_KEYS,
  FIELDS_BASE,
  NONE,
  S_ACCESSORS,
  S_DIAG_COUNT,
  S_FIELD_COUNT,
  S_INPUT_LENGTH,
  S_INSERT_LENGTH,
  S_LINEAGE_ENTRIES,
  S_LINEAGE_FORMAT,
  S_LOOP_ENTRIES,
  S_MAX_FIELDS,
  S_OFFSET,
  S_SPLICE_END,
  S_SPLICE_START,
  S_STATUS,
  S_V2_FIRST,
  S_V2_HASH,
  S_V2_LAST,
  diagnosticsBase,
  entriesBase,
  type ResolvedOptions,
} from './record.js';
import type { CounterOptions } from './backends/types.js';

const U32_MAX = 0xffffffff;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const COLON = 0x3a;
const PIPE = 0x7c;

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x09;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLowerHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66);
const isUpperHex = (c: number): boolean => c >= 0x41 && c <= 0x46;
const isHex = (c: number): boolean => isLowerHex(c) || isUpperHex(c);
const asciiLower = (c: number): number => (c >= 0x41 && c <= 0x5a ? c | 0x20 : c);
/** A key byte: visible ASCII except `;` and `=`. */
const isKeyByte = (c: number): boolean => c > 0x20 && c < 0x7f && c !== SEMICOLON && c !== EQUALS;
/** A value byte a setter may write: visible ASCII except `;`. */
const isValueByte = (c: number): boolean => c > 0x20 && c < 0x7f && c !== SEMICOLON;

function fail(record: Uint32Array, code: number, offset: number): number {
  record[S_STATUS] = code;
  record[S_OFFSET] = offset;
  return code;
}

/** `text[start, end)` is `key` exactly; in another (ASCII) case; or not `key` at all. */
const EXACT = 1;
const OTHER_CASE = 2;
const NOT_KEY = 0;
function compareKey(text: string, start: number, end: number, key: string): number {
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

/** Case-insensitive (ASCII) comparison of `text[start, end)` with `key`. */
const keyEquals = (text: string, start: number, end: number, key: string): boolean => compareKey(text, start, end, key) !== NOT_KEY;

/**
 * Which accessor `text[start, end)` names (only the known keys of its length are compared), as
 * `2 * accessor + (1 if spelled in another case)`; -1 if none.
 */
function knownKey(text: string, start: number, end: number, loopKey: string): number {
  let accessor = -1;
  let match = NOT_KEY;
  switch (end - start) {
    case 4:
      if ((match = compareKey(text, start, end, 'Root')) !== NOT_KEY) accessor = A_ROOT;
      else if ((match = compareKey(text, start, end, 'Self')) !== NOT_KEY) accessor = A_SELF;
      break;
    case 6:
      if ((match = compareKey(text, start, end, 'Parent')) !== NOT_KEY) accessor = A_PARENT;
      break;
    case 7:
      if ((match = compareKey(text, start, end, 'Sampled')) !== NOT_KEY) accessor = A_SAMPLED;
      else if ((match = compareKey(text, start, end, 'Lineage')) !== NOT_KEY) accessor = A_LINEAGE;
      break;
  }
  if (accessor < 0 && (match = compareKey(text, start, end, loopKey)) !== NOT_KEY) accessor = A_LOOP;
  return accessor < 0 ? -1 : 2 * accessor + (match === OTHER_CASE ? 1 : 0);
}

/** Decimal digits as a number that saturates at 2^32-1 instead of overflowing; -1 if not decimal. */
function decimal(text: string, start: number, end: number): number {
  if (start === end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return -1;
    value = value * 10 + (c - 0x30);
    if (value > U32_MAX) value = U32_MAX;
  }
  return value;
}

function hexReason(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) if (!isHex(text.charCodeAt(i))) return R_NOT_HEX;
  return R_VALID;
}

/** `Root`: `1-` + 8 hex + `-` + 24 hex. */
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

/** `Sampled`: `0`, `1` or `?`. */
export function sampledReason(text: string, start: number, end: number): number {
  if (start === end) return R_EMPTY;
  const c = text.charCodeAt(start);
  return end - start === 1 && (c === 0x30 || c === 0x31 || c === 0x3f) ? R_VALID : R_SAMPLED_VALUE;
}

/**
 * `|`-separated `<8 hex>:<decimal>` entries (AWS Lineage V1, and our loop field). Writes the
 * well-formed entries as [hashStart, count] pairs at `base`; returns [the reason of the first
 * malformed entry (or valid), the number of well-formed entries].
 */
function entries(text: string, start: number, end: number, record: Uint32Array, base: number): [number, number] {
  let reason = R_VALID;
  let count = 0;
  let entryStart = start;
  for (;;) {
    let entryEnd = entryStart;
    let colon = -1;
    let colons = 0;
    for (; entryEnd < end; entryEnd++) {
      const c = text.charCodeAt(entryEnd);
      if (c === PIPE) break;
      if (c === COLON) {
        colons++;
        if (colon < 0) colon = entryEnd;
      }
    }
    let entryReason = R_VALID;
    let entryCount = 0;
    if (colons !== 1) entryReason = R_ENTRY_FORMAT;
    else if (colon - entryStart !== 8) entryReason = R_LENGTH;
    else if ((entryReason = hexReason(text, entryStart, colon)) === R_VALID) {
      entryCount = decimal(text, colon + 1, entryEnd);
      if (entryCount < 0) entryReason = R_NOT_DECIMAL;
    }
    if (entryReason === R_VALID) {
      record[base + 2 * count] = entryStart;
      record[base + 2 * count + 1] = entryCount;
      count++;
    } else if (reason === R_VALID) {
      reason = entryReason;
    }
    if (entryEnd >= end) break;
    entryStart = entryEnd + 1;
  }
  return [reason, count];
}

/**
 * AWS Lineage V2: `<decimal>:<8 lowercase hex>:<decimal>`, total length 12..18, first number
 * 0..32767, last 0..255 (the rules OpenTelemetry Java publishes). Checked left to right.
 */
function lineageV2(text: string, start: number, end: number, record: Uint32Array): number {
  if (end - start < 12 || end - start > 18) return R_LENGTH;
  const firstColon = text.indexOf(':', start);
  const lastColon = text.indexOf(':', firstColon + 1);
  const first = decimal(text, start, firstColon);
  if (first < 0) return R_NOT_DECIMAL;
  if (first > 32767) return R_OUT_OF_RANGE;
  if (lastColon - firstColon - 1 !== 8) return R_LENGTH;
  for (let i = firstColon + 1; i < lastColon; i++) {
    const c = text.charCodeAt(i);
    if (!isLowerHex(c)) return isUpperHex(c) ? R_NOT_LOWERCASE_HEX : R_NOT_HEX;
  }
  const last = decimal(text, lastColon + 1, end);
  if (last < 0) return R_NOT_DECIMAL;
  if (last > 255) return R_OUT_OF_RANGE;
  record[S_V2_FIRST] = first;
  record[S_V2_HASH] = firstColon + 1;
  record[S_V2_LAST] = last;
  return R_VALID;
}

/**
 * Classify and validate a `Lineage` value: exactly two `:` and no `|` is V2; any other value
 * with a `:` is a V1 entry list; anything else is opaque. Writes format, V1 entries or V2 parts.
 */
export function lineageInto(text: string, start: number, end: number, record: Uint32Array, base: number): number {
  record[S_LINEAGE_ENTRIES] = 0;
  let colons = 0;
  let pipes = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === COLON) colons++;
    else if (c === PIPE) pipes++;
  }
  if (colons === 2 && pipes === 0) {
    record[S_LINEAGE_FORMAT] = F_V2;
    return lineageV2(text, start, end, record);
  }
  if (colons > 0) {
    record[S_LINEAGE_FORMAT] = F_V1;
    const [reason, count] = entries(text, start, end, record, base);
    record[S_LINEAGE_ENTRIES] = count;
    return reason;
  }
  record[S_LINEAGE_FORMAT] = F_OPAQUE;
  return start === end ? R_EMPTY : R_UNKNOWN_FORMAT;
}

/** A unit outside visible ASCII, space and tab: the hard error `invalid_byte`. */
const INVALID_BYTE = /[^\t -~]/;

/**
 * Tokenise `header` into `record`: the checks that make hard errors, then the fields, the
 * diagnostics and which field each accessor names (not yet validated). Returns the status.
 */
function tokenizeInto(header: string, options: ResolvedOptions, record: Uint32Array): number {
  const { maxLength, maxFields, loopKey } = options;
  const length = header.length;
  record[S_MAX_FIELDS] = maxFields;
  record[S_INPUT_LENGTH] = length;
  record[S_FIELD_COUNT] = 0;
  record[S_DIAG_COUNT] = 0;
  if (length === 0) return fail(record, E_EMPTY, 0);
  // Bytes first, over at most maxLength units: a 1 MB header is rejected after 8 KB of work,
  // and an invalid byte inside the limit wins over the length (the same answer whether a binding
  // sees UTF-16 units or UTF-8 bytes: everything before the first non-ASCII unit is ASCII).
  const invalid = (length > maxLength ? header.slice(0, maxLength) : header).search(INVALID_BYTE);
  if (invalid >= 0) return fail(record, E_INVALID_BYTE, invalid);
  if (length > maxLength) return fail(record, E_TOO_LONG, maxLength);

  for (let k = 0; k < 6; k++) {
    record[S_ACCESSORS + 2 * k] = NONE;
    record[S_ACCESSORS + 2 * k + 1] = R_VALID;
  }
  let seen = 0; // one bit per accessor whose key was met
  const diagBase = diagnosticsBase(maxFields);
  let fieldCount = 0;
  let diagCount = 0;
  const diagnose = (code: number, offset: number): void => {
    record[diagBase + 2 * diagCount] = code;
    record[diagBase + 2 * diagCount + 1] = offset;
    diagCount++;
  };

  let inEmptyRun = false;
  let segmentStart = 0;
  for (;;) {
    let segmentEnd = header.indexOf(';', segmentStart);
    if (segmentEnd < 0) segmentEnd = length;
    let start = segmentStart;
    let end = segmentEnd;
    while (start < end && isWhitespace(header.charCodeAt(start))) start++;
    while (end > start && isWhitespace(header.charCodeAt(end - 1))) end--;

    if (start === end) {
      if (segmentEnd === length && segmentStart > 0) {
        diagnose(D_TRAILING_SEMICOLON, segmentStart - 1);
      } else if (!inEmptyRun) {
        diagnose(D_EMPTY_FIELD, segmentStart);
        inEmptyRun = true;
      }
    } else {
      inEmptyRun = false;
      if (fieldCount === maxFields) return fail(record, E_TOO_MANY_FIELDS, start);
      const at = FIELDS_BASE + 4 * fieldCount;
      // Search this field only: indexOf would scan to the end of the header for every field
      // without `=`, quadratic in the header's length.
      let equals = start;
      while (equals < end && header.charCodeAt(equals) !== EQUALS) equals++;
      if (equals === end) equals = -1;
      let whitespaceAt = start > segmentStart ? segmentStart : -1;
      if (equals < 0) {
        if (whitespaceAt < 0 && end < segmentEnd) whitespaceAt = end;
        record[at] = start;
        record[at + 1] = end;
        record[at + 2] = NONE;
        record[at + 3] = NONE;
        if (whitespaceAt >= 0) diagnose(D_WHITESPACE, whitespaceAt);
        diagnose(D_MISSING_EQUALS, start);
      } else {
        let keyEnd = equals;
        while (keyEnd > start && isWhitespace(header.charCodeAt(keyEnd - 1))) keyEnd--;
        let valueStart = equals + 1;
        while (valueStart < end && isWhitespace(header.charCodeAt(valueStart))) valueStart++;
        if (whitespaceAt < 0) {
          if (keyEnd < equals) whitespaceAt = keyEnd;
          else if (valueStart > equals + 1) whitespaceAt = equals + 1;
          else if (end < segmentEnd) whitespaceAt = end;
        }
        record[at] = start;
        record[at + 1] = keyEnd;
        record[at + 2] = valueStart;
        record[at + 3] = end;
        if (whitespaceAt >= 0) diagnose(D_WHITESPACE, whitespaceAt);
        if (keyEnd === start) {
          diagnose(D_EMPTY_KEY, start);
        } else {
          const known = knownKey(header, start, keyEnd, loopKey);
          if (known >= 0) {
            const accessor = known >> 1;
            if ((known & 1) === 1) diagnose(D_KEY_CASE, start);
            if ((seen & (1 << accessor)) !== 0) diagnose(D_DUPLICATE_KEY, start);
            seen |= 1 << accessor;
            record[S_ACCESSORS + 2 * accessor] = fieldCount;
          }
        }
      }
      fieldCount++;
    }
    if (segmentEnd === length) break;
    segmentStart = segmentEnd + 1;
  }
  record[S_FIELD_COUNT] = fieldCount;
  record[S_DIAG_COUNT] = diagCount;
  if (fieldCount === 0) return fail(record, E_EMPTY, 0);
  return fail(record, E_OK, 0);
}

/**
 * Parse `header` into `record`. Returns the status (0 = ok); on error the record holds the
 * code and the byte offset, and nothing else is meaningful.
 */
export function parseInto(header: string, options: ResolvedOptions, record: Uint32Array): number {
  if (tokenizeInto(header, options, record) !== E_OK) return record[S_STATUS];

  // Typed accessors validate their own value.
  const check = (accessor: number, validate: (t: string, s: number, e: number) => number): void => {
    const span = valueSpan(record, accessor);
    if (span >= 0) record[S_ACCESSORS + 2 * accessor + 1] = validate(header, record[span], record[span + 1]);
  };
  check(A_ROOT, rootReason);
  check(A_PARENT, parentReason);
  check(A_SAMPLED, sampledReason);
  check(A_SELF, (_t, s, e) => (s === e ? R_EMPTY : R_VALID));

  const base = entriesBase(options.maxFields);
  record[S_LINEAGE_FORMAT] = F_ABSENT;
  record[S_LINEAGE_ENTRIES] = 0;
  const lineage = valueSpan(record, A_LINEAGE);
  if (lineage >= 0) {
    record[S_ACCESSORS + 2 * A_LINEAGE + 1] = lineageInto(header, record[lineage], record[lineage + 1], record, base);
  }
  loopEntriesInto(header, record, base + 2 * record[S_LINEAGE_ENTRIES]);
  return fail(record, E_OK, 0);
}

/** Where an accessor's value span is in the record (its start, then its end), or -1 if absent. */
function valueSpan(record: Uint32Array, accessor: number): number {
  const index = record[S_ACCESSORS + 2 * accessor];
  return index === NONE ? -1 : FIELDS_BASE + 4 * index + 2;
}

/** Our loop field's well-formed entries from `base`, their number, and the field's reason. */
function loopEntriesInto(header: string, record: Uint32Array, base: number): void {
  record[S_LOOP_ENTRIES] = 0;
  const loop = valueSpan(record, A_LOOP);
  if (loop < 0) return;
  const start = record[loop];
  const end = record[loop + 1];
  if (start === end) {
    record[S_ACCESSORS + 2 * A_LOOP + 1] = R_EMPTY;
  } else {
    const [reason, count] = entries(header, start, end, record, base);
    record[S_ACCESSORS + 2 * A_LOOP + 1] = reason;
    record[S_LOOP_ENTRIES] = count;
  }
}

/** Validate a bare Lineage value (not a whole header) into `record`. */
export function validateLineageInto(value: string, record: Uint32Array): void {
  record[S_STATUS] = E_OK;
  record[S_MAX_FIELDS] = 0;
  record[S_ACCESSORS + 2 * A_LINEAGE] = 0;
  record[S_ACCESSORS + 2 * A_LINEAGE + 1] = lineageInto(value, 0, value.length, record, entriesBase(0));
}

/** FNV-1a 32-bit over the UTF-8 bytes of `resource` (lone surrogates encode as U+FFFD). */
export function resourceHash(resource: string): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number): void => {
    hash = Math.imul(hash ^ byte, 0x01000193);
  };
  for (let i = 0; i < resource.length; i++) {
    let c = resource.charCodeAt(i);
    if (c < 0x80) {
      mix(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = resource.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      mix(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      mix(0xe0 | (c >> 12));
      mix(0x80 | ((c >> 6) & 0x3f));
    } else {
      mix(0xf0 | (c >> 18));
      mix(0x80 | ((c >> 12) & 0x3f));
      mix(0x80 | ((c >> 6) & 0x3f));
    }
    mix(0x80 | (c & 0x3f));
  }
  return hash >>> 0;
}

/** A hash as 8 lowercase hex digits. */
let lastHash = -1;
let lastHex = '';
/** A hash as 8 lowercase hex digits (the last one is kept: a guard asks for its own on every call). */
export function hashHex(hash: number): string {
  if (hash !== lastHash) {
    lastHex = (hash >>> 0).toString(16).padStart(8, '0');
    lastHash = hash;
  }
  return lastHex;
}

/** The 8 hex digits at `start` as a number (either case; the entry was validated). */
function hexValue(text: string, start: number): number {
  let value = 0;
  for (let i = start; i < start + 8; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower case: digits stay digits
    value = (value << 4) | (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return value >>> 0;
}

/**
 * Where a new field goes: after the last field (its value, or its key if it has no `=`), or -1
 * (too_many_fields at that offset) when the header already has `maxFields` fields: the next
 * parse would refuse the rewritten header.
 */
function appendAt(record: Uint32Array, options: ResolvedOptions): number {
  const fieldCount = record[S_FIELD_COUNT];
  const at = FIELDS_BASE + 4 * (fieldCount - 1);
  const end = record[at + 2] === NONE ? record[at + 1] : record[at + 3];
  if (fieldCount >= options.maxFields) {
    fail(record, E_TOO_MANY_FIELDS, end);
    return -1;
  }
  return end;
}

function splice(
  header: string,
  record: Uint32Array,
  options: ResolvedOptions,
  start: number,
  end: number,
  insert: string,
): string | null {
  if (header.length - (end - start) + insert.length > options.maxLength) {
    fail(record, E_TOO_LONG, options.maxLength);
    return null;
  }
  record[S_SPLICE_START] = start;
  record[S_SPLICE_END] = end;
  record[S_INSERT_LENGTH] = insert.length;
  return insert;
}

/**
 * Count one more entry of the resource whose hash is `hash` in our loop field.
 *
 * Malformed entries of the loop field are dropped; duplicate entries of this resource merge
 * into the first, keeping the highest count. The count goes up by one (saturating at `maxCount`);
 * more than `threshold` is a loop. At most `maxEntries` entries are kept: when one more is
 * needed, the other resources' entries with the lowest counts go first (the earliest first
 * among equal counts), so a long-running loop's entries are the last to be evicted.
 *
 * The result stays within the limits: too_long (offset maxLength) if it would be longer than
 * maxLength, too_many_fields (offset: where it would go) if the loop field must be added to a
 * header that already has maxFields fields.
 *
 * Returns the outgoing header (every byte of `header` outside the loop field's value, or with
 * `;key=value` after the last field), with count, loop, evicted and dropped in the record's
 * batch slots (`B_*`); or null on error (code and offset in the record).
 */
export function enterInto(
  header: string,
  hash: number,
  { threshold, maxEntries, maxCount }: CounterOptions,
  options: ResolvedOptions,
  record: Uint32Array,
): string | null {
  if (tokenizeInto(header, options, record) !== E_OK) return null;
  const base = entriesBase(options.maxFields);
  loopEntriesInto(header, record, base);
  const total = record[S_LOOP_ENTRIES];
  const loopField = record[S_ACCESSORS + 2 * A_LOOP];
  const owns: boolean[] = [];
  for (let i = 0; i < total; i++) owns.push(hexValue(header, record[base + 2 * i]) === hash);

  // Malformed pieces of the loop field are dropped (and counted).
  let dropped = 0;
  if (loopField !== NONE) {
    const at = FIELDS_BASE + 4 * loopField;
    let pieces = 1;
    for (let i = record[at + 2]; i < record[at + 3]; i++) if (header.charCodeAt(i) === PIPE) pieces++;
    dropped = pieces - total;
  }
  let own = -1;
  let ownCount = 0;
  let otherCount = 0;
  for (let i = 0; i < total; i++) {
    if (!owns[i]) {
      otherCount++;
      continue;
    }
    const count = record[base + 2 * i + 1];
    if (own < 0) own = i;
    else dropped++; // a duplicate of this resource's entry merges into the first
    if (count > ownCount) ownCount = count;
  }
  const count = own < 0 ? 1 : Math.min(ownCount + 1, maxCount);
  const evict = Math.max(0, otherCount - (maxEntries - 1));

  // The other resources' entries with the lowest (count, position) are evicted, `evict` of them
  // (sorted once: a rank per entry would be quadratic in the header's length).
  const evicted = evict > 0 ? new Uint8Array(total) : null;
  if (evicted !== null) {
    const others: number[] = [];
    for (let i = 0; i < total; i++) if (!owns[i]) others.push(i);
    others.sort((a, b) => record[base + 2 * a + 1] - record[base + 2 * b + 1] || a - b);
    for (let k = 0; k < evict; k++) evicted[others[k]] = 1;
  }

  const ownEntry = `${hashHex(hash)}:${count}`;
  let value = '';
  const append = (entry: string): void => {
    value = value.length === 0 ? entry : `${value}|${entry}`;
  };
  for (let i = 0; i < total; i++) {
    const hashStart = record[base + 2 * i];
    if (owns[i]) {
      if (i === own) append(ownEntry);
      continue;
    }
    if (evicted !== null && evicted[i] === 1) continue;
    let entryEnd = hashStart + 9;
    while (entryEnd < header.length && isDigit(header.charCodeAt(entryEnd))) entryEnd++;
    append(header.slice(hashStart, entryEnd));
  }
  if (own < 0) append(ownEntry);

  let insert: string | null;
  if (loopField !== NONE) {
    const at = FIELDS_BASE + 4 * loopField;
    insert = splice(header, record, options, record[at + 2], record[at + 3], value);
  } else {
    const end = appendAt(record, options);
    insert = end < 0 ? null : splice(header, record, options, end, end, `;${options.loopKey}=${value}`);
  }
  if (insert === null) return null;
  const outgoing = applySplice(header, record, insert);
  record[B_COUNT] = count;
  record[B_IS_LOOP] = count > threshold ? 1 : 0;
  record[B_EVICTED] = evict;
  record[B_DROPPED] = dropped;
  record[B_OUTPUT_END] = outgoing.length;
  return outgoing;
}

/** First byte of `text` for which `allowed` is false, or -1 (an empty text fails at 0). */
function firstInvalid(text: string, allowed: (c: number) => boolean): number {
  if (text.length === 0) return 0;
  for (let i = 0; i < text.length; i++) if (!allowed(text.charCodeAt(i))) return i;
  return -1;
}

/** Why `key`/`value` may not be written into a header: [code, offset], or null if they may. */
export function checkKeyValue(key: string, value: string): [number, number] | null {
  const badKey = firstInvalid(key, isKeyByte);
  if (badKey >= 0) return [E_INVALID_KEY, badKey];
  if (keyEquals(key, 0, key.length, 'Lineage')) return [E_INVALID_KEY, 0];
  const badValue = firstInvalid(value, isValueByte);
  if (badValue >= 0) return [E_INVALID_VALUE, badValue];
  return null;
}

/**
 * Set the value of `key` (the last field with that key, matched case-insensitively), or append
 * `;key=value` after the last field. Every other byte stays where it was. AWS's `Lineage` may
 * not be set; the result stays within the limits, as in `enterInto`. Returns the text to insert
 * at [S_SPLICE_START, S_SPLICE_END), or null on error.
 */
export function setFieldInto(
  header: string,
  key: string,
  value: string,
  options: ResolvedOptions,
  record: Uint32Array,
): string | null {
  const invalid = checkKeyValue(key, value);
  if (invalid !== null) {
    fail(record, invalid[0], invalid[1]);
    return null;
  }
  if (parseInto(header, options, record) !== E_OK) return null;
  for (let i = record[S_FIELD_COUNT] - 1; i >= 0; i--) {
    const at = FIELDS_BASE + 4 * i;
    if (record[at + 2] !== NONE && keyEquals(header, record[at], record[at + 1], key)) {
      return splice(header, record, options, record[at + 2], record[at + 3], value);
    }
  }
  const end = appendAt(record, options);
  return end < 0 ? null : splice(header, record, options, end, end, `;${key}=${value}`);
}

/** Apply a successful enter/set record to the header. */
export function applySplice(header: string, record: Uint32Array, insert: string): string {
  return header.slice(0, record[S_SPLICE_START]) + insert + header.slice(record[S_SPLICE_END]);
}

/**
 * Percent-encode what the environment may smuggle into a header (`_X_AMZN_TRACE_ID`): control
 * characters (as the AWS SDKs do) and every byte of a non-ASCII character's UTF-8 form, as
 * `%XX` upper-case. Everything else, `%` included, is copied unchanged.
 */
export function percentEncodeEnv(value: string): string {
  let out = '';
  const bytes = new TextEncoder().encode(value);
  for (const byte of bytes) {
    if (byte < 0x20 || byte >= 0x7f) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** Parts of a new header: Root, Parent, Sampled are emitted first, then `fields` in order. */
export interface HeaderParts {
  root?: string;
  parent?: string;
  sampled?: string;
  fields?: Array<[string, string]>;
}

/**
 * Build a new header, `Root;Parent;Sampled` first, no spaces. Returns [header] or [code, offset]
 * where offset is the byte offset in the header being built at which the bad part starts (or,
 * for a byte that may not appear in a header, the offset of that byte).
 */
export function formatHeader(parts: HeaderParts): [string] | [number, number] {
  let out = '';
  const typed: Array<[string, string | undefined, (t: string, s: number, e: number) => number]> = [
    ['Root', parts.root, rootReason],
    ['Parent', parts.parent, parentReason],
    ['Sampled', parts.sampled, sampledReason],
  ];
  for (const [key, value, validate] of typed) {
    if (value === undefined) continue;
    const start = out.length + (out.length === 0 ? 0 : 1) + key.length + 1;
    const badByte = firstInvalid(value, isValueByte);
    if (badByte >= 0) return [E_INVALID_VALUE, start + badByte];
    if (validate(value, 0, value.length) !== R_VALID) return [E_INVALID_VALUE, start];
    out += `${out.length === 0 ? '' : ';'}${key}=${value}`;
  }
  for (const [key, value] of parts.fields ?? []) {
    const keyStart = out.length + (out.length === 0 ? 0 : 1);
    const badKey = firstInvalid(key, isKeyByte);
    if (badKey >= 0) return [E_INVALID_KEY, keyStart + badKey];
    for (let k = 0; k < 3; k++) {
      if (keyEquals(key, 0, key.length, ACCESSOR_KEYS[k])) return [E_INVALID_KEY, keyStart];
    }
    const badValue = firstInvalid(value, isValueByte);
    if (badValue >= 0) return [E_INVALID_VALUE, keyStart + key.length + 1 + badValue];
    out += `${out.length === 0 ? '' : ';'}${key}=${value}`;
  }
  if (out.length === 0) return [E_EMPTY, 0];
  return [out];
}
