//! # trace-lineage-napi
//!
//! The Node-API binding of `trace-lineage-core`. It only converts: every algorithm is in the
//! core, and the layout of the result record is documented once, in `ts/record.ts`.
//!
//! Every export is a plain N-API callback (`raw.rs`, the project's only `unsafe` code, on the
//! raw declarations of `napi-sys`): strings in (one byte per UTF-16 unit), numbers into a
//! `Uint32Array` record the caller passes, and, where a call produces text, one flat string
//! back. Options are sent once per guard with `configure`, which returns a handle (a JS
//! external) that the calls take; V8's collection of a handle frees its configuration, so
//! nothing needs to be freed by the caller. Two of the callbacks are benchmark floors (`floorEmpty`, `floorEcho`): the cost of
//! the boundary itself, which `bench/` compares the real calls with.
//!
//! Every length that comes from JavaScript is clamped to its buffer, so no input can make the
//! binding panic; a record too small is reported by the core as `buffer_too_small` (8).
//! Arguments of the wrong type throw a JS `TypeError`, and a panic (a bug) becomes a JS error
//! instead of aborting Node.

mod raw;
