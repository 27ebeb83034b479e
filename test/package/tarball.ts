/**
 * The package as a user gets it: `npm pack` of the built tree (once per test run), installed into
 * a fresh temporary project with no dev dependencies, next to whatever else the test asks for.
 * Used by the tests that check what ships (types, bundlers, edge runtimes, the CLI from an install).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

let tarball: string | undefined;

/** `npm pack` of the repository (its `files`, after `npm run build`), made once per test file. */
export function packedTarball(): string {
  if (tarball !== undefined) return tarball;
  const dir = mkdtempSync(join(tmpdir(), 'trace-lineage-pack-'));
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', dir, '--loglevel=error'], { cwd: ROOT, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(output) as Array<{ filename: string }>;
  tarball = join(dir, filename);
  return tarball;
}

/**
 * A fresh project in a temp directory with the packed tarball installed (plus `extra` packages:
 * tarball paths or registry specs), as `npm install` does for a user. Returns its directory.
 */
export function installedProject(extra: string[] = [], packageJson: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'trace-lineage-user-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true, ...packageJson }, null, 2));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', packedTarball(), ...extra], { cwd: dir, stdio: 'pipe' });
  return dir;
}
