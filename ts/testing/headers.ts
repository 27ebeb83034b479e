/**
 * fast-check arbitraries of trace headers: the ones this project's own property tests draw from
 * (test/support.ts and the property test files import them from here), for users to fuzz their
 * own header handling with. fast-check is an optional peer dependency of trace-lineage.
 */
import fc from 'fast-check';
import { DEFAULT_LOOP_KEY } from '../record.js';
import { hashHex, resourceHash } from '../resource-hash.js';

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const anyHex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: length, maxLength: length });
const U32_MAX = 0xffffffff;
/** Any u32 (fc.nat() stops at 2^31-1). */
export const u32 = fc.integer({ min: 0, max: U32_MAX });
/** `n` and its neighbours: where an off-by-one at a published bound shows. */
const around = (n: number, spread = 2) => fc.integer({ min: Math.max(0, n - spread), max: n + spread });
/**
 * A loop entry's count as written: small (the threshold is 16), any u32, next to 2^32-1 (a counter
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
 * V2-shaped Lineage values at and across every published bound (valid or not): the first number
 * around 32767, the last around 255, totals of 12..18 and just outside.
 */
export const lineageV2AtBounds = fc.tuple(v2Number(32767), hex(8), v2Number(255)).map(([first, h, last]) => `${first}:${h}:${last}`);

/** A well-formed Root value: `1-` + 8 hex + `-` + 24 hex. */
export const rootValue = fc.tuple(hex(8), hex(24)).map(([t, id]) => `1-${t}-${id}`);
/** A well-formed Parent value: 16 lowercase hex. */
export const parentValue = hex(16);

/** A valid V1 Lineage: 1..16 entries `<8 hex>:<count>` joined by `|`. */
export const lineageV1 = fc
  .array(fc.tuple(hex(8), fc.integer({ min: 0, max: 40 })), { minLength: 1, maxLength: 16 })
  .map((entries) => entries.map(([h, n]) => `${h}:${n}`).join('|'));
/** A valid V2 Lineage: `<0..32767>:<8 lowercase hex>:<0..255>` (OpenTelemetry Java's rules), limits included. */
export const lineageV2 = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 32767 }), fc.constantFrom(0, 32767)),
    hex(8),
    fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 255)),
  )
  .map(([a, h, b]) => `${a}:${h}:${b}`);
/** A valid Lineage value of either wire format. */
export const lineageValue = fc.oneof(lineageV1, lineageV2);
/** Our loop field's value: 0..12 entries `<8 hex>:<count>` joined by `|`, any hex case. */
export const loopFieldValue = fc.array(entry, { minLength: 0, maxLength: 12 }).map((e) => e.join('|'));

const values = {
  Root: rootValue,
  Parent: parentValue,
  Sampled: fc.constantFrom('0', '1', '?', '', '2'),
  Self: fc.tuple(hex(8), hex(23)).map(([t, id]) => `1-${t}-${id}`),
  Lineage: fc.oneof(
    fc.array(entry, { minLength: 1, maxLength: 16 }).map((e) => e.join('|')),
    lineageV2AtBounds,
    fc.string({ maxLength: 20 }),
  ),
  [DEFAULT_LOOP_KEY]: loopFieldValue,
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

/**
 * Realistic, lenient-but-accepted headers: known and unknown fields in any order, whitespace
 * around keys and values, empty fields, a trailing `;`, key case, duplicates, fields without `=`,
 * valid and invalid Lineage values.
 */
export const realisticHeader = fc
  .tuple(fc.array(field, { minLength: 1, maxLength: 10 }), fc.array(separator, { minLength: 10, maxLength: 10 }), fc.constantFrom('', '', ';', '; '))
  .map(([fields, separators, trailing]) => fields.map((f, i) => (i === 0 ? f : separators[i] + f)).join('') + trailing);

/** An unknown field as peers and load balancers write them: a token key and a value without `;`. */
export const unknownFieldText = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...'abcdefXYZ-_.0123'), minLength: 1, maxLength: 10 }),
    fc.string({ unit: fc.constantFrom(...'abc=:|-_01/+,.XYZ'), maxLength: 30 }),
  )
  .filter(([key]) => !['root', 'parent', 'sampled', 'self', 'lineage', DEFAULT_LOOP_KEY.toLowerCase()].includes(key.toLowerCase()))
  .map(([key, value]) => `${key}=${value}`);

