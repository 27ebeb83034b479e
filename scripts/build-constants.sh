#!/usr/bin/env bash
# build-constants.sh — write ts/generated/constants.ts: the code tables, record slots and option
# bounds of crates/core, printed by crates/codegen (`cargo run -p trace-lineage-codegen`).
# ts/codes.ts, ts/record.ts and ts/api.ts re-export them, so tsc, tsup and vitest need this file:
# `npm run build` runs this first. The file is replaced only when its text changes (tsup and tsc
# see an unchanged file as unchanged). With the host's cargo; seconds when nothing changed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

generated="$root/ts/generated"
module="$generated/constants.ts"
mkdir -p "$generated"
trap 'rm -f "$module.tmp"' EXIT
# Whatever a wasm or cross build left in the environment does not apply to a host tool.
env -u RUSTUP_TOOLCHAIN -u CARGO_BUILD_TARGET -u RUSTC_BOOTSTRAP \
  cargo run --quiet --locked -p trace-lineage-codegen >"$module.tmp"
if cmp -s "$module.tmp" "$module"; then
  rm -f "$module.tmp"
else
  mv "$module.tmp" "$module"
  echo "build-constants: wrote ts/generated/constants.ts" >&2
fi
