//! Byte-level scanning shared by the tokenizer and the validators: the byte-class table, a
//! word-at-a-time search for one byte, and whole-run checks written so that the compiler
//! vectorises them (no early exit inside a chunk). Safe code only.

/// A byte a header may hold: visible ASCII, space, tab.
pub(crate) const HEADER: u8 = 1;
/// Optional whitespace around keys and values: space, tab.
pub(crate) const WHITESPACE: u8 = 1 << 1;
/// A key byte: visible ASCII except `;` and `=`.
pub(crate) const KEY: u8 = 1 << 2;
/// A value byte a setter may write: visible ASCII except `;`.
pub(crate) const VALUE: u8 = 1 << 3;
/// `0-9`.
pub(crate) const DIGIT: u8 = 1 << 4;
/// `0-9`, `a-f`.
pub(crate) const LOWER_HEX: u8 = 1 << 5;
/// `A-F`.
pub(crate) const UPPER_HEX: u8 = 1 << 6;

const fn class_of(b: u8) -> u8 {
    let mut class = 0;
    if b == b'\t' || (b >= b' ' && b <= b'~') {
        class |= HEADER;
    }
    if b == b'\t' || b == b' ' {
        class |= WHITESPACE;
    }
    if b > b' ' && b <= b'~' && b != b';' {
        class |= VALUE;
        if b != b'=' {
            class |= KEY;
        }
    }
    if b.is_ascii_digit() {
        class |= DIGIT | LOWER_HEX;
    }
    if b >= b'a' && b <= b'f' {
        class |= LOWER_HEX;
    }
    if b >= b'A' && b <= b'F' {
        class |= UPPER_HEX;
    }
    class
}

/// The class bits of every byte.
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = class_of(b as u8);
        b += 1;
    }
    table
};

/// Whether `b` has any of the class bits in `class`.
#[inline(always)]
pub(crate) fn is(b: u8, class: u8) -> bool {
    CLASSES[b as usize] & class != 0
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Index of the first `needle` in `haystack[from..]`, or `haystack.len()`: eight bytes at a time.
#[inline]
pub(crate) fn find_byte(haystack: &[u8], from: usize, needle: u8) -> usize {
    let pattern = ONES * u64::from(needle);
    let mut at = from;
    while let Some(word) = haystack.get(at..at + 8) {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let diff = u64::from_le_bytes(bytes) ^ pattern;
        // The lowest flagged byte is exactly the first zero byte of `diff` (a borrow can only
        // flag bytes above a true zero).
        let zero = diff.wrapping_sub(ONES) & !diff & HIGHS;
        if zero != 0 {
            return at + (zero.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < haystack.len() && haystack[at] != needle {
        at += 1;
    }
    at
}

/// Whether a chunk holds a byte that is not visible ASCII, space or tab.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn any_non_header_byte(chunk: &[u8; SCAN_CHUNK]) -> bool {
    // Arithmetic, not the table, and no early exit: this form vectorises.
    chunk.iter().fold(0u8, |any, &b| any | u8::from(b.wrapping_sub(b' ') > b'~' - b' ' && b != b'\t')) != 0
}
#[cfg(not(target_arch = "wasm32"))]
const SCAN_CHUNK: usize = 32;

/// Index of the first byte that is not visible ASCII, space or tab, if any.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub(crate) fn first_non_header_byte(bytes: &[u8]) -> Option<usize> {
    let window = |at: usize| <&[u8; SCAN_CHUNK]>::try_from(&bytes[at..at + SCAN_CHUNK]).map_or(true, any_non_header_byte);
    let mut offset = 0;
    while offset + SCAN_CHUNK <= bytes.len() && !window(offset) {
        offset += SCAN_CHUNK;
    }
    // The tail: one last window ending at the end, overlapping what was checked.
    if offset + SCAN_CHUNK > bytes.len() && bytes.len() >= SCAN_CHUNK && !window(bytes.len() - SCAN_CHUNK) {
        return None;
    }
    bytes[offset..].iter().position(|&b| !is(b, HEADER)).map(|at| offset + at)
}

/// Index of the first byte that is not visible ASCII, space or tab, if any.
///
/// WebAssembly without SIMD does not vectorise the chunked form above (it ran byte by byte, a
/// third of an `enter`): eight bytes at a time instead, as words. A word is flagged when a
/// byte may be below `' '` (a tab, or a control byte), is `0x7f`, or has its high bit set; a
/// borrow can only flag bytes above a true one, so a clean word is exact, and a flagged word
/// (tabs included) is checked byte by byte.
#[cfg(target_arch = "wasm32")]
#[inline]
pub(crate) fn first_non_header_byte(bytes: &[u8]) -> Option<usize> {
    first_non_header_byte_by_words(bytes)
}

/// [`first_non_header_byte`] eight bytes at a time (see above); compiled everywhere, so that
/// the host's tests check it too.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#[inline]
fn first_non_header_byte_by_words(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let below_space = w.wrapping_sub(ONES * 0x20) & !w;
        let del = w ^ (ONES * 0x7f);
        let is_del = del.wrapping_sub(ONES) & !del;
        if (below_space | is_del | w) & HIGHS != 0 {
            if let Some(offset) = chunk.iter().position(|&b| !is(b, HEADER)) {
                return Some(at + offset);
            }
        }
        at += 8;
    }
    bytes[at..].iter().position(|&b| !is(b, HEADER)).map(|offset| at + offset)
}

/// Whether every byte of `bytes` is a hex digit (either case).
#[inline]
pub(crate) fn all_hex(bytes: &[u8]) -> bool {
    // Arithmetic, not the table, and no early exit: this form vectorises.
    bytes.iter().fold(true, |all, &b| all & (b.wrapping_sub(b'0') < 10 || (b | 0x20).wrapping_sub(b'a') < 6))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_byte_matches_a_naive_search() {
        let text = b"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;;\x3b\xbb;";
        for from in 0..=text.len() {
            for needle in [b';', b'=', b'\xbb', b'Z'] {
                let naive = text[from..].iter().position(|&b| b == needle).map_or(text.len(), |at| from + at);
                assert_eq!(find_byte(text, from, needle), naive);
            }
        }
    }

    #[test]
    fn classes_agree_with_their_definitions() {
        for b in 0..=255u8 {
            let header = b == b'\t' || (b' '..=b'~').contains(&b);
            assert_eq!(is(b, HEADER), header);
            let run = [b'a'; 40].map(|_| b);
            let mut longer = [b'a'; 70];
            longer[65] = b;
            assert_eq!(first_non_header_byte(&run), (!header).then_some(0));
            assert_eq!(first_non_header_byte(&longer), (!header).then_some(65));
            assert_eq!(first_non_header_byte_by_words(&run), (!header).then_some(0));
            assert_eq!(first_non_header_byte_by_words(&longer), (!header).then_some(65));
            // Every position, after bytes that are valid (a tab among them) and before any.
            for length in 1..20 {
                for position in 0..length {
                    let mut bytes = [b'a'; 20];
                    bytes[0] = b'\t';
                    bytes[position] = b;
                    bytes[length - 1] = if position == length - 1 { b } else { 0x7f };
                    let expected = bytes[..length].iter().position(|&c| !is(c, HEADER));
                    assert_eq!(first_non_header_byte_by_words(&bytes[..length]), expected);
                    assert_eq!(first_non_header_byte(&bytes[..length]), expected);
                }
            }
            assert_eq!(all_hex(&[b'0', b]), b.is_ascii_hexdigit());
            assert_eq!(is(b, LOWER_HEX | UPPER_HEX), b.is_ascii_hexdigit());
        }
    }
}
