// A mutable working copy of a Scalar and the kernel's bound-synchronisation steps on it
// (kernel/bpf/verifier.c, Linux 6.12: __update_reg_bounds, __reg_deduce_bounds, __reg_bound_offset,
// reg_bounds_sync, zext_32_to_64). Transfer functions load their operands into W records, edit them
// in place and freeze the result once, which keeps allocation to one Scalar per operation.
//
// Conventions: umin/umax/tnum are unsigned bigints in [0, 2^64); smin/smax signed bigints in
// [-2^63, 2^63); u32min/u32max numbers in [0, 2^32); s32min/s32max numbers in [-2^31, 2^31).

import type { Scalar, Tnum } from './scalar';
import {
  HI32, LO32, M64, TNUM_UNKNOWN, tnumClearSubreg, tnumStep, tnumStep32, tnumIntersect, tnumOr, tnumRange, tnumSubreg,
} from './tnum';

export const S64_MIN = -0x8000000000000000n;
export const S64_MAX = 0x7fffffffffffffffn;
export const U32_MAX = 0xffffffff;
export const S32_MIN = -0x80000000;
export const S32_MAX = 0x7fffffff;
const SIGN64 = 0x8000000000000000n;

export interface W {
  t: Tnum;
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
  u32min: number;
  u32max: number;
  s32min: number;
  s32max: number;
}

export function newW(): W {
  return {
    t: TNUM_UNKNOWN, umin: 0n, umax: M64, smin: S64_MIN, smax: S64_MAX,
    u32min: 0, u32max: U32_MAX, s32min: S32_MIN, s32max: S32_MAX,
  };
}

export function load(w: W, s: Scalar): W {
  w.t = s.tnum;
  w.umin = s.umin; w.umax = s.umax; w.smin = s.smin; w.smax = s.smax;
  w.u32min = s.u32min; w.u32max = s.u32max; w.s32min = s.s32min; w.s32max = s.s32max;
  return w;
}

export function freeze(w: W): Scalar {
  return {
    tnum: w.t,
    umin: w.umin, umax: w.umax, smin: w.smin, smax: w.smax,
    u32min: w.u32min, u32max: w.u32max, s32min: w.s32min, s32max: w.s32max,
  };
}

/** Two's complement reinterpretations. */
export function toS64(x: bigint): bigint {
  if (x >= 0n && x < SIGN64) return x; // already its own s64 reading: no new bigint
  x &= M64;
  return x >= SIGN64 ? x - 0x10000000000000000n : x;
}
export function toU64(x: bigint): bigint {
  return x & M64;
}
/** Low 32 bits of a (possibly negative) bigint, as u32 / s32 numbers. */
export function lo32u(x: bigint): number {
  return x >= 0n && x <= LO32 ? Number(x) : Number(x & LO32);
}
export function lo32s(x: bigint): number {
  return lo32u(x) | 0;
}
/** (m & LO32) === 0n for m >= 0, without building the intermediate bigint. */
function low32Zero(m: bigint): boolean {
  return m === 0n || (m > LO32 && (m & LO32) === 0n);
}

export function markUnbounded64(w: W): void {
  w.smin = S64_MIN; w.smax = S64_MAX; w.umin = 0n; w.umax = M64;
}
export function markUnbounded32(w: W): void {
  w.s32min = S32_MIN; w.s32max = S32_MAX; w.u32min = 0; w.u32max = U32_MAX;
}
export function markUnknown(w: W): void {
  w.t = TNUM_UNKNOWN;
  markUnbounded64(w);
  markUnbounded32(w);
}

/** Exact constant in every component (the kernel's ___mark_reg_known). */
export function markKnown(w: W, v: bigint): void {
  const u = v & M64;
  w.t = { value: u, mask: 0n };
  w.umin = u; w.umax = u;
  const s = toS64(u);
  w.smin = s; w.smax = s;
  w.u32min = w.u32max = lo32u(u);
  w.s32min = w.s32max = lo32s(u);
}

