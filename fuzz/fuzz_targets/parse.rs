//! Parse anything: errors only where the policy says, at offsets inside the input; an accepted
//! header is exactly the naive fields, comes back byte-identical from its spans, and its
//! accessors, diagnostics and entries agree with the naive model. Also: the input as a bare
//! Lineage value, and as an environment variable to percent-encode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trace_lineage_fuzz::{check_lineage, check_parse, check_percent_encoding, options, split};

fuzz_target!(|data: &[u8]| {
    let (config, header) = split(data);
    let _ = check_parse(header, &options(config));
    // The same bytes as a bare Lineage value: the bindings validate those without parsing.
    check_lineage(header);
    // And as an environment variable to percent-encode.
    check_percent_encoding(data);
});
