/**
 * The flat result record every backend writes (Rust: `crates/core/src/record.rs`).
 *
 * A parse result is a `Uint32Array` of offsets and numbers, never strings: the native and
 * WASM backends fill it without building a single JS string, and `decodeParse` slices the
 * caller's own string only when a field is actually read. Offsets are indices into the header
 * (byte offsets and UTF-16 indices agree: a parsed header is ASCII).
 */
import {
  DIAGNOSTIC_NAMES,
  ERROR_NAMES,
  F_ABSENT,
  F_V1,
  F_V2,
  LINEAGE_FORMATS,
  REASON_NAMES,
  type DiagnosticName,
  type ErrorName,
  type LineageFormat,
  type ReasonName,
} from './codes.js';
import {
  A_LINEAGE,
  A_LOOP,
  A_PARENT,
  A_ROOT,
  A_SAMPLED,
  A_SELF,
  B_OUTPUT_END,
  BATCH_SLOTS,
  FIELDS_BASE,
  NONE,
  S_ACCESSORS,
  S_DIAG_COUNT,
  S_FIELD_COUNT,
  S_LINEAGE_ENTRIES,
  S_LINEAGE_FORMAT,
  S_LOOP_ENTRIES,
  S_MAX_FIELDS,
  S_V2_FIRST,
  S_V2_HASH,
  S_V2_LAST,
} from './generated/constants.js';

/**
 * The slots, generated from the Rust core's `record::LAYOUT` (`crates/core/src/record.rs` says
 * what each holds). A parse record: fixed `S_*` slots, then from `FIELDS_BASE` the fields
 * ([keyStart, keyEnd, valueStart, valueEnd] each; value NONE when there is no `=`), the
 * diagnostics and the entries. `S_ACCESSORS`: six accessors × [field index or NONE, reason], in
 * the order of `A_*` (`ACCESSOR_KEYS`, then the loop field). A set record: `S_STATUS`, `S_OFFSET`
 * and the `S_SPLICE_*` slots, which no parse record uses. An enter batch: `BATCH_SLOTS` `B_*`
 * slots per header (status and error offset, count, 1 when a loop, entries evicted, pieces
 * dropped, and where its outgoing header ends in the batch's output: it starts where the previous
 * one ended; a header with an error has an empty one). NONE: no such offset (a field without
 * `=` has no value; an absent accessor has no field).
 */
export {
  A_LINEAGE,
  A_LOOP,
  A_PARENT,
  A_ROOT,
  A_SAMPLED,
  A_SELF,
  ACCESSOR_KEYS,
  B_COUNT,
  B_DROPPED,
  B_EVICTED,
  B_IS_LOOP,
  B_OFFSET,
  B_OUTPUT_END,
  B_STATUS,
  BATCH_SLOTS,
  DEFAULT_LOOP_KEY,
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
  SPLICE_RECORD_LENGTH,
} from './generated/constants.js';

/** Output bytes an enter batch may need: each outgoing header is its input plus at most `;key=` and one `|<8 hex>:<count>`. */
export const batchOutputCapacity = (inputLength: number, headers: number, loopKeyLength: number): number =>
  inputLength + headers * (loopKeyLength + 21);

/** Diagnostics are at most 4 per field plus 2 (a final empty run and a trailing `;`). */
export const maxDiagnostics = (maxFields: number): number => 4 * maxFields + 2;
export const diagnosticsBase = (maxFields: number): number => FIELDS_BASE + 4 * maxFields;
export const entriesBase = (maxFields: number): number =>
  diagnosticsBase(maxFields) + 2 * maxDiagnostics(maxFields);
/**
 * Entries a parse record has room for (not the `maxEntries` option, which bounds the loop
 * field): a valid `<8 hex>:<count>` entry takes at least 10 bytes plus a separator.
 */
export const entryCapacity = (inputLength: number): number => Math.floor(inputLength / 5) + 2;
/** Slots a parse record needs for an input of `inputLength` units. */
export const recordCapacity = (inputLength: number, maxFields: number): number =>
  entriesBase(maxFields) + 2 * entryCapacity(inputLength);

/**
 * The read bound, for every backend and the API: only the first `maxLength + 1` units of a
 * header are read. That is enough for the same answer as the whole header (one unit past the
 * limit is already `too_long`), so a 1 MB header costs no more than one at the limit.
 */
export const readLength = (length: number, options: ResolvedOptions): number => Math.min(length, options.maxLength + 1);
/** `header`, cut to the read bound. */
export const boundedHeader = (header: string, options: ResolvedOptions): string =>
  header.length > options.maxLength + 1 ? header.slice(0, options.maxLength + 1) : header;

/**
 * Outgoing header `index` of a batch whose outgoing headers are back to back in `output`:
 * it ends at its `B_OUTPUT_END` and starts where the one before ended.
 */
export function outgoingAt(output: string, record: Uint32Array, index: number): string {
  const start = index === 0 ? 0 : record[(index - 1) * BATCH_SLOTS + B_OUTPUT_END];
  return output.slice(start, record[index * BATCH_SLOTS + B_OUTPUT_END]);
}

export interface ParseOptions {
  /** Longest accepted header, in bytes (default 8192). */
  maxLength?: number;
  /** Most fields accepted (default 64). */
  maxFields?: number;
  /** Key of our own loop-counter field (default `LoopGuard`). */
  loopKey?: string;
}

