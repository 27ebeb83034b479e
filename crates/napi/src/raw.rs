//! The addon's exports, as plain N-API callbacks: the only `unsafe` code of the project.
//!
//! Why not napi-rs: the glue it generates (3.16) cost about 65 ns per argument on the machine of
//! `bench/` (a call with four `u32` arguments took ~280 ns, an empty plain N-API call ~5 ns),
//! and its runtime made the addon 530 KB. Here each call reads its arguments with one
//! `napi_get_cb_info`, strings with one `napi_get_value_string_utf16` (into a buffer large
//! enough in the common case), and the record (a `Uint32Array`) with
//! `napi_get_typedarray_info`; results go into the record, strings come back flat
//! (`napi_create_string_latin1`, built once from bytes the core wrote). The hot path,
//! `enter(configuration, header)`, reads no other argument: its results go into slots the
//! addon owns (`slots()`), since `napi_get_typedarray_info` alone cost about 64 ns a call.
//!
//! **Strings in.** Each UTF-16 unit of a JS string becomes one byte: ASCII as itself, anything
//! else `0x80`, which is no header byte and no character the core looks for. Offsets are then
//! the reference's UTF-16 indices, and a non-ASCII character is rejected exactly where the
//! reference rejects it (no Latin-1 truncation can turn `Ł`, U+0141, into an `A`). Only the
//! read bound of a header is read (`Options::read_bound`): enough for the same answer as the whole.
//!
//! **Configurations.** `configure(...)` returns a handle (a JS external) to the options, the
//! counter's options and the resource hash of one guard (or one set of parse options); every
//! call that needs options takes it first. The handle is an index into this thread's table of
//! configurations, not a pointer: a forged or foreign external is at worst an unknown index
//! (a `TypeError`), never memory read as a configuration. The slot is freed when V8 collects
//! the handle (its finalizer) and reused by the next `configure`.
//!
//! **Scratch.** The result slots of a single enter and the grow-only buffers live in a
//! thread-local: every JS thread (main, each worker) has its own addon instance and calls on
//! its own thread.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::rc::Rc;

use napi_sys as sys;
use trace_lineage_core::codes::{DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES};
use trace_lineage_core::siphash::{self, KEY_LENGTH};
use trace_lineage_core::{record, resource_hash, EnterOptions, Options};

/// The unit every non-ASCII UTF-16 unit becomes.
const NON_ASCII: u16 = 0x80;

/// What one `configure` call sent: the options of the calls made with its handle.
struct Configuration {
    max_length: u32,
    max_fields: u32,
    loop_key: Vec<u8>,
    counter: EnterOptions,
    /// The resource hash `enter`/`enterBatch` count.
    hash: u32,
}

impl Configuration {
    fn options(&self) -> Options<'_> {
        Options { max_length: self.max_length, max_fields: self.max_fields, loop_key: &self.loop_key }
    }
}

/// This thread's configurations, by handle index; `None` where a handle was collected (the
/// next `configure` reuses the lowest such slot). Borrowed only for a moment, never across an
/// N-API call (which may run finalizers): a call takes its own `Rc` of the configuration.
struct Configurations {
    slots: Vec<Option<Rc<Configuration>>>,
    /// Indices of the `None` slots.
    free: Vec<usize>,
}

/// The scratch buffers of the calls, per JS thread.
struct Scratch {
    /// The `BATCH_SLOTS` slots `enter` writes: addon-owned memory that JavaScript sees as the
    /// `Uint32Array` `slots()` returned (see [`slots`]); null until then, and again once that
    /// array has been collected.
    held: *mut u32,
    /// UTF-16 units as V8 copies them out.
    units: Vec<u16>,
    /// The input the core reads: a header, headers back to back, or header + key + value.
    input: Vec<u8>,
    /// Byte lengths of a batch's headers.
    lengths: Vec<u32>,
    /// What the core writes: outgoing headers, or the bytes a setter inserts.
    output: Vec<u8>,
}

thread_local! {
    static CONFIGURATIONS: RefCell<Configurations> = const { RefCell::new(Configurations { slots: Vec::new(), free: Vec::new() }) };
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { held: ptr::null_mut(), units: Vec::new(), input: Vec::new(), lengths: Vec::new(), output: Vec::new() })
    };
}

