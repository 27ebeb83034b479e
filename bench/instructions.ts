/**
 * `npm run bench -- --instructions [--passes N] [--processes N] [--only COLUMNS] [--headers NAMES] [--json FILE]`:
 * instructions per call, counted
 * under callgrind, which counts every instruction a process executes whatever else the machine
 * does (times on a shared machine vary up to 2× between runs; these repeat within a few per cent).
 *
 * Each cell (a contender on a header) is two fresh processes,
 * `valgrind --tool=callgrind node --no-concurrent-recompilation --no-concurrent-osr
 * target/bench/run.mjs --instructions-child CONTENDER HEADER CALLS`, with CALLS and 3 × CALLS
 * calls: start-up, loading and warm-up are the same in both and cancel, so the difference of the
 * two counts divided by the difference of calls is one call's instructions (V8 compiles on the
 * main thread with those flags, so the compiler's work lands in a fixed place). Every call gets
 * the next of the header's variants (distinct strings), and its answer is read to its end (a
 * string's last character read, which flattens a rope: no cost is deferred past the count).
 * Each process checks its contender's answers on every variant before counting.
 *
 * The headers are the issue's (#13) table: the corpus's 93 B V1 Lineage header, a 129 B header
 * with our field of 2 entries (what every hop after the first carries), a 330 B one with 3, a
 * batch of 100 of the 129 B header (per header), the 129 B header entered by two guards with
 * different options in turn (ours only), and the corpus's 8 KB header.
 */
import { execFile } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { alternatingGuards, contenders, floors, type Contender, type View } from './contenders.js';
import type { BackendChoice } from 'trace-lineage';
import { CORPUS, fresh, LOOP_KEY, RESOURCE_HASH, VARIANTS, type Variant } from './corpus.js';

interface CountedHeader {
  name: string;
  label: string;
  variants: Variant[];
  /** Headers per call: a batch's size, or 1. */
  batch: number;
  /** Calls in the shorter of the two runs (the longer has 3 times as many). */
  calls: number;
  /** Two guards with different options, called in turn (ours only). */
  alternating?: boolean;
}

const corpusHeader = (name: string): Variant[] => {
  const shape = CORPUS.find((header) => header.name === name);
  if (shape === undefined) throw new Error(`the corpus has no header "${name}"`);
  return shape.variants;
};

/** Variants of a header whose outgoing header is the input with our entry's count `count - 1` raised to `count`. */
function withOurEntry(header: (root: string, parent: string) => string, count: number): Variant[] {
  const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
  return Array.from({ length: VARIANTS }, (_, i) => {
    const root = `1-5759e988-bd862e3fe1be46a9942727${hex2(i)}`;
    const parent = `53995c3f42cd8a${hex2(255 - i)}`;
    const text = header(root, parent);
    const outgoing = text.replace(`${RESOURCE_HASH}:${count - 1}`, `${RESOURCE_HASH}:${count}`);
    if (outgoing === text) throw new Error(`no entry ${RESOURCE_HASH}:${count - 1} in ${text}`);
    return { header: fresh(text), root, parent, sampled: '1', lineage: '1:fe460cdd:0', outgoing, count };
  });
}

const looped = withOurEntry((root, parent) => `Root=${root};Parent=${parent};Sampled=1;Lineage=1:fe460cdd:0;${LOOP_KEY}=a87bd80c:12|${RESOURCE_HASH}:13`, 14);
const long = withOurEntry(
  (root, parent) =>
    `Root=${root};Parent=${parent};Sampled=1;Self=1-67891233-abcdef012345678912345678;` +
    'CalledFrom=arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/POST/orders;tenant=acme-corp-eu-west-1;' +
    `deploy=2024-11-05T12:00:00Z;Lineage=1:fe460cdd:0;${LOOP_KEY}=a87bd80c:2|68fd508a:5|${RESOURCE_HASH}:3;flag=checkout`,
  4,
);

const HEADERS: CountedHeader[] = [
  { name: 'v1', label: 'V1 Lineage, no loop field', variants: corpusHeader('lineage-v1'), batch: 1, calls: 5_000 },
  { name: 'looped', label: 'our field with 2 entries (every hop after the first)', variants: looped, batch: 1, calls: 5_000 },
  { name: 'long', label: 'long, our field with 3 entries', variants: long, batch: 1, calls: 5_000 },
  { name: 'batch', label: 'batch of 100, per header', variants: looped, batch: 100, calls: 50 },
  { name: 'alternating', label: 'our field with 2 entries, two guards in turn', variants: looped, batch: 1, calls: 5_000, alternating: true },
  { name: 'limit', label: 'at the 8 KB limit', variants: corpusHeader('limit'), batch: 1, calls: 500 },
];

/** The columns: the contenders of bench/contenders.ts the issue's table has, in its order. */
const COLUMNS = [
  { name: 'N-API string echo', short: 'echo' },
  { name: 'ours: native', short: 'native' },
  { name: 'ours: wasm', short: 'wasm' },
  { name: 'ours: js', short: 'js' },
  { name: 'ours: auto', short: 'auto' },
  { name: 'hand-optimised scan', short: 'lean JS' },
  { name: '@opentelemetry/propagator-aws-xray', short: 'OTel' },
  { name: 'aws-xray-sdk-core', short: 'X-Ray SDK' },
] as const;

