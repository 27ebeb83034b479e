/**
 * Every limit, at the limit and one past it: the header's length (`maxLength`), its number of
 * fields (`maxFields`), the loop field's entries (`maxEntries`), the counter's ceiling
 * (`maxCount`, and 2^32-1 for counts read from a header) and the loop `threshold`. Each is a
 * typed error or a documented saturation. The same cases in Rust: crates/core/tests/limits.rs.
 */
import { describe, expect, it } from 'vitest';
import { LoopGuard, parse, resourceHash, setField } from '../ts/index.js';
import { backendUnderTest, error } from './support.js';

const backend = backendUnderTest();
const ROOT = `Root=1-5759e988-bd862e3fe1be46a994272793`;
const U32_MAX = 0xffffffff;
const OWN = resourceHash('orders');

/** `Root=…;Pad=ppp…` of exactly `length` characters. */
const padded = (length: number): string => `${ROOT};Pad=${'p'.repeat(length - ROOT.length - 5)}`;
/** `count` fields `k0=v;k1=v;…`. */
const fields = (count: number): string => Array.from({ length: count }, (_, i) => `k${i}=v`).join(';');
/** A loop field of `count` other resources' entries (hashes 1, 2, …), each with count `n`. */
const entries = (count: number, n = 1): string =>
  Array.from({ length: count }, (_, i) => `${(i + 1).toString(16).padStart(8, '0')}:${n}`).join('|');

