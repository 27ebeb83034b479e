/**
 * The answers test/package/browser.test.ts compares: computed by the page (bundled with the
 * browser build, on whichever backend it got) and by Node (the repository's API), from the same
 * headers. Plain data out: each call's result as JSON, or its error's code and offset.
 */
import type * as TraceLineage from '../../ts/browser.js';

type Api = Pick<typeof TraceLineage, 'LoopGuard' | 'TraceHeaderError' | 'enter' | 'parse' | 'setField' | 'validateLineage'>;

/** Options away from the defaults, so that the limits and the loop key cross the boundary too. */
const TIGHT = { maxLength: 40, maxFields: 3, loopKey: 'Hops' };

/** One line per header: parse (default and tight options), validateLineage, setField, enter, a guard's enterBatch. */
export function answers(api: Api, headers: readonly string[]): string[] {
  const guard = new api.LoopGuard('browser-test', { threshold: 3, maxEntries: 4 });
  const answer = (call: () => unknown): unknown => {
    try {
      return call();
    } catch (error) {
      if (error instanceof api.TraceHeaderError) return { error: error.code, offset: error.offset };
      throw error;
    }
  };
  return headers.map((header, i) => {
    const batch = guard.enterBatch([header, headers[(i + 1) % headers.length]]);
    return JSON.stringify([
      answer(() => api.parse(header)),
      answer(() => api.parse(header, TIGHT)),
      answer(() => api.validateLineage(header)),
      answer(() => api.setField(header, 'Sampled', '1')),
      answer(() => api.enter(header, `resource-${i % 5}`)),
      batch.map((result) => (result instanceof api.TraceHeaderError ? { error: result.code, offset: result.offset } : result)),
    ]);
  });
}
