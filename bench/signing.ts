/**
 * `npm run bench:signing [-- --quick] [--callgrind]`: what the signed loop field costs per hop.
 *
 * Cases, on each backend, one `LoopGuard.enter` per call on a realistic header (~100 bytes of
 * Root, Parent, Sampled and Lineage, plus the loop field and its tag):
 *   plain            no keys, trusted source: today's hot path (the baseline)
 *   untrusted        no keys, untrusted source: the incoming loop field is ignored
 *   verify+sign      one key: the incoming tag verifies, the outgoing field is signed
 *   rotation         two keys, the tag made with the second: two tags computed to verify
 *   tag              the MAC alone: one `loopTag` of the header's Root and loop value
 * Each answer is checked before anything is timed. ns per call (tinybench p50; a shared VM is
 * noisy: read the differences), and with `--callgrind` instructions per call: valgrind counts
 * every instruction of `node` for two call counts, and the difference divided by the
 * difference of calls cancels start-up and warm-up (TOOLCHAIN.md, "Counting instructions").
 *
 * `--case NAME --backend B --calls N` (what `--callgrind` runs under valgrind): only N calls.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../ts/backend.js';
import { LoopGuard, type BackendName, type EnterResult } from '../ts/index.js';
import { keyBytes } from '../ts/siphash.js';
import { blackhole, measure, type Operation } from './harness.js';

const KEY = '000102030405060708090a0b0c0d0e0f';
const NEW_KEY = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const ROOT = '1-5759e988-bd862e3fe1be46a994272793';
const BASE = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5`;
const FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:orders';
const UPSTREAM = 'arn:aws:lambda:us-east-1:123456789012:function:billing';

const CASES = ['plain', 'untrusted', 'verify+sign', 'rotation', 'tag'] as const;
type CaseName = (typeof CASES)[number];
const BACKENDS: BackendName[] = ['native', 'wasm', 'js'];

/** The header that reaches FUNCTION: UPSTREAM entered it twice (signed with `key` when given). */
function incoming(backend: BackendName, key?: string): string {
  const upstream = new LoopGuard(UPSTREAM, { backend, keys: key === undefined ? [] : [key] });
  return upstream.enter(upstream.enter(BASE).header).header;
}

/** One call of the case, and the check of its answer (run once before timing). */
function operationOf(name: CaseName, backend: BackendName): { operation: Operation; check: () => void } {
  const enterCase = (guard: LoopGuard, header: string, trusted: boolean, expected: Partial<EnterResult>) => ({
    operation: () => {
      const result = guard.enter(header, { trusted });
      return [result.header, result.count];
    },
    check: () => {
      const result = guard.enter(header, { trusted });
      for (const [key, value] of Object.entries(expected)) {
        if (result[key as keyof EnterResult] !== value) throw new Error(`${name} on ${backend}: ${key} is ${String(result[key as keyof EnterResult])}, not ${String(value)}`);
      }
    },
  });
  switch (name) {
    case 'plain':
      return enterCase(new LoopGuard(FUNCTION, { backend }), incoming(backend), true, { trust: 'trusted', count: 1 });
    case 'untrusted':
      return enterCase(new LoopGuard(FUNCTION, { backend }), incoming(backend), false, { trust: 'untrusted', count: 1 });
    case 'verify+sign':
      return enterCase(new LoopGuard(FUNCTION, { backend, keys: [KEY] }), incoming(backend, KEY), false, { trust: 'verified', count: 1 });
    case 'rotation':
      return enterCase(new LoopGuard(FUNCTION, { backend, keys: [NEW_KEY, KEY] }), incoming(backend, KEY), false, { trust: 'verified', count: 1 });
    case 'tag': {
      const implementation = selectBackend(backend);
      const key = keyBytes(KEY) as Uint8Array;
      const loopValue = /LoopGuard=([^;]*)/.exec(incoming(backend, KEY))?.[1] ?? '';
      return {
        operation: () => [implementation.loopTag(key, ROOT, loopValue)],
        check: () => {
          if (!/^[0-9a-f]{16}$/.test(implementation.loopTag(key, ROOT, loopValue))) throw new Error(`tag on ${backend}: not 16 hex digits`);
        },
      };
    }
  }
}

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};

if (option('--calls') !== undefined) {
  // Under valgrind: only the calls.
  const { operation, check } = operationOf(option('--case') as CaseName, option('--backend') as BackendName);
  check();
  const calls = Number(option('--calls'));
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += operation(i).length;
  if (sum < 0) console.log(blackhole());
} else {
  const quick = args.includes('--quick');
  console.log(`# trace-lineage signing: ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}, Node ${process.version}`);
  console.log(`header: ${incoming('js', KEY).length} bytes signed (${incoming('js').length} unsigned), tag field ;LoopGuardSig=<16 hex> = 30 bytes\n`);
  const rows: string[][] = [];
  for (const backend of BACKENDS) {
    const cases = CASES.map((name) => operationOf(name, backend));
    for (const { check } of cases) check();
    const timings = await measure(
      cases.map(({ operation }) => operation),
      quick ? { time: 50, warmup: 10, crossCheckTime: 0 } : { time: 600, warmup: 100, crossCheckTime: 0 },
    );
    rows.push([backend, ...timings.map((timing) => Math.round(timing.p50).toLocaleString('en-US'))]);
  }
  console.log('ns per call, p50');
  console.log(`| backend | ${CASES.join(' | ')} |\n|---|${CASES.map(() => '---:').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);

  if (args.includes('--callgrind')) {
    const script = fileURLToPath(import.meta.url);
    // valgrind prints its summary (`Collected : <instructions>`) on stderr.
    const count = (name: CaseName, backend: BackendName, calls: number): number => {
      const run = spawnSync(
        'valgrind',
        ['--tool=callgrind', '--callgrind-out-file=/dev/null', '--smc-check=all-non-file', process.execPath, '--no-concurrent-recompilation', '--no-concurrent-osr', ...process.execArgv, script, '--case', name, '--backend', backend, '--calls', String(calls)],
        { encoding: 'utf8' },
      );
      const match = /Collected : (\d+)/.exec(run.stderr ?? '');
      if (run.status !== 0 || match === null) throw new Error(`valgrind failed (${run.status}): ${run.stderr}`);
      return Number(match[1]);
    };
    const [few, many] = quick ? [2_000, 6_000] : [30_000, 90_000];
    console.log(`\ninstructions per call (callgrind: (I(${many}) - I(${few})) / ${many - few})`);
    console.log(`| backend | ${CASES.join(' | ')} |\n|---|${CASES.map(() => '---:').join('|')}|`);
    for (const backend of BACKENDS) {
      const perCall = CASES.map((name) => Math.round((count(name, backend, many) - count(name, backend, few)) / (many - few)));
      console.log(`| ${backend} | ${perCall.map((n) => n.toLocaleString('en-US')).join(' | ')} |`);
    }
  }
}