/** Low word becomes the constant v; the upper tnum bits and the 64-bit bounds stay (__mark_reg32_known). */
export function markKnown32(w: W, v: bigint): void {
  const lo = v & LO32;
  w.t = { value: (w.t.value & HI32) | lo, mask: w.t.mask & HI32 };
  w.u32min = w.u32max = Number(lo);
  w.s32min = w.s32max = Number(lo) | 0;
}

/** Sound: every member of the tnum lies between its all-unknown-0 and all-unknown-1 instances. */
export function updateBounds32(w: W): void {
  const v = Number(w.t.value & LO32);
  const m = Number(w.t.mask & LO32);
  const smin = v | (m & 0x80000000); // int32: sign bit set if it may be set
  const smax = v | (m & 0x7fffffff); // int32: sign bit set only if known set
  if (smin > w.s32min) w.s32min = smin;
  if (smax < w.s32max) w.s32max = smax;
  if (v > w.u32min) w.u32min = v;
  const umax = (v | m) >>> 0;
  if (umax < w.u32max) w.u32max = umax;
}

export function updateBounds64(w: W): void {
  const v = w.t.value;
  const m = w.t.mask;
  const a = v | (m & SIGN64);
  const b = v | (m & S64_MAX);
  const smin = a >= SIGN64 ? a - 0x10000000000000000n : a;
  const smax = b >= SIGN64 ? b - 0x10000000000000000n : b;
  if (smin > w.smin) w.smin = smin;
  if (smax < w.smax) w.smax = smax;
  if (v > w.umin) w.umin = v;
  const umax = v | m;
  if (umax < w.umax) w.umax = umax;
  // When the u64 range and the tnum share exactly one value, the register is that constant (the running
  // 6.18 kernel does this; checked by kernelDiff.test.ts). Sound: the value set is the intersection.
  // (Like the kernel, also applied to an empty range umin > umax, which then becomes a constant.)
  if (m !== 0n) {
    if (m === M64) {
      // Every value is a member, so umin is one and the next member is umin + 1 (saturating).
      const next = w.umin === M64 ? M64 : w.umin + 1n;
      if (next > w.umax) markKnown(w, w.umin);
      return;
    }
    const lsb = m & -m;
    // Quick exit: umin is a member with its lowest unknown bit 0, so umin + lsb is a member too.
    if ((w.umin & ~m) === v && (w.umin & lsb) === 0n && w.umin + lsb <= w.umax) return;
    const next = tnumStep(w.t, w.umin);
    const uminIn = (w.umin & ~m) === v;
    if (uminIn) {
      if (next > w.umax) markKnown(w, w.umin);
    } else if (next === umax) {
      markKnown(w, umax);
    } else if (next <= w.umax && tnumStep(w.t, next) > w.umax) {
      markKnown(w, next);
    }
  }
}

export function updateBounds(w: W): void {
  updateBounds32(w);
  updateBounds64(w);
}

/**
 * 32-bit bounds from 64-bit ones and u32 <-> s32. Each rule applies only when the source range maps
 * onto one contiguous range of the target domain (same upper word, or upper words differing by one with
 * the low words crossing the s32 sign boundary, or a range not crossing a sign boundary), so the
 * derived range contains every value. Same rules as the kernel's __reg32_deduce_bounds.
 */
