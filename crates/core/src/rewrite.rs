//! Rewriting: the loop counter (`enter`) and setting a field.
//!
//! A rewrite is a [`Splice`]: replace `start..end` of the input with the bytes written into the
//! caller's buffer. Every other byte of the header stays exactly where it was.

use crate::codes::ErrorCode;
use crate::header::{is_key_byte, is_value_byte, Accessor, Error, Options, TraceHeader};
use crate::validate::{Entries, Entry};

/// FNV-1a 32-bit hash of a resource id (function ARN or name, queue URL, ...), over its bytes.
pub fn resource_hash(resource: &[u8]) -> u32 {
    resource.iter().fold(0x811c_9dc5u32, |hash, &b| (hash ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// A replacement of `start..end` of the input by the first `insert_length` bytes of the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Splice {
    /// Start of the replaced range.
    pub start: usize,
    /// End of the replaced range.
    pub end: usize,
    /// How many bytes of the output buffer are inserted.
    pub insert_length: usize,
}

/// Writes into a caller's buffer, counting what does not fit (so the true length is known).
struct Output<'b> {
    buffer: &'b mut [u8],
    length: usize,
}

impl Output<'_> {
    fn push(&mut self, bytes: &[u8]) {
        if let Some(slot) = self.buffer.get_mut(self.length..self.length + bytes.len()) {
            slot.copy_from_slice(bytes);
        }
        self.length += bytes.len();
    }

    fn push_decimal(&mut self, value: u32) {
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        let mut rest = value;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.push(&digits[at..]);
    }

    fn push_hash(&mut self, hash: u32) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut digits = [0u8; 8];
        for (at, digit) in digits.iter_mut().enumerate() {
            *digit = HEX[((hash >> (28 - 4 * at)) & 0xf) as usize];
        }
        self.push(&digits);
    }

    /// Finish a splice of `start..end` in `input` by everything written: the whole header must
    /// stay within the limit.
    fn finish(self, input: &[u8], start: usize, end: usize, max_length: u32) -> Result<Splice, Error> {
        if input.len() - (end - start) + self.length > max_length as usize {
            return Err(Error::new(ErrorCode::TooLong, max_length as usize));
        }
        if self.length > self.buffer.len() {
            return Err(Error::new(ErrorCode::BufferTooSmall, 0));
        }
        Ok(Splice { start, end, insert_length: self.length })
    }
}

/// Options of the loop counter.
#[derive(Clone, Copy, Debug)]
pub struct EnterOptions {
    /// A count above this is a loop (default 16: the 17th entry is stopped, as AWS does).
    pub threshold: u32,
    /// Most entries kept in the loop field (default 8, 1..=1024).
    pub max_entries: u32,
    /// This resource's count saturates here (default `u32::MAX`); must exceed `threshold`.
    pub max_count: u32,
}

/// Default loop threshold.
pub const DEFAULT_THRESHOLD: u32 = 16;
/// Default cap on loop entries.
pub const DEFAULT_MAX_ENTRIES: u32 = 8;
/// Largest cap on loop entries that may be configured.
pub const MAX_MAX_ENTRIES: u32 = 1024;

impl Default for EnterOptions {
    fn default() -> Self {
        EnterOptions { threshold: DEFAULT_THRESHOLD, max_entries: DEFAULT_MAX_ENTRIES, max_count: u32::MAX }
    }
}

/// What entering a resource found and did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entered {
    /// This resource's count in this chain, this entry included (saturates at `u32::MAX`).
    pub count: u32,
    /// `count > threshold`.
    pub is_loop: bool,
    /// Which part of the input was replaced: the outgoing header has the new bytes at
    /// `splice.start..splice.start + splice.insert_length`, and the input's others around them.
    pub splice: Splice,
    /// The outgoing header's length (the first `length` bytes of the output).
    pub length: usize,
    /// Other resources' entries evicted to respect `max_entries`.
    pub evicted: u32,
    /// Malformed pieces of the loop field, and duplicates of this resource's entry, dropped.
    pub dropped: u32,
}

