//! # trace-lineage-core
//!
//! A dependency-free, `no_std`, zero-copy parser and rewriter for X-Ray trace headers
//! (`X-Amzn-Trace-Id`: `Root=1-…;Parent=…;Sampled=1;Lineage=…`), and a loop counter that
//! detects recursive invocation chains the way AWS Lambda's `Lineage` does, in a field of its
//! own (`LoopGuard=<8 hex>:<count>|…`).
//!
//! * [`TraceHeader::parse`] checks the bytes (visible ASCII, space, tab; no CR/LF), the length
//!   and the number of fields, then tokenises leniently: whitespace, empty fields, a trailing
//!   `;` and fields without `=` are tolerated and reported as [`Diagnostic`]s. Nothing is
//!   copied; an unchanged header serialises byte-identical because it *is* the input.
//! * Typed accessors ([`TraceHeader::root`], [`TraceHeader::lineage`], …) validate their own
//!   value and say why it is invalid ([`Reason`]).
//! * [`rewrite::enter`] writes the outgoing header, [`rewrite::set_field`] the bytes to insert;
//!   each describes its rewrite as a [`rewrite::Splice`] of the input: every byte outside it
//!   (AWS's `Lineage` included) stays where it was. Building a header from parts and
//!   percent-encoding the environment's copy are done by the TypeScript API, not here.
//! * [`siphash`]: SipHash-2-4 and the tag of a signed loop field ([`siphash::loop_tag`]).
//! * [`record`] is the flat `u32` encoding the WASM and N-API bindings hand to JavaScript.
//!
//! ```
//! use trace_lineage_core::{Options, TraceHeader};
//! let header = TraceHeader::parse(b"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", &Options::default()).unwrap();
//! assert_eq!(header.root().map(|root| root.validity), Some(Ok(())));
//! ```
#![no_std]
#![forbid(unsafe_code)]

pub mod codes;
mod header;
pub mod record;
pub mod rewrite;
mod scan;
pub mod siphash;
pub mod validate;

pub use codes::{DiagnosticCode, ErrorCode, Reason};
pub use header::{
    is_key_byte, Accessor, Diagnostic, Diagnostics, Error, Field, Options, TraceHeader, Value, DEFAULT_LOOP_KEY, DEFAULT_MAX_FIELDS,
    DEFAULT_MAX_LENGTH, KNOWN_KEYS, MAX_MAX_FIELDS, MAX_MAX_LENGTH, MIN_MAX_FIELDS, MIN_MAX_LENGTH,
};
pub use rewrite::{enter, resource_hash, set_field, EnterOptions, Entered, Splice};
