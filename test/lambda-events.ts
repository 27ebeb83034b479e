/**
 * The shipped event builders (`trace-lineage/testing`), typed as `@types/aws-lambda` types them:
 * `tsc` (in `npm test`) checks that every shape the package ships is one AWS's types accept.
 */
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
import * as shipped from '../ts/testing/events.js';

export { FIFO_QUEUE_ARN, kafkaEvent, kafkaHeaderBytes, kafkaRecord } from '../ts/testing/events.js';

export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
export const context = { invokedFunctionArn: FUNCTION_ARN, functionName: 'orders', awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678' };

export const sqsRecord = (messageId: string, traceHeader?: string, attributeHeader?: string): SQSRecord => shipped.sqsRecord({ messageId, traceHeader, attributeHeader });
export const sqsEvent = (...records: SQSRecord[]): SQSEvent => ({ Records: records });
export const snsEvent = (traceHeader: string | undefined, message = 'hello'): SNSEvent => ({
  Records: [shipped.snsEventRecord('95df01b4-ee98-5cb9-9903-4c221d41eb5e', message, traceHeader)],
});
export const s3Event = (bucket: string, key: string): S3Event => shipped.s3Event(bucket, key);
export const dynamoDBEvent = (traceHeader: string): DynamoDBStreamEvent => ({ Records: [shipped.dynamoDBRecord(101, 'New item!', traceHeader)] });
export const kinesisEvent = (traceHeader: string): KinesisStreamEvent => ({ Records: [shipped.kinesisRecord(traceHeader, 'Hello')] });
export const eventBridgeEvent: EventBridgeEvent<'Order Placed', { id: number }> = shipped.eventBridgeEvent({ id: 1 });
export const apiGatewayV1Event = (traceHeader: string): APIGatewayProxyEvent => shipped.apiGatewayV1Event(traceHeader);
export const apiGatewayV2Event = (traceHeader: string): APIGatewayProxyEventV2 => shipped.apiGatewayV2Event(traceHeader);
export const albEvent = (traceHeader: string): ALBEvent => shipped.albEvent(traceHeader);

/** A record of a FIFO queue: its message group and sequence number in `attributes`. */
export const fifoSqsRecord = (messageId: string, group: string, traceHeader?: string, sequence = 1): SQSRecord =>
  shipped.sqsRecord({ messageId, traceHeader, fifo: { group, sequence: String(18849496460467696128n + BigInt(sequence)) } });

/** SNS → SQS, standard delivery: the SQS body is the SNS notification JSON. */
export const snsToSqsRecord = (messageId: string, traceHeader: string | undefined, message = 'hello'): SQSRecord =>
  shipped.sqsRecord({ messageId, body: JSON.stringify(shipped.snsNotification('95df01b4-ee98-5cb9-9903-4c221d41eb5e', message, traceHeader)) });

/** An EventBridge event whose `detail` carries `traceHeader` (as `eventBridgeDetailCarrier` writes it). */
export const eventBridgeEventWithDetail = (traceHeader: string | undefined): EventBridgeEvent<'Order Placed', Record<string, unknown>> =>
  shipped.eventBridgeEvent<Record<string, unknown>>({ id: 1, ...(traceHeader === undefined ? {} : { 'X-Amzn-Trace-Id': traceHeader }) });

/** EventBridge → SQS: the body is the event JSON. */
export const eventBridgeToSqsRecord = (messageId: string, traceHeader: string | undefined): SQSRecord =>
  shipped.sqsRecord({ messageId, body: JSON.stringify(eventBridgeEventWithDetail(traceHeader)) });

/** S3 → SQS: the body is the S3 event notification. */
export const s3ToSqsRecord = (messageId: string, bucket: string, key: string): SQSRecord => shipped.sqsRecord({ messageId, body: JSON.stringify(s3Event(bucket, key)) });

/** S3 → SNS → SQS (standard delivery): the SNS notification's Message is the S3 event notification. */
export const s3ViaSnsToSqsRecord = (messageId: string, bucket: string, key: string): SQSRecord => snsToSqsRecord(messageId, undefined, JSON.stringify(s3Event(bucket, key)));
