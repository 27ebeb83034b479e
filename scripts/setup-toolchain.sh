#!/usr/bin/env bash
# setup-toolchain.sh — install the Rust -> wasm32 toolchain on Debian bookworm.
#
# These machines reach only crates.io, npm, PyPI and Debian's archive, so
# `rustup target add wasm32-unknown-unknown` cannot work. Instead (see
# /work/shared/TOOLCHAIN.md):
#   1. install Debian's rustc-web / cargo-web / rust-web-src / lld-22
#   2. build the wasm32 std from the vendored source (-Z build-std) and install
#      it into Debian's sysroot (/usr/lib/rustlib/wasm32-unknown-unknown/lib)
#   3. `rustup toolchain link debian-web /usr`
#   4. `cargo install` wasm-pack and wasm-bindgen-cli (pinned versions)
#   5. `cargo install` cargo-fuzz (pinned), when a nightly toolchain exists
#
# Idempotent: every step is skipped when its result is already present; the
# fast path (nothing to do) takes about a second.
#
# Afterwards build wasm with:  RUSTUP_TOOLCHAIN=debian-web wasm-pack build ...
#
# wasm-opt comes from the npm package `binaryen` (a devDependency): Debian's binaryen 108 is
# too old for wasm-bindgen 0.2.130 output (it re-points the externref table export).
set -euo pipefail

WASM_PACK_VERSION=0.15.1
WASM_BINDGEN_VERSION=0.2.130 # must equal the `wasm-bindgen = "=..."` pin in crates/wasm
CARGO_FUZZ_VERSION=0.13.2
TOOLCHAIN_NAME=debian-web
DEB_SYSROOT=/usr
WASM_TARGET=wasm32-unknown-unknown
WASM_LIB="$DEB_SYSROOT/lib/rustlib/$WASM_TARGET/lib"
STAMP="$WASM_LIB/.sysroot-stamp"
APT_PACKAGES=(rustc-web cargo-web rust-web-src lld-22)

VERBOSE="${VERBOSE:-0}"
CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
ORIG_PATH="$PATH"
export PATH="$CARGO_HOME/bin:$PATH"

SUDO=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup-toolchain: need root or sudo" >&2; exit 1; }
  SUDO=(sudo)
fi

LOG="$(mktemp -t setup-toolchain.XXXXXX.log)"
WORK=""
did=()
cleanup() {
  local rc=$?
  [[ -n "$WORK" ]] && rm -rf "$WORK"
  if [[ $rc -ne 0 ]]; then
    echo "setup-toolchain: FAILED (exit $rc). Last lines of $LOG:" >&2
    tail -n 40 "$LOG" >&2 || true
  else
    rm -f "$LOG"
  fi
}
trap cleanup EXIT

