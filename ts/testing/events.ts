/**
 * Realistic Lambda events, in the shapes AWS delivers them, carrying a trace header where each
 * source carries it: SQS standard and FIFO (`attributes.AWSTraceHeader`), SNS (a message
 * attribute), SNS → SQS standard delivery (the SNS notification JSON as the SQS body, the header
 * among its `MessageAttributes`), EventBridge and S3 notifications in SQS bodies, Kafka (a record
 * header as an array of byte values), DynamoDB streams (a `traceHeader` string attribute of
 * `NewImage`), Kinesis (a JSON `{ traceHeader, payload }` in `data`), API Gateway REST and HTTP,
 * and ALB. The builders are plain functions (for a user's unit tests; the repository's tests
 * check them against `@types/aws-lambda`), and `eventCarrying` / `lambdaEvent` draw events of
 * them with fast-check.
 */
import fc from 'fast-check';
import { headerWithLineage } from './headers.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const TRACE_ATTRIBUTE = 'X-Amzn-Trace-Id';
const SIGNATURE = 'tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==';
const SIGNING_CERT = `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem`;
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:orders`;
export const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders`;
export const FIFO_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:orders.fifo`;
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

export interface SqsRecordOptions {
  messageId: string;
  body?: string;
  /** `attributes.AWSTraceHeader`: what Lambda's SQS poller and X-Ray set. */
  traceHeader?: string;
  /** A `X-Amzn-Trace-Id` message attribute (what a sender may set itself). */
  attributeHeader?: string;
  /** A FIFO queue's record: its message group and sequence number (the queue ARN ends in `.fifo`). */
  fifo?: { group: string; sequence: string };
}

/** An SQS record as Lambda delivers it. */
export function sqsRecord({ messageId, body = '{"order":1}', traceHeader, attributeHeader, fifo }: SqsRecordOptions) {
  return {
    messageId,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1545082649183',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1545082649185',
      ...(traceHeader === undefined ? {} : { AWSTraceHeader: traceHeader }),
      ...(fifo === undefined ? {} : { MessageGroupId: fifo.group, MessageDeduplicationId: `dedup-${messageId}`, SequenceNumber: fifo.sequence }),
    },
    messageAttributes: (attributeHeader === undefined ? {} : { [TRACE_ATTRIBUTE]: { stringValue: attributeHeader, dataType: 'String' } }) as Record<
      string,
      { stringValue: string; dataType: string }
    >,
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: fifo === undefined ? QUEUE_ARN : FIFO_QUEUE_ARN,
    awsRegion: REGION,
  };
}

/**
 * The SNS notification JSON that standard (not raw) delivery puts in an SQS body or an HTTP
 * POST: `SigningCertURL`/`UnsubscribeURL` spelled as SNS spells them there (Lambda's SNS event
 * spells them `...Url`).
 */
export function snsNotification(messageId: string, message: string, traceHeader?: string) {
  return {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: TOPIC_ARN,
    Message: message,
    Timestamp: '2019-01-02T12:45:07.000Z',
    SignatureVersion: '1',
    Signature: SIGNATURE,
    SigningCertURL: SIGNING_CERT,
    UnsubscribeURL: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:c9135db0`,
    ...(traceHeader === undefined ? {} : { MessageAttributes: { [TRACE_ATTRIBUTE]: { Type: 'String', Value: traceHeader } } }),
  };
}