/** Straightforward form of deduce32, kept as the reference the optimised one is tested against. */
export function deduce32Ref(w: W): void {
  if ((w.umin >> 32n) === (w.umax >> 32n)) {
    const lo = lo32u(w.umin);
    const hi = lo32u(w.umax);
    if (lo > w.u32min) w.u32min = lo;
    if (hi < w.u32max) w.u32max = hi;
    const slo = lo | 0;
    const shi = hi | 0;
    if (slo <= shi) {
      if (slo > w.s32min) w.s32min = slo;
      if (shi < w.s32max) w.s32max = shi;
    }
  }
  if ((w.smin >> 32n) === (w.smax >> 32n)) {
    const lo = lo32u(w.smin);
    const hi = lo32u(w.smax);
    if (lo <= hi) {
      if (lo > w.u32min) w.u32min = lo;
      if (hi < w.u32max) w.u32max = hi;
    }
    const slo = lo | 0;
    const shi = hi | 0;
    if (slo <= shi) {
      if (slo > w.s32min) w.s32min = slo;
      if (shi < w.s32max) w.s32max = shi;
    }
  }
  {
    const hmin = Number(w.umin >> 32n);
    const hmax = Number(w.umax >> 32n);
    const slo = lo32s(w.umin);
    const shi = lo32s(w.umax);
    if (((hmin + 1) >>> 0) === hmax && slo < 0 && shi >= 0) {
      if (slo > w.s32min) w.s32min = slo;
      if (shi < w.s32max) w.s32max = shi;
    }
  }
  {
    const hmin = Number((w.smin >> 32n) & LO32);
    const hmax = Number((w.smax >> 32n) & LO32);
    const slo = lo32s(w.smin);
    const shi = lo32s(w.smax);
    if (((hmin + 1) >>> 0) === hmax && slo < 0 && shi >= 0) {
      if (slo > w.s32min) w.s32min = slo;
      if (shi < w.s32max) w.s32max = shi;
    }
  }
  // u32 range not crossing the s32 sign boundary is also an s32 range.
  if ((w.u32min | 0) <= (w.u32max | 0)) {
    const a = w.u32min | 0;
    const b = w.u32max | 0;
    if (a > w.s32min) w.s32min = a;
    if (b < w.s32max) w.s32max = b;
  }
  const s32minU = w.s32min >>> 0;
  const s32maxU = w.s32max >>> 0;
  if (s32minU <= s32maxU) {
    if (s32minU > w.u32min) w.u32min = s32minU;
    if (s32maxU < w.u32max) w.u32max = s32maxU;
  } else if (w.u32max < s32minU) {
    // u32 range overlaps only the non-negative half of the (wrapping) s32 range.
    w.s32min = w.u32min | 0;
    if (s32maxU < w.u32max) w.u32max = s32maxU;
  } else if (s32maxU < w.u32min) {
    // u32 range overlaps only the negative half.
    w.s32max = w.u32max | 0;
    if (s32minU > w.u32min) w.u32min = s32minU;
  }
}

/** u64 <-> s64, same reasoning as deduce32 (the kernel's __reg64_deduce_bounds). */
function deduce64(w: W): void {
  const uminS = w.umin >= SIGN64 ? w.umin - 0x10000000000000000n : w.umin;
  const umaxS = w.umax >= SIGN64 ? w.umax - 0x10000000000000000n : w.umax;
  if (uminS <= umaxS) {
    if (uminS > w.smin) w.smin = uminS;
    if (umaxS < w.smax) w.smax = umaxS;
  }
  const sminU = w.smin & M64;
  const smaxU = w.smax & M64;
  if (sminU <= smaxU) {
    if (sminU > w.umin) w.umin = sminU;
    if (smaxU < w.umax) w.umax = smaxU;
  } else if (w.umax < sminU) {
    w.smin = toS64(w.umin);
    if (smaxU < w.umax) w.umax = smaxU;
  } else if (smaxU < w.umin) {
    w.smax = toS64(w.umax);
    if (sminU > w.umin) w.umin = sminU;
  }
}

/**
 * 64-bit bounds from 32-bit ones: replacing the low word of a 64-bit bound by the 32-bit bound keeps
 * every value whose low word is within the 32-bit range (the kernel's __reg_deduce_mixed_bounds).
 */
