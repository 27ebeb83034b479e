#!/usr/bin/env bash
# build-native.sh — build the N-API addon (crates/napi) for each Linux target users deploy to, into
# its platform package: npm/<suffix>/trace-lineage.<suffix>.node (e.g. npm/linux-arm64-gnu/...).
# The host's addon is also copied to native/trace-lineage.<suffix>.node (run from source).
#
#   suffix            Rust target                     linked by zig (cargo-zigbuild, .venv-zig/)
#   linux-x64-gnu     x86_64-unknown-linux-gnu.2.17   glibc floor 2.17: loads wherever official Node runs
#   linux-arm64-gnu   aarch64-unknown-linux-gnu.2.17  (Node's own floor is 2.28)
#   linux-x64-musl    x86_64-unknown-linux-musl       needs only libc.so (zig links the unwinder in)
#   linux-arm64-musl  aarch64-unknown-linux-musl
#
# A target whose standard library the rustup toolchain has (`rustup target add` worked) is built
# with it; any other with Debian's compiler (toolchain `debian-web`, scripts/setup-toolchain.sh)
# and `-Z build-std`: about a minute per target the first time (std), seconds afterwards.
#
# `napi build` writes into a temporary directory and only the `.node` file is copied out: the
# loader is ts/backends/native.ts, so no generated JS or .d.ts may land in the repository.
# A target whose inputs (sources, manifests, lockfile, this script, toolchain, linker) hash as at its
# last build, and whose addon is the one that build wrote, is skipped without starting cargo (a
# no-op `npm run build` takes a second); otherwise cargo rebuilds what changed, and the addon
# is replaced only when its bytes change.
#
# Env: NATIVE_TARGETS=all (default) | host | a space-separated list of suffixes;
#      NATIVE_PROFILE=debug builds without --release (faster to compile, slower to run);
#      FORCE=1 runs cargo even when the inputs are unchanged.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BINARY_NAME=trace-lineage
HOST_DIR="$ROOT/native"
ZIG_VENV="$ROOT/.venv-zig"
DEBIAN_TOOLCHAIN=debian-web
declare -A RUST_TARGET=(
  [linux-x64-gnu]=x86_64-unknown-linux-gnu.2.17
  [linux-arm64-gnu]=aarch64-unknown-linux-gnu.2.17
  [linux-x64-musl]=x86_64-unknown-linux-musl
  [linux-arm64-musl]=aarch64-unknown-linux-musl
)
ALL_SUFFIXES=(linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl)

say() { echo "build-native: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# napi-rs's suffix for this machine.
host_suffix() {
  local arch libc=gnu
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch="$(uname -m)" ;;
  esac
  if ldd --version 2>&1 | grep -qi musl; then libc=musl; fi
  echo "linux-$arch-$libc"
}
HOST="$(host_suffix)"

case "${NATIVE_TARGETS:-all}" in
  all) suffixes=("${ALL_SUFFIXES[@]}") ;;
  host) suffixes=("$HOST") ;;
  *) read -r -a suffixes <<<"$NATIVE_TARGETS" ;;
esac
for suffix in "${suffixes[@]}"; do
  [[ -n "${RUST_TARGET[$suffix]:-}" ]] || die "unknown target '$suffix' (known: ${ALL_SUFFIXES[*]})"
done

[[ -x "$ZIG_VENV/bin/cargo-zigbuild" ]] || die "no $ZIG_VENV/bin/cargo-zigbuild: run scripts/setup-toolchain.sh"
# cargo-zigbuild runs zig as `python -m ziglang` from this venv.
export PATH="$ZIG_VENV/bin:$PATH"

STAGE="$(mktemp -d -t trace-lineage-native.XXXXXX)"
trap 'rm -rf "$STAGE"' EXIT
# napi reads the addon's file name from its config; keep that config out of package.json.
printf '{ "binaryName": "%s" }\n' "$BINARY_NAME" >"$STAGE/napi.json"

release=(--release)
[[ "${NATIVE_PROFILE:-release}" == debug ]] && release=()

