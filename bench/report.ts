/**
 * The report: markdown tables (printed, and written next to the JSON), the ratios, the targets
 * of issue 3 evaluated on this run's numbers, and an SVG chart of the main table.
 */
import { coldStartTable, type ColdStartResults } from './cold-start.js';

export interface CaseTiming {
  op: string;
  header: string;
  contender: string;
  group: string;
  /** ns per operation (per header for a batch). */
  p50: number;
  p99: number;
  samples: number;
  inner: number;
}

export interface Results {
  date: string;
  quick: boolean;
  machine: Record<string, string | number>;
  settings: Record<string, number>;
  corpus: Array<{ name: string; description: string; bytes: number }>;
  contenders: Array<{ name: string; group: string; note: string }>;
  timings: CaseTiming[];
  crossChecks: Array<{ op: string; contender: string; meanNs: number }>;
  core: Array<{ name: string; medianNs: number }> | string;
  coldStart: ColdStartResults;
  wasmBytes: number;
  seconds: number;
}

const OURS = ['ours: auto', 'ours: native', 'ours: wasm', 'ours: js'];
const PEERS = ['hand-optimised scan', 'naive split/join', 'aws-xray-sdk-core', '@opentelemetry/propagator-aws-xray'];

const ns = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)} µs` : `${value.toFixed(value >= 100 ? 0 : 1)} ns`);
const times = (ratio: number): string => `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
const row = (cells: string[]): string => `| ${cells.join(' | ')} |\n`;
const table = (head: string[], rows: string[][]): string =>
  row(head) + row(head.map((_, i) => (i === 0 ? '---' : '---:'))) + rows.map(row).join('') + '\n';

function lookup(results: Results) {
  return (op: string, header: string, contender: string): CaseTiming => {
    const found = results.timings.find((t) => t.op === op && t.header === header && t.contender === contender);
    if (found === undefined) throw new Error(`no timing for ${op} ${header} ${contender}`);
    return found;
  };
}

export interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** Issue 3's targets, on this run's numbers. */
export function targets(results: Results): Target[] {
  const at = lookup(results);
  const hot = (contender: string): number => at('hot', 'short', contender).p50;
  const floor = (name: string): number => at('floor', 'short', name).p50;
  const list: Target[] = [];
  for (const peer of ['@opentelemetry/propagator-aws-xray', 'aws-xray-sdk-core']) {
    const ratio = hot(peer) / hot('ours: auto');
    list.push({ target: `auto hot path ≥ 20× faster than ${peer}`, measured: `${times(ratio)} (${ns(hot('ours: auto'))} vs ${ns(hot(peer))})`, met: ratio >= 20 });
  }
  const native = hot('ours: native') / floor('N-API string echo');
  list.push({ target: 'native end to end ≤ 1.5× the N-API string echo', measured: `${times(native)} (${ns(hot('ours: native'))} vs ${ns(floor('N-API string echo'))})`, met: native <= 1.5 });
  const wasm = hot('ours: wasm') / floor('WASM string echo');
  list.push({ target: 'wasm end to end ≤ 1.2× the WASM string echo', measured: `${times(wasm)} (${ns(hot('ours: wasm'))} vs ${ns(floor('WASM string echo'))})`, met: wasm <= 1.2 });
  const shapes = results.corpus.map((shape) => shape.name);
  const slower = shapes.filter((shape) => at('hot', shape, 'ours: js').p50 > at('hot', shape, 'hand-optimised scan').p50);
  const worst = Math.max(...shapes.map((shape) => at('hot', shape, 'ours: js').p50 / at('hot', shape, 'hand-optimised scan').p50));
  list.push({
    target: 'TS reference at least as fast as the hand-optimised scan (hot path, every header)',
    measured: slower.length === 0 ? `yes, at most ${times(worst)} its time` : `slower on ${slower.join(', ')} (up to ${times(worst)})`,
    met: slower.length === 0,
  });
  const batch = at('batch 1000', 'short', 'ours: native').p50;
  list.push({ target: 'N-API batch of 1000 ≤ 40 ns per header', measured: `${ns(batch)} per header`, met: batch <= 40 });
  if (typeof results.core !== 'string') {
    // record::parse is what the bindings call (spans, accessors validated, the record written);
    // TraceHeader::parse (spans only) is shown beside it.
    const parse = results.core.find((c) => c.name === 'record::parse 93 B');
    const spans = results.core.find((c) => c.name === 'TraceHeader::parse 93 B');
    if (parse !== undefined) {
      const beside = spans === undefined ? '' : ` (spans only, TraceHeader::parse: ${ns(spans.medianNs)})`;
      list.push({ target: 'Rust core parse of a 93-byte header ≤ 25 ns (record::parse)', measured: `${ns(parse.medianNs)}${beside}`, met: parse.medianNs <= 25 });
    }
  }
  for (const shape of autoShapes(results)) {
    list.push({
      target: `auto takes the fastest backend: ${shape.shape}`,
      measured: `${times(shape.autoOverFastest)} the fastest (${shape.fastest})`,
      met: shape.autoOverFastest <= 1.1,
    });
  }
  // Where the addon cannot load, auto takes wasm: it must beat the reference on every shape.
  const jsFaster = autoShapes(results).filter((shape) => shape.backends[2].p50 < shape.backends[1].p50);
  list.push({
    target: 'without the addon, auto takes wasm: faster than js on every shape',
    measured: jsFaster.length === 0 ? 'yes' : `js faster on ${jsFaster.map((shape) => shape.shape).join(', ')}`,
    met: jsFaster.length === 0,
  });
  list.push({ target: '.wasm ≤ 30 KB', measured: `${(results.wasmBytes / 1024).toFixed(1)} KB (${results.wasmBytes} B)`, met: results.wasmBytes <= 30 * 1024 });
  // Wall clock here (instructions: `--cold-start`), over the empty module's process.
  for (const [backend, limit] of [['native', 2], ['wasm', 4]] as const) {
    const cold = results.coldStart.rows.find((row) => row.backend === backend);
    if (cold !== undefined) list.push({ target: `import + first enter ≤ ${limit} ms over an empty module (${backend}, wall clock)`, measured: `${cold.overEmptyModuleMs.toFixed(2)} ms`, met: cold.overEmptyModuleMs <= limit });
  }
  return list;
}