/** Straightforward form of deduceMixed, kept as the reference the optimised one is tested against. */
export function deduceMixedRef(w: W): void {
  let n = (w.umin & HI32) | BigInt(w.u32min);
  if (n > w.umin) w.umin = n;
  n = (w.umax & HI32) | BigInt(w.u32max);
  if (n < w.umax) w.umax = n;
  n = toS64((w.smin & HI32) | BigInt(w.u32min));
  if (n > w.smin) w.smin = n;
  n = toS64((w.smax & HI32) | BigInt(w.u32max));
  if (n < w.smax) w.smax = n;
  const s32minU = w.s32min >>> 0;
  const s32maxU = w.s32max >>> 0;
  if (s32minU <= s32maxU) {
    n = (w.umin & HI32) | BigInt(s32minU);
    if (n > w.umin) w.umin = n;
    n = (w.umax & HI32) | BigInt(s32maxU);
    if (n < w.umax) w.umax = n;
    n = toS64((w.smin & HI32) | BigInt(s32minU));
    if (n > w.smin) w.smin = n;
    n = toS64((w.smax & HI32) | BigInt(s32maxU));
    if (n < w.smax) w.smax = n;
  }
  // A value in [S32_MIN, S32_MAX] (as s64) whose low word is non-negative as s32 cannot have
  // all-ones upper bits, so it lies in [s32min, s32max] exactly.
  if (w.s32min >= 0 && w.smin >= -0x80000000n && w.smax <= 0x7fffffffn) {
    // (s32max can only be negative here for an empty state; the kernel then sign-extends it.)
    const a = BigInt(w.s32min);
    const b = BigInt(w.s32max);
    w.smin = a; w.smax = b; w.umin = a; w.umax = b & M64;
    w.t = tnumIntersect(w.t, tnumRange(a, b & M64));
  }
}

/**
 * deduce32 with each 64-bit bound split once into a high word and a low word (numbers); the rules are
 * those of deduce32Ref: "same upper word" compares high words, the u32/s32 views are the low words.
 */
export function deduce32(w: W): void {
  const uminH = Number(w.umin >> 32n);
  const umaxH = Number(w.umax >> 32n);
  const uminL = Number(w.umin & LO32);
  const umaxL = Number(w.umax & LO32);
  const sminH = Number(w.smin >> 32n); // signed high words
  const smaxH = Number(w.smax >> 32n);
  const sminL = Number(w.smin & LO32);
  const smaxL = Number(w.smax & LO32);
  let u32min = w.u32min, u32max = w.u32max, s32min = w.s32min, s32max = w.s32max;
  if (uminH === umaxH) {
    if (uminL > u32min) u32min = uminL;
    if (umaxL < u32max) u32max = umaxL;
    const slo = uminL | 0;
    const shi = umaxL | 0;
    if (slo <= shi) {
      if (slo > s32min) s32min = slo;
      if (shi < s32max) s32max = shi;
    }
  }
  if (sminH === smaxH) {
    if (sminL <= smaxL) {
      if (sminL > u32min) u32min = sminL;
      if (smaxL < u32max) u32max = smaxL;
    }
    const slo = sminL | 0;
    const shi = smaxL | 0;
    if (slo <= shi) {
      if (slo > s32min) s32min = slo;
      if (shi < s32max) s32max = shi;
    }
  }
  {
    const slo = uminL | 0;
    const shi = umaxL | 0;
    if (((uminH + 1) >>> 0) === umaxH && slo < 0 && shi >= 0) {
      if (slo > s32min) s32min = slo;
      if (shi < s32max) s32max = shi;
    }
  }
  {
    const slo = sminL | 0;
    const shi = smaxL | 0;
    if (((sminH + 1) >>> 0) === (smaxH >>> 0) && slo < 0 && shi >= 0) {
      if (slo > s32min) s32min = slo;
      if (shi < s32max) s32max = shi;
    }
  }
  if ((u32min | 0) <= (u32max | 0)) {
    const a = u32min | 0;
    const b = u32max | 0;
    if (a > s32min) s32min = a;
    if (b < s32max) s32max = b;
  }
  const s32minU = s32min >>> 0;
  const s32maxU = s32max >>> 0;
  if (s32minU <= s32maxU) {
    if (s32minU > u32min) u32min = s32minU;
    if (s32maxU < u32max) u32max = s32maxU;
  } else if (u32max < s32minU) {
    s32min = u32min | 0;
    if (s32maxU < u32max) u32max = s32maxU;
  } else if (s32maxU < u32min) {
    s32max = u32max | 0;
    if (s32minU > u32min) u32min = s32minU;
  }
  w.u32min = u32min; w.u32max = u32max; w.s32min = s32min; w.s32max = s32max;
}

