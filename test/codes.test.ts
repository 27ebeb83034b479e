/**
 * The code tables, record slots and option bounds are written once, in the Rust core, and
 * generated into ts/generated/constants.ts by the build (crates/codegen). This proves that the
 * generated module is what the current Rust prints (not a stale build), and that the backend
 * under test was compiled with the same tables and writes its records where the module says.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES } from '../ts/codes.js';
import { setField } from '../ts/index.js';
import {
  A_PARENT,
  A_SAMPLED,
  FIELDS_BASE,
  NONE,
  S_ACCESSORS,
  S_FIELD_COUNT,
  S_INSERT_LENGTH,
  S_SPLICE_END,
  S_SPLICE_START,
  S_STATUS,
  type ResolvedOptions,
} from '../ts/record.js';
import { DEFAULT_LOOP_KEY, DEFAULT_MAX_FIELDS, DEFAULT_MAX_LENGTH } from '../ts/api.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const root = new URL('..', import.meta.url);
const options: ResolvedOptions = { maxLength: DEFAULT_MAX_LENGTH, maxFields: DEFAULT_MAX_FIELDS, loopKey: DEFAULT_LOOP_KEY };

describe('the generated constants', () => {
  it('are what the Rust core prints now (npm run build regenerates them)', () => {
    const printed = execFileSync('cargo', ['run', '--quiet', '--locked', '-p', 'trace-lineage-codegen'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, RUSTUP_TOOLCHAIN: undefined, CARGO_BUILD_TARGET: undefined },
    });
    expect(readFileSync(new URL('ts/generated/constants.ts', root), 'utf8')).toBe(printed);
  });
});

describe(`code tables and record slots (${backend.name})`, () => {
  it('the backend reports the generated tables', () => {
    expect(backend.codeTables()).toEqual({ errors: [...ERROR_NAMES], diagnostics: [...DIAGNOSTIC_NAMES], reasons: [...REASON_NAMES] });
  });

  it('the backend writes a parse record where the generated layout says', () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
    const record = backend.parse(header, options);
    expect(record[S_STATUS]).toBe(0);
    expect(record[S_FIELD_COUNT]).toBe(2);
    expect(Array.from(record.subarray(FIELDS_BASE, FIELDS_BASE + 8))).toEqual([0, 4, 5, 40, 41, 48, 49, 50]);
    expect([record[S_ACCESSORS + 2 * A_SAMPLED], record[S_ACCESSORS + 2 * A_PARENT]]).toEqual([1, NONE]);
  });

  it('the backend writes a set record in slots of its own', () => {
    const header = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0;Lineage=a87bd80c:1';
    const record = backend.setField(header, 'sampled', '1', options);
    expect(record[S_STATUS]).toBe(0);
    expect([record[S_SPLICE_START], record[S_SPLICE_END], record[S_INSERT_LENGTH]]).toEqual([49, 50, 1]);
    expect(backend.inserted()).toBe('1');
    expect(setField(header, 'sampled', '1')).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1;Lineage=a87bd80c:1');
  });
});
