#!/usr/bin/env bash
# build-wasm.sh — build the WebAssembly backend and generate ts/generated/:
#   trace_lineage_wasm.js / .d.ts   the wasm-bindgen glue (initSync + numeric exports)
#   trace_lineage_wasm.wasm         the optimised module (shipped: workerd imports it as a module)
#   wasm-bytes.ts                   the same bytes as base64, an ES module (browsers: inlined)
#   wasm-base64.cjs                 the same base64, CommonJS (Node: required only when needed)
#
# Uses the toolchain of scripts/setup-toolchain.sh: rustup's own (its active toolchain) where it has
# the wasm32 std (`rustup target add` worked), else Debian's rustc (toolchain `debian-web`, whose
# sysroot the set-up built the wasm32 std into); wasm-pack and wasm-bindgen-cli from crates.io,
# wasm-opt from the npm package `binaryen` (Debian's binaryen 108 mis-writes wasm-bindgen's
# externref table export). Nothing is downloaded (`--mode no-install`). Skips the build when no
# input changed (FORCE=1 rebuilds).
#
# Env: WASM_TOOLCHAIN (a rustup toolchain with the wasm32 std, e.g. debian-web to build the
# fallback's way), WASM_OPT_LEVEL (default -O3), RUST_OPT_LEVEL (default s: see below), FORCE=1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Rust's opt-level for this build only (the workspace profile says 3, for the native addon).
# At 3 the module is ~37 KB after wasm-opt; at `s` ~28 KB and, measured with bench/, as fast.
RUST_OPT_LEVEL="${RUST_OPT_LEVEL:-s}"
WASM_OPT_LEVEL="${WASM_OPT_LEVEL:--O3}"
# A size budget, so that growing the module is a decision: with SipHash it is about 28 KB from
# rustup's toolchain (rustc 1.95, its prebuilt std) and 31.5 KB from Debian's (1.96, std built here).
MAX_BYTES=$((32 * 1024))

crate=crates/wasm
work="$root/target/wasm-build"
pack="$work/pkg"
generated="$root/ts/generated"
name=trace_lineage_wasm
outputs=("$generated/$name.js" "$generated/$name.d.ts" "$generated/$name.wasm" "$generated/wasm-bytes.ts" "$generated/wasm-base64.cjs")

say() { echo "build-wasm: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

need() { command -v "$1" >/dev/null || die "$1 not found: run scripts/setup-toolchain.sh"; }
need wasm-pack
need wasm-bindgen
wasm_opt="$root/node_modules/.bin/wasm-opt"
[[ -x "$wasm_opt" ]] || die "$wasm_opt not found: run npm install"

# The toolchain: WASM_TOOLCHAIN, else rustup's active one if it has the wasm32 std, else debian-web.
has_wasm_std() { # toolchain
  local sysroot
  sysroot="$(RUSTUP_TOOLCHAIN="$1" rustc --print sysroot 2>/dev/null)" &&
    compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
}
if [[ -n "${WASM_TOOLCHAIN:-}" ]]; then
  toolchain="$WASM_TOOLCHAIN"
else
  toolchain="$(env -u RUSTUP_TOOLCHAIN rustup show active-toolchain | awk '{print $1}')"
  has_wasm_std "$toolchain" || toolchain=debian-web
fi
has_wasm_std "$toolchain" || die "toolchain $toolchain has no wasm32-unknown-unknown std: run scripts/setup-toolchain.sh"

# ------------------------------------------------------------ skip when unchanged
inputs_hash() {
  {
    find crates/core/src crates/core/Cargo.toml crates/wasm/src crates/wasm/Cargo.toml -type f \( -name '*.rs' -o -name Cargo.toml \) -print0 | sort -z |
      xargs -0 sha256sum
    sha256sum Cargo.toml Cargo.lock scripts/build-wasm.sh
    echo "rust-opt=$RUST_OPT_LEVEL wasm-opt=$WASM_OPT_LEVEL"
    RUSTUP_TOOLCHAIN="$toolchain" rustc -V
    wasm-pack --version
    wasm-bindgen --version
    "$wasm_opt" --version
  } | sha256sum | cut -d' ' -f1
}
stamp="$work/inputs.sha256"
hash="$(inputs_hash)"
if [[ "${FORCE:-0}" != 1 && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
  up_to_date=1
  for f in "${outputs[@]}"; do [[ -f "$f" ]] || up_to_date=0; done
  if ((up_to_date)); then
    [[ -f "$work/rustc-version" ]] || RUSTUP_TOOLCHAIN="$toolchain" rustc -V >"$work/rustc-version"
    say "up to date ($(stat -c %s "$work/$name.wasm") bytes of wasm); FORCE=1 rebuilds"
    exit 0
  fi
fi

# ------------------------------------------------------------------------ build
started=$SECONDS
mkdir -p "$work"
rm -f "$stamp"
# wasm-opt is off in the crate's wasm-pack profile; --mode no-install: never download a tool.
CARGO_PROFILE_RELEASE_OPT_LEVEL="$RUST_OPT_LEVEL" RUSTUP_TOOLCHAIN="$toolchain" \
  wasm-pack --log-level warn build "$crate" --release --target web --out-dir "$pack" \
  --mode no-install --no-pack --no-opt

raw="$pack/${name}_bg.wasm"
[[ -f "$raw" ]] || die "wasm-pack produced no $raw"
"$wasm_opt" "$WASM_OPT_LEVEL" --strip-debug --strip-producers "$raw" -o "$work/$name.wasm"

raw_size=$(stat -c %s "$raw")
size=$(stat -c %s "$work/$name.wasm")
((size <= MAX_BYTES)) || die "$name.wasm is $size bytes, over the $MAX_BYTES-byte budget"

# --------------------------------------------------------------------- generate
mkdir -p "$generated"
cp "$pack/$name.js" "$pack/$name.d.ts" "$work/$name.wasm" "$generated/"
base64="$(base64 -w0 "$work/$name.wasm")"
comment="The trace-lineage WebAssembly module ($size bytes, wasm-opt $WASM_OPT_LEVEL), as base64."
{
  echo "// Generated by scripts/build-wasm.sh from crates/wasm: do not edit."
  echo "/** $comment */"
  printf "export const wasmBase64 =\n  '%s';\n" "$base64"
} >"$generated/wasm-bytes.ts.tmp"
mv "$generated/wasm-bytes.ts.tmp" "$generated/wasm-bytes.ts"
{
  echo "'use strict';"
  echo "// Generated by scripts/build-wasm.sh from crates/wasm: do not edit."
  echo "/** $comment */"
  printf "exports.wasmBase64 =\n  '%s';\n" "$base64"
} >"$generated/wasm-base64.cjs.tmp"
mv "$generated/wasm-base64.cjs.tmp" "$generated/wasm-base64.cjs"

echo "$hash" >"$stamp"
# The compiler of this build, for the bench's machine line.
RUSTUP_TOOLCHAIN="$toolchain" rustc -V >"$work/rustc-version"
say "$name.wasm: $raw_size bytes from wasm-bindgen, $size bytes after wasm-opt $WASM_OPT_LEVEL" \
  "(rust opt-level $RUST_OPT_LEVEL, $(RUSTUP_TOOLCHAIN="$toolchain" rustc -V | awk '{print $1, $2}') of toolchain $toolchain)," \
  "in $((SECONDS - started)) s -> ts/generated/"