/// A call failed in a way JavaScript must hear about (a wrong argument type: a bug of the
/// TypeScript side, or an N-API failure): thrown as a `TypeError`.
struct Thrown(&'static CStr);

type Outcome = Result<sys::napi_value, Thrown>;

/// `buffer` grown (never shrunk) to at least `length` elements.
fn grown<T: Copy + Default>(buffer: &mut Vec<T>, length: usize) -> &mut [T] {
    if buffer.len() < length {
        buffer.resize(length.max(2 * buffer.len()), T::default());
    }
    buffer
}

fn check(status: sys::napi_status, message: &'static CStr) -> Result<(), Thrown> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Thrown(message))
    }
}

/// The call's first `N` arguments (`undefined` where fewer were passed).
///
/// SAFETY: `env` and `info` must be the ones N-API passed to the running callback.
unsafe fn arguments<const N: usize>(env: sys::napi_env, info: sys::napi_callback_info) -> Result<[sys::napi_value; N], Thrown> {
    let mut count = N;
    let mut values = [ptr::null_mut(); N];
    // SAFETY: `values` has room for `count` values; N-API fills missing ones with `undefined`.
    let status = unsafe { sys::napi_get_cb_info(env, info, &mut count, values.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) };
    check(status, c"trace-lineage: could not read the arguments")?;
    Ok(values)
}

/// A `Uint32Array` argument's elements, for the duration of the call.
///
/// SAFETY: `env` must be the running callback's, `value` one of its arguments, and the slice
/// must not outlive the callback, nor be aliased by another slice of the same memory.
unsafe fn u32_slots<'call>(env: sys::napi_env, value: sys::napi_value) -> Result<&'call mut [u32], Thrown> {
    let mut kind = 0;
    let mut length = 0;
    let mut data = ptr::null_mut();
    // SAFETY: every out-pointer is valid; N-API checks that `value` is a typed array.
    let status = unsafe { sys::napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, ptr::null_mut(), ptr::null_mut()) };
    check(status, c"trace-lineage: the record must be a Uint32Array")?;
    if kind != sys::TypedarrayType::uint32_array {
        return Err(Thrown(c"trace-lineage: the record must be a Uint32Array"));
    }
    if length == 0 {
        return Ok(&mut []);
    }
    // SAFETY: N-API reports `length` u32 elements at `data` (aligned: a Uint32Array's offset is a
    // multiple of 4). The backing store of an ArrayBuffer never moves while it is reachable, the
    // typed array is an argument of the running call (reachable), no JavaScript runs until the
    // callback returns, and the caller passes no other view of this memory.
    Ok(unsafe { std::slice::from_raw_parts_mut(data.cast::<u32>(), length) })
}

/// A `Uint8Array` argument's bytes, for the duration of the call.
///
/// SAFETY: `env` must be the running callback's, `value` one of its arguments, and the slice
/// must not outlive the callback.
unsafe fn u8_bytes<'call>(env: sys::napi_env, value: sys::napi_value) -> Result<&'call [u8], Thrown> {
    let mut kind = 0;
    let mut length = 0;
    let mut data = ptr::null_mut();
    // SAFETY: every out-pointer is valid; N-API checks that `value` is a typed array.
    let status = unsafe { sys::napi_get_typedarray_info(env, value, &mut kind, &mut length, &mut data, ptr::null_mut(), ptr::null_mut()) };
    check(status, c"trace-lineage: expected a Uint8Array")?;
    if kind != sys::TypedarrayType::uint8_array {
        return Err(Thrown(c"trace-lineage: expected a Uint8Array"));
    }
    if length == 0 {
        return Ok(&[]);
    }
    // SAFETY: N-API reports `length` bytes at `data`. The backing store of an ArrayBuffer never
    // moves while it is reachable, the typed array is an argument of the running call
    // (reachable), and no JavaScript runs (so nothing writes to it) until the callback returns.
    Ok(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), length) })
}

