/**
 * Hostile input across the boundary. fast-check, with a time budget (about 3 s a backend
 * locally, 20 s with CI=true), holds the public API on the backend under test against the same
 * calls on the reference (`backend: 'js'`): inputs at and over every limit, embedded NUL, CR/LF,
 * lone surrogates and other non-ASCII, megabyte strings, options out of range. Every answer is
 * the reference's, and the only error that escapes is a TraceHeaderError: no panic, no crash,
 * no RangeError from a buffer. Then: huge inputs cost what an input at the limit costs, and
 * entering a header full of loop entries takes time linear in its length (both measured as
 * ratios of medians with wide margins, never against a clock).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LoopGuard,
  TraceHeaderError,
  parse,
  resourceHash,
  setField,
  validateLineage,
  type LoopGuardOptions,
  type Options,
} from '../ts/index.js';
import * as wasmGlue from '../ts/generated/trace_lineage_wasm.js';
import { atEntryLimit, atFieldLimit, atLengthLimit, hostileCharacter, hostileHeader } from '../ts/testing/index.js';
import { anyString, backendUnderTest, budget, error } from './support.js';

const backend = backendUnderTest();
const REFERENCE = { backend: 'js' } as const;
const MB = 1 << 20;

/** Each property's budget: five properties, about 3 s locally and 20 s in CI. */
const BUDGET_MS = budget(600, 4_000);
const timed = { interruptAfterTimeLimit: BUDGET_MS, numRuns: Number.MAX_SAFE_INTEGER };

/** The result of a call, or the TraceHeaderError it threw; any other error fails the property. */
function outcome(call: () => unknown): unknown {
  try {
    return { ok: call() };
  } catch (error) {
    if (error instanceof TraceHeaderError) return { error: error.toJSON() };
    throw error;
  }
}

/** Parse options at and over every limit: mostly valid, some out of range. */
const parseOptions: fc.Arbitrary<Options> = fc.record({
  maxLength: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 64 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, 8192, 1 << 24, (1 << 24) + 1, -1, 1.5, Number.NaN) },
  ),
  maxFields: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, 64, 4096, 4097) },
  ),
  loopKey: fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom('Hops', 'x', 'loopguard', 'Root', 'a;b', '', '\u00e9') },
  ),
});

/** A header with the options it meets a limit under. */
const headerAndOptions = fc.oneof(atLengthLimit, atFieldLimit, fc.tuple(hostileHeader, parseOptions));
/** A key, a value, a resource id: well-formed, arbitrary, or huge. */
const hostileText = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('Sampled', 'LoopGuard', 'lineage', 'LINEAGE', 'Foo', 'a=b', '1', '') },
  { weight: 30, arbitrary: anyString },
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom('Foo', '1', 'orders'), hostileCharacter).map(([text, c]) => text + c) },
  { weight: 1, arbitrary: fc.constantFrom('v'.repeat(MB), `${'v'.repeat(MB)}\0`, '\ud800'.repeat(MB)) },
);

