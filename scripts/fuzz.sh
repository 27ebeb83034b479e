#!/usr/bin/env bash
# fuzz.sh — run the cargo-fuzz targets of fuzz/ (parse, rewrite, enter), one after the other.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 60 seconds each, every target
#
# Each run starts from the checked-in seeds (fuzz/seeds/: realistic headers) and from the corpus
# grown so far (fuzz/corpus/<target>/, not checked in). A finding fails the run; libFuzzer saves
# the input under fuzz/artifacts/<target>/ and `cargo fuzz run <target> <file>` replays it.
# The last line of each run (executions, coverage) is printed; the whole log is in
# fuzz/artifacts/<target>.log.
#
# Needs cargo-fuzz (`cargo install --locked cargo-fuzz`; scripts/setup.sh installs it when a
# nightly toolchain exists) and a nightly compiler: rustup's `nightly`, else RUSTC_BOOTSTRAP=1.
# Runs under `nice`: the fuzzer takes one core for as long as it is asked to.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

seconds="${1:-60}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(parse rewrite enter)

command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo-fuzz not found (cargo install --locked cargo-fuzz)" >&2; exit 1; }
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  export RUSTUP_TOOLCHAIN=nightly
else
  export RUSTC_BOOTSTRAP=1
fi

mkdir -p fuzz/artifacts
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  log="fuzz/artifacts/$target.log"
  echo "== fuzz $target for ${seconds}s"
  # -max_len: past the default 8192-byte limit, so that too_long is reached too.
  if ! nice -n 10 cargo fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" fuzz/seeds -- \
    -max_total_time="$seconds" -max_len=9000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target FAILED (input saved under fuzz/artifacts/$target/; log: $log)" >&2
    exit 1
  fi
  grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | tr '\n' ' '
  echo
done
