//! The stable code tables, shared with every binding and with the TypeScript API, whose tables
//! (`ts/generated/constants.ts`) `crates/codegen` prints from these.
//!
//! Never renumber: new codes go at the end (of the enum, its `ALL` and its names).

/// A hard error: the header cannot be used at all. Always comes with a byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    /// No field at all (empty input, or only whitespace and `;`). Offset 0.
    Empty = 1,
    /// Longer than the configured limit. Offset = the limit.
    TooLong = 2,
    /// A byte outside visible ASCII, space and tab (CR/LF injection, non-ASCII). Offset = that byte.
    InvalidByte = 3,
    /// More fields than the configured limit. Offset = start of the first field too many; for a
    /// rewrite that would append a field to a header already at the limit, where it would go.
    TooManyFields = 4,
    /// A key given to a setter or builder is not a token, or may not be set (`Lineage`).
    InvalidKey = 5,
    /// A value given to a setter or builder may not appear in a header.
    InvalidValue = 6,
    /// An option is out of range (limits, threshold, entry cap, loop key).
    InvalidOption = 7,
    /// A binding passed an output buffer too small for the result (a binding bug, never input).
    BufferTooSmall = 8,
}

/// Names of the error codes, indexed by code (0 = ok).
pub const ERROR_NAMES: [&str; 9] =
    ["ok", "empty", "too_long", "invalid_byte", "too_many_fields", "invalid_key", "invalid_value", "invalid_option", "buffer_too_small"];

impl ErrorCode {
    /// Every code, in numeric order.
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::Empty,
        ErrorCode::TooLong,
        ErrorCode::InvalidByte,
        ErrorCode::TooManyFields,
        ErrorCode::InvalidKey,
        ErrorCode::InvalidValue,
        ErrorCode::InvalidOption,
        ErrorCode::BufferTooSmall,
    ];

    /// The stable name of this code (`"too_long"`, ...).
    pub fn name(self) -> &'static str {
        ERROR_NAMES[self as usize]
    }
}

/// A lenient case met while tokenising: reported, never fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum DiagnosticCode {
    /// A run of one or more empty fields (`;;`). Offset = start of the run.
    EmptyField = 1,
    /// The header ends with `;` (and optional whitespace). Offset = that `;`.
    TrailingSemicolon = 2,
    /// Whitespace around a key or value. Offset = the first such byte of the field.
    Whitespace = 3,
    /// A field without `=`: kept as-is, never an accessor.
    MissingEquals = 4,
    /// A field `=value` with an empty key.
    EmptyKey = 5,
    /// A known key spelled in another case (`root=`); it still matches.
    KeyCase = 6,
    /// A known key seen again: the last one wins for the accessors.
    DuplicateKey = 7,
}

/// Names of the diagnostic codes, indexed by code.
pub const DIAGNOSTIC_NAMES: [&str; 8] =
    ["none", "empty_field", "trailing_semicolon", "whitespace", "missing_equals", "empty_key", "key_case", "duplicate_key"];

impl DiagnosticCode {
    /// Every code, in numeric order.
    pub const ALL: [DiagnosticCode; 7] = [
        DiagnosticCode::EmptyField,
        DiagnosticCode::TrailingSemicolon,
        DiagnosticCode::Whitespace,
        DiagnosticCode::MissingEquals,
        DiagnosticCode::EmptyKey,
        DiagnosticCode::KeyCase,
        DiagnosticCode::DuplicateKey,
    ];

    /// The stable name of this code.
    pub fn name(self) -> &'static str {
        DIAGNOSTIC_NAMES[self as usize]
    }
}

/// Why a typed accessor's value is invalid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Reason {
    /// The value is empty.
    Empty = 1,
    /// Wrong length (Root 35, Parent 16, a hash 8, Lineage V2 12..=18).
    Length = 2,
    /// Root does not start with `1-`.
    Version = 3,
    /// Root lacks the `-` between epoch and id.
    Separator = 4,
    /// A character that is not a hex digit.
    NotHex = 5,
    /// Lineage V2 hash with an upper-case hex digit.
    NotLowercaseHex = 6,
    /// A number that is empty or not made of ASCII digits.
    NotDecimal = 7,
    /// Lineage V2: first number > 32767 or last > 255.
    OutOfRange = 8,
    /// Sampled is not `0`, `1` or `?`.
    SampledValue = 9,
    /// Lineage that is neither V1 nor V2.
    UnknownFormat = 10,
    /// A `|`-separated entry that is not `<hash>:<count>`.
    EntryFormat = 11,
}

/// Names of the reason codes, indexed by code (0 = valid).
pub const REASON_NAMES: [&str; 12] = [
    "valid",
    "empty",
    "length",
    "version",
    "separator",
    "not_hex",
    "not_lowercase_hex",
    "not_decimal",
    "out_of_range",
    "sampled_value",
    "unknown_format",
    "entry_format",
];

impl Reason {
    /// Every reason, in numeric order.
    pub const ALL: [Reason; 11] = [
        Reason::Empty,
        Reason::Length,
        Reason::Version,
        Reason::Separator,
        Reason::NotHex,
        Reason::NotLowercaseHex,
        Reason::NotDecimal,
        Reason::OutOfRange,
        Reason::SampledValue,
        Reason::UnknownFormat,
        Reason::EntryFormat,
    ];

    /// The stable name of this reason.
    pub fn name(self) -> &'static str {
        REASON_NAMES[self as usize]
    }
}

/// Reason code of a validation result: 0 when valid.
pub fn reason_code(result: Result<(), Reason>) -> u32 {
    match result {
        Ok(()) => 0,
        Err(reason) => reason as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each table is indexed by code: 0 is the table's own ("ok", "none", "valid"), then every
    // variant at its number, none left out (a variant missing from `ALL` shortens it).
    #[test]
    fn every_code_is_numbered_by_its_place_in_its_table() {
        assert_eq!(ErrorCode::ALL.len() + 1, ERROR_NAMES.len());
        for (index, code) in ErrorCode::ALL.into_iter().enumerate() {
            assert_eq!(code as usize, index + 1);
        }
        assert_eq!(DiagnosticCode::ALL.len() + 1, DIAGNOSTIC_NAMES.len());
        for (index, code) in DiagnosticCode::ALL.into_iter().enumerate() {
            assert_eq!(code as usize, index + 1);
        }
        assert_eq!(Reason::ALL.len() + 1, REASON_NAMES.len());
        for (index, reason) in Reason::ALL.into_iter().enumerate() {
            assert_eq!(reason as usize, index + 1);
        }
    }
}
