// Scalar ALU transfer functions, matching the kernel's adjust_scalar_min_max_vals() and the
// scalar{32,}_min_max_* helpers (kernel/bpf/verifier.c). Reference: Linux 6.12 source, with the
// behaviour of the running 6.18 kernel where it differs (noted per function):
//  - add/sub: unsigned bounds survive when all or none of the additions wrap (6.17+).
//  - mul: signed bounds from the four corner products, unsigned with an overflow check (6.14+).
//  - neg: tracked as 0 - x (6.14+; 6.12 made the register unknown).
//  - div/mod and bswap/endian: the kernel does not track them; the result is unknown (a fully unknown
//    64-bit register, even for 32-bit forms, exactly like __mark_reg_unknown).
// Soundness of every function: with x in dst and y in src, op(x, y) (computed in the instruction's
// width, 32-bit results zero-extended) is a member of the result.

import type { Scalar } from './scalar';
import { PairMemo } from './memo';
import {
  type W, S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, freeze, load, lo32s, lo32u, markKnown, markKnown32,
  markUnbounded32, markUnbounded64, markUnknown, newW, sync, toS64, updateBounds, updateBounds32, zext,
} from './bounds';
import {
  LO32, M64, tnumAdd, tnumAnd, tnumArshift, tnumLshift, tnumMul, tnumOr, tnumRshift, tnumSub, tnumSubreg,
  tnumXor,
} from './tnum';

/** AluOp values (server/src/core/isa/opcodes.ts). */
const ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50, LSH = 0x60, RSH = 0x70,
  MOD = 0x90, XOR = 0xa0, MOV = 0xb0, ARSH = 0xc0;

const D: W = newW();
const S: W = newW();

/**
 * Test hook: constFastPath off makes tests compare the constant fast path with the general path.
 * memo: per-operand-object result tables for alu and branch (memo.ts). Measured with
 * bench/domain.bench.ts, verify(xdp_firewall) median over 15 alternating runs: 98 ms with the tables
 * (plain Maps) vs 117 ms without; the earlier WeakMap tables were slower than none (186 vs 159 ms).
 */
export const aluConfig = { constFastPath: true, memo: true };

export const UNKNOWN_SCALAR: Scalar = Object.freeze(freeze(newW()));

// ---- add / sub -------------------------------------------------------------------------------

/** Signed: exact unless a corner sum overflows. Unsigned: the sums keep their order when either all or
 * no sums wrap (min wraps => max wraps since min <= max); otherwise unbounded. */
function add32(d: W, s: W): void {
  const smin = d.s32min + s.s32min;
  const smax = d.s32max + s.s32max;
  if (smin < S32_MIN || smin > S32_MAX || smax < S32_MIN || smax > S32_MAX) {
    d.s32min = S32_MIN; d.s32max = S32_MAX;
  } else {
    d.s32min = smin; d.s32max = smax;
  }
  const umin = d.u32min + s.u32min;
  const umax = d.u32max + s.u32max;
  const minOv = umin > U32_MAX;
  const maxOv = umax > U32_MAX;
  if (!minOv && maxOv) {
    d.u32min = 0; d.u32max = U32_MAX;
  } else {
    d.u32min = umin >>> 0; d.u32max = umax >>> 0;
  }
}

function add64(d: W, s: W): void {
  const smin = d.smin + s.smin;
  const smax = d.smax + s.smax;
  if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) {
    d.smin = S64_MIN; d.smax = S64_MAX;
  } else {
    d.smin = smin; d.smax = smax;
  }
  const umin = d.umin + s.umin;
  const umax = d.umax + s.umax;
  const minOv = umin > M64;
  const maxOv = umax > M64;
  if (!minOv && maxOv) {
    d.umin = 0n; d.umax = M64;
  } else {
    d.umin = umin & M64; d.umax = umax & M64;
  }
}

