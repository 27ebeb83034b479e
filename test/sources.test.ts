/**
 * The event-source table (ts/integrations/sources.ts): envelopes in SQS bodies and SNS messages,
 * Kafka records, the hint for a record without a header; and, through `withLoopGuard` as it is,
 * that each path is counted with no carrier configured.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resourceHash } from '../ts/index.js';
import { s3MetadataCarrier } from '../ts/integrations/carriers.js';
import { currentTraceHeader, withLoopGuard } from '../ts/integrations/lambda.js';
import { kafkaHeaderOf, kafkaItemIdentifier, s3ObjectsOf, shapeOf } from '../ts/integrations/sources.js';
import {
  FUNCTION_ARN,
  albEvent,
  context,
  dynamoDBEvent,
  eventBridgeEventWithDetail,
  eventBridgeToSqsRecord,
  kafkaEvent,
  kafkaHeaderBytes,
  kafkaRecord,
  kinesisEvent,
  s3Event,
  s3ToSqsRecord,
  s3ViaSnsToSqsRecord,
  snsEvent,
  snsToSqsRecord,
  sqsEvent,
  sqsRecord,
} from './lambda-events.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:2';
const OURS = `LoopGuard=${resourceHash(FUNCTION_ARN)}`;
const at = (count: number) => `${HEADER};${OURS}:${count}`;
/** The guard as it is, returning the chain it forwards: the count tells whether the header was read. */
const chain = withLoopGuard(async () => currentTraceHeader(), { writeMetric: false, policy: 'report' });
const firstHeader = (event: unknown) => {
  const shape = shapeOf(event);
  return shape.headers(shape.records[0]).find((header) => header !== undefined);
};

