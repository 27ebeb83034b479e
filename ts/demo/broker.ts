/**
 * The demo's embedded broker: an in-process stand-in for SQS, SNS, S3 and DynamoDB (with its
 * stream) behind the real AWS SDK v3 clients. It sits at the end of the build step, after AWS's
 * recursion-detection middleware and our plugin, so everything up to the wire runs for real; it
 * answers instead of the network, with the semantics the demo relies on: SQS receive counts and
 * redrive to a dead-letter queue, SNS fan-out to SQS (the notification JSON), S3 object metadata
 * and event notifications to SNS, a DynamoDB stream of new images.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Pluggable } from '@smithy/types';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

interface QueuedMessage {
  MessageId: string;
  Body: string;
  AWSTraceHeader?: string;
  MessageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
  receiveCount: number;
  inFlight: boolean;
}

interface Queue {
  arn: string;
  messages: QueuedMessage[];
  redrive?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

/** A DynamoDB stream record, as Lambda delivers it. */
export interface StreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY';
  eventSource: 'aws:dynamodb';
  eventSourceARN: string;
  dynamodb: { Keys: Record<string, unknown>; NewImage: Record<string, any>; SequenceNumber: string; StreamViewType: 'NEW_IMAGE' };
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const TRACE_HEADER = 'x-amzn-trace-id';

export class EmbeddedBroker {
  readonly #queues = new Map<string, Queue>(); // by URL
  readonly #subscriptions = new Map<string, string[]>(); // topic ARN → queue ARNs
  readonly #objects = new Map<string, { metadata: Record<string, string> }>(); // "bucket/key"
  readonly #bucketTopics = new Map<string, string>(); // bucket → topic ARN
  readonly #streams = new Map<string, StreamRecord[]>(); // table → unread stream records
  readonly #items = new Map<string, Record<string, any>>(); // "table/key"
  #sequence = 0;
  /** Where S3 event notifications are published: this broker's SNS, unless the demo points it at a server. */
  notifyTopic = async (topicArn: string, message: string): Promise<void> => {
    await this.#handle('SNS.Publish', { TopicArn: topicArn, Message: message }, undefined);
  };

  /** Put the broker behind a client, after our plugin's header middleware. */
  plugin(): Pluggable<any, any> {
    return {
      applyToStack: (stack) => {
        stack.addRelativeTo(
          (_next: unknown, context: any) => async (args: any) => {
            const operation = `${String(context.clientName).replace(/Client$/, '')}.${String(context.commandName).replace(/Command$/, '')}`;
            const header = Object.entries(args.request?.headers ?? {}).find(([name]) => name.toLowerCase() === TRACE_HEADER)?.[1] as string | undefined;
            const output = await this.#handle(operation, args.input, header);
            return { output: { $metadata: { httpStatusCode: 200 }, ...output }, response: { statusCode: 200, headers: {} } };
          },
          { name: 'embeddedBroker', relation: 'after', toMiddleware: 'traceLineageHeaderMiddleware', override: true },
        );
      },
    };
  }

  /** Notify `topicArn` of every object created in `bucket` (S3 event notifications). */
  notifyOnPut(bucket: string, topicArn: string): void {
    this.#bucketTopics.set(bucket, topicArn);
  }

  /** Take the unread records of `table`'s stream. */
  readStream(table: string): StreamRecord[] {
    const records = this.#streams.get(table) ?? [];
    this.#streams.set(table, []);
    return records;
  }

  #queueByArn(arn: string): Queue | undefined {
    for (const queue of this.#queues.values()) if (queue.arn === arn) return queue;
    return undefined;
  }

