/** Shared by the test files: the backend under test, and arbitraries of realistic headers. */
import fc from 'fast-check';
import { expect } from 'vitest';
import { TraceHeaderError, backendName, type BackendName } from '../ts/index.js';
import { selectBackend, type Backend } from '../ts/backend.js';
import {
  A_LINEAGE,
  FIELDS_BASE,
  NONE,
  S_ACCESSORS,
  S_DIAG_COUNT,
  S_FIELD_COUNT,
  S_LINEAGE_ENTRIES,
  S_LINEAGE_FORMAT,
  S_LOOP_ENTRIES,
  S_STATUS,
  S_OFFSET,
  diagnosticsBase,
  entriesBase,
} from '../ts/record.js';
import { F_V2 } from '../ts/codes.js';

/** The backend this run of the suite is for: forced by TRACE_LINEAGE_BACKEND, or auto. */
export const forced = process.env.TRACE_LINEAGE_BACKEND as BackendName | undefined;

/** Loads the backend under test; throws (failing the suite) if a forced backend cannot load. */
export function backendUnderTest(): Backend {
  const backend = selectBackend();
  if (forced) expect(backend.name).toBe(forced);
  expect(backendName()).toBe(backend.name);
  return backend;
}

/** The error `fn` throws, as the CLI prints it; fails unless it is a TraceHeaderError. */
export function error(fn: () => unknown): { code: number; name: string; offset: number } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TraceHeaderError);
    return (e as TraceHeaderError).toJSON();
  }
  throw new Error('expected a TraceHeaderError');
}

/** Runs per property: at least 10,000 in CI. */
export const runs = (local: number): number => (process.env.CI === 'true' ? Math.max(10_000, local) : local);

/** A property's time budget in milliseconds: small locally, larger in CI. */
export const budget = (localMs: number, ciMs: number): number => (process.env.CI === 'true' ? ciMs : localMs);

/** The meaningful part of a parse record, as a plain array (unused slots left out). */
export function meaningful(record: Uint32Array): number[] {
  if (record[S_STATUS] !== 0) return [record[S_STATUS], record[S_OFFSET]];
  const maxFields = record[7];
  const out = Array.from(record.subarray(0, 20));
  const lineageValid = record[S_ACCESSORS + 2 * A_LINEAGE] !== NONE && record[S_ACCESSORS + 2 * A_LINEAGE + 1] === 0;
  if (record[S_LINEAGE_FORMAT] === F_V2 && lineageValid) out.push(...record.subarray(20, 23));
  out.push(record[23]);
  out.push(...record.subarray(FIELDS_BASE, FIELDS_BASE + 4 * record[S_FIELD_COUNT]));
  const diagnostics = diagnosticsBase(maxFields);
  out.push(...record.subarray(diagnostics, diagnostics + 2 * record[S_DIAG_COUNT]));
  const entries = entriesBase(maxFields);
  out.push(...record.subarray(entries, entries + 2 * (record[S_LINEAGE_ENTRIES] + record[S_LOOP_ENTRIES])));
  return out;
}

/** The meaningful part of a bare-Lineage record: format, reason, V1 entries or V2 parts. */
export function meaningfulLineage(record: Uint32Array): number[] {
  const reason = record[S_ACCESSORS + 2 * A_LINEAGE + 1];
  const out = [record[S_STATUS], record[S_LINEAGE_FORMAT], reason, record[S_LINEAGE_ENTRIES]];
  if (record[S_LINEAGE_FORMAT] === F_V2 && reason === 0) out.push(...record.subarray(20, 23));
  const entries = entriesBase(0);
  out.push(...record.subarray(entries, entries + 2 * record[S_LINEAGE_ENTRIES]));
  return out;
}

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const anyHex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });

const U32_MAX = 0xffffffff;
/** Any u32 (fc.nat() stops at 2^31-1). */
export const u32 = fc.integer({ min: 0, max: U32_MAX });
/** `n` and its neighbours: where an off-by-one at a published bound shows. */
const around = (n: number, spread = 2) => fc.integer({ min: Math.max(0, n - spread), max: n + spread });
/**
 * An entry's count as written: small (the threshold is 16), any u32, next to 2^32-1 (a counter
 * that wraps instead of saturating shows there), beyond it (saturates when read), and with
 * leading zeros.
 */