const isOurs = (name: string): boolean => name.startsWith('ours: ');

/** What one call does, as the timed benchmark runs it. */
function operationOf(contenderName: string, header: CountedHeader): (input: number) => View {
  const floor = floors().find((f) => f.name === contenderName);
  const contender: Contender | undefined = contenders().find((c) => c.name === contenderName);
  const expect = (variant: Variant): View => (floor !== undefined ? floor.expect(variant) : contender!.expectHot(variant));
  let operation: (input: number) => View;
  let expected: (input: number) => View;
  if (header.batch > 1) {
    if (contender === undefined || !isOurs(contenderName)) throw new Error(`${contenderName} has no batch call`);
    // Two batches of distinct strings, as distinct records are.
    const batches = [0, 1].map((k) => Array.from({ length: header.batch }, (_, i) => header.variants[(i + k) % VARIANTS]));
    const inputs = batches.map((batch) => batch.map((variant) => fresh(variant.header)));
    operation = (i) => contender.batch(inputs[i & 1]);
    expected = (i) => batches[i & 1].flatMap(expect);
  } else if (header.alternating) {
    if (contender === undefined || !isOurs(contenderName)) throw new Error(`${contenderName} has no guards to alternate`);
    const run = alternatingGuards(contenderName.slice('ours: '.length) as BackendChoice);
    operation = (i) => run(header.variants[i % VARIANTS].header);
    expected = (i) => expect(header.variants[i % VARIANTS]);
  } else {
    const run = floor !== undefined ? floor.run : contender!.hot;
    operation = (i) => run(header.variants[i % VARIANTS].header);
    expected = (i) => expect(header.variants[i % VARIANTS]);
  }
  // X-Ray re-emits the trace context, then what its byte budget kept of the rest: a prefix.
  const matches = (actual: View, wanted: View): boolean =>
    contenderName === 'aws-xray-sdk-core'
      ? actual.length === 1 && typeof actual[0] === 'string' && actual[0].startsWith(String(wanted[0]))
      : isDeepStrictEqual(actual, wanted);
  for (let i = 0; i < VARIANTS; i++) {
    const actual = operation(i);
    if (!matches(actual, expected(i))) {
      throw new Error(`${contenderName} on ${header.name}: wrong answer\n  got      ${JSON.stringify(actual).slice(0, 300)}\n  expected ${JSON.stringify(expected(i)).slice(0, 300)}`);
    }
  }
  return operation;
}

/** Every string read to its last character (a rope is flattened), every number added. */
function readToEnd(view: View): number {
  let sum = 0;
  for (const value of view) {
    if (typeof value === 'string') sum += value.length === 0 ? 1 : value.charCodeAt(value.length - 1);
    else if (typeof value === 'number') sum += value;
  }
  return sum;
}

/** The child process: check the answers, then CALLS calls; prints a checksum so nothing is dead. */
export function instructionChild(args: string[]): void {
  const [contenderName, headerName, callsText] = args;
  const header = HEADERS.find((h) => h.name === headerName);
  if (header === undefined || contenderName === undefined) throw new Error(`--instructions-child CONTENDER HEADER CALLS, got ${args.join(' ')}`);
  const operation = operationOf(contenderName, header);
  const calls = Number(callsText);
  let sum = 0;
  for (let i = 0; i < calls; i++) sum = (sum + readToEnd(operation(i))) | 0;
  process.stdout.write(`checksum ${sum}\n`);
}

const VALGRIND = [
  '--tool=callgrind',
  '--callgrind-out-file=/dev/null',
  '--smc-check=all-non-file',
];
const NODE_FLAGS = ['--no-concurrent-recompilation', '--no-concurrent-osr'];

/** Instructions the whole child process executed, as callgrind counts them. */
function collected(script: string, contenderName: string, headerName: string, calls: number): Promise<number> {
  const args = [...VALGRIND, process.execPath, ...NODE_FLAGS, script, '--instructions-child', contenderName, headerName, String(calls)];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { maxBuffer: 1 << 24 }, (error, _stdout, stderr) => {
      const match = /Collected : (\d+)/.exec(stderr);
      if (error !== null || match === null) reject(new Error(`valgrind ${contenderName} ${headerName} ${calls}: ${error?.message ?? 'no "Collected" line'}\n${stderr.slice(-2000)}`));
      else resolve(Number(match[1]));
    });
  });
}

export interface InstructionCell {
  contender: string;
  header: string;
  /** Instructions per header, one figure per pass. */
  passes: number[];
}

export interface InstructionResults {
  method: string;
  node: string;
  headers: Array<{ name: string; label: string; bytes: number; batch: number; calls: [number, number] }>;
  cells: InstructionCell[];
  /** The issue's ratios per header, from the first pass. */
  ratios: Array<{ header: string; ratio: string; value: number | null; target: number | null; met: boolean | null }>;
}

/** Runs `tasks` with at most `width` in flight. */
async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const k = next++;
      results[k] = await tasks[k]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

