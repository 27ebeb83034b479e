import { ROOT_CONTEXT, TraceFlags, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../ts/index.js';
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

  describe('with a real tracer provider (sdk-trace-base): extract, start a span, inject', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('trace-lineage-test');

    /** What a service instrumented with OpenTelemetry forwards: the outgoing header and its span. */
    function serve(incoming: string, propagator = new LineageXRayPropagator(), tracerOf = tracer) {
      const extracted = propagator.extract(ROOT_CONTEXT, { 'X-Amzn-Trace-Id': incoming }, defaultTextMapGetter);
      const span = tracerOf.startSpan('handle', {}, extracted);
      const carrier: Record<string, string> = {};
      propagator.inject(trace.setSpan(extracted, span), carrier, defaultTextMapSetter);
      span.end();
      return { outgoing: carrier['x-amzn-trace-id'], span: span.spanContext() };
    }

    const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793';
    const REST = 'Lineage=1:fe460cdd:2;LoopGuard=a87bd80c:3;Self=1-67891234-12456789abcdef012345678;Team=blue';

    it('a header the X-Ray propagator takes: the span is its child, only Parent changes', () => {
      const { outgoing, span } = serve(`${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;${REST}`);
      expect(span.traceId).toBe('5759e988bd862e3fe1be46a994272793');
      expect(outgoing).toBe(`${ROOT};Parent=${span.spanId};Sampled=1;${REST}`);
    });

    it.each([
      ['Sampled=? (X-Ray extracts nothing)', `${ROOT};Parent=53995c3f42cd8ad8;Sampled=?;${REST}`, undefined],
      ['no Sampled (X-Ray extracts nothing)', `${ROOT};Parent=53995c3f42cd8ad8;${REST}`, undefined],
      ['upper-case hex (X-Ray passes it on as is)', `Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995C3F42CD8AD8;Sampled=0;${REST}`, '5759E988BD862E3FE1BE46A994272793'],
    ])('%s: ours continues the trace with lower-case ids, every other byte kept', (_case, incoming, officialTraceId) => {
      const official = new AWSXRayPropagator().extract(ROOT_CONTEXT, { 'X-Amzn-Trace-Id': incoming }, defaultTextMapGetter);
      expect(trace.getSpanContext(official)?.traceId).toBe(officialTraceId);
      const { outgoing, span } = serve(incoming);
      expect(span.traceId).toBe('5759e988bd862e3fe1be46a994272793');
      expect(outgoing).toBe(incoming.replace(/Parent=[0-9A-Fa-f]{16}/, `Parent=${span.spanId}`)); // unsampled: `?` and none stay
    });

    it('no Parent (a chain the guard started): the span starts its own trace, the chain keeps its Root', () => {
      const incoming = `${ROOT};${REST}`;
      const { outgoing, span } = serve(incoming);
      expect(span.traceId).not.toBe('5759e988bd862e3fe1be46a994272793');
      expect(outgoing).toBe(`${incoming};Parent=${span.spanId};Sampled=1`);
      // Not sampled by the root sampler: no Sampled is claimed.
      const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('off');
      const quiet = serve(incoming, new LineageXRayPropagator(), unsampled);
      expect(quiet.outgoing).toBe(`${incoming};Parent=${quiet.span.spanId}`);
    });

    it('a kept header and no span to inject from: it goes on unchanged', () => {
      const incoming = `${ROOT};${REST}`;
      const propagator = new LineageXRayPropagator();
      const extracted = propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': incoming }, defaultTextMapGetter);
      const carrier: Record<string, string> = {};
      propagator.inject(extracted, carrier, defaultTextMapSetter);
      expect(carrier).toEqual({ 'x-amzn-trace-id': incoming });
    });

    it('property: any unknown fields, in any order, with any of the variants, come out byte for byte', () => {
      const token = fc.string({ minLength: 1, maxLength: 8, unit: fc.constantFrom(...'abcXYZ019-_.:|/') });
      const unknownField = fc.tuple(token, token).map(([key, value]) => `X${key}=${value}`);
      const variant = fc.record({
        parent: fc.constantFrom(undefined, '53995c3f42cd8ad8', '53995C3F42CD8AD8'),
        sampled: fc.constantFrom(undefined, '0', '1', '?'),
        upperRoot: fc.boolean(),
      });
      fc.assert(
        fc.property(variant, fc.array(unknownField, { maxLength: 5 }), fc.nat(), ({ parent, sampled, upperRoot }, extra, shift) => {
          const known = [upperRoot ? ROOT.toUpperCase().replace('ROOT=', 'Root=') : ROOT, parent && `Parent=${parent}`, sampled && `Sampled=${sampled}`].filter(Boolean) as string[];
          const fields = [...known, 'Lineage=1:fe460cdd:2', 'LoopGuard=a87bd80c:3', ...extra];
          const rotated = [...fields.slice(shift % fields.length), ...fields.slice(0, shift % fields.length)];
          const incoming = rotated.join(';');
          const { outgoing, span } = serve(incoming);
          const others = (header: string) => parse(header).fields.filter(([key]) => key !== 'Parent' && key !== 'Sampled');
          expect(others(outgoing)).toEqual(others(incoming));
          expect(parse(outgoing).parent?.value).toBe(span.spanId);
        }),
        { numRuns: 200 },
      );
    });
  });
});
