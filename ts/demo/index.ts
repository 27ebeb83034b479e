/**
 * `trace-lineage demo`: five recursive loops from the field, each run with the real integrations
 * on the hot path (the AWS SDK v3 clients with `lineagePlugin`, handlers wrapped in
 * `withLoopGuard`), each stopped at its 17th entry. By default SQS, SNS, S3 and DynamoDB are the
 * embedded broker; with `endpoint`, SQS and SNS are a real SQS/SNS-compatible server (S3 and the
 * DynamoDB stream stay embedded). The demo plays the Lambda service: it polls the queues (batch
 * size 1), turns messages into Lambda events, invokes the handlers, and deletes, retries or
 * dead-letters what they return.
 */
import { randomUUID } from 'node:crypto';
import { PutItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { parse, resourceHash } from '../index.js';
import { lineagePlugin } from '../integrations/aws-sdk.js';
import { dynamoDBAttributeCarrier, s3MetadataCarrier } from '../integrations/carriers.js';
import { currentTraceHeader } from '../integrations/context.js';
import { withLoopGuard, type LambdaGuardOptions, type LoopDetection, type LoopPolicy } from '../integrations/lambda.js';
import { ACCOUNT, EmbeddedBroker, REGION } from './broker.js';

/** Redrive after this many receives (SQS), retries of a failed stream batch / async event + 1. */
const MAX_RECEIVE_COUNT = 3;
/** A safety net for the demo itself: a loop the guard did not stop ends here. */
const MAX_INVOCATIONS = 200;
/** The header the first event of each scenario comes with: AWS's Lineage must come out unchanged. */
const SEED_LINEAGE = '1:fe460cdd:0';

export interface DemoOptions {
  /** An SQS/SNS-compatible server (e.g. moto's) instead of the embedded broker for SQS and SNS. */
  endpoint?: string;
  /** Where the timeline goes, one line at a time. */
  print?: (line: string) => void;
}

/** One invocation of a demo function, as the timeline shows it. */
interface Invocation {
  function: string;
  eventSource: string;
  /** This function's count in the chain. */
  count?: number;
  action?: string;
  detection?: LoopDetection;
  metric?: string;
}

export interface ScenarioResult {
  title: string;
  path: string;
  awsDetects: boolean;
  policy: LoopPolicy;
  /** Times a handler ran (the guard let the event in). */
  handlerRuns: number;
  /** The invocation the guard stopped first (1-based), and its count. */
  stoppedAt?: { invocation: number; function: string; count: number };
  /** Where the stopped event ended: dead-letter queue / on-failure destination. */
  endedIn?: string;
  /** Events found there after the run (the DLQs' depth, the stream's failed records). */
  deadLettered: number;
  /** AWS's Lineage came through every hop byte for byte (checked on the stopped event's header). */
  lineageKept: boolean;
}

interface Clients {
  sqs: SQSClient;
  sns: SNSClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
}

const credentials = { accessKeyId: 'demo', secretAccessKey: 'demo' };
const arnOf = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

function seedHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=${SEED_LINEAGE}`;
}

/** Runs one scenario's functions like the Lambda service would, and keeps its timeline. */
class LambdaEmulator {
  readonly invocations: Invocation[] = [];
  readonly #pollers: Array<() => Promise<boolean>> = [];
  #current: Invocation | undefined;
  /** Failed stream records handed to the on-failure destination. */
  #streamFailures = 0;
  readonly #deadLetterQueues: string[] = [];

  constructor(readonly clients: Clients, readonly broker: EmbeddedBroker, readonly policy: LoopPolicy) {}

  /** The guard options of every demo function: the timeline hears of each detection. */
  guardOptions(extra: LambdaGuardOptions = {}): LambdaGuardOptions {
    return {
      policy: this.policy,
      ...extra,
      onLoop: (detection) => void (this.#current!.detection = detection),
      writeMetric: (line) => void (this.#current!.metric = line),
    };
  }

  /** Inside a handler: note the chain count and what the handler did. */
  ran(name: string, action: string): void {
    const traceHeader = currentTraceHeader()!;
    const hash = resourceHash(arnOf(name));
    this.#current!.count = parse(traceHeader).loop?.entries.find((entry) => entry.hash === hash)?.count;
    this.#current!.action = action;
  }

  async #invoke(name: string, eventSource: string, handler: (event: any, context: any) => Promise<any>, event: unknown): Promise<{ failed: boolean }> {
    this.#current = { function: name, eventSource };
    this.invocations.push(this.#current);
    try {
      const response = await handler(event, { invokedFunctionArn: arnOf(name), functionName: name, awsRequestId: randomUUID() });
      return { failed: (response?.batchItemFailures?.length ?? 0) > 0 };
    } catch (error) {
      if ((error as Error).name !== 'RecursiveLoopError') throw error;
      return { failed: true };
    }
  }

  /** An SQS event source mapping (batch size 1); `asSns` for a queue subscribed to an SNS topic. */
  pollQueue(queueUrl: string, name: string, handler: (event: any, context: any) => Promise<any>, asSns = false): void {
    this.#pollers.push(async () => {
      const { Messages = [] } = await this.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
          MessageSystemAttributeNames: ['AWSTraceHeader', 'ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      const [message] = Messages;
      if (message === undefined) return false;
      const event = asSns ? snsEvent(message.Body!) : { Records: [sqsRecordOf(message, `arn:aws:sqs:${REGION}:${ACCOUNT}:${queueUrl.split('/').pop()}`)] };
      const { failed } = await this.#invoke(name, asSns ? 'aws:sns' : 'aws:sqs', handler, event);
      if (failed) {
        await this.clients.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle!, VisibilityTimeout: 0 }));
      } else {
        await this.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }
      return true;
    });
  }

  /** A DynamoDB stream event source mapping: a failed record is retried, then goes to the on-failure destination. */
  pollStream(table: string, name: string, handler: (event: any, context: any) => Promise<any>): void {
    const retrying: Array<{ record: unknown; attempts: number }> = [];
    this.#pollers.push(async () => {
      if (retrying.length === 0) retrying.push(...this.broker.readStream(table).map((record) => ({ record, attempts: 0 })));
      const next = retrying[0];
      if (next === undefined) return false;
      next.attempts++;
      const { failed } = await this.#invoke(name, 'aws:dynamodb', handler, { Records: [next.record] });
      if (!failed || next.attempts >= MAX_RECEIVE_COUNT) retrying.shift();
      if (failed && next.attempts >= MAX_RECEIVE_COUNT) this.#streamFailures++;
      return true;
    });
  }

  /** A queue with a dead-letter queue (redrive after `MAX_RECEIVE_COUNT` receives). */
  async createQueue(name: string, deadLetter?: string): Promise<string> {
    let Attributes: Record<string, string> | undefined;
    if (deadLetter !== undefined) {
      const { QueueUrl } = await this.clients.sqs.send(new CreateQueueCommand({ QueueName: deadLetter }));
      this.#deadLetterQueues.push(QueueUrl!);
      Attributes = { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await queueArn(this.clients.sqs, QueueUrl!), maxReceiveCount: MAX_RECEIVE_COUNT }) };
    }
    const { QueueUrl } = await this.clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes }));
    return QueueUrl!;
  }

  /** Events in the dead-letter queues and on-failure destination, after the run. */
  async deadLettered(): Promise<number> {
    let total = this.#streamFailures;
    for (const QueueUrl of this.#deadLetterQueues) {
      const { Attributes } = await this.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
      total += Number(Attributes?.ApproximateNumberOfMessages ?? 0);
    }
    return total;
  }

  /** Deliver until every source is idle. */
  async run(): Promise<void> {
    for (let busy = true; busy && this.invocations.length < MAX_INVOCATIONS; ) {
      busy = false;
      for (const poll of this.#pollers) busy = (await poll()) || busy;
    }
  }
}

/**
 * An SQS message (a ReceiveMessage result) as Lambda's SQS event source mapping hands it to a
 * function: the record of an `SQSEvent`.
 */
export function sqsRecordOf(message: any, queueArn: string) {
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), ...message.Attributes },
    messageAttributes: Object.fromEntries(
      Object.entries<any>(message.MessageAttributes ?? {}).map(([key, value]) => [key, { stringValue: value.StringValue, dataType: value.DataType }]),
    ),
    md5OfBody: message.MD5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: queueArn.split(':')[3],
  };
}

/** An SNS notification (the JSON SNS delivers to SQS) as a Lambda SNS record. */
function snsEvent(body: string) {
  const notification = JSON.parse(body);
  return {
    Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: `${notification.TopicArn}:demo`, Sns: { ...notification, MessageAttributes: notification.MessageAttributes ?? {} } }],
  };
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return Attributes!.QueueArn!;
}

/** The first message of a scenario, from an instrumented producer: the seed header as its AWSTraceHeader. */
async function sendSeed(sqs: SQSClient, queueUrl: string, body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: seedHeader() } } }));
}

interface Scenario {
  title: string;
  path: string;
  awsDetects: boolean;
  policy: LoopPolicy;
  endedIn: string;
  setUp(emulator: LambdaEmulator, names: (name: string) => string): Promise<void>;
}

const scenarios: Scenario[] = [
  {
    title: 'a queue consumer that sends every message back to its own queue',
    path: 'SQS jobs → worker → SQS jobs',
    awsDetects: true,
    policy: 'skip',
    endedIn: 'dead-letter queue (batchItemFailures, redrive)',
    async setUp(emulator, names) {
      const { sqs } = emulator.clients;
      const jobs = await emulator.createQueue(names('jobs'), names('jobs-dlq'));
      const worker = withLoopGuard(async (event: any) => {
        for (const record of event.Records) {
          const sent = await sqs.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: record.body }));
          emulator.ran('worker', `sent message ${sent.MessageId!.slice(0, 8)} to jobs`);
        }
      }, emulator.guardOptions());
      emulator.pollQueue(jobs, 'worker', worker);
      await sendSeed(sqs, jobs, '{"job":1}');
    },
  },
  {
    title: 'two functions ping-ponging through two queues',
    path: 'SQS ping → ping-a → SQS pong → pong-b → SQS ping',
    awsDetects: true,
    policy: 'skip',
    endedIn: 'dead-letter queue (batchItemFailures, redrive)',
    async setUp(emulator, names) {
      const { sqs } = emulator.clients;
      const ping = await emulator.createQueue(names('ping'), names('ping-dlq'));
      const pong = await emulator.createQueue(names('pong'), names('pong-dlq'));
      const relay = (name: string, to: string, toName: string) =>
        withLoopGuard(async (event: any) => {
          for (const record of event.Records) await sqs.send(new SendMessageCommand({ QueueUrl: to, MessageBody: record.body }));
          emulator.ran(name, `sent to ${toName}`);
        }, emulator.guardOptions());
      emulator.pollQueue(ping, 'ping-a', relay('ping-a', pong, 'pong'));
      emulator.pollQueue(pong, 'pong-b', relay('pong-b', ping, 'ping'));
      await sendSeed(sqs, ping, 'ball');
    },
  },
  {
    title: 'function → S3 object → SNS notification → the same function',
    path: 'S3 photos → SNS uploads → resizer → S3 photos',
    awsDetects: true,
    policy: 'throw',
    endedIn: 'on-failure destination (RecursiveLoopError, 2 retries)',
    async setUp(emulator, names) {
      const { sqs, sns, s3 } = emulator.clients;
      const bucket = names('photos');
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: names('uploads') }));
      // SNS → Lambda is emulated through a queue subscribed to the topic (the notification JSON is the same).
      const inbox = await emulator.createQueue(names('uploads-inbox'), names('uploads-failed'));
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await queueArn(sqs, inbox) }));
      emulator.broker.notifyOnPut(bucket, TopicArn!);
      // S3 events carry no metadata: the guard reads the object's (HeadObject).
      const fromObject = s3MetadataCarrier((Bucket, Key) => s3.send(new HeadObjectCommand({ Bucket, Key })).then((object) => object.Metadata));
      const resizer = withLoopGuard(async (event: any) => {
        for (const record of event.Records) {
          const { Records: [upload] } = JSON.parse(record.Sns.Message);
          const key = decodeURIComponent(upload.s3.object.key);
          await s3.send(new PutObjectCommand({ Bucket: upload.s3.bucket.name, Key: key, Body: 'resized' }));
          emulator.ran('resizer', `wrote s3://photos/${key} over itself`);
        }
      }, emulator.guardOptions({ carriers: { 'aws:sns': fromObject } }));
      emulator.pollQueue(inbox, 'resizer', resizer, true);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'cat.jpg', Body: 'original', Metadata: { 'x-amzn-trace-id': seedHeader() } }));
    },
  },
  {
    title: "a DynamoDB stream loop, which AWS's detector does not see",
    path: 'DynamoDB orders stream → totals → DynamoDB orders',
    awsDetects: false,
    policy: 'skip',
    endedIn: 'on-failure destination (batchItemFailures, 2 retries)',
    async setUp(emulator, names) {
      const { dynamodb } = emulator.clients;
      const table = names('orders');
      const attribute = dynamoDBAttributeCarrier('traceHeader');
      const totals = withLoopGuard(async (event: any) => {
        for (const record of event.Records) {
          const item = record.dynamodb.NewImage;
          const updates = String(Number(item.updates?.N ?? '0') + 1);
          // The bug: updating the item it was notified of re-triggers the stream.
          await dynamodb.send(new PutItemCommand({ TableName: table, Item: { ...item, updates: { N: updates } } }));
          emulator.ran('totals', `put ${item.pk.S} back (updates=${updates})`);
        }
      }, emulator.guardOptions({ carriers: { 'aws:dynamodb': attribute } }));
      emulator.pollStream(table, 'totals', totals);
      await dynamodb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'order-1' }, traceHeader: { S: seedHeader() } } }));
    },
  },
  {
    title: 'an SNS → SQS fan-out whose consumer publishes back to the topic (standard delivery, no carrier configured)',
    path: 'SNS order-events → SQS audit → auditor → SNS order-events',
    awsDetects: true,
    policy: 'skip',
    endedIn: 'dead-letter queue (batchItemFailures, redrive)',
    async setUp(emulator, names) {
      const { sqs, sns } = emulator.clients;
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: names('order-events') }));
      const audit = await emulator.createQueue(names('audit'), names('audit-dlq'));
      // Standard delivery: the header travels only inside the SQS body's SNS envelope.
      await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: await queueArn(sqs, audit) }));
      const auditor = withLoopGuard(async (event: any) => {
        for (const record of event.Records) {
          const { Message } = JSON.parse(record.body);
          await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ audited: JSON.parse(Message) }) }));
          emulator.ran('auditor', 'published an audit event to order-events');
        }
      }, emulator.guardOptions());
      emulator.pollQueue(audit, 'auditor', auditor);
      // An instrumented producer: the seed header as the SNS message attribute.
      await sns.send(new PublishCommand({ TopicArn, Message: '{"order":1}', MessageAttributes: { 'X-Amzn-Trace-Id': { DataType: 'String', StringValue: seedHeader() } } }));
    },
  },
];

