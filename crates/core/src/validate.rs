//! Validation of the typed fields' values, and the `|`-separated entry lists.

use crate::codes::Reason;
use crate::scan::{self, find_byte};

pub(crate) const fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}
const fn is_lower_hex(b: u8) -> bool {
    is_digit(b) || matches!(b, b'a'..=b'f')
}
const fn is_upper_hex(b: u8) -> bool {
    matches!(b, b'A'..=b'F')
}

fn hex(value: &[u8]) -> Result<(), Reason> {
    if scan::all_hex(value) {
        Ok(())
    } else {
        Err(Reason::NotHex)
    }
}

/// Decimal digits as a `u32` that saturates at `u32::MAX` instead of overflowing.
pub(crate) fn decimal(digits: &[u8]) -> Result<u32, Reason> {
    if digits.is_empty() {
        return Err(Reason::NotDecimal);
    }
    let mut value: u32 = 0;
    for &b in digits {
        if !is_digit(b) {
            return Err(Reason::NotDecimal);
        }
        value = value.saturating_mul(10).saturating_add(u32::from(b - b'0'));
    }
    Ok(value)
}

/// A value validator: `Ok` or why the value is invalid.
pub type Validator = fn(&[u8]) -> Result<(), Reason>;

/// `Root`: `1-` + 8 hex + `-` + 24 hex.
pub fn root(value: &[u8]) -> Result<(), Reason> {
    match value {
        [] => Err(Reason::Empty),
        _ if value.len() != 35 => Err(Reason::Length),
        [b'1', b'-', ..] => {
            if value[10] != b'-' {
                return Err(Reason::Separator);
            }
            hex(&value[2..10])?;
            hex(&value[11..])
        }
        _ => Err(Reason::Version),
    }
}

/// `Parent`: 16 hex.
pub fn parent(value: &[u8]) -> Result<(), Reason> {
    match value.len() {
        0 => Err(Reason::Empty),
        16 => hex(value),
        _ => Err(Reason::Length),
    }
}

/// `Sampled`: `0`, `1` or `?`.
pub fn sampled(value: &[u8]) -> Result<(), Reason> {
    match value {
        [] => Err(Reason::Empty),
        [b'0' | b'1' | b'?'] => Ok(()),
        _ => Err(Reason::SampledValue),
    }
}

/// `Self`: anything non-empty (AWS's own example does not follow the Root shape).
pub fn self_(value: &[u8]) -> Result<(), Reason> {
    if value.is_empty() {
        Err(Reason::Empty)
    } else {
        Ok(())
    }
}

/// One well-formed `<8 hex>:<count>` entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Offset of the entry (its hash) in the value it was read from.
    pub offset: usize,
    /// The 8 hex digits, as written.
    pub hash: &'a [u8],
    /// The decimal digits, as written.
    pub digits: &'a [u8],
    /// The count, saturated at `u32::MAX`.
    pub count: u32,
}

impl Entry<'_> {
    /// The hash as a number (hex is matched case-insensitively).
    pub fn hash_value(&self) -> u32 {
        self.hash.iter().fold(0u32, |acc, &b| {
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                _ => b.wrapping_sub(b'A').wrapping_add(10),
            };
            (acc << 4) | u32::from(digit & 0xf)
        })
    }
}

/// The `|`-separated pieces of a value, each a well-formed entry or the reason it is not.
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    value: &'a [u8],
    position: usize,
    done: bool,
}

impl<'a> Entries<'a> {
    /// Iterate over the pieces of `value` (an empty value has one, malformed, piece).
    pub fn new(value: &'a [u8]) -> Self {
        Entries { value, position: 0, done: false }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, Reason>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let start = self.position;
        let end = find_byte(self.value, start, b'|');
        if end == self.value.len() {
            self.done = true;
        } else {
            self.position = end + 1;
        }
        let piece = &self.value[start..end];
        let colon = find_byte(piece, 0, b':');
        if colon == piece.len() || find_byte(piece, colon + 1, b':') != piece.len() {
            return Some(Err(Reason::EntryFormat));
        }
        let (hash, digits) = (&piece[..colon], &piece[colon + 1..]);
        if hash.len() != 8 {
            return Some(Err(Reason::Length));
        }
        if let Err(reason) = hex(hash) {
            return Some(Err(reason));
        }
        Some(decimal(digits).map(|count| Entry { offset: start, hash, digits, count }))
    }
}

/// The reason of the first malformed entry, if any.
pub fn entries(value: &[u8]) -> Result<(), Reason> {
    Entries::new(value).find_map(Result::err).map_or(Ok(()), Err)
}

/// The wire format of an AWS `Lineage` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum LineageFormat {
    /// `|`-separated `<8 hex>:<count>` entries (2023 to mid 2024).
    V1 = 1,
    /// `<decimal>:<8 lowercase hex>:<decimal>` (since late 2024).
    V2 = 2,
    /// Neither: kept, never interpreted.
    Opaque = 3,
}

/// Names of the Lineage formats, indexed by their number; 0 = no Lineage field (a record's
/// format slot when the header has none).
pub const LINEAGE_FORMAT_NAMES: [&str; 4] = ["absent", "v1", "v2", "opaque"];

impl LineageFormat {
    /// Every format, in numeric order.
    pub const ALL: [LineageFormat; 3] = [LineageFormat::V1, LineageFormat::V2, LineageFormat::Opaque];

    /// The format's name (`"v1"`, ...).
    pub fn name(self) -> &'static str {
        LINEAGE_FORMAT_NAMES[self as usize]
    }
}