/** x - y over [dmin - smax, dmax - smin]; unsigned survives when all or no differences borrow. */
function sub32(d: W, s: W): void {
  const smin = d.s32min - s.s32max;
  const smax = d.s32max - s.s32min;
  if (smin < S32_MIN || smin > S32_MAX || smax < S32_MIN || smax > S32_MAX) {
    d.s32min = S32_MIN; d.s32max = S32_MAX;
  } else {
    d.s32min = smin; d.s32max = smax;
  }
  const umin = d.u32min - s.u32max;
  const umax = d.u32max - s.u32min;
  if (umin < 0 && umax >= 0) {
    d.u32min = 0; d.u32max = U32_MAX;
  } else {
    d.u32min = umin >>> 0; d.u32max = umax >>> 0;
  }
}

function sub64(d: W, s: W): void {
  const smin = d.smin - s.smax;
  const smax = d.smax - s.smin;
  if (smin < S64_MIN || smin > S64_MAX || smax < S64_MIN || smax > S64_MAX) {
    d.smin = S64_MIN; d.smax = S64_MAX;
  } else {
    d.smin = smin; d.smax = smax;
  }
  const umin = d.umin - s.umax;
  const umax = d.umax - s.umin;
  if (umin < 0n && umax >= 0n) {
    d.umin = 0n; d.umax = M64;
  } else {
    d.umin = umin & M64; d.umax = umax & M64;
  }
}

// ---- mul -------------------------------------------------------------------------------------

/** Unsigned: monotone in both operands, exact unless a corner product overflows. Signed: the
 * extremes of a product over a box are at its corners, exact unless a corner overflows. */
function mul32(d: W, s: W): void {
  const umax = d.u32max * s.u32max;
  const umin = d.u32min * s.u32min;
  // Doubles are exact below 2^53 and rounding is monotone, so "> U32_MAX" is decided correctly.
  if (umax > U32_MAX || umin > U32_MAX) {
    d.u32min = 0; d.u32max = U32_MAX;
  } else {
    d.u32min = umin; d.u32max = umax;
  }
  const p0 = d.s32min * s.s32min;
  const p1 = d.s32min * s.s32max;
  const p2 = d.s32max * s.s32min;
  const p3 = d.s32max * s.s32max;
  if (p0 < S32_MIN || p0 > S32_MAX || p1 < S32_MIN || p1 > S32_MAX || p2 < S32_MIN || p2 > S32_MAX ||
      p3 < S32_MIN || p3 > S32_MAX) {
    d.s32min = S32_MIN; d.s32max = S32_MAX;
  } else {
    d.s32min = Math.min(p0, p1, p2, p3) | 0;
    d.s32max = Math.max(p0, p1, p2, p3) | 0;
  }
}

function mul64(d: W, s: W): void {
  const umax = d.umax * s.umax;
  const umin = d.umin * s.umin;
  if (umax > M64 || umin > M64) {
    d.umin = 0n; d.umax = M64;
  } else {
    d.umin = umin; d.umax = umax;
  }
  const p0 = d.smin * s.smin;
  const p1 = d.smin * s.smax;
  const p2 = d.smax * s.smin;
  const p3 = d.smax * s.smax;
  if (p0 < S64_MIN || p0 > S64_MAX || p1 < S64_MIN || p1 > S64_MAX || p2 < S64_MIN || p2 > S64_MAX ||
      p3 < S64_MIN || p3 > S64_MAX) {
    d.smin = S64_MIN; d.smax = S64_MAX;
  } else {
    let lo = p0, hi = p0;
    if (p1 < lo) lo = p1; if (p1 > hi) hi = p1;
    if (p2 < lo) lo = p2; if (p2 > hi) hi = p2;
    if (p3 < lo) lo = p3; if (p3 > hi) hi = p3;
    d.smin = lo; d.smax = hi;
  }
}

