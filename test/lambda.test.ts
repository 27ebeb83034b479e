import middy from '@middy/core';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { HttpRequest } from '@smithy/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parse, resourceHash } from '../ts/index.js';
import { lineagePlugin } from '../ts/integrations/aws-sdk.js';
import {
  RecursiveLoopError,
  currentTraceHeader,
  dynamoDBAttributeCarrier,
  loopGuardMiddleware,
  s3MetadataCarrier,
  withLoopGuard,
  withRecordLineage,
  type LambdaGuardOptions,
  type LoopDetection,
} from '../ts/integrations/lambda.js';
import { capturing, sendCaptured, traceHeaders } from './capture.js';
import {
  FUNCTION_ARN,
  albEvent,
  apiGatewayV1Event,
  apiGatewayV2Event,
  context,
  dynamoDBEvent,
  eventBridgeEvent,
  kinesisEvent,
  s3Event,
  snsEvent,
  sqsEvent,
  sqsRecord,
} from './lambda-events.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const HEADER = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:2`;
const OUR_HASH = resourceHash(FUNCTION_ARN);
/** `HEADER` as it arrives after `count` entries of this function. */
const after = (count: number) => `${HEADER};LoopGuard=${OUR_HASH}:${count}`;
const quiet: LambdaGuardOptions = { writeMetric: false };

/** A handler that returns the chain it runs in. */
const chain = (options: LambdaGuardOptions = {}) => withLoopGuard(async () => currentTraceHeader(), { ...quiet, ...options });

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of ['AWS_LAMBDA_FUNCTION_NAME', '_X_AMZN_TRACE_ID']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

describe(`lambda guard: where each source carries the header (${backend.name})`, () => {
  it('SQS: the AWSTraceHeader attribute, else our message attribute, preferring the one with our field', async () => {
    expect(await chain()(sqsEvent(sqsRecord('m1', HEADER)), context)).toBe(after(1));
    expect(await chain()(sqsEvent(sqsRecord('m1', undefined, after(4))), context)).toBe(after(5));
    expect(await chain()(sqsEvent(sqsRecord('m1', HEADER, after(4))), context)).toBe(after(5));
  });

  it('SNS: our message attribute', async () => {
    expect(await chain()(snsEvent(after(2)), context)).toBe(after(3));
  });

  it('S3 (direct, or notified through SNS): object metadata through s3MetadataCarrier', async () => {
    const metadata = new Map([['photos/cats/tabby cat.jpg', { 'x-amzn-trace-id': after(6) }]]);
    const fromObject = s3MetadataCarrier(async (bucket, key) => metadata.get(`${bucket}/${key}`));
    const notification = s3Event('photos', 'cats/tabby+cat.jpg');
    expect(await chain({ carriers: { 'aws:s3': fromObject } })(notification, context)).toBe(after(7));
    expect(await chain({ carriers: { 'aws:sns': fromObject } })(snsEvent(undefined, JSON.stringify(notification)), context)).toBe(after(7));
    // A plain SNS message still has its attribute read when the carrier finds no S3 record.
    expect(await chain({ carriers: { 'aws:sns': fromObject } })(snsEvent(after(1)), context)).toBe(after(2));
  });

  it('DynamoDB streams and Kinesis: through carriers', async () => {
    expect(await chain({ carriers: { 'aws:dynamodb': dynamoDBAttributeCarrier() } })(dynamoDBEvent(after(9)), context)).toBe(after(10));
    const envelope = { read: (record: any) => JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()).traceHeader };
    expect(await chain({ carriers: { 'aws:kinesis': envelope } })(kinesisEvent(after(1)), context)).toBe(after(2));
  });

  it('API Gateway (v1, v2) and ALB: the request header', async () => {
    expect(await chain()(apiGatewayV1Event(HEADER), context)).toBe(after(1));
    // A public source: the client's loop field is not trusted by default (test/trust.test.ts), the chain counts from here.
    expect(await chain()(apiGatewayV2Event(after(5)), context)).toBe(after(1));
    expect(await chain({ trust: { http: 'trusted' } })(apiGatewayV2Event(after(1)), context)).toBe(after(2));
    const albHeader = `Self=1-67891234-12456789abcdef012345678;${HEADER}`;
    expect(await chain()(albEvent(albHeader), context)).toBe(`${albHeader};LoopGuard=${OUR_HASH}:1`);
  });

  it("EventBridge and direct invoke: the Lambda service's header, else a new chain", async () => {
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'orders';
    process.env._X_AMZN_TRACE_ID = after(3);
    expect(await chain()(eventBridgeEvent, context)).toBe(after(4));
    expect(await chain()({ orderId: 1 }, context)).toBe(after(4));
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    const fresh = parse((await chain()({ orderId: 1 }, context))!);
    expect(fresh.root?.valid).toBe(true);
    expect(fresh.loop?.entries).toEqual([{ hash: OUR_HASH, count: 1 }]);
  });

  it('a malformed incoming header: the record runs as a fresh chain, reported (test/batch.test.ts has the rest)', async () => {
    const reports: unknown[] = [];
    const outgoing = await chain({ onInvalidHeader: (report) => void reports.push(report.error.toJSON()) })(
      sqsEvent(sqsRecord('m1', 'Root=1-5759e988-bd862e3fe1be46a994272793\r\nX: y')),
      context,
    );
    expect(parse(outgoing!).loop?.entries).toEqual([{ hash: OUR_HASH, count: 1 }]);
    expect(reports).toEqual([{ code: 3, name: 'invalid_byte', offset: 40 }]);
  });

  it('needs a resource: the context ARN by default', async () => {
    await expect(chain()(sqsEvent(sqsRecord('m1', HEADER)), {})).rejects.toThrow(/no resource/);
    expect(await chain({ resource: 'orders-queue' })(sqsEvent(sqsRecord('m1', HEADER)), {})).toBe(`${HEADER};LoopGuard=${resourceHash('orders-queue')}:1`);
  });
});

