//! Tokenising and parsing a trace header: zero-copy spans into the input, no allocation.

use crate::codes::{DiagnosticCode, ErrorCode, Reason};
use crate::scan::{self, find_byte};
use crate::validate;

/// Default longest header accepted, in bytes.
pub const DEFAULT_MAX_LENGTH: u32 = 8192;
/// Default most fields accepted.
pub const DEFAULT_MAX_FIELDS: u32 = 64;
/// Default key of our own loop-counter field.
pub const DEFAULT_LOOP_KEY: &[u8] = b"LoopGuard";
/// Smallest `max_length` that may be configured.
pub const MIN_MAX_LENGTH: u32 = 1;
/// Largest `max_length` that may be configured (16 MiB).
pub const MAX_MAX_LENGTH: u32 = 1 << 24;
/// Smallest `max_fields` that may be configured.
pub const MIN_MAX_FIELDS: u32 = 1;
/// Largest `max_fields` that may be configured.
pub const MAX_MAX_FIELDS: u32 = 4096;

/// A hard error: a code and the byte offset it refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub code: ErrorCode,
    /// Where, in bytes from the start of the input.
    pub offset: usize,
}

impl Error {
    pub(crate) const fn new(code: ErrorCode, offset: usize) -> Self {
        Error { code, offset }
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} at byte {}", self.code.name(), self.offset)
    }
}

/// Parsing limits and the loop field's key.
#[derive(Clone, Copy, Debug)]
pub struct Options<'k> {
    /// Longest accepted header, in bytes (default 8192).
    pub max_length: u32,
    /// Most fields accepted (default 64).
    pub max_fields: u32,
    /// Key of our own loop-counter field (default `LoopGuard`), matched case-insensitively.
    pub loop_key: &'k [u8],
}

impl Default for Options<'static> {
    fn default() -> Self {
        Options { max_length: DEFAULT_MAX_LENGTH, max_fields: DEFAULT_MAX_FIELDS, loop_key: DEFAULT_LOOP_KEY }
    }
}

impl Options<'_> {
    /// The read bound: only the first `max_length + 1` bytes (or UTF-16 units) of a header need
    /// reading for the same answer as the whole (one past the limit is already `too_long`), so a
    /// megabyte header costs no more than one at the limit. Every binding reads this much.
    pub fn read_bound(&self) -> usize {
        self.max_length as usize + 1
    }

    /// Check the options: limits in range; the loop key a token that is not a known key.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid = Err(Error::new(ErrorCode::InvalidOption, 0));
        if !(MIN_MAX_LENGTH..=MAX_MAX_LENGTH).contains(&self.max_length) {
            return invalid;
        }
        if !(MIN_MAX_FIELDS..=MAX_MAX_FIELDS).contains(&self.max_fields) {
            return invalid;
        }
        if self.loop_key.is_empty() || !self.loop_key.iter().all(|&b| is_key_byte(b)) {
            return invalid;
        }
        if known_key(self.loop_key, &[]).is_some() {
            return invalid;
        }
        Ok(())
    }
}

/// Canonical spelling of the known keys, in accessor order (the loop key is the sixth).
pub const KNOWN_KEYS: [&[u8]; 5] = [b"Root", b"Parent", b"Sampled", b"Self", b"Lineage"];

/// Index of each accessor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Accessor {
    /// `Root`
    Root = 0,
    /// `Parent`
    Parent = 1,
    /// `Sampled`
    Sampled = 2,
    /// `Self`
    Self_ = 3,
    /// `Lineage` (AWS's)
    Lineage = 4,
    /// Our loop field
    Loop = 5,
}

fn is_whitespace(b: u8) -> bool {
    scan::is(b, scan::WHITESPACE)
}

/// A key byte: visible ASCII except `;` and `=`. A key (the loop key, a setter's) is a
/// non-empty run of them.
pub fn is_key_byte(b: u8) -> bool {
    scan::is(b, scan::KEY)
}

