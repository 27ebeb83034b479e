/** The corpus lives in the shipped bench module (ts/bench/corpus.ts, `trace-lineage/bench`): one corpus for `npm run bench` and `trace-lineage bench`. */
export * from '../ts/bench/corpus.js';
