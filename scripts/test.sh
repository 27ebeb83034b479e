#!/usr/bin/env bash
# The one test command (`npm test`): the Rust tests, then the same vitest suite once per backend.
# A forced backend that does not load fails its run (test/support.ts checks it).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build   # incremental: seconds when nothing changed
echo "== cargo test"
cargo test --workspace --quiet
for backend in native wasm js; do
  echo "== vitest, TRACE_LINEAGE_BACKEND=$backend"
  TRACE_LINEAGE_BACKEND=$backend npx vitest run
done
