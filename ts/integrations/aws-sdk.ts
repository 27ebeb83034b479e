/**
 * The AWS SDK v3 plugin: `client.middlewareStack.use(lineagePlugin())`.
 *
 * It forwards the current chain; it never counts (the Lambda guard counts once, on entry). On each
 * request, the header that would have been sent without us (the request's own `X-Amzn-Trace-Id`,
 * else the Lambda service's header, as AWS's recursion-detection middleware reads it, else the
 * chain's header) gets our loop field set to the chain's value; every other byte stays, AWS's
 * `Lineage` included. Operations whose body carries the header get the same value there.
 */
import type { BuildMiddleware, HandlerExecutionContext, InitializeMiddleware, MiddlewareStack, Pluggable } from '@smithy/types';
import { DEFAULT_LOOP_KEY, type Options } from '../index.js';
import { OPERATION_CARRIERS, type Carrier } from './carriers.js';
import { currentTraceHeader, lambdaTraceHeader, loopFieldOf, mergeLoopField } from './context.js';

export {
  KINESIS_ENVELOPE_PREFIX,
  OPERATION_CARRIERS,
  SFN_TRACE_HEADER_MAX,
  TRACE_ATTRIBUTE,
  TRACE_METADATA_KEY,
  dynamoDBAttributeCarrier,
  eventBridgeDetailCarrier,
  kinesisEnvelopeCarrier,
  openKinesisEnvelope,
  s3MetadataCarrier,
  type Carrier,
} from './carriers.js';
export { withRecordLineage } from './context.js';
export { withKafkaLineage, kafkaHeadersWithLineage, type KafkaLineageOptions } from './kafka.js';

/** How a producer finds the chain to forward (the SDK plugin, the Kafka helper). */
export interface ChainOptions extends Options {
  /**
   * The current chain's header, overriding the Lambda guard's: a string, or a function called per
   * request (return `undefined` to fall back to the guard's context).
   */
  traceHeader?: string | (() => string | undefined);
}

export interface LineagePluginOptions extends ChainOptions {
  /** Carriers of more operations by `Service.Operation` (e.g. `DynamoDB.PutItem`); they override the built-in ones. */
  carriers?: Record<string, Carrier>;
}

/** Name of AWS's middleware that copies the Lambda header into requests (`@aws-sdk/core`). */
const RECURSION_DETECTION = 'recursionDetectionMiddleware';
const TRACE_HEADER = 'x-amzn-trace-id';

/** `SQSClient` + `SendMessageCommand` → `SQS.SendMessage`. */
function operationKey(context: HandlerExecutionContext): string {
  return `${String(context.clientName).replace(/Client$/, '')}.${String(context.commandName).replace(/Command$/, '')}`;
}

/** Maps what a slot holds to what it should hold. */
export type Outgoing = (existing: string | undefined) => string;

/**
 * The producers' one rule: a function from what a slot holds to what it should hold (the slot's
 * own header, else the Lambda service's, else the chain's, with our loop field set to the
 * chain's); `undefined` when no guard counted a chain, so there is nothing of ours to forward.
 * Returns a fresh function per call: call it per request.
 */
export function chainOutgoing(options: ChainOptions = {}): () => Promise<Outgoing | undefined> {
  const explicit = options.traceHeader;
  const parseOptions: Options = { maxLength: options.maxLength, maxFields: options.maxFields, loopKey: options.loopKey ?? DEFAULT_LOOP_KEY, backend: options.backend };
  return async () => {
    const lambdaHeader = await lambdaTraceHeader();
    const chainHeader = (typeof explicit === 'function' ? explicit() : explicit) ?? currentTraceHeader() ?? lambdaHeader;
    if (chainHeader === undefined) return undefined;
    const loopValue = loopFieldOf(chainHeader, parseOptions);
    if (loopValue === undefined) return undefined;
    return (existing) => mergeLoopField(existing ?? lambdaHeader ?? chainHeader, loopValue, parseOptions);
  };
}

export function lineagePlugin(options: LineagePluginOptions = {}): Pluggable<any, any> {
  const carriers = { ...OPERATION_CARRIERS, ...options.carriers };
  const outgoing = chainOutgoing(options);

  const carrierMiddleware: InitializeMiddleware<any, any> = (next, context) => async (args) => {
    const carrier = carriers[operationKey(context)];
    if (carrier?.write === undefined) return next(args);
    const forward = await outgoing();
    return next(forward === undefined ? args : { ...args, input: carrier.write(args.input, forward) });
  };

  const headerMiddleware: BuildMiddleware<any, any> = (next) => async (args) => {
    const request = args.request as { headers?: Record<string, string> } | undefined;
    if (typeof request?.headers !== 'object' || request.headers === null) return next(args);
    const forward = await outgoing();
    if (forward !== undefined) {
      // Header names are case-insensitive: update the copy that is there, never add a second one.
      const name = Object.keys(request.headers).find((key) => key.toLowerCase() === TRACE_HEADER) ?? 'X-Amzn-Trace-Id';
      request.headers[name] = forward(request.headers[name]);
    }
    return next(args);
  };

  return {
    applyToStack(stack: MiddlewareStack<any, any>) {
      stack.add(carrierMiddleware, { step: 'initialize', name: 'traceLineageCarrierMiddleware', override: true });
      // Right after AWS's detector, which sets the Lambda header only when none is there: it
      // decides what AWS forwards, we only add our field to the result, so they cannot fight.
      const options = { name: 'traceLineageHeaderMiddleware', override: true, tags: ['TRACE_CONTEXT_PROPAGATION'] };
      if (stack.identify().some((entry) => entry.startsWith(RECURSION_DETECTION))) {
        stack.addRelativeTo(headerMiddleware, { ...options, relation: 'after', toMiddleware: RECURSION_DETECTION });
      } else {
        stack.add(headerMiddleware, { ...options, step: 'build', priority: 'low' });
      }
    },
  };
}
