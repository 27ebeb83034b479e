/**
 * `npm run bench [-- --json FILE] [--quick]`: every case of bench/README.md, in one run.
 * `npm run bench -- --instructions [--passes N] [--processes N] [--only js,...] [--headers v1,...] [--json FILE]`:
 * instructions per call instead (bench/instructions.ts).
 *
 * 1. Verify: every contender's answer on every variant of every corpus header (parse, hot path,
 *    batches) and every floor's, before anything is timed; a wrong answer stops the run.
 * 2. Time with the shared harness (ts/bench/harness.ts; ROUNDS rounds in rotated orders; each case's lowest p50 and median p99), and the
 *    hot path on the short header again with benchmark.js.
 * 3. The Rust core alone (`cargo bench`, criterion), cold start per backend in fresh processes,
 *    the .wasm size; the machine.
 * 4. Print the tables, the ratios and the targets; with --json FILE write the results there, the
 *    SVG chart of the main table and a markdown report next to it (FILE.svg, FILE.md).
 *
 * --quick: the same cases with short timings, no cargo bench, fewer cold starts (CI smoke: it
 * checks every answer and never asserts a time).
 *
 * `npm run bench -- --cold-start [--runs N] [--processes N] [--out FILE_BASE]`: only the cold start
 * (bench/cold-start.ts), from the packed tarballs installed into a fresh project, counted under
 * callgrind too; the machine, then the table; with --out, FILE_BASE.md and FILE_BASE.tsv
 * (the raw processes).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { checkAnswers, machine as benchMachine } from 'trace-lineage/bench';
import { coldStartProject, coldStarts, coldStartTable, coldStartTsv, repositoryRoot } from './cold-start.js';
import { contenders, floors, type View } from './contenders.js';
import { CORPUS, fresh, type Variant } from './corpus.js';
import { blackhole, crossCheck, measure, type Operation, type Settings, type Timing } from './harness.js';
import { countInstructions, instructionChild, instructionReport } from './instructions.js';
import { chart, report, type Results } from './report.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
if (jsonAt >= 0 && (jsonFile === undefined || jsonFile.startsWith('--'))) throw new Error('--json needs a file name');

// --instructions: instructions per call under callgrind instead of times (bench/instructions.ts);
// --instructions-child: one counted process of it.
if (args[0] === '--instructions-child') {
  instructionChild(args.slice(1));
  process.exit(0);
}
if (args.includes('--instructions')) {
  const value = (flag: string, otherwise: string): string => (args.includes(flag) ? args[args.indexOf(flag) + 1] : otherwise);
  const passes = Number(value('--passes', '2'));
  const width = Number(value('--processes', String(Math.min(2, cpus().length))));
  if (!Number.isInteger(passes) || passes < 1 || !Number.isInteger(width) || width < 1) throw new Error('--passes and --processes need a positive integer');
  const list = (flag: string): string[] => value(flag, '').split(',').filter((name) => name.length > 0);
  const [only, headers] = [list('--only'), list('--headers')];
  const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const counted = await countInstructions(fileURLToPath(import.meta.url), { passes, only, headers, width }, say);
  process.stdout.write(instructionReport(counted));
  if (jsonFile !== undefined) {
    writeFileSync(jsonFile, `${JSON.stringify({ date: new Date().toISOString(), instructions: counted }, null, 2)}\n`);
    say(`wrote ${jsonFile}`);
  }
  process.exit(0);
}

// --cold-start: the cold-start table alone, instructions counted (bench/cold-start.ts).
if (args.includes('--cold-start')) {
  const value = (flag: string, otherwise: string): string => (args.includes(flag) ? args[args.indexOf(flag) + 1] : otherwise);
  const runs = Number(value('--runs', '5'));
  const width = Number(value('--processes', String(Math.min(2, cpus().length))));
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(width) || width < 1) throw new Error('--runs and --processes need a positive integer');
  const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
  const coldMachine = Object.fromEntries(Object.entries(benchMachine()).filter(([, v]) => typeof v !== 'object'));
  const machineLine = `Machine: ${Object.entries(coldMachine).map(([key, v]) => `${key} ${v}`).join(', ')}, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')} at the start.`;
  say(machineLine);
  say('packing the tarballs and installing them into a fresh project');
  const project = coldStartProject(repositoryRoot(import.meta.url));
  const first = CORPUS[0].variants[0];
  const results = await coldStarts(project, first.header, first.outgoing, { runs, instructions: true, width, say });
  const text = `# Cold start: import + first enter, installed tarballs\n\n${machineLine}\n\n${coldStartTable(results)}`;
  process.stdout.write(text);
  const out = value('--out', '');
  if (out !== '') {
    writeFileSync(`${out}.md`, text);
    writeFileSync(`${out}.tsv`, coldStartTsv(results));
    say(`wrote ${out}.md, ${out}.tsv`);
  }
  process.exit(0);
}

const settings: Settings = quick ? { time: 15, warmup: 5, crossCheckTime: 0.05 } : { time: 150, warmup: 30, crossCheckTime: 0.5 };
const ROUNDS = quick ? 1 : 5;
const BATCH_SIZES = [10, 1000];
/** The package's root (the benchmark runs bundled, from target/bench/). */
const root = new URL('./', import.meta.resolve('trace-lineage/package.json'));
const started = performance.now();
const say = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

