//! Parse anything: errors only where the policy says, at offsets inside the input; an accepted
//! header is exactly the naive fields, comes back byte-identical from its spans, and its
//! accessors, diagnostics and entries agree with the naive model. Also: the input as a bare
//! Lineage value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| trace_lineage_fuzz::parse_target(data));
