/**
 * `trace-lineage/testing`: the fast-check arbitraries this project's own tests use (headers
 * valid, lenient, malformed and hostile; Lambda events carrying them), and the fuzz seed corpus.
 * Needs fast-check (an optional peer dependency): `npm i -D fast-check`.
 */
export * from './headers.js';
export * from './events.js';
export * from './seeds.js';
export * from './fuzz.js';
