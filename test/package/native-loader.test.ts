/**
 * The native loader as an installed user meets it: from the installed tarball, in fresh Node
 * processes, ESM and CommonJS. Where no addon can be found (the main tarball alone, as with
 * --omit=optional: it ships no addon of its own), the error says what was tried (once each, in
 * order) and what to do; `TRACE_LINEAGE_NATIVE_PATH` loads the file it names. (With the platform
 * package installed, that is what loads: test/platforms/packages.ts.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedProject, packedTarball } from './tarball.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ADDON = resolve(ROOT, 'native/trace-lineage.linux-x64-gnu.node');

let project: string;
beforeAll(() => {
  // As a user with --omit=optional (or a lockfile made on another platform) gets it: no platform package.
  project = installedProject(['--omit=optional']);
  expect(existsSync(join(project, 'node_modules/trace-lineage/native'))).toBe(false);
  expect(existsSync(join(project, 'node_modules/trace-lineage-linux-x64-gnu'))).toBe(false);
});

it('the main tarball ships no addon: the platform packages (npm/<suffix>) carry them', () => {
  const files = execFileSync('tar', ['-tzf', packedTarball()], { encoding: 'utf8' }).split('\n');
  expect(files).toContain('package/dist/native-addon.cjs');
  expect(files).not.toContain('package/dist/native-addon.js'); // inlined into dist/index.js
  expect(files.filter((file) => file.endsWith('.node') || file.startsWith('package/native/'))).toEqual([]);
});

/** Force the native backend in a fresh process; what it printed. */
function forceNative(kind: 'esm' | 'cjs', env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const load = kind === 'esm' ? "import('trace-lineage')" : "Promise.resolve(require('trace-lineage'))";
  const script = `${load}.then((lib) => console.log(lib.backendName({ backend: 'native' })))
    .catch((error) => { console.error(error.cause.message); process.exit(3); });`;
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.TRACE_LINEAGE_BACKEND;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: project, env: childEnv, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe.each(['esm', 'cjs'] as const)('the native loader, installed (%s)', (kind) => {
  it('no addon: one message with each candidate once, in order, and what to do', () => {
    const { status, stderr } = forceNative(kind);
    expect(status).toBe(3);
    expect(stderr).toMatch(
      /^trace-lineage: the native addon for linux-x64-gnu could not be loaded; tried \(1\) trace-lineage-linux-x64-gnu: Cannot find (?:module|package) [^;]*\. Install the optional dependency trace-lineage-linux-x64-gnu .*or set TRACE_LINEAGE_NATIVE_PATH/,
    );
    // Once each, in order; not the repository's own `native/` build, which no installed package has.
    expect(stderr.match(/\(\d\)/g)).toEqual(['(1)']);
    expect(stderr).not.toMatch(/native\/trace-lineage/);
    expect(stderr).not.toMatch(/npm run build/);
  });

  it('TRACE_LINEAGE_NATIVE_PATH loads that file', () => {
    expect(forceNative(kind, { TRACE_LINEAGE_NATIVE_PATH: ADDON })).toEqual({ status: 0, stdout: 'native', stderr: '' });
  });

  it('TRACE_LINEAGE_NATIVE_PATH to a file that is no addon: that file and why, nothing else', () => {
    const { status, stderr } = forceNative(kind, { TRACE_LINEAGE_NATIVE_PATH: resolve(ROOT, 'package.json') });
    expect(status).toBe(3);
    expect(stderr).toMatch(/^trace-lineage: TRACE_LINEAGE_NATIVE_PATH=.*package\.json could not be loaded: /);
  });
});
