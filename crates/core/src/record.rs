//! The flat `u32` result record shared by the WASM and N-API bindings and `ts/record.ts`.
//!
//! Bindings hand JavaScript offsets and numbers, never strings: JS slices its own string only
//! when a field is read. The layout is documented once, in `ts/record.ts`; these constants
//! mirror it and `test/codes.test.ts` checks both sides agree.

use crate::codes::{reason_code, ErrorCode, Reason};
use crate::header::{Accessor, Error, Field, Options, Sink, TraceHeader};
use crate::rewrite::{self, EnterOptions, Splice};
use crate::validate::{self, Entries, LineageFormat};

/// "No such offset".
pub const NONE: u32 = u32::MAX;
/// Status: 0 or an error code.
pub const S_STATUS: usize = 0;
/// Error offset.
pub const S_OFFSET: usize = 1;
/// Number of fields.
pub const S_FIELD_COUNT: usize = 2;
/// Number of diagnostics.
pub const S_DIAG_COUNT: usize = 3;
/// Lineage format (0 absent).
pub const S_LINEAGE_FORMAT: usize = 4;
/// Number of well-formed Lineage V1 entries.
pub const S_LINEAGE_ENTRIES: usize = 5;
/// Number of well-formed loop entries.
pub const S_LOOP_ENTRIES: usize = 6;
/// The `max_fields` the record was laid out for.
pub const S_MAX_FIELDS: usize = 7;
/// Six accessors × [field index or NONE, reason].
pub const S_ACCESSORS: usize = 8;
/// Lineage V2 first number.
pub const S_V2_FIRST: usize = 20;
/// Lineage V2 hash offset.
pub const S_V2_HASH: usize = 21;
/// Lineage V2 last number.
pub const S_V2_LAST: usize = 22;
/// Input length.
pub const S_INPUT_LENGTH: usize = 23;
/// Fields: [key start, key end, value start, value end].
pub const FIELDS_BASE: usize = 24;
/// Enter: the count.
pub const S_COUNT: usize = 2;
/// Enter: 1 when a loop.
pub const S_IS_LOOP: usize = 3;
/// Enter/set: splice start.
pub const S_SPLICE_START: usize = 4;
/// Enter/set: splice end.
pub const S_SPLICE_END: usize = 5;
/// Enter/set: bytes to insert.
pub const S_INSERT_LENGTH: usize = 6;
/// Enter: entries evicted.
pub const S_EVICTED: usize = 7;
/// Enter: pieces dropped.
pub const S_DROPPED: usize = 8;
/// Slots an enter/set record needs.
pub const SPLICE_RECORD_LENGTH: usize = 9;

/// Where the diagnostics start.
pub const fn diagnostics_base(max_fields: usize) -> usize {
    FIELDS_BASE + 4 * max_fields
}
/// Where the entries start (Lineage's, then the loop field's).
pub const fn entries_base(max_fields: usize) -> usize {
    diagnostics_base(max_fields) + 2 * (4 * max_fields + 2)
}
/// Slots a parse record needs for an input of `input_length` bytes.
pub const fn capacity(input_length: usize, max_fields: usize) -> usize {
    entries_base(max_fields) + 2 * (input_length / 5 + 2)
}

fn fail(record: &mut [u32], error: Error) -> u32 {
    if record.len() >= 2 {
        record[S_STATUS] = error.code as u32;
        record[S_OFFSET] = error.offset as u32;
    }
    error.code as u32
}

struct RecordSink<'r> {
    record: &'r mut [u32],
    diagnostics_base: usize,
    diagnostic_count: usize,
}

