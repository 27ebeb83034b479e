/**
 * Carriers: where a trace header travels when HTTP headers do not (message attributes, event
 * entries, object metadata, item attributes). One shape for both sides: the SDK plugin `write`s
 * into a command's input, the Lambda guard `read`s from an event record.
 */
import { E_TOO_LONG } from '../codes.js';
import { TraceHeaderError } from '../index.js';

/** Where a trace header travels in one kind of message. */
export interface Carrier<Input = any, EventRecord = any> {
  /**
   * Guard side: the header an incoming event record carries, if any. May be async (an S3
   * object's metadata needs a HeadObject).
   */
  read?(record: EventRecord): string | undefined | Promise<string | undefined>;
  /**
   * Plugin side: a copy of a command's `input` with every trace-header slot (one per entry in a
   * batch) set to `outgoing(the header the slot already holds)`. Never mutate `input`.
   */
  write?(input: Input, outgoing: (existing: string | undefined) => string): Input;
}

/** Name of the SNS message attribute (and, lower-cased, the S3 metadata key) we carry the header in. */
export const TRACE_ATTRIBUTE = 'X-Amzn-Trace-Id';
/** S3 returns metadata keys lower-cased (sent as `x-amz-meta-x-amzn-trace-id`). */
export const TRACE_METADATA_KEY = TRACE_ATTRIBUTE.toLowerCase();

/** EventBridge's limit on `PutEventsRequestEntry.TraceHeader`. */
export const EVENTBRIDGE_TRACE_HEADER_MAX = 500;

type Entries<K extends string> = { [key in K]?: Array<Record<string, any>> };

function mapEntries<K extends string, T extends Entries<K>>(input: T, key: K, write: (entry: Record<string, any>) => Record<string, any>): T {
  const entries = input[key];
  return entries === undefined ? input : { ...input, [key]: entries.map(write) };
}

const sqsEntry = (entry: Record<string, any>, outgoing: (existing: string | undefined) => string) => ({
  ...entry,
  MessageSystemAttributes: {
    ...entry.MessageSystemAttributes,
    AWSTraceHeader: { DataType: 'String', StringValue: outgoing(entry.MessageSystemAttributes?.AWSTraceHeader?.StringValue) },
  },
});

const snsEntry = (entry: Record<string, any>, outgoing: (existing: string | undefined) => string) => ({
  ...entry,
  MessageAttributes: {
    ...entry.MessageAttributes,
    [TRACE_ATTRIBUTE]: { DataType: 'String', StringValue: outgoing(entry.MessageAttributes?.[TRACE_ATTRIBUTE]?.StringValue) },
  },
});

function eventBridgeEntry(entry: Record<string, any>, outgoing: (existing: string | undefined) => string) {
  const traceHeader = outgoing(entry.TraceHeader);
  if (traceHeader.length > EVENTBRIDGE_TRACE_HEADER_MAX) {
    throw new TraceHeaderError(E_TOO_LONG, EVENTBRIDGE_TRACE_HEADER_MAX, `EventBridge allows a TraceHeader of ${EVENTBRIDGE_TRACE_HEADER_MAX} characters, this one has ${traceHeader.length}`);
  }
  return { ...entry, TraceHeader: traceHeader };
}

/** The operations whose body has a slot for the header, by `Service.Operation`. */
export const OPERATION_CARRIERS: Record<string, Carrier> = {
  // SQS's own system attribute: not counted against the 10 message attributes or the size quota.
  'SQS.SendMessage': { write: (input, outgoing) => sqsEntry(input, outgoing) },
  'SQS.SendMessageBatch': { write: (input, outgoing) => mapEntries(input, 'Entries', (entry) => sqsEntry(entry, outgoing)) },
  // SNS has no trace slot of its own: a String message attribute.
  'SNS.Publish': { write: (input, outgoing) => snsEntry(input, outgoing) },
  'SNS.PublishBatch': { write: (input, outgoing) => mapEntries(input, 'PublishBatchRequestEntries', (entry) => snsEntry(entry, outgoing)) },
  'EventBridge.PutEvents': { write: (input, outgoing) => mapEntries(input, 'Entries', (entry) => eventBridgeEntry(entry, outgoing)) },
  // S3 events do not carry metadata: the guard reads it back with `s3MetadataCarrier`.
  'S3.PutObject': {
    write: (input, outgoing) => ({ ...input, Metadata: { ...input.Metadata, [TRACE_METADATA_KEY]: outgoing(input.Metadata?.[TRACE_METADATA_KEY]) } }),
  },
};

/**
 * A DynamoDB item attribute (a string) as the carrier: `write` for PutItem (put it in the
 * plugin's `carriers` as `'DynamoDB.PutItem'`), `read` for stream records' `NewImage` (put it in
 * the guard's `carriers` as `'aws:dynamodb'`; the stream view type must include new images).
 */
export function dynamoDBAttributeCarrier(attribute = 'traceHeader'): Carrier {
  return {
    read: (record) => record?.dynamodb?.NewImage?.[attribute]?.S,
    write: (input, outgoing) => ({ ...input, Item: { ...input.Item, [attribute]: { S: outgoing(input.Item?.[attribute]?.S) } } }),
  };
}

/** The S3 event notification records in a Lambda record: itself, or inside an SNS message / SQS body. */
function s3Records(record: any): Array<{ bucket: string; key: string }> {
  if (record?.s3?.bucket?.name !== undefined) {
    // Keys in S3 events are URL-encoded, with `+` for a space.
    return [{ bucket: record.s3.bucket.name, key: decodeURIComponent(String(record.s3.object.key).replace(/\+/g, ' ')) }];
  }
  const envelope = record?.Sns?.Message ?? record?.body;
  if (typeof envelope !== 'string' || !envelope.startsWith('{')) return [];
  try {
    const notification = JSON.parse(envelope);
    return Array.isArray(notification?.Records) ? notification.Records.flatMap(s3Records) : [];
  } catch {
    return [];
  }
}

/**
 * The guard's carrier for S3 objects: S3 event records (direct, or inside an SNS notification or
 * SQS message) name an object, and `getMetadata` fetches its metadata, e.g.
 * `(Bucket, Key) => s3.send(new HeadObjectCommand({ Bucket, Key })).then((o) => o.Metadata)`.
 * Use it for `'aws:s3'`, and for `'aws:sns'` / `'aws:sqs'` when S3 notifies through them.
 * It costs one request per record; the latest version of the object is read.
 */
export function s3MetadataCarrier(getMetadata: (bucket: string, key: string) => Promise<Record<string, string> | undefined>): Carrier {
  return {
    async read(record) {
      const [object] = s3Records(record);
      if (object === undefined) return undefined;
      const metadata = await getMetadata(object.bucket, object.key);
      return metadata?.[TRACE_METADATA_KEY];
    },
  };
}
