/**
 * Every record decided on its own (issue 9): a neighbour's bad header, a loop, a failing hook or
 * a FIFO neighbour never decides a good record's fate; each record's work runs in its own chain;
 * the middy scope ends with the invocation. Real event shapes; the SDK request as serialized.
 */
import middy from '@middy/core';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { HttpRequest } from '@smithy/types';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { parse, resourceHash } from '../ts/index.js';
import { lineagePlugin } from '../ts/integrations/aws-sdk.js';
import {
  currentChain,
  currentTraceHeader,
  inRecordChain,
  loopGuardMiddleware,
  withLoopGuard,
  withRecordGuard,
  type LambdaGuardOptions,
} from '../ts/integrations/lambda.js';
import { capturing, sendCaptured, traceHeaders } from './capture.js';
import { FUNCTION_ARN, context, fifoSqsRecord, snsEvent, sqsEvent, sqsRecord } from './lambda-events.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const HEADER = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;
const OUR_HASH = resourceHash(FUNCTION_ARN);
const at = (count: number, root = ROOT) => `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1;LoopGuard=${OUR_HASH}:${count}`;
const quiet: LambdaGuardOptions = { writeMetric: false };
const countOf = (header: string | undefined) => parse(header!).loop?.entries.find((entry) => entry.hash === OUR_HASH)?.count;
const ids = (event: any) => event.Records.map((record: any) => record.messageId);

/** Headers no backend can use, one per hard error. */
const POISON: Record<string, string> = {
  'non-ASCII': `Root=${ROOT};Note=café`,
  'CR/LF': `Root=${ROOT}\r\nX-Injected: 1`,
  '20 KB': `Root=${ROOT};Pad=${'x'.repeat(20_000)}`,
  '65 fields': `Root=${ROOT};${Array.from({ length: 64 }, (_, i) => `K${i}=v`).join(';')}`,
};