/** Per call shape: each backend, auto, and how close auto is to the fastest. */
export function autoShapes(results: Results) {
  const at = lookup(results);
  const shapes: Array<[string, string, string]> = [
    ['hot path, short header', 'hot', 'short'],
    ['hot path, long header', 'hot', 'long'],
    ['hot path, 8 KB header', 'hot', 'limit'],
    ['parse, short header', 'parse', 'short'],
    ['batch of 10', 'batch 10', 'short'],
    ['batch of 1000', 'batch 1000', 'short'],
  ];
  return shapes.map(([shape, op, header]) => {
    const backends = ['native', 'wasm', 'js'].map((name) => ({ name, p50: at(op, header, `ours: ${name}`).p50 }));
    const fastest = backends.reduce((best, next) => (next.p50 < best.p50 ? next : best));
    const auto = at(op, header, 'ours: auto').p50;
    return { shape, backends, auto, fastest: fastest.name, autoOverFastest: auto / fastest.p50 };
  });
}

export function report(results: Results): { console: string; markdown: string } {
  const at = lookup(results);
  const headers = results.corpus.map((shape) => shape.name);
  const racers = [...OURS, ...PEERS];
  let out = '';
  out += `## Machine\n\n`;
  out += table(['', ''], Object.entries(results.machine).map(([key, value]) => [key, String(value)]));
  out += `${results.quick ? '**Quick run (CI smoke): timings are indicative only.** ' : ''}the shared harness (ts/bench/harness.ts): ${results.settings.rounds} round(s) × ${results.settings.time} ms per case, in a rotated order each round; p50: the lowest of the rounds, p99: their median; ${results.settings.variants} variants of each header; every answer checked first.\n\n`;

  const matrix = (op: string, title: string): void => {
    out += `## ${title}\n\nns per call, p50 (p99).\n\n`;
    const rows = racers.map((name) => [name, ...headers.map((header) => `${ns(at(op, header, name).p50)} (${ns(at(op, header, name).p99)})`)]);
    out += table(['', ...headers], rows);
  };
  matrix('hot', 'Hot path: parse + enter + outgoing header (the main table)');
  out += '## Boundary floors\n\nns per call, p50 (p99), on each header.\n\n';
  const floorNames = [...new Set(results.timings.filter((t) => t.op === 'floor').map((t) => t.contender))];
  out += table(['', ...headers], floorNames.map((name) => [name, ...headers.map((header) => `${ns(at('floor', header, name).p50)} (${ns(at('floor', header, name).p99)})`)]));
  matrix('parse', 'Parse only: the values a caller reads (Root, Parent, Sampled, Lineage)');

  out += '## Batches\n\nns per header, p50 (p99): ours in one `enterBatch` call, peers one call per header.\n\n';
  const batchOps = [...new Set(results.timings.filter((t) => t.op.startsWith('batch')).map((t) => t.op))];
  out += table(['', ...batchOps], racers.map((name) => [name, ...batchOps.map((op) => `${ns(at(op, 'short', name).p50)} (${ns(at(op, 'short', name).p99)})`)]));

  out += '## Ratios (hot path, short header, same run)\n\nHow many times faster than each peer (peer p50 / ours p50), and how far from each floor (ours / floor).\n\n';
  const hot = (name: string): number => at('hot', 'short', name).p50;
  const floor = (name: string): number => at('floor', 'short', name).p50;
  out += table(
    ['', ...PEERS, 'N-API echo', 'WASM echo'],
    OURS.map((name) => [name, ...PEERS.map((peer) => times(hot(peer) / hot(name))), times(hot(name) / floor('N-API string echo')), times(hot(name) / floor('WASM string echo'))]),
  );

  out += '## auto, per call shape\n\nns per call (per header for batches), p50.\n\n';
  out += table(
    ['shape', 'native', 'wasm', 'js', 'auto', 'fastest', 'auto / fastest'],
    autoShapes(results).map((shape) => [shape.shape, ...shape.backends.map((b) => ns(b.p50)), ns(shape.auto), shape.fastest, times(shape.autoOverFastest)]),
  );

  out += '## Cross-check: benchmark.js (hot path, short header)\n\n';
  out += table(
    ['', 'harness p50', 'benchmark.js mean'],
    results.crossChecks.map((check) => [check.contender, ns(at(check.op, 'short', check.contender).p50), ns(check.meanNs)]),
  );

  out += '## Rust core alone (criterion, `cargo bench -p trace-lineage-core`)\n\n';
  out += typeof results.core === 'string' ? `${results.core}\n\n` : table(['', 'median'], results.core.map((c) => [c.name, ns(c.medianNs)]));

  out += '## Cold start (fresh processes, the packed tarballs installed: import + first enter)\n\n';
  out += 'Each process whole, minus a process that imports an empty module (the target\'s definition), or an empty package by its bare name; instruction counts with `npm run bench -- --cold-start`.\n\n';
  out += `${coldStartTable(results.coldStart)}\n`;
  out += `.wasm: ${results.wasmBytes} bytes (${(results.wasmBytes / 1024).toFixed(1)} KB).\n\n`;

  out += '## Targets (issue 3), on this run\n\n';
  out += table(['target', 'measured', 'met'], targets(results).map((t) => [t.target, t.measured, t.met ? 'yes' : '**no**']));

  out += '## Contenders\n\n';
  out += table(['', 'what it does'], results.contenders.map((c) => [c.name, c.note]));
  out += '## Corpus\n\n';
  out += table(['header', 'bytes', ''], results.corpus.map((c) => [c.name, String(c.bytes), c.description]));
  return { console: out, markdown: `# trace-lineage benchmark results\n\n${results.date}, \`npm run bench\`${results.quick ? ' --quick' : ''}.\n\n${out}` };
}

