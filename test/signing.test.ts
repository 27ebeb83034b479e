/**
 * The signed loop field, on the backend under test: SipHash-2-4 held to the reference
 * implementation's 64 vectors, the compiled backends held to the TypeScript reference on
 * arbitrary keys and messages, and `LoopGuard`'s trust semantics (which incoming loop fields
 * count, at trusted and untrusted sources, with and without keys), rotation and tampering.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoopGuard, parse, TraceHeaderError, type EnterResult, type LoopGuardOptions } from '../ts/index.js';
import { loopTag, siphash24 } from '../ts/siphash.js';
import { anyHeader, backendUnderTest, error, realisticHeader, rootValue, runs } from './support.js';

const backend = backendUnderTest();

const VECTORS = readFileSync(new URL('./fixtures/siphash-2-4-vectors.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.length > 0 && !line.startsWith('#'));
const VECTOR_KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
const VECTOR_MESSAGE = Uint8Array.from({ length: 64 }, (_, i) => i);

const KEY = '000102030405060708090a0b0c0d0e0f';
const OTHER_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const OTHER_ROOT = '1-5759e988-bd862e3fe1be46a994272794';
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
const OTHER_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:billing';

const hexBytes = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (byte) => Number.parseInt(byte, 16));
const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** The value of the last field named `key` (case-insensitive), or undefined. */
function fieldValue(header: string, key: string): string | undefined {
  const fields = parse(header).fields.filter(([name]) => name.toLowerCase() === key.toLowerCase());
  return fields.at(-1)?.[1] ?? undefined;
}

/** Enter `header` `hops` times through guards of FUNCTION (a loop), each at an untrusted source. */
function loopThrough(options: LoopGuardOptions, hops: number, trusted = false): EnterResult[] {
  const guard = new LoopGuard(FUNCTION, options);
  const results: EnterResult[] = [];
  let header = `Root=${ROOT};Sampled=1`;
  for (let hop = 0; hop < hops; hop++) {
    const result = guard.enter(header, { trusted });
    results.push(result);
    header = result.header;
  }
  return results;
}

describe(`SipHash-2-4 on the ${backend.name} backend`, () => {
  it('gives the 64 tags of the reference implementation (key 00..0f, messages 00..n-1)', () => {
    expect(VECTORS).toHaveLength(64);
    for (let length = 0; length < 64; length++) {
      expect(backend.siphash(VECTOR_KEY, VECTOR_MESSAGE.subarray(0, length)), `message of ${length} bytes`).toBe(VECTORS[length]);
    }
  });

  it('tags a loop field as SipHash of `root;value`', () => {
    const value = 'a87bd80c:3|68fd508a:1';
    expect(backend.loopTag(VECTOR_KEY, ROOT, value)).toBe(backend.siphash(VECTOR_KEY, ascii(`${ROOT};${value}`)));
    expect(backend.loopTag(VECTOR_KEY, ROOT, value)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses a key that is not 16 bytes (a binding guard: the API only passes 16)', () => {
    expect(() => backend.siphash(new Uint8Array(15), new Uint8Array(0))).toThrow();
  });
});

// The reference's own run has nothing to compare with: it is the reference.
if (backend.name !== 'js') {
  describe(`the ${backend.name} backend against the reference`, () => {
    const key = fc.uint8Array({ minLength: 16, maxLength: 16 });
    const headerValue = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 });

    it('SipHash-2-4: the same tag for arbitrary keys and messages', () => {
      fc.assert(
        fc.property(key, fc.uint8Array({ maxLength: 200 }), (k, message) => {
          expect(backend.siphash(k, message)).toBe(siphash24(k, message));
        }),
        { numRuns: runs(2000) },
      );
    });

    it('loop tags: the same tag for arbitrary keys, Root values and loop values', () => {
      fc.assert(
        fc.property(key, headerValue, headerValue, (k, root, value) => {
          expect(backend.loopTag(k, root, value)).toBe(loopTag(k, root, value));
        }),
        { numRuns: runs(2000) },
      );
    });

    it('enter with keys, at trusted and untrusted sources: the same results as the reference', () => {
      const guardOptions = fc.record({
        keys: fc.constantFrom([KEY], [OTHER_KEY, KEY]),
        requireSignature: fc.boolean(),
      });
      fc.assert(
        fc.property(guardOptions, fc.boolean(), fc.oneof(anyHeader, signedHeader), (options, trusted, header) => {
          const ours = new LoopGuard(FUNCTION, options);
          const reference = new LoopGuard(FUNCTION, { ...options, backend: 'js' });
          expect(outcome(() => ours.enter(header, { trusted }))).toEqual(outcome(() => reference.enter(header, { trusted })));
        }),
        { numRuns: runs(1000) },
      );
    });
  });
}

