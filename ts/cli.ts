#!/usr/bin/env node
/**
 * trace-lineage command line.
 *
 *   trace-lineage parse [--backend B] [limits] '<header>'         parsed header as JSON
 *   trace-lineage enter --resource ID [--threshold N] [--max-entries N] [--backend B] '<header>'
 *   trace-lineage demo [--endpoint URL]                              five recursive loops, stopped
 *   trace-lineage bench [--json] [--seconds N] [--backend B] [--no-peers]   per-call cost, measured here
 *   trace-lineage fuzz <module> [--shape header|parse] [--export NAME] [--seconds N] [--seed N] [--json]
 *
 * A hard error prints {"error":{"code","name","offset"}} and exits with status 2; a usage
 * error exits with status 1; a demo loop not stopped, or a fuzz finding, exits with status 3.
 * bench and fuzz print their progress on stderr and their report on stdout.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { LoopGuard, TraceHeaderError, parse, type BackendChoice, type LoopGuardOptions } from './index.js';

const USAGE = `usage:
  trace-lineage parse [--backend auto|native|wasm|js] [--max-length N] [--max-fields N] [--loop-key K] '<header>'
  trace-lineage enter --resource ID [--threshold N] [--max-entries N] [--max-count N] [same options] '<header>'
  trace-lineage demo [--endpoint URL]   (SQS and SNS on an SQS/SNS-compatible server instead of the embedded broker)
  trace-lineage bench [--json] [--seconds N] [--backend B]... [--no-peers]
      per-call cost of each backend that loads here (and of @opentelemetry/propagator-aws-xray and
      aws-xray-sdk-core when installed next to it): parse and the hot path, p50/p99, calls/s
  trace-lineage fuzz <module> [--shape header|parse] [--export NAME] [--seconds N] [--seed N] [--json]
      differential fuzzing of your header function (default export: (incomingHeader) => outgoingHeader;
      --shape parse: (incomingHeader) => { root, parent, sampled, lineage }) against our reference`;

/** The optional peer dependencies a command needs, by the package its error names. */
const DEMO_CLIENTS = ['@aws-sdk/client-sqs', '@aws-sdk/client-sns', '@aws-sdk/client-s3', '@aws-sdk/client-dynamodb'];

class MissingPackages extends Error {}

/** `load()`, or a one-line MissingPackages naming what to install when one of `packages` is absent. */
async function withOptional<T>(what: string, packages: string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const require = createRequire(import.meta.url);
    const missing = packages.filter((name) => {
      try {
        require.resolve(name);
        return false;
      } catch {
        return true;
      }
    });
    if (missing.length === 0) throw error;
    throw new MissingPackages(`trace-lineage ${what} needs ${missing.join(', ')} (optional peer dependencies): npm i -D ${missing.join(' ')}`);
  }
}

function seconds(value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!(number > 0 && number <= max)) throw new UsageError(`--seconds must be a number of seconds above 0, at most ${max}`);
  return number;
}

/** A progress line on stderr: rewritten in place on a terminal, one line each otherwise. */
const progress = (line: string): void => void process.stderr.write(process.stderr.isTTY ? `\r\x1b[K${line}` : `${line}\n`);
const progressDone = (): void => void (process.stderr.isTTY && process.stderr.write('\r\x1b[K'));

