/**
 * The js backend's fast path for `enter` (ts/fastpath.ts) against the reference's `enter`,
 * in every run of the suite (it needs no compiled backend): on clean headers, where it must
 * answer and answer alike, and on headers one edit away from clean, one family per way of not
 * being clean, where it must either answer alike or leave the header to the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { enterClean } from '../ts/fastpath.js';
import { enter } from '../ts/reference.js';
import { hashHex, resourceHash } from '../ts/resource-hash.js';
import { B_COUNT, B_DROPPED, B_EVICTED, B_IS_LOOP, B_OFFSET, B_OUTPUT_END, B_STATUS, BATCH_SLOTS, type ResolvedOptions } from '../ts/record.js';
import type { CounterOptions } from '../ts/backends/types.js';
import { anyHeader, runs, u32 } from './support.js';

const U32_MAX = 0xffffffff;
const DEFAULTS: ResolvedOptions = { maxLength: 8192, maxFields: 64, loopKey: 'LoopGuard' };
const RESOURCES = ['orders', 'arn:aws:lambda:us-east-1:123456789012:function:orders', 'queue-\u00e9'];
const HASHES = RESOURCES.map(resourceHash);

/** The fast path's answer as the reference gives it, or null where it leaves the header to the reference. */
function fast(header: string, hash: number, counter: CounterOptions, options: ResolvedOptions): unknown {
  const record = new Uint32Array(BATCH_SLOTS).fill(0xdead);
  const outgoing = enterClean(header, hash, counter, options, record);
  if (outgoing === null) {
    expect(record.every((slot) => slot === 0xdead)).toBe(true);
    return null;
  }
  // The slots the reference's answer has no field for: ok, and where the outgoing header ends.
  expect([record[B_STATUS], record[B_OFFSET], record[B_OUTPUT_END]]).toEqual([0, 0, outgoing.length]);
  const loop = record[B_IS_LOOP];
  expect(loop === 0 || loop === 1).toBe(true);
  return { count: record[B_COUNT], loop: loop === 1, evicted: record[B_EVICTED], dropped: record[B_DROPPED], header: outgoing };
}

const hex = (length: number, digits = '0123456789abcdef') => fc.string({ unit: fc.constantFrom(...digits), minLength: length, maxLength: length });
/** Counts over the whole u32 range, dense at both ends (a wrapping or saturating counter shows there). */
const count = fc.oneof(fc.integer({ min: 0, max: 40 }), u32, fc.integer({ min: U32_MAX - 3, max: U32_MAX }));
const ownIndex = fc.nat(HASHES.length - 1);
/** An entry of another resource, or (own) this resource's hash in either case. */
const entry = (ownHash: number | null) =>
  fc
    .tuple(ownHash === null ? hex(8, '0123456789abcdefABCDEF') : fc.constantFrom(hashHex(ownHash), hashHex(ownHash).toUpperCase()), count)
    .map(([h, n]) => `${h}:${n}`);

const lineage = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 40000 }), hex(8), fc.integer({ min: 0, max: 300 })).map(([a, h, b]) => `${a}:${h}:${b}`),
  fc.array(entry(null), { minLength: 1, maxLength: 4 }).map((e) => e.join('|')),
);

interface Case {
  header: string;
  hash: number;
  counter: CounterOptions;
  options: ResolvedOptions;
}

const counter = fc
  .tuple(fc.oneof(fc.nat(20), fc.integer({ min: U32_MAX - 3, max: U32_MAX - 1 })), fc.integer({ min: 1, max: 10 }), fc.nat(40))
  .map(([threshold, maxEntries, extra]) => ({ threshold, maxEntries, maxCount: extra === 0 ? U32_MAX : Math.min(U32_MAX, threshold + extra) }));

/**
 * Clean headers as peers write them: Root, Parent, Sampled, an optional Lineage, unknown fields,
 * and the loop field (in any case of its key) with other resources' entries and ours at most
 * once, at most maxEntries - 1 others.
 */
const clean = fc
  .tuple(ownIndex, counter, fc.constantFrom('LoopGuard', 'Hops', 'x', 'Hop{s}'), fc.boolean(), fc.option(lineage), fc.array(fc.tuple(hex(5), hex(12)), { maxLength: 3 }))
  .chain(([own, counterOptions, loopKey, hasLoop, lineageValue, unknown]) =>
    fc
      .tuple(
        fc.array(entry(null), { maxLength: counterOptions.maxEntries - 1 }),
        fc.option(entry(HASHES[own])),
        fc.nat(),
        // `[`, `]` are `{`, `}` with bit 5 cleared, as upper-case letters are: not the same key.
        fc.constantFrom(loopKey, loopKey.toLowerCase(), loopKey.toUpperCase(), loopKey.replace('{', '[').replace('}', ']')),
        hex(32),
        fc.constantFrom('0', '1', '?'),
      )
      .map(([others, ownEntry, at, keySpelling, ids, sampled]): Case => {
        const entries = [...others];
        if (ownEntry !== null) entries.splice(at % (entries.length + 1), 0, ownEntry);
        const fields = [`Root=1-${ids.slice(0, 8)}-${ids.slice(8)}`, `Parent=${ids.slice(16)}`, `Sampled=${sampled}`];
        if (lineageValue !== null) fields.push(`Lineage=${lineageValue}`);
        for (const [key, value] of unknown) fields.push(`k${key}=${value}`);
        if (hasLoop && entries.length > 0) fields.splice(3 + (at % (fields.length - 2)), 0, `${keySpelling}=${entries.join('|')}`);
        return { header: fields.join(';'), hash: HASHES[own], counter: counterOptions, options: { ...DEFAULTS, loopKey } };
      }),
  );

