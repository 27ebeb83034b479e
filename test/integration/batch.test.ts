/**
 * Per-record decisions against moto's server (issue 9): real queues with a dead-letter queue,
 * the real SQS client, the Lambda service's part played by `serve` (receive a batch, build the
 * Lambda SQS event, call the handler, delete what did not fail, let the rest be redelivered).
 */
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { parse, resourceHash } from '../../ts/index.js';
import { lineagePlugin } from '../../ts/integrations/aws-sdk.js';
import { withLoopGuard, withRecordGuard } from '../../ts/integrations/lambda.js';
import { credentials } from '../capture.js';
import { FUNCTION_ARN, context } from '../lambda-events.js';
import { backendUnderTest } from '../support.js';
import { sqsRecordOf } from '../../ts/demo/index.js';

const backend = backendUnderTest();
const sqs = new SQSClient({ region: 'us-east-1', credentials, endpoint: inject('motoEndpoint') });
sqs.middlewareStack.use(lineagePlugin());
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const HEADER = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;
const OUR_HASH = resourceHash(FUNCTION_ARN);
const quiet = { writeMetric: false } as const;

interface Queue {
  url: string;
  arn: string;
  dlq: string;
}

/** A queue whose messages go to its own dead-letter queue after `maxReceiveCount` receives. */
async function queueWithDlq(fifo: boolean, maxReceiveCount = 2): Promise<Queue> {
  const suffix = fifo ? '.fifo' : '';
  const fifoAttributes: Record<string, string> = fifo ? { FifoQueue: 'true', ContentBasedDeduplication: 'true' } : {};
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `dlq-${randomUUID()}${suffix}`, Attributes: fifoAttributes }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  const main = await sqs.send(
    new CreateQueueCommand({
      QueueName: `q-${randomUUID()}${suffix}`,
      Attributes: { ...fifoAttributes, VisibilityTimeout: '0', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(maxReceiveCount) }) },
    }),
  );
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: main.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
  return { url: main.QueueUrl!, arn, dlq: dlq.QueueUrl! };
}


async function receive(queueUrl: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
  );
  return Messages;
}

/**
 * The Lambda service with `ReportBatchItemFailures`: batches until the queue is empty; what the
 * function does not report as failed is deleted, the rest is redelivered (or dead-lettered).
 * Returns every delivery, in order, by body.
 */
async function serve(queue: Queue, handler: (event: SQSEvent, ctx: typeof context) => Promise<unknown>): Promise<string[][]> {
  const deliveries: string[][] = [];
  for (let round = 0; round < 20; round++) {
    const messages = await receive(queue.url);
    if (messages.length === 0) break;
    deliveries.push(messages.map((message) => message.Body!));
    const response = (await handler({ Records: messages.map((message) => sqsRecordOf(message, queue.arn) as SQSRecord) }, context)) as { batchItemFailures?: Array<{ itemIdentifier: string }> } | undefined;
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    const done = messages.filter((message) => !failed.has(message.MessageId!));
    if (done.length > 0) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queue.url, Entries: done.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })) }));
  }
  return deliveries;
}

/** Sends as an instrumented producer does: the header as the AWSTraceHeader system attribute. */
async function send(queueUrl: string, body: string, traceHeader: string, group?: string): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: body,
      MessageGroupId: group,
      MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: traceHeader } },
    }),
  );
}

const bodiesIn = async (queueUrl: string) => (await receive(queueUrl)).map((message) => message.Body).sort();