/** The issue's ratios and their targets (#13, "Targets"). */
const RATIOS: Array<{ ratio: string; over: string; under: string; target: (header: string) => number | null }> = [
  { ratio: 'auto / OTel', over: 'ours: auto', under: '@opentelemetry/propagator-aws-xray', target: (h) => (h === 'limit' ? 1 : h === 'batch' ? null : 0.1) },
  { ratio: 'native / echo', over: 'ours: native', under: 'N-API string echo', target: (h) => (h === 'v1' ? 2 : h === 'looped' ? 3 : null) },
  { ratio: 'js / lean JS', over: 'ours: js', under: 'hand-optimised scan', target: (h) => (h === 'batch' || h === 'limit' ? null : 1.5) },
  { ratio: 'wasm / native', over: 'ours: wasm', under: 'ours: native', target: () => 1.3 },
];

/**
 * Count every cell `passes` times; `script` is the bundled bench (target/bench/run.mjs); `only`,
 * `headers`: the columns (their short names) and headers (their names) to count, all when
 * empty; `width`: processes at a time.
 */
export async function countInstructions(
  script: string,
  { passes, only, headers, width }: { passes: number; only: string[]; headers: string[]; width: number },
  say: (line: string) => void,
): Promise<InstructionResults> {
  const cells: InstructionCell[] = [];
  for (const header of HEADERS) {
    if (headers.length > 0 && !headers.includes(header.name)) continue;
    for (const column of COLUMNS) {
      if (((header.batch > 1 || header.alternating) && !isOurs(column.name)) || (only.length > 0 && !only.includes(column.short))) continue;
      cells.push({ contender: column.name, header: header.name, passes: [] });
    }
  }
  for (let pass = 0; pass < passes; pass++) {
    say(`instructions pass ${pass + 1}/${passes}: ${cells.length} cells × 2 processes under callgrind, ${width} at a time`);
    const tasks = cells.flatMap((cell) => {
      const header = HEADERS.find((h) => h.name === cell.header)!;
      return [header.calls, 3 * header.calls].map((calls) => () => collected(script, cell.contender, cell.header, calls));
    });
    const counts = await pool(tasks, width);
    cells.forEach((cell, k) => {
      const header = HEADERS.find((h) => h.name === cell.header)!;
      cell.passes.push((counts[2 * k + 1] - counts[2 * k]) / (2 * header.calls * header.batch));
    });
  }
  const first = (contender: string, header: string): number | null => cells.find((c) => c.contender === contender && c.header === header)?.passes[0] ?? null;
  const ratios = HEADERS.flatMap((header) =>
    RATIOS.map(({ ratio, over, under, target }) => {
      const a = first(over, header.name);
      const b = first(under, header.name);
      const value = a === null || b === null ? null : a / b;
      const wanted = target(header.name);
      return { header: header.name, ratio, value, target: wanted, met: value === null || wanted === null ? null : value <= wanted };
    }),
  );
  return {
    method: `callgrind (valgrind ${VALGRIND.join(' ')}), node ${NODE_FLAGS.join(' ')}; per call = (count(3N) - count(N)) / 2N, per header for a batch`,
    node: process.version,
    headers: HEADERS.filter((h) => cells.some((c) => c.header === h.name)).map((h) => ({ name: h.name, label: h.label, bytes: h.variants[0].header.length, batch: h.batch, calls: [h.calls, 3 * h.calls] })),
    cells,
    ratios,
  };
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** The table (markdown, first pass), the spread between passes, and the ratios against the targets. */
export function instructionReport(results: InstructionResults): string {
  const lines: string[] = [];
  lines.push('Instructions per call (callgrind; enter + outgoing header, the output read to its end):', '');
  lines.push(`| header | ${COLUMNS.map((c) => c.short).join(' | ')} |`);
  lines.push(`|---|${COLUMNS.map(() => '---:').join('|')}|`);
  let spread = 0;
  for (const header of results.headers) {
    const row = COLUMNS.map((column) => {
      const cell = results.cells.find((c) => c.contender === column.name && c.header === header.name);
      if (cell === undefined) return '';
      for (const value of cell.passes) spread = Math.max(spread, Math.abs(value / cell.passes[0] - 1));
      return cell.passes.map(thousands).join(' / ');
    });
    lines.push(`| ${header.bytes} B, ${header.label} | ${row.join(' | ')} |`);
  }
  if (results.cells[0]?.passes.length > 1) lines.push('', `(a / b: the passes; largest difference from the first pass ${(100 * spread).toFixed(1)} %)`);
  lines.push('', '| header | ratio | measured | target | |', '|---|---|---:|---:|---|');
  for (const r of results.ratios) {
    if (r.value === null) continue;
    const header = results.headers.find((h) => h.name === r.header)!;
    const verdict = r.met === null ? '' : r.met ? 'met' : 'missed';
    lines.push(`| ${header.bytes} B ${header.name} | ${r.ratio} | ${r.value.toFixed(2)} | ${r.target === null ? '' : `≤ ${r.target}`} | ${verdict} |`);
  }
  return `${lines.join('\n')}\n`;
}
