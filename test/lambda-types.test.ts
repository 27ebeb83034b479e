/**
 * The guard's types against aws-lambda's handler types (finding 7 of issue 9). Checked by `tsc`
 * (`npm run typecheck`, part of `npm test`); the runtime half only makes sure the file runs.
 */
import type {
  Context,
  DynamoDBRecord,
  DynamoDBStreamHandler,
  KinesisStreamHandler,
  KinesisStreamRecord,
  MSKHandler,
  MSKRecord,
  SNSEventRecord,
  SNSHandler,
  SQSBatchResponse,
  SQSEvent,
  SQSHandler,
  SQSRecord,
} from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { currentChain, withLoopGuard, withRecordGuard, type Chain, type LoopDetection, type RecordOf } from '../ts/integrations/lambda.js';
import { context, sqsEvent, sqsRecord } from './lambda-events.js';

const sqsHandler: SQSHandler = async () => ({ batchItemFailures: [] });
const snsHandler: SNSHandler = async () => undefined;
const kinesisHandler: KinesisStreamHandler = async () => undefined;
const dynamoHandler: DynamoDBStreamHandler = async () => undefined;
const mskHandler: MSKHandler = async () => undefined;

describe('types', () => {
  it("accept aws-lambda's handler types and keep the event and result types", () => {
    const sqs = withLoopGuard(sqsHandler, { resource: (record) => record.eventSourceARN, onLoop: (detection) => { expectTypeOf(detection.record).toEqualTypeOf<SQSRecord>(); } });
    expectTypeOf(sqs).parameter(0).toEqualTypeOf<SQSEvent>();
    expectTypeOf(sqs).returns.resolves.toEqualTypeOf<SQSBatchResponse | void>();
    // The wrapped handler is itself an SQSHandler (what `export const handler: SQSHandler = ...` needs).
    const typed: SQSHandler = sqs;
    void typed;
    withLoopGuard(snsHandler, { onLoop: (detection: LoopDetection<SNSEventRecord>) => void detection.record.Sns.TopicArn });
    withLoopGuard(kinesisHandler, { resource: (record: KinesisStreamRecord) => record.eventSourceARN });
    withLoopGuard(dynamoHandler, { resource: (record: DynamoDBRecord) => record.eventSourceARN ?? '' });
    withLoopGuard(mskHandler, { onLoop: (detection) => { expectTypeOf(detection.record).toEqualTypeOf<MSKRecord>(); } });
    expectTypeOf<RecordOf<SQSEvent>>().toEqualTypeOf<SQSRecord>();
    // An async handler with its own types, and a record handler.
    const own = withLoopGuard(async (event: SQSEvent, _context: Context) => event.Records.length);
    expectTypeOf(own).returns.resolves.toEqualTypeOf<number>();
    const perRecord = withRecordGuard(async (record: SQSRecord, _context: Context) => void record.messageId);
    const asHandler: SQSHandler = perRecord;
    void asHandler;
    expectTypeOf(perRecord).returns.resolves.toEqualTypeOf<{ batchItemFailures: Array<{ itemIdentifier: string }> }>();
    expectTypeOf(currentChain).returns.toEqualTypeOf<Chain | undefined>();
  });

  it('a callback-style handler is called as the Lambda runtime calls it', async () => {
    const handler = withLoopGuard((event: SQSEvent, _context: Context, callback: (error?: unknown, result?: number) => void) => {
      setTimeout(() => callback(null, event.Records.length), 1);
    }, { writeMetric: false });
    expect(await handler(sqsEvent(sqsRecord('a'), sqsRecord('b')), context as unknown as Context)).toBe(2);
  });
});
