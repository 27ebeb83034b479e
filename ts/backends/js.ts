/** The pure-TypeScript backend: the reference implementation itself. */
import { DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES } from '../codes.js';
import { BATCH_SLOTS, recordCapacity, SPLICE_RECORD_LENGTH, type ResolvedOptions } from '../record.js';
import { enterBatchInto, enterInto, parseInto, resourceHash, setFieldInto, validateLineageInto } from '../reference.js';
import { loopTag, siphash24 } from '../siphash.js';
import type { Backend } from './types.js';

let record = new Uint32Array(recordCapacity(256, 64));
let batch = new Uint32Array(BATCH_SLOTS * 16);
let insert = '';
const outgoing: string[] = [];

function recordFor(length: number, maxFields: number): Uint32Array {
  const needed = Math.max(recordCapacity(length, maxFields), SPLICE_RECORD_LENGTH);
  if (record.length < needed) record = new Uint32Array(Math.max(needed, record.length * 2));
  return record;
}

const clamp = (length: number, options: ResolvedOptions): number => Math.min(length, options.maxLength + 1);

export const jsBackend: Backend = {
  name: 'js',
  parse(header, options) {
    const out = recordFor(clamp(header.length, options), options.maxFields);
    parseInto(header, options, out);
    return out;
  },
  validateLineage(value) {
    const out = recordFor(value.length, 0);
    validateLineageInto(value, out);
    return out;
  },
  enter(header, hash, counter, options) {
    const out = recordFor(clamp(header.length, options), options.maxFields);
    outgoing[0] = enterInto(header, hash, counter, options, out) ?? '';
    return out;
  },
  enterBatch(headers, hash, counter, options) {
    if (batch.length < headers.length * BATCH_SLOTS) batch = new Uint32Array(Math.max(headers.length * BATCH_SLOTS, 2 * batch.length));
    enterBatchInto(headers, hash, counter, options, (length) => recordFor(clamp(length, options), options.maxFields), batch, outgoing);
    return batch;
  },
  entered: (index) => outgoing[index],
  setField(header, key, value, options) {
    const out = recordFor(clamp(header.length, options), options.maxFields);
    insert = setFieldInto(header, key, value, options, out) ?? '';
    return out;
  },
  inserted: () => insert,
  resourceHash,
  siphash: siphash24,
  loopTag,
  codeTables: () => ({ errors: [...ERROR_NAMES], diagnostics: [...DIAGNOSTIC_NAMES], reasons: [...REASON_NAMES] }),
};