describe(`hostile input (${backend.name}): the reference's answer, no other error, for anything`, () => {
  it('parse', () => {
    fc.assert(
      fc.property(headerAndOptions, ([header, options]) => {
        expect(outcome(() => parse(header, options))).toEqual(outcome(() => parse(header, { ...options, ...REFERENCE })));
      }),
      timed,
    );
  });

  it('setField', () => {
    fc.assert(
      fc.property(headerAndOptions, hostileText, hostileText, ([header, options], key, value) => {
        const reference = outcome(() => setField(header, key, value, { ...options, ...REFERENCE }));
        expect(outcome(() => setField(header, key, value, options))).toEqual(reference);
      }),
      timed,
    );
  });

  it('LoopGuard.enter, with counter options at and over their limits', () => {
    const guarded = fc.oneof(
      atEntryLimit,
      headerAndOptions.map(([header, options]): [string, LoopGuardOptions] => [header, options]),
    );
    fc.assert(
      fc.property(guarded, fc.oneof(fc.constant('orders'), hostileText), ([header, options], resource) => {
        const reference = outcome(() => new LoopGuard(resource, { ...options, ...REFERENCE }).enter(header));
        expect(outcome(() => new LoopGuard(resource, options).enter(header))).toEqual(reference);
      }),
      timed,
    );
  });

  it('LoopGuard.enter, again and again: the count never goes down', () => {
    fc.assert(
      fc.property(atEntryLimit, fc.integer({ min: 1, max: 5 }), ([header, options], times) => {
        let guard: LoopGuard;
        try {
          guard = new LoopGuard('orders', options);
        } catch (error) {
          expect(error).toBeInstanceOf(TraceHeaderError);
          return;
        }
        let previous = -1;
        let current = header;
        for (let i = 0; i < times; i++) {
          const result = guard.enter(current);
          expect(result).toEqual(new LoopGuard('orders', { ...options, ...REFERENCE }).enter(current));
          expect(result.count).toBeGreaterThanOrEqual(Math.min(previous, guard.maxCount));
          expect(parse(result.header).loop?.entries.length).toBeLessThanOrEqual(guard.maxEntries);
          previous = result.count;
          current = result.header;
        }
      }),
      timed,
    );
  });

  it('validateLineage and resourceHash', () => {
    fc.assert(
      fc.property(fc.oneof(hostileHeader, hostileText), (text) => {
        expect(outcome(() => validateLineage(text))).toEqual(outcome(() => validateLineage(text, REFERENCE)));
        expect(resourceHash(text)).toBe(resourceHash(text, REFERENCE));
      }),
      timed,
    );
  });
});

/** `Root=…;LoopGuard=` full of other resources' entries, about `length` characters long. */
function fullOfEntries(length: number): string {
  const head = 'Root=1-5759e988-bd862e3fe1be46a994272793;LoopGuard=';
  const entries: string[] = [];
  for (let i = 1; head.length + 11 * (entries.length + 1) <= length; i++) entries.push(`${i.toString(16).padStart(8, '0')}:${i % 7}`);
  return head + entries.join('|');
}

describe(`hostile input (${backend.name}): bounded work`, () => {
  // How long these take is measured in bench/resources.ts (`npm run bench:resources`), never
  // asserted here; these tests pin down the behaviour that keeps the work bounded.
  it('a 16 MB header is never scanned whole: a bad byte past maxLength does not change the answer', () => {
    const huge = 'x'.repeat(16 * MB);
    const hugeWithBadByteLate = `${'x'.repeat(9000)}\n${'x'.repeat(16 * MB)}`;
    for (const call of [parse, (header: string) => setField(header, 'A', 'b'), (header: string) => new LoopGuard('orders').enter(header)]) {
      expect(error(() => call(huge))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
      expect(error(() => call(hugeWithBadByteLate))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
    }
  });

  // Found by bench/resources.ts: one 64 MB Lineage value or setField value grew the WASM memory
  // to 680 MB for good (and the native input buffer to 200 MB). Such arguments now go to the
  // reference, in memory of their own. Only the WASM backend has a memory to observe.
  if (backend.name === 'wasm') {
    it('a huge argument that maxLength does not bound leaves WASM memory as it was', () => {
      const memory = (): number => wasmGlue.initSync(undefined as never).memory.buffer.byteLength;
      const huge = 'v'.repeat(4 * MB);
      const before = memory();
      expect(validateLineage(huge).reason).toBe('unknown_format');
      expect(error(() => setField('a=1', 'Foo', huge))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
      expect(error(() => setField('a=1', huge, '1'))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
      expect(new LoopGuard(huge).resourceHash).toBe(resourceHash(huge, REFERENCE));
      expect(memory()).toBe(before);
    });
  }

  it('a header full of loop entries: thousands evicted, the same answer as the reference', () => {
    const options = { maxLength: 1 << 16, maxEntries: 8 };
    const large = fullOfEntries(1 << 16);
    const result = new LoopGuard('orders', options).enter(large);
    expect(result.evicted).toBeGreaterThan(5000);
    expect(parse(result.header, options).loop?.entries).toHaveLength(8);
    expect(result).toEqual(new LoopGuard('orders', { ...options, ...REFERENCE }).enter(large));
  });
});
