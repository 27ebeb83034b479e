/**
 * Carriers: where a trace header travels when HTTP headers do not (message attributes, event
 * entries, object metadata, item attributes, record envelopes). One shape for both sides: the SDK
 * plugin `write`s into a command's input, the Lambda guard `read`s from an event record (and, for
 * a carrier that wraps the user's data, `unwrap`s the record before the handler sees it).
 */
import { E_TOO_LONG } from '../codes.js';
import { TraceHeaderError } from '../index.js';
import { TRACE_ATTRIBUTE, detailHeaderOf, eventBridgeEnvelopeOf, s3ObjectsOf } from './sources.js';

export { TRACE_ATTRIBUTE };

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
  /**
   * Guard side, for a carrier whose `write` wraps the user's data (an envelope): the record as the
   * producer's own data would have made it. The guard applies it to every record it passes on.
   */
  unwrap?(record: EventRecord): EventRecord;
}

/** S3 returns metadata keys lower-cased (sent as `x-amz-meta-x-amzn-trace-id`). */
export const TRACE_METADATA_KEY = TRACE_ATTRIBUTE.toLowerCase();

/** EventBridge's limit on `PutEventsRequestEntry.TraceHeader`. */
export const EVENTBRIDGE_TRACE_HEADER_MAX = 500;
/** Step Functions' limit on `StartExecution` / `StartSyncExecution` `traceHeader`. */
export const SFN_TRACE_HEADER_MAX = 256;

/** `traceHeader` if `slot` can hold it; a header cut to fit would lose the chain, so over it a `too_long` error. */
function fitting(traceHeader: string, max: number, slot: string): string {
  if (traceHeader.length > max) {
    throw new TraceHeaderError(E_TOO_LONG, max, `${slot} allows a trace header of ${max} characters, this one has ${traceHeader.length}`);
  }
  return traceHeader;
}

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

const eventBridgeEntry = (entry: Record<string, any>, outgoing: (existing: string | undefined) => string) => ({
  ...entry,
  TraceHeader: fitting(outgoing(entry.TraceHeader), EVENTBRIDGE_TRACE_HEADER_MAX, 'EventBridge PutEvents TraceHeader'),
});

const sfnExecution = (input: Record<string, any>, outgoing: (existing: string | undefined) => string) => ({
  ...input,
  traceHeader: fitting(outgoing(input.traceHeader), SFN_TRACE_HEADER_MAX, 'Step Functions traceHeader'),
});

