/** Real AWS SDK v3 clients whose requests are captured instead of sent (the whole stack runs up to the wire). */
import type { HttpRequest } from '@smithy/types';

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

class Captured extends Error {
  override name = 'Captured';
  constructor(readonly request: HttpRequest) {
    super('captured');
  }
}

/** Client config that records each serialized request in `requests` and fails the call. */
export function capturing(requests: HttpRequest[]) {
  return {
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: HttpRequest) => {
        requests.push(request);
        throw new Captured(request);
      },
    },
  };
}

/** Send `command`, expecting the capture to end it; returns the request that would have gone out. */
export async function sendCaptured(client: { send(command: any): Promise<unknown> }, command: unknown): Promise<HttpRequest> {
  return client.send(command).then(
    () => {
      throw new Error('the request was not captured');
    },
    (error: Error) => {
      if (!(error instanceof Captured)) throw error;
      return error.request;
    },
  );
}

/** Every `X-Amzn-Trace-Id` header of a request, whatever its casing. */
export function traceHeaders(request: HttpRequest): string[] {
  return Object.entries(request.headers)
    .filter(([name]) => name.toLowerCase() === 'x-amzn-trace-id')
    .map(([, value]) => value);
}

/** JSON protocols serialize to bytes (a Uint8Array), query protocols to a string. */
const bodyText = (request: HttpRequest): string => (typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body));
export const jsonBody = (request: HttpRequest): any => JSON.parse(bodyText(request));
export const formBody = (request: HttpRequest): URLSearchParams => new URLSearchParams(bodyText(request));
