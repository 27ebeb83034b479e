/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) with a 64-bit tag, and the tag of a signed loop
 * field: the reference of `crates/core/src/siphash.rs`. 32-bit arithmetic only (no BigInt),
 * since the js backend runs it wherever native code and WASM are not allowed (Workers): each
 * 64-bit word is a pair of u32 halves, high and low.
 *
 * A tag is 16 lowercase hex digits: the 8 bytes SipHash outputs, in the reference
 * implementation's order (the 64-bit result least significant byte first). The tag of a loop
 * field is the tag of `<Root value> ";" <loop field value>` (no header value contains `;`).
 */

/** Bytes of a key (128 bits). */
export const KEY_LENGTH = 16;
/** Hex digits of a tag (64 bits). */
export const TAG_HEX_LENGTH = 16;
/** Between the Root value and the loop field's value in the tagged message. */
export const MESSAGE_SEPARATOR = ';';

/** v0..v3, each as [high, low] u32 halves: v[2i] is vi's high half, v[2i + 1] its low half. */
type State = Uint32Array;

/** v[a] += v[b] (mod 2^64). */
function add(v: State, a: number, b: number): void {
  const low = (v[2 * a + 1] + v[2 * b + 1]) >>> 0;
  const carry = low < v[2 * a + 1] ? 1 : 0;
  v[2 * a] = (v[2 * a] + v[2 * b] + carry) >>> 0;
  v[2 * a + 1] = low;
}

/** v[a] ^= v[b]. */
function xor(v: State, a: number, b: number): void {
  v[2 * a] ^= v[2 * b];
  v[2 * a + 1] ^= v[2 * b + 1];
}

/** v[a] = v[a] rotated left by `bits` (0 < bits < 64). */
function rotate(v: State, a: number, bits: number): void {
  let high = v[2 * a];
  let low = v[2 * a + 1];
  if (bits >= 32) {
    [high, low] = [low, high];
    bits -= 32;
  }
  if (bits > 0) {
    [high, low] = [(high << bits) | (low >>> (32 - bits)), (low << bits) | (high >>> (32 - bits))];
  }
  v[2 * a] = high >>> 0;
  v[2 * a + 1] = low >>> 0;
}

function round(v: State): void {
  add(v, 0, 1);
  rotate(v, 1, 13);
  xor(v, 1, 0);
  rotate(v, 0, 32);
  add(v, 2, 3);
  rotate(v, 3, 16);
  xor(v, 3, 2);
  add(v, 0, 3);
  rotate(v, 3, 21);
  xor(v, 3, 0);
  add(v, 2, 1);
  rotate(v, 1, 17);
  xor(v, 1, 2);
  rotate(v, 2, 32);
}

/** The little-endian u32 at `at` of `bytes`. */
const u32At = (bytes: Uint8Array, at: number): number =>
  (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;

/** Absorb the word [high, low] with the two compression rounds of SipHash-2-4. */
function compress(v: State, high: number, low: number): void {
  v[6] ^= high;
  v[7] ^= low;
  round(v);
  round(v);
  v[0] ^= high;
  v[1] ^= low;
}

const hexByte = (byte: number): string => (byte < 16 ? '0' : '') + byte.toString(16);

/** SipHash-2-4 of `message` under the 16-byte `key`, as a tag (16 lowercase hex digits). */
export function siphash24(key: Uint8Array, message: Uint8Array): string {
  if (key.length !== KEY_LENGTH) throw new RangeError(`a SipHash key has ${KEY_LENGTH} bytes, got ${key.length}`);
  const k0High = u32At(key, 4);
  const k0Low = u32At(key, 0);
  const k1High = u32At(key, 12);
  const k1Low = u32At(key, 8);
  // "somepseudorandomlygeneratedbytes"
  const v: State = Uint32Array.of(
    k0High ^ 0x736f6d65, k0Low ^ 0x70736575,
    k1High ^ 0x646f7261, k1Low ^ 0x6e646f6d,
    k0High ^ 0x6c796765, k0Low ^ 0x6e657261,
    k1High ^ 0x74656462, k1Low ^ 0x79746573,
  );
  const whole = message.length - (message.length % 8);
  for (let at = 0; at < whole; at += 8) compress(v, u32At(message, at + 4), u32At(message, at));
  // The last word: the remaining bytes, and the length mod 256 in its top byte.
  const last = new Uint8Array(8);
  last.set(message.subarray(whole));
  last[7] = message.length & 0xff;
  compress(v, u32At(last, 4), u32At(last, 0));
  v[5] ^= 0xff;
  for (let i = 0; i < 4; i++) round(v);
  const high = (v[0] ^ v[2] ^ v[4] ^ v[6]) >>> 0;
  const low = (v[1] ^ v[3] ^ v[5] ^ v[7]) >>> 0;
  let tag = '';
  for (let i = 0; i < 4; i++) tag += hexByte((low >>> (8 * i)) & 0xff);
  for (let i = 0; i < 4; i++) tag += hexByte((high >>> (8 * i)) & 0xff);
  return tag;
}

/**
 * The tag of a loop field: SipHash-2-4 under `key` of `root + ";" + loopValue` (the Root field's
 * value and the loop field's value as they appear in the header: visible ASCII, one byte each).
 */
export function loopTag(key: Uint8Array, root: string, loopValue: string): string {
  const text = loopMessage(root, loopValue);
  const message = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) message[i] = text.charCodeAt(i);
  return siphash24(key, message);
}

/** The message a loop tag is the SipHash of (`crates/core/src/siphash.rs`'s `loop_tag`). */
export const loopMessage = (root: string, loopValue: string): string => root + MESSAGE_SEPARATOR + loopValue;

/** A key written as 32 hex digits (either case), as its 16 bytes; null if it is not one. */
export function keyBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const key = new Uint8Array(KEY_LENGTH);
  for (let i = 0; i < KEY_LENGTH; i++) key[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return key;
}
