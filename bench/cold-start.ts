/**
 * Cold start, per backend, each in a fresh Node process: `import()` of the built package
 * (dist/index.js, what users load), then constructing a LoopGuard and its first `enter` (which
 * loads the backend: dlopen of the addon, or compiling the inlined WASM). Reported apart from the
 * warm timings, as the median of several processes.
 *
 * The ESM loader's own start-up (the first dynamic import of a process, whatever it imports) is
 * measured first, on an empty module file, and reported as the floor: every ESM handler pays it, with
 * or without this package. The package's import is timed after it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ColdStart {
  backend: string;
  /** ms: the first import of an empty module (the ESM loader's start-up, the floor). Median. */
  loaderMs: number;
  /** ms: import of the package; first call (backend load included); their sum. Medians. */
  importMs: number;
  firstCallMs: number;
  totalMs: number;
  runs: number;
}

/** What `import 'trace-lineage'` loads: dist/index.js. */
const DIST = fileURLToPath(import.meta.resolve('trace-lineage'));

/** An empty ES module file: importing it first starts the ESM loader up and nothing else. */
function emptyModule(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'trace-lineage-cold-')), 'empty.mjs');
  writeFileSync(file, 'export default 0;\n');
  return pathToFileURL(file).href;
}
const EMPTY = emptyModule();

const script = (backend: string, header: string, expected: string): string => `
const first = performance.now();
await import(${JSON.stringify(EMPTY)});
const started = performance.now();
const lib = await import(${JSON.stringify(DIST)});
const imported = performance.now();
const result = new lib.LoopGuard(${JSON.stringify('arn:aws:lambda:us-east-1:123456789012:function:orders')}, { backend: ${JSON.stringify(backend)} }).enter(${JSON.stringify(header)});
const called = performance.now();
if (result.header !== ${JSON.stringify(expected)}) throw new Error('wrong answer: ' + result.header);
console.log(JSON.stringify([started - first, imported - started, called - imported]));
`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export function coldStarts(backends: string[], header: string, expected: string, runs: number): ColdStart[] {
  return backends.map((backend) => {
    const loaders: number[] = [];
    const imports: number[] = [];
    const calls: number[] = [];
    for (let run = 0; run < runs; run++) {
      const output = execFileSync(process.execPath, ['--input-type=module', '-e', script(backend, header, expected)], { encoding: 'utf8' });
      const [loaderMs, importMs, firstCallMs] = JSON.parse(output) as [number, number, number];
      loaders.push(loaderMs);
      imports.push(importMs);
      calls.push(firstCallMs);
    }
    const totals = imports.map((ms, i) => ms + calls[i]);
    return { backend, loaderMs: median(loaders), importMs: median(imports), firstCallMs: median(calls), totalMs: median(totals), runs };
  });
}
