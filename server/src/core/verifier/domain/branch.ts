// Conditional jumps on two scalars: the kernel's is_scalar_branch_taken() (is the outcome decided?)
// and regs_refine_cond_op() + reg_bounds_sync() (what each edge learns), kernel/bpf/verifier.c,
// Linux 6.12. Pointer comparisons are the interpreter's business.

import type { Scalar } from './scalar';
import { PairMemo } from './memo';
import { aluConfig } from './alu';
import {
  type W, freeze, load, lo32s, lo32u, markUnbounded32, markUnbounded64, newW, sync, toS64, wellFormed,
} from './bounds';
import {
  LO32, M64, tnumAnd, tnumConst, tnumIntersect, tnumOr, tnumOverlap, tnumSubreg, tnumWithSubreg,
} from './tnum';

export const JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50, JSGT = 0x60, JSGE = 0x70,
  JLT = 0xa0, JLE = 0xb0, JSLT = 0xc0, JSLE = 0xd0;
/** "not JSET", the false edge of JSET (the kernel spells it JSET | BPF_X). */
const JNSET = 0x48;

export interface BranchResult {
  /** 1: always taken, 0: never taken, -1: depends on the values. */
  readonly taken: 0 | 1 | -1;
  /** Refined (a, b) on the taken edge; null when the edge cannot be taken. */
  readonly ifTrue: [Scalar, Scalar] | null;
  /** Refined (a, b) on the fall-through edge; null when it cannot be taken. */
  readonly ifFalse: [Scalar, Scalar] | null;
  /**
   * Present when `taken` is -1 but refinement proved an edge empty (its entry above is null). The
   * kernel cannot tell: it explores such an edge anyway, after its bounds sanity check resets the
   * offending register's ranges to unbounded (the tnum is kept). These are those states, for an
   * interpreter that wants to follow the kernel onto dead paths (observed with Linux 6.18: the log shows
   * the edge explored, e.g. `R6=0` where the refined tnum became the constant 0).
   */
  readonly kernelDead?: { readonly ifTrue?: [Scalar, Scalar]; readonly ifFalse?: [Scalar, Scalar] };
}

function isConstW(s: Scalar, is32: boolean): boolean {
  return is32 ? (s.tnum.mask & LO32) === 0n : s.tnum.mask === 0n;
}

/** Swap the operands of a comparison: a op b  <=>  b flip(op) a. */
export function flipOpcode(op: number): number {
  switch (op) {
    case JGE: return JLE;
    case JGT: return JLT;
    case JLE: return JGE;
    case JLT: return JGT;
    case JSGE: return JSLE;
    case JSGT: return JSLT;
    case JSLE: return JSGE;
    case JSLT: return JSGT;
    default: return op;
  }
}

/** Negation of a comparison (the condition on the fall-through edge). */
export function revOpcode(op: number): number {
  switch (op) {
    case JEQ: return JNE;
    case JNE: return JEQ;
    case JSET: return JNSET;
    case JNSET: return JSET;
    case JGE: return JLT;
    case JGT: return JLE;
    case JLE: return JGT;
    case JLT: return JGE;
    case JSGE: return JSLT;
    case JSGT: return JSLE;
    case JSLE: return JSGT;
    case JSLT: return JSGE;
    default: return 0;
  }
}

/**
 * Decides `a op b` from the ranges alone when every pair of members agrees (is_scalar_branch_taken).
 * Never lies: each "1"/"0" answer follows from disjoint or ordered ranges / tnums.
 */