function integer(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(value);
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      backend: { type: 'string', multiple: true },
      resource: { type: 'string' },
      threshold: { type: 'string' },
      'max-entries': { type: 'string' },
      'max-count': { type: 'string' },
      'max-length': { type: 'string' },
      'max-fields': { type: 'string' },
      'loop-key': { type: 'string' },
      endpoint: { type: 'string' },
      json: { type: 'boolean' },
      seconds: { type: 'string' },
      'no-peers': { type: 'boolean' },
      shape: { type: 'string' },
      export: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, header, ...rest] = positionals;
  if (command === 'demo' && header === undefined) {
    // Loaded only here: the demo needs the AWS SDK clients (optional peer dependencies).
    const { runDemo } = await withOptional('demo', DEMO_CLIENTS, () => import('./demo/index.js'));
    const results = await runDemo({ endpoint: values.endpoint });
    return results.every((result) => result.stoppedAt !== undefined) ? 0 : 3;
  }
  const backends = values.backend ?? [];
  for (const backend of backends) {
    if (!['auto', 'native', 'wasm', 'js'].includes(backend)) throw new UsageError(`unknown backend ${backend}`);
  }
  if (command === 'bench' && header === undefined) {
    const { runBench, formatReport, MAX_BENCH_SECONDS } = await import('./bench/index.js');
    const report = await runBench({
      seconds: seconds(values.seconds, MAX_BENCH_SECONDS),
      backends: backends.length === 0 ? undefined : (backends as BackendChoice[]),
      peers: !values['no-peers'],
      onProgress: (line) => progress(`bench: ${line}`),
    });
    progressDone();
    console.log(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
    return 0;
  }
  if (command === 'fuzz') {
    if (header === undefined || rest.length > 0) throw new UsageError('fuzz needs one module: trace-lineage fuzz ./my-header.mjs');
    const shape = values.shape ?? 'header';
    if (shape !== 'header' && shape !== 'parse') throw new UsageError('--shape must be header or parse');
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError('--seed must be an integer');
    const { fuzzHeaderFunction, formatFuzzReport } = await withOptional('fuzz', ['fast-check'], () => import('./testing/index.js'));
    const module = (await import(pathToFileURL(resolve(header)).href)) as Record<string, unknown>;
    const name = values.export ?? 'default';
    // A CommonJS module's `module.exports` is the ES default; its own `default` (transpiled ESM) wins.
    const exported = module[name];
    const fn = name === 'default' && typeof exported !== 'function' ? (exported as Record<string, unknown> | undefined)?.default : exported;
    if (typeof fn !== 'function') throw new UsageError(`${header} has no function as its ${name === 'default' ? 'default export' : `export ${name}`}`);
    const report = fuzzHeaderFunction(fn as (header: string) => unknown, {
      shape,
      seconds: seconds(values.seconds, 3600),
      seed,
      onProgress: (line) => progress(`fuzz: ${line}`),
    });
    progressDone();
    console.log(values.json ? JSON.stringify(report, null, 2) : formatFuzzReport(report, header));
    return report.findings.length === 0 ? 0 : 3;
  }
  if (header === undefined || rest.length > 0) throw new UsageError('expected a command and one header');
  if (backends.length > 1) throw new UsageError('--backend once, for parse and enter');
  const backend = backends[0];
  const options: LoopGuardOptions = {
    backend: backend as LoopGuardOptions['backend'],
    maxLength: integer(values['max-length'], 'max-length'),
    maxFields: integer(values['max-fields'], 'max-fields'),
    loopKey: values['loop-key'],
  };
  let output: unknown;
  if (command === 'parse') {
    output = parse(header, options);
  } else if (command === 'enter') {
    if (values.resource === undefined) throw new UsageError('enter needs --resource');
    options.threshold = integer(values.threshold, 'threshold');
    options.maxEntries = integer(values['max-entries'], 'max-entries');
    options.maxCount = integer(values['max-count'], 'max-count');
    const guard = new LoopGuard(values.resource, options);
    const { count, threshold, loop, header: outgoing, resourceHash, evicted, dropped } = guard.enter(header);
    output = { resource: values.resource, resourceHash, count, threshold, loop, evicted, dropped, header: outgoing };
  } else {
    throw new UsageError(`unknown command ${command ?? ''}`);
  }
  console.log(JSON.stringify(output, null, 2));
  return 0;
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error) => {
    if (error instanceof TraceHeaderError) {
      console.log(JSON.stringify({ error: error.toJSON() }, null, 2));
      process.exitCode = 2;
    } else if (error instanceof MissingPackages) {
      console.error(error.message);
      process.exitCode = 1;
    } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n${USAGE}`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  },
);
