//! SipHash-2-4 held to the reference implementation's 64 vectors (veorq/SipHash `vectors.h`,
//! kept in `test/fixtures/siphash-2-4-vectors.txt`, which the vitest suite reads too), and the
//! loop tag's message.

use trace_lineage_core::siphash::{loop_tag, siphash24, tag_hex, KEY_LENGTH};

const VECTORS: &str = include_str!("../../../test/fixtures/siphash-2-4-vectors.txt");

fn vector_key() -> [u8; KEY_LENGTH] {
    core::array::from_fn(|i| i as u8)
}

fn vectors() -> Vec<&'static str> {
    VECTORS.lines().filter(|line| !line.starts_with('#') && !line.is_empty()).collect()
}

#[test]
fn the_64_reference_vectors() {
    let vectors = vectors();
    assert_eq!(vectors.len(), 64);
    let message: Vec<u8> = (0..64).collect();
    for (length, expected) in vectors.iter().enumerate() {
        let tag = tag_hex(siphash24(&vector_key(), &message[..length]));
        assert_eq!(core::str::from_utf8(&tag).expect("hex is ASCII"), *expected, "message of {length} bytes");
    }
}

#[test]
fn the_loop_tag_is_siphash_of_root_separator_value() {
    let key = vector_key();
    let root = b"1-5759e988-bd862e3fe1be46a994272793";
    let value = b"a87bd80c:3|68fd508a:1";
    let mut message = root.to_vec();
    message.push(b';');
    message.extend_from_slice(value);
    assert_eq!(loop_tag(&key, root, value), tag_hex(siphash24(&key, &message)));
    // Another Root, another value, another key: another tag.
    assert_ne!(loop_tag(&key, b"1-5759e988-bd862e3fe1be46a994272794", value), loop_tag(&key, root, value));
    assert_ne!(loop_tag(&key, root, b"a87bd80c:4|68fd508a:1"), loop_tag(&key, root, value));
    let mut other_key = key;
    other_key[15] ^= 1;
    assert_ne!(loop_tag(&other_key, root, value), loop_tag(&key, root, value));
}

#[test]
fn tags_are_16_lowercase_hex() {
    assert_eq!(&tag_hex(0x0123_4567_89ab_cdef), b"efcdab8967452301");
    assert_eq!(&tag_hex(0), b"0000000000000000");
}
