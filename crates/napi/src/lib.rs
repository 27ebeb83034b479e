//! # trace-lineage-napi
//!
//! The Node-API binding of `trace-lineage-core`. It only converts: every algorithm is in the
//! core, and the layout of the result record is documented once, in `ts/record.ts`.
//!
//! The hot calls (`raw.rs`) are plain N-API callbacks: strings in (one byte per UTF-16 unit),
//! numbers into a `Uint32Array` record the caller passes, and, where a call produces text, one
//! flat string back. Options are sent once with `configure` and kept per JS thread. Nothing
//! needs to be freed. Two of the callbacks are benchmark floors (`floorEmpty`, `floorEcho`): the
//! cost of the boundary itself, which `bench/` compares the real calls with.
//!
//! Every length that comes from JavaScript is clamped to its buffer, so no input can make the
//! binding panic; a record too small is reported by the core as `buffer_too_small` (8).
//! Arguments of the wrong type throw a JS `TypeError`, and a panic (a bug) becomes a JS error
//! instead of aborting Node.

mod raw;

use napi::bindgen_prelude::{JsObjectValue, Object};
use napi::Env;
use napi_derive::napi;
use trace_lineage_core::codes::{DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES};

/// Register the hot callbacks of `raw.rs` next to the `#[napi]` exports.
#[napi(module_exports)]
pub fn register(mut exports: Object<'_>, env: Env) -> napi::Result<()> {
    for (name, callback) in raw::CALLBACKS {
        let function = env.create_function::<(), ()>(name, callback)?;
        exports.set_named_property(name, function)?;
    }
    Ok(())
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