// Ids as real tracers write them: never all zeros (OpenTelemetry, like W3C, rejects an all-zero trace or span id).
const nonZero = (text: fc.Arbitrary<string>) => text.filter((id) => /[^0]/.test(id));
const tracedRoot = fc.tuple(hex(8), nonZero(hex(24))).map(([t, id]) => `1-${t}-${id}`);
const tracedParent = nonZero(hex(16));

/** What a valid header is made of, and the header itself (canonical: no whitespace, no empty fields). */
export interface WellFormedHeader {
  header: string;
  root: string;
  parent: string;
  sampled: '0' | '1' | '?';
  /** The Lineage value, byte for byte, or null when the header has none. */
  lineage: string | null;
  /** Our loop field's value, or null. */
  loopField: string | null;
  /** The unknown fields, `key=value`, in order. */
  unknownFields: string[];
}

/**
 * Valid headers as the peers write them: `Root;Parent;Sampled` first (ids not all zeros), then in
 * any order a Lineage (V1 or V2), our loop field and unknown fields. With `withLineage: true` a
 * Lineage always.
 */
export function wellFormedHeaderParts(options: { withLineage?: boolean } = {}): fc.Arbitrary<WellFormedHeader> {
  return fc
    .record({
      root: tracedRoot,
      parent: tracedParent,
      sampled: fc.constantFrom('0' as const, '1' as const, '?' as const),
      lineage: options.withLineage ? lineageValue : fc.option(lineageValue, { nil: null }),
      loopField: fc.option(
        fc.array(fc.tuple(hex(8), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 8 }).map((e) => e.map(([h, n]) => `${h}:${n}`).join('|')),
        { nil: null },
      ),
      unknownFields: fc.array(unknownFieldText, { maxLength: 4 }),
      order: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
    })
    .map(({ order, ...parts }) => {
      const rest = [
        ...(parts.lineage === null ? [] : [`Lineage=${parts.lineage}`]),
        ...(parts.loopField === null ? [] : [`${DEFAULT_LOOP_KEY}=${parts.loopField}`]),
        ...parts.unknownFields,
      ];
      // A deterministic shuffle of the optional fields, by the drawn numbers.
      const shuffled = rest.map((text, i) => [order[i % order.length] + i / 100, text] as const).sort((a, b) => a[0] - b[0]);
      const header = [`Root=${parts.root}`, `Parent=${parts.parent}`, `Sampled=${parts.sampled}`, ...shuffled.map(([, text]) => text)].join(';');
      return { ...parts, header };
    });
}

/** Valid headers (see wellFormedHeaderParts), as strings. */
export const wellFormedHeader = wellFormedHeaderParts().map((parts) => parts.header);
/** Valid headers that carry a Lineage (V1 or V2), as strings. */
export const headerWithLineage = wellFormedHeaderParts({ withLineage: true }).map((parts) => parts.header);

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

/** Malformed headers: damaged realistic ones and structure-dense noise. */
export const malformedHeader = fc.oneof(mutatedHeader, headerAlphabetString);

/** Anything a JS string can hold: non-ASCII, lone surrogates, NUL, CR/LF. */
export const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: 'grapheme-ascii', maxLength: 120 }));

/** Every kind of input the project's properties draw from. */
export const anyHeader = fc.oneof(realisticHeader, mutatedHeader, headerAlphabetString, anyString);

/** Characters a hostile upstream or a broken encoder puts in a header. */
export const hostileCharacter = fc.constantFrom(
  '\0', '\r', '\n', '\r\n', '\t', ' ', ';', '=', '|', ':', '\x7f', '\x1b',
  '\u00e9', '\u2028', '\ud800', '\udc00', '\u{1F600}', '\uffff', '\ufeff',
);

/** Damage: a hostile character to insert at (a position modulo the length), or none. */
export const damage = fc.option(fc.tuple(hostileCharacter, fc.nat()), { freq: 2 });
/** `header` with the damage drawn by `damage` applied. */
export function damaged(header: string, hit: [string, number] | null): string {
  if (hit === null) return header;
  const at = hit[1] % (header.length + 1);
  return header.slice(0, at) + hit[0] + header.slice(at);
}

const MB = 1 << 20;
/** FNV-1a of "orders": the loop entry the limit arbitraries plant. */
const ORDERS = hashHex(resourceHash('orders'));

