/**
 * The package in real workerd (the `workerd` npm package's binary), bundled from the installed
 * tarball as wrangler bundles a worker: esbuild with the `workerd, worker, browser` conditions,
 * `.wasm` files kept as modules of the worker. workerd compiles WebAssembly only from a module it
 * loaded itself (never from bytes): the `workerd` condition imports the shipped `.wasm` file; a
 * build without that condition falls back to the TypeScript reference, visibly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedProject } from './tarball.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ESBUILD = resolve(ROOT, 'node_modules/.bin/esbuild');
const WORKERD = resolve(ROOT, 'node_modules/.bin/workerd');
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
const EXPECTED = `${HEADER};LoopGuard=982a753f:1`;

/** A worker whose `test()` handler parses and enters a header, and logs what ran. */
const worker = (imports: string, setup = ''): string => `
${imports}
${setup}
export default {
  async test() {
    const parsed = parse(${JSON.stringify(HEADER)});
    const result = new LoopGuard('arn:aws:lambda:us-east-1:123456789012:function:orders').enter(${JSON.stringify(HEADER)});
    const failures = Object.fromEntries(
      Object.entries(loadFailures()).map(([name, error]) => [name, String(error.message) + ' <- ' + String(error.cause?.message)]),
    );
    console.log('RESULT ' + JSON.stringify({ backend: backendName(), root: parsed.root.value, header: result.header, failures }));
  },
};
`;

let project: string;
beforeAll(() => {
  project = installedProject();
});

interface WorkerReport {
  backend: string;
  root: string;
  header: string;
  failures: Record<string, string>;
}

/** Bundle `source` as wrangler would (with these conditions), run its test handler in workerd. */
function runInWorkerd(source: string, conditions: string): WorkerReport {
  writeFileSync(join(project, 'worker.js'), source);
  const out = mkdtempSync(join(tmpdir(), 'trace-lineage-workerd-'));
  execFileSync(
    ESBUILD,
    ['worker.js', '--bundle', '--format=esm', '--platform=neutral', `--conditions=${conditions}`, '--main-fields=browser,module,main', '--loader:.wasm=copy', `--outdir=${out}`, '--log-level=error'],
    { cwd: project },
  );
  const modules = readdirSync(out)
    .filter((name) => name.endsWith('.wasm'))
    .map((name) => `(name = "${name}", wasm = embed "${name}"),`);
  writeFileSync(
    join(out, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "main", worker = .worker)]);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js"), ${modules.join(' ')}],
  compatibilityDate = "2025-01-01",
);
`,
  );
  const run = spawnSync(WORKERD, ['test', 'config.capnp'], { cwd: out, encoding: 'utf8', timeout: 60_000 });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(run.status, output).toBe(0);
  const line = output.split('\n').find((text) => text.startsWith('RESULT '));
  expect(line, output).toBeDefined();
  return JSON.parse((line as string).slice('RESULT '.length)) as WorkerReport;
}

const IMPORTS = "import { LoopGuard, backendName, loadFailures, parse } from 'trace-lineage';";

describe('in workerd', () => {
  it('the workerd condition: the shipped .wasm imported as a module, so WebAssembly runs', () => {
    const report = runInWorkerd(worker(IMPORTS), 'workerd,worker,browser');
    expect(report).toEqual({ backend: 'wasm', root: '1-5759e988-bd862e3fe1be46a994272793', header: EXPECTED, failures: { native: expect.any(String) } });
  });

  it('without it (the browser build): workerd refuses to compile the bytes, the reference runs and loadFailures() says why', () => {
    const report = runInWorkerd(worker(IMPORTS), 'worker,browser');
    expect(report.backend).toBe('js');
    expect(report.header).toBe(EXPECTED);
    expect(report.failures.wasm).toMatch(/could not be instantiated <- .*Wasm code generation disallowed by embedder/);
  });

  it('useWasmModule: the browser build on a module the worker imported itself', () => {
    const imports = `import { LoopGuard, backendName, loadFailures, parse, useWasmModule } from 'trace-lineage/browser';
import wasmModule from 'trace-lineage/trace_lineage_wasm.wasm';`;
    const report = runInWorkerd(worker(imports, 'useWasmModule(wasmModule);'), 'worker,browser');
    expect(report).toEqual({ backend: 'wasm', root: '1-5759e988-bd862e3fe1be46a994272793', header: EXPECTED, failures: { native: expect.any(String) } });
  });
});
