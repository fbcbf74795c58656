// The scalar abstract domain: a tnum (known bits) together with unsigned and signed bounds in
// 64 and 32 bits, kept in sync as the kernel's reg_bounds_sync() does.
// This file fixes the *type*; the transfer functions live in the sibling modules and are collected
// into the `Scalar` and `Tnum` namespaces below (issue 3).
//
// Kernel reference: kernel/bpf/verifier.c and kernel/bpf/tnum.c (Linux 6.12 source in
// .cache/linux-source-6.12), with the running 6.18 kernel's changes where noted in alu.ts / tnum.ts.
// Every result is sound: it contains every concrete result of the operation on members of the inputs
// (property-tested in test/core/verifier/domain/).

import {
  S32_MAX, S32_MIN, S64_MAX, S64_MIN, U32_MAX, freeze, load, markKnown, markKnown32, newW, sync, wellFormed,
} from './bounds';
import { ZERO_SCALAR, UNKNOWN_SCALAR, constScalar, scalarAlu, scalarNeg, zext32 } from './alu';
import { scalarBranch, branchTaken } from './branch';
import type { BranchResult } from './branch';
import {
  coerceToSizeSx, scalarEndianPrecise, scalarFromLoad, scalarMovsx, scalarSext, scalarTruncate,
} from './convert';
import { scalarToString } from './format';
import { Memo } from './memo';
import { LO32, M64, TnumOps, tnumIn, tnumRange, tnumUnion } from './tnum';

/** Known bits: a bit is known when its mask bit is 0, and then equals the value bit. value & mask == 0. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export interface Scalar {
  readonly tnum: Tnum;
  /** 64-bit bounds: unsigned in [0, 2^64), signed in [-2^63, 2^63). */
  readonly umin: bigint;
  readonly umax: bigint;
  readonly smin: bigint;
  readonly smax: bigint;
  /** 32-bit bounds of the low word: unsigned in [0, 2^32), signed in [-2^31, 2^31). */
  readonly u32min: number;
  readonly u32max: number;
  readonly s32min: number;
  readonly s32max: number;
}

export type { BranchResult };

export const Tnum = TnumOps;

const W1 = newW();

/** Field-wise equality; the number fields first (cheap comparisons, and they often differ). */
function equals(a: Scalar, b: Scalar): boolean {
  return a === b || (a.u32min === b.u32min && a.u32max === b.u32max && a.s32min === b.s32min &&
    a.s32max === b.s32max && a.tnum.mask === b.tnum.mask && a.tnum.value === b.tnum.value &&
    a.umin === b.umin && a.umax === b.umax && a.smin === b.smin && a.smax === b.smax);
}

/**
 * Smallest state of this domain containing both: per-component hulls and the tnum union, then synced
 * (sync only removes values outside some component, which neither input has).
 * Quick exit: when one operand subsumes the other, every hull is that operand's component and the tnum
 * union is its tnum (tnumIn(a, b) means b's unknown bits are unknown in a and their known bits agree where
 * a's are known), so the result is sync(that operand); when sync leaves it unchanged it is returned as is.
 */
function join(a: Scalar, b: Scalar): Scalar {
  if (a === b || equals(a, b)) return a;
  if (subsumes(a, b) && syncFixed(a)) return a;
  if (subsumes(b, a) && syncFixed(b)) return b;
  const w = W1;
  w.t = tnumUnion(a.tnum, b.tnum);
  w.umin = a.umin < b.umin ? a.umin : b.umin;
  w.umax = a.umax > b.umax ? a.umax : b.umax;
  w.smin = a.smin < b.smin ? a.smin : b.smin;
  w.smax = a.smax > b.smax ? a.smax : b.smax;
  w.u32min = Math.min(a.u32min, b.u32min);
  w.u32max = Math.max(a.u32max, b.u32max);
  w.s32min = Math.min(a.s32min, b.s32min);
  w.s32max = Math.max(a.s32max, b.s32max);
  sync(w);
  return freeze(w);
}

