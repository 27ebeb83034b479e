//! The flat `u32` result records shared by the WASM and N-API bindings and `ts/record.ts`.
//!
//! Bindings hand JavaScript offsets and numbers, never strings: JS slices its own string only
//! when a field is read. The TypeScript side's slot constants are generated from [`LAYOUT`]
//! (`crates/codegen`, into `ts/generated/constants.ts`); `ts/record.ts` decodes the records.
//!
//! Three records: a parse record (`S_*` slots, then the fields from [`FIELDS_BASE`], the
//! diagnostics and the entries), a set record (`S_STATUS`, `S_OFFSET` and the `S_SPLICE_*`
//! slots, which no parse record uses), and an enter batch ([`BATCH_SLOTS`] `B_*` slots per header).

use crate::codes::{reason_code, ErrorCode, Reason};
use crate::header::{Accessor, Error, Field, Options, Sink, TraceHeader};
use crate::rewrite::{self, EnterOptions};
use crate::validate::{self, Entries, LineageFormat};

/// "No such offset".
pub const NONE: u32 = u32::MAX;
/// Status: 0 or an error code (parse and set records).
pub const S_STATUS: usize = 0;
/// Error offset (parse and set records).
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
/// Six accessors × [field index or NONE, reason], in [`Accessor`] order.
pub const S_ACCESSORS: usize = 8;
/// Lineage V2 first number.
pub const S_V2_FIRST: usize = 20;
/// Lineage V2 hash offset.
pub const S_V2_HASH: usize = 21;
/// Lineage V2 last number.
pub const S_V2_LAST: usize = 22;
/// Input length.
pub const S_INPUT_LENGTH: usize = 23;
/// Set record: where the splice starts in the input.
pub const S_SPLICE_START: usize = 24;
/// Set record: where the splice ends in the input.
pub const S_SPLICE_END: usize = 25;
/// Set record: bytes to insert in its place.
pub const S_INSERT_LENGTH: usize = 26;
/// Parse record: fields, [key start, key end, value start, value end] each, from here.
pub const FIELDS_BASE: usize = 27;
/// Slots a set record needs.
pub const SPLICE_RECORD_LENGTH: usize = S_INSERT_LENGTH + 1;

/// Enter batch, per header: 0 or the header's error code.
pub const B_STATUS: usize = 0;
/// Enter batch, per header: the error's offset (0 when entered).
pub const B_OFFSET: usize = 1;
/// Enter batch, per header: the count.
pub const B_COUNT: usize = 2;
/// Enter batch, per header: 1 when a loop.
pub const B_IS_LOOP: usize = 3;
/// Enter batch, per header: entries evicted.
pub const B_EVICTED: usize = 4;
/// Enter batch, per header: pieces dropped.
pub const B_DROPPED: usize = 5;
/// Enter batch, per header: where its outgoing header ends in the output (it starts where the
/// previous one ended; a header with an error has an empty one).
pub const B_OUTPUT_END: usize = 6;
/// Enter batch: slots per header.
pub const BATCH_SLOTS: usize = 7;

