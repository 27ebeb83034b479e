//! # trace-lineage-wasm
//!
//! The WebAssembly binding of `trace-lineage-core`. It only converts: every algorithm is in the
//! core. Like es-module-lexer, no string crosses the boundary on the hot path. The instance owns
//! grow-only scratch buffers (the input bytes, the `u32` result record, the bytes to insert, the
//! loop key); JavaScript writes UTF-8 into the input buffer with `TextEncoder.encodeInto`, calls
//! an export with lengths and options as plain numbers, and reads the record as a `Uint32Array`
//! view of linear memory (layout: `ts/record.ts`). Nothing needs freeing by the caller.
//!
//! Protocol (`ts/backends/wasm.ts`):
//! 1. [`reserve`] the buffers, then read [`input_pointer`], [`record_pointer`],
//!    [`insert_pointer`] again (a growth moves them and may grow memory).
//! 2. When the loop key changes, write it at the input pointer and call [`set_loop_key`].
//! 3. Write the input, call [`parse`], [`validate_lineage`], [`enter`], [`set_field`] or
//!    [`resource_hash`]; each returns the status (0 or an error code) or the hash. The record
//!    is at the record pointer, the inserted bytes at the insert pointer.
//! 4. [`code_tables`] (not hot) writes the code names into the input buffer.
//!
//! Lengths from JavaScript are clamped to the buffers, and the core reports a too-small record
//! as `BufferTooSmall` (code 8): no input makes the module panic or trap.

use std::cell::RefCell;

use trace_lineage_core::codes::{ErrorCode, DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES};
use trace_lineage_core::{record, EnterOptions, Options};
use wasm_bindgen::prelude::wasm_bindgen;

/// The status reported when the scratch buffers cannot be used (never expected).
const UNUSABLE: u32 = ErrorCode::BufferTooSmall as u32;

/// The instance's reusable buffers.
struct Scratch {
    /// The input: a header, a Lineage value, a resource id, or header + key + value.
    input: Vec<u8>,
    /// The result record (`record.rs` / `ts/record.ts`).
    record: Vec<u32>,
    /// The bytes an `enter` or `set_field` inserts.
    insert: Vec<u8>,
    /// The loop field's key, sent only when it changes.
    loop_key: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { input: Vec::new(), record: Vec::new(), insert: Vec::new(), loop_key: Vec::new() })
    };
}

/// Run `f` on the scratch buffers (a re-entrant call, impossible here, would get `UNUSABLE`).
fn with_scratch(f: impl FnOnce(&mut Scratch) -> u32) -> u32 {
    SCRATCH.with(|cell| {
        cell.try_borrow_mut()
            .map_or(UNUSABLE, |mut scratch| f(&mut scratch))
    })
}

/// Grow `buffer` to at least `length` elements; false when memory is exhausted.
fn grow<T: Copy + Default>(buffer: &mut Vec<T>, length: u32) -> bool {
    let length = length as usize;
    if buffer.len() >= length {
        return true;
    }
    if buffer.try_reserve_exact(length - buffer.len()).is_err() {
        return false;
    }
    buffer.resize(length, T::default());
    true
}

/// `buffer[start..start + length]`, clamped to the buffer.
fn span(buffer: &[u8], start: u32, length: u32) -> &[u8] {
    let start = (start as usize).min(buffer.len());
    let end = start.saturating_add(length as usize).min(buffer.len());
    &buffer[start..end]
}

/// Grow the buffers to at least these sizes (bytes, record slots, bytes). Returns 1, or 0 when
/// memory is exhausted. May move the buffers and grow memory: read the pointers again.
#[wasm_bindgen]
pub fn reserve(input_bytes: u32, record_slots: u32, insert_bytes: u32) -> u32 {
    with_scratch(|scratch| {
        let grown = grow(&mut scratch.input, input_bytes)
            && grow(&mut scratch.record, record_slots)
            && grow(&mut scratch.insert, insert_bytes);
        u32::from(grown)
    })
}

/// Where the input buffer starts in linear memory.
#[wasm_bindgen(js_name = inputPointer)]
pub fn input_pointer() -> u32 {
    with_scratch(|scratch| scratch.input.as_ptr() as u32)
}

/// Where the record (`u32` slots) starts in linear memory.
#[wasm_bindgen(js_name = recordPointer)]
pub fn record_pointer() -> u32 {
    with_scratch(|scratch| scratch.record.as_ptr() as u32)
}

