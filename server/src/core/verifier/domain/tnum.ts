// Tracked numbers ("tnums"): a 64-bit value whose bits are each known-0, known-1 or unknown.
// Semantics follow the kernel's kernel/bpf/tnum.c (Linux 6.12 source; tnum_union, tnum_neg and the
// union-based tnum_mul as in 6.18). Written from the documented algorithms (Vishwanathan et al.,
// "Sound, Precise, and Fast Abstract Interpretation with Tristate Numbers", CGO 2022), not copied.
//
// Representation invariant: 0 <= value, mask < 2^64 and (value & mask) == 0. A concrete x is a member
// of t iff (x & ~t.mask) == t.value.

import type { Tnum as TnumT } from './scalar';

export const M64 = 0xffffffffffffffffn;
export const LO32 = 0xffffffffn;
export const HI32 = 0xffffffff00000000n;

function mk(value: bigint, mask: bigint): TnumT {
  return { value, mask };
}

export const TNUM_UNKNOWN: TnumT = Object.freeze(mk(0n, M64));
export const TNUM_ZERO: TnumT = Object.freeze(mk(0n, 0n));
const TNUM_UNKNOWN32: TnumT = Object.freeze(mk(0n, LO32));

/** Index of the highest set bit plus one (fls64); 0 for 0. x must be in [0, 2^64). */
export function fls64(x: bigint): number {
  if (x === 0n) return 0;
  const hi = Number(x >> 32n);
  if (hi !== 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(Number(x));
}

export function tnumConst(v: bigint): TnumT {
  return mk(v & M64, 0n);
}

/**
 * Smallest tnum containing every value in [min, max] (unsigned): bits above the highest bit in
 * which min and max differ are common to all values in between, all bits below it may vary.
 */
export function tnumRange(min: bigint, max: bigint): TnumT {
  const bits = fls64(min ^ max);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return mk(min & ~delta, delta);
}

/**
 * Sound: every sum x + y with x in a, y in b is in the result. sv is the sum with all unknown bits 0,
 * sv + sm the sum with all unknown bits 1; any bit where those differ could be touched by a carry,
 * and so could any bit unknown in an operand.
 */
export function tnumAdd(a: TnumT, b: TnumT): TnumT {
  const sm = (a.mask + b.mask) & M64;
  const sv = (a.value + b.value) & M64;
  const sigma = (sm + sv) & M64;
  const mu = (sigma ^ sv) | a.mask | b.mask;
  return mk(sv & ~mu, mu);
}

/** Sound by the same argument as add: alpha/beta are the extreme borrow patterns. */
export function tnumSub(a: TnumT, b: TnumT): TnumT {
  const dv = (a.value - b.value) & M64;
  const alpha = (dv + a.mask) & M64;
  const beta = (dv - b.mask) & M64;
  const mu = (alpha ^ beta) | a.mask | b.mask;
  return mk(dv & ~mu, mu);
}

/** Sound: 0 - x for every member x (two's complement negation). */
export function tnumNeg(a: TnumT): TnumT {
  return tnumSub(TNUM_ZERO, a);
}

/** Sound: a result bit is known-1 iff both are known-1, may be 1 iff both may be 1. */
export function tnumAnd(a: TnumT, b: TnumT): TnumT {
  const v = a.value & b.value;
  return mk(v, (a.value | a.mask) & (b.value | b.mask) & ~v);
}

/** Sound: known-1 if either is known-1, unknown if either is unknown and neither is known-1. */
export function tnumOr(a: TnumT, b: TnumT): TnumT {
  const v = a.value | b.value;
  return mk(v, (a.mask | b.mask) & ~v);
}

/** Sound: a result bit is known iff both input bits are known. */
export function tnumXor(a: TnumT, b: TnumT): TnumT {
  const mu = a.mask | b.mask;
  return mk((a.value ^ b.value) & ~mu, mu);
}

/** Sound: every shifted member keeps its known bits in the shifted positions; vacated bits are 0. */
export function tnumLshift(a: TnumT, shift: number): TnumT {
  const s = BigInt(shift);
  return mk((a.value << s) & M64, (a.mask << s) & M64);
}

export function tnumRshift(a: TnumT, shift: number): TnumT {
  const s = BigInt(shift);
  return mk(a.value >> s, a.mask >> s);
}

/**
 * Arithmetic right shift in 64 or 32 bits (a 32-bit result is zero-extended). Shifting value and mask
 * separately is sound because an unknown sign bit makes the copies of it unknown (mask sign is set)
 * and a known sign bit replicates its known value.
 */
export function tnumArshift(a: TnumT, shift: number, bits: 32 | 64): TnumT {
  if (bits === 32) {
    const v = Number(a.value & LO32) | 0;
    const m = Number(a.mask & LO32) | 0;
    return mk(BigInt((v >> shift) >>> 0), BigInt((m >> shift) >>> 0));
  }
  const s = BigInt(shift);
  return mk(BigInt.asIntN(64, a.value) >> s & M64, BigInt.asIntN(64, a.mask) >> s & M64);
}

/**
 * Union of the two sets' descriptions: a bit is known only if known and equal in both.
 * Sound: contains every member of a and of b.
 */
export function tnumUnion(a: TnumT, b: TnumT): TnumT {
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return mk(a.value & b.value & ~mu, mu);
}

/**
 * Multiplication by shift-and-add over the multiplier's bits. For a known-1 bit the shifted
 * multiplicand is added; for an unknown bit the accumulator becomes the union of "added" and "not
 * added". Each step over-approximates the exact partial sums, so the result contains every product.
 */
export function tnumMul(a: TnumT, b: TnumT): TnumT {
  let av = a.value;
  let am = a.mask;
  let bv = b.value;
  let bm = b.mask;
  // Fast path: both constant.
  if (am === 0n && bm === 0n) return mk((av * bv) & M64, 0n);
  let acc: TnumT = TNUM_ZERO;
  while (av !== 0n || am !== 0n) {
    if ((av & 1n) !== 0n) {
      acc = tnumAdd(acc, mk(bv, bm));
    } else if ((am & 1n) !== 0n) {
      acc = tnumUnion(acc, tnumAdd(acc, mk(bv, bm)));
    }
    av >>= 1n;
    am >>= 1n;
    bv = (bv << 1n) & M64;
    bm = (bm << 1n) & M64;
  }
  return acc;
}

/**
 * The smallest member of t strictly greater than z, or t's largest member when there is none (the
 * kernel's tnum_step saturates this way; observed through the verifier log of Linux 6.18). With y = z + 1: find the
 * highest bit where y disagrees with a known bit of t. If t has a 1 there, keep y above it, take that 1
 * and the smallest tail. If t has a 0 there, y's prefix is too big: set the lowest unknown bit above it
 * where y has a 0 (none: no member) and take the smallest tail below it.
 */
export function tnumStep(t: TnumT, z: bigint): bigint {
  const v = t.value;
  const m = t.mask;
  const NONE = v | m;
  if (z >= NONE) return NONE;
  const y = z + 1n;
  if (y <= v) return v;
  const diff = (y ^ v) & ~m & M64;
  if (diff === 0n) return y;
  const h = BigInt(fls64(diff) - 1);
  const hb = 1n << h;
  if ((v & hb) !== 0n) return (y & ~((hb << 1n) - 1n)) | hb | (v & (hb - 1n));
  const cands = m & ~y & ~((hb << 1n) - 1n) & M64;
  if (cands === 0n) return NONE;
  const p = cands & -cands;
  return (y & ~((p << 1n) - 1n)) | p | (v & (p - 1n));
}

/** Number version of tnumStep for a tnum below 2^32 and z below 2^53 (saturating the same way). */
export function tnumStep32(v: number, m: number, z: number): number {
  const NONE = (v | m) >>> 0;
  if (z >= NONE) return NONE;
  const y = z + 1;
  if (y <= v) return v;
  const diff = ((y ^ v) & ~m) >>> 0;
  if (diff === 0) return y;
  const hb = 0x80000000 >>> Math.clz32(diff); // 2^(31 - clz), an unsigned number
  const above = ~(hb * 2 - 1) >>> 0;
  if ((v & hb) !== 0) return ((y & above) | hb | (v & (hb - 1))) >>> 0;
  const cands = (m & ~y & above) >>> 0;
  if (cands === 0) return NONE;
  const p = (cands & -cands) >>> 0;
  return ((y & ~(p * 2 - 1)) | p | (v & (p - 1))) >>> 0;
}

/** True when a and b have a common member (their known bits agree where both are known). */
export function tnumOverlap(a: TnumT, b: TnumT): boolean {
  const mu = ~a.mask & ~b.mask & M64;
  return (a.value & mu) === (b.value & mu);
}

/**
 * Meet: members of both. When a and b disagree on a known bit the sets are disjoint; like the
 * kernel, the result then has that bit known-1 (callers detect the empty case through the bounds).
 */
export function tnumIntersect(a: TnumT, b: TnumT): TnumT {
  const mu = a.mask & b.mask;
  return mk((a.value | b.value) & ~mu, mu);
}

/** Truncate to the low `size` bytes (zero-extends). */
export function tnumCast(a: TnumT, size: number): TnumT {
  if (size >= 8) return a;
  const m = (1n << BigInt(size * 8)) - 1n;
  return mk(a.value & m, a.mask & m);
}

export function tnumSubreg(a: TnumT): TnumT {
  if (a.value <= LO32 && a.mask <= LO32) return a;
  return mk(a.value & LO32, a.mask & LO32);
}

export function tnumClearSubreg(a: TnumT): TnumT {
  return mk(a.value & HI32, a.mask & HI32);
}

/** High 32 bits of reg, low 32 bits of subreg. */
export function tnumWithSubreg(reg: TnumT, subreg: TnumT): TnumT {
  return mk((reg.value & HI32) | (subreg.value & LO32), (reg.mask & HI32) | (subreg.mask & LO32));
}

/** b is a subset of a: every bit unknown in b is unknown in a, and a's known bits agree with b's. */
export function tnumIn(a: TnumT, b: TnumT): boolean {
  if ((b.mask & ~a.mask) !== 0n) return false;
  return a.value === (b.value & ~a.mask);
}

export function tnumIsConst(a: TnumT): boolean {
  return a.mask === 0n;
}

export function tnumIsUnknown(a: TnumT): boolean {
  return a.mask === M64;
}

export function tnumContains(a: TnumT, x: bigint): boolean {
  return ((x & M64) & ~a.mask) === a.value;
}

/** Swap the bytes of the low `bits` bits (bswap16/32/64); higher bits become 0. Sound bytewise. */
export function tnumBswap(a: TnumT, bits: 16 | 32 | 64): TnumT {
  return mk(bswapBig(a.value, bits), bswapBig(a.mask, bits));
}

export function bswapBig(x: bigint, bits: 16 | 32 | 64): bigint {
  if (bits === 16) {
    const n = Number(x & 0xffffn);
    return n === 0 ? 0n : BigInt(((n & 0xff) << 8) | (n >>> 8));
  }
  if (bits === 32) {
    const n = Number(x & LO32);
    if (n === 0) return 0n;
    return BigInt((((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0);
  }
  let r = 0n;
  for (let i = 0; i < bits; i += 8) {
    r = (r << 8n) | ((x >> BigInt(i)) & 0xffn);
  }
  return r;
}

function hex(x: bigint): string {
  return '0x' + x.toString(16);
}

/** The kernel's tnum_strn: a constant as decimal (<= 65535) or hex, else "(value; mask)". */
export function tnumToString(a: TnumT): string {
  if (a.mask === 0n) return a.value <= 0xffffn ? a.value.toString() : hex(a.value);
  return `(${hex(a.value)}; ${hex(a.mask)})`;
}

export const TnumOps = {
  const: tnumConst,
  unknown: TNUM_UNKNOWN,
  unknown32: TNUM_UNKNOWN32,
  zero: TNUM_ZERO,
  range: tnumRange,
  add: tnumAdd,
  sub: tnumSub,
  mul: tnumMul,
  and: tnumAnd,
  or: tnumOr,
  xor: tnumXor,
  lshift: tnumLshift,
  rshift: tnumRshift,
  arshift: tnumArshift,
  neg: tnumNeg,
  in: tnumIn,
  contains: tnumContains,
  overlap: tnumOverlap,
  intersect: tnumIntersect,
  union: tnumUnion,
  cast: tnumCast,
  subreg: tnumSubreg,
  clearSubreg: tnumClearSubreg,
  withSubreg: tnumWithSubreg,
  bswap: tnumBswap,
  isConst: tnumIsConst,
  isUnknown: tnumIsUnknown,
  toString: tnumToString,
} as const;