impl Sink for RecordSink<'_> {
    fn field(&mut self, index: usize, field: &Field) {
        let at = FIELDS_BASE + 4 * index;
        let (value_start, value_end) = field.value.map_or((NONE, NONE), |(s, e)| (s as u32, e as u32));
        self.record[at..at + 4].copy_from_slice(&[field.key_start as u32, field.key_end as u32, value_start, value_end]);
    }
    fn diagnostic(&mut self, diagnostic: crate::header::Diagnostic) {
        let at = self.diagnostics_base + 2 * self.diagnostic_count;
        self.record[at] = diagnostic.code as u32;
        self.record[at + 1] = diagnostic.offset as u32;
        self.diagnostic_count += 1;
    }
}

/// Write the well-formed entries of `value` (at `offset` in the input) from `base`, in one
/// pass: their number, and the reason code of the first malformed piece (0 when none).
fn write_entries(value: &[u8], offset: usize, record: &mut [u32], base: usize) -> (u32, u32) {
    let mut count = 0;
    let mut first_reason = 0;
    for piece in Entries::new(value) {
        match piece {
            Ok(entry) => {
                record[base + 2 * count] = (offset + entry.offset) as u32;
                record[base + 2 * count + 1] = entry.count;
                count += 1;
            }
            Err(reason) if first_reason == 0 => first_reason = reason as u32,
            Err(_) => {}
        }
    }
    (count as u32, first_reason)
}

/// Classify and validate a Lineage value at `offset`, writing format, entries or V2 parts.
fn write_lineage(value: &[u8], offset: usize, record: &mut [u32], base: usize) -> u32 {
    record[S_LINEAGE_ENTRIES] = 0;
    let format = validate::lineage_format(value);
    record[S_LINEAGE_FORMAT] = format as u32;
    match format {
        LineageFormat::V2 => match validate::lineage_v2(value) {
            Ok(parts) => {
                record[S_V2_FIRST] = parts.first;
                record[S_V2_HASH] = (offset + parts.hash_offset) as u32;
                record[S_V2_LAST] = parts.last;
                0
            }
            Err(reason) => reason as u32,
        },
        LineageFormat::V1 => {
            let (count, reason) = write_entries(value, offset, record, base);
            record[S_LINEAGE_ENTRIES] = count;
            reason
        }
        LineageFormat::Opaque => reason_code(validate::lineage(value)),
    }
}

/// Parse `input` into `record` (at least [`capacity`] slots). Returns the status (0 = ok).
pub fn parse(input: &[u8], options: &Options<'_>, record: &mut [u32]) -> u32 {
    if let Err(error) = options.validate() {
        return fail(record, error);
    }
    let max_fields = options.max_fields as usize;
    if record.len() < capacity(input.len().min(options.max_length as usize + 1), max_fields) {
        return fail(record, Error { code: ErrorCode::BufferTooSmall, offset: 0 });
    }
    record[S_MAX_FIELDS] = options.max_fields;
    record[S_INPUT_LENGTH] = input.len() as u32;
    record[S_FIELD_COUNT] = 0;
    record[S_DIAG_COUNT] = 0;
    let mut sink = RecordSink { record, diagnostics_base: diagnostics_base(max_fields), diagnostic_count: 0 };
    let parsed = TraceHeader::parse_into(input, options, &mut sink);
    let header = match parsed {
        Ok(header) => header,
        Err(error) => return fail(record, error),
    };
    record[S_FIELD_COUNT] = header.field_count() as u32;
    record[S_DIAG_COUNT] = header.diagnostic_count() as u32;
    let validators: [(Accessor, validate::Validator); 4] = [
        (Accessor::Root, validate::root),
        (Accessor::Parent, validate::parent),
        (Accessor::Sampled, validate::sampled),
        (Accessor::Self_, validate::self_),
    ];
    for slot in 0..6 {
        record[S_ACCESSORS + 2 * slot] = NONE;
        record[S_ACCESSORS + 2 * slot + 1] = 0;
    }
    for (accessor, check) in validators {
        if let Some((index, start, end)) = header.accessor(accessor) {
            record[S_ACCESSORS + 2 * accessor as usize] = index as u32;
            record[S_ACCESSORS + 2 * accessor as usize + 1] = reason_code(check(&input[start..end]));
        }
    }
    let base = entries_base(max_fields);
    record[S_LINEAGE_FORMAT] = 0;
    record[S_LINEAGE_ENTRIES] = 0;
    if let Some((index, start, end)) = header.accessor(Accessor::Lineage) {
        record[S_ACCESSORS + 2 * Accessor::Lineage as usize] = index as u32;
        record[S_ACCESSORS + 2 * Accessor::Lineage as usize + 1] = write_lineage(&input[start..end], start, record, base);
    }
    record[S_LOOP_ENTRIES] = 0;
    if let Some((index, start, end)) = header.accessor(Accessor::Loop) {
        let value = &input[start..end];
        let loop_base = base + 2 * record[S_LINEAGE_ENTRIES] as usize;
        record[S_ACCESSORS + 2 * Accessor::Loop as usize] = index as u32;
        // An empty loop field is `empty`, with no entries (`validate::loop_field`).
        let (count, reason) = match value {
            [] => (0, Reason::Empty as u32),
            _ => write_entries(value, start, record, loop_base),
        };
        record[S_ACCESSORS + 2 * Accessor::Loop as usize + 1] = reason;
        record[S_LOOP_ENTRIES] = count;
    }
    record[S_STATUS] = 0;
    record[S_OFFSET] = 0;
    0
}

