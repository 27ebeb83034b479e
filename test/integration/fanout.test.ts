/**
 * SNS → SQS fan-out against moto's server (started by the run: see moto-server.ts): a real topic
 * subscribed by a real queue, with standard delivery (the header only inside the body's SNS
 * envelope) and raw delivery (the SNS attribute becomes an SQS message attribute). A handler
 * wrapped in `withLoopGuard`, with no carrier configured, republishes every message to the topic;
 * the test plays the Lambda service (receive, build the SQS event, invoke, delete) and shows the
 * 17th entry stopped in both deliveries, AWS's Lineage unchanged on the way.
 */
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { parse, resourceHash } from '../../ts/index.js';
import { lineagePlugin } from '../../ts/integrations/aws-sdk.js';
import { currentTraceHeader, withLoopGuard, type LoopDetection } from '../../ts/integrations/lambda.js';
import { credentials } from '../capture.js';
import { FUNCTION_ARN, context } from '../lambda-events.js';
import { backendUnderTest } from '../support.js';
import { sqsRecordOf } from '../../ts/demo/index.js';

const backend = backendUnderTest();
const config = { region: 'us-east-1', credentials, endpoint: inject('motoEndpoint') };
const SEED = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:0';
const OUR_HASH = resourceHash(FUNCTION_ARN);


async function fanOutLoop(raw: boolean) {
  const sqs = new SQSClient(config);
  const sns = new SNSClient(config);
  sns.middlewareStack.use(lineagePlugin());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `fanout-${randomUUID()}` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = Attributes!.QueueArn!;
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `fanout-${randomUUID()}` }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: queueArn, Attributes: raw ? { RawMessageDelivery: 'true' } : {} }));

  const counts: number[] = [];
  const detections: LoopDetection[] = [];
  const handler = withLoopGuard(
    async (event: any) => {
      counts.push(parse(currentTraceHeader()!).loop!.entries.find((entry) => entry.hash === OUR_HASH)!.count);
      for (const record of event.Records) await sns.send(new PublishCommand({ TopicArn, Message: raw ? record.body : JSON.parse(record.body).Message }));
    },
    { writeMetric: false, onLoop: (detection) => void detections.push(detection) },
  );

  // The first message, from an instrumented producer outside any guard.
  await sns.send(new PublishCommand({ TopicArn, Message: '{"order":1}', MessageAttributes: { 'X-Amzn-Trace-Id': { DataType: 'String', StringValue: SEED } } }));
  let response: any;
  let firstBody: string | undefined;
  for (let invocation = 1; invocation <= 40 && detections.length === 0; invocation++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    expect(Messages).toHaveLength(1);
    firstBody ??= Messages[0].Body;
    response = await handler({ Records: [sqsRecordOf(Messages[0], queueArn)] } as any, context);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages[0].ReceiptHandle! }));
  }
  return { counts, detections, response, firstBody: firstBody! };
}

describe(`SNS → SQS fan-out against moto's server (${backend.name})`, () => {
  for (const raw of [false, true]) {
    it(`${raw ? 'raw' : 'standard'} delivery: counted at every hop with no carrier, the 17th entry stopped`, async () => {
      const { counts, detections, response, firstBody } = await fanOutLoop(raw);
      // The delivery really is what it says: the SNS envelope in the body, or the bare message.
      expect(JSON.parse(firstBody).Type === 'Notification').toBe(!raw);
      expect(counts).toEqual(Array.from({ length: 16 }, (_, index) => index + 1));
      expect(detections).toHaveLength(1);
      expect(detections[0]).toMatchObject({ count: 17, threshold: 16, eventSource: 'aws:sqs', policy: 'skip' });
      expect(parse(detections[0].traceHeader).lineage?.value).toBe('1:fe460cdd:0');
      expect(response.batchItemFailures).toHaveLength(1);
    });
  }
});