function makeClients(broker: EmbeddedBroker, endpoint: string | undefined): Clients {
  const config = { region: REGION, credentials };
  const onServer = endpoint === undefined ? config : { ...config, endpoint };
  const clients: Clients = {
    sqs: new SQSClient(onServer),
    sns: new SNSClient(onServer),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
  };
  const dynamodbCarrier = { 'DynamoDB.PutItem': dynamoDBAttributeCarrier('traceHeader') };
  for (const [service, client] of Object.entries(clients)) {
    client.middlewareStack.use(lineagePlugin({ carriers: dynamodbCarrier }));
    if (endpoint === undefined || service === 's3' || service === 'dynamodb') client.middlewareStack.use(broker.plugin());
  }
  return clients;
}

function describeInvocation(index: number, invocation: Invocation): string {
  const number = `#${index + 1}`.padEnd(5);
  const who = `${invocation.function} (${invocation.eventSource})`.padEnd(24);
  if (invocation.detection !== undefined) {
    const { count, threshold, policy } = invocation.detection;
    return `${number}${who} count ${String(count).padStart(2)} > ${threshold}: STOPPED by the guard (${policy}), handler not run`;
  }
  return `${number}${who} count ${String(invocation.count).padStart(2)}: ran, ${invocation.action}`;
}

