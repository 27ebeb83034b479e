/**
 * Guards with different options, used in turn, each get their own answers (on every backend:
 * the native addon keeps one configuration handle per guard, not one "last configured").
 */
import { describe, expect, it } from 'vitest';
import { LoopGuard, backendName } from '../ts/index.js';

const ROOT = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

describe(`guards in turn (${backendName()})`, () => {
  it('each guard counts with its own resource, threshold, cap, ceiling and loop key', () => {
    const guards = [
      new LoopGuard('orders', { threshold: 2, maxEntries: 2 }),
      new LoopGuard('billing', { threshold: 5, maxCount: 7, loopKey: 'Hops' }),
      new LoopGuard('orders', { threshold: 3, maxEntries: 1, maxLength: 200 }),
    ];
    // Each guard's chain on its own, entered in turn with the others'.
    const chains = guards.map(() => ROOT);
    const alone = guards.map(() => [] as unknown[]);
    const inTurn = guards.map(() => [] as unknown[]);
    for (let step = 0; step < 9; step++) {
      guards.forEach((guard, g) => {
        const result = guard.enter(chains[g]);
        chains[g] = result.header;
        inTurn[g].push([result.count, result.loop, result.header]);
      });
    }
    // The same chains, each guard made afresh and used alone.
    guards.forEach((guard, g) => {
      const fresh = new LoopGuard(guard.resource, { threshold: guard.threshold, maxEntries: guard.maxEntries, maxCount: guard.maxCount, loopKey: g === 1 ? 'Hops' : undefined, maxLength: g === 2 ? 200 : undefined });
      let header = ROOT;
      for (let step = 0; step < 9; step++) {
        const result = fresh.enter(header);
        header = result.header;
        alone[g].push([result.count, result.loop, result.header]);
      }
    });
    expect(inTurn).toEqual(alone);
    expect(inTurn[0][2]).toEqual([3, true, `${ROOT};LoopGuard=${guards[0].resourceHash}:3`]);
    expect(inTurn[1][8]).toEqual([7, true, `${ROOT};Hops=${guards[1].resourceHash}:7`]);
    expect(inTurn[2][1]).toEqual([2, false, `${ROOT};LoopGuard=${guards[2].resourceHash}:2`]);
  });

  it('a batch of one guard between single enters of another', () => {
    const small = new LoopGuard('orders', { maxEntries: 1 });
    const other = new LoopGuard('billing', { threshold: 0, loopKey: 'Hops' });
    const looped = `${ROOT};LoopGuard=11111111:4|${small.resourceHash}:1`;
    const first = other.enter(looped);
    const batch = small.enterBatch([looped, ROOT]);
    const second = other.enter(looped);
    expect(first).toEqual(second);
    expect(first.header).toBe(`${looped};Hops=${other.resourceHash}:1`);
    expect(first.loop).toBe(true);
    expect(batch.map((result) => (result instanceof Error ? result : [result.count, result.header]))).toEqual([
      [2, `${ROOT};LoopGuard=${small.resourceHash}:2`],
      [1, `${ROOT};LoopGuard=${small.resourceHash}:1`],
    ]);
  });
});