/** Whether reg_bounds_sync leaves s unchanged (cached per object; scalars are immutable). */
const SYNC_FIXED = new Memo<Scalar, boolean>();
function syncFixed(s: Scalar): boolean {
  let r = SYNC_FIXED.get(s);
  if (r === undefined) {
    const w = load(W1, s);
    sync(w);
    r = w.t.value === s.tnum.value && w.t.mask === s.tnum.mask && w.umin === s.umin && w.umax === s.umax &&
      w.smin === s.smin && w.smax === s.smax && w.u32min === s.u32min && w.u32max === s.u32max &&
      w.s32min === s.s32min && w.s32max === s.s32max;
    SYNC_FIXED.set(s, r);
  }
  return r;
}

/**
 * The kernel's range_within(old, cur) && tnum_in(old, cur): every value of cur is a value of old.
 * The tnum test avoids bigint arithmetic for constant, unknown and below-2^32 tnums (same answer as
 * tnumIn: for tnums below 2^32 the bigint and the 32-bit number operations agree bit for bit).
 */
function subsumes(old: Scalar, cur: Scalar): boolean {
  if (old === cur) return true;
  const a = old.tnum;
  const b = cur.tnum;
  // A constant tnum holds only its value: different constants never subsume (tnumIn is false).
  if (a.mask === 0n && (b.mask !== 0n || a.value !== b.value)) return false;
  // The 32-bit bounds (numbers) first: cheaper than the bigint comparisons.
  if (!(old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max && old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin &&
    old.smax >= cur.smax)) return false;
  if (a.mask === 0n) return true; // equal constant tnums (checked above)
  if (a.mask === M64 && a.value === 0n) return true;
  if (a.value <= LO32 && a.mask <= LO32 && b.value <= LO32 && b.mask <= LO32) {
    const am = Number(a.mask);
    const bv = Number(b.value);
    const bm = Number(b.mask);
    return (bm & ~am) === 0 && Number(a.value) === ((bv & ~am) >>> 0);
  }
  return tnumIn(a, b);
}

