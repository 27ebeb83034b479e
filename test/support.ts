/** Shared by the test files: the backend under test, and arbitraries of realistic headers. */
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
  S_INPUT_LENGTH,
  S_LOOP_ENTRIES,
  S_MAX_FIELDS,
  S_STATUS,
  S_OFFSET,
  S_V2_FIRST,
  S_V2_LAST,
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
  const maxFields = record[S_MAX_FIELDS];
  const out = Array.from(record.subarray(0, S_V2_FIRST));
  const lineageValid = record[S_ACCESSORS + 2 * A_LINEAGE] !== NONE && record[S_ACCESSORS + 2 * A_LINEAGE + 1] === 0;
  if (record[S_LINEAGE_FORMAT] === F_V2 && lineageValid) out.push(...record.subarray(S_V2_FIRST, S_V2_LAST + 1));
  out.push(record[S_INPUT_LENGTH]);
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

/**
 * The arbitraries: shipped as `trace-lineage/testing` (ts/testing/), one set for the project's
 * tests and its users; re-exported here under the names the test files import.
 */
export {
  anyHeader,
  anyString,
  countText,
  headerAlphabetString,
  lineageV2AtBounds,
  mutatedHeader,
  realisticHeader,
  rootValue,
  u32,
} from '../ts/testing/index.js';