describe(`lambda guard: policies (${backend.name})`, () => {
  const batch = () => sqsEvent(sqsRecord('ok-1', HEADER), sqsRecord('loop', after(16)), sqsRecord('ok-2', after(3)));

  it('skip: looping records become batchItemFailures, added to the handler’s own', async () => {
    const seen: string[] = [];
    const handler = withLoopGuard(
      async (event: any) => {
        seen.push(...event.Records.map((record: any) => record.messageId));
        return { batchItemFailures: [{ itemIdentifier: 'ok-2' }] };
      },
      { ...quiet, policy: 'skip' },
    );
    expect(await handler(batch(), context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'ok-2' }, { itemIdentifier: 'loop' }] });
    expect(seen).toEqual(['ok-1', 'ok-2']);
  });

  it('skip: when every record loops, the handler does not run', async () => {
    const handler = vi.fn();
    const guarded = withLoopGuard(handler, { ...quiet, policy: 'skip' });
    expect(await guarded(sqsEvent(sqsRecord('a', after(16)), sqsRecord('b', after(20))), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }],
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('skip: a source without partial-batch responses (SNS) throws, so its DLQ takes the event', async () => {
    await expect(withLoopGuard(vi.fn(), { ...quiet, policy: 'skip' })(snsEvent(after(16)), context)).rejects.toBeInstanceOf(RecursiveLoopError);
  });

  it('throw: a RecursiveLoopError with count, threshold, resource and chain root; the handler does not run', async () => {
    const handler = vi.fn();
    const error = await withLoopGuard(handler, { ...quiet, policy: 'throw' })(batch(), context).catch((caught) => caught);
    expect(error).toBeInstanceOf(RecursiveLoopError);
    expect(error).toMatchObject({ count: 17, threshold: 16, resource: FUNCTION_ARN, root: ROOT, traceHeader: after(16) });
    expect(handler).not.toHaveBeenCalled();
  });

  it('report: the handler gets every record; each detection is reported', async () => {
    const detections: LoopDetection[] = [];
    const handler = withLoopGuard(async (event: any) => event.Records.length, { ...quiet, policy: 'report', onLoop: (detection) => void detections.push(detection) });
    expect(await handler(batch(), context)).toBe(3);
    expect(detections).toMatchObject([{ count: 17, threshold: 16, root: ROOT, policy: 'report', eventSource: 'aws:sqs', resourceHash: OUR_HASH }]);
  });

  it('thresholds per resource: an allowance for intentional bounded recursion', async () => {
    const options: LambdaGuardOptions = { ...quiet, policy: 'throw', thresholds: { [FUNCTION_ARN]: 40 } };
    expect(await chain(options)(sqsEvent(sqsRecord('m', after(39))), context)).toBe(after(40));
    await expect(chain(options)(sqsEvent(sqsRecord('m', after(40))), context)).rejects.toMatchObject({ count: 41, threshold: 40 });
    await expect(chain({ ...options, threshold: 2 })(sqsEvent(sqsRecord('m', HEADER)), { invokedFunctionArn: 'other' })).resolves.toBeDefined();
    await expect(chain({ ...options, threshold: 0 })(sqsEvent(sqsRecord('m', HEADER)), { invokedFunctionArn: 'other' })).rejects.toMatchObject({ count: 1, threshold: 0 });
  });

  it('every detection is one CloudWatch EMF line on stdout, at once', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await withLoopGuard(async () => 'done', { policy: 'report' })(sqsEvent(sqsRecord('m', after(20))), context);
      expect(write).toHaveBeenCalledTimes(1);
      const line = String(write.mock.calls[0][0]);
      expect(line.endsWith('\n')).toBe(true);
      const metric = JSON.parse(line);
      expect(metric._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: 'TraceLineage',
          Dimensions: [['Resource']],
          Metrics: [
            { Name: 'RecursiveLoopDetected', Unit: 'Count' },
            { Name: 'ChainDepth', Unit: 'Count' },
          ],
        },
      ]);
      expect(metric).toMatchObject({ Resource: FUNCTION_ARN, RecursiveLoopDetected: 1, ChainDepth: 21, Threshold: 16, Policy: 'report', EventSource: 'aws:sqs', Root: ROOT });
    } finally {
      write.mockRestore();
    }
  });
});