/// A `Uint8Array` argument of exactly [`KEY_LENGTH`] bytes, copied.
///
/// SAFETY: `env` must be the running callback's and `value` one of its arguments.
unsafe fn key_argument(env: sys::napi_env, value: sys::napi_value) -> Result<[u8; KEY_LENGTH], Thrown> {
    // SAFETY: forwarded from the caller; the slice is copied before the callback returns.
    let bytes = unsafe { u8_bytes(env, value) }?;
    bytes.try_into().map_err(|_| Thrown(c"trace-lineage: a SipHash key has 16 bytes"))
}

/// A number argument as a `u32` (N-API truncates and wraps like `>>> 0`).
///
/// SAFETY: `env` must be the running callback's and `value` one of its arguments.
unsafe fn u32_argument(env: sys::napi_env, value: sys::napi_value) -> Result<u32, Thrown> {
    let mut number = 0;
    // SAFETY: the out-pointer is valid; N-API checks that `value` is a number.
    let status = unsafe { sys::napi_get_value_uint32(env, value, &mut number) };
    check(status, c"trace-lineage: expected a number")?;
    Ok(number)
}

/// The length of a string argument, in UTF-16 units.
///
/// SAFETY: `env` must be the running callback's and `value` one of its arguments.
unsafe fn string_length(env: sys::napi_env, value: sys::napi_value) -> Result<usize, Thrown> {
    let mut length = 0;
    // SAFETY: a null buffer asks N-API for the length only; it checks that `value` is a string.
    let status = unsafe { sys::napi_get_value_string_utf16(env, value, ptr::null_mut(), 0, &mut length) };
    check(status, c"trace-lineage: expected a string")?;
    Ok(length)
}

/// Units the string buffer starts with: most headers are read with a single N-API call.
const FIRST_UNITS: usize = 1024;

/// Append at most `limit` UTF-16 units of the string `value` to `input`, one byte each (see the
/// module docs). Returns the number appended.
///
/// One N-API call in the common case: V8 copies at most `bufsize - 1` units and says how many,
/// so a string that did not fill the buffer (or filled it up to `limit`) was read as far as
/// needed. Only a string that filled the buffer short of `limit` costs a length query, a larger
/// buffer (kept for the calls that follow) and a second copy.
///
/// SAFETY: `env` must be the running callback's and `value` one of its arguments.
unsafe fn read_units(
    env: sys::napi_env,
    value: sys::napi_value,
    limit: usize,
    units: &mut Vec<u16>,
    input: &mut Vec<u8>,
) -> Result<usize, Thrown> {
    let buffer = grown(units, FIRST_UNITS);
    let bufsize = buffer.len().min(limit.saturating_add(1)); // room for the NUL N-API writes
    let mut copied = 0;
    // SAFETY: `buffer` holds at least `bufsize` units, and N-API writes at most `bufsize` of them
    // (`bufsize - 1` units and a NUL); it checks that `value` is a string.
    let status = unsafe { sys::napi_get_value_string_utf16(env, value, buffer.as_mut_ptr(), bufsize, &mut copied) };
    check(status, c"trace-lineage: expected a string")?;
    if copied + 1 == bufsize && copied < limit {
        // The buffer is full: the string may go on.
        // SAFETY: forwarded from the caller.
        let wanted = unsafe { string_length(env, value) }?.min(limit);
        if wanted > copied {
            let buffer = grown(units, wanted + 1);
            // SAFETY: `buffer` holds at least `wanted + 1` units; N-API writes at most that many.
            let status = unsafe { sys::napi_get_value_string_utf16(env, value, buffer.as_mut_ptr(), wanted + 1, &mut copied) };
            check(status, c"trace-lineage: expected a string")?;
        }
    }
    let start = input.len();
    // `min` then a narrowing cast: this form vectorises.
    input.extend(units[..copied].iter().map(|&unit| unit.min(NON_ASCII) as u8));
    Ok(input.len() - start)
}