const COLORS: Record<string, string> = {
  'ours: auto': '#1b5e20',
  'ours: native': '#388e3c',
  'ours: wasm': '#66bb6a',
  'ours: js': '#a5d6a7',
  'hand-optimised scan': '#1565c0',
  'naive split/join': '#64b5f6',
  'aws-xray-sdk-core': '#ef6c00',
  '@opentelemetry/propagator-aws-xray': '#c62828',
};

/** The main table as grouped horizontal bars on a log scale: one group per header. */
export function chart(results: Results): string {
  const at = lookup(results);
  const headers = results.corpus.map((shape) => shape.name);
  const racers = [...OURS, ...PEERS];
  const bar = 9;
  const group = racers.length * bar + 14;
  const left = 110;
  const width = 760;
  const plot = width - left - 90;
  const top = 40;
  const height = top + headers.length * group + 70;
  const values = headers.flatMap((header) => racers.map((name) => at('hot', header, name).p50));
  const low = 10 ** Math.floor(Math.log10(Math.min(...values)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(...values)));
  const x = (value: number): number => left + (plot * Math.log10(value / low)) / Math.log10(high / low);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">\n`;
  svg += `<rect width="${width}" height="${height}" fill="white"/>\n`;
  svg += `<text x="${left}" y="18" font-size="13" font-weight="bold">Hot path (parse + enter + outgoing header): ns per call, p50, log scale</text>\n`;
  svg += `<text x="${left}" y="32" fill="#555">${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node}; ${results.date.slice(0, 10)}</text>\n`;
  for (let tick = low; tick <= high; tick *= 10) {
    svg += `<line x1="${x(tick)}" y1="${top}" x2="${x(tick)}" y2="${top + headers.length * group}" stroke="#ddd"/>`;
    svg += `<text x="${x(tick)}" y="${top + headers.length * group + 14}" text-anchor="middle" fill="#555">${ns(tick)}</text>\n`;
  }
  headers.forEach((header, h) => {
    const y0 = top + h * group + 6;
    svg += `<text x="${left - 8}" y="${y0 + (racers.length * bar) / 2 + 4}" text-anchor="end" font-weight="bold">${header}</text>\n`;
    racers.forEach((name, r) => {
      const value = at('hot', header, name).p50;
      const y = y0 + r * bar;
      svg += `<rect x="${left}" y="${y}" width="${Math.max(1, x(value) - left).toFixed(1)}" height="${bar - 2}" fill="${COLORS[name]}"/>`;
      svg += `<text x="${(x(value) + 3).toFixed(1)}" y="${y + bar - 2}" font-size="8" fill="#333">${ns(value)}</text>\n`;
    });
  });
  const legendY = top + headers.length * group + 30;
  racers.forEach((name, r) => {
    const lx = left + (r % 4) * 165;
    const ly = legendY + Math.floor(r / 4) * 16;
    svg += `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[name]}"/><text x="${lx + 14}" y="${ly}">${name}</text>\n`;
  });
  return `${svg}</svg>\n`;
}
