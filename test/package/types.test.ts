/**
 * What TypeScript and the linters see of the packed tarball: publint (package.json against the
 * files that ship) and @arethetypeswrong/cli (each entry point's types, resolved as TypeScript
 * does under node16 for CommonJS and for ES modules, and under `bundler`).
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packedTarball } from './tarball.js';

const ROOT = resolve(import.meta.dirname, '../..');
const bin = (name: string): string => resolve(ROOT, 'node_modules/.bin', name);

function run(command: string, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('the packed tarball, as type checkers and linters see it', () => {
  it('publint --strict: no error, warning or suggestion', () => {
    const { status, output } = run(bin('publint'), ['run', packedTarball(), '--strict', '--level', 'suggestion']);
    expect(status, output).toBe(0);
    expect(output).toMatch(/All good/);
  });

  /** attw's report on the tarball (node10, which has no `exports`, left out); `args` pick entry points and rules. */
  function attw(args: string[]): { status: number | null; output: string; problems: Array<{ kind: string }>; entrypoints: string[] } {
    const { status, output } = run(bin('attw'), [packedTarball(), '--profile', 'node16', '--format', 'json', ...args]);
    const report = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as {
      analysis: { problems: Array<{ kind: string; resolutionKind?: string }>; entrypoints: Record<string, unknown> };
    };
    const problems = report.analysis.problems.filter((problem) => problem.resolutionKind !== 'node10');
    return { status, output, problems, entrypoints: Object.keys(report.analysis.entrypoints).sort() };
  }

  it('attw: every entry point but workerd has its own types under node16 (CJS and ESM) and bundler', () => {
    // The .wasm file is exported as data (for useWasmModule), not a module TypeScript resolves.
    const { status, output, problems, entrypoints } = attw(['--exclude-entrypoints', './workerd', './trace_lineage_wasm.wasm']);
    expect(problems, output).toEqual([]);
    expect(entrypoints).toEqual(['.', './aws', './bench', './browser', './lambda', './otel', './package.json', './testing']);
    expect(status, output).toBe(0);
  });

  it('attw: trace-lineage/workerd is an ES module (workerd loads ESM workers), typed for ESM and bundler', () => {
    // The one problem left out: a CommonJS `require` of it resolves to ESM (by design).
    const { status, output, problems, entrypoints } = attw(['--entrypoints', './workerd', '--ignore-rules', 'cjs-resolves-to-esm']);
    expect(entrypoints).toEqual(['./workerd']);
    expect(status, output).toBe(0);
    expect(problems.map((problem) => problem.kind), output).toEqual(['CJSResolvesToESM']);
  });
});
