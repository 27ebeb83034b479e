/**
 * Invariants every backend must keep, on arbitrary input, checked against an obviously-correct
 * naive tokeniser (split on `;`, trim, split at the first `=`) written only for this test.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoopGuard, TraceHeaderError, parse, setField } from '../ts/index.js';
import { anyHeader, backendUnderTest, countText, lineageV2AtBounds, realisticHeader, runs } from './support.js';

const backend = backendUnderTest();

/** The naive tokeniser: what the fields of a header are, by definition. */
function naiveFields(header: string): Array<[string, string | null]> {
  return header
    .split(';')
    .map((segment) => segment.replace(/^[ \t]+|[ \t]+$/g, ''))
    .filter((segment) => segment.length > 0)
    .map((segment) => {
      const equals = segment.indexOf('=');
      if (equals < 0) return [segment, null];
      return [segment.slice(0, equals).replace(/[ \t]+$/, ''), segment.slice(equals + 1).replace(/^[ \t]+/, '')];
    });
}

function tryParse(header: string) {
  try {
    return parse(header);
  } catch (error) {
    if (error instanceof TraceHeaderError) return error;
    throw error;
  }
}

const validHeader = anyHeader.filter((header) => !(tryParse(header) instanceof TraceHeaderError));

describe(`properties (${backend.name})`, () => {
  it('fields are exactly the naive split, and the header comes back byte-identical', () => {
    fc.assert(
      fc.property(anyHeader, (header) => {
        const parsed = tryParse(header);
        const visible = /^[\t\x20-\x7e]*$/.test(header);
        if (parsed instanceof TraceHeaderError) {
          // Errors only for what the policy calls an error, at an offset inside the input.
          expect(parsed.offset).toBeLessThanOrEqual(header.length);
          if (parsed.codeName === 'invalid_byte') expect(visible).toBe(false);
          if (parsed.codeName === 'empty') expect(naiveFields(header)).toEqual([]);
          if (parsed.codeName === 'too_many_fields') expect(naiveFields(header).length).toBeGreaterThan(64);
          return;
        }
        expect(visible).toBe(true);
        expect(parsed.fields).toEqual(naiveFields(header));
        expect(parsed.header).toBe(header);
        for (const diagnostic of parsed.diagnostics) expect(diagnostic.offset).toBeLessThan(header.length);
      }),
      { numRuns: runs(5_000) },
    );
  });

  it('a rewrite changes only its target field', () => {
    const key = fc.constantFrom('Sampled', 'Parent', 'Foo', 'sampled', 'LoopGuard', 'X-Y');
    const value = fc.string({ unit: fc.constantFrom(...'01?abc=:|-'), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(validHeader, key, value, (header, k, v) => {
        let out: string;
        try {
          out = setField(header, k, v);
        } catch (error) {
          expect((error as TraceHeaderError).codeName).toBe('too_long');
          return;
        }
        const before = naiveFields(header);
        const after = naiveFields(out);
        const target = before.map(([fk, fv]) => fv !== null && fk.toLowerCase() === k.toLowerCase()).lastIndexOf(true);
        const expected = before.map((field, i): [string, string | null] => (i === target ? [field[0], v] : field));
        if (target < 0) expected.push([k, v]);
        expect(after).toEqual(expected);
      }),
      { numRuns: runs(3_000) },
    );
  });

  it('a V2 Lineage is valid exactly when the published rules hold', () => {
    // OpenTelemetry Java's rules, written out: 12..18 long, first 0..32767, 8 lowercase hex, last 0..255.
    const published = (value: string): boolean => {
      const match = /^([0-9]+):[0-9a-f]{8}:([0-9]+)$/.exec(value);
      return match !== null && value.length >= 12 && value.length <= 18 && Number(match[1]) <= 32767 && Number(match[2]) <= 255;
    };
    const damaged = fc
      .tuple(lineageV2AtBounds, fc.nat(), fc.constantFrom('', 'A', 'g', '0', ':', '-', '+'))
      .map(([value, at, insert]) => value.slice(0, at % (value.length + 1)) + insert + value.slice(at % (value.length + 1) + (insert === '' ? 1 : 0)));
    fc.assert(
      fc.property(fc.oneof(lineageV2AtBounds, damaged), (value) => {
        const lineage = parse(`Root=1-5759e988-bd862e3fe1be46a994272700;Lineage=${value}`).lineage!;
        if (lineage.format !== 'v2') return;
        expect(lineage.valid).toBe(published(value));
      }),
      { numRuns: runs(3_000) },
    );
  });

  it('enter counts up by one, keeps the cap, and leaves every other field as it was', () => {
    const resource = fc.constantFrom('orders', 'arn:aws:lambda:eu-west-1:1:function:f', 'queue-\u00e9');
    // Often a loop field that already counts this resource (any count, 2^32-1 included): a
    // random hash is never this resource's.
    const ownCount = fc.option(countText, { freq: 2 });
    fc.assert(
      fc.property(realisticHeader, resource, fc.integer({ min: 1, max: 6 }), ownCount, fc.boolean(), (realistic, id, maxEntries, own, upper) => {
        const guard = new LoopGuard(id, { maxEntries });
        const ownHash = upper ? guard.resourceHash.toUpperCase() : guard.resourceHash;
        const header = own === null ? realistic : `${realistic};LoopGuard=${ownHash}:${own}`;
        const parsed = tryParse(header);
        if (parsed instanceof TraceHeaderError) return;
        let result;
        try {
          result = guard.enter(header);
        } catch (error) {
          expect((error as TraceHeaderError).codeName).toBe('too_long');
          return;
        }
        const previous = (parsed.loop?.entries ?? []).filter((e) => e.hash.toLowerCase() === guard.resourceHash);
        const expectedCount = previous.length === 0 ? 1 : Math.min(Math.max(...previous.map((e) => e.count)) + 1, 4294967295);
        expect(result.count).toBe(expectedCount);
        expect(result.loop).toBe(expectedCount > 16);
        const out = parse(result.header);
        const entries = out.loop?.entries ?? [];
        expect(entries.length).toBeLessThanOrEqual(maxEntries);
        expect(entries.filter((e) => e.hash === guard.resourceHash)).toEqual([{ hash: guard.resourceHash, count: expectedCount }]);
        // Other entries survive unchanged, in order.
        const others = (e: { hash: string }) => e.hash.toLowerCase() !== guard.resourceHash;
        const kept = entries.filter(others);
        const before = (parsed.loop?.entries ?? []).filter(others);
        expect(before.filter((e) => kept.some((k) => k.hash === e.hash && k.count === e.count)).length).toBe(kept.length);
        // Every field but the loop field is untouched (Lineage included).
        const loopIndex = parsed.loop === null ? -1 : parsed.fields.map(([k, v]) => v !== null && k.toLowerCase() === 'loopguard').lastIndexOf(true);
        const expectedFields = parsed.fields.map((field, i): [string, string | null] => (i === loopIndex ? [field[0], out.loop!.value] : field));
        if (loopIndex < 0) expectedFields.push(['LoopGuard', out.loop!.value]);
        expect(out.fields).toEqual(expectedFields);
      }),
      { numRuns: runs(3_000) },
    );
  });
});