installed_targets="$(env -u RUSTUP_TOOLCHAIN rustup target list --installed 2>/dev/null || true)"

# Copy then rename: a process loading the addon never sees a half-written file.
install_addon() { # built-file destination-dir
  local name
  name="$(basename "$1")"
  mkdir -p "$2"
  if cmp -s "$1" "$2/$name"; then
    say "${2#"$ROOT"/}/$name is up to date"
  else
    cp "$1" "$2/.$name.tmp"
    mv -f "$2/.$name.tmp" "$2/$name"
    say "wrote ${2#"$ROOT"/}/$name ($(wc -c <"$2/$name") bytes)"
  fi
}

# Everything a build of one target depends on, hashed (see the header).
inputs_hash() { # suffix toolchain-env...
  local suffix=$1
  shift
  {
    find crates/core crates/napi -type f \( -name '*.rs' -o -name Cargo.toml \) -not -path '*/target/*' -print0 |
      sort -z | xargs -0 sha256sum
    sha256sum Cargo.toml Cargo.lock scripts/build-native.sh
    echo "$suffix ${RUST_TARGET[$suffix]} ${NATIVE_PROFILE:-release} $*"
    "$@" rustc -V
    ls -d "$ZIG_VENV"/lib/python3*/site-packages/*.dist-info
  } | sha256sum | cut -d' ' -f1
}
addon_hash() { if [[ -f "$1" ]]; then sha256sum "$1" | cut -d" " -f1; else echo absent; fi; }
STAMPS="$ROOT/target/native-build"

cd "$ROOT"
for suffix in "${suffixes[@]}"; do
  target="${RUST_TARGET[$suffix]}"
  triple="${target%%.*}" # without zig's glibc-version suffix
  # Whatever a wasm build left in the env does not apply here.
  toolchain=(env -u RUSTUP_TOOLCHAIN -u CARGO_BUILD_TARGET -u RUSTC_BOOTSTRAP)
  build_std=()
  if ! grep -qx "$triple" <<<"$installed_targets"; then
    toolchain+=(RUSTUP_TOOLCHAIN="$DEBIAN_TOOLCHAIN" RUSTC_BOOTSTRAP=1)
    build_std=(-- -Z build-std=std,panic_unwind) # the addon's catch_unwind needs unwinding
  fi
  package_addon="$ROOT/npm/$suffix/$BINARY_NAME.$suffix.node"
  stamp="$STAMPS/$suffix"
  inputs="$(inputs_hash "$suffix" "${toolchain[@]}")"
  recorded="$inputs $(addon_hash "$package_addon")"
  [[ "$suffix" == "$HOST" ]] && recorded+=" $(addon_hash "$HOST_DIR/$BINARY_NAME.$suffix.node")"
  if [[ "${FORCE:-0}" != 1 && -f "$stamp" && "$(cat "$stamp")" == "$recorded" && -f "$package_addon" ]]; then
    say "npm/$suffix/$BINARY_NAME.$suffix.node is up to date (inputs unchanged; FORCE=1 runs cargo)"
    continue
  fi
  rm -f "$stamp"
  out="$STAGE/$suffix"
  "${toolchain[@]}" npx --no-install napi build --platform "${release[@]}" -x --target "$target" \
    --manifest-path crates/napi/Cargo.toml \
    --config-path "$STAGE/napi.json" \
    --output-dir "$out" \
    --no-js "${build_std[@]}"
  built="$out/$BINARY_NAME.$suffix.node"
  [[ -f "$built" ]] || die "napi build made no $BINARY_NAME.$suffix.node (got: $(ls "$out"))"
  install_addon "$built" "$ROOT/npm/$suffix"
  recorded="$inputs $(addon_hash "$package_addon")"
  if [[ "$suffix" == "$HOST" ]]; then
    install_addon "$built" "$HOST_DIR"
    recorded+=" $(addon_hash "$HOST_DIR/$BINARY_NAME.$suffix.node")"
  fi
  mkdir -p "$STAMPS"
  echo "$recorded" >"$stamp"
done