function command(file: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', env: env ?? process.env }).trim();
  } catch {
    return 'unavailable';
  }
}

function wasmCompiler(): string {
  try {
    return readFileSync(new URL('../wasm-build/rustc-version', import.meta.url), 'utf8').trim();
  } catch {
    return 'unavailable';
  }
}

const machine = {
  // The repository's bench never runs inside Lambda: the host's fields only.
  ...(Object.fromEntries(Object.entries(benchMachine()).filter(([, value]) => typeof value !== 'object')) as Record<string, string | number>),
  rustcNative: command('rustc', ['-V']),
  // What scripts/build-wasm.sh built the module with (rustup's toolchain or Debian's).
  rustcWasm: wasmCompiler(),
};

// ---------------------------------------------------------------------------- 1. verify
const racers = contenders();
const boundary = floors();
const shortVariants = CORPUS[0].variants;
const batches = BATCH_SIZES.map((size) => Array.from({ length: size }, (_, i) => shortVariants[i % shortVariants.length]));

for (const contender of racers) checkAnswers(contender, CORPUS, BATCH_SIZES);
const verify = (what: string, actual: View, expected: View): void => {
  if (!isDeepStrictEqual(actual, expected)) throw new Error(`${what}: wrong answer\n  got      ${JSON.stringify(actual).slice(0, 400)}\n  expected ${JSON.stringify(expected).slice(0, 400)}`);
};
for (const floor of boundary) {
  for (const shape of CORPUS) for (const variant of shape.variants) verify(`${floor.name} ${shape.name}`, floor.run(variant.header), floor.expect(variant));
}
say(`verified ${racers.length} contenders and ${boundary.length} floors on ${CORPUS.length} headers × ${shortVariants.length} variants`);

// ------------------------------------------------------------------------------ 2. time
interface Case {
  op: string;
  header: string;
  contender: string;
  group: string;
  run: Operation;
  /** Operations per call (a batch's headers): timings are reported per header. */
  per: number;
}
const pick = (variants: Variant[]) => (input: number) => variants[input & (variants.length - 1)].header;
const cases: Case[] = [];
for (const shape of CORPUS) {
  const header = pick(shape.variants);
  for (const contender of racers) {
    cases.push({ op: 'hot', header: shape.name, contender: contender.name, group: contender.group, run: (i) => contender.hot(header(i)), per: 1 });
    cases.push({ op: 'parse', header: shape.name, contender: contender.name, group: contender.group, run: (i) => contender.parse(header(i)), per: 1 });
  }
  for (const floor of boundary) {
    cases.push({ op: 'floor', header: shape.name, contender: floor.name, group: 'floor', run: (i) => floor.run(header(i)), per: 1 });
  }
}
for (const batch of batches) {
  // Distinct strings in every batch, as distinct records have.
  const inputs = [0, 1].map(() => batch.map((variant) => fresh(variant.header)));
  for (const contender of racers) {
    cases.push({ op: `batch ${batch.length}`, header: 'short', contender: contender.name, group: contender.group, run: (i) => contender.batch(inputs[i & 1]), per: batch.length });
  }
}

