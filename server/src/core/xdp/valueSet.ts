// Sets of 32-bit values drawn from the verifier's scalars. An XDP program's verdict is the low
// 32 bits of R0 (bpf_prog_run_xdp() returns u32), so every set here lives in [0, 2^32).
// Sets are listed when they have at most 64 members (the report's limit) and kept as a range
// otherwise; every operation over-approximates, so membership of a run-time value is never lost.

import type { Scalar } from '../verifier/domain/scalar';

export const LIST_LIMIT = 64;
const MASK32 = 0xffffffffn;

export interface ValueSet {
  /** Sorted members, or null when there may be more than LIST_LIMIT. */
  readonly values: readonly number[] | null;
  readonly min: number;
  readonly max: number;
}

export const ValueSet = {
  of(values: Iterable<number>): ValueSet {
    const v = [...new Set(values)].sort((a, b) => a - b);
    if (v.length === 0) return { values: [], min: 0, max: 0 };
    if (v.length > LIST_LIMIT) return { values: null, min: v[0], max: v[v.length - 1] };
    return { values: v, min: v[0], max: v[v.length - 1] };
  },
  range(min: number, max: number): ValueSet {
    if (max - min + 1 <= LIST_LIMIT) return ValueSet.of(Array.from({ length: max - min + 1 }, (_, i) => min + i));
    return { values: null, min, max };
  },
  isEmpty(s: ValueSet): boolean {
    return s.values !== null && s.values.length === 0;
  },
  has(s: ValueSet, v: number): boolean {
    return s.values ? s.values.includes(v) : v >= s.min && v <= s.max;
  },
  union(a: ValueSet, b: ValueSet): ValueSet {
    if (ValueSet.isEmpty(a)) return b;
    if (ValueSet.isEmpty(b)) return a;
    if (a.values && b.values) return ValueSet.of([...a.values, ...b.values]);
    return { values: null, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
  },
  intersect(a: ValueSet, b: ValueSet): ValueSet {
    if (a.values) return ValueSet.of(a.values.filter((v) => ValueSet.has(b, v)));
    if (b.values) return ValueSet.of(b.values.filter((v) => ValueSet.has(a, v)));
    const min = Math.max(a.min, b.min);
    const max = Math.min(a.max, b.max);
    return max < min ? ValueSet.of([]) : ValueSet.range(min, max);
  },
  /** Members (or the range) above `limit`. */
  above(s: ValueSet, limit: number): ValueSet {
    if (s.values) return ValueSet.of(s.values.filter((v) => v > limit));
    return s.max <= limit ? ValueSet.of([]) : ValueSet.range(Math.max(s.min, limit + 1), s.max);
  },
};

function popcount(x: bigint): number {
  let n = 0;
  for (let v = x; v; v &= v - 1n) n++;
  return n;
}

/**
 * The low 32 bits a scalar can hold: its 32-bit unsigned bounds tightened by the tnum. Enumerated
 * when the range or the tnum's unknown bits leave at most LIST_LIMIT candidates.
 */
export function scalarValues32(s: Scalar): ValueSet {
  const tv = s.tnum.value & MASK32;
  const tm = s.tnum.mask & MASK32;
  const lo = Math.max(s.u32min, Number(tv));
  const hi = Math.min(s.u32max, Number(tv | tm));
  if (hi < lo) return ValueSet.of([]);
  const fits = (v: number): boolean => (BigInt(v) & ~tm & MASK32) === tv;
  if (hi - lo < 4096) {
    const out: number[] = [];
    for (let v = lo; v <= hi; v++) if (fits(v)) out.push(v);
    return ValueSet.of(out);
  }
  if (popcount(tm) <= 12) {
    const bits: bigint[] = [];
    for (let b = 0n; b < 32n; b++) if ((tm >> b) & 1n) bits.push(1n << b);
    const out: number[] = [];
    for (let i = 0; i < 1 << bits.length; i++) {
      let v = tv;
      bits.forEach((bit, j) => { if ((i >> j) & 1) v |= bit; });
      const n = Number(v);
      if (n >= lo && n <= hi) out.push(n);
    }
    return ValueSet.of(out);
  }
  return { values: null, min: lo, max: hi };
}

/** Signed 32-bit range of a scalar (helpers take `int` arguments). */
export function signed32(s: Scalar): { min: number; max: number } {
  return { min: s.s32min, max: s.s32max };
}

/** "4294967295 (-1)" for values that read better signed. */
export function showValue(v: number): string {
  return v >= 0x80000000 ? `${v} (${v - 0x100000000})` : String(v);
}

export function showSet(s: ValueSet): string {
  if (s.values) return s.values.map(showValue).join(', ');
  return `${showValue(s.min)}..${showValue(s.max)}`;
}
