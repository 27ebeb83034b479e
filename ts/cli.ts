#!/usr/bin/env node
/**
 * trace-lineage command line.
 *
 *   trace-lineage parse [--backend B] [limits] '<header>'         parsed header as JSON
 *   trace-lineage enter --resource ID [--threshold N] [--max-entries N] [--backend B] '<header>'
 *   trace-lineage demo [--endpoint URL]                              four recursive loops, stopped
 *
 * A hard error prints {"error":{"code","name","offset"}} and exits with status 2; a usage
 * error exits with status 1.
 */
import { parseArgs } from 'node:util';
import { LoopGuard, TraceHeaderError, parse, type LoopGuardOptions } from './index.js';

const USAGE = `usage:
  trace-lineage parse [--backend auto|native|wasm|js] [--max-length N] [--max-fields N] [--loop-key K] '<header>'
  trace-lineage enter --resource ID [--threshold N] [--max-entries N] [--max-count N] [same options] '<header>'
  trace-lineage demo [--endpoint URL]   (SQS and SNS on an SQS/SNS-compatible server instead of the embedded broker)`;

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
      backend: { type: 'string' },
      resource: { type: 'string' },
      threshold: { type: 'string' },
      'max-entries': { type: 'string' },
      'max-count': { type: 'string' },
      'max-length': { type: 'string' },
      'max-fields': { type: 'string' },
      'loop-key': { type: 'string' },
      endpoint: { type: 'string' },
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
    const { runDemo } = await import('./demo/index.js');
    const results = await runDemo({ endpoint: values.endpoint });
    return results.every((result) => result.stoppedAt !== undefined) ? 0 : 3;
  }
  if (header === undefined || rest.length > 0) throw new UsageError('expected a command and one header');
  const backend = values.backend;
  if (backend !== undefined && !['auto', 'native', 'wasm', 'js'].includes(backend)) {
    throw new UsageError(`unknown backend ${backend}`);
  }
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
    } else if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(error as Error).message}\n${USAGE}`);
      process.exitCode = 1;
    } else {
      throw error;
    }
  },
);
