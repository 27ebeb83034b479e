/**
 * The real AWS SDK v3 clients over HTTP against moto's server (started by the run: see
 * moto-server.ts): the header really round-trips through SQS and SNS, AWS's Lineage goes on
 * unchanged next to AWS's own recursion detection, and the demo's loops stop at the threshold.
 */
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { resourceHash } from '../../ts/index.js';
import { runDemo } from '../../ts/demo/index.js';
import { lineagePlugin } from '../../ts/integrations/aws-sdk.js';
import { currentTraceHeader, withLoopGuard } from '../../ts/integrations/lambda.js';
import { credentials } from '../capture.js';
import { FUNCTION_ARN, context, snsEvent, sqsEvent, sqsRecord } from '../lambda-events.js';
import { backendUnderTest } from '../support.js';

const backend = backendUnderTest();
const endpoint = inject('motoEndpoint');
const config = { region: 'us-east-1', credentials, endpoint };
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:2';
const OURS = `LoopGuard=${resourceHash(FUNCTION_ARN)}`;

function clients() {
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  sqs.middlewareStack.use(lineagePlugin());
  sns.middlewareStack.use(lineagePlugin());
  return { sqs, sns };
}

async function newQueue(sqs: SQSClient): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `it-${randomUUID()}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function receiveOne(sqs: SQSClient, queueUrl: string) {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['AWSTraceHeader'], MessageAttributeNames: ['All'] }),
  );
  expect(Messages).toHaveLength(1);
  return Messages[0];
}

const quiet = { writeMetric: false } as const;

afterEach(() => {
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  delete process.env._X_AMZN_TRACE_ID;
});

describe(`against moto's server (${backend.name})`, () => {
  it('SQS: the chain goes out as AWSTraceHeader and comes back into the next guard', async () => {
    const { sqs } = clients();
    const queue = await newQueue(sqs);
    const forward = withLoopGuard(async (event: any) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: event.Records[0].body }));
      return currentTraceHeader();
    }, quiet);

    expect(await forward(sqsEvent(sqsRecord('m1', HEADER)), context)).toBe(`${HEADER};${OURS}:1`);
    const message = await receiveOne(sqs, queue.url);
    expect(message.Attributes?.AWSTraceHeader).toBe(`${HEADER};${OURS}:1`);
    expect(await forward(sqsEvent(sqsRecord('m2', message.Attributes!.AWSTraceHeader)), context)).toBe(`${HEADER};${OURS}:2`);
  });

  it('SNS → SQS: the chain travels as the X-Amzn-Trace-Id message attribute', async () => {
    const { sqs, sns } = clients();
    const queue = await newQueue(sqs);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `it-${randomUUID()}` }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queue.arn }));
    const publish = withLoopGuard(async () => sns.send(new PublishCommand({ TopicArn, Message: 'hello' })), quiet);

    await publish(snsEvent(`${HEADER};${OURS}:4`), context);
    const notification = JSON.parse((await receiveOne(sqs, queue.url)).Body!);
    expect(notification.MessageAttributes['X-Amzn-Trace-Id']).toEqual({ Type: 'String', Value: `${HEADER};${OURS}:5` });
  });

  it("in Lambda, next to AWS's recursion detection: AWS's Lineage goes on byte for byte, with our field added", async () => {
    const lambdaHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=22222222aaaaaaaa;Sampled=1;Lineage=1:fe460cdd:7';
    process.env.AWS_LAMBDA_FUNCTION_NAME = 'orders';
    process.env._X_AMZN_TRACE_ID = lambdaHeader;
    const { sqs } = clients();
    const queue = await newQueue(sqs);
    // The record's header is the sender's, one Lambda entry behind: the Lambda service's header is the one to forward.
    const forward = withLoopGuard(async () => sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'x' })), quiet);
    await forward(sqsEvent(sqsRecord('m1', `${HEADER};${OURS}:3`)), context);
    expect((await receiveOne(sqs, queue.url)).Attributes?.AWSTraceHeader).toBe(`${lambdaHeader};${OURS}:4`);
  });

  it('the demo with --endpoint: every loop stops at its 17th entry', async () => {
    const lines: string[] = [];
    const results = await runDemo({ endpoint, print: (line) => lines.push(line) });
    expect(results.map((result) => [result.handlerRuns, result.stoppedAt?.count, result.deadLettered, result.lineageKept])).toEqual([
      [16, 17, 1, true],
      [32, 17, 1, true],
      [16, 17, 1, true],
      [16, 17, 1, true],
      [16, 17, 1, true],
    ]);
    expect(lines[0]).toContain(endpoint);
  });
});
