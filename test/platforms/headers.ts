/**
 * The random headers scripts/test-platforms.sh sends to every platform's addon: the property
 * tests' `anyHeader` (test/support.ts), sampled with a fixed seed so that a failure repeats.
 *
 *   tsx test/platforms/headers.ts <count> <seed> <out.json>
 */
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { anyHeader } from '../support.js';

const [count, seed, out] = process.argv.slice(2);
writeFileSync(out, JSON.stringify(fc.sample(anyHeader, { seed: Number(seed), numRuns: Number(count) })));