/**
 * deduceMixed without rebuilding unchanged bounds: replacing the low word of a bound by a 32-bit bound
 * keeps its high word, so the new bound is larger (smaller) exactly when the new low word is larger
 * (smaller) as an unsigned number, and it is then bound + (newLow - oldLow).
 */
export function deduceMixed(w: W): void {
  let uminL = Number(w.umin & LO32);
  let umaxL = Number(w.umax & LO32);
  let sminL = Number(w.smin & LO32);
  let smaxL = Number(w.smax & LO32);
  if (w.u32min > uminL) { w.umin += BigInt(w.u32min - uminL); uminL = w.u32min; }
  if (w.u32max < umaxL) { w.umax -= BigInt(umaxL - w.u32max); umaxL = w.u32max; }
  if (w.u32min > sminL) { w.smin += BigInt(w.u32min - sminL); sminL = w.u32min; }
  if (w.u32max < smaxL) { w.smax -= BigInt(smaxL - w.u32max); smaxL = w.u32max; }
  const s32minU = w.s32min >>> 0;
  const s32maxU = w.s32max >>> 0;
  if (s32minU <= s32maxU) {
    if (s32minU > uminL) w.umin += BigInt(s32minU - uminL);
    if (s32maxU < umaxL) w.umax -= BigInt(umaxL - s32maxU);
    if (s32minU > sminL) w.smin += BigInt(s32minU - sminL);
    if (s32maxU < smaxL) w.smax -= BigInt(smaxL - s32maxU);
  }
  if (w.s32min >= 0 && w.smin >= -0x80000000n && w.smax <= 0x7fffffffn) {
    // (s32max can only be negative here for an empty state; the kernel then sign-extends it.)
    const a = BigInt(w.s32min);
    const b = BigInt(w.s32max);
    w.smin = a; w.smax = b; w.umin = a; w.umax = b & M64;
    w.t = tnumIntersect(w.t, tnumRange(a, b & M64));
  }
}

export function deduceBounds(w: W): void {
  deduce32(w);
  deduce64(w);
  deduceMixed(w);
}

/**
 * Bits known from the unsigned ranges, intersected into the tnum (__reg_bound_offset), skipping the
 * intersections that cannot change anything (a range whose ends differ in the top bit says nothing) and
 * doing the 32-bit one in numbers. Equality with boundOffsetRef is property-tested.
 */
export function boundOffset(w: W): void {
  let t = w.t;
  const chi = w.umin ^ w.umax;
  if (chi < SIGN64) t = tnumIntersect(t, tnumRange(w.umin, w.umax));
  const chi32 = (w.u32min ^ w.u32max) >>> 0;
  if (chi32 < 0x80000000) {
    const delta = chi32 === 0 ? 0 : 0xffffffff >>> Math.clz32(chi32); // 2^(bits) - 1
    const rv = (w.u32min & ~delta) >>> 0;
    const v32 = Number(t.value & LO32);
    const m32 = Number(t.mask & LO32);
    const nm = (m32 & delta) >>> 0;
    const nv = ((v32 | rv) & ~nm) >>> 0;
    if (nv !== v32 || nm !== m32) {
      t = { value: (t.value & HI32) | BigInt(nv), mask: (t.mask & HI32) | BigInt(nm) };
    }
  }
  w.t = t;
}