/// Validate a bare Lineage value into `record` (at least [`capacity`]`(len, 0)` slots).
pub fn lineage(value: &[u8], record: &mut [u32]) -> u32 {
    if record.len() < capacity(value.len(), 0) {
        return fail(record, Error { code: ErrorCode::BufferTooSmall, offset: 0 });
    }
    record[S_MAX_FIELDS] = 0;
    record[S_ACCESSORS + 2 * Accessor::Lineage as usize] = 0;
    record[S_ACCESSORS + 2 * Accessor::Lineage as usize + 1] = write_lineage(value, 0, record, entries_base(0));
    record[S_STATUS] = 0;
    0
}

fn write_splice(record: &mut [u32], splice: Splice) {
    record[S_STATUS] = 0;
    record[S_OFFSET] = 0;
    record[S_SPLICE_START] = splice.start as u32;
    record[S_SPLICE_END] = splice.end as u32;
    record[S_INSERT_LENGTH] = splice.insert_length as u32;
}

/// [`rewrite::enter`] into `record` (at least [`SPLICE_RECORD_LENGTH`] slots) and `insert`.
pub fn enter(input: &[u8], options: &Options<'_>, hash: u32, enter_options: &EnterOptions, record: &mut [u32], insert: &mut [u8]) -> u32 {
    if record.len() < SPLICE_RECORD_LENGTH {
        return fail(record, Error { code: ErrorCode::BufferTooSmall, offset: 0 });
    }
    match rewrite::enter(input, options, hash, enter_options, insert) {
        Ok(entered) => {
            write_splice(record, entered.splice);
            record[S_COUNT] = entered.count;
            record[S_IS_LOOP] = u32::from(entered.is_loop);
            record[S_EVICTED] = entered.evicted;
            record[S_DROPPED] = entered.dropped;
            0
        }
        Err(error) => fail(record, error),
    }
}

/// [`rewrite::set_field`] into `record` (at least [`SPLICE_RECORD_LENGTH`] slots) and `insert`.
pub fn set_field(input: &[u8], options: &Options<'_>, key: &[u8], value: &[u8], record: &mut [u32], insert: &mut [u8]) -> u32 {
    if record.len() < SPLICE_RECORD_LENGTH {
        return fail(record, Error { code: ErrorCode::BufferTooSmall, offset: 0 });
    }
    match rewrite::set_field(input, options, key, value, insert) {
        Ok(splice) => {
            write_splice(record, splice);
            0
        }
        Err(error) => fail(record, error),
    }
}
