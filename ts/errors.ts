import { errorName } from './record.js';
import type { ErrorName } from './codes.js';

/** The one error class of trace-lineage: a stable numeric `code`, its `name`, and a byte `offset`. */
export class TraceHeaderError extends Error {
  readonly code: number;
  readonly codeName: ErrorName;
  readonly offset: number;

  constructor(code: number, offset: number, detail?: string) {
    const name = errorName(code);
    super(`${name} at byte ${offset}${detail ? `: ${detail}` : ''}`);
    this.name = 'TraceHeaderError';
    this.code = code;
    this.codeName = name;
    this.offset = offset;
  }

  /** The JSON shape the CLI prints: `{ code, name, offset }`. */
  toJSON(): { code: number; name: ErrorName; offset: number } {
    return { code: this.code, name: this.codeName, offset: this.offset };
  }
}