export const Scalar = {
  /** Exact 64-bit constant (negative values are taken as two's complement). */
  const: (v: bigint): Scalar => constScalar(v),
  zero: ZERO_SCALAR,
  unknown: (): Scalar => UNKNOWN_SCALAR,
  /** All values in [min, max] (unsigned 64-bit). */
  fromU64Range(min: bigint, max: bigint): Scalar {
    const w = load(W1, UNKNOWN_SCALAR);
    w.umin = min & M64;
    w.umax = max & M64;
    w.t = tnumRange(w.umin, w.umax);
    sync(w);
    return freeze(w);
  },
  /** All values in [min, max] (signed 64-bit). */
  fromS64Range(min: bigint, max: bigint): Scalar {
    const w = load(W1, UNKNOWN_SCALAR);
    w.smin = min;
    w.smax = max;
    sync(w);
    return freeze(w);
  },
  fromTnum(t: Tnum): Scalar {
    const w = load(W1, UNKNOWN_SCALAR);
    w.t = { value: t.value & M64 & ~t.mask, mask: t.mask & M64 };
    sync(w);
    return freeze(w);
  },
  isConst: (s: Scalar): boolean => s.tnum.mask === 0n,
  /** The low word is known. */
  isConst32: (s: Scalar): boolean => (s.tnum.mask & 0xffffffffn) === 0n,
  /** The constant as an unsigned 64-bit value (like the kernel's reg_const_value), or undefined. */
  constValue: (s: Scalar): bigint | undefined => (s.tnum.mask === 0n ? s.tnum.value : undefined),
  /** The constant as a signed 64-bit value, or undefined. */
  constSigned: (s: Scalar): bigint | undefined => (s.tnum.mask === 0n ? s.smin : undefined),
  isUnknown: (s: Scalar): boolean => equals(s, UNKNOWN_SCALAR),
  /** reg_bounds_sync. */
  sync(s: Scalar): Scalar {
    const w = load(W1, s);
    sync(w);
    return freeze(w);
  },
  /** The kernel's reg_bounds_sanity_check: false when the state describes no value at all. */
  wellFormed: (s: Scalar): boolean => wellFormed(load(W1, s)),
  equals,
  join,
  subsumes,
  /** Concrete membership (for tests and the emulator's cross-checks). */
  contains(s: Scalar, x: bigint): boolean {
    const u = x & M64;
    if ((u & ~s.tnum.mask) !== s.tnum.value) return false;
    const sv = BigInt.asIntN(64, u);
    if (u < s.umin || u > s.umax || sv < s.smin || sv > s.smax) return false;
    const u32 = Number(u & 0xffffffffn);
    const s32 = u32 | 0;
    return u32 >= s.u32min && u32 <= s.u32max && s32 >= s.s32min && s32 <= s.s32max;
  },
  toString: scalarToString,
  /**
   * `dst op= src` (op: AluOp value; ADD SUB MUL DIV MOD OR AND XOR LSH RSH ARSH MOV). 32-bit forms work on
   * the low words and zero-extend. For BPF_K pass Scalar.const(imm) with imm sign-extended, as the
   * kernel does. Shifts by a non-constant or out-of-range amount, DIV and MOD give unknown (kernel).
   */
  alu: scalarAlu,
  /** BPF_NEG: 0 - x in the given width. */
  neg: scalarNeg,
  /**
   * BPF_END on a little-endian host: `le` keeps the low bits (a no-op for 64), `be`/`bswap` swap the
   * bytes of the tnum and re-derive the bounds. The running 6.18 kernel tracks byte swaps this way
   * (checked by kernelDiff.test.ts); the 6.12 source made the register unknown.
   */
  endian: scalarEndianPrecise,
  endianPrecise: scalarEndianPrecise,
  /** MOVSX: `r = (s8|s16|s32) r2` (is64) or `w = (s8|s16) w2`. */
  movsx: scalarMovsx,
  /** w = w (zero-extend the low word), zext_32_to_64 + reg_bounds_sync. */
  zext32,
  /** coerce_reg_to_size: keep the low sizeBytes bytes (narrow loads, spills). */
  truncate: scalarTruncate,
  /** coerce_reg_to_size_sx: sign-extend the low sizeBytes bytes (sign-extending loads). */
  sext: scalarSext,
  /** An unknown value loaded with a sizeBytes-wide (sign-extending when `signed`) load. */
  fromLoad: scalarFromLoad,
  /** `if a op b` (op: JmpOp value). See BranchResult. */
  branch: (op: number, a: Scalar, b: Scalar, is32: boolean): BranchResult => scalarBranch(op, a, b, is32),
  /** is_scalar_branch_taken alone: 1 always, 0 never, -1 unknown. */
  branchTaken: (op: number, a: Scalar, b: Scalar, is32: boolean): 0 | 1 | -1 => branchTaken(a, b, op, is32),
  /**
   * The kernel's maybe_fork_scalars: before `dst &= K` / `dst |= K` (K a 64-bit constant) with dst in
   * [-1, 0] (64-bit signed, else 32-bit signed), the kernel explores dst = 0 and dst = -1 separately
   * (it continues with minusOne and pushes zero). For the 32-bit case only the low word is made known.
   * Returns null when no fork happens.
   */
  forkNegOneZero(dst: Scalar): { zero: Scalar; minusOne: Scalar; alu32: boolean } | null {
    if (dst.smin === -1n && dst.smax === 0n) {
      return { zero: ZERO_SCALAR, minusOne: constScalar(-1n), alu32: false };
    }
    if (dst.s32min === -1 && dst.s32max === 0) {
      const z = load(W1, dst);
      markKnown32(z, 0n);
      const zero = freeze(z);
      const m = load(W1, dst);
      markKnown32(m, 0xffffffffn);
      return { zero, minusOne: freeze(m), alu32: true };
    }
    return null;
  },
} as const;

/** Internal pieces for tests. */
export const ScalarInternals = {
  S64_MIN, S64_MAX, S32_MIN, S32_MAX, U32_MAX, markKnown, coerceToSizeSx,
};