/// A value byte a setter may write: visible ASCII except `;`.
pub(crate) fn is_value_byte(b: u8) -> bool {
    scan::is(b, scan::VALUE)
}

/// One field: byte ranges into the input, trimmed of optional whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// Start of the key (and of the field).
    pub key_start: usize,
    /// End of the key.
    pub key_end: usize,
    /// The value's range, or `None` for a field without `=`.
    pub value: Option<(usize, usize)>,
}

impl Field {
    /// End of the field's text: its value's end, or its key's end when it has no `=`.
    pub fn end(&self) -> usize {
        self.value.map_or(self.key_end, |(_, end)| end)
    }
}

/// What one `;`-separated segment held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    /// A field, and the offset of its first optional-whitespace byte, if any.
    Field(Field, Option<usize>),
    /// The first empty segment of a run.
    EmptyRun(usize),
    /// The final segment is empty: the header ends with `;` at this offset.
    Trailing(usize),
}

/// The segments of an input whose bytes were already checked.
#[derive(Clone, Debug)]
pub(crate) struct Segments<'a> {
    input: &'a [u8],
    start: usize,
    in_empty_run: bool,
    done: bool,
}

impl<'a> Segments<'a> {
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Segments { input, start: 0, in_empty_run: false, done: false }
    }
}

impl Iterator for Segments<'_> {
    type Item = Segment;

    #[cfg_attr(not(target_arch = "wasm32"), inline(always))] // into the parse loop: its results then stay in registers
    fn next(&mut self) -> Option<Segment> {
        let input = self.input;
        while !self.done {
            let segment_start = self.start;
            let segment_end = find_byte(input, segment_start, b';');
            if segment_end == input.len() {
                self.done = true;
            } else {
                self.start = segment_end + 1;
            }
            let mut start = segment_start;
            let mut end = segment_end;
            while start < end && is_whitespace(input[start]) {
                start += 1;
            }
            while end > start && is_whitespace(input[end - 1]) {
                end -= 1;
            }
            if start == end {
                if segment_end == input.len() && segment_start > 0 {
                    return Some(Segment::Trailing(segment_start - 1));
                }
                if !self.in_empty_run {
                    self.in_empty_run = true;
                    return Some(Segment::EmptyRun(segment_start));
                }
                continue;
            }
            self.in_empty_run = false;
            let mut whitespace = (start > segment_start).then_some(segment_start);
            let equals = Some(find_byte(&input[..end], start, b'=')).filter(|&at| at < end);
            let field = match equals {
                None => {
                    if whitespace.is_none() && end < segment_end {
                        whitespace = Some(end);
                    }
                    Field { key_start: start, key_end: end, value: None }
                }
                Some(equals) => {
                    let mut key_end = equals;
                    while key_end > start && is_whitespace(input[key_end - 1]) {
                        key_end -= 1;
                    }
                    let mut value_start = equals + 1;
                    while value_start < end && is_whitespace(input[value_start]) {
                        value_start += 1;
                    }
                    if whitespace.is_none() {
                        whitespace = if key_end < equals {
                            Some(key_end)
                        } else if value_start > equals + 1 {
                            Some(equals + 1)
                        } else if end < segment_end {
                            Some(end)
                        } else {
                            None
                        };
                    }
                    Field { key_start: start, key_end, value: Some((value_start, end)) }
                }
            };
            return Some(Segment::Field(field, whitespace));
        }
        None
    }
}

/// A diagnostic: a lenient case met, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Which case.
    pub code: DiagnosticCode,
    /// Byte offset.
    pub offset: usize,
}

/// Receives fields and diagnostics as the parser meets them (the record writer uses this).
pub(crate) trait Sink {
    /// A field, numbered from 0.
    fn field(&mut self, index: usize, field: &Field);
    /// A diagnostic, in order.
    fn diagnostic(&mut self, diagnostic: Diagnostic);
}