/// Count one more entry of the resource whose hash is `hash` in our loop field, and write the
/// outgoing header into `output`: the input with the loop field's new value (or `;Key=value`
/// after the last field, if the header had none), every other byte as it was.
///
/// Malformed entries are dropped; duplicates of this resource's entry merge into the first,
/// keeping the highest count. The count goes up by one and saturates at `max_count`. When more
/// than `max_entries` would remain, the other resources' entries with the lowest counts are
/// evicted (the earliest first among equal counts), so a running loop's entries are the last to
/// go. Entries are otherwise copied byte for byte.
///
/// `output` needs room for the outgoing header: at most the input, `;Key=` and one
/// `|<8 hex>:<count>` ([`crate::record::batch_output_capacity`] of one header).
///
/// Errors: the header's own ([`TraceHeader::parse`]); `InvalidOption`; `TooLong` (offset
/// `max_length`) when the result would exceed `max_length`; `TooManyFields` (offset: where the
/// field would go) when the loop field must be added to a header that has `max_fields` fields;
/// `BufferTooSmall` when `output` cannot hold the outgoing header.
pub fn enter(input: &[u8], options: &Options<'_>, hash: u32, enter_options: &EnterOptions, output: &mut [u8]) -> Result<Entered, Error> {
    check_enter_options(options, enter_options)?;
    write_outgoing(input, options, hash, enter_options, output)
}

/// The parse options and the counter's options are usable.
pub(crate) fn check_enter_options(options: &Options<'_>, enter_options: &EnterOptions) -> Result<(), Error> {
    options.validate()?;
    let EnterOptions { threshold, max_entries, max_count } = *enter_options;
    if max_entries == 0 || max_entries > MAX_MAX_ENTRIES || max_count <= threshold {
        return Err(Error::new(ErrorCode::InvalidOption, 0));
    }
    Ok(())
}

/// [`enter`] with options already checked (a batch checks them once, for every header).
pub(crate) fn write_outgoing(
    input: &[u8],
    options: &Options<'_>,
    hash: u32,
    enter_options: &EnterOptions,
    output: &mut [u8],
) -> Result<Entered, Error> {
    let out = &mut Output { buffer: output, length: 0 };
    let EnterOptions { threshold, max_entries, max_count } = *enter_options;
    let header = TraceHeader::parse(input, options)?;
    let loop_field = header.accessor(Accessor::Loop);
    if loop_field.is_none() {
        append_at(&header, options)?;
    }
    let value = loop_field.map_or(&b""[..], |(_, start, end)| &input[start..end]);
    // No loop field, no entries (an empty value would be one malformed piece).
    let entries = || loop_field.map(|_| Entries::new(value)).into_iter().flatten().filter_map(Result::ok).enumerate();
    let is_own = |entry: &Entry<'_>| entry.hash_value() == hash;

    let mut dropped = match loop_field {
        Some(_) => Entries::new(value).filter(Result::is_err).count() as u32,
        None => 0,
    };
    let mut own: Option<usize> = None;
    let mut own_count = 0u32;
    let mut others = 0u32;
    for (index, entry) in entries() {
        if !is_own(&entry) {
            others += 1;
            continue;
        }
        if own.is_some() {
            dropped += 1;
        } else {
            own = Some(index);
        }
        own_count = own_count.max(entry.count);
    }
    let count = if own.is_some() { own_count.saturating_add(1).min(max_count) } else { 1 };
    let evict = others.saturating_sub(max_entries - 1);
    let cut = Eviction::of(value, hash, evict);
    let mut at_cut = 0u32;

    let (start, end) = match loop_field {
        Some((_, start, end)) => (start, end),
        None => (header.last_field_end(), header.last_field_end()),
    };
    out.push(&input[..start]);
    let insert_start = out.length;
    if loop_field.is_none() {
        out.push(b";");
        out.push(options.loop_key);
        out.push(b"=");
    }
    let mut first = true;
    let mut separator = |out: &mut Output<'_>| {
        if !first {
            out.push(b"|");
        }
        first = false;
    };
    for (index, entry) in entries() {
        if is_own(&entry) {
            if Some(index) == own {
                separator(out);
                out.push_hash(hash);
                out.push(b":");
                out.push_decimal(count);
            }
            continue;
        }
        if evict > 0 && entry.count <= cut.count {
            if entry.count < cut.count {
                continue;
            }
            at_cut += 1;
            if at_cut <= cut.at_count {
                continue;
            }
        }
        separator(out);
        out.push(entry.hash);
        out.push(b":");
        out.push(entry.digits);
    }
    if own.is_none() {
        separator(out);
        out.push_hash(hash);
        out.push(b":1");
    }
    let insert_length = out.length - insert_start;
    out.push(&input[end..]);
    if input.len() - (end - start) + insert_length > options.max_length as usize {
        return Err(Error::new(ErrorCode::TooLong, options.max_length as usize));
    }
    if out.length > out.buffer.len() {
        return Err(Error::new(ErrorCode::BufferTooSmall, 0));
    }
    let splice = Splice { start, end, insert_length };
    Ok(Entered { count, is_loop: count > threshold, splice, length: out.length, evicted: evict, dropped })
}

