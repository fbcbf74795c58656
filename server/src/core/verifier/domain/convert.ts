// Width changes: truncating loads (coerce_reg_to_size), sign-extending loads and movsx
// (coerce_reg_to_size_sx, coerce_subreg_to_size_sx), byte swaps. Kernel reference:
// kernel/bpf/verifier.c, Linux 6.12.

import type { Scalar } from './scalar';
import {
  type W, S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, freeze, load, lo32s, lo32u, markUnbounded32, markUnknown,
  newW, sync, toS64, updateBounds, zext,
} from './bounds';
import { LO32, M64, TNUM_UNKNOWN, tnumBswap, tnumCast, tnumConst, tnumRange, tnumSubreg } from './tnum';

const X: W = newW();

/** Sign-extend the low `bytes` bytes of x to a signed 64-bit value. */
export function sextBig(x: bigint, bytes: number): bigint {
  return BigInt.asIntN(bytes * 8, x);
}

/**
 * Keep the low `size` bytes (zero-extending). Sound: the tnum is cast bitwise; unsigned bounds survive
 * when min and max agree above the kept bits (the kept parts are then ordered like the originals),
 * else the full [0, 2^(8*size) - 1]; the result is non-negative, so signed = unsigned bounds.
 */
export function coerceToSize(w: W, size: number): void {
  if (size >= 8) return;
  w.t = tnumCast(w.t, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  if ((w.umin & ~mask) === (w.umax & ~mask)) {
    w.umin &= mask;
    w.umax &= mask;
  } else {
    w.umin = 0n;
    w.umax = mask;
  }
  w.smin = w.umin;
  w.smax = w.umax;
  if (size < 4) markUnbounded32(w);
  sync(w);
}

function sext64Default(w: W, size: number): void {
  const lo = size === 1 ? -128 : size === 2 ? -32768 : S32_MIN;
  const hi = size === 1 ? 127 : size === 2 ? 32767 : S32_MAX;
  w.smin = BigInt(lo); w.s32min = lo;
  w.smax = BigInt(hi); w.s32max = hi;
  w.umin = 0n; w.u32min = 0;
  w.umax = M64; w.u32max = U32_MAX;
  w.t = TNUM_UNKNOWN;
}

/**
 * Sign-extend the low `size` bytes to 64 bits. Sound: a constant is converted exactly; otherwise, when
 * smin and smax agree above the low bits and their sign-extended low parts have the same sign, every
 * value in between has its low part between them and sign-extends monotonically; else the full range of
 * a sign-extended `size`-byte value. Like the kernel, no reg_bounds_sync afterwards.
 */
export function coerceToSizeSx(w: W, size: number): void {
  if (w.t.mask === 0n) {
    const v = sextBig(w.t.value, size) & M64;
    w.t = tnumConst(v);
    w.umin = w.umax = v;
    w.smin = w.smax = toS64(v);
    w.u32min = w.u32max = lo32u(v);
    w.s32min = w.s32max = lo32s(v);
    return;
  }
  const nb = BigInt(size * 8);
  if ((((w.smax & M64) >> nb) << nb) !== (((w.smin & M64) >> nb) << nb)) {
    sext64Default(w, size);
    return;
  }
  const a = sextBig(w.smax, size);
  const b = sextBig(w.smin, size);
  const max = a > b ? a : b;
  const min = a > b ? b : a;
  if ((max >= 0n) === (min >= 0n)) {
    w.smin = min; w.smax = max;
    w.s32min = Number(min); w.s32max = Number(max);
    w.umin = min & M64; w.umax = max & M64;
    w.u32min = lo32u(min); w.u32max = lo32u(max);
    w.t = tnumRange(min & M64, max & M64);
    return;
  }
  sext64Default(w, size);
}

/** 32-bit form of coerceToSizeSx on the low word (size 1 or 2); the caller zero-extends. */
export function coerceSubregToSizeSx(w: W, size: number): void {
  if (w.t.mask === 0n) {
    const v = sextBig(w.t.value & LO32, size) & M64;
    w.t = tnumConst(v);
    w.s32min = w.s32max = lo32s(v);
    w.u32min = w.u32max = lo32u(v);
    return;
  }
  const nb = size * 8;
  const topMax = Math.floor((w.s32max >>> 0) / 2 ** nb);
  const topMin = Math.floor((w.s32min >>> 0) / 2 ** nb);
  if (topMax === topMin) {
    const a = Number(sextBig(BigInt(w.s32max), size));
    const b = Number(sextBig(BigInt(w.s32min), size));
    const max = Math.max(a, b);
    const min = Math.min(a, b);
    if ((min >= 0) === (max >= 0)) {
      w.s32min = min; w.s32max = max;
      w.u32min = min >>> 0; w.u32max = max >>> 0;
      w.t = tnumSubreg(tnumRange(BigInt(min) & M64, BigInt(max) & M64));
      return;
    }
  }
  w.s32min = size === 1 ? -128 : -32768;
  w.s32max = size === 1 ? 127 : 32767;
  w.u32min = 0;
  w.u32max = U32_MAX;
  w.t = tnumSubreg(TNUM_UNKNOWN);
}

/** ALU64 `r = (s8|s16|s32) r2` and ALU `w = (s8|s16) w2` (then zero-extended and synced). */
export function scalarMovsx(s: Scalar, bits: 8 | 16 | 32, is64: boolean): Scalar {
  const w = load(X, s);
  if (is64) {
    coerceToSizeSx(w, bits / 8);
  } else {
    coerceSubregToSizeSx(w, bits / 8);
    zext(w);
    sync(w);
  }
  return freeze(w);
}

export function scalarTruncate(s: Scalar, size: number): Scalar {
  if (size >= 8) return s;
  // Quick exit: coerceToSize reads only the tnum, umin and umax (and the 32-bit bounds when size is 4).
  // With an unknown tnum and bounds that differ above the kept bytes it builds exactly what an unknown
  // `size`-byte load is (cached); for size 4 the 32-bit bounds must then be unbounded too.
  if (s.tnum.mask === M64 && (size < 4 ||
      (s.u32min === 0 && s.u32max === U32_MAX && s.s32min === S32_MIN && s.s32max === S32_MAX))) {
    const nb = BigInt(size * 8);
    if ((s.umin >> nb) !== (s.umax >> nb)) return scalarFromLoad(size, false);
  }
  const w = load(X, s);
  coerceToSize(w, size);
  return freeze(w);
}

export function scalarSext(s: Scalar, size: number): Scalar {
  if (size >= 8) return s;
  const w = load(X, s);
  coerceToSizeSx(w, size);
  return freeze(w);
}

const LOADS: Scalar[] = [];
/** Unknown value loaded with a `size`-byte (sign-extending when `signed`) load. Cached; immutable. */
export function scalarFromLoad(size: number, signed: boolean): Scalar {
  const key = size * 2 + (signed ? 1 : 0);
  const hit = LOADS[key];
  if (hit) return hit;
  const w = newW();
  markUnknown(w);
  if (size < 8) {
    if (signed) coerceToSizeSx(w, size);
    else coerceToSize(w, size);
  }
  const r = Object.freeze(freeze(w));
  LOADS[key] = r;
  return r;
}

/** Concrete BPF_END semantics on a little-endian host (x86-64): `le` truncates, `be`/`bswap` swap. */
export function concreteEndian(x: bigint, kind: 'le' | 'be' | 'bswap', bits: 16 | 32 | 64): bigint {
  const m = bits === 64 ? M64 : (1n << BigInt(bits)) - 1n;
  if (kind === 'le') return x & m;
  let r = 0n;
  for (let i = 0; i < bits; i += 8) r = (r << 8n) | ((x >> BigInt(i)) & 0xffn);
  return r;
}

/**
 * A precise BPF_END result (the kernel does not track byte swaps and makes the register unknown; this
 * is for analyses that want more). Sound: the tnum is permuted bytewise like the value; bounds follow.
 */
export function scalarEndianPrecise(s: Scalar, kind: 'le' | 'be' | 'bswap', bits: 16 | 32 | 64): Scalar {
  const w = load(X, s);
  if (kind === 'le') {
    if (bits === 64) return s;
    coerceToSize(w, bits / 8);
    return freeze(w);
  }
  const t = tnumBswap(w.t, bits);
  markUnknown(w);
  w.t = t;
  updateBounds(w);
  sync(w);
  return freeze(w);
}

export { S64_MIN, S64_MAX };