/** Straightforward form of boundOffset, kept as the reference. */
export function boundOffsetRef(w: W): void {
  const t64 = tnumIntersect(w.t, tnumRange(w.umin, w.umax));
  const t32 = tnumIntersect(tnumSubreg(t64), tnumRange(BigInt(w.u32min), BigInt(w.u32max)));
  w.t = tnumOr(tnumClearSubreg(t64), t32);
}

/**
 * reg_bounds_sync: propagate knowledge between tnum and the four ranges until the kernel's fixed
 * number of rounds is done. Each step only intersects with a sound over-approximation, so the
 * result describes a superset of the values of its (consistent) input.
 */
export function sync(w: W): void {
  const t = w.t;
  if (t.mask === 0n) {
    // Constant tnum: when the value is inside all ranges, the full procedure ends in the exact
    // constant (checked against the slow path by the property tests).
    const v = t.value;
    const s = toS64(v);
    const u32 = lo32u(v);
    const s32 = u32 | 0;
    if (w.umin <= v && v <= w.umax && w.smin <= s && s <= w.smax && w.u32min <= u32 && u32 <= w.u32max &&
        w.s32min <= s32 && s32 <= w.s32max) {
      w.umin = w.umax = v;
      w.smin = w.smax = s;
      w.u32min = w.u32max = u32;
      w.s32min = w.s32max = s32;
      return;
    }
  } else if (t.value <= LO32 && t.mask <= LO32 && syncU32(w)) { // both non-negative: same as (v | m) <= LO32
    return;
  }
  syncSlow(w);
}

/**
 * reg_bounds_sync for a tnum below 2^32, in plain numbers. Every value is then in [0, 2^32) as u64 and
 * s64, so after the first clamp all 64-bit bounds fit a number and the kernel's 64-bit steps reduce to
 * their low-word forms (upper words are 0). This is a step-by-step port of syncSlow under that premise;
 * it returns false (state untouched) where the premise breaks: an empty range after the first clamp or a
 * single-value collapse there. Equality with syncSlow is property-tested.
 */
