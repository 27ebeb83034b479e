//! Enter a resource: the count is the highest previous one plus one, saturated at the ceiling,
//! so it never goes down; the loop field keeps at most `max_entries` well-formed entries, the
//! lowest counts evicted first; every other byte of the header stays; the result parses, and
//! entering it again goes on counting.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| trace_lineage_fuzz::enter_target(data));
