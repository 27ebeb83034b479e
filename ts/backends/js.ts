/**
 * The TypeScript backend: the reference (`reference.ts`) behind the `Backend` interface. The
 * reference answers with plain objects; this adapter writes them into the flat record the
 * compiled backends return, so that all three are read, and compared, alike. `enter` takes the
 * fast path (`fastpath.ts`) on clean headers, and the reference on every other.
 */
import { DIAGNOSTIC_NAMES, ERROR_NAMES, E_OK, F_ABSENT, R_VALID, REASON_NAMES } from '../codes.js';
import {
  A_LINEAGE,
  A_LOOP,
  A_PARENT,
  A_ROOT,
  A_SAMPLED,
  A_SELF,
  B_COUNT,
  B_DROPPED,
  B_EVICTED,
  B_IS_LOOP,
  B_OFFSET,
  B_OUTPUT_END,
  B_STATUS,
  BATCH_SLOTS,
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
  recordCapacity,
  type ResolvedOptions,
} from '../record.js';
import { enter, isHardError, parse, setField, validateLineage, type EntrySpan, type HardError, type KnownField, type LineageValue, type Parsed } from '../reference.js';
import { enterClean } from '../fastpath.js';
import { resourceHash } from '../resource-hash.js';
import { loopTag, siphash24 } from '../siphash.js';
import type { Backend, CounterOptions } from './types.js';

/** Records up to this size are kept for the next call; a larger one is for one call only (a huge bare Lineage value must not hold its memory). */
const KEPT_SLOTS = recordCapacity(1 << 16, 64);
let kept = new Uint32Array(recordCapacity(256, 64));
/** A record of at least `slots` slots: the kept one, grown, or one of its own beyond KEPT_SLOTS. */
function recordOf(slots: number): Uint32Array {
  if (slots > KEPT_SLOTS) return new Uint32Array(slots);
  if (kept.length < slots) kept = new Uint32Array(Math.min(KEPT_SLOTS, Math.max(slots, 2 * kept.length)));
  return kept;
}

function writeError(record: Uint32Array, { code, offset }: HardError): Uint32Array {
  record[S_STATUS] = code;
  record[S_OFFSET] = offset;
  return record;
}

function writeEntries(record: Uint32Array, at: number, entries: EntrySpan[]): void {
  for (let i = 0; i < entries.length; i++) {
    record[at + 2 * i] = entries[i].start;
    record[at + 2 * i + 1] = entries[i].count;
  }
}

/** A Lineage value's format, reason, V2 parts and V1 entries (at the record's entries base). */
function writeLineage(record: Uint32Array, lineage: LineageValue): void {
  record[S_LINEAGE_FORMAT] = lineage.format;
  record[S_ACCESSORS + 2 * A_LINEAGE + 1] = lineage.reason;
  if (lineage.v2 !== null) {
    record[S_V2_FIRST] = lineage.v2.first;
    record[S_V2_HASH] = lineage.v2.hashStart;
    record[S_V2_LAST] = lineage.v2.last;
  }
  record[S_LINEAGE_ENTRIES] = lineage.entries.length;
  writeEntries(record, entriesBase(record[S_MAX_FIELDS]), lineage.entries);
}

function writeAccessor(record: Uint32Array, accessor: number, known: KnownField | null): void {
  record[S_ACCESSORS + 2 * accessor] = known === null ? NONE : known.field;
  record[S_ACCESSORS + 2 * accessor + 1] = known === null ? R_VALID : known.reason;
}

function parseRecord(header: string, parsed: Parsed, maxFields: number): Uint32Array {
  const { fields, diagnostics, lineage, loop } = parsed;
  const lineageEntries = lineage?.entries.length ?? 0;
  const loopEntries = loop?.entries.length ?? 0;
  const record = recordOf(entriesBase(maxFields) + 2 * (lineageEntries + loopEntries));
  record[S_STATUS] = E_OK;
  record[S_OFFSET] = 0;
  record[S_MAX_FIELDS] = maxFields;
  record[S_INPUT_LENGTH] = header.length;
  record[S_FIELD_COUNT] = fields.length;
  for (let i = 0; i < fields.length; i++) {
    const at = FIELDS_BASE + 4 * i;
    const field = fields[i];
    record[at] = field.keyStart;
    record[at + 1] = field.keyEnd;
    record[at + 2] = field.valueStart < 0 ? NONE : field.valueStart;
    record[at + 3] = field.valueStart < 0 ? NONE : field.valueEnd;
  }
  record[S_DIAG_COUNT] = diagnostics.length;
  const diagnosticsAt = diagnosticsBase(maxFields);
  for (let i = 0; i < diagnostics.length; i++) {
    record[diagnosticsAt + 2 * i] = diagnostics[i].code;
    record[diagnosticsAt + 2 * i + 1] = diagnostics[i].offset;
  }
  writeAccessor(record, A_ROOT, parsed.root);
  writeAccessor(record, A_PARENT, parsed.parent);
  writeAccessor(record, A_SAMPLED, parsed.sampled);
  writeAccessor(record, A_SELF, parsed.self);
  writeAccessor(record, A_LINEAGE, lineage);
  writeAccessor(record, A_LOOP, loop);
  if (lineage === null) {
    record[S_LINEAGE_FORMAT] = F_ABSENT;
    record[S_LINEAGE_ENTRIES] = 0;
  } else {
    writeLineage(record, lineage);
  }
  record[S_LOOP_ENTRIES] = loopEntries;
  writeEntries(record, entriesBase(maxFields) + 2 * lineageEntries, loop?.entries ?? []);
  return record;
}