describe(`per-record decisions against moto's server (${backend.name})`, () => {
  it('a poisoned header in [good, poison, good]: nothing but the poisoned message is ever redelivered, and only it is dead-lettered', async () => {
    const queue = await queueWithDlq(false);
    await send(queue.url, 'good-1', HEADER);
    // Written by a sender outside our control: a CR/LF, as in a header-injection attempt.
    await send(queue.url, 'poison', `Root=${ROOT}\r\nX-Injected: 1`);
    await send(queue.url, 'good-2', `${HEADER};LoopGuard=${OUR_HASH}:3`);
    const processed: string[] = [];
    const handler = withRecordGuard(async (record: SQSRecord) => void processed.push(record.body), { ...quiet, invalidHeader: 'fail' });
    const deliveries = await serve(queue, handler);
    expect(deliveries.flat().filter((body) => body !== 'poison').sort()).toEqual(['good-1', 'good-2']);
    expect(processed.sort()).toEqual(['good-1', 'good-2']);
    expect(await bodiesIn(queue.dlq)).toEqual(['poison']);
  });

  it('the default (fresh chain): the poisoned message is processed as a new chain, nothing is redelivered', async () => {
    const queue = await queueWithDlq(false);
    for (const body of ['good-1', 'poison', 'good-2']) await send(queue.url, body, body === 'poison' ? `Root=${ROOT};Note=\u00e9t\u00e9` : HEADER);
    const processed: string[] = [];
    const deliveries = await serve(queue, withRecordGuard(async (record: SQSRecord) => void processed.push(record.body), quiet));
    expect(deliveries).toHaveLength(1);
    expect(processed.sort()).toEqual(['good-1', 'good-2', 'poison']);
    expect(await bodiesIn(queue.dlq)).toEqual([]);
  });

  it('one batch with a good, a poisoned and a looping message: only the looping one is redelivered and dead-lettered', async () => {
    const queue = await queueWithDlq(false);
    await send(queue.url, 'good', HEADER);
    await send(queue.url, 'poison', `Root=${ROOT}\r\nX-Injected: 1`);
    await send(queue.url, 'loop', `${HEADER};LoopGuard=${OUR_HASH}:16`);
    const processed: string[] = [];
    const deliveries = await serve(queue, withRecordGuard(async (record: SQSRecord) => void processed.push(record.body), quiet));
    expect(deliveries[0].sort()).toEqual(['good', 'loop', 'poison']);
    expect(deliveries.slice(1).flat().every((body) => body === 'loop')).toBe(true);
    expect(processed.sort()).toEqual(['good', 'poison']);
    expect(await bodiesIn(queue.dlq)).toEqual(['loop']);
  });

  it('FIFO, one group [A, LOOP, C]: A is processed, LOOP and C come back in order; LOOP is dead-lettered, C then processed', async () => {
    const queue = await queueWithDlq(true);
    await send(queue.url, 'A', HEADER, 'g1');
    await send(queue.url, 'LOOP', `${HEADER};LoopGuard=${OUR_HASH}:16`, 'g1');
    await send(queue.url, 'C', HEADER, 'g1');
    const processed: string[] = [];
    const deliveries = await serve(queue, withLoopGuard(async (event: SQSEvent) => void processed.push(...event.Records.map((record) => record.body)), quiet));
    expect(processed).toEqual(['A', 'C']);
    expect(deliveries[0]).toEqual(['A', 'LOOP', 'C']);
    // Every later delivery starts with LOOP until it is dead-lettered: C never overtakes it.
    for (const delivery of deliveries.slice(1)) if (delivery.includes('LOOP')) expect(delivery[0]).toBe('LOOP');
    expect(await bodiesIn(queue.dlq)).toEqual(['LOOP']);
  });

  it('a mixed batch: each record forwards its own chain (a fresh message next to one at 15 is counted from 1)', async () => {
    const source = await queueWithDlq(false);
    const next = await queueWithDlq(false);
    await send(source.url, 'fresh', HEADER);
    await send(source.url, 'deep', `Root=1-5759e988-000000000000000000000001;LoopGuard=${OUR_HASH}:15`);
    const handler = withRecordGuard(async (record: SQSRecord) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: next.url, MessageBody: record.body }));
    }, quiet);
    await serve(source, handler);
    const forwarded = await receive(next.url);
    const counts = Object.fromEntries(forwarded.map((message) => [message.Body, parse(message.Attributes!.AWSTraceHeader!).loop?.entries[0].count]));
    expect(counts).toEqual({ fresh: 1, deep: 16 });
  });
});
