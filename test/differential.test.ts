/**
 * The compiled backends (native, wasm) against the TypeScript reference, slot by slot, on
 * arbitrary input: realistic headers, mutations of them, structure-dense strings, anything a
 * JS string can hold (non-ASCII, lone surrogates, NUL, CR/LF), and long and huge inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '../ts/backends/js.js';
import type { Backend } from '../ts/backend.js';
import type { CounterOptions } from '../ts/backends/types.js';
import type { ResolvedOptions } from '../ts/record.js';
import { B_OFFSET, B_OUTPUT_END, B_STATUS, BATCH_SLOTS, S_INSERT_LENGTH, S_OFFSET, S_SPLICE_END, S_SPLICE_START, S_STATUS } from '../ts/record.js';
import { anyHeader, anyString, backendUnderTest, countText, lineageV2AtBounds, meaningful, meaningfulLineage, realisticHeader, runs } from './support.js';

const backend = backendUnderTest();
const DEFAULTS: ResolvedOptions = { maxLength: 8192, maxFields: 64, loopKey: 'LoopGuard' };

const options = fc.oneof(
  { weight: 4, arbitrary: fc.constant(DEFAULTS) },
  {
    weight: 1,
    arbitrary: fc.record({
      maxLength: fc.integer({ min: 1, max: 200 }),
      maxFields: fc.integer({ min: 1, max: 8 }),
      loopKey: fc.constantFrom('LoopGuard', 'Hops', 'x'),
    }),
  },
);

/** Long inputs: a realistic header padded around the limits, sometimes with damage at the end. */
const longHeader = fc
  .tuple(realisticHeader, fc.integer({ min: 8000, max: 8300 }), fc.constantFrom('', '\n', '\u00e9', '\ud800', ';'))
  .map(([header, length, tail]) => (header + ';Pad=' + 'p'.repeat(Math.max(0, length - header.length - 5))).slice(0, length) + tail);

/** Counter options as the API validates them: maxCount above threshold. */
const counter = fc
  .tuple(fc.oneof(fc.nat(20), fc.integer({ min: 0xfffffffc, max: 0xfffffffe })), fc.integer({ min: 1, max: 10 }), fc.oneof(fc.constant(0xffffffff), fc.integer({ min: 1, max: 40 })))
  .map(([threshold, maxEntries, extra]) => ({ threshold, maxEntries, maxCount: Math.min(0xffffffff, threshold + extra) }));

const input = fc.oneof({ weight: 6, arbitrary: anyHeader }, { weight: 1, arbitrary: longHeader });

/** enter: the one header's batch slots and its outgoing header, or its error. */
function enterResult(from: Backend, header: string, hash: number, counter: CounterOptions, o: ResolvedOptions): unknown[] {
  const enterer = from.enterer(hash, counter, o);
  const record = enterer.enter(header);
  if (record[B_STATUS] !== 0) return [record[B_STATUS], record[B_OFFSET]];
  return [...record.subarray(0, BATCH_SLOTS), enterer.entered(0)];
}

/** enterBatch: every slot of every header, and each outgoing header. */
function batchResult(from: Backend, headers: string[], hash: number, counter: CounterOptions, o: ResolvedOptions): unknown[][] {
  const enterer = from.enterer(hash, counter, o);
  const record = enterer.enterBatch(headers);
  return Array.from({ length: headers.length }, (_, i) => [...record.subarray(i * BATCH_SLOTS, (i + 1) * BATCH_SLOTS), enterer.entered(i)]);
}

/** setField writes the status and the splice. */
function setResult(record: Uint32Array, inserted: string): unknown[] {
  if (record[S_STATUS] !== 0) return [record[S_STATUS], record[S_OFFSET]];
  return [record[S_SPLICE_START], record[S_SPLICE_END], record[S_INSERT_LENGTH], inserted];
}