describe(`every record decided on its own (${backend.name})`, () => {
  for (const [kind, poison] of Object.entries(POISON)) {
    it(`finding 1: a ${kind} header in [good, poison, good] decides only its own record`, async () => {
      const seen: string[][] = [];
      const invalid: unknown[] = [];
      const event = sqsEvent(sqsRecord('good-1', at(3)), sqsRecord('poison', poison), sqsRecord('good-2', HEADER));
      // Default: the poisoned record runs as a fresh chain; reported; nothing fails.
      const fresh = withLoopGuard(async (received: any) => {
        seen.push(ids(received));
        return { batchItemFailures: [] };
      }, { ...quiet, onInvalidHeader: (report) => void invalid.push({ id: report.record.messageId, ...report.error.toJSON(), action: report.action }) });
      expect(await fresh(event, context)).toEqual({ batchItemFailures: [] });
      expect(seen).toEqual([['good-1', 'poison', 'good-2']]);
      expect(invalid).toEqual([expect.objectContaining({ id: 'poison', action: 'fresh' })]);
      // invalidHeader: 'fail': that record alone is failed (the source retries it, its DLQ takes it).
      seen.length = 0;
      const failing = withLoopGuard(async (received: any) => void seen.push(ids(received)), { ...quiet, invalidHeader: 'fail' });
      expect(await failing(event, context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
      expect(seen).toEqual([['good-1', 'good-2']]);
    });
  }

  it('finding 1: the metric line of an unusable header names the error, its offset and what was done', async () => {
    const lines: string[] = [];
    await withLoopGuard(async () => undefined, { writeMetric: (line) => void lines.push(line) })(sqsEvent(sqsRecord('p', POISON['CR/LF'])), context);
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ Resource: FUNCTION_ARN, InvalidTraceHeader: 1, ErrorCode: 'invalid_byte', Offset: 40, Action: 'fresh', EventSource: 'aws:sqs' }),
    ]);
  });

  it('finding 2: a valid AWSTraceHeader wins over a malformed X-Amzn-Trace-Id attribute beside it (and the reverse)', async () => {
    const chain = withLoopGuard(async () => currentTraceHeader(), quiet);
    expect(await chain(sqsEvent(sqsRecord('m', HEADER, POISON['non-ASCII'])), context)).toBe(`${HEADER};LoopGuard=${OUR_HASH}:1`);
    expect(await chain(sqsEvent(sqsRecord('m', POISON['CR/LF'], at(7))), context)).toBe(at(8));
  });

  it('finding 3: FIFO, one group [A, LOOP, C]: the batch stops at LOOP; C is failed unseen, to keep the order', async () => {
    const seen: string[][] = [];
    const handler = withLoopGuard(async (event: any) => void seen.push(ids(event)), quiet);
    const event = sqsEvent(fifoSqsRecord('A', 'g1', HEADER, 1), fifoSqsRecord('LOOP', 'g1', at(16), 2), fifoSqsRecord('C', 'g1', HEADER, 3));
    expect(await handler(event, context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'LOOP' }, { itemIdentifier: 'C' }] });
    expect(seen).toEqual([['A']]);
    // fifo: 'group': only the later records of LOOP's group; another group goes on.
    seen.length = 0;
    const byGroup = withLoopGuard(async (received: any) => void seen.push(ids(received)), { ...quiet, fifo: 'group' });
    const mixed = sqsEvent(fifoSqsRecord('A', 'g1', HEADER, 1), fifoSqsRecord('LOOP', 'g1', at(16), 2), fifoSqsRecord('B', 'g2', HEADER, 3), fifoSqsRecord('C', 'g1', HEADER, 4));
    expect(await byGroup(mixed, context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'LOOP' }, { itemIdentifier: 'C' }] });
    expect(seen).toEqual([['A', 'B']]);
    // A standard queue keeps per-record behaviour.
    seen.length = 0;
    expect(await handler(sqsEvent(sqsRecord('A', HEADER), sqsRecord('LOOP', at(16)), sqsRecord('C', HEADER)), context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'LOOP' }] });
    expect(seen).toEqual([['A', 'C']]);
  });

  it('finding 3: FIFO with a record handler: the first failure stops the rest of the batch, which never runs', async () => {
    const ran: string[] = [];
    const handler = withRecordGuard(async (record: SQSRecord) => {
      ran.push(record.messageId);
      if (record.messageId === 'B') throw new Error('B failed');
    }, quiet);
    const event = sqsEvent(fifoSqsRecord('A', 'g1', HEADER, 1), fifoSqsRecord('B', 'g1', HEADER, 2), fifoSqsRecord('C', 'g1', HEADER, 3));
    expect(await handler(event, context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'B' }, { itemIdentifier: 'C' }] });
    expect(ran).toEqual(['A', 'B']);
  });

  it('finding 4: a throwing or rejecting onLoop is reported on stderr and changes nothing', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const onLoop of [() => { throw new Error('pager down'); }, async () => { throw new Error('pager down'); }]) {
        const seen: string[][] = [];
        const handler = withLoopGuard(async (event: any) => void seen.push(ids(event)), { ...quiet, onLoop });
        expect(await handler(sqsEvent(sqsRecord('ok', HEADER), sqsRecord('loop', at(16))), context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'loop' }] });
        expect(seen).toEqual([['ok']]);
      }
      const lines = stderr.mock.calls.map((call) => String(call[0]));
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toMatch(/^trace-lineage: onLoop failed \(the batch goes on\): Error: pager down/);
    } finally {
      stderr.mockRestore();
    }
  });

  it('finding 5: with a record handler each record sends its own chain, never the deepest neighbour’s', async () => {
    const requests: HttpRequest[] = [];
    const sqs = new SQSClient(capturing(requests));
    sqs.middlewareStack.use(lineagePlugin());
    const handler = withRecordGuard(async (record: SQSRecord) => {
      expect(currentChain()).toMatchObject({ resource: FUNCTION_ARN, threshold: 16, loop: false });
      await sendCaptured(sqs, new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/next', MessageBody: record.messageId }));
    }, quiet);
    const otherRoot = '1-5759e988-000000000000000000000001';
    expect(await handler(sqsEvent(sqsRecord('fresh', HEADER), sqsRecord('deep', at(15, otherRoot))), context)).toEqual({ batchItemFailures: [] });
    expect(requests.map((request) => countOf(traceHeaders(request)[0]))).toEqual([1, 16]);
  });

  it('finding 5: with Powertools’ processPartialResponse (FIFO processor) through inRecordChain', async () => {
    const requests: HttpRequest[] = [];
    const sqs = new SQSClient(capturing(requests));
    sqs.middlewareStack.use(lineagePlugin());
    const handleRecord = async (record: SQSRecord) => {
      if (record.messageId === 'bad') throw new Error('bad record');
      await sendCaptured(sqs, new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/next.fifo', MessageBody: record.messageId, MessageGroupId: 'g' }));
    };
    const processor = new SqsFifoPartialProcessorAsync();
    const handler = withLoopGuard(async (event: any, lambdaContext: any) => processPartialResponse(event, inRecordChain(handleRecord), processor, { context: lambdaContext }), quiet);
    const event = sqsEvent(fifoSqsRecord('a', 'g', at(2), 1), fifoSqsRecord('b', 'g', at(9, '1-5759e988-000000000000000000000002'), 2), fifoSqsRecord('bad', 'g', HEADER, 3), fifoSqsRecord('after', 'g', HEADER, 4));
    expect(await handler(event, context as any)).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }, { itemIdentifier: 'after' }] });
    expect(requests.map((request) => countOf(traceHeaders(request)[0]))).toEqual([3, 10]);
  });

  it('finding 6: middy: the chain is the handler’s and nothing’s after the invocation', async () => {
    const handler = middy(async () => currentTraceHeader()).use(loopGuardMiddleware(quiet));
    expect(await handler(sqsEvent(sqsRecord('m', at(4))), context as any)).toBe(at(5));
    expect(currentTraceHeader()).toBeUndefined();
    expect(await new Promise((resolve) => setTimeout(() => resolve(currentTraceHeader()), 1))).toBeUndefined();
    // An early response (every record failed) closes it too.
    expect(await handler(sqsEvent(sqsRecord('m', at(20))), context as any)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(currentTraceHeader()).toBeUndefined();
  });

  it('finding 6: middy behind an async middleware: a clear error, never a silent undercount', async () => {
    const slow = { before: async () => void (await new Promise((resolve) => setTimeout(resolve, 1))) };
    const handler = middy(async () => currentTraceHeader()).use(slow).use(loopGuardMiddleware(quiet));
    await expect(handler(sqsEvent(sqsRecord('m', at(4))), context as any)).rejects.toThrow(/loopGuardMiddleware must be the first middleware/);
    expect(currentTraceHeader()).toBeUndefined();
  });

  it('finding 6: withLoopGuard: nothing sees the chain after the invocation either', async () => {
    let later: Promise<string | undefined> | undefined;
    const handler = withLoopGuard(async () => {
      later = new Promise((resolve) => setTimeout(() => resolve(currentTraceHeader()), 5));
      return currentTraceHeader();
    }, quiet);
    expect(await handler(sqsEvent(sqsRecord('m', at(1))), context)).toBe(at(2));
    expect(await later).toBeUndefined();
  });

  it('finding 7: currentChain() inside the handler: count, threshold, resource, header', async () => {
    const handler = withLoopGuard(async () => currentChain(), { ...quiet, threshold: 20 });
    expect(await handler(sqsEvent(sqsRecord('m', at(4))), context)).toEqual({ traceHeader: at(5), count: 5, threshold: 20, resource: FUNCTION_ARN, loop: false, trust: 'trusted' });
    expect(currentChain()).toBeUndefined();
  });

  it('a source without partial-batch responses: an unusable header with invalidHeader: fail throws that error', async () => {
    await expect(withLoopGuard(async () => 'ran', { ...quiet, invalidHeader: 'fail' })(snsEvent(POISON['CR/LF']), context)).rejects.toMatchObject({ codeName: 'invalid_byte' });
    expect(await withLoopGuard(async () => 'ran', quiet)(snsEvent(POISON['CR/LF']), context)).toBe('ran');
  });
});