/// A JS string of the Latin-1 `bytes` (the core writes ASCII only).
///
/// SAFETY: `env` must be the running callback's.
unsafe fn latin1_string(env: sys::napi_env, bytes: &[u8]) -> Outcome {
    let mut string = ptr::null_mut();
    // SAFETY: `bytes` is valid for its length, which N-API copies.
    let status = unsafe { sys::napi_create_string_latin1(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut string) };
    check(status, c"trace-lineage: could not create a string")?;
    Ok(string)
}

/// A JS number.
///
/// SAFETY: `env` must be the running callback's.
unsafe fn number(env: sys::napi_env, value: u32) -> Outcome {
    let mut number = ptr::null_mut();
    // SAFETY: the out-pointer is valid.
    let status = unsafe { sys::napi_create_uint32(env, value, &mut number) };
    check(status, c"trace-lineage: could not create a number")?;
    Ok(number)
}

/// Run a callback's body: a `Thrown` becomes a JS `TypeError`, a panic (a bug) a JS `Error`,
/// instead of unwinding into V8 (which would abort the process).
///
/// SAFETY: `env` must be the running callback's.
unsafe fn run(env: sys::napi_env, body: impl FnOnce() -> Outcome) -> sys::napi_value {
    let message = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => return value,
        Ok(Err(Thrown(message))) => message,
        Err(_) => c"trace-lineage: the native addon panicked (a bug)",
    };
    // SAFETY: `message` is NUL-terminated; a throw makes the callback's return value irrelevant.
    unsafe { sys::napi_throw_type_error(env, ptr::null(), message.as_ptr()) };
    ptr::null_mut()
}

/// Run `body` on the thread's scratch buffers (never re-entered: no JavaScript runs inside a call).
fn with_scratch<T>(body: impl FnOnce(&mut Scratch) -> Result<T, Thrown>) -> Result<T, Thrown> {
    SCRATCH.with(|cell| {
        let mut scratch = cell.try_borrow_mut().map_err(|_| Thrown(c"trace-lineage: re-entered the native addon"))?;
        body(&mut scratch)
    })
}

/// The configuration a handle (a `configure` result) stands for.
///
/// SAFETY: `env` must be the running callback's and `value` one of its arguments.
unsafe fn configuration(env: sys::napi_env, value: sys::napi_value) -> Result<Rc<Configuration>, Thrown> {
    let mut data = ptr::null_mut();
    // SAFETY: the out-pointer is valid; N-API checks that `value` is an external. Its data is
    // only used as a number, never dereferenced.
    let status = unsafe { sys::napi_get_value_external(env, value, &mut data) };
    check(status, c"trace-lineage: expected a configuration (from configure)")?;
    let index = data as usize;
    CONFIGURATIONS.with(|cell| {
        let table = cell.try_borrow().map_err(|_| Thrown(c"trace-lineage: re-entered the native addon"))?;
        table.slots.get(index).and_then(Option::clone).ok_or(Thrown(c"trace-lineage: not a live configuration"))
    })
}

/// Frees the slot of a configuration handle once V8 has collected it. Index `data` was given to
/// exactly one live handle, whose finalizer this is, so nothing else can be using the slot
/// (a call in flight holds its own `Rc`). Should the table be unreachable (thread teardown),
/// nothing is left to free.
unsafe extern "C" fn release_configuration(_env: sys::napi_env, data: *mut std::ffi::c_void, _hint: *mut std::ffi::c_void) {
    let index = data as usize;
    let _ = CONFIGURATIONS.try_with(|cell| {
        if let Ok(mut table) = cell.try_borrow_mut() {
            if let Some(slot @ Some(_)) = table.slots.get_mut(index) {
                *slot = None;
                table.free.push(index);
            }
        }
    });
}

