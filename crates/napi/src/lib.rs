//! # trace-lineage-napi
//!
//! The Node-API binding of `trace-lineage-core`. It only converts: every algorithm is in the
//! core, and the layout of the result record is documented once, in `ts/record.ts`.
//!
//! No string crosses the boundary on the hot path. JavaScript (`ts/backends/native.ts`) keeps
//! grow-only buffers: it writes the header as UTF-8 into an input `Uint8Array`, passes that with
//! the number of bytes written, a `Uint32Array` for the record, a `Uint8Array` for the bytes to
//! insert and the loop key's bytes (encoded once per loop key), and gets the status back as a
//! number. Nothing needs to be freed.
//!
//! Every length that comes from JavaScript is clamped to its buffer, so no input can make the
//! binding panic; a record or insert buffer that is too small is reported by the core as
//! `buffer_too_small` (8). Arguments of the wrong type throw a JS `Error` (napi-rs checks them),
//! and `catch_unwind` would turn a panic (a bug) into a JS `Error` instead of aborting Node.

use napi_derive::napi;
use trace_lineage_core::codes::{DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES};
use trace_lineage_core::{record, EnterOptions, Options};

/// A `Uint32Array` argument, borrowed mutably for the call.
///
/// An alias because `#[napi]` routes a literal `&mut [u32]` argument through `FromNapiMutRef`
/// (meant for class instances), which slices do not implement; through an alias it uses the
/// `FromNapiValue` napi-rs does implement for `&mut [u32]` (a view of the typed array's memory,
/// no copy). The caller must not pass the same memory twice in one call.
type RecordSlots<'a> = &'a mut [u32];
/// A `Uint8Array` (or `Buffer`) argument written by the call: see [`RecordSlots`].
type InsertBytes<'a> = &'a mut [u8];

/// The first `length` bytes of `buffer` and the rest (`length` clamped to the buffer).
fn split(buffer: &[u8], length: u32) -> (&[u8], &[u8]) {
    buffer.split_at((length as usize).min(buffer.len()))
}

/// The first `length` bytes of `buffer` (`length` clamped to the buffer).
fn prefix(buffer: &[u8], length: u32) -> &[u8] {
    split(buffer, length).0
}

/// Parse the first `inputLength` bytes of `input` into `record`; returns the status (0 = ok).
#[napi(catch_unwind)]
pub fn parse(
    input: &[u8],
    input_length: u32,
    max_length: u32,
    max_fields: u32,
    loop_key: &[u8],
    record: RecordSlots<'_>,
) -> u32 {
    let options = Options {
        max_length,
        max_fields,
        loop_key,
    };
    record::parse(prefix(input, input_length), &options, record)
}

/// Validate a bare Lineage value (the first `inputLength` bytes of `input`) into `record`.
#[napi(catch_unwind)]
pub fn validate_lineage(input: &[u8], input_length: u32, record: RecordSlots<'_>) -> u32 {
    record::lineage(prefix(input, input_length), record)
}

/// Count one more entry of `hash` in the loop field; the splice goes into `record`, the bytes
/// to insert into `insert`. Returns the status.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)] // flat numbers and buffers: no object built per call
pub fn enter(
    input: &[u8],
    input_length: u32,
    max_length: u32,
    max_fields: u32,
    loop_key: &[u8],
    hash: u32,
    threshold: u32,
    max_entries: u32,
    max_count: u32,
    record: RecordSlots<'_>,
    insert: InsertBytes<'_>,
) -> u32 {
    let options = Options {
        max_length,
        max_fields,
        loop_key,
    };
    let enter_options = EnterOptions {
        threshold,
        max_entries,
        max_count,
    };
    record::enter(
        prefix(input, input_length),
        &options,
        hash,
        &enter_options,
        record,
        insert,
    )
}

/// Set a field. `input` holds the header, then the key, then the value, back to back (their
/// byte lengths given); the splice goes into `record`, the bytes to insert into `insert`.
#[napi(catch_unwind)]
#[allow(clippy::too_many_arguments)] // flat numbers and buffers: no object built per call
pub fn set_field(
    input: &[u8],
    input_length: u32,
    key_length: u32,
    value_length: u32,
    max_length: u32,
    max_fields: u32,
    loop_key: &[u8],
    record: RecordSlots<'_>,
    insert: InsertBytes<'_>,
) -> u32 {
    let (header, rest) = split(input, input_length);
    let (key, rest) = split(rest, key_length);
    let value = prefix(rest, value_length);
    let options = Options {
        max_length,
        max_fields,
        loop_key,
    };
    record::set_field(header, &options, key, value, record, insert)
}

/// FNV-1a 32 of the first `inputLength` bytes of `input`.
#[napi(catch_unwind)]
pub fn resource_hash(input: &[u8], input_length: u32) -> u32 {
    trace_lineage_core::resource_hash(prefix(input, input_length))
}

/// The code tables this addon was compiled with, indexed by code.
#[napi(object)]
pub struct CodeTables {
    /// Error names (0 = `ok`).
    pub errors: Vec<String>,
    /// Diagnostic names (0 = `none`).
    pub diagnostics: Vec<String>,
    /// Reason names (0 = `valid`).
    pub reasons: Vec<String>,
}

/// The error, diagnostic and reason name tables (not on the hot path: builds strings).
#[napi(catch_unwind)]
pub fn code_tables() -> CodeTables {
    let names = |table: &[&str]| table.iter().map(|name| (*name).to_owned()).collect();
    CodeTables {
        errors: names(&ERROR_NAMES),
        diagnostics: names(&DIAGNOSTIC_NAMES),
        reasons: names(&REASON_NAMES),
    }
}
