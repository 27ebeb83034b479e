/**
 * The user's tools from the packed tarball, installed into a fresh project: `npx trace-lineage
 * bench --json` (no dev dependencies, then with the peers next to it), `runBench` from a Lambda
 * handler (ESM and CommonJS), `npx trace-lineage fuzz` against the real OpenTelemetry propagator
 * and aws-xray-sdk-core, `trace-lineage/testing` with its types, and `npx trace-lineage demo`
 * without the AWS SDK clients.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HOST_TARGET, hostPlatformTarball, installedProject } from './tarball.js';

const ROOT = resolve(import.meta.dirname, '../..');
/**
 * Install packages of this repository's node_modules next to trace-lineage in `project`, as
 * `npm install <folder>` does (a symlink; their own dependencies resolve from the repository).
 */
function installNextTo(project: string, names: string[]): void {
  for (const name of names) {
    const link = join(project, 'node_modules', name);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), link, 'dir');
  }
}

function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
const npx = (cwd: string, ...args: string[]) => run(cwd, 'npx', ['--no-install', 'trace-lineage', ...args]);

interface Report {
  backends: { auto: string; environment?: string; measured: string[]; notLoaded: Record<string, string> };
  peers: Array<{ name: string; status: string }>;
  corpus: Array<{ name: string; bytes: number }>;
  checkedAnswers: number;
  settings: { seconds: number; perCaseMs: number };
  results: Array<{ contender: string; op: string; header: string; p50Ns: number; p99Ns: number; callsPerSecond: number; samples: number }>;
  machine: { node: string; lambda?: { functionName: string; memoryMB?: string } };
}

/** A report every answer of which was checked, with a timing per contender, operation and header. */
function expectCheckedReport(report: Report, contenders: string[]): void {
  expect(report.corpus.map((shape) => shape.name)).toEqual(['short', 'lineage-v1', 'lineage-v2', 'long', 'loop-at-cap', 'malformed', 'limit']);
  expect(report.checkedAnswers).toBe(contenders.length * report.corpus.length * 64 * 2);
  expect([...new Set(report.results.map((r) => r.contender))]).toEqual(contenders);
  expect(report.results).toHaveLength(contenders.length * report.corpus.length * 2);
  for (const result of report.results) {
    expect(result.p50Ns).toBeGreaterThan(0);
    expect(result.p99Ns).toBeGreaterThanOrEqual(result.p50Ns);
    expect(result.callsPerSecond).toBeCloseTo(1e9 / result.p50Ns);
    expect(result.samples).toBeGreaterThanOrEqual(10);
  }
  // The env var of this suite's run reaches the child: reported, and `auto` is what auto picks.
  expect(report.backends.environment).toBe(process.env.TRACE_LINEAGE_BACKEND);
  expect(report.backends.auto).toBe('native');
}
const OURS = ['ours: auto', 'ours: native', 'ours: wasm', 'ours: js'];

// One install (with this machine's platform package, as npm installs it for a user): first used
// bare (no dev dependencies, no peers), then with the peers added next to it.
let project: string;
beforeAll(() => {
  project = installedProject([hostPlatformTarball()]);
}, 180_000);