/** A record of Lambda's SNS event (the header a message attribute). */
export function snsEventRecord(messageId: string, message: string, traceHeader?: string) {
  return {
    EventVersion: '1.0',
    EventSubscriptionArn: `${TOPIC_ARN}:c9135db0-26c4-47ec-8998-413945fb5a96`,
    EventSource: 'aws:sns',
    Sns: {
      SignatureVersion: '1',
      Timestamp: '2019-01-02T12:45:07.000Z',
      Signature: SIGNATURE,
      SigningCertUrl: SIGNING_CERT,
      MessageId: messageId,
      Message: message,
      MessageAttributes: (traceHeader === undefined ? {} : { [TRACE_ATTRIBUTE]: { Type: 'String', Value: traceHeader } }) as Record<string, { Type: string; Value: string }>,
      Type: 'Notification',
      UnsubscribeUrl: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}`,
      TopicArn: TOPIC_ARN,
      Subject: 'TestInvoke',
    },
  };
}

/** An S3 event notification (`ObjectCreated:Put`): no trace header (S3 carries none). */
export function s3Event(bucket: string, key: string) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: '2019-09-03T19:37:27.192Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAINPONIXQXHT3IKHL2' },
        requestParameters: { sourceIPAddress: '205.255.255.255' },
        responseElements: { 'x-amz-request-id': 'D82B88E5F771F645', 'x-amz-id-2': 'vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: '828aa6fc-f7b5-4305-8584-487c791949c1',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3I5XTEXAMAI3E' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key, size: 1305107, eTag: 'b21b84d653bb07b05b1e6b33684dc11b', sequencer: '0C0F6F405D6ED209E1' },
        },
      },
    ],
  };
}

/** A DynamoDB stream record whose new image has a `traceHeader` string attribute (the writer's choice). */
export function dynamoDBRecord(id: number, message: string, traceHeader: string) {
  return {
    eventID: '1',
    eventVersion: '1.0',
    dynamodb: {
      Keys: { Id: { N: String(id) } },
      NewImage: { Message: { S: message }, Id: { N: String(id) }, traceHeader: { S: traceHeader } },
      StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
      SequenceNumber: '111',
      SizeBytes: 26,
    },
    awsRegion: REGION,
    eventName: 'INSERT' as const,
    eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/stream/2015-06-27T00:48:05.899`,
    eventSource: 'aws:dynamodb',
  };
}

/** A Kinesis record whose data is a JSON envelope `{ traceHeader, payload }` (the producer's choice). */
export function kinesisRecord(traceHeader: string, payload: string) {
  return {
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
  };
}

/** An EventBridge event with `detail`. */
export function eventBridgeEvent<Detail>(detail: Detail) {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'Order Placed' as const,
    source: 'com.example.orders',
    account: ACCOUNT,
    time: '2017-12-22T18:43:48Z',
    region: REGION,
    resources: [] as string[],
    detail,
  };
}

/** An API Gateway REST (v1) proxy event carrying `traceHeader` (as API Gateway's tracing sets it). */
export function apiGatewayV1Event(traceHeader: string, requestId = 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', body = '{}') {
  return {
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
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '192.0.2.1',
        user: null,
        userAgent: 'agent',
        userArn: null,
      },
      path: '/prod/orders',
      stage: 'prod',
      requestId,
      requestTimeEpoch: 1428582896000,
      resourceId: '123456',
      resourcePath: '/orders',
    },
    body,
    isBase64Encoded: false,
  };
}

/** An API Gateway HTTP (v2) event: header names in lower case. */
export function apiGatewayV2Event(traceHeader: string, requestId = 'id', body = '{}') {
  return {
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
    body,
    isBase64Encoded: false,
  };
}

/** An ALB target group with multi-value headers (the load balancer appends `Self` to the header). */
export function albEvent(traceHeader: string) {
  return {
    requestContext: { elb: { targetGroupArn: `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a` } },
    httpMethod: 'GET',
    path: '/orders',
    multiValueQueryStringParameters: {},
    multiValueHeaders: { host: ['lambda-alb-123578498.us-east-1.elb.amazonaws.com'], 'x-amzn-trace-id': [traceHeader] },
    body: '',
    isBase64Encoded: false,
  };
}

/** A header value as Lambda's Kafka events spell it: the UTF-8 bytes, one number each. */
export const kafkaHeaderBytes = (text: string): number[] => Array.from(Buffer.from(text, 'utf8'));

/** A Kafka record as Lambda delivers it: base64 key and value, headers as `[{ key: [byte, ...] }]`. */
export function kafkaRecord(topic: string, partition: number, offset: number, headers: Array<Record<string, number[]>> = [], value = `{"order":${offset}}`) {
  return {
    topic,
    partition,
    offset,
    timestamp: 1545084650987,
    timestampType: 'CREATE_TIME' as const,
    key: base64(`key-${offset}`),
    value: base64(value),
    headers,
  };
}

