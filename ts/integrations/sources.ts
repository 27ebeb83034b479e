/**
 * The event sources the Lambda guard knows: how an event splits into records, where each
 * record's trace header is (best place first), and how a record is named in a partial-batch
 * response. One table, read by the guard (`lambda.ts`); the carriers of `carriers.ts` are read
 * before these places.
 */
import { TRACE_ATTRIBUTE } from './carriers.js';

/** A Lambda event seen as records: the batch, where each record's header is, its batch item id. */
export interface EventShape {
  eventSource: string;
  records: unknown[];
  /** For sources with partial-batch responses (SQS, Kinesis, DynamoDB streams). */
  itemIdentifier?: (record: any) => string;
  /** The built-in places a record's header may be, best first. */
  headers: (record: any) => Array<string | undefined>;
  /** A FIFO queue: a failed record fails every later one (of the batch, or of its message group). */
  fifo?: boolean;
  /** What to configure when a record of this source carries no header (the guard warns once per source). */
  missingHint?: string;
  /** A record's FIFO message group. */
  groupOf?: (record: any) => string | undefined;
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

const none = (): undefined[] => [];

export function shapeOf(event: any): EventShape {
  const records: unknown[] | undefined = Array.isArray(event?.Records) ? event.Records : undefined;
  const first = records?.[0] as any;
  const eventSource: string | undefined = first?.eventSource ?? first?.EventSource;
  if (records !== undefined && eventSource !== undefined) {
    switch (eventSource) {
      case 'aws:sqs':
        return {
          eventSource,
          records,
          itemIdentifier: (record) => record.messageId,
          fifo: typeof first.eventSourceARN === 'string' && first.eventSourceARN.endsWith('.fifo'),
          groupOf: (record) => record.attributes?.MessageGroupId,
          headers: (record) => [record.attributes?.AWSTraceHeader, record.messageAttributes?.[TRACE_ATTRIBUTE]?.stringValue],
        };
      case 'aws:sns':
        return { eventSource, records, headers: (record) => [record.Sns?.MessageAttributes?.[TRACE_ATTRIBUTE]?.Value] };
      case 'aws:kinesis':
        return {
          eventSource,
          records,
          itemIdentifier: (record) => record.kinesis.sequenceNumber,
          headers: none,
          missingHint: "Kinesis records have no attributes: configure carriers['aws:kinesis'] (a payload carrier)",
        };
      case 'aws:dynamodb':
        return {
          eventSource,
          records,
          itemIdentifier: (record) => record.dynamodb.SequenceNumber,
          headers: none,
          missingHint: "configure carriers['aws:dynamodb'] = dynamoDBAttributeCarrier() (and write it with the SDK plugin's 'DynamoDB.PutItem' carrier)",
        };
      default:
        return { eventSource, records, headers: none };
    }
  }
  if (typeof event?.source === 'string' && 'detail-type' in event) return { eventSource: 'aws:events', records: [event], headers: none };
  if (event?.requestContext !== undefined && (event.headers !== undefined || event.multiValueHeaders !== undefined)) {
    return { eventSource: 'http', records: [event], headers: (request) => [headerIn(request.multiValueHeaders) ?? headerIn(request.headers)] };
  }
  return { eventSource: 'invoke', records: [event], headers: none };
}

