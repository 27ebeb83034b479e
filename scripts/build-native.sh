#!/usr/bin/env bash
# build-native.sh — build the N-API addon (crates/napi) for this machine into
# native/trace-lineage.<platform>.node (e.g. native/trace-lineage.linux-x64-gnu.node).
#
# `napi build` writes into a temporary directory and only the `.node` file is copied out: the
# loader is ts/backends/native.ts, so no generated JS or .d.ts may land in the repository.
# The addon is replaced only when its bytes change, so an up-to-date build is a cargo no-op.
#
# Env: NATIVE_PROFILE=debug builds without --release (faster to compile, slower to run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BINARY_NAME=trace-lineage
OUT_DIR="$ROOT/native"

STAGE="$(mktemp -d -t trace-lineage-native.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
# napi reads the addon's file name from its config; keep that config out of package.json.
printf '{ "binaryName": "%s" }\n' "$BINARY_NAME" >"$STAGE/napi.json"

release=(--release)
[[ "${NATIVE_PROFILE:-release}" == debug ]] && release=()

cd "$ROOT"
# The default rustup toolchain (stable) for the host, whatever a wasm build left in the env.
env -u RUSTUP_TOOLCHAIN -u CARGO_BUILD_TARGET \
  npx --no-install napi build --platform "${release[@]}" \
  --manifest-path crates/napi/Cargo.toml \
  --config-path "$STAGE/napi.json" \
  --output-dir "$STAGE/out" \
  --no-js

shopt -s nullglob
built=("$STAGE/out/$BINARY_NAME".*.node)
((${#built[@]} == 1)) || { echo "build-native: expected one $BINARY_NAME.*.node, got: ${built[*]:-none}" >&2; exit 1; }
addon="$(basename "${built[0]}")"

mkdir -p "$OUT_DIR"
if cmp -s "${built[0]}" "$OUT_DIR/$addon"; then
  echo "build-native: native/$addon is up to date"
else
  # Copy then rename: a process loading the addon never sees a half-written file.
  cp "${built[0]}" "$OUT_DIR/.$addon.tmp"
  mv -f "$OUT_DIR/.$addon.tmp" "$OUT_DIR/$addon"
  echo "build-native: wrote native/$addon ($(wc -c <"$OUT_DIR/$addon") bytes)"
fi
