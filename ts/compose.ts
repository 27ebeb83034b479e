/**
 * Building and editing header text, over every backend: a new header from its parts, a header
 * with a backend's rewrite applied, a header from the environment made safe to send. The rules
 * they check (what a Root, a key, a value may be) are the reference's.
 */
import { E_EMPTY, E_INVALID_KEY, E_INVALID_VALUE, R_VALID } from './codes.js';
import { S_SPLICE_END, S_SPLICE_START } from './record.js';
import { firstRefused, isKey, isKeyUnit, isValueUnit, parentReason, rootReason, sampledReason, type HardError } from './reference.js';

/** `header` with a backend's `setField` record applied: `insert` replaces [S_SPLICE_START, S_SPLICE_END). */
export function applySplice(header: string, record: Uint32Array, insert: string): string {
  return header.slice(0, record[S_SPLICE_START]) + insert + header.slice(record[S_SPLICE_END]);
}

/**
 * Percent-encode what the environment may smuggle into a header (`_X_AMZN_TRACE_ID`): control
 * characters (as the AWS SDKs do) and every byte of a non-ASCII character's UTF-8 form, as
 * `%XX` upper-case. Everything else, `%` included, is copied unchanged.
 */
export function percentEncodeEnv(value: string): string {
  let out = '';
  const bytes = new TextEncoder().encode(value);
  for (const byte of bytes) {
    if (byte < 0x20 || byte >= 0x7f) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}

/** Parts of a new header: Root, Parent, Sampled are emitted first, then `fields` in order. */
export interface HeaderParts {
  root?: string;
  parent?: string;
  sampled?: string;
  fields?: Array<[string, string]>;
}

/** The keys `formatHeader` writes from the typed parts, so not from `fields`. */
const TYPED_KEYS = ['Root', 'Parent', 'Sampled'];

/**
 * Build a new header, `Root;Parent;Sampled` first (as every peer writes them), no spaces. The
 * header, or the error at its offset in the header being built: where the bad part starts, or
 * for a unit no header may hold, that unit.
 */
export function formatHeader(parts: HeaderParts): string | HardError {
  let out = '';
  const typed: Array<[string, string | undefined, (text: string, start: number, end: number) => number]> = [
    ['Root', parts.root, rootReason],
    ['Parent', parts.parent, parentReason],
    ['Sampled', parts.sampled, sampledReason],
  ];
  for (const [key, value, reason] of typed) {
    if (value === undefined) continue;
    const start = out.length + (out.length === 0 ? 0 : 1) + key.length + 1;
    const badUnit = firstRefused(value, isValueUnit);
    if (badUnit >= 0) return { code: E_INVALID_VALUE, offset: start + badUnit };
    if (reason(value, 0, value.length) !== R_VALID) return { code: E_INVALID_VALUE, offset: start };
    out += `${out.length === 0 ? '' : ';'}${key}=${value}`;
  }
  for (const [key, value] of parts.fields ?? []) {
    const keyStart = out.length + (out.length === 0 ? 0 : 1);
    const badKey = firstRefused(key, isKeyUnit);
    if (badKey >= 0) return { code: E_INVALID_KEY, offset: keyStart + badKey };
    if (TYPED_KEYS.some((typedKey) => isKey(key, 0, key.length, typedKey))) return { code: E_INVALID_KEY, offset: keyStart };
    const badValue = firstRefused(value, isValueUnit);
    if (badValue >= 0) return { code: E_INVALID_VALUE, offset: keyStart + key.length + 1 + badValue };
    out += `${out.length === 0 ? '' : ';'}${key}=${value}`;
  }
  if (out.length === 0) return { code: E_EMPTY, offset: 0 };
  return out;
}