/// `configure(maxLength, maxFields, loopKey, threshold, maxEntries, maxCount, hash)`: a handle
/// (an external) to these options (checked by the core on each call), the counter's options and
/// the resource hash `enter` counts, for the calls that take it. Freed when V8 collects it.
unsafe extern "C" fn configure(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [max_length, max_fields, loop_key, threshold, max_entries, max_count, hash] = arguments::<7>(env, info)?;
            let numbers = [max_length, max_fields, threshold, max_entries, max_count, hash].map(|value| u32_argument(env, value));
            let [max_length, max_fields, threshold, max_entries, max_count, hash] = numbers;
            let (max_length, max_fields, hash) = (max_length?, max_fields?, hash?);
            let counter = EnterOptions { threshold: threshold?, max_entries: max_entries?, max_count: max_count? };
            let loop_key = with_scratch(|scratch| {
                let Scratch { units, input, .. } = scratch;
                input.clear();
                read_units(env, loop_key, usize::MAX, units, input)?;
                Ok(input.clone())
            })?;
            let configuration = Rc::new(Configuration { max_length, max_fields, loop_key, counter, hash });
            let index = CONFIGURATIONS.with(|cell| {
                let mut table = cell.try_borrow_mut().map_err(|_| Thrown(c"trace-lineage: re-entered the native addon"))?;
                let index = match table.free.pop() {
                    Some(index) => index,
                    None => {
                        table.slots.push(None);
                        table.slots.len() - 1
                    }
                };
                table.slots[index] = Some(configuration);
                Ok(index)
            })?;
            let mut handle = ptr::null_mut();
            // SAFETY: the data is the index, never dereferenced; the finalizer frees its slot.
            let status =
                sys::napi_create_external(env, index as *mut std::ffi::c_void, Some(release_configuration), ptr::null_mut(), &mut handle);
            if status != sys::Status::napi_ok {
                release_configuration(env, index as *mut std::ffi::c_void, ptr::null_mut());
                return Err(Thrown(c"trace-lineage: could not create a configuration"));
            }
            Ok(handle)
        })
    }
}

/// Frees the slots of [`slots`] once V8 no longer needs them (N-API runs this on the JS thread,
/// after the last view of them is gone), after making sure the thread's scratch no longer points
/// to them. Should the scratch be unreachable (borrowed, or being torn down), the 28 bytes are
/// leaked rather than freed while perhaps still in use.
unsafe extern "C" fn free_slots(_env: sys::napi_env, data: *mut std::ffi::c_void, _hint: *mut std::ffi::c_void) {
    let data = data.cast::<u32>();
    let forgotten = SCRATCH
        .try_with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => {
                if scratch.held == data {
                    scratch.held = ptr::null_mut();
                }
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false);
    if forgotten {
        // SAFETY: `data` came from `Box::into_raw` of a `[u32; BATCH_SLOTS]` in `slots`, N-API
        // calls this finalizer once, after V8 has dropped its last reference to the memory,
        // and the scratch no longer points to it.
        drop(unsafe { Box::from_raw(data.cast::<[u32; record::BATCH_SLOTS]>()) });
    }
}

