/**
 * Resource bounds (`npm run bench:resources`), per backend:
 *
 * 1. Memory stays flat: RSS (after a forced GC) and the WASM module's memory pages, sampled
 *    every million calls over 10 million calls of the public API (parse, LoopGuard.enter,
 *    setField, validateLineage on realistic, lenient and malformed headers; every 1,000th call
 *    gets an oversized, hostile or full-of-entries header, or such a value or Lineage).
 * 2. Time grows linearly with the header's length: the time of a call on headers from 1 KiB to
 *    64 KiB, for the shapes that would expose a quadratic path (many fields, many fields without
 *    `=`, a loop field full of entries to evict). Linear: 64 KiB costs about 64 times 1 KiB.
 *
 * Every answer is checked against the reference before anything is timed.
 *
 *   npm run bench:resources [-- --calls 10000000] [--backends native,wasm,js] [--skip-memory] [--skip-time]
 */
import { cpus, loadavg } from 'node:os';
import { LoopGuard, backendName, parse, setField, validateLineage, type BackendName, type Options } from '../ts/index.js';
import * as wasmGlue from '../ts/generated/trace_lineage_wasm.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const CALLS = Number(flag('calls') ?? 10_000_000);
const BACKENDS = (flag('backends') ?? 'native,wasm,js').split(',') as BackendName[];
const SAMPLE_EVERY = Math.max(1, Math.floor(CALLS / 10));
const MB = 1 << 20;
const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) console.warn('note: run with node --expose-gc for RSS after a full GC (npm run bench:resources does)');

function fullOfEntries(length: number): string {
  const head = `${ROOT};LoopGuard=`;
  const entries: string[] = [];
  for (let i = 1; head.length + 11 * (entries.length + 1) <= length; i++) entries.push(`${i.toString(16).padStart(8, '0')}:${i % 7}`);
  return head + entries.join('|');
}

/** The calls of the memory run: small and realistic, and now and then a large or hostile one. */
const SMALL = [
  `${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`,
  `${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5`,
  `${ROOT};Sampled=?;Lineage=1:fe460cdd:0;LoopGuard=0badc0de:3|deadbeef:17`,
  ` root = 1-5759e988-bd862e3fe1be46a994272793 ;;;Flag;=x;Sampled=1; `,
  `${ROOT};Foo=\u00e9`,
  `${ROOT}\r\nX-Injected: 1`,
  '',
];
const LARGE = [
  fullOfEntries(8192),
  'x'.repeat(MB),
  `${ROOT};Pad=${'p'.repeat(8192 - ROOT.length - 5)}`,
  '\ud800'.repeat(10_000),
  Array.from({ length: 65 }, (_, i) => `k${i}=v`).join(';'),
];

function call(i: number, guard: LoopGuard, options: Options): void {
  const header = i % 1000 === 999 ? LARGE[(i / 1000) % LARGE.length | 0] : SMALL[i % SMALL.length];
  try {
    switch (i & 3) {
      case 0:
        parse(header, options);
        break;
      case 1:
        guard.enter(header);
        break;
      case 2:
        setField(SMALL[0], 'Sampled', i % 1000 === 999 ? header : '0', options);
        break;
      default:
        validateLineage(header, options);
    }
  } catch {
    // Errors are expected answers here (too_long, invalid_byte, ...): only memory is measured.
  }
}

const rssMb = (): number => {
  gc?.();
  return process.memoryUsage().rss / MB;
};
/** The instance the wasm backend loaded: the glue's initSync returns it once it exists. */
const wasmPages = (backend: BackendName): number | undefined =>
  backend === 'wasm' ? wasmGlue.initSync(undefined as never).memory.buffer.byteLength / 65536 : undefined;

interface MemoryRow {
  backend: BackendName;
  calls: number;
  seconds: number;
  rss: number[];
  pages: Array<number | undefined>;
}

function memoryRun(backend: BackendName): MemoryRow {
  const options: Options = { backend };
  const guard = new LoopGuard('arn:aws:lambda:us-east-1:123456789012:function:orders', options);
  if (backendName(options) !== backend) throw new Error(`backend ${backend} did not load`);
  // Warm up (JIT, buffers grown to their working size) before the first sample.
  for (let i = 0; i < 100_000; i++) call(i, guard, options);
  const rss = [rssMb()];
  const pages = [wasmPages(backend)];
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    call(i, guard, options);
    if ((i + 1) % SAMPLE_EVERY === 0) {
      rss.push(rssMb());
      pages.push(wasmPages(backend));
    }
  }
  return { backend, calls: CALLS, seconds: Number(process.hrtime.bigint() - started) / 1e9, rss, pages };
}