/** A record's header, by kind: what the policy says for that record alone. */
const recordKind = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('valid' as const), count: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(15, 16, 0xfffffffe, 0xffffffff)) }),
  fc.record({ kind: fc.constant('invalid' as const), poison: fc.constantFrom(...Object.values(POISON)) }),
  fc.record({ kind: fc.constant('both' as const), count: fc.integer({ min: 0, max: 40 }), poison: fc.constantFrom(...Object.values(POISON)), validFirst: fc.boolean() }),
);
type Kind = typeof recordKind extends fc.Arbitrary<infer K> ? K : never;

function recordOf(kind: Kind, i: number, fifo: boolean, group: string): SQSRecord {
  const id = `m${i}`;
  const header = kind.kind === 'valid' || kind.kind === 'both' ? at(kind.count) : kind.kind === 'invalid' ? kind.poison : undefined;
  const record = fifo ? fifoSqsRecord(id, group, undefined, i) : sqsRecord(id);
  if (kind.kind === 'both') {
    return kind.validFirst
      ? { ...record, attributes: { ...record.attributes, AWSTraceHeader: header! }, messageAttributes: { 'X-Amzn-Trace-Id': { stringValue: kind.poison, dataType: 'String' } } }
      : { ...record, attributes: { ...record.attributes, AWSTraceHeader: kind.poison }, messageAttributes: { 'X-Amzn-Trace-Id': { stringValue: header!, dataType: 'String' } } };
  }
  return header === undefined ? record : { ...record, attributes: { ...record.attributes, AWSTraceHeader: header } };
}

/** The policy, for one record alone (threshold 16): fails as a loop, or for its unusable header under `fail`. */
function failsAlone(kind: Kind, invalidHeader: 'fresh' | 'fail'): boolean {
  if (kind.kind === 'invalid') return invalidHeader === 'fail';
  if (kind.kind === 'valid' || kind.kind === 'both') return Math.min(kind.count + 1, 0xffffffff) > 16;
  return false;
}

