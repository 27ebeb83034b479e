/**
 * The package as a user gets it: `npm pack` of the built tree (once per test run), installed into
 * a fresh temporary project with no dev dependencies, next to whatever else the test asks for.
 * The main tarball holds no addon: the platform packages (npm/<suffix>/) carry them, and a test
 * that needs native installs this machine's (`hostPlatformTarball()`), as npm does for a user
 * through `optionalDependencies` once they are published.
 * Used by the tests that check what ships (types, bundlers, edge runtimes, the CLI from an install).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

/** `npm pack` of the package in `dir` into a temp directory: the tarball's path. */
function pack(dir: string): string {
  const destination = mkdtempSync(join(tmpdir(), 'trace-lineage-pack-'));
  const output = execFileSync('npm', ['pack', '--json', '--pack-destination', destination, '--loglevel=error'], { cwd: dir, encoding: 'utf8' });
  const [{ filename }] = JSON.parse(output) as Array<{ filename: string }>;
  return join(destination, filename);
}

let tarball: string | undefined;
/** `npm pack` of the repository (its `files`, after `npm run build`), made once per test file. */
export function packedTarball(): string {
  tarball ??= pack(ROOT);
  return tarball;
}

/** napi-rs's name of this machine's target, as the loader reads it: `linux-x64-gnu`, ... */
const report = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
export const HOST_TARGET = `linux-${process.arch}-${report.header.glibcVersionRuntime ? 'gnu' : 'musl'}`;

let hostTarball: string | undefined;
/** `npm pack` of this machine's platform package (npm/<HOST_TARGET>, its addon built), once per test file. */
export function hostPlatformTarball(): string {
  hostTarball ??= pack(join(ROOT, 'npm', HOST_TARGET));
  return hostTarball;
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
