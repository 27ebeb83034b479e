//! The option ranges the generated module states are the ones the core enforces: each bound is
//! accepted and one past it is `invalid_option`. (The parse options' bounds are the core's own
//! constants; the loop counter's lower bounds and the threshold's upper one are rules of its
//! check, restated in the generator: this is what holds them to the check.)

use trace_lineage_codegen::{MAX_MAX_COUNT, MAX_THRESHOLD, MIN_MAX_ENTRIES, MIN_THRESHOLD};
use trace_lineage_core::codes::ErrorCode;
use trace_lineage_core::record::{self, BATCH_SLOTS, B_STATUS};
use trace_lineage_core::rewrite::MAX_MAX_ENTRIES;
use trace_lineage_core::{EnterOptions, Options, MAX_MAX_FIELDS, MAX_MAX_LENGTH, MIN_MAX_FIELDS, MIN_MAX_LENGTH};

const HEADER: &[u8] = b"Root=1-5759e988-bd862e3fe1be46a994272793;LoopGuard=896be351:3";
const INVALID: u32 = ErrorCode::InvalidOption as u32;

/// The status of entering `HEADER` with these counter options (0, or the error code).
fn enter_status(threshold: u32, max_entries: u32, max_count: u32) -> u32 {
    let options = Options::default();
    let counter = EnterOptions { threshold, max_entries, max_count };
    let mut slots = [0u32; BATCH_SLOTS];
    let mut output = vec![0u8; record::batch_output_capacity(HEADER.len(), 1, options.loop_key.len())];
    assert_eq!(record::enter_batch(HEADER, &[HEADER.len() as u32], &options, 0x896b_e351, &counter, &mut slots, &mut output), 0);
    slots[B_STATUS]
}

#[test]
fn loop_counter_bounds_are_the_cores() {
    assert_eq!(enter_status(16, MIN_MAX_ENTRIES, MAX_MAX_COUNT), 0);
    assert_eq!(enter_status(16, MIN_MAX_ENTRIES - 1, MAX_MAX_COUNT), INVALID);
    assert_eq!(enter_status(16, MAX_MAX_ENTRIES, MAX_MAX_COUNT), 0);
    assert_eq!(enter_status(16, MAX_MAX_ENTRIES + 1, MAX_MAX_COUNT), INVALID);
    assert_eq!(enter_status(MIN_THRESHOLD, 8, MIN_THRESHOLD + 1), 0);
    assert_eq!(enter_status(MAX_THRESHOLD, 8, MAX_MAX_COUNT), 0);
    assert_eq!(enter_status(MAX_THRESHOLD + 1, 8, MAX_MAX_COUNT), INVALID);
    // max_count ranges over threshold + 1 ..= MAX_MAX_COUNT.
    assert_eq!(enter_status(16, 8, 17), 0);
    assert_eq!(enter_status(16, 8, 16), INVALID);
    assert_eq!(EnterOptions::default().max_count, MAX_MAX_COUNT, "the default max_count is the largest");
}

#[test]
fn parse_bounds_are_the_cores() {
    let with = |max_length, max_fields| Options { max_length, max_fields, ..Options::default() }.validate().map_err(|e| e.code);
    assert_eq!(with(MIN_MAX_LENGTH, MIN_MAX_FIELDS), Ok(()));
    assert_eq!(with(MAX_MAX_LENGTH, MAX_MAX_FIELDS), Ok(()));
    assert_eq!(with(MIN_MAX_LENGTH - 1, 64), Err(ErrorCode::InvalidOption));
    assert_eq!(with(MAX_MAX_LENGTH + 1, 64), Err(ErrorCode::InvalidOption));
    assert_eq!(with(8192, MIN_MAX_FIELDS - 1), Err(ErrorCode::InvalidOption));
    assert_eq!(with(8192, MAX_MAX_FIELDS + 1), Err(ErrorCode::InvalidOption));
}

#[test]
fn the_key_pattern_is_visible_ascii_without_semicolon_and_equals() {
    let module = trace_lineage_codegen::render().expect("renders");
    assert!(module.contains("export const KEY_PATTERN = /^[!-:<>-~]+$/;\n"));
}
