import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { KinesisClient, PutRecordCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishBatchCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { HttpRequest } from '@smithy/types';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { TraceHeaderError } from '../ts/index.js';
import {
  KINESIS_ENVELOPE_PREFIX,
  dynamoDBAttributeCarrier,
  eventBridgeDetailCarrier,
  kinesisEnvelopeCarrier,
  lineagePlugin,
  openKinesisEnvelope,
} from '../ts/integrations/aws-sdk.js';
import { currentTraceHeader, withLoopGuard } from '../ts/integrations/lambda.js';
import { eventBridgeEvent, kinesisEvent } from './lambda-events.js';
import { capturing, formBody, jsonBody, sendCaptured, traceHeaders } from './capture.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const CHAIN = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:2;LoopGuard=a87bd80c:3';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs';

function client<T extends { middlewareStack: any }>(Client: new (config: any) => T, requests: HttpRequest[], options = {}): T {
  const instance = new Client(capturing(requests));
  instance.middlewareStack.use(lineagePlugin({ traceHeader: CHAIN, ...options }));
  return instance;
}

const savedEnv = { ...process.env };
afterEach(() => {
  for (const key of ['AWS_LAMBDA_FUNCTION_NAME', '_X_AMZN_TRACE_ID']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

describe(`aws sdk plugin (${backend.name})`, () => {
  it('sits right after AWS recursion-detection middleware', () => {
    const sqs = client(SQSClient, []);
    const order = sqs.middlewareStack.identify();
    const detector = order.findIndex((entry) => entry.startsWith('recursionDetectionMiddleware'));
    expect(detector).toBeGreaterThanOrEqual(0);
    expect(order[detector + 1]).toMatch(/^traceLineageHeaderMiddleware/);
  });

  it('does nothing without a chain counted by a guard', async () => {
    const requests: HttpRequest[] = [];
    const sqs = new SQSClient(capturing(requests));
    sqs.middlewareStack.use(lineagePlugin());
    const request = await sendCaptured(sqs, new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: 'x' }));
    expect(traceHeaders(request)).toEqual([]);
    expect(jsonBody(request).MessageSystemAttributes).toBeUndefined();
  });

  it('SQS SendMessage: the AWSTraceHeader system attribute and the HTTP header', async () => {
    const requests: HttpRequest[] = [];
    const request = await sendCaptured(client(SQSClient, requests), new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: 'x' }));
    expect(jsonBody(request).MessageSystemAttributes).toEqual({ AWSTraceHeader: { DataType: 'String', StringValue: CHAIN } });
    expect(traceHeaders(request)).toEqual([CHAIN]);
  });

  it("SQS SendMessageBatch: per entry, merged into an entry's own header", async () => {
    const requests: HttpRequest[] = [];
    const own = 'Root=1-67891233-abcdef012345678912345678;Sampled=0;Team=blue';
    const request = await sendCaptured(
      client(SQSClient, requests),
      new SendMessageBatchCommand({
        QueueUrl: QUEUE,
        Entries: [
          { Id: 'a', MessageBody: 'a' },
          { Id: 'b', MessageBody: 'b', MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: own } } },
        ],
      }),
    );
    const [a, b] = jsonBody(request).Entries;
    expect(a.MessageSystemAttributes.AWSTraceHeader.StringValue).toBe(CHAIN);
    expect(b.MessageSystemAttributes.AWSTraceHeader.StringValue).toBe(`${own};LoopGuard=a87bd80c:3`);
  });

  it('SNS Publish and PublishBatch: the X-Amzn-Trace-Id message attribute', async () => {
    const requests: HttpRequest[] = [];
    const sns = client(SNSClient, requests);
    const topic = 'arn:aws:sns:us-east-1:123456789012:uploads';
    const publish = formBody(
      await sendCaptured(sns, new PublishCommand({ TopicArn: topic, Message: 'm', MessageAttributes: { kind: { DataType: 'String', StringValue: 'k' } } })),
    );
    const attributes = new Map<string, string>();
    for (let i = 1; publish.has(`MessageAttributes.entry.${i}.Name`); i++) {
      attributes.set(publish.get(`MessageAttributes.entry.${i}.Name`)!, publish.get(`MessageAttributes.entry.${i}.Value.StringValue`)!);
    }
    expect(Object.fromEntries(attributes)).toEqual({ kind: 'k', 'X-Amzn-Trace-Id': CHAIN });

    const batch = formBody(
      await sendCaptured(sns, new PublishBatchCommand({ TopicArn: topic, PublishBatchRequestEntries: [{ Id: '1', Message: 'a' }, { Id: '2', Message: 'b' }] })),
    );
    for (const entry of [1, 2]) {
      const prefix = `PublishBatchRequestEntries.member.${entry}.MessageAttributes.entry.1`;
      expect([batch.get(`${prefix}.Name`), batch.get(`${prefix}.Value.StringValue`)]).toEqual(['X-Amzn-Trace-Id', CHAIN]);
    }
  });

  it('EventBridge PutEvents: TraceHeader per entry, at most 500 characters', async () => {
    const requests: HttpRequest[] = [];
    const request = await sendCaptured(
      client(EventBridgeClient, requests),
      new PutEventsCommand({ Entries: [{ Source: 'a', DetailType: 'd', Detail: '{}' }, { Source: 'b', DetailType: 'd', Detail: '{}' }] }),
    );
    expect(jsonBody(request).Entries.map((entry: any) => entry.TraceHeader)).toEqual([CHAIN, CHAIN]);

    const long = `${CHAIN};Pad=${'x'.repeat(500)}`;
    const tooLong = client(EventBridgeClient, requests, { traceHeader: long });
    const error = await tooLong.send(new PutEventsCommand({ Entries: [{ Source: 'a', DetailType: 'd', Detail: '{}' }] })).catch((caught) => caught);
    expect(error).toBeInstanceOf(TraceHeaderError);
    expect(error.codeName).toBe('too_long');
  });

  it('Lambda Invoke: the header', async () => {
    const requests: HttpRequest[] = [];
    const request = await sendCaptured(client(LambdaClient, requests), new InvokeCommand({ FunctionName: 'orders', Payload: '{}' }));
    expect(traceHeaders(request)).toEqual([CHAIN]);
  });

  it('S3 PutObject: object metadata', async () => {
    const requests: HttpRequest[] = [];
    const request = await sendCaptured(client(S3Client, requests), new PutObjectCommand({ Bucket: 'photos', Key: 'cat.jpg', Body: 'x', Metadata: { owner: 'me' } }));
    expect(request.headers['x-amz-meta-x-amzn-trace-id']).toBe(CHAIN);
    expect(request.headers['x-amz-meta-owner']).toBe('me');
  });

  it('DynamoDB PutItem: only through a carrier', async () => {
    const requests: HttpRequest[] = [];
    const item = { pk: { S: 'order-1' } };
    const plain = await sendCaptured(client(DynamoDBClient, requests), new PutItemCommand({ TableName: 't', Item: item }));
    expect(jsonBody(plain).Item).toEqual(item);
    const carried = client(DynamoDBClient, requests, { carriers: { 'DynamoDB.PutItem': dynamoDBAttributeCarrier('trace') } });
    const request = await sendCaptured(carried, new PutItemCommand({ TableName: 't', Item: item }));
    expect(jsonBody(request).Item).toEqual({ ...item, trace: { S: CHAIN } });
    expect(item).toEqual({ pk: { S: 'order-1' } }); // the caller's input is not mutated
  });

  it('merges into a header already there in another casing, never adds a second copy', async () => {
    const requests: HttpRequest[] = [];
    const tracer = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=1111111111111111;Sampled=1;Lineage=1:fe460cdd:2';
    const sqs = client(SQSClient, requests);
    sqs.middlewareStack.add(
      (next: any) => (args: any) => {
        args.request.headers['x-amzn-trace-id'] = tracer;
        return next(args);
      },
      { step: 'build', priority: 'high', name: 'someTracer' },
    );
    const request = await sendCaptured(sqs, new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: 'x' }));
    expect(request.headers['x-amzn-trace-id']).toBe(`${tracer};LoopGuard=a87bd80c:3`);
    expect(traceHeaders(request)).toHaveLength(1);
  });

  it("in Lambda: AWS's header (its Lineage byte for byte) plus our field, in the header and the attribute", async () => {
    const lambdaHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=22222222aaaaaaaa;Sampled=1;Lineage=1:fe460cdd:7';
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'worker';
    process.env._X_AMZN_TRACE_ID = lambdaHeader;
    const requests: HttpRequest[] = [];
    const request = await sendCaptured(client(SQSClient, requests), new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: 'x' }));
    const expected = `${lambdaHeader};LoopGuard=a87bd80c:3`;
    expect(traceHeaders(request)).toEqual([expected]);
    expect(jsonBody(request).MessageSystemAttributes.AWSTraceHeader.StringValue).toBe(expected);
  });

  it('reads the chain from a guarded handler (AsyncLocalStorage)', async () => {
    const requests: HttpRequest[] = [];
    const sqs = new SQSClient(capturing(requests));
    sqs.middlewareStack.use(lineagePlugin());
    const handler = withLoopGuard(async () => traceHeaders(await sendCaptured(sqs, new SendMessageCommand({ QueueUrl: QUEUE, MessageBody: 'x' }))), {
      resource: 'worker',
      writeMetric: false,
    });
    const event = { Records: [{ eventSource: 'aws:sqs', messageId: 'm1', body: 'x', attributes: { AWSTraceHeader: CHAIN }, messageAttributes: {} }] };
    const [sent] = await handler(event, {});
    expect(sent).toMatch(/^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:2;LoopGuard=a87bd80c:3\|[0-9a-f]{8}:1$/);
  });

  it('Step Functions StartExecution / StartSyncExecution: traceHeader, at most 256 characters, never cut', async () => {
    const requests: HttpRequest[] = [];
    const sfn = client(SFNClient, requests);
    const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
    const started = await sendCaptured(sfn, new StartExecutionCommand({ stateMachineArn, input: '{}' }));
    expect(jsonBody(started).traceHeader).toBe(CHAIN);
    const own = 'Root=1-67891233-abcdef012345678912345678;Sampled=0';
    const sync = await sendCaptured(sfn, new StartSyncExecutionCommand({ stateMachineArn, input: '{}', traceHeader: own }));
    expect(jsonBody(sync).traceHeader).toBe(`${own};LoopGuard=a87bd80c:3`);

    const sent = requests.length;
    const long = client(SFNClient, requests, { traceHeader: `${CHAIN};Pad=${'x'.repeat(257 - CHAIN.length - 5)}` });
    const error = await long.send(new StartExecutionCommand({ stateMachineArn })).catch((caught) => caught);
    expect(error).toBeInstanceOf(TraceHeaderError);
    expect([error.codeName, error.offset]).toEqual(['too_long', 256]);
    expect(requests).toHaveLength(sent); // nothing went out
    const fits = client(SFNClient, requests, { traceHeader: `${CHAIN};Pad=${'x'.repeat(256 - CHAIN.length - 5)}` });
    expect(jsonBody(await sendCaptured(fits, new StartExecutionCommand({ stateMachineArn }))).traceHeader).toHaveLength(256);
  });

  it('EventBridge detail carrier: the header in each Detail JSON object too, read back from the event', async () => {
    const requests: HttpRequest[] = [];
    const events = client(EventBridgeClient, requests, { carriers: { 'EventBridge.PutEvents': eventBridgeDetailCarrier() } });
    const request = await sendCaptured(
      events,
      new PutEventsCommand({
        Entries: [
          { Source: 'com.example.orders', DetailType: 'Order Placed', Detail: '{"id":1}' },
          { Source: 'com.example.orders', DetailType: 'Order Placed', Detail: '[1,2]' },
        ],
      }),
    );
    const [object, array] = jsonBody(request).Entries;
    expect(JSON.parse(object.Detail)).toEqual({ id: 1, 'X-Amzn-Trace-Id': CHAIN });
    expect([object.TraceHeader, array.TraceHeader, array.Detail]).toEqual([CHAIN, CHAIN, '[1,2]']);

    // The event EventBridge delivers to a Lambda target: `detail` is the entry's Detail.
    const delivered = { ...eventBridgeEvent, detail: JSON.parse(object.Detail) };
    expect(eventBridgeDetailCarrier().read!(delivered)).toBe(CHAIN);
    const guarded = withLoopGuard(async () => currentTraceHeader(), { resource: 'arn:aws:lambda:us-east-1:123456789012:function:x', writeMetric: false });
    expect(await guarded(delivered, {})).toMatch(/;LoopGuard=a87bd80c:3\|[0-9a-f]{8}:1$/);
  });

  it('Kinesis PutRecord / PutRecords through the envelope carrier: read, unwrap to the producer’s bytes, no nesting', async () => {
    const requests: HttpRequest[] = [];
    const carrier = kinesisEnvelopeCarrier();
    const kinesis = client(KinesisClient, requests, { carriers: { 'Kinesis.PutRecord': carrier, 'Kinesis.PutRecords': carrier } });
    const payload = new Uint8Array([0x7b, 0x00, 0xff, 0x0a, 0x7d]); // binary, a line feed included
    const one = jsonBody(await sendCaptured(kinesis, new PutRecordCommand({ StreamName: 's', PartitionKey: 'p', Data: payload })));
    const many = jsonBody(
      await sendCaptured(kinesis, new PutRecordsCommand({ StreamName: 's', Records: [{ PartitionKey: 'a', Data: payload }, { PartitionKey: 'b', Data: new Uint8Array() }] })),
    );
    for (const data of [one.Data, ...many.Records.map((record: any) => record.Data)]) {
      expect(Buffer.from(data, 'base64').toString('latin1').startsWith(`${KINESIS_ENVELOPE_PREFIX}${CHAIN}\n`)).toBe(true);
    }

    // The record Lambda delivers carries the same base64 data.
    const record = { ...kinesisEvent(CHAIN).Records[0] };
    record.kinesis = { ...record.kinesis, data: one.Data };
    expect(carrier.read!(record)).toBe(CHAIN);
    const unwrapped = carrier.unwrap!(record);
    expect(new Uint8Array(Buffer.from(unwrapped.kinesis.data, 'base64'))).toEqual(payload);
    expect(record.kinesis.data).toBe(one.Data); // the record itself is left alone
    expect(Buffer.from(carrier.unwrap!({ ...record, kinesis: { ...record.kinesis, data: many.Records[1].Data } }).kinesis.data, 'base64')).toHaveLength(0);
    const plain = kinesisEvent(CHAIN).Records[0];
    expect([carrier.read!(plain), carrier.unwrap!(plain)]).toEqual([undefined, plain]);

    // Forwarding the received bytes as they are: the envelope is re-used, not nested.
    const forwarded = jsonBody(await sendCaptured(kinesis, new PutRecordCommand({ StreamName: 's', PartitionKey: 'p', Data: Buffer.from(one.Data, 'base64') })));
    expect(openKinesisEnvelope(Buffer.from(forwarded.Data, 'base64'))).toEqual({ traceHeader: CHAIN, payload: Buffer.from(payload) });

    // The guard counts it with the carrier configured.
    const guarded = withLoopGuard(async () => currentTraceHeader(), { resource: 'arn:aws:lambda:us-east-1:123456789012:function:x', writeMetric: false, carriers: { 'aws:kinesis': carrier } });
    expect(await guarded({ Records: [record] }, {})).toMatch(/;LoopGuard=a87bd80c:3\|[0-9a-f]{8}:1$/);
  });

  it('property: the Kinesis envelope gives back any header and any bytes, and re-writing never nests', () => {
    const carrier = kinesisEnvelopeCarrier();
    const header = fc.string({ minLength: 1, maxLength: 300, unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) });
    fc.assert(
      fc.property(header, header, fc.uint8Array({ maxLength: 300 }), (first, second, payload) => {
        const asRecord = (data: Uint8Array) => ({ kinesis: { data: Buffer.from(data).toString('base64'), sequenceNumber: '1' } });
        const once = carrier.write!({ Data: payload }, () => first).Data;
        expect(carrier.read!(asRecord(once))).toBe(first);
        expect(new Uint8Array(Buffer.from(carrier.unwrap!(asRecord(once)).kinesis.data, 'base64'))).toEqual(payload);
        const seen: Array<string | undefined> = [];
        const twice = carrier.write!({ Records: [{ Data: once }] }, (existing) => (seen.push(existing), second)).Records[0].Data;
        expect(seen).toEqual([first]);
        expect(openKinesisEnvelope(twice)).toEqual({ traceHeader: second, payload: Buffer.from(payload) });
      }),
    );
  });
});