describe('from an install without dev dependencies', () => {

  it('npx trace-lineage bench --json: every backend measured, answers checked, peers not found, progress on stderr', () => {
    const { status, stdout, stderr } = npx(project, 'bench', '--json', '--seconds', '1');
    expect(stderr).toMatch(/bench: checked 3584 answers of 4 contenders/);
    expect(stderr).toMatch(/bench: timing 1\/56: ours: auto parse short/);
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expectCheckedReport(report, OURS);
    expect(report.backends.measured).toEqual(['auto', 'native', 'wasm', 'js']);
    expect(report.backends.notLoaded).toEqual({});
    expect(report.peers).toEqual([
      { name: 'aws-xray-sdk-core', status: 'not found', detail: expect.stringContaining('aws-xray-sdk-core') },
      { name: '@opentelemetry/propagator-aws-xray', status: 'not found', detail: expect.stringContaining('@opentelemetry/propagator-aws-xray') },
    ]);
  });

  it('without the native addon: auto picks wasm, and the report says why native did not load', () => {
    // The platform package moved away (as if npm had skipped it): no addon anywhere.
    const native = join(project, 'node_modules', `trace-lineage-${HOST_TARGET}`);
    renameSync(native, `${native}.away`);
    try {
      const { status, stdout } = npx(project, 'bench', '--json', '--seconds', '0.3');
      expect(status).toBe(0);
      const report = JSON.parse(stdout) as Report;
      expect(report.backends.auto).toBe('wasm');
      expect(report.backends.measured).toEqual(['auto', 'wasm', 'js']);
      expect(report.backends.notLoaded.native).toMatch(/native/);
      expect(report.checkedAnswers).toBe(3 * 7 * 64 * 2);
    } finally {
      renameSync(`${native}.away`, native);
    }
  });

  it('runBench from a Lambda handler, ESM and CommonJS, bounded by its budget', () => {
    writeFileSync(
      join(project, 'handler.mjs'),
      `import { runBench } from 'trace-lineage/bench';
export const handler = async (event) => {
  const report = await runBench({ seconds: event.seconds, backends: ['auto'], headers: ['short', 'long'] });
  return { statusCode: 200, body: JSON.stringify(report) };
};
const response = await handler({ seconds: 0.4 }, { functionName: 'orders' });
console.log(response.body);
`,
    );
    writeFileSync(
      join(project, 'handler.cjs'),
      `const { runBench } = require('trace-lineage/bench');
exports.handler = async () => runBench({ seconds: 0.2, backends: ['js'], operations: ['hot'], peers: false });
exports.handler().then((report) => console.log(JSON.stringify(report)));
`,
    );
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'orders', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1769' };
    const esm = run(project, 'node', ['handler.mjs'], lambda);
    expect(esm.stderr).toBe('');
    const report = JSON.parse(esm.stdout) as Report;
    expect(report.machine.lambda).toMatchObject({ functionName: 'orders', memoryMB: '1769' });
    expect(report.checkedAnswers).toBe(2 * 64 * 2);
    expect(report.results.map((r) => `${r.contender} ${r.op} ${r.header}`)).toEqual([
      'ours: auto parse short',
      'ours: auto hot short',
      'ours: auto parse long',
      'ours: auto hot long',
    ]);
    // The budget bounds the run: its 0.4 s of timings are split over the cases (time is measured in bench/, not here).
    expect(report.settings.seconds).toBe(0.4);
    expect(report.settings.perCaseMs * report.results.length).toBeCloseTo(400);
    const cjs = JSON.parse(run(project, 'node', ['handler.cjs']).stdout) as Report;
    expect(cjs.results.map((r) => `${r.contender} ${r.op}`)).toEqual(Array(7).fill('ours: js hot'));
  });

  it('npx trace-lineage demo and fuzz say in one line what to install', () => {
    const demo = npx(project, 'demo');
    expect(demo.status).toBe(1);
    expect(demo.stderr.trim()).toBe(
      'trace-lineage demo needs @aws-sdk/client-sqs, @aws-sdk/client-sns, @aws-sdk/client-s3, @aws-sdk/client-dynamodb (optional peer dependencies): npm i -D @aws-sdk/client-sqs @aws-sdk/client-sns @aws-sdk/client-s3 @aws-sdk/client-dynamodb',
    );
    writeFileSync(join(project, 'mine.mjs'), 'export default (header) => header;\n');
    const fuzz = npx(project, 'fuzz', 'mine.mjs');
    expect(fuzz.status).toBe(1);
    expect(fuzz.stderr.trim()).toBe('trace-lineage fuzz needs fast-check (optional peer dependencies): npm i -D fast-check');
  });
});