export const countText = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }).map(String) },
  { weight: 2, arbitrary: u32.map(String) },
  { weight: 2, arbitrary: around(U32_MAX, 3).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('4294967296', '99999999999', '18446744073709551616') },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('0', '00'), fc.integer({ min: 0, max: 20 })).map(([zeros, n]) => zeros + n) },
);
const entry = fc.tuple(anyHex(8), countText).map(([h, n]) => `${h}:${n}`);
/** A V2 number: in range, at the published bound and either side of it, any u32, padded with zeros. */
const v2Number = (bound: number) =>
  fc
    .tuple(fc.oneof(fc.nat(bound + 10), around(bound, 2), u32), fc.constantFrom('', '', '', '0', '000'))
    .map(([n, zeros]) => zeros + n);
/**
 * AWS Lineage V2: the first number around 32767, the last around 255, totals of 12..18 and
 * just outside (the padding moves the length across both ends).
 */
export const lineageV2 = fc.tuple(v2Number(32767), hex(8), v2Number(255)).map(([first, h, last]) => `${first}:${h}:${last}`);

export const rootValue = fc.tuple(hex(8), hex(24)).map(([t, id]) => `1-${t}-${id}`);
const values = {
  Root: rootValue,
  Parent: hex(16),
  Sampled: fc.constantFrom('0', '1', '?', '', '2'),
  Self: fc.tuple(hex(8), hex(23)).map(([t, id]) => `1-${t}-${id}`),
  Lineage: fc.oneof(
    fc.array(entry, { minLength: 1, maxLength: 16 }).map((e) => e.join('|')),
    lineageV2,
    fc.string({ maxLength: 20 }),
  ),
  LoopGuard: fc.array(entry, { minLength: 0, maxLength: 12 }).map((e) => e.join('|')),
};
const knownField = fc.oneof(
  ...Object.entries(values).map(([key, value]) =>
    fc.tuple(fc.constantFrom(key, key.toLowerCase(), key.toUpperCase()), value as fc.Arbitrary<string>),
  ),
);
const unknownField = fc.tuple(
  fc.string({ unit: fc.constantFrom(...'abcXYZ-_.0123'), minLength: 0, maxLength: 8 }),
  fc.string({ unit: fc.constantFrom(...'abc=:|-_ 01/+'), maxLength: 24 }),
);
const whitespace = fc.constantFrom('', '', '', ' ', '\t', '  ');
const field = fc
  .tuple(fc.oneof({ weight: 4, arbitrary: knownField }, { weight: 1, arbitrary: unknownField }), whitespace, whitespace, whitespace, whitespace, fc.nat(9))
  .map(([[key, value], a, b, c, d, shape]) => (shape === 0 ? `${a}${key}${d}` : `${a}${key}${b}=${c}${value}${d}`));
const separator = fc.constantFrom(';', ';', ';', ';', ';;', ' ; ', ';\t');

/** Realistic headers: known and unknown fields, all the lenient cases, duplicates. */
export const realisticHeader = fc
  .tuple(fc.array(field, { minLength: 1, maxLength: 10 }), fc.array(separator, { minLength: 10, maxLength: 10 }), fc.constantFrom('', '', ';', '; '))
  .map(([fields, separators, trailing]) => fields.map((f, i) => (i === 0 ? f : separators[i] + f)).join('') + trailing);

/** A realistic header with random damage: an inserted, deleted or replaced character. */
export const mutatedHeader = fc
  .tuple(realisticHeader, fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ unit: 'binary', maxLength: 2 })), { maxLength: 3 }))
  .map(([header, edits]) =>
    edits.reduce((h, [at, remove, insert]) => {
      const i = h.length === 0 ? 0 : at % (h.length + 1);
      return h.slice(0, i) + insert + h.slice(i + remove);
    }, header),
  );

/** Strings over the header alphabet: dense in structure (`;`, `=`, `:`, `|`, hex, whitespace). */
export const headerAlphabetString = fc.string({ unit: fc.constantFrom(...'RootParentSampledLineageLoopGuard=;:|-1af0 \t'), maxLength: 80 });

/** Anything a JS string can hold: non-ASCII, lone surrogates, NUL, CR/LF. */
export const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme-ascii', maxLength: 120 }));

/** Every kind of input the properties draw from. */
export const anyHeader = fc.oneof(realisticHeader, mutatedHeader, headerAlphabetString, anyString);