export function branchTaken(a: Scalar, b: Scalar, op: number, is32: boolean): 0 | 1 | -1 {
  let t1 = a.tnum;
  let t2 = b.tnum;
  let umin1: bigint | number, umax1: bigint | number, smin1: bigint | number, smax1: bigint | number;
  let umin2: bigint | number, umax2: bigint | number, smin2: bigint | number, smax2: bigint | number;
  if (is32) {
    t1 = tnumSubreg(t1); t2 = tnumSubreg(t2);
    umin1 = a.u32min; umax1 = a.u32max; smin1 = a.s32min; smax1 = a.s32max;
    umin2 = b.u32min; umax2 = b.u32max; smin2 = b.s32min; smax2 = b.s32max;
  } else {
    umin1 = a.umin; umax1 = a.umax; smin1 = a.smin; smax1 = a.smax;
    umin2 = b.umin; umax2 = b.umax; smin2 = b.smin; smax2 = b.smax;
  }
  switch (op) {
    case JEQ:
    case JNE: {
      const eq = op === JEQ ? 1 : 0;
      const ne = op === JEQ ? 0 : 1;
      if (t1.mask === 0n && t2.mask === 0n) return t1.value === t2.value ? eq : ne;
      if (!tnumOverlap(t1, t2)) return ne;
      if (umin1 > umax2 || umax1 < umin2) return ne;
      if (smin1 > smax2 || smax1 < smin2) return ne;
      if (!is32) {
        if (a.u32min > b.u32max || a.u32max < b.u32min) return ne;
        if (a.s32min > b.s32max || a.s32max < b.s32min) return ne;
      }
      return -1;
    }
    case JSET: {
      let x = a, y = b;
      if (!isConstW(y, is32)) { x = b; y = a; const t = t1; t1 = t2; t2 = t; }
      if (!isConstW(y, is32)) return -1;
      if ((~t1.mask & t1.value & t2.value) !== 0n) return 1;
      if (((t1.mask | t1.value) & t2.value) === 0n) return 0;
      void x;
      return -1;
    }
    case JGT:
      if (umin1 > umax2) return 1;
      if (umax1 <= umin2) return 0;
      return -1;
    case JSGT:
      if (smin1 > smax2) return 1;
      if (smax1 <= smin2) return 0;
      return -1;
    case JLT:
      if (umax1 < umin2) return 1;
      if (umin1 >= umax2) return 0;
      return -1;
    case JSLT:
      if (smax1 < smin2) return 1;
      if (smin1 >= smax2) return 0;
      return -1;
    case JGE:
      if (umin1 >= umax2) return 1;
      if (umax1 < umin2) return 0;
      return -1;
    case JSGE:
      if (smin1 >= smax2) return 1;
      if (smax1 < smin2) return 0;
      return -1;
    case JLE:
      if (umax1 <= umin2) return 1;
      if (umin1 > umax2) return 0;
      return -1;
    case JSLE:
      if (smax1 <= smin2) return 1;
      if (smin1 > smax2) return 0;
      return -1;
    default:
      return -1;
  }
}

function wConst(w: W, is32: boolean): boolean {
  return is32 ? (w.t.mask & LO32) === 0n : w.t.mask === 0n;
}

/**
 * Narrow r1 and r2 to the pairs that satisfy `r1 op r2` (regs_refine_cond_op). Soundness per case:
 * EQ intersects both; NE against a constant at an edge of a range drops that edge value; SET with a
 * single-bit constant sets that bit; not-SET clears the constant's bits; LE/LT/SLE/SLT cap r1 by r2's
 * maximum and raise r2 to r1's minimum (strictly for LT/SLT). Arithmetic wraps like the kernel's
 * (only reachable on edges is_branch_taken has not decided, where it cannot wrap).
 */
