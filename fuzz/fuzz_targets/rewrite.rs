//! Set a field: the result is the input with only the target field's value replaced (or one
//! field appended), it parses, and setting the same value again changes nothing. Invalid keys
//! and values are refused at the offset of their first bad byte.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| trace_lineage_fuzz::rewrite_target(data));
