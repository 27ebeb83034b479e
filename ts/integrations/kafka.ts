/**
 * The Kafka producer side (kafkajs, an optional peer, not imported): each outgoing
 * message gets the current chain in its `X-Amzn-Trace-Id` record header, merged as the SDK plugin
 * merges (the message's own header, in any casing, else the Lambda service's, else the chain's,
 * with our loop field set to the chain's). The Lambda guard reads that header from MSK and
 * self-managed Kafka events.
 */
import { chainOutgoing, type ChainOptions, type Outgoing } from './aws-sdk.js';
import { TRACE_ATTRIBUTE } from './sources.js';

export type KafkaLineageOptions = ChainOptions;

/** kafkajs's message headers (`IHeaders`), spelled out so that the types need no kafkajs. */
export interface KafkaHeaders {
  [key: string]: Buffer | string | Array<Buffer | string> | undefined;
}

interface KafkaMessage {
  headers?: KafkaHeaders;
}

/** The part of a kafkajs `Producer` (or `Transaction`) the helper wraps. */
interface KafkaSender {
  send(record: { messages: KafkaMessage[] }): Promise<unknown>;
  sendBatch(batch: { topicMessages?: Array<{ messages: KafkaMessage[] }> }): Promise<unknown>;
}

const headerText = (value: KafkaHeaders[string]): string | undefined => {
  // Several values under one key: the last one is the latest hop's.
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  return last === undefined ? undefined : Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
};

/**
 * `headers` with the trace header set to `forward(the header they hold)`: the key already there
 * (in any casing) is updated, never a second one added; every other header stays.
 */
export function kafkaHeadersWithLineage(headers: KafkaHeaders | undefined, forward: Outgoing): KafkaHeaders {
  const name = Object.keys(headers ?? {}).find((key) => key.toLowerCase() === 'x-amzn-trace-id') ?? TRACE_ATTRIBUTE;
  return { ...headers, [name]: forward(headerText(headers?.[name])) };
}

const withHeaders = <M extends KafkaMessage>(messages: M[], forward: Outgoing): M[] =>
  messages.map((message) => ({ ...message, headers: kafkaHeadersWithLineage(message.headers, forward) }));

/**
 * `producer` (a kafkajs `Producer` or `Transaction`) whose `send` and `sendBatch` write the
 * current chain into every message's headers; nothing else of it changes. Without a chain
 * counted by a guard, messages go out as they are.
 */
export function withKafkaLineage<P extends KafkaSender>(producer: P, options: KafkaLineageOptions = {}): P {
  const outgoing = chainOutgoing(options);
  const wrapped = Object.create(producer) as P;
  wrapped.send = async (record) => {
    const forward = await outgoing();
    return producer.send(forward === undefined ? record : { ...record, messages: withHeaders(record.messages, forward) });
  };
  wrapped.sendBatch = async (batch) => {
    const forward = await outgoing();
    if (forward === undefined) return producer.sendBatch(batch);
    const topicMessages = batch.topicMessages?.map((topic) => ({ ...topic, messages: withHeaders(topic.messages, forward) }));
    return producer.sendBatch({ ...batch, topicMessages });
  };
  return wrapped;
}
