//! # trace-lineage-wasm
//!
//! The WebAssembly binding of `trace-lineage-core`. It only converts: every algorithm is in the
//! core. Like es-module-lexer, no string crosses the boundary on the hot path. The instance owns
//! grow-only scratch buffers (the input bytes, a batch's header lengths, the `u32` result record,
//! the output bytes, the loop key); JavaScript writes UTF-8 into the input buffer with
//! `TextEncoder.encodeInto`, calls an export with lengths and options as plain numbers, reads the
//! record as a `Uint32Array` view of linear memory (layout: `ts/record.ts`) and decodes the
//! output bytes once. Nothing needs freeing by the caller. Two exports are benchmark floors
//! ([`floor_empty`], [`floor_echo`]): the cost of the boundary itself, for `bench/`.
//!
//! Protocol (`ts/backends/wasm.ts`):
//! 1. [`reserve`] the buffers, then read [`input_pointer`], [`lengths_pointer`],
//!    [`record_pointer`], [`output_pointer`] again (a growth moves them and may grow memory).
//! 2. When the loop key changes, write it at the input pointer and call [`set_loop_key`].
//! 3. Write the input (and a batch's lengths), call [`parse`], [`validate_lineage`], [`enter`],
//!    [`enter_batch`], [`set_field`] or [`resource_hash`]; each returns the status (0 or an
//!    error code) or the hash. The record is at the record pointer; the outgoing headers (enter)
//!    or the bytes to insert (set) at the output pointer.
//! 4. [`code_tables`] (not hot) writes the code names into the input buffer.
//!
//! Lengths from JavaScript are clamped to the buffers, and the core reports a too-small record
//! as `BufferTooSmall` (code 8): no input makes the module panic or trap.

use std::cell::RefCell;

use trace_lineage_core::codes::{ErrorCode, DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES};
use trace_lineage_core::siphash::{self, KEY_LENGTH, TAG_HEX_LENGTH};
use trace_lineage_core::{record, EnterOptions, Options};
use wasm_bindgen::prelude::wasm_bindgen;

/// The status reported when the scratch buffers cannot be used (never expected).
const UNUSABLE: u32 = ErrorCode::BufferTooSmall as u32;

/// The instance's reusable buffers.
struct Scratch {
    /// The input: a header, headers back to back, a Lineage value, a resource id, or header +
    /// key + value.
    input: Vec<u8>,
    /// The byte lengths of a batch's headers.
    lengths: Vec<u32>,
    /// The result record (`record.rs` / `ts/record.ts`).
    record: Vec<u32>,
    /// The outgoing headers of an enter, or the bytes a `set_field` inserts.
    output: Vec<u8>,
    /// The loop field's key, sent only when it changes.
    loop_key: Vec<u8>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { input: Vec::new(), lengths: Vec::new(), record: Vec::new(), output: Vec::new(), loop_key: Vec::new() })
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

/// Grow the buffers to at least these sizes (input bytes, batch lengths, record slots, output
/// bytes). Returns 1, or 0 when memory is exhausted. May move the buffers and grow memory: read
/// the pointers again.
#[wasm_bindgen]
pub fn reserve(input_bytes: u32, lengths: u32, record_slots: u32, output_bytes: u32) -> u32 {
    with_scratch(|scratch| {
        let grown = grow(&mut scratch.input, input_bytes)
            && grow(&mut scratch.lengths, lengths)
            && grow(&mut scratch.record, record_slots)
            && grow(&mut scratch.output, output_bytes);
        u32::from(grown)
    })
}

/// Where the input buffer starts in linear memory.
#[wasm_bindgen(js_name = inputPointer)]
pub fn input_pointer() -> u32 {
    with_scratch(|scratch| scratch.input.as_ptr() as u32)
}

/// Where a batch's header lengths (`u32`) start in linear memory.
#[wasm_bindgen(js_name = lengthsPointer)]
pub fn lengths_pointer() -> u32 {
    with_scratch(|scratch| scratch.lengths.as_ptr() as u32)
}

/// Where the record (`u32` slots) starts in linear memory.
#[wasm_bindgen(js_name = recordPointer)]
pub fn record_pointer() -> u32 {
    with_scratch(|scratch| scratch.record.as_ptr() as u32)
}

/// Where the output bytes of the last `enter`/`enter_batch`/`set_field` start in linear memory.
#[wasm_bindgen(js_name = outputPointer)]
pub fn output_pointer() -> u32 {
    with_scratch(|scratch| scratch.output.as_ptr() as u32)
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

/// Count an entry of `hash` in the loop field of the header in the input: a batch of one (see
/// [`enter_batch`]). Returns the status of the batch.
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
    let counter = EnterOptions { threshold, max_entries, max_count };
    with_scratch(|scratch| {
        let Scratch { input, record, output, loop_key, .. } = scratch;
        let options = Options { max_length, max_fields, loop_key };
        record::enter_batch(span(input, 0, input_length), &[input_length], &options, hash, &counter, record, output)
    })
}

