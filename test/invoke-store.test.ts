/**
 * Lambda Managed Instances: several invocations share one process, each with its own header in
 * `@aws/lambda-invoke-store` (the env var would be wrong). This file sets the Lambda env up before
 * the store is first created, so it gets the multi-invocation store.
 */
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { HttpRequest } from '@smithy/types';
import { afterAll, describe, expect, it } from 'vitest';
import { resourceHash } from '../ts/index.js';
import { lineagePlugin } from '../ts/integrations/aws-sdk.js';
import { withLoopGuard } from '../ts/integrations/lambda.js';
import { capturing, sendCaptured, traceHeaders } from './capture.js';
import { FUNCTION_ARN, context } from './lambda-events.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();
const saved = { name: process.env.AWS_LAMBDA_FUNCTION_NAME, concurrency: process.env.AWS_LAMBDA_MAX_CONCURRENCY, env: process.env._X_AMZN_TRACE_ID };
process.env.AWS_LAMBDA_FUNCTION_NAME = 'orders';
process.env.AWS_LAMBDA_MAX_CONCURRENCY = '8';
// What a single-invocation runtime would have set last: wrong for every invocation but one.
process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-ffffffffffffffffffffffff;Sampled=1;Lineage=1:fe460cdd:9';
afterAll(() => {
  for (const [key, value] of [['AWS_LAMBDA_FUNCTION_NAME', saved.name], ['AWS_LAMBDA_MAX_CONCURRENCY', saved.concurrency], ['_X_AMZN_TRACE_ID', saved.env]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe(`invoke store (${backend.name})`, () => {
  it('concurrent invocations each count and forward the header of their own invocation', async () => {
    const store = await InvokeStore.getInstanceAsync();
    const sqs = new SQSClient(capturing([] as HttpRequest[]));
    sqs.middlewareStack.use(lineagePlugin());
    const handler = withLoopGuard(
      async () => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return traceHeaders(await sendCaptured(sqs, new SendMessageCommand({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/q', MessageBody: 'x' })));
      },
      { writeMetric: false },
    );
    const headerOf = (i: number) => `Root=1-5759e988-${String(i).padStart(24, '0')};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:fe460cdd:${i}`;
    const sent = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        store.run({ [InvokeStoreBase.PROTECTED_KEYS.X_RAY_TRACE_ID]: headerOf(i) }, () => handler({ orderId: i }, context)),
      ),
    );
    expect(sent).toEqual(Array.from({ length: 8 }, (_, i) => [`${headerOf(i)};LoopGuard=${resourceHash(FUNCTION_ARN)}:1`]));
  });
});
