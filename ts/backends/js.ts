/** The pure-TypeScript backend: the reference implementation, with a fast path for `enter` on clean headers. */
import { DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES } from '../codes.js';
import { B_OFFSET, B_OUTPUT_END, B_STATUS, BATCH_SLOTS, readLength, recordCapacity, SPLICE_RECORD_LENGTH, type ResolvedOptions } from '../record.js';
import { enterInto, parseInto, resourceHash, setFieldInto, validateLineageInto } from '../reference.js';
import { enterClean } from '../fastpath.js';
import { loopTag, siphash24 } from '../siphash.js';
import type { Backend, CounterOptions } from './types.js';

let record = new Uint32Array(recordCapacity(256, 64));
let batch = new Uint32Array(BATCH_SLOTS * 16);
let insert = '';
const outgoing: string[] = [];

function recordFor(length: number, maxFields: number): Uint32Array {
  const needed = Math.max(recordCapacity(length, maxFields), SPLICE_RECORD_LENGTH);
  if (record.length < needed) record = new Uint32Array(Math.max(needed, record.length * 2));
  return record;
}

/** The outgoing header of the last `enterOne`, or null where it failed (the code in its record). */
let entered: string | null = null;
/** Enter one header: the fast path, else the reference. Its batch slots are the record's first. */
function enterOne(header: string, hash: number, counter: CounterOptions, options: ResolvedOptions): Uint32Array {
  // The fast path writes only the batch slots, which every record has room for.
  entered = enterClean(header, hash, counter, options, record);
  if (entered !== null) return record;
  const out = recordFor(readLength(header.length, options), options.maxFields);
  entered = enterInto(header, hash, counter, options, out);
  return out;
}

export const jsBackend: Backend = {
  name: 'js',
  parse(header, options) {
    const out = recordFor(readLength(header.length, options), options.maxFields);
    parseInto(header, options, out);
    return out;
  },
  validateLineage(value) {
    const out = recordFor(value.length, 0);
    validateLineageInto(value, out);
    return out;
  },
  enterer: (hash, counter, options) => ({
    enter(header) {
      const out = enterOne(header, hash, counter, options);
      outgoing[0] = entered ?? '';
      return out;
    },
    // Each header on its own: its slots from i * BATCH_SLOTS (an error is its result, with an
    // empty outgoing header), B_OUTPUT_END counting the outgoing headers' lengths so far.
    enterBatch(headers) {
      if (batch.length < headers.length * BATCH_SLOTS) batch = new Uint32Array(Math.max(headers.length * BATCH_SLOTS, 2 * batch.length));
      outgoing.length = headers.length;
      let end = 0;
      for (let i = 0; i < headers.length; i++) {
        const work = enterOne(headers[i], hash, counter, options);
        const at = i * BATCH_SLOTS;
        if (entered === null) {
          batch.fill(0, at, at + BATCH_SLOTS);
          batch[at + B_STATUS] = work[B_STATUS];
          batch[at + B_OFFSET] = work[B_OFFSET];
          outgoing[i] = '';
        } else {
          for (let slot = 0; slot < B_OUTPUT_END; slot++) batch[at + slot] = work[slot];
          end += entered.length;
          outgoing[i] = entered;
        }
        batch[at + B_OUTPUT_END] = end;
      }
      return batch;
    },
    entered: (index) => outgoing[index],
  }),
  setField(header, key, value, options) {
    const out = recordFor(readLength(header.length, options), options.maxFields);
    insert = setFieldInto(header, key, value, options, out) ?? '';
    return out;
  },
  inserted: () => insert,
  resourceHash,
  siphash: siphash24,
  loopTag,
  codeTables: () => ({ errors: [...ERROR_NAMES], diagnostics: [...DIAGNOSTIC_NAMES], reasons: [...REASON_NAMES] }),
};