// ---- bitwise ---------------------------------------------------------------------------------
// The tnum has already been updated by the caller. x & y <= min(x, y) and >= the known-1 bits;
// x | y >= max(x, y) and <= the may-be-1 bits; xor is bounded by the tnum alone. Signed bounds are
// copied from unsigned ones only when the unsigned range does not cross the sign boundary.

function and32(d: W, s: W, srcKnown: boolean, dstKnown: boolean): void {
  const v = lo32u(d.t.value);
  if (srcKnown && dstKnown) {
    markKnown32(d, BigInt(v));
    return;
  }
  d.u32min = v;
  if (s.u32max < d.u32max) d.u32max = s.u32max;
  signed32FromUnsigned(d);
}

function and64(d: W, s: W, srcKnown: boolean, dstKnown: boolean): void {
  if (srcKnown && dstKnown) {
    markKnown(d, d.t.value);
    return;
  }
  d.umin = d.t.value;
  if (s.umax < d.umax) d.umax = s.umax;
  signed64FromUnsigned(d);
  updateBounds(d);
}

function or32(d: W, s: W, srcKnown: boolean, dstKnown: boolean): void {
  const v = lo32u(d.t.value);
  if (srcKnown && dstKnown) {
    markKnown32(d, BigInt(v));
    return;
  }
  if (s.u32min > d.u32min) d.u32min = s.u32min;
  d.u32max = (v | lo32u(d.t.mask)) >>> 0;
  signed32FromUnsigned(d);
}

function or64(d: W, s: W, srcKnown: boolean, dstKnown: boolean): void {
  if (srcKnown && dstKnown) {
    markKnown(d, d.t.value);
    return;
  }
  if (s.umin > d.umin) d.umin = s.umin;
  d.umax = d.t.value | d.t.mask;
  signed64FromUnsigned(d);
  updateBounds(d);
}

function xor32(d: W, srcKnown: boolean, dstKnown: boolean): void {
  const v = lo32u(d.t.value);
  if (srcKnown && dstKnown) {
    markKnown32(d, BigInt(v));
    return;
  }
  d.u32min = v;
  d.u32max = (v | lo32u(d.t.mask)) >>> 0;
  signed32FromUnsigned(d);
}

function xor64(d: W, srcKnown: boolean, dstKnown: boolean): void {
  if (srcKnown && dstKnown) {
    markKnown(d, d.t.value);
    return;
  }
  d.umin = d.t.value;
  d.umax = d.t.value | d.t.mask;
  signed64FromUnsigned(d);
  updateBounds(d);
}

function signed32FromUnsigned(d: W): void {
  if ((d.u32min | 0) <= (d.u32max | 0)) {
    d.s32min = d.u32min | 0; d.s32max = d.u32max | 0;
  } else {
    d.s32min = S32_MIN; d.s32max = S32_MAX;
  }
}

function signed64FromUnsigned(d: W): void {
  const a = toS64(d.umin);
  const b = toS64(d.umax);
  if (a <= b) {
    d.smin = a; d.smax = b;
  } else {
    d.smin = S64_MIN; d.smax = S64_MAX;
  }
}

// ---- shifts (shift amount known constant, < width) ---------------------------------------------

/** x << k keeps unsigned order while the top set bit cannot leave the word; signed bounds are lost
 * (they are re-derived from the tnum). */
function lsh32Bounds(d: W, kmin: number, kmax: number): void {
  d.s32min = S32_MIN; d.s32max = S32_MAX;
  if (kmax > 31 || d.u32max > 2 ** (31 - kmax)) {
    d.u32min = 0; d.u32max = U32_MAX;
  } else {
    d.u32min = (d.u32min * 2 ** kmin) >>> 0;
    d.u32max = (d.u32max * 2 ** kmax) >>> 0;
  }
}