describe(`limits (${backend.name})`, () => {
  describe('maxLength: too_long at offset maxLength', () => {
    it('parse: at the limit, and one past it', () => {
      expect(parse(padded(8192)).header).toHaveLength(8192);
      expect(error(() => parse(padded(8193)))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
      expect(parse(padded(100), { maxLength: 100 }).fields).toHaveLength(2);
      expect(error(() => parse(padded(101), { maxLength: 100 }))).toEqual({ code: 2, name: 'too_long', offset: 100 });
      expect(parse('x', { maxLength: 1 }).fields).toEqual([['x', null]]);
      expect(error(() => parse('xy', { maxLength: 1 }))).toEqual({ code: 2, name: 'too_long', offset: 1 });
    });

    it('setField and enter: a result of exactly maxLength, and one past it', () => {
      // `;A=b` is 4 characters.
      expect(setField(padded(8188), 'A', 'b')).toHaveLength(8192);
      expect(error(() => setField(padded(8189), 'A', 'b'))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
      // `;LoopGuard=<8 hex>:1` is 21 characters.
      const guard = new LoopGuard('orders');
      expect(guard.enter(padded(8171)).header).toHaveLength(8192);
      expect(error(() => guard.enter(padded(8172)))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
    });

    it('the option: 1..2^24', () => {
      expect(parse(ROOT, { maxLength: 1 << 24 }).fields).toHaveLength(1);
      expect(error(() => parse(ROOT, { maxLength: (1 << 24) + 1 }))).toMatchObject({ name: 'invalid_option' });
      expect(error(() => parse(ROOT, { maxLength: 0 }))).toMatchObject({ name: 'invalid_option' });
      expect(error(() => parse(ROOT, { maxLength: 100.5 }))).toMatchObject({ name: 'invalid_option' });
    });
  });

  describe('maxFields: too_many_fields at the first field too many', () => {
    it('parse: at the limit, and one past it (empty fields do not count)', () => {
      expect(parse(fields(64)).fields).toHaveLength(64);
      expect(parse(`;;${fields(64)};;`).fields).toHaveLength(64);
      const over = fields(65);
      expect(error(() => parse(over))).toEqual({ code: 4, name: 'too_many_fields', offset: over.indexOf('k64') });
      expect(parse(fields(3), { maxFields: 3 }).fields).toHaveLength(3);
      expect(error(() => parse(fields(4), { maxFields: 3 }))).toEqual({ code: 4, name: 'too_many_fields', offset: 15 });
    });

    // Found by fuzz/rewrite: appending a field to a header at the limit wrote a header that the
    // next parse refused. A rewrite now refuses it, at the offset where the field would go.
    it('setField and enter: replacing at the limit works, appending past it is too_many_fields', () => {
      const full = fields(3);
      expect(setField(full, 'k2', 'w', { maxFields: 3 })).toBe('k0=v;k1=v;k2=w');
      expect(error(() => setField(full, 'k3', 'v', { maxFields: 3 }))).toEqual({ code: 4, name: 'too_many_fields', offset: 14 });
      expect(setField(fields(2), 'k2', 'v', { maxFields: 3 })).toBe(full);
      const guard = new LoopGuard('orders', { maxFields: 3 });
      expect(error(() => guard.enter(full))).toEqual({ code: 4, name: 'too_many_fields', offset: 14 });
      expect(guard.enter(`k0=v;k1=v;LoopGuard=${OWN}:1`).header).toBe(`k0=v;k1=v;LoopGuard=${OWN}:2`);
      expect(guard.enter(fields(2)).header).toBe(`${fields(2)};LoopGuard=${OWN}:1`);
    });

    it('the option: 1..4096', () => {
      expect(parse(fields(4096), { maxFields: 4096, maxLength: 1 << 16 }).fields).toHaveLength(4096);
      expect(error(() => parse(fields(4097), { maxFields: 4096, maxLength: 1 << 16 }))).toMatchObject({ name: 'too_many_fields' });
      expect(error(() => parse(ROOT, { maxFields: 4097 }))).toMatchObject({ name: 'invalid_option' });
      expect(error(() => parse(ROOT, { maxFields: 0 }))).toMatchObject({ name: 'invalid_option' });
    });
  });

  describe('maxEntries: the lowest other entries are evicted (documented, reported in `evicted`)', () => {
    it('at the limit nothing is evicted; one past it, one entry', () => {
      const guard = new LoopGuard('orders'); // 8 entries: 7 others and ours
      const atLimit = guard.enter(`${ROOT};LoopGuard=${entries(7)}`);
      expect([atLimit.evicted, parse(atLimit.header).loop?.entries.length]).toEqual([0, 8]);
      const past = guard.enter(`${ROOT};LoopGuard=${entries(8)}`);
      expect([past.evicted, parse(past.header).loop?.entries.length]).toEqual([1, 8]);
      expect(parse(past.header).loop?.entries[0]).toEqual({ hash: '00000002', count: 1 });
    });

    it('the option: 1..1024', () => {
      const options = { maxEntries: 1024, maxLength: 1 << 16 };
      expect(new LoopGuard('orders', options).enter(`${ROOT};LoopGuard=${entries(1023)}`).evicted).toBe(0);
      expect(new LoopGuard('orders', options).enter(`${ROOT};LoopGuard=${entries(1024)}`).evicted).toBe(1);
      const one = new LoopGuard('orders', { maxEntries: 1 }).enter(`${ROOT};LoopGuard=${entries(3)}`);
      expect([one.evicted, one.header]).toEqual([3, `${ROOT};LoopGuard=${OWN}:1`]);
      expect(error(() => new LoopGuard('orders', { maxEntries: 1025 }))).toMatchObject({ name: 'invalid_option' });
      expect(error(() => new LoopGuard('orders', { maxEntries: 0 }))).toMatchObject({ name: 'invalid_option' });
    });
  });

  describe('maxCount and counts: saturate instead of overflowing', () => {
    it('the default ceiling 2^32-1: reached, kept, and a larger count read from the header saturates', () => {
      const guard = new LoopGuard('orders');
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:4294967294`).count).toBe(U32_MAX);
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:4294967295`).count).toBe(U32_MAX);
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:4294967296`).count).toBe(U32_MAX);
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:${'9'.repeat(40)}`).header).toBe(`${ROOT};LoopGuard=${OWN}:4294967295`);
      expect(parse(`${ROOT};LoopGuard=00000001:${'9'.repeat(40)}`).loop?.entries).toEqual([{ hash: '00000001', count: U32_MAX }]);
    });

    it('a configured ceiling: at it, and past it', () => {
      const guard = new LoopGuard('orders', { threshold: 3, maxCount: 4 });
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:3`)).toMatchObject({ count: 4, loop: true });
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:4`)).toMatchObject({ count: 4, loop: true });
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:5`)).toMatchObject({ count: 4, loop: true });
    });

    it('the option: above threshold, at most 2^32-1', () => {
      expect(new LoopGuard('orders', { threshold: 3, maxCount: 4 }).maxCount).toBe(4);
      expect(error(() => new LoopGuard('orders', { threshold: 3, maxCount: 3 }))).toMatchObject({ name: 'invalid_option' });
      expect(new LoopGuard('orders', { maxCount: U32_MAX }).maxCount).toBe(U32_MAX);
      expect(error(() => new LoopGuard('orders', { maxCount: U32_MAX + 1 }))).toMatchObject({ name: 'invalid_option' });
    });
  });

  describe('threshold: a count above it is a loop', () => {
    it('at the threshold no loop; one past it, a loop', () => {
      const guard = new LoopGuard('orders', { threshold: 5 });
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:4`)).toMatchObject({ count: 5, loop: false });
      expect(guard.enter(`${ROOT};LoopGuard=${OWN}:5`)).toMatchObject({ count: 6, loop: true });
    });

    // Found by the limit tests: threshold 2^32-1 passed the API, then the native and WASM
    // backends refused every enter (maxCount must exceed it) while the reference counted on.
    it('the option: 0..2^32-2, so that maxCount can exceed it', () => {
      expect(new LoopGuard('orders', { threshold: 0 }).enter(ROOT).loop).toBe(true);
      const highest = new LoopGuard('orders', { threshold: U32_MAX - 1 });
      expect(highest.enter(`${ROOT};LoopGuard=${OWN}:${'9'.repeat(20)}`)).toMatchObject({ count: U32_MAX, loop: true });
      expect(highest.enter(`${ROOT};LoopGuard=${OWN}:4294967293`)).toMatchObject({ count: U32_MAX - 1, loop: false });
      expect(error(() => new LoopGuard('orders', { threshold: U32_MAX }))).toMatchObject({ name: 'invalid_option' });
      expect(error(() => new LoopGuard('orders', { threshold: -1 }))).toMatchObject({ name: 'invalid_option' });
    });
  });
});
