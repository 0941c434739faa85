/** Small, fast integer hashing so every simulated value is a pure function of its inputs. */

/** Mixes two 32-bit integers into a well-spread unsigned 32-bit integer (murmur3 finaliser). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a of a string, mixed with a seed. */
export function hashString(s: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h >>> 0, seed);
}

/** A hash as a number in [0, 1). */
export function unit(h: number): number {
  return h / 4294967296;
}

/** Deterministic lowercase hex of the given length from a seed string. */
export function hexFrom(s: string, seed: number, length: number): string {
  let out = '';
  let h = hashString(s, seed);
  while (out.length < length) {
    out += h.toString(16).padStart(8, '0');
    h = mix(h, out.length);
  }
  return out.slice(0, length);
}

/** Deterministic base32 (lowercase a-z2-7) of the given length, as OCI ocids use. */
export function base32From(s: string, seed: number, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let h = hashString(s, seed);
  for (let i = 0; i < length; i++) {
    h = mix(h, i);
    out += alphabet[h & 31];
  }
  return out;
}

/** A UUID-shaped deterministic id. */
export function uuidFrom(s: string, seed: number): string {
  const x = hexFrom(s, seed, 32);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
}