function lsh64Bounds(d: W, kmin: number, kmax: number): void {
  // << 32 of a sign-extended subregister: s32 bounds shifted up stay ordered as s64.
  if (kmin === 32 && kmax === 32) {
    d.smax = BigInt(d.s32max) << 32n;
    d.smin = BigInt(d.s32min) << 32n;
  } else {
    d.smax = S64_MAX; d.smin = S64_MIN;
  }
  if (d.umax > 1n << BigInt(63 - kmax)) {
    d.umin = 0n; d.umax = M64;
  } else {
    d.umin = (d.umin << BigInt(kmin)) & M64;
    d.umax = (d.umax << BigInt(kmax)) & M64;
  }
}

function lsh32(d: W, k: number): void {
  const sub = tnumSubreg(d.t);
  lsh32Bounds(d, k, k);
  d.t = tnumSubreg(tnumLshift(sub, k));
  markUnbounded64(d);
  updateBounds32(d);
}

function lsh64(d: W, k: number): void {
  lsh64Bounds(d, k, k);
  lsh32Bounds(d, k, k);
  d.t = tnumLshift(d.t, k);
  updateBounds(d);
}

/** Logical right shift: unsigned order preserved; signed bounds re-derived from the tnum. */
function rsh32(d: W, k: number): void {
  const sub = tnumSubreg(d.t);
  d.s32min = S32_MIN; d.s32max = S32_MAX;
  d.t = tnumRshift(sub, k);
  d.u32min = d.u32min >>> k;
  d.u32max = d.u32max >>> k;
  markUnbounded64(d);
  updateBounds32(d);
}

function rsh64(d: W, k: number): void {
  d.smin = S64_MIN; d.smax = S64_MAX;
  d.t = tnumRshift(d.t, k);
  const kb = BigInt(k);
  d.umin >>= kb;
  d.umax >>= kb;
  markUnbounded32(d);
  updateBounds(d);
}

/** Arithmetic right shift is monotone in the signed order; unsigned bounds re-derived from the tnum. */
function arsh32(d: W, k: number): void {
  d.s32min = d.s32min >> k;
  d.s32max = d.s32max >> k;
  d.t = tnumArshift(tnumSubreg(d.t), k, 32);
  d.u32min = 0; d.u32max = U32_MAX;
  markUnbounded64(d);
  updateBounds32(d);
}

function arsh64(d: W, k: number): void {
  const kb = BigInt(k);
  d.smin >>= kb;
  d.smax >>= kb;
  d.t = tnumArshift(d.t, k, 64);
  d.umin = 0n; d.umax = M64;
  markUnbounded32(d);
  updateBounds(d);
}

// ---- concrete semantics (used by the constant fast path and by tests) ---------------------------

/** The instruction's concrete result (kernel semantics: x/0 = 0, x%0 = x; 32-bit results zero-extended).
 * Returns undefined for shifts by an amount >= the width (undefined in the ISA). */
export function concreteAlu(op: number, x: bigint, y: bigint, is64: boolean, signed = false): bigint | undefined {
  if (is64) {
    x &= M64; y &= M64;
    switch (op) {
      case ADD: return (x + y) & M64;
      case SUB: return (x - y) & M64;
      case MUL: return (x * y) & M64;
      case DIV:
        if (y === 0n) return 0n;
        if (signed) return BigInt.asUintN(64, BigInt.asIntN(64, BigInt.asIntN(64, x) / BigInt.asIntN(64, y)));
        return x / y;
      case MOD:
        if (y === 0n) return x;
        if (signed) return BigInt.asUintN(64, BigInt.asIntN(64, x) % BigInt.asIntN(64, y));
        return x % y;
      case OR: return x | y;
      case AND: return x & y;
      case XOR: return x ^ y;
      case LSH: return y < 64n ? (x << y) & M64 : undefined;
      case RSH: return y < 64n ? x >> y : undefined;
      case ARSH: return y < 64n ? BigInt.asUintN(64, BigInt.asIntN(64, x) >> y) : undefined;
      case MOV: return y;
      default: return undefined;
    }
  }
  const a = Number(x & LO32);
  const b = Number(y & LO32);
  let r: number;
  switch (op) {
    case ADD: r = (a + b) >>> 0; break;
    case SUB: r = (a - b) >>> 0; break;
    case MUL: r = Math.imul(a, b) >>> 0; break;
    case DIV:
      if (b === 0) r = 0;
      else if (signed) r = Number(BigInt.asUintN(32, BigInt(a | 0) / BigInt(b | 0)));
      else r = Math.floor(a / b);
      break;
    case MOD:
      if (b === 0) r = a;
      else if (signed) r = ((a | 0) % (b | 0)) >>> 0;
      else r = a % b;
      break;
    case OR: r = (a | b) >>> 0; break;
    case AND: r = (a & b) >>> 0; break;
    case XOR: r = (a ^ b) >>> 0; break;
    case LSH: if (b >= 32) return undefined; r = (a << b) >>> 0; break;
    case RSH: if (b >= 32) return undefined; r = a >>> b; break;
    case ARSH: if (b >= 32) return undefined; r = ((a | 0) >> b) >>> 0; break;
    case MOV: r = b; break;
    default: return undefined;
  }
  return BigInt(r);
}

