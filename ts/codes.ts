/**
 * The stable code tables shared by every backend: generated at build time from the Rust core
 * (`crates/core/src/codes.rs`, where each code's meaning is documented, and the Lineage formats
 * of `validate.rs`) into `ts/generated/constants.ts`. Never renumber: new codes go at the end.
 *
 * - Hard errors (0 = ok), each with a byte offset into the input: `empty`, `too_long`,
 *   `invalid_byte`, `too_many_fields`, `invalid_key`, `invalid_value`, `invalid_option`, and
 *   `buffer_too_small` (a binding bug, never input).
 * - Diagnostics: the lenient cases met while tokenising (the README's Parsing policy), reported,
 *   never fatal.
 * - Reasons (0 = valid): why a typed accessor's value is invalid.
 * - Lineage formats: `v1`, `v2` or `opaque` (0 = no Lineage field).
 */
import { DIAGNOSTIC_NAMES, ERROR_NAMES, LINEAGE_FORMATS, REASON_NAMES } from './generated/constants.js';

export { DIAGNOSTIC_NAMES, ERROR_NAMES, LINEAGE_FORMATS, REASON_NAMES };
export type ErrorName = (typeof ERROR_NAMES)[number];
export type DiagnosticName = (typeof DIAGNOSTIC_NAMES)[number];
export type ReasonName = (typeof REASON_NAMES)[number];
export type LineageFormat = Exclude<(typeof LINEAGE_FORMATS)[number], 'absent'>;

export {
  D_DUPLICATE_KEY,
  D_EMPTY_FIELD,
  D_EMPTY_KEY,
  D_KEY_CASE,
  D_MISSING_EQUALS,
  D_TRAILING_SEMICOLON,
  D_WHITESPACE,
  E_EMPTY,
  E_INVALID_BYTE,
  E_INVALID_KEY,
  E_INVALID_OPTION,
  E_INVALID_VALUE,
  E_OK,
  E_TOO_LONG,
  E_TOO_MANY_FIELDS,
  F_ABSENT,
  F_OPAQUE,
  F_V1,
  F_V2,
  R_EMPTY,
  R_ENTRY_FORMAT,
  R_LENGTH,
  R_NOT_DECIMAL,
  R_NOT_HEX,
  R_NOT_LOWERCASE_HEX,
  R_OUT_OF_RANGE,
  R_SAMPLED_VALUE,
  R_SEPARATOR,
  R_UNKNOWN_FORMAT,
  R_VALID,
  R_VERSION,
} from './generated/constants.js';