// On a shared machine a burst of noise hits whichever cases run through it: each round runs the
// cases in a rotated order, and a case's p50 is its least-disturbed round's (the minimum over
// rounds), its p99 the median over rounds.
const rounds: Timing[][] = [];
for (let round = 0; round < ROUNDS; round++) {
  say(`round ${round + 1}/${ROUNDS}: ${cases.length} cases`);
  const shift = Math.floor((round * cases.length) / ROUNDS);
  const order = cases.map((_, k) => (k + shift) % cases.length);
  const measured = measure(order.map((i) => cases[i].run), settings);
  const byCase: Timing[] = new Array<Timing>(cases.length);
  order.forEach((i, k) => (byCase[i] = measured[k]));
  rounds.push(byCase);
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
const timings = cases.map((c, i) => ({
  op: c.op,
  header: c.header,
  contender: c.contender,
  group: c.group,
  p50: Math.min(...rounds.map((round) => round[i].p50)) / c.per,
  p99: median(rounds.map((round) => round[i].p99)) / c.per,
  samples: rounds.reduce((sum, round) => sum + round[i].samples, 0),
  inner: rounds[0][i].inner,
}));

say('benchmark.js cross-check: the hot path on the short header');
const crossChecks = cases
  .filter((c) => c.header === 'short' && (c.op === 'hot' || c.op === 'floor'))
  .map((c) => ({ op: c.op, contender: c.contender, meanNs: crossCheck(c.run, settings) }));

// ------------------------------------------------ 3. Rust core, cold start, .wasm size
interface CoreTiming {
  name: string;
  medianNs: number;
}
function rustCore(): CoreTiming[] | 'skipped (--quick)' | string {
  if (quick) return 'skipped (--quick)';
  say('cargo bench -p trace-lineage-core (criterion)');
  try {
    execFileSync('cargo', ['bench', '-q', '-p', 'trace-lineage-core', '--bench', 'core', '--', '--warm-up-time', '1', '--measurement-time', '3'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (error) {
    return `cargo bench failed: ${(error as Error).message}`;
  }
  const names = ['TraceHeader::parse 93 B', 'record::parse 93 B', 'enter 74 B'];
  try {
    return names.map((name) => {
      // Criterion's directory for a benchmark: its id with path-unsafe characters as `_`.
      const directory = name.replace(/[:/\\?*"<>|]/g, '_');
      const estimates = JSON.parse(readFileSync(new URL(`target/criterion/core/${directory}/new/estimates.json`, root), 'utf8')) as { median: { point_estimate: number } };
      return { name, medianNs: estimates.median.point_estimate };
    });
  } catch (error) {
    return `criterion's estimates could not be read: ${(error as Error).message}`;
  }
}
const core = rustCore();

say('cold start: fresh processes, the packed tarballs installed (instructions: --cold-start)');
const shortest = shortVariants[0];
const cold = await coldStarts(coldStartProject(fileURLToPath(root)), shortest.header, shortest.outgoing, { runs: quick ? 3 : 15, instructions: false, width: 1 });
const wasmBytes = statSync(new URL('target/wasm-build/trace_lineage_wasm.wasm', root)).size;

// ---------------------------------------------------------------------------- 4. report
const results: Results = {
  date: new Date().toISOString(),
  quick,
  machine,
  settings: { ...settings, rounds: ROUNDS, variants: shortVariants.length },
  corpus: CORPUS.map((shape) => ({ name: shape.name, description: shape.description, bytes: shape.variants[0].header.length })),
  contenders: [...racers.map((c) => ({ name: c.name, group: c.group, note: c.note })), ...boundary.map((f) => ({ name: f.name, group: 'floor', note: f.note }))],
  timings,
  crossChecks,
  core,
  coldStart: cold,
  wasmBytes,
  seconds: (performance.now() - started) / 1000,
};
const text = report(results);
process.stdout.write(text.console);
if (jsonFile !== undefined) {
  const base = jsonFile.replace(/\.json$/, '');
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.svg`, chart(results));
  writeFileSync(`${base}.md`, text.markdown);
  say(`wrote ${jsonFile}, ${base}.svg, ${base}.md`);
}
say(`done in ${results.seconds.toFixed(0)} s (checksum ${blackhole() & 0xff})`);