// ---- entry point -----------------------------------------------------------------------------

/** Result of `dst op= src` for scalars (adjust_scalar_min_max_vals). For BPF_K, pass src = Scalar.const(imm)
 * with imm sign-extended to 64 bits, as the kernel does. */
export function scalarAlu(op: number, dst: Scalar, src: Scalar, is64: boolean, signed = false): Scalar {
  // Scalars are immutable and the transfer function is pure, so results are memoised per input
  // objects (the verifier re-runs the same instructions on the same state objects along many paths).
  if (!aluConfig.memo || !aluConfig.constFastPath) return aluUncached(op, dst, src, is64, signed);
  const key = (op >> 4) | (is64 ? 16 : 0) | (signed ? 32 : 0);
  let r = ALU_MEMO.get(dst, src, key);
  if (r === undefined) ALU_MEMO.set(dst, src, key, (r = aluUncached(op, dst, src, is64, signed)));
  return r;
}

const ALU_MEMO = new PairMemo<Scalar, Scalar>();

function aluUncached(op: number, dst: Scalar, src: Scalar, is64: boolean, signed: boolean): Scalar {
  if (op === MOV) return is64 ? src : zext32(src);
  if (op === DIV || op === MOD) return UNKNOWN_SCALAR; // not tracked by the kernel (any width)
  void signed;
  const isShift = op === LSH || op === RSH || op === ARSH;
  if (isShift) {
    // is_safe_to_compute_dst_reg_range: constant amount below the width (the 64-bit umax is checked
    // even for 32-bit shifts).
    const bits = is64 ? 64n : 32n;
    const srcConst = is64 ? src.tnum.mask === 0n && src.smin === src.smax && src.umin === src.umax
      : (src.tnum.mask & LO32) === 0n && src.s32min === src.s32max && src.u32min === src.u32max;
    if (!srcConst || src.umax >= bits) return UNKNOWN_SCALAR;
  } else if (op !== ADD && op !== SUB && op !== MUL && op !== AND && op !== OR && op !== XOR) {
    return UNKNOWN_SCALAR;
  }

  if (aluConfig.constFastPath) {
    const known = is64 ? dst.tnum.mask === 0n && src.tnum.mask === 0n
      : (dst.tnum.mask & LO32) === 0n && (src.tnum.mask & LO32) === 0n;
    if (known) {
      const r = concreteAlu(op, dst.tnum.value, src.tnum.value, is64)!;
      return constScalar(r);
    }
  }

  const d = load(D, dst);
  const s = load(S, src);
  switch (op) {
    case ADD:
      add32(d, s);
      add64(d, s);
      d.t = tnumAdd(d.t, s.t);
      break;
    case SUB:
      sub32(d, s);
      sub64(d, s);
      d.t = tnumSub(d.t, s.t);
      break;
    case MUL:
      d.t = tnumMul(d.t, s.t);
      mul32(d, s);
      mul64(d, s);
      break;
    case AND: {
      // The kernel forks [-1, 0] operands first (maybe_fork_scalars); see Scalar.forkNegOneZero.
      // Like the kernel, "dst known" is asked of the result's tnum.
      d.t = tnumAnd(d.t, s.t);
      const srcK32 = (s.t.mask & LO32) === 0n;
      const dstK32 = (d.t.mask & LO32) === 0n;
      const srcK = s.t.mask === 0n;
      const dstK = d.t.mask === 0n;
      and32(d, s, srcK32, dstK32);
      and64(d, s, srcK, dstK);
      break;
    }
    case OR: {
      // Like the kernel, "dst known" is asked of the result's tnum.
      d.t = tnumOr(d.t, s.t);
      const srcK32 = (s.t.mask & LO32) === 0n;
      const dstK32 = (d.t.mask & LO32) === 0n;
      const srcK = s.t.mask === 0n;
      const dstK = d.t.mask === 0n;
      or32(d, s, srcK32, dstK32);
      or64(d, s, srcK, dstK);
      break;
    }
    case XOR: {
      // Like the kernel, "dst known" is asked of the result's tnum.
      d.t = tnumXor(d.t, s.t);
      const srcK32 = (s.t.mask & LO32) === 0n;
      const dstK32 = (d.t.mask & LO32) === 0n;
      const srcK = s.t.mask === 0n;
      const dstK = d.t.mask === 0n;
      xor32(d, srcK32, dstK32);
      xor64(d, srcK, dstK);
      break;
    }
    case LSH:
      if (is64) lsh64(d, Number(s.umin)); else lsh32(d, s.u32min);
      break;
    case RSH:
      if (is64) rsh64(d, Number(s.umin)); else rsh32(d, s.u32min);
      break;
    case ARSH:
      if (is64) arsh64(d, Number(s.umin)); else arsh32(d, s.u32min);
      break;
  }
  if (!is64) zext(d);
  sync(d);
  return freeze(d);
}

