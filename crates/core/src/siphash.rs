//! SipHash-2-4 (Aumasson and Bernstein, 2012) with a 64-bit tag, and the tag of a loop field.
//!
//! The signed loop field: a guard configured with a key adds a field of its own (default
//! `LoopGuardSig`) whose value is [`loop_tag`] of the chain's `Root` and of the loop field's
//! value, so that a guard with the same key can tell the counts its own functions wrote from
//! counts anybody else wrote. The tag is 16 lowercase hex digits: the 8 bytes SipHash outputs,
//! in the reference implementation's order (the 64-bit result least significant byte first).

/// Bytes of a key (128 bits).
pub const KEY_LENGTH: usize = 16;
/// Hex digits of a tag (64 bits).
pub const TAG_HEX_LENGTH: usize = 16;
/// The byte between the Root value and the loop field's value in the tagged message. No header
/// value contains it, so (root, loop value) ↔ message is one to one.
pub const MESSAGE_SEPARATOR: u8 = b';';

/// The SipHash state, v0..v3.
struct State([u64; 4]);

impl State {
    fn new(key: &[u8; KEY_LENGTH]) -> State {
        let k0 = u64::from_le_bytes([key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7]]);
        let k1 = u64::from_le_bytes([key[8], key[9], key[10], key[11], key[12], key[13], key[14], key[15]]);
        State([k0 ^ 0x736f_6d65_7073_6575, k1 ^ 0x646f_7261_6e64_6f6d, k0 ^ 0x6c79_6765_6e65_7261, k1 ^ 0x7465_6462_7974_6573])
    }

    fn round(&mut self) {
        let [v0, v1, v2, v3] = &mut self.0;
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    }

    /// Absorb one 8-byte word with the two compression rounds of SipHash-2-4.
    fn compress(&mut self, word: u64) {
        self.0[3] ^= word;
        self.round();
        self.round();
        self.0[0] ^= word;
    }

    /// The four finalisation rounds; the 64-bit result.
    fn finish(mut self) -> u64 {
        self.0[2] ^= 0xff;
        for _ in 0..4 {
            self.round();
        }
        self.0[0] ^ self.0[1] ^ self.0[2] ^ self.0[3]
    }
}

/// Feeds bytes from several slices into the state, 8 at a time (no copy of the message).
struct Absorber {
    state: State,
    word: u64,
    filled: u32,
    length: u64,
}

impl Absorber {
    fn absorb(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.word |= u64::from(byte) << (8 * self.filled);
            self.filled += 1;
            if self.filled == 8 {
                self.state.compress(self.word);
                self.word = 0;
                self.filled = 0;
            }
        }
        self.length += bytes.len() as u64;
    }

    /// The last word holds the remaining bytes and, in its top byte, the length mod 256.
    fn finish(mut self) -> u64 {
        self.state.compress(self.word | (self.length << 56));
        self.state.finish()
    }
}

/// SipHash-2-4 of the concatenation of `parts` under `key`, the 64-bit result.
fn siphash_parts(key: &[u8; KEY_LENGTH], parts: &[&[u8]]) -> u64 {
    let mut absorber = Absorber { state: State::new(key), word: 0, filled: 0, length: 0 };
    for part in parts {
        absorber.absorb(part);
    }
    absorber.finish()
}

/// SipHash-2-4 of `message` under `key`: the 64-bit result (its little-endian bytes are the
/// reference implementation's output).
pub fn siphash24(key: &[u8; KEY_LENGTH], message: &[u8]) -> u64 {
    siphash_parts(key, &[message])
}

/// The tag of a loop field: SipHash-2-4 under `key` of `root ";" loop_value` (the `Root` field's
/// value and the loop field's value, as they appear in the header), as 16 lowercase hex digits.
/// Binding the Root makes a tag worthless in any other chain.
pub fn loop_tag(key: &[u8; KEY_LENGTH], root: &[u8], loop_value: &[u8]) -> [u8; TAG_HEX_LENGTH] {
    tag_hex(siphash_parts(key, &[root, &[MESSAGE_SEPARATOR], loop_value]))
}

/// A 64-bit result as a tag: its 8 little-endian bytes, each as 2 lowercase hex digits.
pub fn tag_hex(result: u64) -> [u8; TAG_HEX_LENGTH] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; TAG_HEX_LENGTH];
    for (at, byte) in result.to_le_bytes().iter().enumerate() {
        digits[2 * at] = HEX[usize::from(byte >> 4)];
        digits[2 * at + 1] = HEX[usize::from(byte & 0xf)];
    }
    digits
}