/// Where the inserted bytes of the last `enter`/`set_field` start in linear memory.
#[wasm_bindgen(js_name = insertPointer)]
pub fn insert_pointer() -> u32 {
    with_scratch(|scratch| scratch.insert.as_ptr() as u32)
}

/// Take the first `length` input bytes as the loop key of the calls that follow. Returns 1, or
/// 0 when memory is exhausted. May grow memory.
#[wasm_bindgen(js_name = setLoopKey)]
pub fn set_loop_key(length: u32) -> u32 {
    with_scratch(|scratch| {
        let Scratch {
            input, loop_key, ..
        } = scratch;
        let key = span(input, 0, length);
        loop_key.clear();
        if loop_key.try_reserve_exact(key.len()).is_err() {
            return 0;
        }
        loop_key.extend_from_slice(key);
        1
    })
}

/// Parse the first `input_length` input bytes into the record. Returns the status.
#[wasm_bindgen]
pub fn parse(input_length: u32, max_length: u32, max_fields: u32) -> u32 {
    with_scratch(|scratch| {
        let Scratch {
            input,
            record,
            loop_key,
            ..
        } = scratch;
        let options = Options {
            max_length,
            max_fields,
            loop_key,
        };
        record::parse(span(input, 0, input_length), &options, record)
    })
}

/// Validate the first `input_length` input bytes as a bare Lineage value. Returns the status.
#[wasm_bindgen(js_name = validateLineage)]
pub fn validate_lineage(input_length: u32) -> u32 {
    with_scratch(|scratch| {
        record::lineage(span(&scratch.input, 0, input_length), &mut scratch.record)
    })
}

/// Count an entry of `hash` in the loop field of the header in the input: splice in the record,
/// bytes to insert in the insert buffer. Returns the status.
#[wasm_bindgen]
pub fn enter(
    input_length: u32,
    max_length: u32,
    max_fields: u32,
    hash: u32,
    threshold: u32,
    max_entries: u32,
    max_count: u32,
) -> u32 {
    with_scratch(|scratch| {
        let Scratch {
            input,
            record,
            insert,
            loop_key,
        } = scratch;
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
            span(input, 0, input_length),
            &options,
            hash,
            &enter_options,
            record,
            insert,
        )
    })
}

/// Set a field: the input holds the header, then the key, then the value. Splice in the record,
/// bytes to insert in the insert buffer. Returns the status.
#[wasm_bindgen(js_name = setField)]
pub fn set_field(
    header_length: u32,
    key_length: u32,
    value_length: u32,
    max_length: u32,
    max_fields: u32,
) -> u32 {
    with_scratch(|scratch| {
        let Scratch {
            input,
            record,
            insert,
            loop_key,
        } = scratch;
        let options = Options {
            max_length,
            max_fields,
            loop_key,
        };
        let header = span(input, 0, header_length);
        let key = span(input, header_length, key_length);
        let value = span(
            input,
            header_length.saturating_add(key_length),
            value_length,
        );
        record::set_field(header, &options, key, value, record, insert)
    })
}

/// FNV-1a 32 of the first `input_length` input bytes.
#[wasm_bindgen(js_name = resourceHash)]
pub fn resource_hash(input_length: u32) -> u32 {
    with_scratch(|scratch| trace_lineage_core::resource_hash(span(&scratch.input, 0, input_length)))
}

/// Write the error, diagnostic and reason names into the input buffer (the last inserted bytes
/// stay readable), one table per line, comma-separated; returns their length, or 0 when memory
/// is exhausted. Not hot, but no `String` crosses the boundary all the same, so the glue needs
/// no allocator exports. May grow memory: read the input pointer again.
#[wasm_bindgen(js_name = codeTables)]
pub fn code_tables() -> u32 {
    let tables: [&[&str]; 3] = [&ERROR_NAMES, &DIAGNOSTIC_NAMES, &REASON_NAMES];
    let text = tables.map(|names| names.join(",")).join("\n");
    with_scratch(|scratch| {
        let length = text.len() as u32;
        if !grow(&mut scratch.input, length) {
            return 0;
        }
        match scratch.input.get_mut(..text.len()) {
            Some(output) => {
                output.copy_from_slice(text.as_bytes());
                length
            }
            None => 0,
        }
    })
}
