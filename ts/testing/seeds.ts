/**
 * The seed corpus of the project's cargo-fuzz targets (fuzz/seeds/, shipped in the package), as
 * data. Each seed file is `[config bytes "\n"] header bytes`: the config bytes pick the limits the
 * Rust targets parse under; `header` is the header's bytes as a string (Latin-1, as Node decodes
 * HTTP headers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Seed {
  name: string;
  /** The fuzz targets' config bytes (empty when the file has no `\n`-terminated prefix). */
  config: Uint8Array;
  header: string;
}

let loaded: Seed[] | undefined;

/** The seeds, read once from the installed package's fuzz/seeds/. */
export function seeds(): Seed[] {
  if (loaded !== undefined) return loaded;
  // The package resolves itself, from the sources (tests) and from dist/ (installed) alike.
  const root = dirname(createRequire(import.meta.url).resolve('trace-lineage/package.json'));
  const directory = join(root, 'fuzz', 'seeds');
  loaded = readdirSync(directory)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(directory, name));
      const newline = bytes.indexOf(0x0a);
      return newline < 0
        ? { name, config: new Uint8Array(0), header: bytes.toString('latin1') }
        : { name, config: new Uint8Array(bytes.subarray(0, newline)), header: bytes.subarray(newline + 1).toString('latin1') };
    });
  return loaded;
}