function syncU32(w: W): boolean {
  let v = Number(w.t.value);
  let m = Number(w.t.mask);
  let tmax = (v | m) >>> 0;
  // First __update_reg_bounds: 32-bit part.
  let s32min = Math.max(w.s32min, (v | (m & 0x80000000)) | 0);
  let s32max = Math.min(w.s32max, (v | (m & 0x7fffffff)) | 0);
  let u32min = Math.max(w.u32min, v);
  let u32max = Math.min(w.u32max, tmax);
  // 64-bit part: sign bit known 0, so smin >= v and smax <= tmax like the unsigned ones. In numbers: a
  // bound beyond 2^53 rounds, but monotonically, so its comparisons with v and tmax (< 2^32) are exact,
  // and when the clamped range is not empty every bound kept is in [v, tmax] and was exact.
  const t0 = w.t;
  const uminN = Number(w.umin), umaxN = Number(w.umax), sminN = Number(w.smin), smaxN = Number(w.smax);
  let umin = uminN > v ? uminN : v;
  let umax = umaxN < tmax ? umaxN : tmax;
  let smin = sminN > v ? sminN : v;
  let smax = smaxN < tmax ? smaxN : tmax;
  if (umin > umax || smin > smax) return false;
  if (collapse32(v, m, umin, umax) >= 0) return false;
  for (let round = 0; round < 3; round++) {
    const o0 = umin, o1 = umax, o2 = smin, o3 = smax, o4 = u32min, o5 = u32max, o6 = s32min, o7 = s32max, o8 = v, o9 = m;
    // __reg32_deduce_bounds (upper words all 0; the "upper words differ by one" cases cannot apply).
    if (umin > u32min) u32min = umin;
    if (umax < u32max) u32max = umax;
    if ((umin | 0) <= (umax | 0)) {
      if ((umin | 0) > s32min) s32min = umin | 0;
      if ((umax | 0) < s32max) s32max = umax | 0;
    }
    if (smin <= smax) {
      if (smin > u32min) u32min = smin;
      if (smax < u32max) u32max = smax;
    }
    if ((smin | 0) <= (smax | 0)) {
      if ((smin | 0) > s32min) s32min = smin | 0;
      if ((smax | 0) < s32max) s32max = smax | 0;
    }
    if ((u32min | 0) <= (u32max | 0)) {
      if ((u32min | 0) > s32min) s32min = u32min | 0;
      if ((u32max | 0) < s32max) s32max = u32max | 0;
    }
    {
      const a = s32min >>> 0;
      const b = s32max >>> 0;
      if (a <= b) {
        if (a > u32min) u32min = a;
        if (b < u32max) u32max = b;
      } else if (u32max < a) {
        s32min = u32min | 0;
        if (b < u32max) u32max = b;
      } else if (b < u32min) {
        s32max = u32max | 0;
        if (a > u32min) u32min = a;
      }
    }
    // __reg64_deduce_bounds: both ranges are non-negative (the crossing cases only for empty ranges).
    if (umin <= umax) {
      if (umin > smin) smin = umin;
      if (umax < smax) smax = umax;
    }
    if (smin <= smax) {
      if (smin > umin) umin = smin;
      if (smax < umax) umax = smax;
    } else if (umax < smin) {
      smin = umin;
      if (smax < umax) umax = smax;
    } else if (smax < umin) {
      smax = umax;
      if (smin > umin) umin = smin;
    }
    // __reg_deduce_mixed_bounds with zero upper words.
    if (u32min > umin) umin = u32min;
    if (u32max < umax) umax = u32max;
    if (u32min > smin) smin = u32min;
    if (u32max < smax) smax = u32max;
    {
      const a = s32min >>> 0;
      const b = s32max >>> 0;
      if (a <= b) {
        if (a > umin) umin = a;
        if (b < umax) umax = b;
        if (a > smin) smin = a;
        if (b < smax) smax = b;
      }
    }
    if (s32min >= 0 && smax <= 0x7fffffff) {
      if (s32max < 0) return false; // empty state, leave it to the general path
      smin = umin = s32min;
      smax = umax = s32max;
      // var_off meets range(smin, smax)
      const chi = (smin ^ smax) >>> 0;
      const delta = chi === 0 ? 0 : 0xffffffff >>> Math.clz32(chi); // 2^(bits) - 1
      const rv = (smin & ~delta) >>> 0;
      const nm = (m & delta) >>> 0;
      v = ((v | rv) & ~nm) >>> 0;
      m = nm;
    }
    if (umin === o0 && umax === o1 && smin === o2 && smax === o3 && u32min === o4 && u32max === o5 &&
        s32min === o6 && s32max === o7 && v === o8 && m === o9) break;
  }
  // __reg_bound_offset: the tnum meets range(umin, umax) and range(u32min, u32max).
  for (let k = 0; k < 2; k++) {
    const lo = k === 0 ? umin : u32min;
    const hi = k === 0 ? umax : u32max;
    const chi = (lo ^ hi) >>> 0;
    const delta = chi === 0 ? 0 : 0xffffffff >>> Math.clz32(chi); // 2^(bits) - 1
    const rv = (lo & ~delta) >>> 0;
    const nm = (m & delta) >>> 0;
    v = ((v | rv) & ~nm) >>> 0;
    m = nm;
  }
  tmax = (v | m) >>> 0;
  // Final __update_reg_bounds.
  {
    const a = (v | (m & 0x80000000)) | 0;
    const b = (v | (m & 0x7fffffff)) | 0;
    if (a > s32min) s32min = a;
    if (b < s32max) s32max = b;
    if (v > u32min) u32min = v;
    if (tmax < u32max) u32max = tmax;
    if (v > smin) smin = v;
    if (tmax < smax) smax = tmax;
    if (v > umin) umin = v;
    if (tmax < umax) umax = tmax;
  }
  if (m !== 0) {
    const c = collapse32(v, m, umin, umax);
    if (c >= 0) {
      const bc = BigInt(c);
      w.t = { value: bc, mask: 0n };
      w.umin = w.umax = w.smin = w.smax = bc;
      w.u32min = w.u32max = c;
      w.s32min = w.s32max = c | 0;
      return true;
    }
  }
  // Keep the input's bigints (and tnum object) where a value did not change: fewer allocations. A
  // number equal to Number(bound) with the number below 2^32 means the bigint is that exact value.
  if (v !== Number(t0.value) || m !== Number(t0.mask)) w.t = { value: BigInt(v), mask: BigInt(m) };
  if (umin !== uminN) w.umin = BigInt(umin);
  if (umax !== umaxN) w.umax = umax === umin ? w.umin : BigInt(umax);
  if (smin !== sminN) w.smin = smin === umin ? w.umin : BigInt(smin);
  if (smax !== smaxN) w.smax = smax === umax ? w.umax : BigInt(smax);
  w.u32min = u32min; w.u32max = u32max; w.s32min = s32min; w.s32max = s32max;
  return true;
}