/** One edit that makes a clean header unclean, or puts it at a limit: every bail-out of the fast path. */
const damage = fc.oneof(
  fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u007f', '\u00e9', '\ud800', ';', ';;', '=', '|', ':', '||', 'Flag;', ';Flag'),
  fc.constantFrom('g', 'G', 'x', ':', '|', '0', '9', 'A'),
);
const nearClean = fc
  .tuple(clean, fc.nat(), fc.nat(3), damage, fc.nat(6), fc.nat(12))
  .map(([c, at, remove, insert, family, room]): Case => {
    const { header } = c;
    const loop = header.toLowerCase().lastIndexOf(`;${c.options.loopKey.toLowerCase()}=`);
    const fieldCount = header.split(';').length;
    switch (family) {
      case 0: {
        // Anywhere in the header.
        const i = at % (header.length + 1);
        return { ...c, header: header.slice(0, i) + insert + header.slice(i + remove) };
      }
      case 1: {
        // Inside the loop field's value (or at its end), where the entries are.
        if (loop < 0) return { ...c, header: `${header};${c.options.loopKey}=` };
        const valueStart = loop + c.options.loopKey.length + 2;
        const i = valueStart + (at % (header.length - valueStart + 1));
        return { ...c, header: header.slice(0, i) + insert + header.slice(i + (remove & 1)) };
      }
      case 2:
        // The input's and the output's length limit, each side of both (an append adds up to 21).
        return { ...c, options: { ...c.options, maxLength: Math.max(1, header.length - 2 + 2 * room + (at & 1)) } };
      case 3: {
        // The field limit, each side of it (appending the loop field needs one more), with an
        // edit at a field boundary (an empty field or one without `=` there is not a field).
        const boundaries = [...header.matchAll(/;/g)].map((m) => m.index);
        const i = boundaries.length === 0 ? header.length : boundaries[at % boundaries.length];
        return {
          ...c,
          header: (at & 1) === 0 ? header : header.slice(0, i) + insert + header.slice(i),
          options: { ...c.options, maxFields: Math.max(1, fieldCount - 1 + (room % 3)) },
        };
      }
      case 4: {
        // Our entry twice, or more other entries than maxEntries - 1 leaves room for.
        const extra = room % 2 === 0 ? `${hashHex(c.hash)}:${at % 50}` : `${hashHex((at * 2654435761) >>> 0 || 1)}:1`;
        return loop < 0 ? { ...c, header: `${header};${c.options.loopKey}=${extra}` } : { ...c, header: `${header}|${extra}` };
      }
      case 5: {
        // One entry of the loop field replaced by a malformed one (or an empty piece).
        if (loop < 0) return { ...c, header: `${header};${c.options.loopKey}=${insert}` };
        const valueStart = loop + c.options.loopKey.length + 2;
        const valueEnd = header.indexOf(';', valueStart) < 0 ? header.length : header.indexOf(';', valueStart);
        const entries = header.slice(valueStart, valueEnd).split('|');
        const hash = hashHex(c.hash);
        const bad = ['', `${hash}:`, hash, `${hash.slice(1)}:1`, `0${hash}:1`, `${hash}::1`, `${hash}:1:2`, `${hash}:1x`, `${hash}:-1`, `${hash}:+1`, `zz${hash.slice(2)}:1`];
        entries[at % entries.length] = bad[room % bad.length];
        return { ...c, header: header.slice(0, valueStart) + entries.join('|') + header.slice(valueEnd) };
      }
      case 6:
        // A second loop field (the last one counts), or a leading/trailing separator.
        return { ...c, header: [`${header};${c.options.loopKey}=${hashHex(c.hash)}:${at % 9}`, `;${header}`, `${header};`][room % 3] };
      default:
        return { ...c, counter: { ...c.counter, maxEntries: 1 + (room % 3) } };
    }
  });

const anything = fc.tuple(anyHeader, ownIndex, counter).map(([header, own, counterOptions]): Case => ({ header, hash: HASHES[own], counter: counterOptions, options: DEFAULTS }));

const agrees = ({ header, hash, counter: counterOptions, options }: Case): boolean | void => {
  const answer = fast(header, hash, counterOptions, options);
  if (answer !== null) expect(answer).toEqual(enter(header, hash, counterOptions, options));
  return answer !== null;
};

describe('the fast path of enter equals the reference', () => {
  it('answers every clean header, as the reference does', () => {
    fc.assert(
      fc.property(clean, (c) => {
        expect(agrees(c)).toBe(true);
      }),
      { numRuns: runs(3_000) },
    );
  });

  it('answers as the reference or not at all one edit away from clean (each bail-out)', () => {
    let answered = 0;
    let total = 0;
    fc.assert(
      fc.property(nearClean, (c) => {
        total++;
        if (agrees(c) === true) answered++;
      }),
      { numRuns: runs(6_000) },
    );
    // Both sides of the edge are reached: some edits keep a header clean, most do not.
    expect(answered).toBeGreaterThan(0);
    expect(answered).toBeLessThan(total);
  });

  it('answers as the reference or not at all on arbitrary input', () => {
    fc.assert(fc.property(anything, (c) => void agrees(c)), { numRuns: runs(3_000) });
  });
});