describe(`property: the failed records are exactly what the policy says of each alone (${backend.name})`, () => {
  it('standard and FIFO queues, both invalid-header policies, both FIFO scopes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: recordKind, group: fc.constantFrom('g1', 'g2', 'g3') }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        fc.constantFrom<'fresh' | 'fail'>('fresh', 'fail'),
        fc.constantFrom<'batch' | 'group'>('batch', 'group'),
        async (batch, fifo, invalidHeader, fifoScope) => {
          const records = batch.map(({ kind, group }, i) => recordOf(kind, i, fifo, group));
          const seen: string[] = [];
          const handler = withLoopGuard(async (event: any) => void seen.push(...ids(event)), { ...quiet, invalidHeader, fifo: fifoScope });
          const response = (await handler(sqsEvent(...records), context)) as { batchItemFailures: Array<{ itemIdentifier: string }> } | undefined;
          const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
          const expected = new Set<string>();
          const stoppedGroups = new Set<string>();
          let stoppedAll = false;
          batch.forEach(({ kind, group }, i) => {
            const fifoFails = fifo && (fifoScope === 'batch' ? stoppedAll : stoppedGroups.has(group));
            if (fifoFails || failsAlone(kind, invalidHeader)) expected.add(`m${i}`);
            if (fifo && failsAlone(kind, invalidHeader)) {
              stoppedAll = true;
              stoppedGroups.add(group);
            }
          });
          expect([...failed].sort()).toEqual([...expected].sort());
          // The handler saw exactly the others, in order.
          expect(seen).toEqual(records.map((record) => record.messageId).filter((id) => !expected.has(id)));
        },
      ),
      { numRuns: process.env.CI === 'true' ? 2_000 : 300 },
    );
  });
});

describe(`no silent restarts (${backend.name})`, () => {
  it('a record of a carrier-only source without a header or carrier: one warning per source per process, naming what to configure', async () => {
    const { kinesisEvent } = await import('./lambda-events.js');
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const handler = withLoopGuard(async () => currentChain()?.count, quiet);
      const plain = { Records: kinesisEvent(HEADER).Records.map((record) => ({ ...record, kinesis: { ...record.kinesis, data: Buffer.from('{}').toString('base64') } })) };
      expect(await handler(plain, context)).toBe(1);
      expect(await handler(plain, context)).toBe(1);
      const lines = stderr.mock.calls.map((call) => String(call[0])).filter((line) => line.startsWith('trace-lineage:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/aws:kinesis carried no trace header .* restarts at this hop: .*carriers\['aws:kinesis'\]/);
    } finally {
      stderr.mockRestore();
    }
  });
});

describe(`carriers and ids of the other batch sources (${backend.name})`, () => {
  it('Kafka: a looping record under skip is failed alone, named { partition, offset }; the handler gets the others', async () => {
    const { kafkaEvent, kafkaHeaderBytes, kafkaRecord } = await import('./lambda-events.js');
    const seen: number[] = [];
    const handler = withLoopGuard(async (event: any) => void Object.values<any[]>(event.records).flat().forEach((record) => seen.push(record.offset)), quiet);
    const event = kafkaEvent('aws:kafka', [
      kafkaRecord('orders', 0, 10, [{ 'X-Amzn-Trace-Id': kafkaHeaderBytes(at(2)) }]),
      kafkaRecord('orders', 0, 11, [{ 'x-amzn-trace-id': kafkaHeaderBytes(at(16)) }]),
      kafkaRecord('orders', 1, 12),
    ]);
    expect(await handler(event, context)).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 11 } }] });
    expect(seen).toEqual([10, 12]);
  });

  it('Kinesis envelope: the guard counts the envelope’s header and the handler sees the producer’s own data', async () => {
    const { kinesisEnvelopeCarrier } = await import('../ts/integrations/lambda.js');
    const { kinesisEvent } = await import('./lambda-events.js');
    const carrier = kinesisEnvelopeCarrier();
    const payload = Buffer.from('{"order":42}');
    const sealed = carrier.write!({ StreamName: 's', PartitionKey: 'p', Data: payload }, () => at(6));
    const base = kinesisEvent(HEADER);
    const event = { Records: base.Records.map((record) => ({ ...record, kinesis: { ...record.kinesis, data: Buffer.from(sealed.Data).toString('base64') } })) };
    const handler = withRecordGuard(async (record: any) => {
      expect(Buffer.from(record.kinesis.data, 'base64').toString()).toBe('{"order":42}');
      expect(currentChain()?.count).toBe(7);
    }, { ...quiet, carriers: { 'aws:kinesis': carrier } });
    expect(await handler(event, context)).toEqual({ batchItemFailures: [] });
    const whole = withLoopGuard(async (received: any) => Buffer.from(received.Records[0].kinesis.data, 'base64').toString(), { ...quiet, carriers: { 'aws:kinesis': carrier } });
    expect(await whole(event, context)).toBe('{"order":42}');
  });
});
