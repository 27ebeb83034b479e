//! Every fuzz target over every seed of `fuzz/seeds/`, in plain `cargo test` (no cargo-fuzz, no
//! nightly): the naive model's checks hold on the realistic headers the fuzzer starts from.

use std::fs;
use std::path::Path;

use trace_lineage_fuzz::{enter_target, parse_target, rewrite_target};

#[test]
fn every_target_holds_on_every_seed() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut count = 0;
    for entry in fs::read_dir(&seeds).expect("fuzz/seeds/ is readable") {
        let path = entry.expect("a directory entry").path();
        let data = fs::read(&path).expect("a seed is readable");
        let targets: [fn(&[u8]); 3] = [parse_target, rewrite_target, enter_target];
        for target in targets {
            target(&data);
        }
        count += 1;
    }
    assert!(count >= 20, "only {count} seeds in {}", seeds.display());
}