/// The parts of a valid V2 Lineage (their meaning is not documented by AWS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineageV2 {
    /// The first number, 0..=32767.
    pub first: u32,
    /// Offset of the 8 lowercase hex digits in the value.
    pub hash_offset: usize,
    /// The last number, 0..=255.
    pub last: u32,
}

/// Classify a Lineage value: exactly two `:` and no `|` is V2; any other value with a `:` is V1;
/// anything else is opaque.
pub fn lineage_format(value: &[u8]) -> LineageFormat {
    let colons = value.iter().filter(|&&b| b == b':').count();
    let pipes = value.iter().filter(|&&b| b == b'|').count();
    match (colons, pipes) {
        (2, 0) => LineageFormat::V2,
        (0, _) => LineageFormat::Opaque,
        _ => LineageFormat::V1,
    }
}

/// Validate a V2 Lineage, left to right, with the rules OpenTelemetry Java publishes: total
/// length 12..=18, first number 0..=32767, hash exactly 8 lowercase hex, last number 0..=255.
pub fn lineage_v2(value: &[u8]) -> Result<LineageV2, Reason> {
    if !(12..=18).contains(&value.len()) {
        return Err(Reason::Length);
    }
    let mut parts = value.splitn(3, |&b| b == b':');
    let (first, hash, last) = match (parts.next(), parts.next(), parts.next()) {
        (Some(first), Some(hash), Some(last)) => (first, hash, last),
        _ => return Err(Reason::EntryFormat),
    };
    let first_value = decimal(first)?;
    if first_value > 32767 {
        return Err(Reason::OutOfRange);
    }
    if hash.len() != 8 {
        return Err(Reason::Length);
    }
    if let Some(&b) = hash.iter().find(|&&b| !is_lower_hex(b)) {
        return Err(if is_upper_hex(b) { Reason::NotLowercaseHex } else { Reason::NotHex });
    }
    let last_value = decimal(last)?;
    if last_value > 255 {
        return Err(Reason::OutOfRange);
    }
    Ok(LineageV2 { first: first_value, hash_offset: first.len() + 1, last: last_value })
}

/// Validate a Lineage value of any format.
pub fn lineage(value: &[u8]) -> Result<(), Reason> {
    match lineage_format(value) {
        LineageFormat::V2 => lineage_v2(value).map(|_| ()),
        LineageFormat::V1 => entries(value),
        LineageFormat::Opaque if value.is_empty() => Err(Reason::Empty),
        LineageFormat::Opaque => Err(Reason::UnknownFormat),
    }
}

/// Validate our loop field's value (V1-shaped entries).
pub fn loop_field(value: &[u8]) -> Result<(), Reason> {
    if value.is_empty() {
        Err(Reason::Empty)
    } else {
        entries(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_numbered_by_its_place_in_the_names() {
        assert_eq!(LineageFormat::ALL.len() + 1, LINEAGE_FORMAT_NAMES.len());
        for (index, format) in LineageFormat::ALL.into_iter().enumerate() {
            assert_eq!(format as usize, index + 1);
        }
    }

    #[test]
    fn roots() {
        assert_eq!(root(b"1-5759e988-bd862e3fe1be46a994272793"), Ok(()));
        assert_eq!(root(b"1-5759E988-BD862E3FE1BE46A994272793"), Ok(()));
        assert_eq!(root(b""), Err(Reason::Empty));
        assert_eq!(root(b"1-5759e988-bd862e3fe1be46a99427279"), Err(Reason::Length));
        assert_eq!(root(b"2-5759e988-bd862e3fe1be46a994272793"), Err(Reason::Version));
        assert_eq!(root(b"1-5759e988xbd862e3fe1be46a994272793"), Err(Reason::Separator));
        assert_eq!(root(b"1-5759e98g-bd862e3fe1be46a994272793"), Err(Reason::NotHex));
    }

    #[test]
    fn lineage_v2_rules() {
        assert_eq!(lineage_v2(b"1:fe460cdd:0").map(|p| (p.first, p.hash_offset, p.last)), Ok((1, 2, 0)));
        assert!(lineage_v2(b"32767:fe460cdd:255").is_ok());
        assert_eq!(lineage_v2(b"32768:fe460cdd:25"), Err(Reason::OutOfRange));
        assert_eq!(lineage_v2(b"1:fe460cdd:256"), Err(Reason::OutOfRange));
        assert_eq!(lineage_v2(b"1:FE460cdd:0"), Err(Reason::NotLowercaseHex));
        assert_eq!(lineage_v2(b"1:fe460cdx:0"), Err(Reason::NotHex));
        assert_eq!(lineage_v2(b"1:fe460cd:00"), Err(Reason::Length));
        assert_eq!(lineage_v2(b"1:fe460cdd:"), Err(Reason::Length));
        assert_eq!(lineage_v2(b"a:fe460cdd:0"), Err(Reason::NotDecimal));
        assert_eq!(lineage(b"a87bd80c:1|68fd508a:5"), Ok(()));
        assert_eq!(lineage(b"a87bd80c:1|68fd508a"), Err(Reason::EntryFormat));
        assert_eq!(lineage(b"opaque"), Err(Reason::UnknownFormat));
    }

    #[test]
    fn entry_counts_saturate() {
        let entry = Entries::new(b"a87bd80c:99999999999").next();
        assert_eq!(entry.and_then(Result::ok).map(|e| e.count), Some(u32::MAX));
        let entry = Entries::new(b"A87BD80C:1").next().and_then(Result::ok);
        assert_eq!(entry.map(|e| e.hash_value()), Some(0xa87b_d80c));
    }
}
