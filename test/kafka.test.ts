/**
 * The kafkajs producer side, through kafkajs's own wire encoding (no broker): the wrapped
 * producer's messages are encoded as a real Produce request (v3, record batch v2 with headers) by
 * kafkajs's encoder, the record batch is decoded back by kafkajs's decoder, the decoded headers
 * become a Lambda MSK event, and the guard counts it. Not tested here: a broker, a consumer, and
 * how MSK's event source mapping turns the stored headers into the event (we build that event the
 * way AWS documents it).
 */
import { createRequire } from 'node:module';
import { Kafka, type Message, type Producer, type ProducerBatch, type ProducerRecord, type RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { resourceHash } from '../ts/index.js';
import { kafkaHeadersWithLineage, withKafkaLineage } from '../ts/integrations/aws-sdk.js';
import { currentTraceHeader, withLoopGuard } from '../ts/integrations/lambda.js';
import { FUNCTION_ARN, context, kafkaEvent, kafkaHeaderBytes, kafkaRecord } from './lambda-events.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const require = createRequire(import.meta.url);
// kafkajs's own protocol code, as its producer uses it to build the bytes it sends.
const produceRequest = require('kafkajs/src/protocol/requests/produce/v3/request');
const Decoder = require('kafkajs/src/protocol/decoder');
const decodeRecordBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder');

const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:2';
const OURS = `LoopGuard=${resourceHash(FUNCTION_ARN)}`;
const at = (count: number) => `${HEADER};${OURS}:${count}`;

interface DecodedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

/** kafkajs encodes a Produce request for `messages`; the record batch is decoded back by kafkajs. */
async function overTheWire(topic: string, messages: Message[]): Promise<DecodedRecord[]> {
  const request = produceRequest({ acks: -1, timeout: 1000, topicData: [{ topic, partitions: [{ partition: 0, messages }] }] });
  const wire = new Decoder((await request.encode()).buffer);
  expect([wire.readString(), wire.readInt16(), wire.readInt32()]).toEqual([null, -1, 1000]); // transactional id, acks, timeout
  expect([wire.readInt32(), wire.readString(), wire.readInt32(), wire.readInt32()]).toEqual([1, topic, 1, 0]); // one topic, one partition
  const size = wire.readInt32();
  const batch = await decodeRecordBatch(wire.slice(size));
  return batch.records;
}

/** The decoded record as Lambda's MSK event has it: each header `{ key: [byte, ...] }`. */
const asLambdaRecord = (topic: string, record: DecodedRecord) =>
  kafkaRecord(
    topic,
    0,
    Number(record.offset),
    Object.entries(record.headers).flatMap(([key, values]) => (Array.isArray(values) ? values : [values]).map((value) => ({ [key]: [...value] }))),
  );

/** A kafkajs sender that only records what it was asked to send (the part the helper wraps). */
function recordingProducer() {
  const sent: ProducerRecord[] = [];
  const batches: ProducerBatch[] = [];
  const metadata: RecordMetadata[] = [{ topicName: 't', partition: 0, errorCode: 0 }];
  return {
    sent,
    batches,
    producer: {
      isIdempotent: () => false,
      send: async (record: ProducerRecord) => (sent.push(record), metadata),
      sendBatch: async (batch: ProducerBatch) => (batches.push(batch), metadata),
    },
  };
}

describe(`kafkajs producer helper (${backend.name})`, () => {
  it('a guarded handler producing to Kafka: the chain goes out in the record headers and is counted at the next hop', async () => {
    const { producer, sent } = recordingProducer();
    const kafka = withKafkaLineage(producer);
    const handler = withLoopGuard(
      async () => {
        await kafka.send({ topic: 'orders', messages: [{ key: 'k', value: 'v', headers: { 'content-type': 'json' } }, { value: 'w' }] });
      },
      { writeMetric: false },
    );
    await handler(kafkaEvent('aws:kafka', [kafkaRecord('orders', 0, 1, [{ 'X-Amzn-Trace-Id': kafkaHeaderBytes(at(3)) }])]) as any, context);
    expect(sent[0].messages.map((message) => message.headers)).toEqual([{ 'content-type': 'json', 'X-Amzn-Trace-Id': at(4) }, { 'X-Amzn-Trace-Id': at(4) }]);
    expect(kafka.isIdempotent()).toBe(false); // the rest of the producer is the producer's

    const decoded = await overTheWire('orders', sent[0].messages);
    expect(decoded.map((record) => [record.key?.toString(), record.value?.toString(), record.headers['X-Amzn-Trace-Id'].toString()])).toEqual([
      ['k', 'v', at(4)],
      [undefined, 'w', at(4)],
    ]);
    expect(decoded[0].headers['content-type'].toString()).toBe('json');

    const next = withLoopGuard(async () => currentTraceHeader(), { writeMetric: false });
    const event = kafkaEvent('SelfManagedKafka', decoded.map((record) => asLambdaRecord('orders', record)));
    expect(await next(event as any, context)).toBe(at(5));
  });

  it('sendBatch: every topic’s messages; a header in another casing is updated, not doubled', async () => {
    const { producer, batches } = recordingProducer();
    const kafka = withKafkaLineage(producer, { traceHeader: at(7) });
    const own = 'Root=1-67891233-abcdef012345678912345678;Sampled=0;Team=blue';
    await kafka.sendBatch({
      topicMessages: [
        { topic: 'a', messages: [{ value: '1', headers: { 'x-amzn-trace-id': Buffer.from(own) } }] },
        { topic: 'b', messages: [{ value: '2' }] },
      ],
    });
    const [a, b] = batches[0].topicMessages!;
    expect(a.messages[0].headers).toEqual({ 'x-amzn-trace-id': `${own};${OURS}:7` });
    expect(b.messages[0].headers).toEqual({ 'X-Amzn-Trace-Id': at(7) });
    const decoded = await overTheWire('a', a.messages);
    expect(Object.keys(decoded[0].headers)).toEqual(['x-amzn-trace-id']);
  });

  it('without a chain counted by a guard, messages go out untouched', async () => {
    const { producer, sent } = recordingProducer();
    const messages = [{ value: 'v', headers: { k: 'x' } }];
    await withKafkaLineage(producer).send({ topic: 't', messages });
    expect(sent[0].messages).toBe(messages);
  });

  it('kafkaHeadersWithLineage: several values under the key, the last is merged', () => {
    const headers = { 'X-Amzn-Trace-Id': ['Root=1-00000000-000000000000000000000000', at(2)] };
    expect(kafkaHeadersWithLineage(headers, (existing) => `${existing}!`)).toEqual({ 'X-Amzn-Trace-Id': `${at(2)}!` });
  });

  it('wraps a real kafkajs Producer (types and object; it is never connected here)', () => {
    const real = new Kafka({ clientId: 'trace-lineage-test', brokers: ['127.0.0.1:9'], logCreator: () => () => {} }).producer();
    const wrapped: Producer = withKafkaLineage(real);
    expect(wrapped.isIdempotent()).toBe(false);
    expect(wrapped.send).not.toBe(real.send);
    expect(wrapped.events).toBe(real.events);
  });
});