/** Run the scenarios; print a timeline each and a summary table. */
export async function runDemo(options: DemoOptions = {}): Promise<ScenarioResult[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const run = randomUUID().slice(0, 8);
  print(`trace-lineage demo: ${scenarios.length} recursive loops, ${options.endpoint ? `SQS and SNS on ${options.endpoint}, S3 and DynamoDB embedded` : 'on the embedded broker'}`);
  print('Each function is wrapped in withLoopGuard (threshold 16); each SDK client has lineagePlugin.\n');
  const results: ScenarioResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const broker = new EmbeddedBroker();
    const clients = makeClients(broker, options.endpoint);
    if (options.endpoint !== undefined) {
      const sns = new SNSClient({ region: REGION, credentials, endpoint: options.endpoint });
      broker.notifyTopic = async (TopicArn, Message) => void (await sns.send(new PublishCommand({ TopicArn, Message })));
    }
    const emulator = new LambdaEmulator(clients, broker, scenario.policy);
    await scenario.setUp(emulator, (name) => `demo-${run}-${index + 1}-${name}`);
    await emulator.run();

    const stoppedIndex = emulator.invocations.findIndex((invocation) => invocation.detection !== undefined);
    const stopped = emulator.invocations[stoppedIndex];
    const result: ScenarioResult = {
      title: scenario.title,
      path: scenario.path,
      awsDetects: scenario.awsDetects,
      policy: scenario.policy,
      handlerRuns: emulator.invocations.filter((invocation) => invocation.detection === undefined).length,
      stoppedAt: stopped && { invocation: stoppedIndex + 1, function: stopped.function, count: stopped.detection!.count },
      endedIn: stopped && scenario.endedIn,
      deadLettered: await emulator.deadLettered(),
      lineageKept: stopped !== undefined && parse(stopped.detection!.traceHeader).lineage?.value === SEED_LINEAGE,
    };
    results.push(result);

    print(`Scenario ${index + 1}: ${scenario.title}`);
    print(`  ${scenario.path}   (AWS's own detector ${scenario.awsDetects ? 'covers this path' : 'does not cover this path'})`);
    emulator.invocations.forEach((invocation, at) => {
      const shown = at < 3 || at >= stoppedIndex - 2;
      if (shown) print(`  ${describeInvocation(at, invocation)}`);
      else if (at === 3) print(`  ...  (#4 to #${stoppedIndex - 2}: the same, one count up per entry)`);
      if (at === stoppedIndex) print(`       metric: ${invocation.metric}`);
    });
    print(
      stopped
        ? `  → stopped at invocation #${stoppedIndex + 1} (${stopped.function}'s entry ${stopped.detection!.count}); the event ended in the ${scenario.endedIn}: ${result.deadLettered} event(s) there\n`
        : '  → NOT STOPPED (the demo gave up after its safety limit)\n',
    );
  }

  print('Summary');
  const header = ['#', 'loop', 'handler runs', 'stopped at', 'policy', 'dead-lettered', 'AWS detects', 'Lineage kept'];
  const rows = results.map((result, index) => [
    String(index + 1),
    result.path,
    String(result.handlerRuns),
    result.stoppedAt ? `#${result.stoppedAt.invocation} (${result.stoppedAt.function} count ${result.stoppedAt.count})` : 'never',
    result.policy,
    String(result.deadLettered),
    result.awsDetects ? 'yes' : 'no',
    result.lineageKept ? 'yes' : 'no',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  for (const row of [header, widths.map((width) => '-'.repeat(width)), ...rows]) {
    print(`  ${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd());
  }
  return results;
}
