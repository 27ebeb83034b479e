/**
 * `trace-lineage/testing` (ts/testing/): the arbitraries hold what their docs say (checked by the
 * reference), the events carry their header where each source does, the seeds are fuzz/seeds,
 * the README's copy-paste property holds for our own Lambda guard and fails on a middleware that
 * loses Lineage, and `fuzzHeaderFunction` finds each kind of planted bug (and none in our guard).
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoopGuard, TraceHeaderError, parse } from '../ts/index.js';
import { currentTraceHeader, withLoopGuard } from '../ts/integrations/lambda.js';
import {
  EVENT_SOURCES,
  atLengthLimit,
  eventCarrying,
  fuzzHeaderFunction,
  headerWithLineage,
  hostileHeader,
  lambdaEvent,
  lineageV1,
  lineageV2,
  seeds,
  wellFormedHeaderParts,
  type CarryingEvent,
} from '../ts/testing/index.js';
import { context } from './lambda-events.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();

/** The header an event carries, read back the way each source carries it (not by our guard). */
function carried({ source, event }: CarryingEvent): string | undefined {
  const records = (event as { Records?: any[] }).Records;
  switch (source) {
    case 'sqs':
    case 'sqs-fifo':
      return records![0].attributes.AWSTraceHeader;
    case 'sns':
      return records![0].Sns.MessageAttributes['X-Amzn-Trace-Id'].Value;
    case 'sns-sqs':
      return JSON.parse(records![0].body).MessageAttributes['X-Amzn-Trace-Id'].Value;
    case 'kafka': {
      const [batch] = Object.values((event as { records: Record<string, any[]> }).records);
      return Buffer.from(batch[0].headers[0]['X-Amzn-Trace-Id']).toString('utf8');
    }
    case 'dynamodb':
      return records![0].dynamodb.NewImage.traceHeader.S;
    case 'kinesis':
      return JSON.parse(Buffer.from(records![0].kinesis.data, 'base64').toString('utf8')).traceHeader;
    case 'apigateway-rest':
      return (event as { headers: Record<string, string> }).headers['X-Amzn-Trace-Id'];
    case 'apigateway-http':
      return (event as { headers: Record<string, string> }).headers['x-amzn-trace-id'];
  }
}

describe(`trace-lineage/testing: the arbitraries (${backend.name})`, () => {
  it('well-formed headers are valid for the reference, byte for byte, with the parts they say', () => {
    fc.assert(
      fc.property(wellFormedHeaderParts(), (parts) => {
        const parsed = parse(parts.header, { backend: 'js' });
        expect(parsed.header).toBe(parts.header);
        expect(parsed.diagnostics).toEqual([]);
        expect([parsed.root, parsed.parent, parsed.sampled].map((accessor) => accessor?.valid)).toEqual([true, true, true]);
        expect(parsed.lineage?.value ?? null).toBe(parts.lineage);
        if (parts.lineage !== null) expect(parsed.lineage?.valid).toBe(true);
        expect(parsed.loop?.value ?? null).toBe(parts.loopField);
        const unknown = parsed.fields.filter(([key]) => !['Root', 'Parent', 'Sampled', 'Lineage', 'LoopGuard'].includes(key)).map(([k, v]) => `${k}=${v}`);
        // The optional fields are shuffled: the same unknown fields, in some order.
        expect(unknown.sort()).toEqual([...parts.unknownFields].sort());
      }),
      { numRuns: 300 },
    );
  });

  it('V1 and V2 Lineage values are valid in their format, V2 at its bounds too', () => {
    const format = (value: string) => parse(`Root=1-5759e988-bd862e3fe1be46a994272793;Lineage=${value}`, { backend: 'js' }).lineage!;
    fc.assert(fc.property(lineageV1, (value) => void expect(format(value)).toMatchObject({ valid: true, format: 'v1' })), { numRuns: 200 });
    fc.assert(fc.property(lineageV2, (value) => void expect(format(value)).toMatchObject({ valid: true, format: 'v2' })), { numRuns: 200 });
    expect(fc.sample(lineageV2, 2000)).toEqual(expect.arrayContaining([expect.stringMatching(/^32767:/), expect.stringMatching(/:255$/)]));
  });

  it('hostile headers hold CR/LF, NUL, non-ASCII, lone surrogates and megabytes; the limit arbitraries sit at their limits', () => {
    const sample = fc.sample(hostileHeader, { numRuns: 3000, seed: 1 });
    for (const pattern of [/[\r\n]/, /\0/, /[^\x00-\x7f]/, /[\ud800-\udbff](?![\udc00-\udfff])/]) expect(sample.some((h) => pattern.test(h))).toBe(true);
    expect(sample.some((h) => h.length > 1 << 20)).toBe(true);
    for (const [header, { maxLength }] of fc.sample(atLengthLimit, 300)) expect(Math.abs(header.length - maxLength)).toBeLessThanOrEqual(3);
  });

  it('each Lambda event carries its header where its source does', () => {
    for (const source of EVENT_SOURCES) {
      fc.assert(fc.property(eventCarrying(source), (carrying) => void expect(carried(carrying)).toBe(carrying.traceHeader)), { numRuns: 30 });
    }
  });

  it('the seeds are fuzz/seeds, config bytes split off at the first newline', () => {
    const directory = new URL('../fuzz/seeds/', import.meta.url);
    const names = readdirSync(directory).sort();
    expect(seeds().map((seed) => seed.name)).toEqual(names);
    for (const seed of seeds()) {
      const bytes = readFileSync(new URL(seed.name, directory));
      const expected = bytes.indexOf(0x0a) < 0 ? Buffer.from(seed.header, 'latin1') : Buffer.concat([seed.config, Buffer.from('\n'), Buffer.from(seed.header, 'latin1')]);
      expect(expected.equals(bytes)).toBe(true);
    }
    expect(seeds().find((seed) => seed.name === 'config-small-limits')?.config.length).toBeGreaterThan(0);
  });
});