/// A sink that keeps nothing.
pub(crate) struct Discard;
impl Sink for Discard {
    fn field(&mut self, _: usize, _: &Field) {}
    fn diagnostic(&mut self, _: Diagnostic) {}
}

/// A parsed header: the input, and where the typed fields are. Cheap to copy, allocation-free.
#[derive(Clone, Copy, Debug)]
pub struct TraceHeader<'a> {
    input: &'a [u8],
    field_count: usize,
    diagnostic_count: usize,
    /// Index and value range of the last field of each known key (with `=`), index
    /// `u32::MAX` when absent (inputs are at most 16 MiB: offsets fit, and the header stays small).
    accessors: [[u32; 3]; 6],
    last_field_end: usize,
}

/// Check the bytes and the length: an invalid byte within the limit wins over the length.
pub(crate) fn check_bytes(input: &[u8], max_length: u32) -> Result<(), Error> {
    if input.is_empty() {
        return Err(Error::new(ErrorCode::Empty, 0));
    }
    let limit = max_length as usize;
    if let Some(at) = scan::first_non_header_byte(&input[..input.len().min(limit)]) {
        return Err(Error::new(ErrorCode::InvalidByte, at));
    }
    if input.len() > limit {
        return Err(Error::new(ErrorCode::TooLong, limit));
    }
    Ok(())
}

/// `Some(exact)` when `key` equals `canonical` ASCII case-insensitively (`exact`: in its case).
#[inline(always)]
fn key_matches(key: &[u8], canonical: &[u8]) -> Option<bool> {
    if key.len() != canonical.len() {
        return None;
    }
    let mut exact = true;
    for (&a, &b) in key.iter().zip(canonical) {
        if a != b {
            if !a.eq_ignore_ascii_case(&b) {
                return None;
            }
            exact = false;
        }
    }
    Some(exact)
}

/// Up to 8 bytes as a little-endian word, zero above.
#[inline(always)]
const fn packed(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    let mut at = 0;
    while at < bytes.len() && at < 8 {
        word[at] = bytes[at];
        at += 1;
    }
    u64::from_le_bytes(word)
}

/// The first `N` bytes of `key` (at least that long) as a little-endian word, zero above.
#[inline(always)]
fn load<const N: usize>(key: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word[..N].copy_from_slice(&key[..N]);
    u64::from_le_bytes(word)
}

/// A known key of `length` bytes: the accessor, its packed spelling, and the bit that folds ASCII
/// case in each of its bytes (all letters: `| 0x20` folds nothing else onto them).
struct KnownKey {
    accessor: Accessor,
    spelling: u64,
    case: u64,
}
const fn known(accessor: Accessor) -> KnownKey {
    let key = KNOWN_KEYS[accessor as usize];
    KnownKey { accessor, spelling: packed(key), case: 0x2020_2020_2020_2020 >> (8 * (8 - key.len())) }
}
const KEYS_OF_4: [KnownKey; 2] = [known(Accessor::Root), known(Accessor::Self_)];
const KEYS_OF_6: [KnownKey; 1] = [known(Accessor::Parent)];
const KEYS_OF_7: [KnownKey; 2] = [known(Accessor::Sampled), known(Accessor::Lineage)];

/// Which accessor `key` names (ASCII case-insensitively), and whether it is spelled exactly.
#[inline(always)]
fn known_key(key: &[u8], loop_key: &[u8]) -> Option<(usize, bool)> {
    // Only the known keys of the key's length are compared, as words (the loop key is none of them).
    let (candidates, word): (&[KnownKey], u64) = match key.len() {
        4 => (&KEYS_OF_4, load::<4>(key)),
        6 => (&KEYS_OF_6, load::<6>(key)),
        7 => (&KEYS_OF_7, load::<7>(key)),
        _ => (&[], 0),
    };
    candidates
        .iter()
        .find(|known| word | known.case == known.spelling | known.case)
        .map(|known| (known.accessor as usize, word == known.spelling))
        .or_else(|| key_matches(key, loop_key).map(|exact| (Accessor::Loop as usize, exact)))
}

