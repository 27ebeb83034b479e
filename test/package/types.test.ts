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

  it('attw: every entry point has its own types in node16 (CJS and ESM) and bundler resolution', () => {
    const { status, output } = run(bin('attw'), [packedTarball(), '--profile', 'node16', '--format', 'json']);
    const report = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as {
      analysis: { problems: unknown[]; entrypoints: Record<string, unknown> };
    };
    expect(report.analysis.problems, output).toEqual([]);
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(['.', './aws', './browser', './lambda', './otel', './package.json', './workerd']);
    expect(status, output).toBe(0);
  });
});