/** The operations whose body has a slot for the header, by `Service.Operation`. */
export const OPERATION_CARRIERS: Record<string, Carrier> = {
  // SQS's own system attribute: not counted against the 10 message attributes or the size quota.
  'SQS.SendMessage': { write: (input, outgoing) => sqsEntry(input, outgoing) },
  'SQS.SendMessageBatch': { write: (input, outgoing) => mapEntries(input, 'Entries', (entry) => sqsEntry(entry, outgoing)) },
  // SNS has no trace slot of its own: a String message attribute.
  'SNS.Publish': { write: (input, outgoing) => snsEntry(input, outgoing) },
  'SNS.PublishBatch': { write: (input, outgoing) => mapEntries(input, 'PublishBatchRequestEntries', (entry) => snsEntry(entry, outgoing)) },
  'EventBridge.PutEvents': { write: (input, outgoing) => mapEntries(input, 'Entries', (entry) => eventBridgeEntry(entry, outgoing)) },
  // The execution's X-Ray header (the header wins over the body's).
  'SFN.StartExecution': { write: sfnExecution },
  'SFN.StartSyncExecution': { write: sfnExecution },
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

/**
 * The guard's carrier for S3 objects: S3 event records (direct, or inside an SNS notification or
 * SQS message, or an SNS notification in an SQS message) name an object, and `getMetadata`
 * fetches its metadata, e.g.
 * `(Bucket, Key) => s3.send(new HeadObjectCommand({ Bucket, Key })).then((o) => o.Metadata)`.
 * Use it for `'aws:s3'`, and for `'aws:sns'` / `'aws:sqs'` when S3 notifies through them.
 * It costs one request per record; the latest version of the object is read.
 */
export function s3MetadataCarrier(getMetadata: (bucket: string, key: string) => Promise<Record<string, string> | undefined>): Carrier {
  return {
    async read(record) {
      const [object] = s3ObjectsOf(record);
      if (object === undefined) return undefined;
      const metadata = await getMetadata(object.bucket, object.key);
      return metadata?.[TRACE_METADATA_KEY];
    },
  };
}

/**
 * EventBridge events as the carrier, in the event's own payload: `write` (for the plugin's
 * `'EventBridge.PutEvents'`) sets `TraceHeader` as the built-in carrier does and also puts the
 * header into each entry's `Detail` JSON object under `key`; `read` (for the guard's
 * `'aws:events'`, or `'aws:sqs'` / `'aws:sns'` for EventBridge → SQS / SNS) takes it from the
 * event's `detail`. For EventBridge → Lambda targets, where the header Lambda gets is not known to
 * keep unknown fields. A `Detail` that is not a JSON object is left as it is (`TraceHeader` only).
 */
export function eventBridgeDetailCarrier(key: string = TRACE_ATTRIBUTE): Carrier {
  const inDetail = (entry: Record<string, any>, outgoing: (existing: string | undefined) => string) => {
    const withTraceHeader = eventBridgeEntry(entry, outgoing);
    let detail: unknown;
    try {
      detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : undefined;
    } catch {
      return withTraceHeader;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return withTraceHeader;
    const existing = (detail as Record<string, unknown>)[key];
    const traceHeader = outgoing(typeof existing === 'string' ? existing : undefined);
    return { ...withTraceHeader, Detail: JSON.stringify({ ...detail, [key]: traceHeader }) };
  };
  return {
    read: (record) => detailHeaderOf(record?.detail !== undefined ? record : eventBridgeEnvelopeOf(record?.body ?? record?.Sns?.Message), key),
    write: (input, outgoing) => mapEntries(input, 'Entries', (entry) => inDetail(entry, outgoing)),
  };
}

/**
 * The Kinesis envelope: the record's data is `KINESIS_ENVELOPE_PREFIX`, the header, a line feed
 * (0x0a), then the producer's own bytes, unchanged. The prefix starts with the ASCII record
 * separator (0x1e), which text and JSON data do not start with; a header has no line feed.
 */
export const KINESIS_ENVELOPE_PREFIX = '\u001eX-Amzn-Trace-Id:';
const ENVELOPE_PREFIX = Buffer.from(KINESIS_ENVELOPE_PREFIX, 'latin1');
const LINE_FEED = 0x0a;

/** `data` split into the header and the producer's bytes, if it is an envelope (for consumers other than the guard: KCL, Firehose transforms). */
export function openKinesisEnvelope(data: Uint8Array): { traceHeader: string; payload: Uint8Array } | undefined {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length <= ENVELOPE_PREFIX.length || !bytes.subarray(0, ENVELOPE_PREFIX.length).equals(ENVELOPE_PREFIX)) return undefined;
  const end = bytes.indexOf(LINE_FEED, ENVELOPE_PREFIX.length);
  if (end < 0) return undefined;
  return { traceHeader: bytes.toString('latin1', ENVELOPE_PREFIX.length, end), payload: bytes.subarray(end + 1) };
}

const sealEnvelope = (traceHeader: string, payload: Uint8Array): Uint8Array =>
  Buffer.concat([ENVELOPE_PREFIX, Buffer.from(traceHeader, 'latin1'), Buffer.from([LINE_FEED]), payload]);

/** A Lambda Kinesis record's data, opened. */
const kinesisEnvelopeOf = (record: any) => (typeof record?.kinesis?.data === 'string' ? openKinesisEnvelope(Buffer.from(record.kinesis.data, 'base64')) : undefined);

/**
 * Kinesis records as the carrier, in the documented envelope (`KINESIS_ENVELOPE_PREFIX`): put the
 * same carrier in the plugin's `carriers` as `'Kinesis.PutRecord'` and `'Kinesis.PutRecords'`, and
 * in the guard's as `'aws:kinesis'`. `write` wraps each record's `Data` (re-using an envelope the
 * data already has, so forwarding a record does not nest envelopes); `read` takes the header out;
 * `unwrap` gives the record back with the producer's own data, which the handler must see.
 * Every consumer of the stream must unwrap (the guard does; others: `openKinesisEnvelope`).
 * The envelope adds the header's length + 18 bytes to a record (Kinesis allows 1 MiB).
 */
export function kinesisEnvelopeCarrier(): Carrier {
  const wrap = (entry: Record<string, any>, outgoing: (existing: string | undefined) => string) => {
    const data: Uint8Array = typeof entry.Data === 'string' ? Buffer.from(entry.Data, 'utf8') : (entry.Data ?? new Uint8Array());
    const opened = openKinesisEnvelope(data);
    return { ...entry, Data: sealEnvelope(outgoing(opened?.traceHeader), opened?.payload ?? data) };
  };
  return {
    read: (record) => kinesisEnvelopeOf(record)?.traceHeader,
    write: (input, outgoing) => (Array.isArray(input.Records) ? mapEntries(input, 'Records', (entry) => wrap(entry, outgoing)) : wrap(input, outgoing)),
    unwrap: (record) => {
      const opened = kinesisEnvelopeOf(record);
      return opened === undefined ? record : { ...record, kinesis: { ...record.kinesis, data: Buffer.from(opened.payload).toString('base64') } };
    },
  };
}