impl<'a> TraceHeader<'a> {
    /// Parse a header. Lenient cases are tolerated (see [`TraceHeader::diagnostics`]); only an
    /// empty header, one longer than `max_length`, a byte outside visible ASCII/space/tab, or
    /// more than `max_fields` fields are errors.
    pub fn parse(input: &'a [u8], options: &Options<'_>) -> Result<Self, Error> {
        Self::parse_into(input, options, &mut Discard)
    }

    pub(crate) fn parse_into(input: &'a [u8], options: &Options<'_>, sink: &mut impl Sink) -> Result<Self, Error> {
        check_bytes(input, options.max_length)?;
        let mut header = TraceHeader { input, field_count: 0, diagnostic_count: 0, accessors: [[u32::MAX; 3]; 6], last_field_end: 0 };
        let mut seen = [false; 6];
        for segment in Segments::new(input) {
            if let Segment::Field(field, _) = segment {
                if header.field_count == options.max_fields as usize {
                    return Err(Error::new(ErrorCode::TooManyFields, field.key_start));
                }
            }
            let accessor = classify(input, segment, options.loop_key, &mut seen, |diagnostic| {
                header.diagnostic_count += 1;
                sink.diagnostic(diagnostic);
            });
            if let Segment::Field(field, _) = segment {
                let index = header.field_count;
                header.field_count += 1;
                header.last_field_end = field.end();
                if let (Some(accessor), Some((start, end))) = (accessor, field.value) {
                    header.accessors[accessor] = [index as u32, start as u32, end as u32];
                }
                sink.field(index, &field);
            }
        }
        if header.field_count == 0 {
            return Err(Error::new(ErrorCode::Empty, 0));
        }
        Ok(header)
    }

    /// The input, unchanged: serialising an unchanged header is byte-identical by construction.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.input
    }

    /// Number of fields.
    pub fn field_count(&self) -> usize {
        self.field_count
    }

    /// Number of diagnostics.
    pub fn diagnostic_count(&self) -> usize {
        self.diagnostic_count
    }

    /// End of the last field's text: where a new field is inserted.
    pub fn last_field_end(&self) -> usize {
        self.last_field_end
    }

    /// Every field in order.
    pub fn fields(&self) -> impl Iterator<Item = Field> + 'a {
        Segments::new(self.input).filter_map(|segment| match segment {
            Segment::Field(field, _) => Some(field),
            _ => None,
        })
    }

    /// The field index and value range of an accessor's field (the last one with that key).
    pub fn accessor(&self, accessor: Accessor) -> Option<(usize, usize, usize)> {
        match self.accessors[accessor as usize] {
            [u32::MAX, _, _] => None,
            [index, start, end] => Some((index as usize, start as usize, end as usize)),
        }
    }

    /// The raw value of an accessor's field.
    pub fn value(&self, accessor: Accessor) -> Option<&'a [u8]> {
        self.accessor(accessor).map(|(_, start, end)| &self.input[start..end])
    }

    fn typed(&self, accessor: Accessor, validate: fn(&[u8]) -> Result<(), Reason>) -> Option<Value<'a>> {
        self.value(accessor).map(|value| Value { value, validity: validate(value) })
    }

    /// `Root`, validated.
    pub fn root(&self) -> Option<Value<'a>> {
        self.typed(Accessor::Root, validate::root)
    }
    /// `Parent`, validated.
    pub fn parent(&self) -> Option<Value<'a>> {
        self.typed(Accessor::Parent, validate::parent)
    }
    /// `Sampled`, validated.
    pub fn sampled(&self) -> Option<Value<'a>> {
        self.typed(Accessor::Sampled, validate::sampled)
    }
    /// `Self`, validated (non-empty).
    pub fn self_(&self) -> Option<Value<'a>> {
        self.typed(Accessor::Self_, validate::self_)
    }
    /// AWS's `Lineage`, validated in whichever format it has (see [`validate::lineage_format`]).
    pub fn lineage(&self) -> Option<Value<'a>> {
        self.typed(Accessor::Lineage, validate::lineage)
    }
    /// Our loop field, validated; its entries through [`validate::Entries`].
    pub fn loop_field(&self) -> Option<Value<'a>> {
        self.typed(Accessor::Loop, validate::loop_field)
    }

    /// The diagnostics, in order (re-tokenises; allocation-free). `loop_key` must be the one
    /// the header was parsed with.
    pub fn diagnostics<'k>(&self, loop_key: &'k [u8]) -> Diagnostics<'a, 'k> {
        Diagnostics { input: self.input, segments: Segments::new(self.input), loop_key, seen: [false; 6], pending: [None; 3], next: 3 }
    }
}

