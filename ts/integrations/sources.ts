/**
 * The event sources the Lambda guard knows: how an event splits into records, where each
 * record's trace header is (best place first), and how a record is named in a partial-batch
 * response. One table, read by the guard (`lambda.ts`); the carriers of `carriers.ts` are read
 * before these places.
 *
 * Envelopes are read by default: an SQS body that is an SNS notification (standard delivery) or
 * an EventBridge event, an SNS message that is an EventBridge event. Bodies are parsed only when
 * a cheap check says they may be one (an object with the envelope's marker key); a body that is
 * not JSON is no error.
 */
/** Name of the SNS message attribute, the Kafka record header, the EventBridge `detail` key (and, lower-cased, the S3 metadata key) we carry the header in. */
export const TRACE_ATTRIBUTE = 'X-Amzn-Trace-Id';

/** A Kafka record's name in a partial-batch response: its `<topic>-<partition>` key and offset. */
export interface KafkaItemIdentifier {
  partition: string;
  offset: number;
}

/** A Kafka record's partial-batch identifier (Kafka event source mappings with `ReportBatchItemFailures`). */
export const kafkaItemIdentifier = (record: any): KafkaItemIdentifier => ({ partition: `${record.topic}-${record.partition}`, offset: Number(record.offset) });

/** How a partial-batch response names a record: a string (SQS, streams), or Kafka's `{ partition, offset }`. */
export type ItemIdentifier = string | KafkaItemIdentifier;

/** A Lambda event seen as records: the batch, where each record's header is, its batch item id. */
export interface EventShape {
  eventSource: string;
  records: unknown[];
  /** For sources with partial-batch responses (SQS, Kinesis, DynamoDB streams; Kafka: `kafkaItemIdentifier`). */
  itemIdentifier?: (record: any) => ItemIdentifier;
  /** The built-in places a record's header may be, best first. */
  headers: (record: any) => Array<string | undefined>;
  /** A FIFO queue: a failed record fails every later one (of the batch, or of its message group). */
  fifo?: boolean;
  /** A record's FIFO message group. */
  groupOf?: (record: any) => string | undefined;
  /** The same event holding only `kept` (some of `records`, in order), for the handler. */
  subset: (kept: unknown[]) => unknown;
  /** One line: what to configure when a record of this source came without a header. */
  missingHint?: string;
}

function headerIn(headers: Record<string, unknown> | undefined): string | undefined {
  if (headers === undefined || headers === null) return undefined;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'x-amzn-trace-id') continue;
    // ALB multi-value headers: the last hop's value.
    return Array.isArray(value) ? value[value.length - 1] : (value as string);
  }
  return undefined;
}

