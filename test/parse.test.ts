import { describe, expect, it } from 'vitest';
import { parse, validateLineage } from '../ts/index.js';
import { backendUnderTest, error } from './support.js';

const backend = backendUnderTest();
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const FULL = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5`;

describe(`parse (${backend.name})`, () => {
  it('reads a full header with V1 Lineage', () => {
    const parsed = parse(FULL);
    expect(parsed.fields).toEqual([
      ['Root', ROOT],
      ['Parent', '53995c3f42cd8ad8'],
      ['Sampled', '1'],
      ['Lineage', 'a87bd80c:1|68fd508a:5'],
    ]);
    expect(parsed.root).toEqual({ value: ROOT, valid: true });
    expect(parsed.parent).toEqual({ value: '53995c3f42cd8ad8', valid: true });
    expect(parsed.sampled).toEqual({ value: '1', valid: true });
    expect(parsed.self).toBeNull();
    expect(parsed.lineage).toEqual({
      value: 'a87bd80c:1|68fd508a:5',
      valid: true,
      format: 'v1',
      entries: [
        { hash: 'a87bd80c', count: 1 },
        { hash: '68fd508a', count: 5 },
      ],
    });
    expect(parsed.loop).toBeNull();
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.header).toBe(FULL);
  });

  it('reads V2 Lineage and checks its published rules', () => {
    expect(parse(`Root=${ROOT};Lineage=1:fe460cdd:0`).lineage).toEqual({
      value: '1:fe460cdd:0',
      valid: true,
      format: 'v2',
      parts: { first: 1, hash: 'fe460cdd', last: 0 },
    });
    const reason = (value: string) => validateLineage(value).reason;
    expect(validateLineage('32767:fe460cdd:255').valid).toBe(true);
    expect(reason('32768:fe460cdd:25')).toBe('out_of_range');
    expect(reason('1:fe460cdd:256')).toBe('out_of_range');
    expect(reason('1:FE460CDD:0')).toBe('not_lowercase_hex');
    expect(reason('1:fe460cdg:0')).toBe('not_hex');
    expect(reason('1:fe460cd:00')).toBe('length');
    expect(reason('123456:fe460cdd:1')).toBe('out_of_range');
    expect(reason('1234567:fe460cdd:1')).toBe('out_of_range');
    expect(reason('12345678:fe460cdd:1')).toBe('length');
    expect(reason('x:fe460cdd:0')).toBe('not_decimal');
    expect(validateLineage('whatever')).toEqual({ value: 'whatever', valid: false, reason: 'unknown_format', format: 'opaque' });
    expect(validateLineage('')).toEqual({ value: '', valid: false, reason: 'empty', format: 'opaque' });
  });

  it('keeps well-formed V1 entries and names the first malformed one', () => {
    expect(validateLineage('a87bd80c:1|68fd508a|c512fbe3:2')).toEqual({
      value: 'a87bd80c:1|68fd508a|c512fbe3:2',
      valid: false,
      reason: 'entry_format',
      format: 'v1',
      entries: [
        { hash: 'a87bd80c', count: 1 },
        { hash: 'c512fbe3', count: 2 },
      ],
    });
    expect(validateLineage('a87bd80:1').reason).toBe('length');
    expect(validateLineage('a87bd80x:1').reason).toBe('not_hex');
    expect(validateLineage('a87bd80c:').reason).toBe('not_decimal');
    expect(validateLineage('a87bd80c:99999999999').entries).toEqual([{ hash: 'a87bd80c', count: 4294967295 }]);
  });

  it('validates every typed accessor and says why', () => {
    const parsed = parse('Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f;Sampled=yes;Self=');
    expect(parsed.root).toEqual({ value: '2-5759e988-bd862e3fe1be46a994272793', valid: false, reason: 'version' });
    expect(parsed.parent).toEqual({ value: '53995c3f', valid: false, reason: 'length' });
    expect(parsed.sampled).toEqual({ value: 'yes', valid: false, reason: 'sampled_value' });
    expect(parsed.self).toEqual({ value: '', valid: false, reason: 'empty' });
    expect(parse('Root=1-5759e988_bd862e3fe1be46a994272793').root?.reason).toBe('separator');
    expect(parse('Root=1-5759e988-bd862e3fe1be46a99427279z').root?.reason).toBe('not_hex');
    expect(parse('Sampled=?').sampled?.valid).toBe(true);
    expect(parse('Self=1-67891233-12456789abcdef012345678').self?.valid).toBe(true);
  });

  it('tokenises leniently and reports each case with its offset', () => {
    const header = ' root = 1-5759e988-bd862e3fe1be46a994272793 ;;;Parent=53995c3f42cd8ad8;Flag;=x;Root=1-5759e988-bd862e3fe1be46a994272794; ';
    const parsed = parse(header);
    expect(parsed.fields).toEqual([
      ['root', ROOT],
      ['Parent', '53995c3f42cd8ad8'],
      ['Flag', null],
      ['', 'x'],
      ['Root', '1-5759e988-bd862e3fe1be46a994272794'],
    ]);
    expect(parsed.root?.value).toBe('1-5759e988-bd862e3fe1be46a994272794');
    expect(parsed.diagnostics.map((d) => [d.name, d.offset])).toEqual([
      ['whitespace', 0],
      ['key_case', 1],
      ['empty_field', 45],
      ['missing_equals', 71],
      ['empty_key', 76],
      ['duplicate_key', 79],
      ['trailing_semicolon', 119],
    ]);
    expect(parsed.header).toBe(header);
  });

  it('keeps values that contain = and unknown fields as written', () => {
    const parsed = parse('Root=1-5759e988-bd862e3fe1be46a994272793;Foo=a=b;x-custom=Hello World');
    expect(parsed.fields.slice(1)).toEqual([
      ['Foo', 'a=b'],
      ['x-custom', 'Hello World'],
    ]);
  });

  it('reads our loop field', () => {
    const parsed = parse(`Root=${ROOT};LoopGuard=0badc0de:3|deadbeef:17`);
    expect(parsed.loop).toEqual({
      value: '0badc0de:3|deadbeef:17',
      valid: true,
      entries: [
        { hash: '0badc0de', count: 3 },
        { hash: 'deadbeef', count: 17 },
      ],
    });
    expect(parse(`Root=${ROOT};Hops=0badc0de:3`, { loopKey: 'Hops' }).loop?.entries).toEqual([{ hash: '0badc0de', count: 3 }]);
  });

  it('has few, precise hard errors', () => {
    expect(error(() => parse(''))).toEqual({ code: 1, name: 'empty', offset: 0 });
    expect(error(() => parse(' ; ;'))).toEqual({ code: 1, name: 'empty', offset: 0 });
    expect(error(() => parse(`Root=${ROOT}\r\nX-Injected: 1`))).toEqual({ code: 3, name: 'invalid_byte', offset: 40 });
    expect(error(() => parse('Root=é'))).toEqual({ code: 3, name: 'invalid_byte', offset: 5 });
    expect(error(() => parse('Root=\u{1F600}'))).toEqual({ code: 3, name: 'invalid_byte', offset: 5 });
    expect(error(() => parse('Root=\ud800x'))).toEqual({ code: 3, name: 'invalid_byte', offset: 5 });
    expect(error(() => parse('A=\0'))).toEqual({ code: 3, name: 'invalid_byte', offset: 2 });
    expect(error(() => parse('x'.repeat(8193)))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
    expect(error(() => parse('x'.repeat(1 << 20)))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
    // An invalid byte inside the limit wins over the length.
    expect(error(() => parse(`${'x'.repeat(100)}\n${'x'.repeat(9000)}`))).toEqual({ code: 3, name: 'invalid_byte', offset: 100 });
    expect(error(() => parse(`${'x'.repeat(8192)}\n`))).toEqual({ code: 2, name: 'too_long', offset: 8192 });
    expect(error(() => parse('a=1;b=2;c=3', { maxFields: 2 }))).toEqual({ code: 4, name: 'too_many_fields', offset: 8 });
    expect(error(() => parse('a=1', { maxLength: 0 }))).toMatchObject({ code: 7, name: 'invalid_option' });
    expect(error(() => parse('a=1', { loopKey: 'Root' }))).toMatchObject({ code: 7, name: 'invalid_option' });
    expect(error(() => parse('a=1', { loopKey: 'a;b' }))).toMatchObject({ code: 7, name: 'invalid_option' });
  });

  it('accepts a header at exactly the length limit', () => {
    const header = `Root=${ROOT};Pad=${'p'.repeat(8192 - 45)}`;
    expect(header.length).toBe(8192);
    expect(parse(header).fields[1][1]).toHaveLength(8147);
    expect(parse('x'.repeat(100), { maxLength: 100 }).fields).toEqual([['x'.repeat(100), null]]);
    expect(error(() => parse('x'.repeat(101), { maxLength: 100 }))).toEqual({ code: 2, name: 'too_long', offset: 100 });
  });
});