/** Megabyte strings: to be rejected at once, after maxLength, or for a byte inside the limit. */
export const hugeString = fc.constantFrom(
  'x'.repeat(MB),
  'a=1;'.repeat(MB / 4),
  `Root=1-5759e988-bd862e3fe1be46a994272793;${DEFAULT_LOOP_KEY}=${`${ORDERS}:1|`.repeat(MB / 11)}`,
  `${'x'.repeat(8191)}\0${'x'.repeat(MB)}`,
  `${'x'.repeat(8192)}\n${'x'.repeat(MB)}`,
  '\u00e9'.repeat(MB),
  '\ud800'.repeat(MB),
);

/** A realistic header cut or padded to maxLength - 1, maxLength or maxLength + 1, maybe damaged; with that maxLength. */
export const atLengthLimit = fc
  .tuple(realisticHeader, fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(8192)), fc.integer({ min: -1, max: 1 }), damage)
  .map(([header, maxLength, delta, hit]): [string, { maxLength: number }] => [
    damaged(`${header};Pad=${'p'.repeat(maxLength)}`.slice(0, Math.max(0, maxLength + delta)), hit),
    { maxLength },
  ]);

/** maxFields - 1, maxFields or maxFields + 1 fields (one of them maybe the loop field), maybe damaged; with that maxFields. */
export const atFieldLimit = fc
  .tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: -1, max: 1 }), fc.constantFrom(';', ';;', ' ; ', ';\t'), fc.boolean(), damage)
  .map(([maxFields, delta, separator, withLoop, hit]): [string, { maxFields: number }] => {
    const fields = Array.from({ length: Math.max(1, maxFields + delta) }, (_, i) => `k${i}=v`);
    if (withLoop) fields[fields.length - 1] = `${DEFAULT_LOOP_KEY}=${ORDERS}:3`;
    return [damaged(fields.join(separator), hit), { maxFields }];
  });

/** Counts at and around every ceiling, as written in a header. */
export const writtenCount = fc.constantFrom('0', '1', '16', '17', '007', '4294967294', '4294967295', '4294967296', '9'.repeat(30), '', '-1', '1e3');
/** Loop-entry hashes: the entry of "orders" in both cases, others, and malformed ones. */
export const entryHash = fc.constantFrom(ORDERS, ORDERS.toUpperCase(), '00000001', '00000002', 'deadbeef', 'zzzzzzzz', '1234567');

/** The counter options of a LoopGuard, at and over their limits. */
export interface CounterLimits {
  maxEntries: number;
  threshold: number | undefined;
  maxCount: number | undefined;
}

/** A loop field of maxEntries - 1 .. maxEntries + 1 entries, and counter options at and over their limits. */
export const atEntryLimit = fc
  .tuple(
    fc.integer({ min: 1, max: 10 }),
    fc.integer({ min: -1, max: 1 }),
    fc.array(fc.tuple(entryHash, writtenCount), { minLength: 12, maxLength: 12 }),
    fc.constantFrom(undefined, 0, 1, 16, U32_MAX - 1, U32_MAX, -1),
    fc.constantFrom(undefined, 'above' as const, 'equal' as const, U32_MAX, U32_MAX + 1),
    fc.constantFrom(0, 1, 1024, 1025),
    fc.nat(9),
  )
  .map(([maxEntries, delta, entries, threshold, ceiling, extremeEntries, shape]): [string, CounterLimits] => {
    const list = entries.slice(0, Math.max(0, maxEntries + delta)).map(([hash, count]) => `${hash}:${count}`);
    const maxCount = ceiling === 'above' ? (threshold ?? 16) + 1 : ceiling === 'equal' ? (threshold ?? 16) : ceiling;
    return [
      `Root=1-5759e988-bd862e3fe1be46a994272793;${DEFAULT_LOOP_KEY}=${list.join('|')}`,
      { maxEntries: shape === 0 ? extremeEntries : maxEntries, threshold, maxCount },
    ];
  });

/** Hostile headers: arbitrary, realistic, damaged by a hostile character (CR/LF, NUL, non-ASCII, lone surrogates), or huge. */
export const hostileHeader = fc.oneof(
  { weight: 30, arbitrary: anyHeader },
  { weight: 10, arbitrary: fc.tuple(realisticHeader, damage).map(([header, hit]) => damaged(header, hit)) },
  { weight: 1, arbitrary: hugeString },
);