/// Count an entry of `hash` in each of `count` headers, back to back in the input (their byte
/// lengths in the lengths buffer): header `i`'s batch slots in the record from
/// `i * BATCH_SLOTS`, the outgoing headers back to back in the output. Returns the status of the
/// batch (a header's error is in its slots).
#[wasm_bindgen(js_name = enterBatch)]
#[allow(clippy::too_many_arguments)] // flat numbers: no object built per call
pub fn enter_batch(
    count: u32,
    max_length: u32,
    max_fields: u32,
    hash: u32,
    threshold: u32,
    max_entries: u32,
    max_count: u32,
) -> u32 {
    let counter = EnterOptions { threshold, max_entries, max_count };
    with_scratch(|scratch| {
        let Scratch { input, lengths, record, output, loop_key } = scratch;
        let options = Options { max_length, max_fields, loop_key };
        let lengths = &lengths[..(count as usize).min(lengths.len())];
        record::enter_batch(input, lengths, &options, hash, &counter, record, output)
    })
}

/// Set a field: the input holds the header, then the key, then the value. Splice in the record,
/// bytes to insert in the output buffer. Returns the status.
#[wasm_bindgen(js_name = setField)]
pub fn set_field(
    header_length: u32,
    key_length: u32,
    value_length: u32,
    max_length: u32,
    max_fields: u32,
) -> u32 {
    with_scratch(|scratch| {
        let Scratch { input, record, output, loop_key, .. } = scratch;
        let options = Options { max_length, max_fields, loop_key };
        let header = span(input, 0, header_length);
        let key = span(input, header_length, key_length);
        let value = span(
            input,
            header_length.saturating_add(key_length),
            value_length,
        );
        record::set_field(header, &options, key, value, record, output)
    })
}

/// Benchmark floor: the cheapest call into the module (no argument, nothing back).
#[wasm_bindgen(js_name = floorEmpty)]
pub fn floor_empty() {}

/// Benchmark floor: copy the first `input_length` input bytes to the output, as an echo of a
/// string through the module would (the caller writes them in and decodes them back out).
/// Returns the number of bytes copied.
#[wasm_bindgen(js_name = floorEcho)]
pub fn floor_echo(input_length: u32) -> u32 {
    with_scratch(|scratch| {
        let Scratch { input, output, .. } = scratch;
        let text = span(input, 0, input_length);
        let length = text.len().min(output.len());
        output[..length].copy_from_slice(&text[..length]);
        length as u32
    })
}

/// The key (the first [`KEY_LENGTH`] input bytes) and the output slot of a tag, or `None` when
/// the buffers are smaller than that (a binding bug).
fn key_and_tag_slot(input: &[u8], output: &mut [u8]) -> Option<([u8; KEY_LENGTH], usize)> {
    let key = input.get(..KEY_LENGTH)?.try_into().ok()?;
    (output.len() >= TAG_HEX_LENGTH).then_some((key, TAG_HEX_LENGTH))
}

/// SipHash-2-4: the input holds the key ([`KEY_LENGTH`] bytes), then `message_length` message
/// bytes; the tag (16 hex digits) goes to the output. Returns its length, or 0 when the buffers
/// are too small. The only MAC export: a loop tag is this over `ts/siphash.ts`'s `loopMessage`
/// (a second export, `loop_tag`, cost 1.2 KB of the module's 30 KB budget).
#[wasm_bindgen]
pub fn siphash(message_length: u32) -> u32 {
    with_scratch(|scratch| {
        let Scratch { input, output, .. } = scratch;
        let Some((key, length)) = key_and_tag_slot(input, output) else { return 0 };
        let message = span(input, KEY_LENGTH as u32, message_length);
        output[..length].copy_from_slice(&siphash::tag_hex(siphash::siphash24(&key, message)));
        length as u32
    })
}

/// FNV-1a 32 of the first `input_length` input bytes.
#[wasm_bindgen(js_name = resourceHash)]
pub fn resource_hash(input_length: u32) -> u32 {
    with_scratch(|scratch| trace_lineage_core::resource_hash(span(&scratch.input, 0, input_length)))
}

/// Write the error, diagnostic and reason names into the input buffer (the last output bytes
/// stay readable), one table per line, comma-separated; returns their length, or 0 when memory
/// is exhausted. Not hot, but no `String` crosses the boundary all the same, so the glue needs
/// no allocator exports (and none is built here: a `join` would add ~2 KB of code). May grow
/// memory: read the input pointer again.
#[wasm_bindgen(js_name = codeTables)]
pub fn code_tables() -> u32 {
    let tables: [&[&str]; 3] = [&ERROR_NAMES, &DIAGNOSTIC_NAMES, &REASON_NAMES];
    let length: usize = tables.iter().flat_map(|names| names.iter()).map(|name| name.len() + 1).sum();
    with_scratch(|scratch| {
        if !grow(&mut scratch.input, length as u32) {
            return 0;
        }
        let mut at = 0;
        for names in tables {
            for (index, name) in names.iter().enumerate() {
                let Some(slot) = scratch.input.get_mut(at..at + name.len() + 1) else { return 0 };
                slot[..name.len()].copy_from_slice(name.as_bytes());
                slot[name.len()] = if index + 1 < names.len() { b',' } else { b'\n' };
                at += name.len() + 1;
            }
        }
        (at - 1) as u32 // without the last newline
    })
}
