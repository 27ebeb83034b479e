//! Set a field: the result is the input with only the target field's value replaced (or one
//! field appended), it parses, and setting the same value again changes nothing. Invalid keys
//! and values are refused at the offset of their first bad byte. Also: `format_header` from the
//! header's parts builds exactly the naive `key=value;…`, or refuses the first bad part.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trace_lineage_fuzz::{byte, check_format_header, check_set_field, naive_fields, options, split};

fuzz_target!(|data: &[u8]| {
    let (config, header) = split(data);
    let options = options(config);
    // Config byte 3 picks the key, 4 an existing field; the rest is split into a key and a value.
    let tail = config.get(5..).unwrap_or_default();
    let (raw_key, raw_value) = tail.split_at(tail.len() / 2);
    let fields = naive_fields(header);
    let existing = fields.get(usize::from(byte(config, 4)) % fields.len().max(1)).map(|f| header[f.key.clone()].to_vec());
    let key = match byte(config, 3) % 8 {
        0 => b"Sampled".to_vec(),
        1 | 2 => existing.unwrap_or_else(|| b"Root".to_vec()),
        3 => existing.map_or_else(|| b"Foo".to_vec(), |key| key.to_ascii_uppercase()),
        4 => b"lineage".to_vec(),
        5 => options.loop_key.to_vec(),
        6 => raw_key.to_vec(),
        _ => b"X-New".to_vec(),
    };
    let value = if raw_value.is_empty() { b"1".to_vec() } else { raw_value.to_vec() };
    if let Some(out) = check_set_field(header, &options, &key, &value) {
        assert_eq!(check_set_field(&out, &options, &key, &value), Some(out), "setting it again changed the header");
    }
    // Building a new header from this one's parts (bit 3 of config byte 3: Root, Parent and
    // Sampled among the other fields too, which must be refused).
    check_format_header(header, byte(config, 3) & 8 != 0);
});