say() { echo "setup-toolchain: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
# run a (noisy) command, logging its output unless VERBOSE=1
run() {
  echo "+ $*" >>"$LOG"
  if [[ "$VERBOSE" == 1 ]]; then "$@" 2>&1 | tee -a "$LOG"; else "$@" >>"$LOG" 2>&1; fi
}

# ---------------------------------------------------------------- 1. apt
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v cc >/dev/null || missing+=(build-essential) # cargo install needs a C linker
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  run "${SUDO[@]}" apt-get update -q
  run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  did+=("apt: ${missing[*]}")
fi
for b in /usr/bin/rustc /usr/bin/cargo; do [[ -x $b ]] || die "$b missing after apt install"; done
[[ -d /usr/lib/rustlib/src/rust/library/vendor ]] || die "rust-web-src: vendored std sources missing"

# ------------------------------------------------- 2. wasm32 std in /usr sysroot
# Marker: libstd-*.rlib present AND Debian's rustc can actually link against it
# (this catches a std left over from an older rustc-web after an apt upgrade).
std_usable() {
  compgen -G "$WASM_LIB/libstd-*.rlib" >/dev/null || return 1
  local d rc=0
  d="$(mktemp -d)"
  printf 'pub fn f() -> String { format!("{}", 1) }\n' >"$d/probe.rs"
  env -u RUSTFLAGS /usr/bin/rustc --edition 2021 --target "$WASM_TARGET" --crate-type rlib \
    --emit metadata --out-dir "$d" "$d/probe.rs" >/dev/null 2>&1 || rc=$?
  rm -rf "$d"
  return $rc
}

if ! std_usable; then
  say "building the $WASM_TARGET standard library from /usr/lib/rustlib/src (about 1-2 min)"
  WORK="$(mktemp -d)"
  mkdir -p "$WORK/src" "$WORK/.cargo"
  : >"$WORK/src/lib.rs"
  cat >"$WORK/Cargo.toml" <<'T'
[package]
name = "sysroot-seed"
version = "0.0.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
[profile.release]
panic = "abort"
lto = true          # makes cargo embed LLVM bitcode in std, so LTO builds can link it
T
  cat >"$WORK/.cargo/config.toml" <<'T'
[source.crates-io]
replace-with = "rust-vendor"
[source.rust-vendor]
directory = "/usr/lib/rustlib/src/rust/library/vendor"
T
  (
    cd "$WORK"
    run env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_TARGET_DIR \
      -u CARGO_BUILD_TARGET -u RUSTC -u RUSTC_WRAPPER \
      PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1 \
      /usr/bin/cargo build --release --offline --target "$WASM_TARGET" -Z build-std=std,panic_abort
  )
  compgen -G "$WORK/target/$WASM_TARGET/release/deps/libstd-*.rlib" >/dev/null ||
    die "std build produced no libstd rlib"
  "${SUDO[@]}" mkdir -p "$WASM_LIB"
  "${SUDO[@]}" find "$WASM_LIB" -maxdepth 1 -name 'lib*.rlib' -delete # drop a stale std
  "${SUDO[@]}" cp "$WORK/target/$WASM_TARGET/release/deps/"lib*.rlib "$WASM_LIB/"
  "${SUDO[@]}" rm -f "$WASM_LIB"/libsysroot_seed-*.rlib
  /usr/bin/rustc -vV | "${SUDO[@]}" tee "$STAMP" >/dev/null
  rm -rf "$WORK"
  WORK=""
  std_usable || die "installed wasm32 std is not usable by /usr/bin/rustc"
  did+=("wasm32 std built into $WASM_LIB")
fi

# ------------------------------------------------------ 3. rustup toolchain link
command -v rustup >/dev/null || die "rustup not found (expected in $CARGO_HOME/bin)"
if ! rustup toolchain list | awk '{print $1}' | grep -qx "$TOOLCHAIN_NAME"; then
  run rustup toolchain link "$TOOLCHAIN_NAME" "$DEB_SYSROOT"
  did+=("rustup toolchain link $TOOLCHAIN_NAME $DEB_SYSROOT")
fi

# ------------------------------------------------- 4. wasm-pack, wasm-bindgen-cli
# version of an installed binary ("wasm-pack 0.15.1" -> "0.15.1"), empty if absent
bin_version() { command -v "$1" >/dev/null && "$1" --version 2>/dev/null | awk 'NR==1{print $2}' || true; }

cargo_install() { # crate version binary
  local crate=$1 ver=$2 bin=$3 tc lock
  [[ "$(bin_version "$bin")" == "$ver" ]] && return 0
  say "cargo install $crate $ver (a few minutes)"
  # Prefer the crate's own Cargo.lock (--locked); fall back to a fresh resolve when the
  # registry lacks a locked version (e.g. wasm-bindgen-cli 0.2.130 locks webpki-roots
  # 1.0.11, which the crates.io index reachable here does not have).
  # Try rustup's default toolchain first, then Debian's.
  for lock in --locked ""; do
    for tc in "" "$TOOLCHAIN_NAME"; do
      local e=(-u CARGO_BUILD_TARGET -u CARGO_TARGET_DIR -u RUSTUP_TOOLCHAIN)
      [[ -n "$tc" ]] && e+=(RUSTUP_TOOLCHAIN="$tc")
      if run env "${e[@]}" cargo install $lock --force "$crate" --version "$ver"; then
        [[ "$(bin_version "$bin")" == "$ver" ]] ||
          die "$bin --version is '$(bin_version "$bin")' after install (shadowed on PATH? $(command -v "$bin"))"
        did+=("$crate $ver (toolchain: ${tc:-default}${lock:+, --locked})")
        return 0
      fi
      if [[ -n "$lock" ]] && tail -n 20 "$LOG" | grep -q 'failed to select a version'; then
        say "$crate's Cargo.lock pins a version missing from the registry; retrying without --locked"
        break # a resolution failure does not depend on the toolchain
      fi
      say "cargo install ${lock:+$lock }$crate failed with toolchain '${tc:-default}'"
    done
  done
  die "could not install $crate $ver"
}
cargo_install wasm-pack "$WASM_PACK_VERSION" wasm-pack
cargo_install wasm-bindgen-cli "$WASM_BINDGEN_VERSION" wasm-bindgen

# ------------------------------------------------- 5. cargo-fuzz (with a nightly only)
# For scripts/fuzz.sh and the CI fuzz smoke (scripts/test.sh): about 3 minutes once, then
# skipped. Without a nightly toolchain cargo-fuzz could not run, so it is not installed.
if rustup toolchain list | grep -q '^nightly'; then
  cargo_install cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz
fi

# ----------------------------------------------------------------- 6. summary
if ((${#did[@]})); then
  for d in "${did[@]}"; do say "done: $d"; done
fi
say "ok: $(rustup run "$TOOLCHAIN_NAME" rustc --version | awk '{print $1, $2}') as +$TOOLCHAIN_NAME" \
  "(wasm32 std installed), wasm-pack $(bin_version wasm-pack)," \
  "wasm-bindgen $(bin_version wasm-bindgen)"
case ":$ORIG_PATH:" in
  *":$CARGO_HOME/bin:"*) ;;
  *) say "note: add $CARGO_HOME/bin to PATH (wasm-pack, wasm-bindgen live there)" ;;
esac
