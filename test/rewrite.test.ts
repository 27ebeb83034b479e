import { describe, expect, it } from 'vitest';
import {
  LoopGuard,
  TraceHeaderError,
  enter,
  formatHeader,
  parse,
  percentEncodeEnv,
  resourceHash,
  setField,
} from '../ts/index.js';
import { backendUnderTest, error } from './support.js';

const backend = backendUnderTest();
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const FULL = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5`;
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:orders';

/** FNV-1a 32 written the obvious way, over TextEncoder's UTF-8: the oracle for resourceHash. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

describe(`resourceHash (${backend.name})`, () => {
  it('is FNV-1a 32 over UTF-8, as 8 lowercase hex', () => {
    expect(resourceHash('')).toBe('811c9dc5');
    expect(resourceHash('a')).toBe('e40c292c');
    expect(resourceHash('foobar')).toBe('bf9cf968');
    for (const id of [FUNCTION, 'é', '\u{1F600}', 'a\ud800b', '\udc00', 'queue-\u4e2d']) {
      expect(resourceHash(id)).toBe(fnv1a(id));
    }
  });
});

describe(`LoopGuard.enter (${backend.name})`, () => {
  const guard = new LoopGuard(FUNCTION);
  const own = resourceHash(FUNCTION);

  it('adds its entry after the last field, keeping every other byte', () => {
    const result = guard.enter(FULL);
    expect(result).toEqual({
      resource: FUNCTION,
      resourceHash: own,
      count: 1,
      threshold: 16,
      loop: false,
      evicted: 0,
      dropped: 0,
      header: `${FULL};LoopGuard=${own}:1`,
      trust: 'absent',
    });
    expect(guard.backend).toBe(backend.name);
  });

  it('stops the 17th entry of one chain, like AWS, and never touches Lineage', () => {
    let header = FULL;
    const counts: number[] = [];
    let loops = 0;
    for (let i = 0; i < 20; i++) {
      const result = guard.enter(header);
      counts.push(result.count);
      if (result.loop) loops++;
      expect(result.loop).toBe(result.count > 16);
      expect(parse(result.header).lineage?.value).toBe('a87bd80c:1|68fd508a:5');
      header = result.header;
    }
    expect(counts).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(loops).toBe(4);
    expect(header).toBe(`${FULL};LoopGuard=${own}:20`);
  });

  it('updates its entry in place and leaves the other entries as written', () => {
    const header = `Root=${ROOT};LoopGuard=AAAAAAAA:02|${own}:3;Foo=bar`;
    expect(guard.enter(header).header).toBe(`Root=${ROOT};LoopGuard=AAAAAAAA:02|${own}:4;Foo=bar`);
    expect(guard.enter(`Root=${ROOT};LoopGuard=${own.toUpperCase()}:3`).count).toBe(4);
  });

  it('caps the entries, evicting the lowest counts first', () => {
    const small = new LoopGuard(FUNCTION, { maxEntries: 3 });
    const result = small.enter(`Root=${ROOT};LoopGuard=11111111:5|22222222:1|33333333:1`);
    expect(result.header).toBe(`Root=${ROOT};LoopGuard=11111111:5|33333333:1|${own}:1`);
    expect(result.evicted).toBe(1);
    const many = Array.from({ length: 20 }, (_, i) => `${(i + 1).toString(16).padStart(8, '0')}:${i % 4}`).join('|');
    const capped = small.enter(`Root=${ROOT};LoopGuard=${many}`);
    expect(parse(capped.header).loop?.entries).toEqual([
      { hash: '00000010', count: 3 },
      { hash: '00000014', count: 3 },
      { hash: own, count: 1 },
    ]);
    expect(capped.evicted).toBe(18);
  });

  it('drops malformed pieces and merges duplicates of its own entry, and says so', () => {
    const repaired = guard.enter(`Root=${ROOT};LoopGuard=zz|11111111:2||${own}:2|${own}:9`);
    expect(repaired.header).toBe(`Root=${ROOT};LoopGuard=11111111:2|${own}:10`);
    expect(repaired.dropped).toBe(3);
    expect(guard.enter(`Root=${ROOT};LoopGuard=`).header).toBe(`Root=${ROOT};LoopGuard=${own}:1`);
  });

  it('saturates instead of overflowing', () => {
    const result = guard.enter(`Root=${ROOT};LoopGuard=${own}:99999999999`);
    expect(result.count).toBe(4294967295);
    expect(result.loop).toBe(true);
    expect(result.header).toBe(`Root=${ROOT};LoopGuard=${own}:4294967295`);
  });

  it('saturates at a configured ceiling: at the limit and past it', () => {
    const ceiling = new LoopGuard(FUNCTION, { maxCount: 20 });
    expect(ceiling.enter(`Root=${ROOT};LoopGuard=${own}:18`).count).toBe(19);
    expect(ceiling.enter(`Root=${ROOT};LoopGuard=${own}:19`).count).toBe(20);
    expect(ceiling.enter(`Root=${ROOT};LoopGuard=${own}:20`).count).toBe(20);
    expect(ceiling.enter(`Root=${ROOT};LoopGuard=${own}:5000`).header).toBe(`Root=${ROOT};LoopGuard=${own}:20`);
    expect(error(() => new LoopGuard(FUNCTION, { maxCount: 16 }))).toMatchObject({ name: 'invalid_option' });
    expect(new LoopGuard(FUNCTION, { maxCount: 17 }).maxCount).toBe(17);
  });

  it('inserts after the last field, before a trailing separator', () => {
    expect(guard.enter(`Root=${ROOT} ; `).header).toBe(`Root=${ROOT};LoopGuard=${own}:1 ; `);
    expect(guard.enter(`Root=${ROOT};Flag`).header).toBe(`Root=${ROOT};Flag;LoopGuard=${own}:1`);
  });

  it('uses a configurable key and threshold', () => {
    const custom = new LoopGuard('queue', { loopKey: 'Hops', threshold: 2 });
    const first = custom.enter(`Root=${ROOT}`);
    const second = custom.enter(first.header);
    const third = custom.enter(second.header);
    expect([first.loop, second.loop, third.loop]).toEqual([false, false, true]);
    expect(third.header).toBe(`Root=${ROOT};Hops=${resourceHash('queue')}:3`);
    expect(enter(`Root=${ROOT}`, 'queue', { threshold: 0 }).loop).toBe(true);
  });

  it('rejects a rewrite that would exceed the length limit, and bad options', () => {
    const long = `Root=${ROOT};Pad=${'p'.repeat(8192 - 45 - 10)}`;
    expect(error(() => guard.enter(long))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
    expect(error(() => guard.enter('Root=\r\n'))).toEqual({ code: 3, name: 'invalid_byte', offset: 5 });
    expect(error(() => new LoopGuard(FUNCTION, { threshold: -1 }))).toMatchObject({ name: 'invalid_option' });
    expect(error(() => new LoopGuard(FUNCTION, { maxEntries: 0 }))).toMatchObject({ name: 'invalid_option' });
    expect(error(() => new LoopGuard(''))).toMatchObject({ name: 'invalid_value' });
  });
});

describe(`LoopGuard.enterBatch (${backend.name})`, () => {
  const guard = new LoopGuard(FUNCTION);
  const own = resourceHash(FUNCTION);

  it('enters every header as enter does, in order', () => {
    const headers = [FULL, `Root=${ROOT};LoopGuard=${own}:16`, `Root=${ROOT};LoopGuard=11111111:2|${own}:3;Foo=bar`];
    const results = guard.enterBatch(headers);
    expect(results).toEqual(headers.map((header) => guard.enter(header)));
    expect(results.map((result) => (result instanceof TraceHeaderError ? null : [result.count, result.loop, result.header]))).toEqual([
      [1, false, `${FULL};LoopGuard=${own}:1`],
      [17, true, `Root=${ROOT};LoopGuard=${own}:17`],
      [4, false, `Root=${ROOT};LoopGuard=11111111:2|${own}:4;Foo=bar`],
    ]);
  });

  it('returns a header that cannot be used as its error, and goes on', () => {
    const results = guard.enterBatch(['Root=\r\n', '', FULL, `Root=${ROOT};Pad=${'p'.repeat(8192 - 45 - 10)}`, 'Root=é']);
    const errors = results.map((result) => (result instanceof TraceHeaderError ? result.toJSON() : result.header));
    expect(errors).toEqual([
      { code: 3, name: 'invalid_byte', offset: 5 },
      { code: 1, name: 'empty', offset: 0 },
      `${FULL};LoopGuard=${own}:1`,
      { code: 2, name: 'too_long', offset: 8192 },
      { code: 3, name: 'invalid_byte', offset: 5 },
    ]);
  });

  it('takes batches of any size, the empty one included', () => {
    expect(guard.enterBatch([])).toEqual([]);
    const kinesis = Array.from({ length: 1000 }, (_, i) => `Root=${ROOT};LoopGuard=${own}:${i}`);
    const results = guard.enterBatch(kinesis);
    expect(results.map((result) => (result instanceof TraceHeaderError ? -1 : result.count))).toEqual(kinesis.map((_, i) => i + 1));
    expect(results[999]).toMatchObject({ loop: true, header: `Root=${ROOT};LoopGuard=${own}:1000` });
  });

  it('refuses what is not an array of strings', () => {
    expect(() => guard.enterBatch('Root=x' as never)).toThrow(TypeError);
    expect(() => guard.enterBatch([FULL, 42 as never])).toThrow(/headers\[1\] must be a string/);
  });
});

describe(`setField (${backend.name})`, () => {
  it('replaces a value in place, matching the key case-insensitively', () => {
    expect(setField(FULL, 'Sampled', '0')).toBe(FULL.replace('Sampled=1', 'Sampled=0'));
    expect(setField(FULL, 'sampled', '?')).toBe(FULL.replace('Sampled=1', 'Sampled=?'));
    expect(setField(' Root = x ; Foo=1;Foo=2', 'foo', '3')).toBe(' Root = x ; Foo=1;Foo=3');
  });

  it('appends a new field after the last one', () => {
    expect(setField(FULL, 'Foo', 'bar')).toBe(`${FULL};Foo=bar`);
    expect(setField(`${FULL};`, 'Foo', 'a=b')).toBe(`${FULL};Foo=a=b;`);
  });

  it('never sets Lineage, and refuses what may not be in a header', () => {
    expect(error(() => setField(FULL, 'lineage', '1:fe460cdd:0'))).toEqual({ code: 5, name: 'invalid_key', offset: 0 });
    expect(error(() => setField(FULL, 'Sam pled', '1'))).toEqual({ code: 5, name: 'invalid_key', offset: 3 });
    expect(error(() => setField(FULL, '', '1'))).toEqual({ code: 5, name: 'invalid_key', offset: 0 });
    expect(error(() => setField(FULL, 'Foo', 'a;b'))).toEqual({ code: 6, name: 'invalid_value', offset: 1 });
    expect(error(() => setField(FULL, 'Foo', 'é'))).toEqual({ code: 6, name: 'invalid_value', offset: 0 });
    expect(error(() => setField(FULL, 'Foo', 'x\r\n'))).toEqual({ code: 6, name: 'invalid_value', offset: 1 });
    expect(error(() => setField('', 'Foo', 'x'))).toEqual({ code: 1, name: 'empty', offset: 0 });
  });
});

describe('formatHeader and percentEncodeEnv', () => {
  it('builds Root;Parent;Sampled first, no spaces', () => {
    expect(formatHeader({ sampled: '1', parent: '53995c3f42cd8ad8', root: ROOT, fields: [['Lineage', '1:fe460cdd:0']] })).toBe(
      `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:0`,
    );
    expect(error(() => formatHeader({ root: 'nope' }))).toEqual({ code: 6, name: 'invalid_value', offset: 5 });
    expect(error(() => formatHeader({ root: ROOT, fields: [['root', ROOT]] }))).toEqual({ code: 5, name: 'invalid_key', offset: 41 });
    expect(error(() => formatHeader({}))).toEqual({ code: 1, name: 'empty', offset: 0 });
  });

  it('percent-encodes control and non-ASCII bytes from the environment', () => {
    expect(percentEncodeEnv(`Root=${ROOT};Sampled=1\r\n`)).toBe(`Root=${ROOT};Sampled=1%0D%0A`);
    expect(percentEncodeEnv('a\tb%c\u00e9\u007f')).toBe('a%09b%c%C3%A9%7F');
    expect(parse(percentEncodeEnv('Root=\u0000\u2028')).fields).toEqual([['Root', '%00%E2%80%A8']]);
  });
});