/** `text` parsed as a JSON object, only when it looks like one holding `marker` (a key, quoted); else undefined. */
function envelopeJson(text: unknown, marker: string): any {
  if (typeof text !== 'string' || !text.includes(marker)) return undefined;
  let start = 0;
  while (start < text.length && ' \t\r\n'.includes(text[start])) start++;
  if (text[start] !== '{') return undefined;
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An SNS notification as SNS delivers it to SQS with standard (non-raw) delivery. */
export function snsEnvelopeOf(body: unknown): { MessageAttributes?: Record<string, { Type?: string; Value?: string }>; Message?: string } | undefined {
  const notification = envelopeJson(body, '"TopicArn"');
  return notification?.Type === 'Notification' && typeof notification.Message === 'string' ? notification : undefined;
}

/** An EventBridge event delivered as a message body (EventBridge → SQS, EventBridge → SNS). */
export function eventBridgeEnvelopeOf(body: unknown): { detail?: unknown } | undefined {
  const event = envelopeJson(body, '"detail-type"');
  return typeof event?.source === 'string' && 'detail-type' in event ? event : undefined;
}

/** The header an EventBridge event carries in its `detail` (written by `eventBridgeDetailCarrier`). */
export function detailHeaderOf(event: { detail?: any } | undefined, key: string = TRACE_ATTRIBUTE): string | undefined {
  const value = event?.detail?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** The X-Amzn-Trace-Id attribute of an SNS message (Lambda's SNS records and SNS's JSON both spell it `Value`). */
const snsAttribute = (attributes: Record<string, { Value?: string }> | undefined): string | undefined => attributes?.[TRACE_ATTRIBUTE]?.Value;

/** The places an SNS message's own text may carry the header: an EventBridge event in it. */
const inSnsMessage = (message: unknown): string | undefined => detailHeaderOf(eventBridgeEnvelopeOf(message));

/** An S3 object an S3 event notification names: in the record itself, an SQS body, an SNS message, or SNS inside SQS. */
export interface S3ObjectRef {
  bucket: string;
  key: string;
}

/** The objects the S3 event notification in `record` names (direct, in an SNS message, in an SQS body, or SNS in SQS). */
export function s3ObjectsOf(record: any): S3ObjectRef[] {
  if (record?.s3?.bucket?.name !== undefined) {
    // Keys in S3 events are URL-encoded, with `+` for a space.
    return [{ bucket: record.s3.bucket.name, key: decodeURIComponent(String(record.s3.object.key).replace(/\+/g, ' ')) }];
  }
  const text = record?.Sns?.Message ?? snsEnvelopeOf(record?.body)?.Message ?? record?.body;
  const notification = envelopeJson(text, '"s3"');
  return Array.isArray(notification?.Records) ? notification.Records.flatMap(s3ObjectsOf) : [];
}

/** Kafka record headers (`[{ key: [byte, ...] }]`): the last `X-Amzn-Trace-Id`, in any casing. */
export function kafkaHeaderOf(record: any): string | undefined {
  const headers: unknown = record?.headers;
  if (!Array.isArray(headers)) return undefined;
  let found: string | undefined;
  for (const header of headers) {
    if (typeof header !== 'object' || header === null) continue;
    for (const [name, bytes] of Object.entries(header)) {
      if (name.toLowerCase() !== 'x-amzn-trace-id' || !Array.isArray(bytes)) continue;
      // Java producers' bytes may arrive signed (-128..127): the same octet either way.
      found = Buffer.from(bytes.map((byte) => Number(byte) & 0xff)).toString('utf8');
    }
  }
  return found;
}

const none = (): undefined[] => [];
const S3_HINT = "s3MetadataCarrier(...) (S3 notifications carry no metadata: the guard reads the object's with a HeadObject)";

export function shapeOf(event: any): EventShape {
  const records: unknown[] | undefined = Array.isArray(event?.Records) ? event.Records : undefined;
  const first = records?.[0] as any;
  const eventSource: string | undefined = first?.eventSource ?? first?.EventSource;
  const withRecords = (kept: unknown[]) => ({ ...event, Records: kept });
  if (records !== undefined && eventSource !== undefined) {
    switch (eventSource) {
      case 'aws:sqs':
        return {
          eventSource,
          records,
          itemIdentifier: (record) => record.messageId,
          fifo: typeof first.eventSourceARN === 'string' && first.eventSourceARN.endsWith('.fifo'),
          groupOf: (record) => record.attributes?.MessageGroupId,
          headers: (record) => {
            const sns = snsEnvelopeOf(record.body);
            return [
              record.attributes?.AWSTraceHeader,
              record.messageAttributes?.[TRACE_ATTRIBUTE]?.stringValue,
              sns === undefined ? detailHeaderOf(eventBridgeEnvelopeOf(record.body)) : (snsAttribute(sns.MessageAttributes) ?? inSnsMessage(sns.Message)),
            ];
          },
          subset: withRecords,
          missingHint: `send with lineagePlugin on the SDK client (SQS, SNS, EventBridge with eventBridgeDetailCarrier()); for S3 notifications configure carriers['aws:sqs'] = ${S3_HINT}`,
        };
      case 'aws:sns':
        return {
          eventSource,
          records,
          headers: (record) => [snsAttribute(record.Sns?.MessageAttributes), inSnsMessage(record.Sns?.Message)],
          subset: withRecords,
          missingHint: `publish with lineagePlugin on the SNS client; for S3 notifications configure carriers['aws:sns'] = ${S3_HINT}`,
        };
      case 'aws:s3':
        return { eventSource, records, headers: none, subset: withRecords, missingHint: `configure carriers['aws:s3'] = ${S3_HINT}` };
      case 'aws:kinesis':
        return {
          eventSource,
          records,
          itemIdentifier: (record) => record.kinesis.sequenceNumber,
          headers: none,
          subset: withRecords,
          missingHint: "configure carriers['aws:kinesis'] = kinesisEnvelopeCarrier(), and the producer's lineagePlugin with it for 'Kinesis.PutRecord' and 'Kinesis.PutRecords'",
        };
      case 'aws:dynamodb':
        return {
          eventSource,
          records,
          itemIdentifier: (record) => record.dynamodb.SequenceNumber,
          headers: none,
          subset: withRecords,
          missingHint: "configure carriers['aws:dynamodb'] = dynamoDBAttributeCarrier(...), and the writer's lineagePlugin with it for 'DynamoDB.PutItem'",
        };
      default:
        return { eventSource, records, headers: none, subset: withRecords, missingHint: `no built-in place for the header: configure carriers['${eventSource}']` };
    }
  }
  if ((event?.eventSource === 'aws:kafka' || event?.eventSource === 'SelfManagedKafka') && typeof event.records === 'object' && event.records !== null) {
    return kafkaShape(event);
  }
  if (typeof event?.source === 'string' && 'detail-type' in event) {
    return {
      eventSource: 'aws:events',
      records: [event],
      headers: (entry) => [detailHeaderOf(entry)],
      subset: (kept) => kept[0],
      missingHint: "put events with lineagePlugin({ carriers: { 'EventBridge.PutEvents': eventBridgeDetailCarrier() } }) (the TraceHeader Lambda receives is not known to keep our field)",
    };
  }
  if (event?.requestContext !== undefined && (event.headers !== undefined || event.multiValueHeaders !== undefined)) {
    return {
      eventSource: 'http',
      records: [event],
      headers: (request) => [headerIn(request.multiValueHeaders) ?? headerIn(request.headers)],
      subset: (kept) => kept[0],
      missingHint: 'the caller sent no X-Amzn-Trace-Id header: call through an SDK client with lineagePlugin, or an HTTP client instrumented with LineageXRayPropagator',
    };
  }
  return {
    eventSource: 'invoke',
    records: [event],
    headers: none,
    subset: (kept) => kept[0],
    missingHint: 'invoke through a Lambda client with lineagePlugin (the Lambda service then gives this invocation the chain header)',
  };
}

/**
 * MSK (`aws:kafka`) and self-managed Kafka (`SelfManagedKafka`): `records` is an object of
 * `<topic>-<partition>` → records, flattened in that order. Partial-batch responses name a
 * record by that key and its offset: `kafkaItemIdentifier`.
 */
function kafkaShape(event: any): EventShape {
  const groups = Object.entries<unknown>(event.records).filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]));
  return {
    eventSource: event.eventSource,
    records: groups.flatMap(([, group]) => group),
    itemIdentifier: kafkaItemIdentifier,
    headers: (record) => [kafkaHeaderOf(record)],
    subset: (kept) => {
      const keep = new Set(kept);
      const records: Record<string, unknown[]> = {};
      for (const [key, group] of groups) {
        const left = group.filter((record) => keep.has(record));
        if (left.length > 0) records[key] = left;
      }
      return { ...event, records };
    },
    missingHint: "produce with withKafkaLineage(producer) from 'trace-lineage/aws' so each message carries an X-Amzn-Trace-Id header",
  };
}

/**
 * Who can write a source's header: `public` where a client outside the account can (API Gateway
 * v1/v2, function URLs, ALB: they forward a client's `X-Amzn-Trace-Id`), so an incoming loop
 * field is not trusted by default; `internal` where only the account's own principals can
 * (queues, topics, streams, Kafka, EventBridge, direct invoke).
 */
export function originOf(eventSource: string): 'public' | 'internal' {
  return eventSource === 'http' ? 'public' : 'internal';
}