describe(`${backend.name} equals the reference`, () => {
  it('parse: same fields, accessors, diagnostics, entries, errors and offsets', () => {
    fc.assert(
      fc.property(input, options, (header, o) => {
        const expected = meaningful(jsBackend.parse(header, o));
        expect(meaningful(backend.parse(header, o))).toEqual(expected);
      }),
      { numRuns: runs(10_000) },
    );
  });

  it('enter: same count, loop, splice and inserted text', () => {
    const hash = fc.oneof(fc.constantFrom(0xdeadbeef, 0x0badc0de), fc.nat({ max: 0xffffffff }));
    fc.assert(
      fc.property(input, hash, counter, options, (header, h, c, o) => {
        const expected = enterResult(jsBackend, header, h, c, o);
        const actual = enterResult(backend, header, h, c, o);
        expect(actual).toEqual(expected);
      }),
      { numRuns: runs(10_000) },
    );
  });

  it('enter: entries that exist (own and others, at and over the cap)', () => {
    const entries = fc.array(fc.tuple(fc.constantFrom('deadbeef', 'DEADBEEF', '11111111', '22222222', '0badc0de', 'zz'), countText), { maxLength: 14 });
    fc.assert(
      fc.property(realisticHeader, entries, counter, (header, list, c) => {
        const withLoop = `${header};LoopGuard=${list.map(([h, n]) => `${h}:${n}`).join('|')}`;
        const expected = enterResult(jsBackend, withLoop, 0xdeadbeef, c, DEFAULTS);
        expect(enterResult(backend, withLoop, 0xdeadbeef, c, DEFAULTS)).toEqual(expected);
      }),
      { numRuns: runs(10_000) },
    );
  });

  it('enterBatch: every header as if entered alone, in one call', () => {
    const batch = fc.array(fc.oneof({ weight: 12, arbitrary: anyHeader }, { weight: 1, arbitrary: longHeader }), { maxLength: 12 });
    fc.assert(
      fc.property(batch, fc.nat({ max: 0xffffffff }), counter, options, (headers, h, c, o) => {
        const expected = batchResult(jsBackend, headers, h, c, o);
        expect(batchResult(backend, headers, h, c, o)).toEqual(expected);
        // The reference's batch is its single enter, header by header, the ends counted up.
        let end = 0;
        const alone = jsBackend.enterer(h, c, o);
        headers.forEach((header, i) => {
          const record = alone.enter(header);
          if (record[B_STATUS] !== 0) {
            expect(expected[i]).toEqual([record[B_STATUS], record[B_OFFSET], 0, 0, 0, 0, end, '']);
          } else {
            end += alone.entered(0).length;
            expect(expected[i]).toEqual([...record.subarray(0, B_OUTPUT_END), end, alone.entered(0)]);
          }
        });
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('enterers with different options, used in turn: each answers as if it were alone', () => {
    const guard = fc.tuple(fc.nat({ max: 0xffffffff }), counter, options);
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 4 }), guard, guard, (headers, [h1, c1, o1], [h2, c2, o2]) => {
        const turns = [
          { enterer: backend.enterer(h1, c1, o1), hash: h1, counter: c1, options: o1 },
          { enterer: backend.enterer(h2, c2, o2), hash: h2, counter: c2, options: o2 },
        ];
        for (const header of headers) {
          for (const turn of turns) {
            const record = turn.enterer.enter(header);
            const actual = record[B_STATUS] !== 0 ? [record[B_STATUS], record[B_OFFSET]] : [...record.subarray(0, BATCH_SLOTS), turn.enterer.entered(0)];
            expect(actual).toEqual(enterResult(jsBackend, header, turn.hash, turn.counter, turn.options));
          }
        }
        for (const turn of turns) {
          const record = turn.enterer.enterBatch(headers);
          const actual = headers.map((_, i) => [...record.subarray(i * BATCH_SLOTS, (i + 1) * BATCH_SLOTS), turn.enterer.entered(i)]);
          expect(actual).toEqual(batchResult(jsBackend, headers, turn.hash, turn.counter, turn.options));
        }
      }),
      { numRuns: runs(2_000) },
    );
  });

  it('setField: same splice, or the same error at the same offset', () => {
    const key = fc.oneof(fc.constantFrom('Sampled', 'Parent', 'Foo', 'lineage', 'LoopGuard'), anyString);
    const value = fc.oneof(fc.constantFrom('1', 'a=b', 'x;y', ''), anyString);
    fc.assert(
      fc.property(input, key, value, options, (header, k, v, o) => {
        const expected = setResult(jsBackend.setField(header, k, v, o), jsBackend.inserted());
        expect(setResult(backend.setField(header, k, v, o), backend.inserted())).toEqual(expected);
      }),
      { numRuns: runs(10_000) },
    );
  });

  it('validateLineage and resourceHash agree', () => {
    const lineage = fc.oneof(anyHeader, lineageV2AtBounds, fc.constantFrom('1:fe460cdd:0', 'a87bd80c:1|68fd508a:5', '32768:fe460cdd:0'));
    fc.assert(
      fc.property(lineage, anyString, (value, resource) => {
        expect(meaningfulLineage(backend.validateLineage(value))).toEqual(meaningfulLineage(jsBackend.validateLineage(value)));
        expect(backend.resourceHash(resource)).toBe(jsBackend.resourceHash(resource));
      }),
      { numRuns: runs(10_000) },
    );
  });

  it('huge and limit-sized inputs', () => {
    for (const header of ['x'.repeat(1 << 20), `${'x'.repeat(8192)}\u00e9`, `${'x'.repeat(8191)}\u00e9`, `${'é'.repeat(5000)}`, '\ud800'.repeat(9000)]) {
      expect(meaningful(backend.parse(header, DEFAULTS))).toEqual(meaningful(jsBackend.parse(header, DEFAULTS)));
    }
  });
});
