/**
 * The code tables and the record layout are defined once per side (Rust: crates/core/src/codes.rs
 * and record.rs; TypeScript: ts/codes.ts and ts/record.ts). This proves the sides agree, and that
 * the backend under test was compiled with the same tables.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES } from '../ts/codes.js';
import * as record from '../ts/record.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const rust = (file: string) => readFileSync(new URL(`../crates/core/src/${file}`, import.meta.url), 'utf8');

function rustNames(source: string, table: string): string[] {
  // rustfmt may break the line after `=`.
  const body = new RegExp(`pub const ${table}: \\[&str; \\d+\\] =\\s*\\[([^\\]]*)\\]`).exec(source)?.[1] ?? '';
  return [...body.matchAll(/"([a-z_0-9]+)"/g)].map((m) => m[1]);
}

describe(`code tables (${backend.name})`, () => {
  it('the backend reports the TypeScript tables', () => {
    expect(backend.codeTables()).toEqual({ errors: [...ERROR_NAMES], diagnostics: [...DIAGNOSTIC_NAMES], reasons: [...REASON_NAMES] });
  });

  it('the Rust core defines the same tables and enum values', () => {
    const codes = rust('codes.rs');
    expect(rustNames(codes, 'ERROR_NAMES')).toEqual([...ERROR_NAMES]);
    expect(rustNames(codes, 'DIAGNOSTIC_NAMES')).toEqual([...DIAGNOSTIC_NAMES]);
    expect(rustNames(codes, 'REASON_NAMES')).toEqual([...REASON_NAMES]);
    const variants = [...codes.matchAll(/^\s+(\w+) = (\d+),$/gm)].map((m) => Number(m[2]));
    expect(variants).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('the Rust record layout matches ts/record.ts', () => {
    const source = rust('record.rs');
    const constants = Object.fromEntries([...source.matchAll(/pub const (S_\w+|B_\w+|FIELDS_BASE|SPLICE_RECORD_LENGTH|BATCH_SLOTS): usize = (\d+);/g)].map((m) => [m[1], Number(m[2])]));
    expect(Object.keys(constants).length).toBeGreaterThan(25);
    for (const [name, value] of Object.entries(constants)) expect([name, (record as Record<string, unknown>)[name]]).toEqual([name, value]);
  });
});
