/**
 * The platform packages (npm/<suffix>/, napi-rs's layout) as npm handles them, for
 * scripts/test-platforms.sh (node's test runner, once per `npm test`, not once per backend):
 *
 * - each folder is the package `trace-lineage-<suffix>` at the main package's version, with the
 *   `os`/`cpu`/`libc` of its target, its addon as `main` and nothing else in `files`; the main
 *   package lists exactly these in `optionalDependencies` (exact version), and package-lock.json
 *   links each to its folder (so that `npm ci` works before they are published, and the
 *   repository's own `require('trace-lineage-<host>')` finds the host's build);
 * - `npm pack` of each holds its package.json and its addon only;
 * - installed next to the main tarball in a fresh project (test/package/tarball.ts), the host's
 *   package is what loads: `require('trace-lineage-<host>')` is the addon, and `trace-lineage`
 *   runs on native with that package's file (the one mapped into the process);
 * - a foreign platform's tarball is refused by npm (EBADPLATFORM): the fields do their job.
 *
 *   node --import tsx --test test/platforms/packages.ts
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { installedProject } from '../package/tarball.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SUFFIXES = ['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl'];
const report = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
const HOST = `linux-${process.arch}-${report.header.glibcVersionRuntime ? 'gnu' : 'musl'}`;
/** The addon's exports that say it is trace-lineage's (see ts/backends/native.ts). */
const ADDON_FUNCTIONS = ['configure', 'parse', 'enter', 'enterBatch', 'setField', 'codeTables'];

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const main = readJson(join(ROOT, 'package.json'));

const packDir = mkdtempSync(join(tmpdir(), 'trace-lineage-platform-pack-'));
const packed = new Map<string, { tarball: string; files: string[] }>();
/** `npm pack` of npm/<suffix>, once. */
function pack(suffix: string): { tarball: string; files: string[] } {
  let result = packed.get(suffix);
  if (result === undefined) {
    const output = execFileSync('npm', ['pack', '--json', '--pack-destination', packDir, '--loglevel=error'], { cwd: join(ROOT, 'npm', suffix), encoding: 'utf8' });
    const [{ filename, files }] = JSON.parse(output) as Array<{ filename: string; files: Array<{ path: string }> }>;
    result = { tarball: join(packDir, filename), files: files.map((f) => f.path).sort() };
    packed.set(suffix, result);
  }
  return result;
}

test('npm/ holds exactly the four platform packages, each as napi-rs lays it out', () => {
  assert.deepEqual(readdirSync(join(ROOT, 'npm')).sort(), [...SUFFIXES].sort());
  for (const suffix of SUFFIXES) {
    const [, arch, abi] = suffix.split('-');
    const pkg = readJson(join(ROOT, 'npm', suffix, 'package.json'));
    assert.equal(pkg.name, `trace-lineage-${suffix}`);
    assert.equal(pkg.version, main.version, `${pkg.name}'s version is the main package's`);
    assert.deepEqual([pkg.os, pkg.cpu, pkg.libc], [['linux'], [arch], [abi === 'gnu' ? 'glibc' : 'musl']]);
    assert.equal(pkg.main, `trace-lineage.${suffix}.node`);
    assert.deepEqual(pkg.files, [pkg.main]);
    assert.equal(pkg.license, main.license);
  }
});

test('the main package depends on each, optionally, at exactly its version; the lockfile links each to its folder', () => {
  assert.deepEqual(main.optionalDependencies, Object.fromEntries(SUFFIXES.map((s) => [`trace-lineage-${s}`, main.version])));
  const lock = readJson(join(ROOT, 'package-lock.json'));
  for (const suffix of SUFFIXES) {
    assert.deepEqual(lock.packages[`node_modules/trace-lineage-${suffix}`], { resolved: `npm/${suffix}`, link: true }, suffix);
    const folder = lock.packages[`npm/${suffix}`];
    assert.equal(folder?.version, main.version, `package-lock.json's npm/${suffix}`);
    assert.equal(folder?.optional, true, `package-lock.json's npm/${suffix} is optional (npm skips a foreign platform)`);
  }
});

test('each platform tarball holds its package.json and its addon, nothing else', () => {
  for (const suffix of SUFFIXES) {
    assert.deepEqual(pack(suffix).files, ['package.json', `trace-lineage.${suffix}.node`].sort(), suffix);
  }
});

test(`installed next to the main tarball, the host's package (trace-lineage-${HOST}) is what loads`, () => {
  const project = installedProject([pack(HOST).tarball]);
  // The package's own choice first (which addon files it mapped into the process), then the
  // platform package required by name.
  const script = `
    const { readFileSync } = require('node:fs');
    import('trace-lineage').then((api) => {
      const answer = api.parse('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1').root.value;
      const backend = api.backendName();
      const mapped = readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.endsWith('.node')).map((l) => l.slice(l.indexOf('/')));
      const addon = require('trace-lineage-${HOST}');
      const file = require.resolve('trace-lineage-${HOST}');
      console.log(JSON.stringify({ exports: Object.keys(addon), file, backend, answer, mapped: [...new Set(mapped)] }));
    });`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('TRACE_LINEAGE_'))); // as a user has it
  const run = spawnSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8', env });
  assert.equal(run.status, 0, run.stderr);
  const seen = JSON.parse(run.stdout) as { exports: string[]; file: string; backend: string; answer: string; mapped: string[] };
  const expected = join(project, 'node_modules', `trace-lineage-${HOST}`, `trace-lineage.${HOST}.node`);
  for (const name of ADDON_FUNCTIONS) assert.ok(seen.exports.includes(name), `the addon exports ${name}`);
  assert.equal(seen.file, expected);
  assert.equal(seen.backend, 'native');
  assert.equal(seen.answer, '1-5759e988-bd862e3fe1be46a994272793');
  // The one addon file trace-lineage loaded is the platform package's (not a copy of its own).
  assert.deepEqual(seen.mapped, [expected], 'trace-lineage must load the platform package (require it first), not an addon file of its own');
});

test("a foreign platform's tarball is refused by npm (EBADPLATFORM)", () => {
  const foreign = SUFFIXES.find((s) => s.split('-')[1] !== (process.arch === 'x64' ? 'x64' : 'arm64')) as string;
  const dir = mkdtempSync(join(tmpdir(), 'trace-lineage-foreign-'));
  const run = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', pack(foreign).tarball], { cwd: dir, encoding: 'utf8' });
  assert.notEqual(run.status, 0, `npm installed ${foreign} on ${HOST}`);
  assert.match(run.stderr, /EBADPLATFORM/);
});
