/**
 * Trust boundaries (issue 11): a count forged by a client of a public endpoint never blocks a
 * request by default, a signed loop field still stops a loop through one, and a forged or
 * tampered signed field is never trusted. Real event shapes (API Gateway v1, v2, ALB).
 */
import { describe, expect, it } from 'vitest';
import { LoopGuard, parse, resourceHash } from '../ts/index.js';
import { RecursiveLoopError, currentChain, withLoopGuard, type LambdaGuardOptions } from '../ts/integrations/lambda.js';
import { FUNCTION_ARN, albEvent, apiGatewayV1Event, apiGatewayV2Event, context, sqsEvent, sqsRecord } from './lambda-events.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const OUR_HASH = resourceHash(FUNCTION_ARN);
const FORGED = `${HEADER};LoopGuard=${OUR_HASH}:400`;
const KEY = '000102030405060708090a0b0c0d0e0f';
const OLD_KEY = 'f0e0d0c0b0a090807060504030201000';
const PUBLIC = { 'API Gateway v1': apiGatewayV1Event, 'API Gateway v2 / function URL': apiGatewayV2Event, ALB: albEvent };

/** The guard's handler: the chain it runs in, and the EMF lines it wrote. */
function endpoint(options: LambdaGuardOptions = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const handler = withLoopGuard(async () => currentChain(), { writeMetric: (line) => void lines.push(JSON.parse(line)), ...options });
  return { handler, lines };
}

describe(`trust boundaries (${backend.name})`, () => {
  for (const [name, event] of Object.entries(PUBLIC)) {
    it(`${name}: a client-forged count does not block the request; it counts from this hop, reported`, async () => {
      const { handler, lines } = endpoint();
      const chain = await handler(event(FORGED), context);
      expect(chain).toMatchObject({ count: 1, loop: false, trust: 'untrusted' });
      expect(parse(chain!.traceHeader).loop?.entries).toEqual([{ hash: OUR_HASH, count: 1 }]);
      expect(lines).toEqual([expect.objectContaining({ Resource: FUNCTION_ARN, UntrustedLoopCount: 1, ClaimedCount: 400, Trust: 'untrusted', EventSource: 'http' })]);
    });
  }

  it('a forged count below the threshold is ignored without a metric (it would not have mattered)', async () => {
    const { handler, lines } = endpoint();
    expect(await handler(apiGatewayV2Event(`${HEADER};LoopGuard=${OUR_HASH}:3`), context)).toMatchObject({ count: 1, trust: 'untrusted' });
    expect(lines).toEqual([]);
  });

  it('internal sources keep trusting the field (SQS: a count of 400 is a loop)', async () => {
    const { handler } = endpoint({ policy: 'throw' });
    await expect(handler(sqsEvent(sqsRecord('m', FORGED)), context)).rejects.toBeInstanceOf(RecursiveLoopError);
  });

  it('per event source: `trust` marks a public source trusted, or an internal one untrusted', async () => {
    await expect(endpoint({ trust: { http: 'trusted' } }).handler(apiGatewayV1Event(FORGED), context)).rejects.toMatchObject({ count: 401 });
    expect(await endpoint({ trust: { 'aws:sqs': 'untrusted' } }).handler(sqsEvent(sqsRecord('m', FORGED)), context)).toMatchObject({ count: 1, trust: 'untrusted' });
  });

  it('with a key: a loop through an HTTP endpoint (a function calling its own API) is stopped at the threshold', async () => {
    const { handler } = endpoint({ keys: [KEY] });
    let header = HEADER;
    for (let hop = 1; hop <= 16; hop++) {
      const chain = await handler(apiGatewayV2Event(header), context);
      expect(chain).toMatchObject({ count: hop, trust: hop === 1 ? 'absent' : 'verified' });
      header = chain!.traceHeader; // what its HTTP call to its own endpoint sends on
    }
    await expect(handler(apiGatewayV2Event(header), context)).rejects.toMatchObject({ name: 'RecursiveLoopError', count: 17 });
  });

  it('with a key: a forged or tampered signed field is not trusted; key rotation verifies the old key and signs with the new', async () => {
    const signer = new LoopGuard(FUNCTION_ARN, { keys: [KEY] });
    let signed = HEADER;
    for (let i = 0; i < 3; i++) signed = signer.enter(signed).header;
    const tampered = signed.replace(`${OUR_HASH}:3`, `${OUR_HASH}:400`);
    expect(tampered).not.toBe(signed);
    const { handler, lines } = endpoint({ keys: [KEY] });
    expect(await handler(apiGatewayV1Event(tampered), context)).toMatchObject({ count: 1, trust: 'bad_signature' });
    expect(lines).toEqual([expect.objectContaining({ UntrustedLoopCount: 1, ClaimedCount: 400, Trust: 'bad_signature' })]);
    // Another chain's tag (another Root) moved onto this one: not trusted.
    const otherRoot = signed.replace('bd862e3fe1be46a994272793', '000000000000000000000001');
    expect(await handler(albEvent(otherRoot), context)).toMatchObject({ count: 1, trust: 'bad_signature' });
    // Unsigned at a public endpoint: untrusted; the genuine one: verified.
    expect(await handler(apiGatewayV1Event(FORGED), context)).toMatchObject({ count: 1, trust: 'untrusted' });
    expect(await handler(apiGatewayV1Event(signed), context)).toMatchObject({ count: 4, trust: 'verified' });
    // Rotation: a header signed with the old key verifies where [new, old] are configured, and leaves signed with the new.
    const oldSigned = new LoopGuard(FUNCTION_ARN, { keys: [OLD_KEY] }).enter(HEADER).header;
    const rotated = endpoint({ keys: [KEY, OLD_KEY] });
    const chain = await rotated.handler(apiGatewayV2Event(oldSigned), context);
    expect(chain).toMatchObject({ count: 2, trust: 'verified' });
    expect(new LoopGuard(FUNCTION_ARN, { keys: [KEY] }).enter(chain!.traceHeader, { trusted: false })).toMatchObject({ count: 3, trust: 'verified' });
  });

  it('TRACE_LINEAGE_KEYS: the keys from the environment (comma-separated, the first signs)', async () => {
    process.env.TRACE_LINEAGE_KEYS = `${KEY}, ${OLD_KEY}`;
    try {
      const oldSigned = new LoopGuard(FUNCTION_ARN, { keys: [OLD_KEY] }).enter(HEADER).header;
      expect(await endpoint().handler(apiGatewayV2Event(oldSigned), context)).toMatchObject({ count: 2, trust: 'verified' });
    } finally {
      delete process.env.TRACE_LINEAGE_KEYS;
    }
  });
});