let inserted = '';
const outgoing: string[] = [];

/**
 * Enter one header into the batch slots at the start of the kept record: the fast path, else the
 * reference. Returns the outgoing header, or null where the header fails (its error in the slots).
 */
function enterOne(header: string, hash: number, counter: CounterOptions, options: ResolvedOptions): string | null {
  const slots = kept;
  const fast = enterClean(header, hash, counter, options, slots);
  if (fast !== null) return fast;
  const entered = enter(header, hash, counter, options);
  if (isHardError(entered)) {
    writeError(slots, entered);
    return null;
  }
  slots[B_STATUS] = E_OK;
  slots[B_OFFSET] = 0;
  slots[B_COUNT] = entered.count;
  slots[B_IS_LOOP] = entered.loop ? 1 : 0;
  slots[B_EVICTED] = entered.evicted;
  slots[B_DROPPED] = entered.dropped;
  slots[B_OUTPUT_END] = entered.header.length;
  return entered.header;
}

let batch = new Uint32Array(BATCH_SLOTS * 16);

export const jsBackend: Backend = {
  name: 'js',
  parse(header, options) {
    const parsed = parse(header, options);
    return isHardError(parsed) ? writeError(kept, parsed) : parseRecord(header, parsed, options.maxFields);
  },
  validateLineage(value) {
    const lineage = validateLineage(value);
    const record = recordOf(entriesBase(0) + 2 * lineage.entries.length);
    record[S_STATUS] = E_OK;
    record[S_MAX_FIELDS] = 0;
    record[S_ACCESSORS + 2 * A_LINEAGE] = 0;
    writeLineage(record, lineage);
    return record;
  },
  enterer: (hash, counter, options) => ({
    enter(header) {
      outgoing[0] = enterOne(header, hash, counter, options) ?? '';
      return kept;
    },
    // Each header on its own: its slots from i * BATCH_SLOTS (an error is its result, with an
    // empty outgoing header), B_OUTPUT_END counting the outgoing headers' lengths so far.
    enterBatch(headers) {
      if (batch.length < headers.length * BATCH_SLOTS) batch = new Uint32Array(Math.max(headers.length * BATCH_SLOTS, 2 * batch.length));
      outgoing.length = headers.length;
      let end = 0;
      for (let i = 0; i < headers.length; i++) {
        const entered = enterOne(headers[i], hash, counter, options);
        const at = i * BATCH_SLOTS;
        if (entered === null) {
          batch.fill(0, at, at + BATCH_SLOTS);
          batch[at + B_STATUS] = kept[B_STATUS];
          batch[at + B_OFFSET] = kept[B_OFFSET];
        } else {
          for (let slot = 0; slot < B_OUTPUT_END; slot++) batch[at + slot] = kept[slot];
          end += entered.length;
        }
        outgoing[i] = entered ?? '';
        batch[at + B_OUTPUT_END] = end;
      }
      return batch;
    },
    entered: (index) => outgoing[index],
  }),
  setField(header, key, value, options) {
    const splice = setField(header, key, value, options);
    inserted = '';
    if (isHardError(splice)) return writeError(kept, splice);
    kept[S_STATUS] = E_OK;
    kept[S_OFFSET] = 0;
    kept[S_SPLICE_START] = splice.start;
    kept[S_SPLICE_END] = splice.end;
    kept[S_INSERT_LENGTH] = splice.insert.length;
    inserted = splice.insert;
    return kept;
  },
  inserted: () => inserted,
  resourceHash,
  siphash: siphash24,
  loopTag,
  codeTables: () => ({ errors: [...ERROR_NAMES], diagnostics: [...DIAGNOSTIC_NAMES], reasons: [...REASON_NAMES] }),
};