  #queue(url: string): Queue {
    const queue = this.#queues.get(url);
    if (queue === undefined) throw Object.assign(new Error(`no queue ${url}`), { name: 'QueueDoesNotExist' });
    return queue;
  }

  #send(queue: Queue, body: string, traceHeader?: string, attributes?: QueuedMessage['MessageAttributes']): string {
    const message = { MessageId: randomUUID(), Body: body, AWSTraceHeader: traceHeader, MessageAttributes: attributes, receiveCount: 0, inFlight: false };
    queue.messages.push(message);
    return message.MessageId;
  }

  async #handle(operation: string, input: any, httpTraceHeader: string | undefined): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'SQS.CreateQueue': {
        const url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${input.QueueName}`;
        const redrive = input.Attributes?.RedrivePolicy ? JSON.parse(input.Attributes.RedrivePolicy) : undefined;
        if (!this.#queues.has(url)) this.#queues.set(url, { arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${input.QueueName}`, messages: [], redrive });
        return { QueueUrl: url };
      }
      case 'SQS.GetQueueAttributes': {
        const queue = this.#queue(input.QueueUrl);
        return { Attributes: { QueueArn: queue.arn, ApproximateNumberOfMessages: String(queue.messages.length) } };
      }
      case 'SQS.SendMessage': {
        // The system attribute wins over the HTTP header, as in SQS.
        const traceHeader = input.MessageSystemAttributes?.AWSTraceHeader?.StringValue ?? httpTraceHeader;
        const id = this.#send(this.#queue(input.QueueUrl), input.MessageBody, traceHeader, input.MessageAttributes);
        return { MessageId: id, MD5OfMessageBody: md5(input.MessageBody) };
      }
      case 'SQS.ReceiveMessage': {
        const queue = this.#queue(input.QueueUrl);
        const message = queue.messages.find((candidate) => !candidate.inFlight);
        if (message === undefined) return { Messages: [] };
        message.receiveCount++;
        if (queue.redrive !== undefined && message.receiveCount > queue.redrive.maxReceiveCount) {
          // Redrive: received more than maxReceiveCount times, the message moves to the DLQ.
          queue.messages.splice(queue.messages.indexOf(message), 1);
          this.#queueByArn(queue.redrive.deadLetterTargetArn)?.messages.push({ ...message, receiveCount: 0 });
          return this.#handle(operation, input, httpTraceHeader);
        }
        message.inFlight = true;
        const attributes: Record<string, string> = { ApproximateReceiveCount: String(message.receiveCount) };
        if (message.AWSTraceHeader !== undefined) attributes.AWSTraceHeader = message.AWSTraceHeader;
        const { MessageId, Body, MessageAttributes } = message;
        return { Messages: [{ MessageId, ReceiptHandle: MessageId, Body, MD5OfBody: md5(Body), Attributes: attributes, MessageAttributes }] };
      }
      case 'SQS.DeleteMessage': {
        const queue = this.#queue(input.QueueUrl);
        queue.messages = queue.messages.filter((message) => message.MessageId !== input.ReceiptHandle);
        return {};
      }
      case 'SQS.ChangeMessageVisibility': {
        const message = this.#queue(input.QueueUrl).messages.find((candidate) => candidate.MessageId === input.ReceiptHandle);
        if (message !== undefined) message.inFlight = false;
        return {};
      }
      case 'SNS.CreateTopic':
        return { TopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${input.Name}` };
      case 'SNS.Subscribe': {
        this.#subscriptions.set(input.TopicArn, [...(this.#subscriptions.get(input.TopicArn) ?? []), input.Endpoint]);
        return { SubscriptionArn: `${input.TopicArn}:${randomUUID()}` };
      }
      case 'SNS.Publish': {
        const messageId = randomUUID();
        const notification = {
          Type: 'Notification',
          MessageId: messageId,
          TopicArn: input.TopicArn,
          Message: input.Message,
          Timestamp: new Date().toISOString(),
          // SNS → SQS: the attributes go into the notification JSON as { Type, Value }.
          MessageAttributes: Object.fromEntries(
            Object.entries<any>(input.MessageAttributes ?? {}).map(([name, value]) => [name, { Type: value.DataType, Value: value.StringValue }]),
          ),
        };
        for (const queueArn of this.#subscriptions.get(input.TopicArn) ?? []) {
          const queue = this.#queueByArn(queueArn);
          if (queue !== undefined) this.#send(queue, JSON.stringify(notification));
        }
        return { MessageId: messageId };
      }
      case 'S3.PutObject': {
        this.#objects.set(`${input.Bucket}/${input.Key}`, { metadata: { ...input.Metadata } });
        const topicArn = this.#bucketTopics.get(input.Bucket);
        if (topicArn !== undefined) {
          const record = {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            awsRegion: REGION,
            eventTime: new Date().toISOString(),
            eventName: 'ObjectCreated:Put',
            s3: { s3SchemaVersion: '1.0', bucket: { name: input.Bucket, arn: `arn:aws:s3:::${input.Bucket}` }, object: { key: encodeURIComponent(input.Key), sequencer: String(++this.#sequence) } },
          };
          await this.notifyTopic(topicArn, JSON.stringify({ Records: [record] }));
        }
        return { ETag: `"${randomUUID()}"` };
      }
      case 'S3.HeadObject': {
        const object = this.#objects.get(`${input.Bucket}/${input.Key}`);
        if (object === undefined) throw Object.assign(new Error(`no object ${input.Bucket}/${input.Key}`), { name: 'NotFound' });
        return { Metadata: object.metadata };
      }
      case 'DynamoDB.PutItem': {
        const keyText = JSON.stringify(input.Item.pk);
        const existed = this.#items.has(`${input.TableName}/${keyText}`);
        this.#items.set(`${input.TableName}/${keyText}`, input.Item);
        const records = this.#streams.get(input.TableName) ?? [];
        records.push({
          eventID: randomUUID(),
          eventName: existed ? 'MODIFY' : 'INSERT',
          eventSource: 'aws:dynamodb',
          eventSourceARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${input.TableName}/stream/demo`,
          dynamodb: { Keys: { pk: input.Item.pk }, NewImage: input.Item, SequenceNumber: String(++this.#sequence).padStart(21, '0'), StreamViewType: 'NEW_IMAGE' },
        });
        this.#streams.set(input.TableName, records);
        return {};
      }
      default:
        throw new Error(`the embedded broker does not implement ${operation}`);
    }
  }
}