/** Exact constant scalar. */
export function constScalar(v: bigint): Scalar {
  if (v < 0n || v > M64) v &= M64;
  // Small constants (below 4096, or within 4096 of 2^64: small negative immediates) are interned so that
  // memoisation by identity works for immediates; arrays indexed by the low 12 bits find them.
  let table: Scalar[] | undefined;
  let idx = 0;
  if (v < 4096n) { table = SMALL; idx = Number(v); } else if (v > M64_MINUS_4096) { table = NEGSMALL; idx = Number(v & 0xfffn); }
  if (table) {
    const hit = table[idx];
    if (hit) return hit;
  }
  const w = D;
  markKnown(w, v);
  const r = freeze(w);
  if (table) table[idx] = Object.freeze(r);
  return r;
}

const SMALL: Scalar[] = new Array<Scalar>(4096);
const NEGSMALL: Scalar[] = new Array<Scalar>(4096);
const M64_MINUS_4096 = M64 - 4096n;

/** w = (u32) src: zero-extend the low word (zext_32_to_64 + reg_bounds_sync). */
export function zext32(src: Scalar): Scalar {
  if (src.tnum.mask === 0n && src.tnum.value <= LO32) return src;
  const d = load(D, src);
  zext(d);
  sync(d);
  return freeze(d);
}

/** 0 - x in the given width (the kernel's BPF_NEG tracking). */
export function scalarNeg(src: Scalar, is64: boolean): Scalar {
  return scalarAlu(SUB, ZERO_SCALAR, src, is64);
}

export const ZERO_SCALAR: Scalar = Object.freeze(constScalar(0n));

/** Kept for callers that want an unknown in a fresh object. */
export function unknownW(): W {
  const w = newW();
  markUnknown(w);
  return w;
}

export { toS64, lo32s };
