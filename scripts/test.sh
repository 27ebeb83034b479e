#!/usr/bin/env bash
# The one test command (`npm test`): the Rust tests, then the same vitest suite once per backend,
# then the benchmark in quick mode as a smoke test (it verifies every contender's answers first).
# A forced backend that does not load fails its run (test/support.ts checks it).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build   # incremental: seconds when nothing changed
echo "== tsc --noEmit (the sources, the tests and their type-level checks, e.g. test/lambda-types.test.ts)"
npm run --silent typecheck
echo "== cargo fmt --check, cargo clippy -D warnings"
cargo fmt --all --check
(cd fuzz && cargo fmt --check)
cargo clippy --workspace --quiet -- -D warnings
echo "== cargo test"
cargo test --workspace --quiet
# The fuzz targets' naive model over fuzz/seeds/ (plain cargo test: no cargo-fuzz, no nightly).
echo "== cargo test, fuzz/ (the fuzz targets over fuzz/seeds)"
cargo test --manifest-path fuzz/Cargo.toml --quiet
for backend in native wasm js; do
  echo "== vitest, TRACE_LINEAGE_BACKEND=$backend"
  TRACE_LINEAGE_BACKEND=$backend npx vitest run
done
bash scripts/test-platforms.sh   # each platform's addon run by its own Node, and the platform packages installed

# CI: a fuzz smoke of each cargo-fuzz target (fuzz/), when cargo-fuzz and a nightly exist.
if [[ "${CI:-}" == true ]]; then
  if command -v cargo-fuzz >/dev/null && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    bash scripts/fuzz.sh "${FUZZ_SMOKE_SECONDS:-60}"
  else
    echo "== fuzz smoke skipped: needs cargo-fuzz and a nightly toolchain (see README, Security)"
  fi
fi
echo "== npm run bench -- --quick (smoke: checks every contender's answers; asserts no time)"
npm run --silent bench -- --quick