describe(`event sources (${backend.name})`, () => {
  describe('envelopes in SQS bodies, read by default', () => {
    it('SNS → SQS standard delivery: the notification’s X-Amzn-Trace-Id attribute, counted at the hop', async () => {
      expect(firstHeader(sqsEvent(snsToSqsRecord('m1', at(4))))).toBe(at(4));
      expect(await chain(sqsEvent(snsToSqsRecord('m1', at(4))), context)).toBe(at(5));
    });

    it('raw delivery: the SQS message attribute (as before)', async () => {
      expect(await chain(sqsEvent(sqsRecord('m1', undefined, at(7))), context)).toBe(at(8));
    });

    it('AWSTraceHeader without our field and an envelope with it: the one with our field is counted', async () => {
      const record = { ...snsToSqsRecord('m1', at(3)), attributes: { ...sqsRecord('m1').attributes, AWSTraceHeader: HEADER } };
      expect(await chain(sqsEvent(record), context)).toBe(at(4));
    });

    it('EventBridge → SQS: the header in the event’s detail; EventBridge → SNS → SQS too', async () => {
      expect(await chain(sqsEvent(eventBridgeToSqsRecord('m1', at(2))), context)).toBe(at(3));
      const viaSns = snsToSqsRecord('m2', undefined, JSON.stringify(eventBridgeEventWithDetail(at(9))));
      expect(await chain(sqsEvent(viaSns), context)).toBe(at(10));
      expect(await chain(snsEvent(undefined, JSON.stringify(eventBridgeEventWithDetail(at(5)))), context)).toBe(at(6));
    });

    it('EventBridge → Lambda: the header in detail', async () => {
      expect(await chain(eventBridgeEventWithDetail(at(11)), context)).toBe(at(12));
    });

    it('S3 → SQS and S3 → SNS → SQS: no header in the event, the object is named for s3MetadataCarrier', async () => {
      for (const record of [s3ToSqsRecord('m1', 'photos', 'cat+1.jpg'), s3ViaSnsToSqsRecord('m2', 'photos', 'cat+1.jpg')]) {
        expect(shapeOf(sqsEvent(record)).headers(record).filter(Boolean)).toEqual([]);
        expect(s3ObjectsOf(record)).toEqual([{ bucket: 'photos', key: 'cat 1.jpg' }]);
      }
      const metadata: Record<string, Record<string, string>> = { 'photos/cat 1.jpg': { 'x-amzn-trace-id': at(6) } };
      const carrier = s3MetadataCarrier(async (bucket, key) => metadata[`${bucket}/${key}`]);
      const guarded = withLoopGuard(async () => currentTraceHeader(), { writeMetric: false, carriers: { 'aws:sqs': carrier } });
      expect(await guarded(sqsEvent(s3ViaSnsToSqsRecord('m3', 'photos', 'cat+1.jpg')), context)).toBe(at(7));
      expect(s3ObjectsOf(s3Event('photos', 'a.jpg').Records[0])).toEqual([{ bucket: 'photos', key: 'a.jpg' }]);
    });

    it('bodies that are not envelopes: no header, never an error', () => {
      const bodies = ['', 'hello', '{', '{"TopicArn":', '[{"TopicArn":"x"}]', '{"Type":"Notification","TopicArn":"t","Message":5}', '"TopicArn"', ' {"detail-type":1}', 'null'];
      for (const body of bodies) {
        const record = { ...sqsRecord('m'), body };
        expect(shapeOf(sqsEvent(record)).headers(record).filter(Boolean)).toEqual([]);
        expect(s3ObjectsOf(record)).toEqual([]);
      }
    });

    it('property: any SNS envelope with the attribute gives it back; any body at all never throws', () => {
      const visible = fc.string({ minLength: 1, maxLength: 60, unit: fc.constantFrom(...'abcdefABCDEF0123456789=;:|-_ ') });
      fc.assert(
        fc.property(visible, fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }), fc.string(), (header, extra, message) => {
          const record = snsToSqsRecord('m', header, message);
          const body = JSON.parse(record.body);
          record.body = JSON.stringify({ ...extra, ...body, MessageAttributes: { ...body.MessageAttributes } });
          expect(shapeOf(sqsEvent(record)).headers(record)[2]).toBe(header);
        }),
      );
      fc.assert(
        fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
          const record = { ...sqsRecord('m'), body };
          shapeOf(sqsEvent(record)).headers(record);
          s3ObjectsOf(record);
        }),
      );
    });
  });

  describe('Kafka (MSK and self-managed)', () => {
    const records = () => [
      kafkaRecord('orders', 0, 15, [{ 'content-type': kafkaHeaderBytes('json') }, { 'x-amzn-trace-id': kafkaHeaderBytes(at(1)) }]),
      kafkaRecord('orders', 0, 16, [{ 'X-AMZN-TRACE-ID': kafkaHeaderBytes(at(16)) }]),
      kafkaRecord('orders', 1, 3, []),
    ];

    it('records flattened by topic-partition; the header in any casing; item ids are topic-partition + offset', () => {
      for (const eventSource of ['aws:kafka', 'SelfManagedKafka'] as const) {
        const shape = shapeOf(kafkaEvent(eventSource, records()));
        expect(shape.eventSource).toBe(eventSource);
        expect(shape.records.map((record: any) => record.offset)).toEqual([15, 16, 3]);
        expect(shape.records.map((record) => shape.headers(record)[0])).toEqual([at(1), at(16), undefined]);
        expect(shape.records.map(kafkaItemIdentifier)).toEqual([
          { partition: 'orders-0', offset: 15 },
          { partition: 'orders-0', offset: 16 },
          { partition: 'orders-1', offset: 3 },
        ]);
        expect(shape.missingHint).toContain('withKafkaLineage');
      }
    });

    it('subset keeps the event’s shape with only the kept records', () => {
      const event = kafkaEvent('aws:kafka', records());
      const shape = shapeOf(event);
      const kept = shapeOf(shape.subset([shape.records[0], shape.records[2]]));
      expect(kept.records).toEqual([shape.records[0], shape.records[2]]);
      expect(Object.keys((shape.subset([shape.records[1]]) as any).records)).toEqual(['orders-0']);
      expect((shape.subset([]) as any).bootstrapServers).toBe(event.bootstrapServers);
    });

    it('header bytes: the last trace header wins, signed bytes are octets, other shapes are nothing', () => {
      const signed = [...Buffer.from(at(2))].map((byte) => (byte > 127 ? byte - 256 : byte));
      expect(kafkaHeaderOf({ headers: [{ 'X-Amzn-Trace-Id': kafkaHeaderBytes(at(1)) }, { 'x-amzn-trace-id': signed }] })).toBe(at(2));
      for (const headers of [undefined, null, 'x', [null], [{ 'x-amzn-trace-id': 'not bytes' }]]) expect(kafkaHeaderOf({ headers })).toBeUndefined();
    });

    it('counted per record through the guard', async () => {
      const seen: string[] = [];
      const guarded = withLoopGuard(async () => void seen.push(currentTraceHeader()!), { writeMetric: false, policy: 'report' });
      await guarded(kafkaEvent('aws:kafka', [kafkaRecord('orders', 0, 1, [{ 'x-amzn-trace-id': kafkaHeaderBytes(at(4)) }])]) as any, context);
      expect(seen).toEqual([at(5)]);
    });
  });

  it('every shape says what to configure when a record came without a header', () => {
    const events: Array<[unknown, string]> = [
      [sqsEvent(sqsRecord('m')), "carriers['aws:sqs'] = s3MetadataCarrier"],
      [snsEvent(undefined), "carriers['aws:sns'] = s3MetadataCarrier"],
      [s3Event('b', 'k'), "carriers['aws:s3'] = s3MetadataCarrier"],
      [kinesisEvent(HEADER), "carriers['aws:kinesis'] = kinesisEnvelopeCarrier()"],
      [dynamoDBEvent(HEADER), "carriers['aws:dynamodb'] = dynamoDBAttributeCarrier"],
      [kafkaEvent('SelfManagedKafka', []), 'withKafkaLineage(producer)'],
      [eventBridgeEventWithDetail(undefined), 'eventBridgeDetailCarrier()'],
      [albEvent(HEADER), 'LineageXRayPropagator'],
      [{ any: 'payload' }, 'lineagePlugin'],
      [{ Records: [{ eventSource: 'aws:ses' }] }, "carriers['aws:ses']"],
    ];
    for (const [event, hint] of events) expect(shapeOf(event).missingHint).toContain(hint);
  });
});
