/** Realistic Lambda events (the shapes AWS delivers), each carrying `traceHeader` where its source does. */
import type {
  ALBEvent,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  DynamoDBStreamEvent,
  EventBridgeEvent,
  KinesisStreamEvent,
  S3Event,
  SNSEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
export const context = { invokedFunctionArn: FUNCTION_ARN, functionName: 'orders', awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678' };

export function sqsRecord(messageId: string, traceHeader?: string, attributeHeader?: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a${messageId}`,
    body: '{"order":1}',
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1545082649183',
      SenderId: 'AIDAIENQZJOLO23YVJ4VO',
      ApproximateFirstReceiveTimestamp: '1545082649185',
      ...(traceHeader === undefined ? {} : { AWSTraceHeader: traceHeader }),
    },
    messageAttributes: attributeHeader === undefined ? {} : { 'X-Amzn-Trace-Id': { stringValue: attributeHeader, dataType: 'String' } },
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:orders',
    awsRegion: 'us-east-1',
  };
}

export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });

export function snsEvent(traceHeader: string | undefined, message = 'hello'): SNSEvent {
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:orders:c9135db0-26c4-47ec-8998-413945fb5a96',
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: '2019-01-02T12:45:07.000Z',
          Signature: 'tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==',
          SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem',
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          Message: message,
          MessageAttributes: traceHeader === undefined ? {} : { 'X-Amzn-Trace-Id': { Type: 'String', Value: traceHeader } },
          Type: 'Notification',
          UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:orders',
          TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders',
          Subject: 'TestInvoke',
        },
      },
    ],
  };
}

export function s3Event(bucket: string, key: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
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

export function dynamoDBEvent(traceHeader: string): DynamoDBStreamEvent {
  return {
    Records: [
      {
        eventID: '1',
        eventVersion: '1.0',
        dynamodb: {
          Keys: { Id: { N: '101' } },
          NewImage: { Message: { S: 'New item!' }, Id: { N: '101' }, traceHeader: { S: traceHeader } },
          StreamViewType: 'NEW_AND_OLD_IMAGES',
          SequenceNumber: '111',
          SizeBytes: 26,
        },
        awsRegion: 'us-east-1',
        eventName: 'INSERT',
        eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2015-06-27T00:48:05.899',
        eventSource: 'aws:dynamodb',
      },
    ],
  };
}

/** A Kinesis record whose data is a JSON envelope `{ traceHeader, payload }` (the producer's choice). */
export function kinesisEvent(traceHeader: string): KinesisStreamEvent {
  return {
    Records: [
      {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: '1',
          sequenceNumber: '49590338271490256608559692538361571095921575989136588898',
          data: Buffer.from(JSON.stringify({ traceHeader, payload: 'Hello' })).toString('base64'),
          approximateArrivalTimestamp: 1545084650.987,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: 'shardId-000000000006:49590338271490256608559692538361571095921575989136588898',
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/lambda-role',
        awsRegion: 'us-east-1',
        eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/lambda-stream',
      },
    ],
  };
}

export const eventBridgeEvent: EventBridgeEvent<'Order Placed', { id: number }> = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'Order Placed',
  source: 'com.example.orders',
  account: '123456789012',
  time: '2017-12-22T18:43:48Z',
  region: 'us-east-1',
  resources: [],
  detail: { id: 1 },
};

export function apiGatewayV1Event(traceHeader: string): APIGatewayProxyEvent {
  return {
    resource: '/orders',
    path: '/orders',
    httpMethod: 'POST',
    headers: { 'Content-Type': 'application/json', Host: 'abc.execute-api.us-east-1.amazonaws.com', 'X-Amzn-Trace-Id': traceHeader },
    multiValueHeaders: { 'Content-Type': ['application/json'], Host: ['abc.execute-api.us-east-1.amazonaws.com'], 'X-Amzn-Trace-Id': [traceHeader] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: 'POST',
      identity: {} as APIGatewayProxyEvent['requestContext']['identity'],
      path: '/prod/orders',
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTimeEpoch: 1428582896000,
      resourceId: '123456',
      resourcePath: '/orders',
    },
    body: '{}',
    isBase64Encoded: false,
  };
}

export function apiGatewayV2Event(traceHeader: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /orders',
    rawPath: '/orders',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-amzn-trace-id': traceHeader },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      domainName: 'id.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'id',
      http: { method: 'POST', path: '/orders', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'agent' },
      requestId: 'id',
      routeKey: 'POST /orders',
      stage: '$default',
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: 1583348638390,
    },
    body: '{}',
    isBase64Encoded: false,
  };
}

/** An ALB target group with multi-value headers: the load balancer appended `Self` to the header. */
export function albEvent(traceHeader: string): ALBEvent {
  return {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lambda-279XGJDqGZ5rsrHC2Fjr/49e9d65c45c6791a' } },
    httpMethod: 'GET',
    path: '/orders',
    multiValueQueryStringParameters: {},
    multiValueHeaders: { host: ['lambda-alb-123578498.us-east-1.elb.amazonaws.com'], 'x-amzn-trace-id': [traceHeader] },
    body: '',
    isBase64Encoded: false,
  };
}

export const FIFO_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:orders.fifo';

/** A record of a FIFO queue: its message group and sequence number in `attributes`. */
export function fifoSqsRecord(messageId: string, group: string, traceHeader?: string, sequence = 1): SQSRecord {
  const record = sqsRecord(messageId, traceHeader);
  return {
    ...record,
    attributes: {
      ...record.attributes,
      MessageGroupId: group,
      MessageDeduplicationId: `dedup-${messageId}`,
      SequenceNumber: String(18849496460467696128n + BigInt(sequence)),
    },
    eventSourceARN: FIFO_QUEUE_ARN,
  };
}

/** SNS → SQS, standard delivery: the SQS body is the SNS notification JSON. */
export function snsToSqsRecord(messageId: string, traceHeader: string | undefined, message = 'hello'): SQSRecord {
  const notification = {
    Type: 'Notification',
    MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders',
    Message: message,
    Timestamp: '2019-01-02T12:45:07.000Z',
    SignatureVersion: '1',
    Signature: 'tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==',
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem',
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:orders:c9135db0',
    ...(traceHeader === undefined ? {} : { MessageAttributes: { 'X-Amzn-Trace-Id': { Type: 'String', Value: traceHeader } } }),
  };
  return { ...sqsRecord(messageId), body: JSON.stringify(notification) };
}

/** An EventBridge event whose `detail` carries `traceHeader` (as `eventBridgeDetailCarrier` writes it). */
export function eventBridgeEventWithDetail(traceHeader: string | undefined): EventBridgeEvent<'Order Placed', Record<string, unknown>> {
  return { ...eventBridgeEvent, detail: { id: 1, ...(traceHeader === undefined ? {} : { 'X-Amzn-Trace-Id': traceHeader }) } };
}

/** EventBridge → SQS: the body is the event JSON. */
export function eventBridgeToSqsRecord(messageId: string, traceHeader: string | undefined): SQSRecord {
  return { ...sqsRecord(messageId), body: JSON.stringify(eventBridgeEventWithDetail(traceHeader)) };
}

/** S3 → SQS: the body is the S3 event notification. */
export function s3ToSqsRecord(messageId: string, bucket: string, key: string): SQSRecord {
  return { ...sqsRecord(messageId), body: JSON.stringify(s3Event(bucket, key)) };
}

/** S3 → SNS → SQS (standard delivery): the SNS notification's Message is the S3 event notification. */
export function s3ViaSnsToSqsRecord(messageId: string, bucket: string, key: string): SQSRecord {
  return snsToSqsRecord(messageId, undefined, JSON.stringify(s3Event(bucket, key)));
}

/** A Kafka record as Lambda delivers it: base64 key/value, headers as `[{ key: [byte, ...] }]`. */
export function kafkaRecord(topic: string, partition: number, offset: number, headers: Array<Record<string, number[]>> = []) {
  return {
    topic,
    partition,
    offset,
    timestamp: 1545084650987,
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`key-${offset}`).toString('base64'),
    value: Buffer.from(`{"order":${offset}}`).toString('base64'),
    headers,
  };
}

/** A header value as Lambda's Kafka events spell it: the bytes, one number each. */
export const kafkaHeaderBytes = (text: string): number[] => [...Buffer.from(text, 'utf8')];

/** An MSK (`aws:kafka`) or self-managed Kafka event: records grouped by `<topic>-<partition>`. */
export function kafkaEvent(eventSource: 'aws:kafka' | 'SelfManagedKafka', records: Array<ReturnType<typeof kafkaRecord>>) {
  const grouped: Record<string, Array<ReturnType<typeof kafkaRecord>>> = {};
  for (const record of records) (grouped[`${record.topic}-${record.partition}`] ??= []).push(record);
  return {
    eventSource,
    ...(eventSource === 'aws:kafka' ? { eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2' } : {}),
    bootstrapServers: 'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092',
    records: grouped,
  };
}
