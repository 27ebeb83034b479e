/**
 * The name of a resource's entry in our loop field: FNV-1a 32-bit over the UTF-8 bytes of its id
 * (a function ARN or name, a queue URL, ...), written as 8 lowercase hex digits. Every backend
 * computes the same hash (the native and WASM ones in Rust); this is the TypeScript one, which the
 * API also uses for ids too long to copy into a compiled backend.
 */

/** FNV-1a 32-bit over the UTF-8 bytes of `resource` (a lone surrogate encodes as U+FFFD, as `TextEncoder` does). */
export function resourceHash(resource: string): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number): void => {
    hash = Math.imul(hash ^ byte, 0x01000193);
  };
  for (let i = 0; i < resource.length; i++) {
    let c = resource.charCodeAt(i);
    if (c < 0x80) {
      mix(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = resource.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    }
    if (c < 0x800) {
      mix(0xc0 | (c >> 6));
    } else if (c < 0x10000) {
      mix(0xe0 | (c >> 12));
      mix(0x80 | ((c >> 6) & 0x3f));
    } else {
      mix(0xf0 | (c >> 18));
      mix(0x80 | ((c >> 12) & 0x3f));
      mix(0x80 | ((c >> 6) & 0x3f));
    }
    mix(0x80 | (c & 0x3f));
  }
  return hash >>> 0;
}

let lastHash = -1;
let lastHex = '';
/** A hash as 8 lowercase hex digits (the last one is kept: a guard asks for its own on every call). */
export function hashHex(hash: number): string {
  if (hash !== lastHash) {
    lastHex = (hash >>> 0).toString(16).padStart(8, '0');
    lastHash = hash;
  }
  return lastHex;
}