/// The one place that decides a segment's diagnostics (whitespace, then missing `=` or empty
/// key, then key case, then duplicate), for parsing and for [`Diagnostics`] alike: each goes to
/// `emit`, in order. Returns the accessor a field names, if any.
#[cfg_attr(not(target_arch = "wasm32"), inline(always))] // into the parse loop: no diagnostics array in memory on the hot path
fn classify(input: &[u8], segment: Segment, loop_key: &[u8], seen: &mut [bool; 6], mut emit: impl FnMut(Diagnostic)) -> Option<usize> {
    let (field, whitespace) = match segment {
        Segment::Trailing(offset) => {
            emit(Diagnostic { code: DiagnosticCode::TrailingSemicolon, offset });
            return None;
        }
        Segment::EmptyRun(offset) => {
            emit(Diagnostic { code: DiagnosticCode::EmptyField, offset });
            return None;
        }
        Segment::Field(field, whitespace) => (field, whitespace),
    };
    if let Some(offset) = whitespace {
        emit(Diagnostic { code: DiagnosticCode::Whitespace, offset });
    }
    let offset = field.key_start;
    if field.value.is_none() {
        emit(Diagnostic { code: DiagnosticCode::MissingEquals, offset });
        return None;
    }
    if field.key_start == field.key_end {
        emit(Diagnostic { code: DiagnosticCode::EmptyKey, offset });
        return None;
    }
    let (accessor, exact) = known_key(&input[field.key_start..field.key_end], loop_key)?;
    if !exact {
        emit(Diagnostic { code: DiagnosticCode::KeyCase, offset });
    }
    if seen[accessor] {
        emit(Diagnostic { code: DiagnosticCode::DuplicateKey, offset });
    }
    seen[accessor] = true;
    Some(accessor)
}

/// The diagnostics of a parsed header, in order.
#[derive(Clone, Debug)]
pub struct Diagnostics<'a, 'k> {
    input: &'a [u8],
    segments: Segments<'a>,
    loop_key: &'k [u8],
    seen: [bool; 6],
    pending: [Option<Diagnostic>; 3],
    next: usize,
}

impl Iterator for Diagnostics<'_, '_> {
    type Item = Diagnostic;

    fn next(&mut self) -> Option<Diagnostic> {
        loop {
            while self.next < self.pending.len() {
                self.next += 1;
                if let Some(diagnostic) = self.pending[self.next - 1] {
                    return Some(diagnostic);
                }
            }
            let segment = self.segments.next()?;
            let mut pending = [None; 3];
            let mut count = 0;
            classify(self.input, segment, self.loop_key, &mut self.seen, |diagnostic| {
                pending[count] = Some(diagnostic);
                count += 1;
            });
            self.pending = pending;
            self.next = 0;
        }
    }
}

/// A typed accessor's value and whether it is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value<'a> {
    /// The value as written.
    pub value: &'a [u8],
    /// `Ok` or why it is invalid.
    pub validity: Result<(), Reason>,
}
