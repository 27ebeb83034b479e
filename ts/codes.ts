/**
 * The stable code tables shared by every backend. The Rust core defines the same tables in
 * `crates/core/src/codes.rs`; `test/codes.test.ts` proves that every backend reports these
 * exact numbers and names. Never renumber: add new codes at the end.
 */

/** Hard errors (0 = ok). Each comes with a byte offset into the input. */
export const ERROR_NAMES = [
  'ok',
  'empty', // no field at all (empty input, or only whitespace and `;`)
  'too_long', // longer than `maxLength`; offset = maxLength
  'invalid_byte', // a byte outside visible ASCII, space and tab (CR/LF injection, non-ASCII)
  'too_many_fields', // more than `maxFields` fields; offset = start of the first field too many
  'invalid_key', // a key given to a setter/builder is not a token, or may not be set (Lineage)
  'invalid_value', // a value given to a setter/builder is not allowed in a header
  'invalid_option', // an option is out of range (limits, threshold, loop key)
  'buffer_too_small', // a binding passed an output buffer too small (a binding bug, never input)
] as const;
export type ErrorName = (typeof ERROR_NAMES)[number];

/** Lenient cases met while tokenising (DOMAIN.md §4.2): reported, never fatal. */
export const DIAGNOSTIC_NAMES = [
  'none',
  'empty_field', // a run of one or more empty fields (`;;`); offset = start of the run
  'trailing_semicolon', // the header ends with `;` (and optional whitespace); offset = that `;`
  'whitespace', // whitespace around a key or value; offset = the first such byte of the field
  'missing_equals', // a field without `=`: kept as-is, never an accessor
  'empty_key', // a field `=value` with an empty key
  'key_case', // a known key spelled in another case (`root=`); it still matches
  'duplicate_key', // a known key seen again: the last one wins for the accessors
] as const;
export type DiagnosticName = (typeof DIAGNOSTIC_NAMES)[number];

/** Why a typed accessor's value is invalid (0 = valid). */
export const REASON_NAMES = [
  'valid',
  'empty', // the value is empty
  'length', // wrong length (Root 35, Parent 16, a hash 8, Lineage V2 12..18)
  'version', // Root does not start with `1-`
  'separator', // Root lacks the `-` between epoch and id
  'not_hex', // a character that is not a hex digit
  'not_lowercase_hex', // Lineage V2 hash with an upper-case hex digit
  'not_decimal', // a count that is empty or not made of ASCII digits
  'out_of_range', // Lineage V2: first number > 32767 or last > 255
  'sampled_value', // Sampled is not `0`, `1` or `?`
  'unknown_format', // Lineage that is neither V1 nor V2
  'entry_format', // a `|`-separated entry that is not `<hash>:<count>`
] as const;
export type ReasonName = (typeof REASON_NAMES)[number];

/** Lineage wire formats (DOMAIN.md §3). */
export const LINEAGE_FORMATS = ['absent', 'v1', 'v2', 'opaque'] as const;
export type LineageFormat = Exclude<(typeof LINEAGE_FORMATS)[number], 'absent'>;

export const E_OK = 0;
export const E_EMPTY = 1;
export const E_TOO_LONG = 2;
export const E_INVALID_BYTE = 3;
export const E_TOO_MANY_FIELDS = 4;
export const E_INVALID_KEY = 5;
export const E_INVALID_VALUE = 6;
export const E_INVALID_OPTION = 7;

export const D_EMPTY_FIELD = 1;
export const D_TRAILING_SEMICOLON = 2;
export const D_WHITESPACE = 3;
export const D_MISSING_EQUALS = 4;
export const D_EMPTY_KEY = 5;
export const D_KEY_CASE = 6;
export const D_DUPLICATE_KEY = 7;

export const R_VALID = 0;
export const R_EMPTY = 1;
export const R_LENGTH = 2;
export const R_VERSION = 3;
export const R_SEPARATOR = 4;
export const R_NOT_HEX = 5;
export const R_NOT_LOWERCASE_HEX = 6;
export const R_NOT_DECIMAL = 7;
export const R_OUT_OF_RANGE = 8;
export const R_SAMPLED_VALUE = 9;
export const R_UNKNOWN_FORMAT = 10;
export const R_ENTRY_FORMAT = 11;

export const F_ABSENT = 0;
export const F_V1 = 1;
export const F_V2 = 2;
export const F_OPAQUE = 3;