/** The value the kernel's single-value rule picks for tnum (v, m) and range [lo, hi] (below 2^32),
 * or -1 when it does not fire. */
function collapse32(v: number, m: number, lo: number, hi: number): number {
  if (m === 0) return -1;
  const next = tnumStep32(v, m, lo);
  const tmax = (v | m) >>> 0;
  if (((lo & ~m) >>> 0) === v) return next > hi ? lo : -1;
  if (next === tmax) return tmax;
  if (next <= hi && tnumStep32(v, m, next) > hi) return next;
  return -1;
}

export function syncSlow(w: W): void {
  updateBounds(w);
  for (let round = 0; round < 3; round++) {
    // A round that changes nothing makes the remaining rounds no-ops (deduceBounds is a function of W).
    const { t, umin, umax, smin, smax, u32min, u32max, s32min, s32max } = w;
    deduceBounds(w);
    if (w.t === t && w.umin === umin && w.umax === umax && w.smin === smin && w.smax === smax &&
        w.u32min === u32min && w.u32max === u32max && w.s32min === s32min && w.s32max === s32max) break;
  }
  boundOffset(w);
  updateBounds(w);
}

/** 64-bit bounds from the 32-bit ones of a zero-extended value (__reg_assign_32_into_64). */
function assign32into64(w: W): void {
  w.umin = BigInt(w.u32min);
  w.umax = BigInt(w.u32max);
  if (w.s32min >= 0 && w.s32max >= 0) {
    w.smin = BigInt(w.s32min);
    w.smax = BigInt(w.s32max);
  } else {
    w.smin = 0n;
    w.smax = 0xffffffffn;
  }
}

/** Sound: the upper word becomes 0, so the value equals its low word read as u32 (zext_32_to_64). */
export function zext(w: W): void {
  w.t = tnumSubreg(w.t);
  assign32into64(w);
}

/** The kernel's reg_bounds_sanity_check: false when the state describes no value. */
export function wellFormed(w: W): boolean {
  if (w.umin > w.umax || w.smin > w.smax || w.u32min > w.u32max || w.s32min > w.s32max) return false;
  const t = w.t;
  if (t.mask === 0n) {
    const v = t.value;
    const s = toS64(v);
    if (w.umin !== v || w.umax !== v || w.smin !== s || w.smax !== s) return false;
  }
  if (low32Zero(t.mask)) {
    const u = lo32u(t.value);
    const s = u | 0;
    if (w.u32min !== u || w.u32max !== u || w.s32min !== s || w.s32max !== s) return false;
  }
  return true;
}