/** A header signed by OTHER_FUNCTION's keyed guard, maybe damaged afterwards. */
const signedHeader = fc
  .tuple(realisticHeader, fc.nat(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef|:;'), maxLength: 2 }), fc.boolean())
  .map(([header, at, damage, damaged]) => {
    let signed: string;
    try {
      signed = new LoopGuard(OTHER_FUNCTION, { keys: [KEY], backend: 'js' }).enter(header).header;
    } catch {
      return header;
    }
    if (!damaged) return signed;
    const i = at % (signed.length + 1);
    return signed.slice(0, i) + damage + signed.slice(i + 1);
  });

/** A result or the error, as plain data. */
function outcome(run: () => EnterResult): unknown {
  try {
    return { ...run() };
  } catch (e) {
    if (e instanceof TraceHeaderError) return e.toJSON();
    throw e;
  }
}

describe('LoopGuard without keys', () => {
  const incoming = `Root=${ROOT};Sampled=1;LoopGuard=${new LoopGuard(OTHER_FUNCTION).resourceHash}:2`;

  it('trusted source (the default): the incoming loop field is used, as it always was', () => {
    const guard = new LoopGuard(FUNCTION);
    const first = guard.enter(incoming);
    expect(first.trust).toBe('trusted');
    const second = guard.enter(first.header);
    expect(second).toMatchObject({ count: 2, trust: 'trusted' });
    expect(fieldValue(second.header, 'LoopGuard')).toBe(`${new LoopGuard(OTHER_FUNCTION).resourceHash}:2|${guard.resourceHash}:2`);
    expect(guard.enter(`Root=${ROOT}`)).toMatchObject({ count: 1, trust: 'absent' });
    expect(guard.enter(`Root=${ROOT}`, { trusted: true })).toEqual(guard.enter(`Root=${ROOT}`));
  });

  it('untrusted source: the incoming loop field is ignored (the chain counts from this hop)', () => {
    const guard = new LoopGuard(FUNCTION);
    const forged = `Root=${ROOT};LoopGuard=${guard.resourceHash}:400|${new LoopGuard(OTHER_FUNCTION).resourceHash}:9;Sampled=1`;
    const result = guard.enter(forged, { trusted: false });
    expect(result).toMatchObject({ count: 1, loop: false, trust: 'untrusted', dropped: 0, evicted: 0 });
    // Our entry alone, in the field's place; every other byte as it came.
    expect(result.header).toBe(`Root=${ROOT};LoopGuard=${guard.resourceHash}:1;Sampled=1`);
    expect(guard.enter(`Root=${ROOT}`, { trusted: false })).toMatchObject({ count: 1, trust: 'absent' });
  });

  it('trust is `absent` exactly when the header has no loop field (arbitrary headers)', () => {
    const guard = new LoopGuard(FUNCTION);
    fc.assert(
      fc.property(fc.oneof(realisticHeader, signedHeader), (header) => {
        let result: EnterResult;
        try {
          result = guard.enter(header);
        } catch {
          return;
        }
        expect(result.trust).toBe(parse(header).loop === null ? 'absent' : 'trusted');
      }),
      { numRuns: runs(1000) },
    );
  });

  it('reads a signed header: sees and counts its entries, keeps its tag byte for byte, never breaks', () => {
    const signed = new LoopGuard(OTHER_FUNCTION, { keys: [KEY] }).enter(`Root=${ROOT};Sampled=1`).header;
    const tag = fieldValue(signed, 'LoopGuardSig');
    expect(tag).toMatch(/^[0-9a-f]{16}$/);
    const unsigned = new LoopGuard(FUNCTION);
    const result = unsigned.enter(signed);
    expect(result.trust).toBe('trusted');
    expect(fieldValue(result.header, 'LoopGuard')).toBe(`${new LoopGuard(OTHER_FUNCTION).resourceHash}:1|${unsigned.resourceHash}:1`);
    expect(fieldValue(result.header, 'LoopGuardSig')).toBe(tag);
    // And back at OTHER_FUNCTION's own guard, once more: the count it wrote is seen.
    expect(new LoopGuard(OTHER_FUNCTION).enter(result.header)).toMatchObject({ count: 2, trust: 'trusted' });
  });
});

describe('LoopGuard with keys', () => {
  const signer = new LoopGuard(OTHER_FUNCTION, { keys: [KEY] });
  const signed = signer.enter(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`).header;

  it('signs the outgoing loop field: LoopGuardSig is the tag of the Root and the new value, with the first key', () => {
    const loopValue = fieldValue(signed, 'LoopGuard') ?? '';
    expect(loopValue).toBe(`${signer.resourceHash}:1`);
    expect(signed).toBe(`Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;LoopGuard=${loopValue};LoopGuardSig=${loopTag(hexBytes(KEY), ROOT, loopValue)}`);
    // A second hop re-signs the field in place.
    const again = signer.enter(signed);
    expect(again.header).toBe(
      `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;LoopGuard=${signer.resourceHash}:2;LoopGuardSig=${loopTag(hexBytes(KEY), ROOT, `${signer.resourceHash}:2`)}`,
    );
  });

  it('a tag that verifies is used at every source, untrusted ones included', () => {
    const guard = new LoopGuard(FUNCTION, { keys: [KEY] });
    for (const trusted of [true, false]) {
      const result = guard.enter(signed, { trusted });
      expect(result.trust).toBe('verified');
      expect(fieldValue(result.header, 'LoopGuard')).toBe(`${signer.resourceHash}:1|${guard.resourceHash}:1`);
    }
  });

  it('no tag: used at a trusted source (unsigned), ignored at an untrusted one, ignored everywhere with requireSignature', () => {
    const plain = `Root=${ROOT};LoopGuard=${new LoopGuard(FUNCTION).resourceHash}:5`;
    const guard = new LoopGuard(FUNCTION, { keys: [KEY] });
    expect(guard.enter(plain)).toMatchObject({ count: 6, trust: 'unsigned' });
    expect(guard.enter(plain, { trusted: false })).toMatchObject({ count: 1, trust: 'untrusted' });
    const strict = new LoopGuard(FUNCTION, { keys: [KEY], requireSignature: true });
    expect(strict.enter(plain)).toMatchObject({ count: 1, trust: 'bad_signature' });
    expect(strict.enter(plain, { trusted: false })).toMatchObject({ count: 1, trust: 'bad_signature' });
    // Its outgoing field is signed, so the next hop of the deployment verifies it.
    expect(strict.enter(strict.enter(plain).header, { trusted: false })).toMatchObject({ count: 2, trust: 'verified' });
    expect(guard.enter(`Root=${ROOT}`, { trusted: false })).toMatchObject({ count: 1, trust: 'absent' });
  });

  it('a loop through a public endpoint is stopped at the threshold; without a key it is not (the price of ignoring)', () => {
    const signedLoop = loopThrough({ keys: [KEY] }, 17);
    expect(signedLoop.map((r) => r.count)).toEqual(Array.from({ length: 17 }, (_, i) => i + 1));
    expect(signedLoop.slice(1).every((r) => r.trust === 'verified')).toBe(true);
    expect(signedLoop[16].loop).toBe(true);
    expect(signedLoop[15].loop).toBe(false);
    const unsignedLoop = loopThrough({}, 17);
    expect(unsignedLoop.every((r) => r.count === 1 && !r.loop)).toBe(true);
    expect(loopThrough({}, 17, true)[16].loop).toBe(true);
  });

  it('a forged count at an untrusted source never blocks, with or without keys', () => {
    for (const options of [{}, { keys: [KEY] }, { keys: [KEY], requireSignature: true }]) {
      const guard = new LoopGuard(FUNCTION, options);
      const forged = `Root=${ROOT};LoopGuard=${guard.resourceHash}:400;LoopGuardSig=0123456789abcdef`;
      const result = guard.enter(forged, { trusted: false });
      expect(result.count).toBe(1);
      expect(result.loop).toBe(false);
      expect(result.trust).toBe(guard.signing ? 'bad_signature' : 'untrusted');
    }
  });

  it('tampering is not trusted: a changed count, a tag moved to another Root, a tag from another chain', () => {
    const guard = new LoopGuard(FUNCTION, { keys: [KEY] });
    const deep = signer.enter(signer.enter(signed).header).header; // OTHER_FUNCTION at 3
    expect(guard.enter(deep, { trusted: false }).trust).toBe('verified');
    const changedCount = deep.replace(`${signer.resourceHash}:3`, `${signer.resourceHash}:30`);
    const movedRoot = deep.replace(ROOT, OTHER_ROOT);
    const otherChain = signer.enter(`Root=${OTHER_ROOT};Sampled=1;LoopGuard=${signer.resourceHash}:2`).header;
    const spliced = `Root=${ROOT};Sampled=1;LoopGuard=${fieldValue(otherChain, 'LoopGuard')};LoopGuardSig=${fieldValue(otherChain, 'LoopGuardSig')}`;
    const upperCaseTag = deep.replace(/LoopGuardSig=([0-9a-f]+)/, (_, tag: string) => `LoopGuardSig=${tag.toUpperCase()}`);
    const truncatedTag = deep.slice(0, -1);
    const emptyTag = deep.replace(/LoopGuardSig=[0-9a-f]+/, 'LoopGuardSig=');
    for (const tampered of [changedCount, movedRoot, spliced, upperCaseTag, truncatedTag, emptyTag]) {
      expect(tampered).not.toBe(deep);
      for (const trusted of [true, false]) {
        const result = guard.enter(tampered, { trusted });
        expect(result, tampered).toMatchObject({ count: 1, loop: false, trust: 'bad_signature' });
        expect(fieldValue(result.header, 'LoopGuard')).toBe(`${guard.resourceHash}:1`);
      }
    }
    // The other key does not verify the tag either.
    expect(new LoopGuard(FUNCTION, { keys: [OTHER_KEY] }).enter(deep).trust).toBe('bad_signature');
  });

  it('rotation: the old key still verifies, the new key signs', () => {
    const old = new LoopGuard(OTHER_FUNCTION, { keys: [KEY] });
    const rotated = new LoopGuard(FUNCTION, { keys: [OTHER_KEY, KEY] });
    const fromOld = old.enter(`Root=${ROOT}`).header;
    const result = rotated.enter(fromOld, { trusted: false });
    expect(result.trust).toBe('verified');
    const value = fieldValue(result.header, 'LoopGuard') ?? '';
    expect(fieldValue(result.header, 'LoopGuardSig')).toBe(loopTag(hexBytes(OTHER_KEY), ROOT, value));
    expect(new LoopGuard(FUNCTION, { keys: [OTHER_KEY] }).enter(result.header, { trusted: false }).trust).toBe('verified');
    expect(new LoopGuard(FUNCTION, { keys: [KEY] }).enter(result.header, { trusted: false }).trust).toBe('bad_signature');
  });

  it('a signed outgoing header verifies at the next hop, whatever the header (arbitrary headers)', () => {
    const first = new LoopGuard(OTHER_FUNCTION, { keys: [KEY] });
    const next = new LoopGuard(FUNCTION, { keys: [KEY] });
    fc.assert(
      fc.property(fc.oneof(realisticHeader, signedHeader), fc.boolean(), (header, trusted) => {
        let outgoing: string;
        try {
          outgoing = first.enter(header, { trusted }).header;
        } catch {
          return;
        }
        let result: EnterResult;
        try {
          result = next.enter(outgoing, { trusted: false });
        } catch (e) {
          // Only the limits may stop the next hop (the signed header grew past maxLength or maxFields).
          expect(e).toBeInstanceOf(TraceHeaderError);
          return;
        }
        expect(result.trust).toBe('verified');
        expect(result.count).toBe(1);
      }),
      { numRuns: runs(1000) },
    );
  });

  it('a custom signatureKey carries the tag', () => {
    const guard = new LoopGuard(FUNCTION, { keys: [KEY], signatureKey: 'Hmac' });
    const header = guard.enter(`Root=${ROOT}`).header;
    expect(fieldValue(header, 'Hmac')).toMatch(/^[0-9a-f]{16}$/);
    expect(fieldValue(header, 'LoopGuardSig')).toBeUndefined();
    expect(guard.enter(header, { trusted: false }).trust).toBe('verified');
  });
});

describe('enterBatch', () => {
  it('gives what enter gives, header by header, errors in their slots, one result shape', () => {
    const signer = new LoopGuard(OTHER_FUNCTION, { keys: [KEY] });
    const headers = [
      signer.enter(`Root=${ROOT}`).header,
      `Root=${ROOT};LoopGuard=${signer.resourceHash}:7`,
      `Root=${ROOT}`,
      'Root=bad\nheader',
      `Root=${ROOT};LoopGuard=${signer.resourceHash}:7;LoopGuardSig=0000000000000000`,
    ];
    for (const options of [{}, { keys: [KEY] }, { keys: [KEY], requireSignature: true }]) {
      for (const trusted of [undefined, true, false]) {
        const guard = new LoopGuard(FUNCTION, options);
        const batch = guard.enterBatch(headers, trusted === undefined ? undefined : { trusted });
        expect(batch).toHaveLength(headers.length);
        headers.forEach((header, i) => {
          const result = batch[i];
          expect(result instanceof TraceHeaderError ? result.toJSON() : { ...result }).toEqual(outcome(() => guard.enter(header, { trusted })));
        });
      }
    }
    const single = new LoopGuard(FUNCTION).enter(`Root=${ROOT}`);
    const keyed = new LoopGuard(FUNCTION, { keys: [KEY] }).enterBatch([`Root=${ROOT}`])[0];
    const plain = new LoopGuard(FUNCTION).enterBatch([`Root=${ROOT}`])[0];
    expect(Object.keys(keyed)).toEqual(Object.keys(single));
    expect(Object.keys(plain)).toEqual(Object.keys(single));
  });
});

describe('options', () => {
  it('keys, signatureKey, requireSignature and trusted are checked', () => {
    expect(error(() => new LoopGuard(FUNCTION, { keys: ['00'] })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { keys: [KEY, `${KEY}0`] })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { keys: [KEY.replace('0', 'g')] })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { keys: KEY as unknown as string[] })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { keys: [KEY], signatureKey: 'loopguard' })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { keys: [KEY], signatureKey: 'Root' })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { keys: [KEY], signatureKey: 'a=b' })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { requireSignature: true })).name).toBe('invalid_option');
    expect(error(() => new LoopGuard(FUNCTION, { keys: [], requireSignature: true })).name).toBe('invalid_option');
    expect(new LoopGuard(FUNCTION, { keys: [KEY.toUpperCase()] }).signing).toBe(true);
    expect(new LoopGuard(FUNCTION, { keys: [] }).signing).toBe(false);
    expect(() => new LoopGuard(FUNCTION).enter(`Root=${ROOT}`, { trusted: 'no' as unknown as boolean })).toThrow(TypeError);
  });
});

// The Root arbitrary is shared with the other suites; used here so that a Root shape change shows.
it('tags bind the Root: two Roots, two tags (arbitrary Roots)', () => {
  fc.assert(
    fc.property(rootValue, rootValue, (a, b) => {
      fc.pre(a !== b);
      expect(backend.loopTag(VECTOR_KEY, a, 'x:1')).not.toBe(backend.loopTag(VECTOR_KEY, b, 'x:1'));
    }),
    { numRuns: runs(200) },
  );
});