describe('from an install with fast-check, the OpenTelemetry propagator and aws-xray-sdk-core next to it', () => {
  beforeAll(() => {
    installNextTo(project, ['fast-check', '@opentelemetry/api', '@opentelemetry/propagator-aws-xray', 'aws-xray-sdk-core', 'typescript']);
  });

  it('npx trace-lineage bench --json races the peers with the same answer checks', () => {
    const { status, stdout } = npx(project, 'bench', '--json', '--seconds', '1', '--backend', 'auto', '--backend', 'js');
    expect(status).toBe(0);
    const report = JSON.parse(stdout) as Report;
    expectCheckedReport(report, ['ours: auto', 'ours: js', 'aws-xray-sdk-core', '@opentelemetry/propagator-aws-xray']);
    expect(report.peers.map((peer) => peer.status)).toEqual(['measured', 'measured']);
  });

  it('npx trace-lineage fuzz finds that the OpenTelemetry propagator drops Lineage (and unknown fields), shrunk', () => {
    writeFileSync(
      join(project, 'otel-header.mjs'),
      `import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter } from '@opentelemetry/api';
const propagator = new AWSXRayPropagator();
/** The header a service instrumented with OpenTelemetry sends on: extract, then inject. */
export default function outgoing(incoming) {
  const context = propagator.extract(ROOT_CONTEXT, { 'x-amzn-trace-id': incoming }, defaultTextMapGetter);
  const carrier = {};
  propagator.inject(context, carrier, defaultTextMapSetter);
  return carrier['x-amzn-trace-id'];
}
`,
    );
    const { status, stdout } = npx(project, 'fuzz', 'otel-header.mjs', '--seconds', '2', '--seed', '5', '--json');
    expect(status).toBe(3);
    const report = JSON.parse(stdout) as { findings: Array<{ check: string; input: string; output: string; shrinks: number; problem: string }> };
    const lost = report.findings.find((finding) => finding.check === 'lineage-lost')!;
    expect(lost.problem).toMatch(/^Lineage=\S+ is gone$/);
    // Shrunk to a minimal valid header with a Lineage (ids of zeros but for a last digit); it keeps the trace context only.
    expect(lost.input).toMatch(/^Root=1-0{8}-0{23}[1-9a-f];Parent=0{15}[1-9a-f];Sampled=0;Lineage=[^;]+$/);
    expect(lost.output).toBe(JSON.stringify(lost.input.replace(/;Lineage=.*$/, '')));
    expect(lost.shrinks).toBeGreaterThan(0);
    expect(report.findings.map((finding) => finding.check)).toContain('unknown-field-dropped');
    // The text report says the same, with the seed to replay it.
    const text = npx(project, 'fuzz', 'otel-header.mjs', '--seconds', '0.5', '--seed', '5');
    expect(text.stdout).toMatch(/FAIL lineage-lost/);
    expect(text.stdout).toMatch(/replay: --seed 5/);
  });

  it('npx trace-lineage fuzz --shape parse runs aws-xray-sdk-core, a CommonJS module', () => {
    writeFileSync(
      join(project, 'xray-parse.cjs'),
      `const { utils } = require('aws-xray-sdk-core');
/** What the X-Ray SDK reads from an incoming header. */
module.exports = (incoming) => {
  const data = utils.processTraceData(incoming);
  return { root: data.root, parent: data.parent, sampled: data.sampled, lineage: data.data?.Lineage ?? null };
};
`,
    );
    const { status, stdout } = npx(project, 'fuzz', 'xray-parse.cjs', '--shape', 'parse', '--seconds', '2', '--seed', '5', '--json');
    const report = JSON.parse(stdout) as { checks: Array<{ check: string; status: string; runs: number }>; findings: Array<{ check: string }> };
    expect(status).toBe(report.findings.length === 0 ? 0 : 3);
    expect(report.checks.map((c) => `${c.check} ${c.status === 'not applicable' ? 'n/a' : 'ran'}`)).toEqual([
      'lineage-lost ran',
      'unknown-field-dropped n/a',
      'crlf-accepted ran',
      'crash ran',
      'super-linear ran',
    ]);
  });

  it('trace-lineage/testing: importable with types, and the README property runs', () => {
    writeFileSync(
      join(project, 'property.test.mjs'),
      `import fc from 'fast-check';
import { parse } from 'trace-lineage';
import { headerWithLineage, lambdaEvent, seeds } from 'trace-lineage/testing';

// Your middleware: the header it sends downstream for an incoming one.
const myMiddleware = (incoming) => incoming.replace(/;?Sampled=[^;]*/, '') + ';Sampled=1';

const lineageOf = (header) => parse(header).lineage?.value;
fc.assert(fc.property(headerWithLineage, (incoming) => lineageOf(myMiddleware(incoming)) === lineageOf(incoming)));
fc.assert(fc.property(lambdaEvent(), ({ traceHeader }) => lineageOf(myMiddleware(traceHeader)) === lineageOf(traceHeader)));
console.log(seeds().length);
`,
    );
    const ran = run(project, 'node', ['property.test.mjs']);
    expect(ran.stderr).toBe('');
    expect(Number(ran.stdout)).toBeGreaterThan(20);
    writeFileSync(
      join(project, 'typed.mts'),
      `import fc from 'fast-check';
import { headerWithLineage, lambdaEvent, fuzzHeaderFunction, seeds, type CarryingEvent, type FuzzReport } from 'trace-lineage/testing';
import { runBench, type BenchReport } from 'trace-lineage/bench';
const header: fc.Arbitrary<string> = headerWithLineage;
const event: fc.Arbitrary<CarryingEvent> = lambdaEvent(header, ['sqs-fifo', 'kafka']);
const report: FuzzReport = fuzzHeaderFunction((h: string) => h, { seconds: 1, shape: 'header' });
const bench: Promise<BenchReport> = runBench({ seconds: 1 });
const names: string[] = seeds().map((seed) => seed.name);
export { event, report, bench, names };
`,
    );
    writeFileSync(join(project, 'wrong.mts'), `import { headerWithLineage } from 'trace-lineage/testing';\nexport const n: number = headerWithLineage;\n`);
    // A user's strict project, without @types/node; the libraries' own .d.ts checked too.
    const compilerOptions = { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [], skipLibCheck: false };
    const tsc = (file: string) => {
      writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: [file] }));
      return run(project, 'node', ['node_modules/typescript/bin/tsc', '-p', '.']);
    };
    expect(tsc('typed.mts')).toMatchObject({ status: 0, stdout: '' });
    // The types are real: a wrong use does not compile.
    expect(tsc('wrong.mts').stdout).toMatch(/error TS2322: Type 'Arbitrary<string>' is not assignable to type 'number'/);
  });
});