/** An MSK (`aws:kafka`) or self-managed Kafka event: records grouped by `<topic>-<partition>`. */
export function kafkaEvent(eventSource: 'aws:kafka' | 'SelfManagedKafka', records: Array<ReturnType<typeof kafkaRecord>>) {
  const grouped: Record<string, Array<ReturnType<typeof kafkaRecord>>> = {};
  for (const record of records) (grouped[`${record.topic}-${record.partition}`] ??= []).push(record);
  return {
    eventSource,
    ...(eventSource === 'aws:kafka' ? { eventSourceArn: `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/orders/751d2973-a626-431c-9d4e-d7975eb44dd7-2` } : {}),
    bootstrapServers: 'b-2.orders.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.orders.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
    records: grouped,
  };
}

/** An event, the source it comes from, and the trace header it carries. */
export interface CarryingEvent {
  source: EventSource;
  event: Record<string, unknown>;
  traceHeader: string;
}

export type EventSource = 'sqs' | 'sqs-fifo' | 'sns' | 'sns-sqs' | 'kafka' | 'dynamodb' | 'kinesis' | 'apigateway-rest' | 'apigateway-http';
export const EVENT_SOURCES: readonly EventSource[] = ['sqs', 'sqs-fifo', 'sns', 'sns-sqs', 'kafka', 'dynamodb', 'kinesis', 'apigateway-rest', 'apigateway-http'];

const uuid = fc.uuid({ version: 4 });
const body = fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value) ?? 'null');

const builders: Record<EventSource, (traceHeader: string) => fc.Arbitrary<Record<string, unknown>>> = {
  sqs: (traceHeader) => fc.tuple(uuid, body).map(([messageId, payload]) => ({ Records: [sqsRecord({ messageId, body: payload, traceHeader })] })),
  'sqs-fifo': (traceHeader) =>
    fc
      .tuple(uuid, body, fc.constantFrom('customer-1', 'customer-2'), fc.bigInt({ min: 10n ** 19n, max: 10n ** 20n - 1n }))
      .map(([messageId, payload, group, sequence]) => ({ Records: [sqsRecord({ messageId, body: payload, traceHeader, fifo: { group, sequence: String(sequence) } })] })),
  sns: (traceHeader) => fc.tuple(uuid, body).map(([id, message]) => ({ Records: [snsEventRecord(id, message, traceHeader)] })),
  // Standard (not raw) delivery: the SNS attribute travels only inside the notification in the body.
  'sns-sqs': (traceHeader) =>
    fc.tuple(uuid, uuid, body).map(([messageId, snsId, message]) => ({
      Records: [sqsRecord({ messageId, body: JSON.stringify(snsNotification(snsId, message, traceHeader)) })],
    })),
  kafka: (traceHeader) =>
    fc
      .tuple(fc.nat(9), fc.nat(1_000_000), body)
      .map(([partition, offset, value]) => kafkaEvent('aws:kafka', [kafkaRecord('orders', partition, offset, [{ [TRACE_ATTRIBUTE]: kafkaHeaderBytes(traceHeader) }], value)])),
  dynamodb: (traceHeader) => fc.tuple(fc.nat(1_000_000), fc.string({ maxLength: 20 })).map(([id, message]) => ({ Records: [dynamoDBRecord(id, message, traceHeader)] })),
  kinesis: (traceHeader) => body.map((payload) => ({ Records: [kinesisRecord(traceHeader, payload)] })),
  'apigateway-rest': (traceHeader) => fc.tuple(uuid, body).map(([requestId, payload]) => apiGatewayV1Event(traceHeader, requestId, payload)),
  'apigateway-http': (traceHeader) => fc.tuple(uuid, body).map(([requestId, payload]) => apiGatewayV2Event(traceHeader, requestId, payload)),
};

/** Events of `source` carrying headers drawn from `header` (default: valid headers with a Lineage). */
export function eventCarrying(source: EventSource, header: fc.Arbitrary<string> = headerWithLineage): fc.Arbitrary<CarryingEvent> {
  return header.chain((traceHeader) => builders[source](traceHeader).map((event) => ({ source, event, traceHeader })));
}

/** Events of every source (or of `sources`), each carrying a header drawn from `header`. */
export function lambdaEvent(header: fc.Arbitrary<string> = headerWithLineage, sources: readonly EventSource[] = EVENT_SOURCES): fc.Arbitrary<CarryingEvent> {
  return fc.oneof(...sources.map((source) => eventCarrying(source, header)));
}
