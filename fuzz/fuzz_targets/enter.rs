//! Enter a resource: the count is the highest previous one plus one, saturated at the ceiling,
//! so it never goes down; the loop field keeps at most `max_entries` well-formed entries, the
//! lowest counts evicted first; every other byte of the header stays; the result parses, and
//! entering it again goes on counting.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trace_lineage_core::resource_hash;
use trace_lineage_fuzz::{byte, check_enter, check_enter_again, enter_options, last_with_key, naive_entries, naive_fields, options, split};

fuzz_target!(|data: &[u8]| {
    let (config, header) = split(data);
    let options = options(config);
    let counter = enter_options(config);
    // Config byte 7 picks the resource: by default the first entry already in the loop field.
    let fields = naive_fields(header);
    let loop_value = last_with_key(header, &fields, options.loop_key).and_then(|i| fields[i].value.clone());
    let (entries, _) = naive_entries(loop_value.map_or(&b""[..], |range| &header[range]));
    let orders = resource_hash(b"orders");
    let hash = match byte(config, 7) % 4 {
        0 => entries.first().map_or(orders, |entry| entry.hash),
        1 => orders,
        2 => entries.last().map_or(orders, |entry| entry.hash),
        _ => u32::from_le_bytes([byte(config, 8), byte(config, 9), byte(config, 10), byte(config, 11)]),
    };
    if let Some((out, count)) = check_enter(header, &options, hash, &counter) {
        check_enter_again(&out, &options, hash, &counter, count);
    }
});
