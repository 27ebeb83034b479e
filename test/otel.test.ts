import { ROOT_CONTEXT, TraceFlags, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { describe, expect, it } from 'vitest';
import { LineageXRayPropagator } from '../ts/integrations/otel.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const INCOMING = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:2;LoopGuard=a87bd80c:3;Team=blue';

/** Extract from `incoming`, start a child span (a new span id), inject: the outgoing header. */
function hop(propagator: { extract: any; inject: any }, incoming: string, child = true): string | undefined {
  const extracted = propagator.extract(ROOT_CONTEXT, { 'X-Amzn-Trace-Id': incoming }, defaultTextMapGetter);
  const parent = trace.getSpanContext(extracted)!;
  const context = child ? trace.setSpanContext(extracted, { ...parent, spanId: 'aaaaaaaaaaaaaaaa', isRemote: false }) : extracted;
  const carrier: Record<string, string> = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier['x-amzn-trace-id'];
}

describe(`OpenTelemetry propagator (${backend.name})`, () => {
  it('the span context is the X-Ray propagator’s', () => {
    const extracted = new LineageXRayPropagator().extract(ROOT_CONTEXT, { 'x-amzn-trace-id': INCOMING }, defaultTextMapGetter);
    expect(trace.getSpanContext(extracted)).toEqual({ traceId: '5759e988bd862e3fe1be46a994272793', spanId: '53995c3f42cd8ad8', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(new LineageXRayPropagator().fields()).toEqual(['x-amzn-trace-id']);
  });

  it('keeps Lineage, our loop field and unknown fields from extract to inject; Parent is the new span', () => {
    const official = hop(new AWSXRayPropagator(), INCOMING);
    expect(official).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=aaaaaaaaaaaaaaaa;Sampled=1'); // what AWS's detector loses
    expect(hop(new LineageXRayPropagator(), INCOMING)).toBe(INCOMING.replace('53995c3f42cd8ad8', 'aaaaaaaaaaaaaaaa'));
    expect(hop(new LineageXRayPropagator(), INCOMING, false)).toBe(INCOMING);
  });

  it('spacing, field order and Self stay; only the span\'s fields change', () => {
    const alb = 'Self=1-67891234-12456789abcdef012345678; Root=1-5759e988-bd862e3fe1be46a994272793 ;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:1';
    expect(hop(new LineageXRayPropagator(), alb)).toBe(alb.replace('53995c3f42cd8ad8', 'aaaaaaaaaaaaaaaa'));
  });

  it('another trace, or a header it cannot take apart, gets the plain X-Ray header', () => {
    const propagator = new LineageXRayPropagator();
    const extracted = propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': INCOMING }, defaultTextMapGetter);
    const otherTrace = trace.setSpanContext(extracted, { traceId: '0123456789abcdef0123456789abcdef', spanId: 'bbbbbbbbbbbbbbbb', traceFlags: 0 });
    const carrier: Record<string, string> = {};
    propagator.inject(otherTrace, carrier, defaultTextMapSetter);
    expect(carrier).toEqual({ 'x-amzn-trace-id': 'Root=1-01234567-89abcdef0123456789abcdef;Parent=bbbbbbbbbbbbbbbb;Sampled=0' });

    const nonAscii = `${INCOMING};Note=caf\u00e9`;
    expect(hop(propagator, nonAscii)).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=aaaaaaaaaaaaaaaa;Sampled=1');
  });

  it('injects nothing without a valid span, like the X-Ray propagator', () => {
    const carrier: Record<string, string> = {};
    new LineageXRayPropagator().inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
    expect(carrier).toEqual({});
  });
});