function refine(r1: W, r2: W, op: number, is32: boolean): void {
  switch (op) {
    case JGE: case JGT: case JSGE: case JSGT: {
      op = flipOpcode(op);
      const t = r1; r1 = r2; r2 = t;
      break;
    }
  }
  switch (op) {
    case JEQ:
      if (is32) {
        if (r2.u32min > r1.u32min) r1.u32min = r2.u32min;
        if (r2.u32max < r1.u32max) r1.u32max = r2.u32max;
        if (r2.s32min > r1.s32min) r1.s32min = r2.s32min;
        if (r2.s32max < r1.s32max) r1.s32max = r2.s32max;
        r2.u32min = r1.u32min; r2.u32max = r1.u32max; r2.s32min = r1.s32min; r2.s32max = r1.s32max;
        const t = tnumIntersect(tnumSubreg(r1.t), tnumSubreg(r2.t));
        r1.t = tnumWithSubreg(r1.t, t);
        r2.t = tnumWithSubreg(r2.t, t);
      } else {
        if (r2.umin > r1.umin) r1.umin = r2.umin;
        if (r2.umax < r1.umax) r1.umax = r2.umax;
        if (r2.smin > r1.smin) r1.smin = r2.smin;
        if (r2.smax < r1.smax) r1.smax = r2.smax;
        r2.umin = r1.umin; r2.umax = r1.umax; r2.smin = r1.smin; r2.smax = r1.smax;
        r1.t = tnumIntersect(r1.t, r2.t);
        r2.t = r1.t;
      }
      return;
    case JNE: {
      if (!wConst(r2, is32)) { const t = r1; r1 = r2; r2 = t; }
      if (!wConst(r2, is32)) return;
      const val = r2.t.value;
      if (is32) {
        const u = lo32u(val);
        const s = u | 0;
        if (r1.u32min === u) r1.u32min = (r1.u32min + 1) >>> 0;
        if (r1.u32max === u) r1.u32max = (r1.u32max - 1) >>> 0;
        if (r1.s32min === s) r1.s32min = (r1.s32min + 1) | 0;
        if (r1.s32max === s) r1.s32max = (r1.s32max - 1) | 0;
      } else {
        const s = toS64(val);
        if (r1.umin === val) r1.umin = (r1.umin + 1n) & M64;
        if (r1.umax === val) r1.umax = (r1.umax - 1n) & M64;
        if (r1.smin === s) r1.smin = toS64(r1.smin + 1n);
        if (r1.smax === s) r1.smax = toS64(r1.smax - 1n);
      }
      return;
    }
    case JSET: {
      if (!wConst(r2, is32)) { const t = r1; r1 = r2; r2 = t; }
      if (!wConst(r2, is32)) return;
      const val = is32 ? r2.t.value & LO32 : r2.t.value;
      // Only a single-bit mask tells which bit is set.
      if (val === 0n || (val & (val - 1n)) !== 0n) return;
      if (is32) r1.t = tnumWithSubreg(r1.t, tnumOr(tnumSubreg(r1.t), tnumConst(val)));
      else r1.t = tnumOr(r1.t, tnumConst(val));
      return;
    }
    case JNSET: {
      if (!wConst(r2, is32)) { const t = r1; r1 = r2; r2 = t; }
      if (!wConst(r2, is32)) return;
      const val = is32 ? r2.t.value & LO32 : r2.t.value;
      // The kernel forgets the ranges first (they are re-derived from the narrowed tnum).
      markUnbounded64(r1);
      markUnbounded32(r1);
      if (is32) r1.t = tnumWithSubreg(r1.t, tnumAnd(tnumSubreg(r1.t), tnumConst(~val & M64)));
      else r1.t = tnumAnd(r1.t, tnumConst(~val & M64));
      return;
    }
    case JLE:
      if (is32) {
        if (r2.u32max < r1.u32max) r1.u32max = r2.u32max;
        if (r1.u32min > r2.u32min) r2.u32min = r1.u32min;
      } else {
        if (r2.umax < r1.umax) r1.umax = r2.umax;
        if (r1.umin > r2.umin) r2.umin = r1.umin;
      }
      return;
    case JLT:
      if (is32) {
        const m = (r2.u32max - 1) >>> 0;
        if (m < r1.u32max) r1.u32max = m;
        const n = (r1.u32min + 1) >>> 0;
        if (n > r2.u32min) r2.u32min = n;
      } else {
        const m = (r2.umax - 1n) & M64;
        if (m < r1.umax) r1.umax = m;
        const n = (r1.umin + 1n) & M64;
        if (n > r2.umin) r2.umin = n;
      }
      return;
    case JSLE:
      if (is32) {
        if (r2.s32max < r1.s32max) r1.s32max = r2.s32max;
        if (r1.s32min > r2.s32min) r2.s32min = r1.s32min;
      } else {
        if (r2.smax < r1.smax) r1.smax = r2.smax;
        if (r1.smin > r2.smin) r2.smin = r1.smin;
      }
      return;
    case JSLT:
      if (is32) {
        const m = (r2.s32max - 1) | 0;
        if (m < r1.s32max) r1.s32max = m;
        const n = (r1.s32min + 1) | 0;
        if (n > r2.s32min) r2.s32min = n;
      } else {
        const m = toS64(r2.smax - 1n);
        if (m < r1.smax) r1.smax = m;
        const n = toS64(r1.smin + 1n);
        if (n > r2.smin) r2.smin = n;
      }
      return;
    default:
      return;
  }
}