/// Which of the other resources' entries go when `evict` of them must: the `evict` lowest by
/// (count, position). That is every entry with a count below `count`, and the first `at_count`
/// entries with exactly `count`.
struct Eviction {
    count: u32,
    at_count: u32,
}

impl Eviction {
    /// Found without allocating and in linear time: `count` is the smallest count `c` such that
    /// at least `evict` other entries have a count of at most `c`, found by a binary search over
    /// the counts present (at most 32 passes over the loop field, whatever its length). A rank
    /// per entry would cost a pass per entry: quadratic in the header's length.
    fn of(value: &[u8], hash: u32, evict: u32) -> Eviction {
        if evict == 0 {
            return Eviction { count: 0, at_count: 0 };
        }
        let others = || Entries::new(value).filter_map(Result::ok).filter(|entry| entry.hash_value() != hash).map(|entry| entry.count);
        let at_most = |count: u32| others().filter(|&other| other <= count).count() as u32;
        let (mut low, mut high) = others().fold((u32::MAX, 0), |(low, high), count| (low.min(count), high.max(count)));
        while low < high {
            let middle = low + (high - low) / 2;
            if at_most(middle) >= evict {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        let below = if low == 0 { 0 } else { at_most(low - 1) };
        Eviction { count: low, at_count: evict - below }
    }
}

/// Where a new field goes: after the last one, if one more field stays within `max_fields`
/// (else the rewritten header would be refused by the next parse: `TooManyFields` there).
fn append_at(header: &TraceHeader<'_>, options: &Options<'_>) -> Result<usize, Error> {
    let at = header.last_field_end();
    if header.field_count() >= options.max_fields as usize {
        return Err(Error::new(ErrorCode::TooManyFields, at));
    }
    Ok(at)
}

fn first_invalid(bytes: &[u8], allowed: fn(u8) -> bool) -> Option<usize> {
    if bytes.is_empty() {
        return Some(0);
    }
    bytes.iter().position(|&b| !allowed(b))
}

/// Why `key`/`value` may not be written into a header, if they may not.
pub fn check_key_value(key: &[u8], value: &[u8]) -> Result<(), Error> {
    if let Some(at) = first_invalid(key, is_key_byte) {
        return Err(Error::new(ErrorCode::InvalidKey, at));
    }
    if key.eq_ignore_ascii_case(b"Lineage") {
        return Err(Error::new(ErrorCode::InvalidKey, 0));
    }
    if let Some(at) = first_invalid(value, is_value_byte) {
        return Err(Error::new(ErrorCode::InvalidValue, at));
    }
    Ok(())
}

/// Set the value of `key` (its last field with `=`, matched case-insensitively), or append
/// `;key=value` after the last field; the bytes to insert go into `output`. AWS's `Lineage`
/// may not be set. The result stays within the limits: `TooLong` or `TooManyFields` as in
/// [`enter`].
pub fn set_field(input: &[u8], options: &Options<'_>, key: &[u8], value: &[u8], output: &mut [u8]) -> Result<Splice, Error> {
    check_key_value(key, value)?;
    options.validate()?;
    let header = TraceHeader::parse(input, options)?;
    let existing =
        header.fields().filter(|field| field.value.is_some() && input[field.key_start..field.key_end].eq_ignore_ascii_case(key)).last();
    let mut out = Output { buffer: output, length: 0 };
    let (start, end) = match existing.and_then(|field| field.value) {
        Some(range) => range,
        None => {
            let at = append_at(&header, options)?;
            out.push(b";");
            out.push(key);
            out.push(b"=");
            (at, at)
        }
    };
    out.push(value);
    out.finish(input, start, end, options.max_length)
}