/// `slots()`: a `Uint32Array` of `BATCH_SLOTS` slots that `enter` writes its results into, so
/// that no per-call typed-array lookup is needed. The memory is the addon's (an external
/// ArrayBuffer): it stays valid whatever JavaScript does with the array (even detaching it)
/// until N-API calls [`free_slots`], which also stops `enter` from using it. Throws where
/// external buffers are not allowed (V8 sandbox builds, e.g. Electron): the native backend does
/// not load there, and WebAssembly runs instead.
unsafe extern "C" fn slots(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` is this callback's; every out-pointer is valid.
    unsafe {
        run(env, || {
            let memory = Box::into_raw(Box::new([0u32; record::BATCH_SLOTS])).cast::<u32>();
            let bytes = record::BATCH_SLOTS * std::mem::size_of::<u32>();
            let mut buffer = ptr::null_mut();
            // SAFETY: `memory` is valid for `bytes` bytes until `free_slots` frees it, which N-API
            // calls only once V8 is done with it.
            let status = sys::napi_create_external_arraybuffer(env, memory.cast(), bytes, Some(free_slots), ptr::null_mut(), &mut buffer);
            if status != sys::Status::napi_ok {
                // SAFETY: N-API did not take the memory: it is still ours alone, from `Box::into_raw`.
                drop(Box::from_raw(memory.cast::<[u32; record::BATCH_SLOTS]>()));
                return Err(Thrown(c"trace-lineage: external buffers are not allowed here"));
            }
            let mut array = ptr::null_mut();
            check(
                sys::napi_create_typedarray(env, sys::TypedarrayType::uint32_array, record::BATCH_SLOTS, buffer, 0, &mut array),
                c"trace-lineage: N-API failed",
            )?;
            with_scratch(|scratch| {
                scratch.held = memory;
                Ok(array)
            })
        })
    }
}

/// `parse(configuration, header, record)`: the parse record; returns the status.
unsafe extern "C" fn parse(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [configuration_handle, header, slots] = arguments::<3>(env, info)?;
            let configuration = configuration(env, configuration_handle)?;
            let slots = u32_slots(env, slots)?;
            with_scratch(|scratch| {
                let Scratch { units, input, .. } = scratch;
                input.clear();
                read_units(env, header, configuration.options().read_bound(), units, input)?;
                number(env, record::parse(input, &configuration.options(), slots))
            })
        })
    }
}

/// `validateLineage(value, record)`: the record of a bare Lineage value; returns the status.
unsafe extern "C" fn validate_lineage(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [value, slots] = arguments::<2>(env, info)?;
            let slots = u32_slots(env, slots)?;
            with_scratch(|scratch| {
                let Scratch { units, input, .. } = scratch;
                input.clear();
                read_units(env, value, usize::MAX, units, input)?;
                number(env, record::lineage(input, slots))
            })
        })
    }
}

/// Enter the configuration's hash for the headers in `scratch.input` (byte lengths in
/// `scratch.lengths`) through the core's one batch path; each header's `BATCH_SLOTS` results
/// into `slots`; the outgoing headers, back to back, as one string.
///
/// SAFETY: `env` must be the running callback's.
unsafe fn enter_all(env: sys::napi_env, configuration: &Configuration, scratch: &mut Scratch, slots: &mut [u32]) -> Outcome {
    let Scratch { input, lengths, output, .. } = scratch;
    let capacity = record::batch_output_capacity(input.len(), lengths.len(), configuration.loop_key.len());
    let output = grown(output, capacity);
    let options = configuration.options();
    if record::enter_batch(input, lengths, &options, configuration.hash, &configuration.counter, slots, output) != 0 {
        return Err(Thrown(c"trace-lineage: the native buffers were too small (a bug)"));
    }
    let written = lengths.len().checked_sub(1).map_or(0, |last| slots[last * record::BATCH_SLOTS + record::B_OUTPUT_END] as usize);
    // SAFETY: forwarded from the caller.
    unsafe { latin1_string(env, &output[..written]) }
}

/// `enter(configuration, header)`: one header, a batch of one; its batch slots (`B_*`) go into
/// the addon's slots (see [`slots`]); the outgoing header is returned ('' on error).
unsafe extern "C" fn enter(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [configuration_handle, header] = arguments::<2>(env, info)?;
            let configuration = configuration(env, configuration_handle)?;
            with_scratch(|scratch| {
                if scratch.held.is_null() {
                    return Err(Thrown(c"trace-lineage: enter needs slots() first"));
                }
                // SAFETY: `held` points to `BATCH_SLOTS` u32 the addon allocated, still alive
                // (`free_slots` nulls it before freeing), aligned; no JavaScript runs and no
                // other Rust reference to them exists until this callback returns.
                let slots = std::slice::from_raw_parts_mut(scratch.held, record::BATCH_SLOTS);
                let Scratch { units, input, lengths, .. } = scratch;
                input.clear();
                lengths.clear();
                let length = read_units(env, header, configuration.options().read_bound(), units, input)?;
                lengths.push(length as u32);
                enter_all(env, &configuration, scratch, slots)
            })
        })
    }
}

/// `enterBatch(configuration, headers, record)`: each header of the array, a batch through the
/// same path as `enter`; header `i`'s slots start at `i * BATCH_SLOTS`; the outgoing headers are
/// returned back to back in one string.
unsafe extern "C" fn enter_batch(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [configuration_handle, headers, slots] = arguments::<3>(env, info)?;
            let configuration = configuration(env, configuration_handle)?;
            let slots = u32_slots(env, slots)?;
            let mut count = 0;
            check(sys::napi_get_array_length(env, headers, &mut count), c"trace-lineage: headers must be an array")?;
            with_scratch(|scratch| {
                let Scratch { units, input, lengths, .. } = scratch;
                input.clear();
                lengths.clear();
                for index in 0..count {
                    let mut header = ptr::null_mut();
                    check(sys::napi_get_element(env, headers, index, &mut header), c"trace-lineage: could not read the headers")?;
                    let length = read_units(env, header, configuration.options().read_bound(), units, input)?;
                    lengths.push(length as u32);
                }
                enter_all(env, &configuration, scratch, slots)
            })
        })
    }
}

/// `setField(configuration, header, key, value, record)`: the splice in the record; returns the
/// text to insert (empty on error). Key and value are read whole: their first bad unit is
/// reported wherever it is.
unsafe extern "C" fn set_field(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [configuration_handle, header, key, value, slots] = arguments::<5>(env, info)?;
            let configuration = configuration(env, configuration_handle)?;
            let slots = u32_slots(env, slots)?;
            with_scratch(|scratch| {
                let Scratch { units, input, output, .. } = scratch;
                input.clear();
                let header_length = read_units(env, header, configuration.options().read_bound(), units, input)?;
                let key_length = read_units(env, key, usize::MAX, units, input)?;
                read_units(env, value, usize::MAX, units, input)?;
                // `;key=value` or the value: never longer than the key, the value and 2 bytes.
                let insert = grown(output, input.len() - header_length + 2);
                let (header, rest) = input.split_at(header_length);
                let (key, value) = rest.split_at(key_length);
                let status = record::set_field(header, &configuration.options(), key, value, slots, insert);
                let inserted = if status == 0 { slots[record::S_INSERT_LENGTH] as usize } else { 0 };
                latin1_string(env, &insert[..inserted])
            })
        })
    }
}

/// `resourceHash(resource)`: FNV-1a 32 of its UTF-8 bytes (lone surrogates as U+FFFD, as
/// N-API's UTF-8 conversion does). Not on the hot path: once per guard.
unsafe extern "C" fn hash_resource(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [resource] = arguments::<1>(env, info)?;
            let mut length = 0;
            check(sys::napi_get_value_string_utf8(env, resource, ptr::null_mut(), 0, &mut length), c"trace-lineage: expected a string")?;
            with_scratch(|scratch| {
                let bytes = grown(&mut scratch.input, length + 1);
                let mut copied = 0;
                check(
                    sys::napi_get_value_string_utf8(env, resource, bytes.as_mut_ptr().cast(), length + 1, &mut copied),
                    c"trace-lineage: expected a string",
                )?;
                number(env, resource_hash(&bytes[..copied]))
            })
        })
    }
}

/// `siphash(key, message)`: SipHash-2-4 of the `Uint8Array` `message` under the 16-byte
/// `Uint8Array` `key`, as 16 lowercase hex digits.
unsafe extern "C" fn siphash24(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [key, message] = arguments::<2>(env, info)?;
            let key = key_argument(env, key)?;
            let message = u8_bytes(env, message)?;
            latin1_string(env, &siphash::tag_hex(siphash::siphash24(&key, message)))
        })
    }
}

/// `loopTag(key, root, loopValue)`: the tag of a loop field (16 lowercase hex digits), the two
/// strings read one byte per UTF-16 unit like a header.
unsafe extern "C" fn loop_tag(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [key, root, loop_value] = arguments::<3>(env, info)?;
            let key = key_argument(env, key)?;
            with_scratch(|scratch| {
                let Scratch { units, input, .. } = scratch;
                input.clear();
                let root_length = read_units(env, root, usize::MAX, units, input)?;
                read_units(env, loop_value, usize::MAX, units, input)?;
                let (root, loop_value) = input.split_at(root_length);
                latin1_string(env, &siphash::loop_tag(&key, root, loop_value))
            })
        })
    }
}

/// Benchmark floor: the cheapest N-API call there is (no argument read, `undefined` back).
unsafe extern "C" fn floor_empty(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    let mut undefined = ptr::null_mut();
    // SAFETY: `env` is this callback's; the out-pointer is valid.
    unsafe { sys::napi_get_undefined(env, &mut undefined) };
    undefined
}

/// Benchmark floor: a string in and the same string out, the cheapest way N-API has (Latin-1
/// both ways, which a real call may not use: it mangles characters above U+00FF).
unsafe extern "C" fn floor_echo(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: `env` and `info` are this callback's; every value read is one of its arguments.
    unsafe {
        run(env, || {
            let [text] = arguments::<1>(env, info)?;
            let length = string_length(env, text)?;
            with_scratch(|scratch| {
                let bytes = grown(&mut scratch.output, length + 1);
                let mut copied = 0;
                check(
                    sys::napi_get_value_string_latin1(env, text, bytes.as_mut_ptr().cast(), length + 1, &mut copied),
                    c"trace-lineage: expected a string",
                )?;
                latin1_string(env, &bytes[..copied])
            })
        })
    }
}

/// `codeTables()`: `{ errors, diagnostics, reasons }`, the name tables this addon was compiled
/// with, indexed by code (not on the hot path).
unsafe extern "C" fn code_tables(env: sys::napi_env, _info: sys::napi_callback_info) -> sys::napi_value {
    let tables: [(&CStr, &[&str]); 3] = [(c"errors", &ERROR_NAMES), (c"diagnostics", &DIAGNOSTIC_NAMES), (c"reasons", &REASON_NAMES)];
    // SAFETY: `env` is this callback's; every out-pointer is valid; the names are valid UTF-8
    // for their lengths, and the property names NUL-terminated.
    unsafe {
        run(env, || {
            let mut object = ptr::null_mut();
            check(sys::napi_create_object(env, &mut object), c"trace-lineage: N-API failed")?;
            for (key, names) in tables {
                let mut array = ptr::null_mut();
                check(sys::napi_create_array_with_length(env, names.len(), &mut array), c"trace-lineage: N-API failed")?;
                for (index, name) in names.iter().enumerate() {
                    let mut string = ptr::null_mut();
                    check(
                        sys::napi_create_string_utf8(env, name.as_ptr().cast(), name.len() as isize, &mut string),
                        c"trace-lineage: N-API failed",
                    )?;
                    check(sys::napi_set_element(env, array, index as u32, string), c"trace-lineage: N-API failed")?;
                }
                check(sys::napi_set_named_property(env, object, key.as_ptr(), array), c"trace-lineage: N-API failed")?;
            }
            Ok(object)
        })
    }
}

/// The exports, by the name JavaScript calls them (`ts/backends/native.ts`).
const CALLBACKS: [(&CStr, unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value); 13] = [
    (c"configure", configure),
    (c"slots", slots),
    (c"parse", parse),
    (c"validateLineage", validate_lineage),
    (c"enter", enter),
    (c"enterBatch", enter_batch),
    (c"setField", set_field),
    (c"resourceHash", hash_resource),
    (c"siphash", siphash24),
    (c"loopTag", loop_tag),
    (c"codeTables", code_tables),
    (c"floorEmpty", floor_empty),
    (c"floorEcho", floor_echo),
];

/// The entry point Node looks for when it loads the addon, once per environment (the main
/// thread, each worker): the exports as functions on `exports`.
///
/// # Safety
/// Called by Node only, with a valid `env` and `exports` object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: sys::napi_env, exports: sys::napi_value) -> sys::napi_value {
    for (name, callback) in CALLBACKS {
        let mut function = ptr::null_mut();
        // SAFETY: `name` is NUL-terminated (length -1: up to the NUL); the out-pointer is valid.
        let created = unsafe { sys::napi_create_function(env, name.as_ptr(), -1, Some(callback), ptr::null_mut(), &mut function) };
        // SAFETY: `exports` is the object Node passed; `function` was just created.
        if created != sys::Status::napi_ok
            || unsafe { sys::napi_set_named_property(env, exports, name.as_ptr(), function) } != sys::Status::napi_ok
        {
            // SAFETY: the message is NUL-terminated; Node reports the pending exception.
            unsafe { sys::napi_throw_error(env, ptr::null(), c"trace-lineage: could not register the native functions".as_ptr()) };
            return ptr::null_mut();
        }
    }
    exports
}
