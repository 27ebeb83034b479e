import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../ts/demo/index.js';
import { backendUnderTest } from './support.js';

const backend = backendUnderTest();

describe(`demo on the embedded broker (${backend.name})`, () => {
  it('stops all five loops at the 17th entry, the handler never running for it', async () => {
    const lines: string[] = [];
    const results = await runDemo({ print: (line) => lines.push(line) });
    expect(results.map((result) => [result.handlerRuns, result.stoppedAt, result.deadLettered, result.awsDetects, result.lineageKept])).toEqual([
      [16, { invocation: 17, function: 'worker', count: 17 }, 1, true, true],
      [32, { invocation: 33, function: 'ping-a', count: 17 }, 1, true, true],
      [16, { invocation: 17, function: 'resizer', count: 17 }, 1, true, true],
      [16, { invocation: 17, function: 'totals', count: 17 }, 1, false, true],
      [16, { invocation: 17, function: 'auditor', count: 17 }, 1, true, true],
    ]);
    const metrics = lines.filter((line) => line.trim().startsWith('metric: ')).map((line) => JSON.parse(line.trim().slice('metric: '.length)));
    expect(metrics.map((metric) => [metric.ChainDepth, metric.Threshold, metric.EventSource])).toEqual([
      [17, 16, 'aws:sqs'],
      [17, 16, 'aws:sqs'],
      [17, 16, 'aws:sns'],
      [17, 16, 'aws:dynamodb'],
      [17, 16, 'aws:sqs'],
    ]);
  });

  it('`trace-lineage demo` runs from the built CLI and exits with 0', () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const result = spawnSync(process.execPath, [cli, 'demo'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Summary');
  });
});