describe(`lambda guard: the chain in AsyncLocalStorage (${backend.name})`, () => {
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/next';
  const rootOf = (i: number) => `1-5759e988-${String(i).padStart(24, '0')}`;
  const delay = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 5));

  /** 20 invocations at once in one process; each SQS request must carry its own chain. */
  async function concurrent(run: (event: unknown) => Promise<unknown>, requests: HttpRequest[]) {
    const events = Array.from({ length: 20 }, (_, i) => sqsEvent(sqsRecord(`m${i}`, `Root=${rootOf(i)};Sampled=1;LoopGuard=${OUR_HASH}:${i % 10}`)));
    await Promise.all(events.map(run));
    expect(requests).toHaveLength(20);
    const sent = requests.map((request) => traceHeaders(request)[0]).sort();
    expect(sent).toEqual(Array.from({ length: 20 }, (_, i) => `Root=${rootOf(i)};Sampled=1;LoopGuard=${OUR_HASH}:${(i % 10) + 1}`).sort());
  }

  function sender(requests: HttpRequest[]) {
    const sqs = new SQSClient(capturing(requests));
    sqs.middlewareStack.use(lineagePlugin());
    return async () => {
      await delay();
      await sendCaptured(sqs, new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: 'x' }));
      await delay();
    };
  }

  it('withLoopGuard: concurrent invocations each forward their own chain', async () => {
    const requests: HttpRequest[] = [];
    const handler = withLoopGuard(sender(requests), quiet);
    await concurrent((event) => handler(event, context), requests);
  });

  it('middy (loopGuardMiddleware first): concurrent invocations each forward their own chain', async () => {
    const requests: HttpRequest[] = [];
    const handler = middy(sender(requests)).use(loopGuardMiddleware(quiet));
    await concurrent((event) => handler(event, context as any), requests);
  });

  it('middy: skip merges batchItemFailures; an all-looping batch is an early response', async () => {
    const handler = middy(async (event: any) => ({ batchItemFailures: [], seen: event.Records.length })).use(loopGuardMiddleware({ ...quiet, policy: 'skip' }));
    expect(await handler(sqsEvent(sqsRecord('a', HEADER), sqsRecord('b', after(16))), context as any)).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }], seen: 1 });
    expect(await handler(sqsEvent(sqsRecord('b', after(16))), context as any)).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
  });

  it("in a batch: the deepest chain, or one record's with withRecordLineage", async () => {
    const handler = withLoopGuard(
      async (event: any) => ({
        batch: currentTraceHeader(),
        perRecord: event.Records.map((record: any) => withRecordLineage(record, currentTraceHeader)),
      }),
      quiet,
    );
    const other = `Root=1-5759e988-000000000000000000000001;LoopGuard=${OUR_HASH}:5`;
    expect(await handler(sqsEvent(sqsRecord('a', HEADER), sqsRecord('b', other)), context)).toEqual({
      batch: `Root=1-5759e988-000000000000000000000001;LoopGuard=${OUR_HASH}:6`,
      perRecord: [after(1), `Root=1-5759e988-000000000000000000000001;LoopGuard=${OUR_HASH}:6`],
    });
  });
});