/// Every slot and size above, by name: what the TypeScript side's constants are generated from.
pub const LAYOUT: [(&str, usize); 26] = [
    ("S_STATUS", S_STATUS),
    ("S_OFFSET", S_OFFSET),
    ("S_FIELD_COUNT", S_FIELD_COUNT),
    ("S_DIAG_COUNT", S_DIAG_COUNT),
    ("S_LINEAGE_FORMAT", S_LINEAGE_FORMAT),
    ("S_LINEAGE_ENTRIES", S_LINEAGE_ENTRIES),
    ("S_LOOP_ENTRIES", S_LOOP_ENTRIES),
    ("S_MAX_FIELDS", S_MAX_FIELDS),
    ("S_ACCESSORS", S_ACCESSORS),
    ("S_V2_FIRST", S_V2_FIRST),
    ("S_V2_HASH", S_V2_HASH),
    ("S_V2_LAST", S_V2_LAST),
    ("S_INPUT_LENGTH", S_INPUT_LENGTH),
    ("S_SPLICE_START", S_SPLICE_START),
    ("S_SPLICE_END", S_SPLICE_END),
    ("S_INSERT_LENGTH", S_INSERT_LENGTH),
    ("FIELDS_BASE", FIELDS_BASE),
    ("SPLICE_RECORD_LENGTH", SPLICE_RECORD_LENGTH),
    ("B_STATUS", B_STATUS),
    ("B_OFFSET", B_OFFSET),
    ("B_COUNT", B_COUNT),
    ("B_IS_LOOP", B_IS_LOOP),
    ("B_EVICTED", B_EVICTED),
    ("B_DROPPED", B_DROPPED),
    ("B_OUTPUT_END", B_OUTPUT_END),
    ("BATCH_SLOTS", BATCH_SLOTS),
];

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
    if record.len() < capacity(input.len().min(options.read_bound()), max_fields) {
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

/// Output bytes an enter batch may need: every outgoing header is its input plus at most
/// `;key=` and one `|<8 hex>:<count>` entry.
pub const fn batch_output_capacity(input_length: usize, headers: usize, loop_key_length: usize) -> usize {
    input_length + headers * (loop_key_length + 21)
}

/// [`rewrite::enter`] for each header of a batch (a single enter of a binding is a batch of one): `input` holds the headers back to back,
/// `lengths` their lengths in bytes. Header `i`'s result goes into the [`BATCH_SLOTS`] slots of
/// `record` from `i * BATCH_SLOTS` (a header's error is its result, not the batch's), its
/// outgoing header into `output` (at least [`batch_output_capacity`] bytes), after the previous
/// one. The same as entering each header on its own (options that are not usable are every
/// header's error), without allocating. Returns 0, or `buffer_too_small` when the record, the
/// lengths or the output do not fit (a binding bug: then no header's result is meaningful).
pub fn enter_batch(
    input: &[u8],
    lengths: &[u32],
    options: &Options<'_>,
    hash: u32,
    enter_options: &EnterOptions,
    record: &mut [u32],
    output: &mut [u8],
) -> u32 {
    let too_small = ErrorCode::BufferTooSmall as u32;
    if record.len() < lengths.len() * BATCH_SLOTS {
        return too_small;
    }
    let usable = rewrite::check_enter_options(options, enter_options);
    let mut consumed = 0;
    let mut written = 0;
    for (slots, &length) in record.chunks_exact_mut(BATCH_SLOTS).zip(lengths) {
        let Some(header) = input.get(consumed..consumed + length as usize) else {
            return too_small;
        };
        consumed += length as usize;
        let result = usable.and_then(|()| rewrite::write_outgoing(header, options, hash, enter_options, &mut output[written..]));
        let outcome = match result {
            Ok(entered) => {
                written += entered.length;
                [0, 0, entered.count, u32::from(entered.is_loop), entered.evicted, entered.dropped, written as u32]
            }
            Err(error) if error.code == ErrorCode::BufferTooSmall => return too_small,
            Err(error) => [error.code as u32, error.offset as u32, 0, 0, 0, 0, written as u32],
        };
        slots.copy_from_slice(&outcome);
    }
    0
}

/// [`rewrite::set_field`] into `record` (at least [`SPLICE_RECORD_LENGTH`] slots) and `insert`.
pub fn set_field(input: &[u8], options: &Options<'_>, key: &[u8], value: &[u8], record: &mut [u32], insert: &mut [u8]) -> u32 {
    if record.len() < SPLICE_RECORD_LENGTH {
        return fail(record, Error { code: ErrorCode::BufferTooSmall, offset: 0 });
    }
    match rewrite::set_field(input, options, key, value, insert) {
        Ok(splice) => {
            record[S_STATUS] = 0;
            record[S_OFFSET] = 0;
            record[S_SPLICE_START] = splice.start as u32;
            record[S_SPLICE_END] = splice.end as u32;
            record[S_INSERT_LENGTH] = splice.insert_length as u32;
            0
        }
        Err(error) => fail(record, error),
    }
}
