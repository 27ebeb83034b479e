/**
 * The ES-module Node entry as an installed user meets it: dist/index.js holds the API and the
 * native backend; the WebAssembly and js backends are dist/node-fallbacks.cjs, loaded the first
 * time one is asked for (ts/node/load-fallbacks.js). From the installed tarballs (the main one and
 * this machine's platform package), each case a fresh Node process running an ES module of its
 * own: every backend answers as the reference does; a process on native never reads the
 * fallbacks (with the file gone it still runs, and asking for WebAssembly then names the file);
 * an argument too large for the compiled backends loads them on demand; without the addon `auto`
 * runs on WebAssembly.
 */
import { spawnSync } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoopGuard, resourceHash } from '../../ts/index.js';
import { hostPlatformTarball, installedProject } from './tarball.js';

const RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8aff;Sampled=1;LoopGuard=982a753f:4|0000abcd:1';
/** Longer than any argument the compiled backends take (api.ts, LARGE_ARGUMENT). */
const HUGE_RESOURCE = `arn:${'x'.repeat(70_000)}`;

interface Answer {
  backend: string;
  header: string;
  hash: string;
  failures: string[];
}

/** Run `main` as an ES module in `project`, with `TRACE_LINEAGE_BACKEND` unset: its JSON answer, or its stderr. */
function run(project: string, main: string): { status: number | null; answer?: Answer; stderr: string } {
  const file = join(project, `case-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, main);
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.TRACE_LINEAGE_BACKEND;
  const result = spawnSync(process.execPath, [file], { cwd: project, env, encoding: 'utf8' });
  return { status: result.status, answer: result.status === 0 ? (JSON.parse(result.stdout) as Answer) : undefined, stderr: result.stderr.trim() };
}

/** A process that imports the package, enters `HEADER` with `backend` and hashes `resource`. */
const entering = (backend: string, resource = RESOURCE): string => `
import { LoopGuard, backendName, loadFailures, resourceHash } from 'trace-lineage';
const options = ${backend === 'auto' ? '{}' : JSON.stringify({ backend })};
const header = new LoopGuard(${JSON.stringify(RESOURCE)}, options).enter(${JSON.stringify(HEADER)}).header;
const hash = resourceHash(${JSON.stringify(resource)}, options);
console.log(JSON.stringify({ backend: backendName(options), header, hash, failures: Object.keys(loadFailures()) }));
`;

const expectedHeader = new LoopGuard(RESOURCE, { backend: 'js' }).enter(HEADER).header;

describe('with the platform package', () => {
  let project: string;
  beforeAll(() => {
    project = installedProject([hostPlatformTarball()], { type: 'module' });
  });

  it.each(['auto', 'native', 'wasm', 'js'])('%s: a fresh process answers as the reference', (backend) => {
    const { status, answer, stderr } = run(project, entering(backend));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(answer).toEqual({ backend: backend === 'auto' ? 'native' : backend, header: expectedHeader, hash: resourceHash(RESOURCE, { backend: 'js' }), failures: [] });
  });

  it('an argument too large for the native addon: the js backend, loaded then, answers it', () => {
    const { answer, stderr } = run(project, entering('native', HUGE_RESOURCE));
    expect(stderr).toBe('');
    expect(answer?.backend).toBe('native');
    expect(answer?.hash).toBe(resourceHash(HUGE_RESOURCE, { backend: 'js' }));
  });

  it('a process on native never reads node-fallbacks.cjs; asking for WebAssembly then names it', () => {
    const fallbacks = join(project, 'node_modules/trace-lineage/dist/node-fallbacks.cjs');
    renameSync(fallbacks, `${fallbacks}.away`);
    try {
      const native = run(project, entering('native'));
      expect(native.stderr).toBe('');
      expect(native.answer?.header).toBe(expectedHeader);
      const wasm = run(project, entering('wasm'));
      expect(wasm.status).not.toBe(0);
      expect(wasm.stderr).toMatch(/node-fallbacks\.cjs/);
    } finally {
      renameSync(`${fallbacks}.away`, fallbacks);
    }
  });
});

it('without the platform package (--omit=optional): auto runs on WebAssembly, and says why not native', () => {
  const project = installedProject(['--omit=optional'], { type: 'module' });
  const { answer, stderr } = run(project, entering('auto'));
  expect(stderr).toBe('');
  expect(answer).toEqual({ backend: 'wasm', header: expectedHeader, hash: resourceHash(RESOURCE, { backend: 'js' }), failures: ['native'] });
});