/** The shapes that would expose a quadratic path, each as (header of about `length`) -> call. */
const LIMITS: Options = { maxLength: 1 << 16, maxFields: 4096 };
const SHAPES: Array<{ name: string; header: (length: number) => string; run: (header: string, backend: BackendName) => unknown }> = [
  {
    name: 'parse, fields `kNNNN=value`',
    header: (length) => fields(length, (i) => `k${i}=${'v'.repeat(12)}`),
    run: (header, backend) => parse(header, { ...LIMITS, backend }).fields.length,
  },
  {
    name: 'parse, fields without `=`',
    header: (length) => fields(length, (i) => `flag${i}${'f'.repeat(10)}`),
    run: (header, backend) => parse(header, { ...LIMITS, backend }).diagnostics.length,
  },
  {
    name: 'enter, loop field full of entries',
    header: fullOfEntries,
    run: (header, backend) => guardOn(backend).enter(header).header,
  },
  {
    name: 'setField, one long value',
    header: (length) => `${ROOT};Pad=${'p'.repeat(length - ROOT.length - 15)};Sampled=1`,
    run: (header, backend) => setField(header, 'Sampled', '0', { ...LIMITS, backend }),
  },
];
const LENGTHS = [1024, 4096, 16384, 65536];
const guards = new Map<BackendName, LoopGuard>();
function guardOn(backend: BackendName): LoopGuard {
  let guard = guards.get(backend);
  if (guard === undefined) guards.set(backend, (guard = new LoopGuard('orders', { ...LIMITS, backend })));
  return guard;
}

function fields(length: number, field: (i: number) => string): string {
  let header = ROOT;
  for (let i = 0; header.length + field(i).length + 1 <= length; i++) header += `;${field(i)}`;
  return header;
}

/** Median nanoseconds per call: batches of calls for at least ~20 ms each, 7 batches. */
function timePerCall(run: () => unknown): number {
  let batch = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) run();
    if (Number(process.hrtime.bigint() - start) > 20e6 || batch > 1e6) break;
    batch *= 2;
  }
  const perCall: number[] = [];
  for (let k = 0; k < 7; k++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) run();
    perCall.push(Number(process.hrtime.bigint() - start) / batch);
  }
  return perCall.sort((a, b) => a - b)[3];
}

const micro = (ns: number): string => (ns >= 1e5 ? `${(ns / 1e3).toFixed(0)}` : `${(ns / 1e3).toFixed(1)}`);

function timeTable(backends: BackendName[]): string[] {
  const lines = [
    `| backend | call (µs per call) | ${LENGTHS.map((l) => `${l / 1024} KiB`).join(' | ')} | ${LENGTHS.at(-1)! / 1024} KiB ÷ ${LENGTHS[0] / 1024} KiB |`,
    `|---|---|${LENGTHS.map(() => '---:').join('|')}|---:|`,
  ];
  for (const backend of backends) {
    for (const shape of SHAPES) {
      const times = LENGTHS.map((length) => {
        const header = shape.header(length);
        const expected = JSON.stringify(shape.run(header, 'js'));
        const actual = JSON.stringify(shape.run(header, backend));
        if (actual !== expected) throw new Error(`${backend}, ${shape.name}, ${length}: ${actual} differs from the reference's ${expected}`);
        return timePerCall(() => shape.run(header, backend));
      });
      lines.push(`| ${backend} | ${shape.name} | ${times.map(micro).join(' | ')} | ${(times.at(-1)! / times[0]).toFixed(0)} |`);
    }
  }
  return lines;
}

function memoryTable(rows: MemoryRow[]): string[] {
  const lines = [
    '| backend | calls | seconds | RSS after warm-up → after all calls (MiB) | RSS max − min over the samples (MiB) | WASM pages (64 KiB) first → last |',
    '|---|---:|---:|---|---:|---|',
  ];
  for (const row of rows) {
    const spread = Math.max(...row.rss) - Math.min(...row.rss);
    const pages = row.pages[0] === undefined ? '—' : `${row.pages[0]} → ${row.pages.at(-1)} (max ${Math.max(...(row.pages as number[]))})`;
    lines.push(
      `| ${row.backend} | ${row.calls.toLocaleString('en-US')} | ${row.seconds.toFixed(0)} | ${row.rss[0].toFixed(1)} → ${row.rss.at(-1)!.toFixed(1)} | ${spread.toFixed(1)} | ${pages} |`,
    );
  }
  return lines;
}

console.log(`# trace-lineage resources: ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
if (!args.includes('--skip-time')) {
  console.log('\nTime per call against the header length (linear: the last column near the length ratio, 64):\n');
  console.log(timeTable(BACKENDS).join('\n'));
}
if (!args.includes('--skip-memory')) {
  console.log(`\nMemory over ${CALLS.toLocaleString('en-US')} calls per backend, sampled every ${SAMPLE_EVERY.toLocaleString('en-US')}:\n`);
  const rows: MemoryRow[] = [];
  for (const backend of BACKENDS) {
    rows.push(memoryRun(backend));
    console.error(`  ${backend}: ${rows.at(-1)!.seconds.toFixed(0)} s; RSS ${rows.at(-1)!.rss.map((r) => r.toFixed(0)).join(' ')}`);
  }
  console.log(memoryTable(rows).join('\n'));
}