const A: W = newW();
const B: W = newW();

let lastDead: [Scalar, Scalar] | undefined;

function edge(a: Scalar, b: Scalar, op: number, is32: boolean): [Scalar, Scalar] | null {
  const wa = load(A, a);
  const wb = load(B, b);
  refine(wa, wb, op, is32);
  sync(wa);
  sync(wb);
  const okA = wellFormed(wa);
  const okB = wellFormed(wb);
  if (!okA || !okB) {
    // What the kernel continues with: __mark_reg_unbounded on each register failing the check.
    if (!okA) { markUnbounded64(wa); markUnbounded32(wa); }
    if (!okB) { markUnbounded64(wb); markUnbounded32(wb); }
    lastDead = Object.freeze([freeze(wa), freeze(wb)]) as [Scalar, Scalar];
    return null;
  }
  // Keep the input objects when nothing changed (cheap equality and fewer objects for the caller).
  return Object.freeze([sameAs(wa, a) ? a : freeze(wa), sameAs(wb, b) ? b : freeze(wb)]) as [Scalar, Scalar];
}

function sameAs(w: W, s: Scalar): boolean {
  return w.t.value === s.tnum.value && w.t.mask === s.tnum.mask && w.umin === s.umin && w.umax === s.umax &&
    w.smin === s.smin && w.smax === s.smax && w.u32min === s.u32min && w.u32max === s.u32max &&
    w.s32min === s.s32min && w.s32max === s.s32max;
}

/**
 * `if a op b` on two scalars. When the outcome is decided the live edge keeps the operands unchanged
 * (as the kernel does); otherwise both edges are refined and synced, and an edge whose refined state
 * describes no value (the kernel's bounds sanity check fails) is reported as null even though
 * `taken` is -1.
 */
export function scalarBranch(op: number, a: Scalar, b: Scalar, is32: boolean): BranchResult {
  // Pure function of immutable inputs: memoised per input objects (results are frozen).
  if (!aluConfig.memo) return branchUncached(op, a, b, is32);
  const key = (op >> 4) | (is32 ? 16 : 0);
  let r = BRANCH_MEMO.get(a, b, key);
  if (r === undefined) BRANCH_MEMO.set(a, b, key, (r = Object.freeze(branchUncached(op, a, b, is32))));
  return r;
}

const BRANCH_MEMO = new PairMemo<Scalar, BranchResult>();

function branchUncached(op: number, a: Scalar, b: Scalar, is32: boolean): BranchResult {
  const taken = branchTaken(a, b, op, is32);
  if (taken === 1) return { taken, ifTrue: Object.freeze([a, b]) as [Scalar, Scalar], ifFalse: null };
  if (taken === 0) return { taken, ifTrue: null, ifFalse: Object.freeze([a, b]) as [Scalar, Scalar] };
  lastDead = undefined;
  const ifFalse = edge(a, b, revOpcode(op), is32);
  const deadFalse = lastDead;
  lastDead = undefined;
  const ifTrue = edge(a, b, op, is32);
  const deadTrue = lastDead;
  if (deadFalse || deadTrue) {
    return { taken, ifTrue, ifFalse, kernelDead: Object.freeze({ ...(deadTrue ? { ifTrue: deadTrue } : {}), ...(deadFalse ? { ifFalse: deadFalse } : {}) }) };
  }
  return { taken, ifTrue, ifFalse };
}

export { lo32s };
