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

/**
 * v0..v3, each as [high, low] 32-bit halves: v[2i] is vi's high half, v[2i + 1] its low half.
 * Int32Array, not Uint32Array: V8 keeps int32 values in registers, but a uint32 above 2^31
 * becomes a double on every load.
 */
type State = Int32Array;

/**
 * `rounds` SipRounds on the state. Written out on the halves (h = high, l = low 32 bits), in
 * locals: with a helper call per 64-bit operation a loop tag took 27,500 instructions in V8,
 * this way 9,100 (callgrind). Each step is commented with the 64-bit operation it is.
 */
function sipRounds(v: State, rounds: number): void {
  let h0 = v[0], l0 = v[1], h1 = v[2], l1 = v[3], h2 = v[4], l2 = v[5], h3 = v[6], l3 = v[7];
  let low = 0;
  let high = 0;
  for (let i = 0; i < rounds; i++) {
    // v0 += v1 (the carry: the low sum wrapped below an addend, compared unsigned)
    low = (l0 + l1) | 0; h0 = (h0 + h1 + (low >>> 0 < l0 >>> 0 ? 1 : 0)) | 0; l0 = low;
    // v1 = rotl(v1, 13); v1 ^= v0
    high = (h1 << 13) | (l1 >>> 19); l1 = (l1 << 13) | (h1 >>> 19); h1 = high;
    h1 ^= h0; l1 ^= l0;
    // v0 = rotl(v0, 32)
    high = h0; h0 = l0; l0 = high;
    // v2 += v3
    low = (l2 + l3) | 0; h2 = (h2 + h3 + (low >>> 0 < l2 >>> 0 ? 1 : 0)) | 0; l2 = low;
    // v3 = rotl(v3, 16); v3 ^= v2
    high = (h3 << 16) | (l3 >>> 16); l3 = (l3 << 16) | (h3 >>> 16); h3 = high;
    h3 ^= h2; l3 ^= l2;
    // v0 += v3
    low = (l0 + l3) | 0; h0 = (h0 + h3 + (low >>> 0 < l0 >>> 0 ? 1 : 0)) | 0; l0 = low;
    // v3 = rotl(v3, 21); v3 ^= v0
    high = (h3 << 21) | (l3 >>> 11); l3 = (l3 << 21) | (h3 >>> 11); h3 = high;
    h3 ^= h0; l3 ^= l0;
    // v2 += v1
    low = (l2 + l1) | 0; h2 = (h2 + h1 + (low >>> 0 < l2 >>> 0 ? 1 : 0)) | 0; l2 = low;
    // v1 = rotl(v1, 17); v1 ^= v2
    high = (h1 << 17) | (l1 >>> 15); l1 = (l1 << 17) | (h1 >>> 15); h1 = high;
    h1 ^= h2; l1 ^= l2;
    // v2 = rotl(v2, 32)
    high = h2; h2 = l2; l2 = high;
  }
  v[0] = h0; v[1] = l0; v[2] = h1; v[3] = l1; v[4] = h2; v[5] = l2; v[6] = h3; v[7] = l3;
}

/** The little-endian 32 bits at `at` of `bytes` (as an int32). */
const u32At = (bytes: Uint8Array, at: number): number =>
  bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);

/** Absorb the word [high, low] with the two compression rounds of SipHash-2-4. */
function compress(v: State, high: number, low: number): void {
  v[6] ^= high;
  v[7] ^= low;
  sipRounds(v, 2);
  v[0] ^= high;
  v[1] ^= low;
}

/** Each byte's two lowercase hex digits. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** The state of the call running (one at a time: JavaScript runs one call at a time). */
const state: State = new Int32Array(8);

/**
 * SipHash-2-4 of the first `length` bytes of `message` (all of it by default) under the 16-byte
 * `key`, as a tag (16 lowercase hex digits).
 */
export function siphash24(key: Uint8Array, message: Uint8Array, length = message.length): string {
  if (key.length !== KEY_LENGTH) throw new RangeError(`a SipHash key has ${KEY_LENGTH} bytes, got ${key.length}`);
  const k0High = u32At(key, 4);
  const k0Low = u32At(key, 0);
  const k1High = u32At(key, 12);
  const k1Low = u32At(key, 8);
  const v = state;
  // "somepseudorandomlygeneratedbytes"
  v[0] = k0High ^ 0x736f6d65;
  v[1] = k0Low ^ 0x70736575;
  v[2] = k1High ^ 0x646f7261;
  v[3] = k1Low ^ 0x6e646f6d;
  v[4] = k0High ^ 0x6c796765;
  v[5] = k0Low ^ 0x6e657261;
  v[6] = k1High ^ 0x74656462;
  v[7] = k1Low ^ 0x79746573;
  const whole = length - (length % 8);
  for (let at = 0; at < whole; at += 8) compress(v, u32At(message, at + 4), u32At(message, at));
  // The last word: the remaining bytes, and the length mod 256 in its top byte.
  let lastLow = 0;
  let lastHigh = (length & 0xff) << 24;
  for (let i = 0; whole + i < length; i++) {
    if (i < 4) lastLow |= message[whole + i] << (8 * i);
    else lastHigh |= message[whole + i] << (8 * (i - 4));
  }
  compress(v, lastHigh, lastLow);
  v[5] ^= 0xff;
  sipRounds(v, 4);
  const high = v[0] ^ v[2] ^ v[4] ^ v[6];
  const low = v[1] ^ v[3] ^ v[5] ^ v[7];
  // The output bytes least significant first: low's four, then high's.
  return (
    HEX_BYTES[low & 0xff] + HEX_BYTES[(low >>> 8) & 0xff] + HEX_BYTES[(low >>> 16) & 0xff] + HEX_BYTES[low >>> 24] +
    HEX_BYTES[high & 0xff] + HEX_BYTES[(high >>> 8) & 0xff] + HEX_BYTES[(high >>> 16) & 0xff] + HEX_BYTES[high >>> 24]
  );
}

/** The bytes of the last loop message (grow-only). */
let messageBytes = new Uint8Array(256);

/**
 * The tag of a loop field: SipHash-2-4 under `key` of `root + ";" + loopValue` (the Root field's
 * value and the loop field's value as they appear in the header: visible ASCII, one byte each).
 */
export function loopTag(key: Uint8Array, root: string, loopValue: string): string {
  const text = loopMessage(root, loopValue);
  if (messageBytes.length < text.length) messageBytes = new Uint8Array(2 * text.length);
  for (let i = 0; i < text.length; i++) messageBytes[i] = text.charCodeAt(i);
  return siphash24(key, messageBytes, text.length);
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