export interface ResolvedOptions {
  maxLength: number;
  maxFields: number;
  loopKey: string;
}

export interface Accessor {
  value: string;
  valid: boolean;
  reason?: ReasonName;
}
export interface LineageEntry {
  hash: string;
  count: number;
}
export interface LineageAccessor extends Accessor {
  format: LineageFormat;
  /** V1: the well-formed entries, in order. */
  entries?: LineageEntry[];
  /** V2, when valid: the two numbers (meaning undocumented by AWS) and the hash. */
  parts?: { first: number; hash: string; last: number };
}
export interface LoopAccessor extends Accessor {
  /** The well-formed `<hash>:<count>` entries, in order. */
  entries: LineageEntry[];
}
export interface Diagnostic {
  code: number;
  name: DiagnosticName;
  offset: number;
}
export interface ParsedTraceHeader {
  /** Every field in order, as written (trimmed of optional whitespace); `null` value = no `=`. */
  fields: Array<[string, string | null]>;
  root: Accessor | null;
  parent: Accessor | null;
  sampled: Accessor | null;
  self: Accessor | null;
  lineage: LineageAccessor | null;
  loop: LoopAccessor | null;
  diagnostics: Diagnostic[];
  /** The re-serialised header: byte-identical to the input. */
  header: string;
}

export const errorName = (code: number): ErrorName =>
  ERROR_NAMES[code] ?? (`unknown_${code}` as ErrorName);

/** An accessor's value and validity: `reason` only when invalid. */
function accessorOf(value: string, reason: number): Accessor {
  return reason === 0 ? { value, valid: true } : { value, valid: false, reason: REASON_NAMES[reason] };
}

function entriesAt(text: string, record: Uint32Array, base: number, count: number): LineageEntry[] {
  const entries = new Array<LineageEntry>(count);
  for (let i = 0; i < count; i++) {
    const hashStart = record[base + 2 * i];
    entries[i] = { hash: text.slice(hashStart, hashStart + 8), count: record[base + 2 * i + 1] };
  }
  return entries;
}

/** The Lineage accessor of a record: `value` is the Lineage value, `text` the string the record's offsets index (the header, or the bare value). */
export function decodeLineage(text: string, record: Uint32Array, value: string): LineageAccessor {
  const format = record[S_LINEAGE_FORMAT];
  const reason = record[S_ACCESSORS + 2 * A_LINEAGE + 1];
  const lineage = accessorOf(value, reason) as LineageAccessor;
  lineage.format = LINEAGE_FORMATS[format === F_ABSENT ? 3 : format] as LineageFormat;
  if (format === F_V1) {
    lineage.entries = entriesAt(text, record, entriesBase(record[S_MAX_FIELDS]), record[S_LINEAGE_ENTRIES]);
  } else if (format === F_V2 && reason === 0) {
    const hashStart = record[S_V2_HASH];
    lineage.parts = { first: record[S_V2_FIRST], hash: text.slice(hashStart, hashStart + 8), last: record[S_V2_LAST] };
  }
  return lineage;
}

/** Turn a successful parse record for `header` into the public object. */
export function decodeParse(header: string, record: Uint32Array): ParsedTraceHeader {
  const fieldCount = record[S_FIELD_COUNT];
  const maxFields = record[S_MAX_FIELDS];
  const fields = new Array<[string, string | null]>(fieldCount);
  for (let i = 0; i < fieldCount; i++) {
    const at = FIELDS_BASE + 4 * i;
    const valueStart = record[at + 2];
    fields[i] = [header.slice(record[at], record[at + 1]), valueStart === NONE ? null : header.slice(valueStart, record[at + 3])];
  }
  // An accessor's value is its field's (the last field with that key and a `=`).
  const valueOf = (accessor: number): string | null => {
    const index = record[S_ACCESSORS + 2 * accessor];
    return index === NONE ? null : fields[index][1];
  };
  const simple = (accessor: number): Accessor | null => {
    const value = valueOf(accessor);
    return value === null ? null : accessorOf(value, record[S_ACCESSORS + 2 * accessor + 1]);
  };
  const diagnosticCount = record[S_DIAG_COUNT];
  const diagnostics = new Array<Diagnostic>(diagnosticCount);
  const diagBase = diagnosticsBase(maxFields);
  for (let i = 0; i < diagnosticCount; i++) {
    const code = record[diagBase + 2 * i];
    diagnostics[i] = { code, name: DIAGNOSTIC_NAMES[code], offset: record[diagBase + 2 * i + 1] };
  }
  const lineageValue = valueOf(A_LINEAGE);
  const loopValue = valueOf(A_LOOP);
  let loop: LoopAccessor | null = null;
  if (loopValue !== null) {
    loop = accessorOf(loopValue, record[S_ACCESSORS + 2 * A_LOOP + 1]) as LoopAccessor;
    loop.entries = entriesAt(header, record, entriesBase(maxFields) + 2 * record[S_LINEAGE_ENTRIES], record[S_LOOP_ENTRIES]);
  }
  return {
    fields,
    root: simple(A_ROOT),
    parent: simple(A_PARENT),
    sampled: simple(A_SAMPLED),
    self: simple(A_SELF),
    lineage: lineageValue === null ? null : decodeLineage(header, record, lineageValue),
    loop,
    diagnostics,
    header,
  };
}
