/**
 * Realistic Lambda events carrying a trace header where each source carries it (DOMAIN.md §1):
 * SQS standard and FIFO (`attributes.AWSTraceHeader`), SNS (a message attribute), SNS → SQS
 * (the SNS JSON envelope as the SQS body, the header among its `MessageAttributes`), Kafka (a
 * record header as an array of byte values), DynamoDB streams (a `traceHeader` string attribute
 * of `NewImage`), Kinesis (a JSON `{ traceHeader, payload }` in `data`), API Gateway REST and HTTP.
 */
import fc from 'fast-check';
import { headerWithLineage } from './headers.js';

/** An event, the source it comes from, and the trace header it carries. */
export interface CarryingEvent {
  source: EventSource;
  event: Record<string, unknown>;
  traceHeader: string;
}

export type EventSource = 'sqs' | 'sqs-fifo' | 'sns' | 'sns-sqs' | 'kafka' | 'dynamodb' | 'kinesis' | 'apigateway-rest' | 'apigateway-http';
export const EVENT_SOURCES: readonly EventSource[] = ['sqs', 'sqs-fifo', 'sns', 'sns-sqs', 'kafka', 'dynamodb', 'kinesis', 'apigateway-rest', 'apigateway-http'];

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TRACE_ATTRIBUTE = 'X-Amzn-Trace-Id';
const uuid = fc.uuid({ version: 4 });
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const body = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null');

function sqsRecord(messageId: string, payload: string, traceHeader: string, fifo: { group: string; sequence: string } | null) {
  const queue = fifo === null ? 'orders' : 'orders.fifo';
  return {
    messageId,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${messageId}`,
    body: payload,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1545082649183',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1545082649185',
      AWSTraceHeader: traceHeader,
      ...(fifo === null ? {} : { MessageGroupId: fifo.group, MessageDeduplicationId: messageId, SequenceNumber: fifo.sequence }),
    },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${queue}`,
    awsRegion: REGION,
  };
}

