/**
 * The package bundled into a Lambda handler as AWS CDK's `NodejsFunction` (and SAM's esbuild
 * build) bundle it: esbuild, from the installed tarball, CommonJS (their default) and ESM. Each
 * bundle is copied alone into an empty directory (as Lambda gets it: no node_modules) and run in
 * a fresh Node process. A default build (no `.node` loader) runs on WebAssembly and says so once
 * on stderr; `--conditions=node-addons --loader:.node=copy` ships the addon and runs on it. The
 * project has this machine's platform package installed next to the main tarball (as npm installs
 * it for a user): the main tarball holds no addon.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { hostPlatformTarball, installedProject } from './tarball.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ESBUILD = resolve(ROOT, 'node_modules/.bin/esbuild');
const HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';
const RESOURCE = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
const NOTICE = /^trace-lineage: this bundle has no native addon, running on WebAssembly .*TRACE_LINEAGE_QUIET=1/;

const HANDLER = `
import { LoopGuard, backendName, loadFailures } from 'trace-lineage';
const guard = new LoopGuard(${JSON.stringify(RESOURCE)});
export const handler = async (event: { header: string }) => ({
  backend: backendName(),
  header: guard.enter(event.header).header,
  failures: Object.keys(loadFailures()),
});
`;

/** The banner CDK's docs give for ES-module output, so that bundled `require` calls work. */
const REQUIRE_BANNER = `--banner:js=import { createRequire } from 'module'; const require = createRequire(import.meta.url);`;

/** CDK's esbuild arguments for a Node 20+ runtime (the AWS SDK v3 is external: the runtime has it). */
const cdkArgs = (format: 'cjs' | 'esm'): string[] => [
  '--bundle',
  '--platform=node',
  '--target=node20',
  '--external:@aws-sdk/*',
  ...(format === 'esm' ? ['--format=esm', '--main-fields=module,main'] : ['--format=cjs']),
];

let project: string;
beforeAll(() => {
  project = installedProject([hostPlatformTarball()]);
  writeFileSync(join(project, 'handler.ts'), HANDLER);
});

interface Invocation {
  files: string[];
  results: Array<{ backend: string; header: string; failures: string[] }>;
  stderr: string[];
}

/** Bundle the handler, copy the output alone into an empty directory, invoke it twice there. */
function bundleAndInvoke(format: 'cjs' | 'esm', extra: string[], env: Record<string, string> = {}): Invocation {
  const out = mkdtempSync(join(tmpdir(), 'trace-lineage-bundle-'));
  const file = format === 'esm' ? 'index.mjs' : 'index.js';
  execFileSync(ESBUILD, ['handler.ts', ...cdkArgs(format), ...extra, `--outfile=${join(out, file)}`, '--log-level=error'], { cwd: project });
  const lambda = mkdtempSync(join(tmpdir(), 'trace-lineage-lambda-'));
  cpSync(out, lambda, { recursive: true });
  // As Lambda's runtime does: an ES module of its own imports the handler (not `node -e`, whose
  // global `require` an ES-module bundle's `require` calls would silently use).
  const runtime = join(mkdtempSync(join(tmpdir(), 'trace-lineage-runtime-')), 'runtime.mjs');
  writeFileSync(
    runtime,
    `const { handler } = await import(${JSON.stringify(join(lambda, file))});
    const event = { header: ${JSON.stringify(HEADER)} };
    console.log(JSON.stringify([await handler(event), await handler(event)]));`,
  );
  const childEnv = { ...process.env, ...env };
  delete childEnv.TRACE_LINEAGE_BACKEND; // the suite's own choice must not reach the handler
  const run = spawnSync(process.execPath, [runtime], { cwd: lambda, env: childEnv, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return {
    files: readdirSync(lambda).sort(),
    results: JSON.parse(run.stdout) as Invocation['results'],
    stderr: run.stderr.split('\n').filter((line) => line !== ''),
  };
}

/** The same answer on every backend: the incoming header with our lineage entry appended. */
const EXPECTED = `${HEADER};LoopGuard=982a753f:1`;

describe.each(['cjs', 'esm'] as const)('a CDK-style esbuild bundle (%s)', (format) => {
  it('default settings: the build succeeds, runs on wasm, and says so once on stderr', () => {
    const { files, results, stderr } = bundleAndInvoke(format, []);
    expect(files.some((name) => name.endsWith('.node'))).toBe(false);
    for (const result of results) expect(result).toEqual({ backend: 'wasm', header: EXPECTED, failures: ['native'] });
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(NOTICE);
  });

  it('TRACE_LINEAGE_QUIET=1 silences the notice', () => {
    const { results, stderr } = bundleAndInvoke(format, [], { TRACE_LINEAGE_QUIET: '1' });
    expect(results[0].backend).toBe('wasm');
    expect(stderr).toEqual([]);
  });

  it('--conditions=node-addons --loader:.node=copy: the addon ships next to the bundle and loads', () => {
    const { files, results, stderr } = bundleAndInvoke(format, ['--conditions=node-addons', '--loader:.node=copy', ...(format === 'esm' ? [REQUIRE_BANNER] : [])]);
    expect(files.filter((name) => name.endsWith('.node'))).toHaveLength(1);
    for (const result of results) expect(result).toEqual({ backend: 'native', header: EXPECTED, failures: [] });
    expect(stderr).toEqual([]);
  });
});

// An ES-module bundle has no `require` of its own: esbuild's `require` of the copied addon needs
// the banner CDK documents for ESM output. Without it the addon does not load, visibly.
it('an ES-module bundle with the addon but without the createRequire banner runs on wasm and says why', () => {
  const { files, results } = bundleAndInvoke('esm', ['--conditions=node-addons', '--loader:.node=copy']);
  expect(files.filter((name) => name.endsWith('.node'))).toHaveLength(1);
  for (const result of results) expect(result).toEqual({ backend: 'wasm', header: EXPECTED, failures: ['native'] });
});
