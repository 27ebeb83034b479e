/**
 * The answers of one platform's addon to the headers of test/platforms/headers.ts, for
 * scripts/test-platforms.sh: run by that platform's own Node (under qemu / musl's loader), with
 * TRACE_LINEAGE_BACKEND=native and TRACE_LINEAGE_NATIVE_PATH=<the addon>. Plain JavaScript over
 * the built package (dist/), so that any Node runs it.
 *
 *   node test/platforms/answers.mjs <headers.json> <answers out>   -> prints "<arch> <libc> <backend>"
 *
 * One line per header: parse (default options and tight ones), validateLineage, setField, a
 * one-off enter and a guard's enterBatch, each as its result's JSON or its error's code and offset.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { LoopGuard, TraceHeaderError, backendName, enter, parse, setField, validateLineage } from '../../dist/index.js';

const [headersFile, answersFile] = process.argv.slice(2);
const headers = JSON.parse(readFileSync(headersFile, 'utf8'));

const TIGHT = { maxLength: 40, maxFields: 3, loopKey: 'Hops' };
const guard = new LoopGuard('platform-test', { threshold: 3, maxEntries: 4 });

function answer(call) {
  try {
    return call();
  } catch (error) {
    if (error instanceof TraceHeaderError) return { error: error.code, offset: error.offset };
    throw error;
  }
}

const lines = [];
for (let i = 0; i < headers.length; i += 1) {
  const header = headers[i];
  const batch = answer(() => guard.enterBatch([header, headers[(i + 1) % headers.length]]));
  lines.push(
    JSON.stringify([
      answer(() => parse(header)),
      answer(() => parse(header, TIGHT)),
      answer(() => validateLineage(header)),
      answer(() => setField(header, 'Sampled', '1')),
      answer(() => enter(header, `resource-${i % 5}`)),
      Array.isArray(batch) ? batch.map((r) => (r instanceof TraceHeaderError ? { error: r.code, offset: r.offset } : r)) : batch,
    ]),
  );
}
writeFileSync(answersFile, lines.join('\n') + '\n');
const libc = process.report?.getReport().header.glibcVersionRuntime ? 'glibc' : 'musl';
console.log(`${process.arch} ${libc} ${backendName()}`);