// The README's copy-paste property (README, "trace-lineage/testing"), on our own Lambda guard.
/** What my function sends downstream for an event: here, the chain header our guard sets. */
const outgoingOf = withLoopGuard(async () => currentTraceHeader(), { writeMetric: false });
const GUARDED: CarryingEvent['source'][] = ['sqs', 'sqs-fifo', 'sns', 'apigateway-rest', 'apigateway-http'];
const lineageOf = (header: string | undefined) => (header === undefined ? undefined : parse(header).lineage?.value);
const preservesLineage = (send: (event: CarryingEvent) => Promise<string | undefined>) =>
  fc.asyncProperty(lambdaEvent(headerWithLineage, GUARDED), async (carrying) => {
    expect(lineageOf(await send(carrying))).toBe(lineageOf(carrying.traceHeader));
  });

describe(`the copy-paste property: a middleware preserves Lineage byte for byte (${backend.name})`, () => {
  it('holds for withLoopGuard on every event source it reads', async () => {
    await fc.assert(
      preservesLineage(({ event }) => outgoingOf(event, context)),
      { numRuns: 200 },
    );
  });

  it('fails, shrunk to a small header, on a middleware that rebuilds the header from Root/Parent/Sampled', async () => {
    const otelLike = async ({ event }: CarryingEvent) => {
      const chain = await outgoingOf(event, context);
      const parsed = parse(chain!);
      return `Root=${parsed.root?.value};Parent=${parsed.parent?.value};Sampled=${parsed.sampled?.value}`;
    };
    const details = await fc.check(preservesLineage(otelLike), { numRuns: 200, seed: 7 });
    expect(details.failed).toBe(true);
    const [shrunk] = details.counterexample as [CarryingEvent];
    expect(shrunk.traceHeader.length).toBeLessThan(140);
  });
});

describe(`fuzzHeaderFunction: differential fuzzing against the reference (${backend.name})`, () => {
  const enter = (header: string) => new LoopGuard('orders').enter(header).header;

  it('finds nothing in our own LoopGuard.enter', () => {
    const report = fuzzHeaderFunction(enter, { seconds: 3, seed: 42 });
    expect(report.findings).toEqual([]);
    expect(report.checks.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    expect(Math.min(...report.checks.map((c) => c.runs))).toBeGreaterThan(3);
  });

  it('finds each planted bug, shrunk', () => {
    const dropLineage = (header: string) => enter(header).replace(/;Lineage=[^;]*/, '');
    const lost = fuzzHeaderFunction(dropLineage, { seconds: 0.5, seed: 1, checks: ['lineage-lost'] }).findings[0];
    expect(lost).toMatchObject({ check: 'lineage-lost' });
    expect(lost.input).toMatch(/^Root=1-0{8}-0{23}[1-9a-f];Parent=0{15}[1-9a-f];Sampled=0;Lineage=[^;]+$/);
    expect(lost.shrinks).toBeGreaterThan(0);

    const keepKnown = (header: string) => parse(header).fields.filter(([key]) => /^(root|parent|sampled|lineage)$/i.test(key)).map(([k, v]) => `${k}=${v}`).join(';');
    expect(fuzzHeaderFunction(keepKnown, { seconds: 0.5, seed: 1, checks: ['unknown-field-dropped'] }).findings[0]).toMatchObject({ check: 'unknown-field-dropped' });

    const echo = (header: string) => header;
    expect(fuzzHeaderFunction(echo, { seconds: 0.5, seed: 1, checks: ['crlf-accepted'] }).findings[0]).toMatchObject({ check: 'crlf-accepted' });

    const strictButBuggy = (header: string) => (header.includes('\u00e9') ? (null as unknown as string).trim() : header);
    const crash = fuzzHeaderFunction(strictButBuggy, { seconds: 1, seed: 1, checks: ['crash'] }).findings[0];
    expect(crash).toMatchObject({ check: 'crash', problem: 'crashed with a TypeError' });
    expect(crash.input).toMatch(/^\u00e9.{0,8}$/);
    // A clean rejection is not a crash.
    expect(fuzzHeaderFunction(enter, { seconds: 0.5, seed: 1, checks: ['crash'] }).findings).toEqual([]);
    expect(() => enter('a\r\nb')).toThrow(TraceHeaderError);
  });

  it('finds a quadratic header function, and not a linear one', () => {
    // Numbers each field by rescanning the prefix for separators: quadratic in the number of separators.
    const quadratic = (header: string) => {
      let fields = 0;
      for (let i = 0; i < header.length; i++) {
        if (header.charCodeAt(i) !== 59) continue;
        for (let j = 0; j < i; j++) if (header.charCodeAt(j) === 59) fields++;
      }
      return `${header};n=${fields}`;
    };
    const found = fuzzHeaderFunction(quadratic, { seconds: 1.5, seed: 3, checks: ['super-linear'] }).findings[0];
    expect(found).toMatchObject({ check: 'super-linear' });
    expect(found.problem).toMatch(/8× the length took \d+× the time/);
    const linear = (header: string) => `${header};n=${header.split(';').length}`;
    expect(fuzzHeaderFunction(linear, { seconds: 1, seed: 3, checks: ['super-linear'] }).findings).toEqual([]);
  });
});