function snsMessage(messageId: string, message: string, traceHeader: string) {
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:orders`,
    Subject: 'TestInvoke',
    Message: message,
    Timestamp: '2019-01-02T12:45:07.000Z',
    SignatureVersion: '1',
    Signature: 'tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==',
    SigningCertUrl: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem`,
    UnsubscribeUrl: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:${REGION}:${ACCOUNT}:orders`,
    MessageAttributes: { [TRACE_ATTRIBUTE]: { Type: 'String', Value: traceHeader } },
  };
}

const builders: Record<EventSource, (traceHeader: string) => fc.Arbitrary<Record<string, unknown>>> = {
  sqs: (traceHeader) => fc.tuple(uuid, body).map(([id, payload]) => ({ Records: [sqsRecord(id, payload, traceHeader, null)] })),
  'sqs-fifo': (traceHeader) =>
    fc
      .tuple(uuid, body, fc.constantFrom('customer-1', 'customer-2'), fc.bigInt({ min: 10n ** 19n, max: 10n ** 20n - 1n }))
      .map(([id, payload, group, sequence]) => ({ Records: [sqsRecord(id, payload, traceHeader, { group, sequence: String(sequence) })] })),
  sns: (traceHeader) =>
    fc.tuple(uuid, body).map(([id, message]) => ({
      Records: [
        {
          EventVersion: '1.0',
          EventSubscriptionArn: `arn:aws:sns:${REGION}:${ACCOUNT}:orders:c9135db0-26c4-47ec-8998-413945fb5a96`,
          EventSource: 'aws:sns',
          Sns: snsMessage(id, message, traceHeader),
        },
      ],
    })),
  // Standard (not raw) delivery: the SNS attribute travels only inside the envelope in the body.
  'sns-sqs': (traceHeader) =>
    fc.tuple(uuid, uuid, body).map(([sqsId, snsId, message]) => {
      const record = sqsRecord(sqsId, JSON.stringify(snsMessage(snsId, message, traceHeader)), traceHeader, null);
      const { AWSTraceHeader: _unset, ...attributes } = record.attributes;
      return { Records: [{ ...record, attributes }] };
    }),
  kafka: (traceHeader) =>
    fc.tuple(fc.nat(9), fc.nat(1_000_000), body).map(([partition, offset, value]) => ({
      eventSource: 'aws:kafka',
      eventSourceArn: `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/orders/a1b2c3d4-5678-90ab-cdef-11111EXAMPLE-1`,
      bootstrapServers: 'b-1.orders.abcde.c1.kafka.us-east-1.amazonaws.com:9092',
      records: {
        [`orders-${partition}`]: [
          {
            topic: 'orders',
            partition,
            offset,
            timestamp: 1545084650987,
            timestampType: 'CREATE_TIME',
            key: base64('order'),
            value: base64(value),
            headers: [{ [TRACE_ATTRIBUTE]: Array.from(Buffer.from(traceHeader, 'utf8')) }],
          },
        ],
      },
    })),
  dynamodb: (traceHeader) =>
    fc.tuple(fc.nat(1_000_000), fc.string({ maxLength: 20 })).map(([id, message]) => ({
      Records: [
        {
          eventID: '1',
          eventVersion: '1.0',
          dynamodb: {
            Keys: { Id: { N: String(id) } },
            NewImage: { Message: { S: message }, Id: { N: String(id) }, traceHeader: { S: traceHeader } },
            StreamViewType: 'NEW_AND_OLD_IMAGES',
            SequenceNumber: '111',
            SizeBytes: 26,
          },
          awsRegion: REGION,
          eventName: 'INSERT',
          eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/stream/2015-06-27T00:48:05.899`,
          eventSource: 'aws:dynamodb',
        },
      ],
    })),
  kinesis: (traceHeader) =>
    body.map((payload) => ({
      Records: [
        {
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: '1',
            sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
            data: base64(JSON.stringify({ traceHeader, payload })),
            approximateArrivalTimestamp: 1545084650.987,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: `arn:aws:iam::${ACCOUNT}:role/lambda-role`,
          awsRegion: REGION,
          eventSourceARN: `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/orders`,
        },
      ],
    })),
  'apigateway-rest': (traceHeader) =>
    fc.tuple(uuid, body).map(([requestId, payload]) => ({
      resource: '/orders',
      path: '/orders',
      httpMethod: 'POST',
      headers: { 'Content-Type': 'application/json', Host: 'abc.execute-api.us-east-1.amazonaws.com', [TRACE_ATTRIBUTE]: traceHeader },
      multiValueHeaders: { 'Content-Type': ['application/json'], Host: ['abc.execute-api.us-east-1.amazonaws.com'], [TRACE_ATTRIBUTE]: [traceHeader] },
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'abc',
        protocol: 'HTTP/1.1',
        httpMethod: 'POST',
        path: '/prod/orders',
        stage: 'prod',
        requestId,
        requestTimeEpoch: 1428582896000,
        resourceId: '123456',
        resourcePath: '/orders',
      },
      body: payload,
      isBase64Encoded: false,
    })),
  'apigateway-http': (traceHeader) =>
    fc.tuple(uuid, body).map(([requestId, payload]) => ({
      version: '2.0',
      routeKey: 'POST /orders',
      rawPath: '/orders',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'x-amzn-trace-id': traceHeader },
      requestContext: {
        accountId: ACCOUNT,
        apiId: 'api-id',
        domainName: 'id.execute-api.us-east-1.amazonaws.com',
        domainPrefix: 'id',
        http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'agent' },
        requestId,
        routeKey: 'POST /orders',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: 1583348638390,
      },
      body: payload,
      isBase64Encoded: false,
    })),
};

/** Events of `source` carrying headers drawn from `header` (default: valid headers with a Lineage). */
export function eventCarrying(source: EventSource, header: fc.Arbitrary<string> = headerWithLineage): fc.Arbitrary<CarryingEvent> {
  return header.chain((traceHeader) => builders[source](traceHeader).map((event) => ({ source, event, traceHeader })));
}

/** Events of every source (or of `sources`), each carrying a header drawn from `header`. */
export function lambdaEvent(header: fc.Arbitrary<string> = headerWithLineage, sources: readonly EventSource[] = EVENT_SOURCES): fc.Arbitrary<CarryingEvent> {
  return fc.oneof(...sources.map((source) => eventCarrying(source, header)));
}
