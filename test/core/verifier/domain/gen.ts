// Deterministic generators for the domain's property tests: a seeded PRNG, abstract scalars drawn
// around the interesting edges (0, ±1, 2^31, 2^32, 2^63 and neighbours), and pools of concrete
// members of an abstract scalar.

import { Scalar } from '../../../../server/src/core/verifier/domain/scalar';
import type { Scalar as ScalarT } from '../../../../server/src/core/verifier/domain/scalar';
import { AluOp, JmpOp } from '../../../../server/src/core/isa/opcodes';

const M64 = 0xffffffffffffffffn;

/** mulberry32-based PRNG: fast, deterministic, good enough for sampling. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return this.u32() % n;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
}

const EDGES: bigint[] = [
  0n, 1n, 2n, 3n, 7n, 8n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n,
  0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x1ffffffffn,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffff00000000n, 0xffffffff80000000n, 0xffffffff7fffffffn,
  M64, M64 - 0xffn, 0x00000000ffff0000n,
];

/** A 64-bit value near an interesting edge, or random of a random width. */
export function edgeVal(r: Rng): bigint {
  switch (r.int(6)) {
    case 0:
    case 1:
    case 2:
      return (r.pick(EDGES) + BigInt(r.int(7) - 3)) & M64;
    case 3:
      return BigInt(r.u32() >>> r.int(32));
    case 4:
      return r.u64() >> BigInt(r.int(64));
    default: {
      // random upper word around an edge, edge low word
      const hi = r.pick([0n, 1n, 0xffffffffn, 0x7fffffffn, 0x80000000n, BigInt(r.u32())]);
      const lo = (r.pick(EDGES) + BigInt(r.int(7) - 3)) & 0xffffffffn;
      return (hi << 32n) | lo;
    }
  }
}

function randMask(r: Rng): bigint {
  switch (r.int(5)) {
    case 0: return (1n << BigInt(r.int(65))) - 1n; // low k bits
    case 1: return r.u64() & r.u64();
    case 2: return ((1n << BigInt(r.int(33))) - 1n) << BigInt(r.int(32)); // a window
    case 3: return r.u64();
    default: return BigInt(1 << r.int(31)) | (1n << BigInt(r.int(64))); // two bits
  }
}

function sorted(a: bigint, b: bigint): [bigint, bigint] {
  return a <= b ? [a, b] : [b, a];
}

const ALU_SHAPE = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.AND, AluOp.OR, AluOp.XOR, AluOp.LSH, AluOp.RSH, AluOp.ARSH];
const CMP = [JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSGT, JmpOp.JSGE,
  JmpOp.JSLT, JmpOp.JSLE, JmpOp.JSET];

/** An abstract scalar of a random shape. */
export function absGen(r: Rng, depth = 0): ScalarT {
  switch (r.int(depth > 0 ? 6 : 9)) {
    case 0:
      return Scalar.const(edgeVal(r));
    case 1: {
      const [a, b] = sorted(edgeVal(r), edgeVal(r));
      return Scalar.fromU64Range(a, b);
    }
    case 2: {
      const [a, b] = sorted(BigInt.asIntN(64, edgeVal(r)), BigInt.asIntN(64, edgeVal(r)));
      return Scalar.fromS64Range(a, b);
    }
    case 3: {
      const m = randMask(r);
      return Scalar.fromTnum({ value: edgeVal(r) & ~m & M64, mask: m });
    }
    case 4: {
      const hi = BigInt(r.pick([0, 1, 0xffffffff, 0x7fffffff, 0x80000000, r.u32()]));
      const [a, b] = sorted(edgeVal(r) & 0xffffffffn, edgeVal(r) & 0xffffffffn);
      return Scalar.fromU64Range((hi << 32n) | a, (hi << 32n) | b);
    }
    case 5: {
      // a small range at an edge
      const a = edgeVal(r);
      const b = (a + BigInt(r.int(300))) & M64;
      const [x, y] = sorted(a, b);
      return Scalar.fromU64Range(x, y);
    }
    case 6: {
      // refined by a comparison against a constant or another value (the shapes branches produce)
      const a = absGen(r, depth + 1);
      const b = r.int(3) === 0 ? absGen(r, depth + 1) : Scalar.const(edgeVal(r));
      const br = Scalar.branch(r.pick(CMP), a, b, r.int(2) === 0);
      const side = r.int(2) === 0 ? br.ifTrue : br.ifFalse;
      return side ? side[0] : a;
    }
    case 7: {
      // result of an ALU op (includes 32-bit ops and their zero extension)
      const op = r.pick(ALU_SHAPE);
      const is64 = r.int(2) === 0;
      const a = absGen(r, depth + 1);
      const b = op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH
        ? Scalar.const(BigInt(r.int(is64 ? 64 : 32))) : absGen(r, depth + 1);
      return Scalar.alu(op, a, b, is64);
    }
    default: {
      // tnum and range together
      const m = randMask(r);
      const t = Scalar.fromTnum({ value: edgeVal(r) & ~m & M64, mask: m });
      const br = Scalar.branch(r.pick([JmpOp.JLE, JmpOp.JGE, JmpOp.JSLE, JmpOp.JSGE]), t, Scalar.const(edgeVal(r)), r.int(2) === 0);
      const side = br.ifTrue ?? br.ifFalse;
      return side ? side[0] : t;
    }
  }
}

/** Independent membership check (does not use the domain's own code). */
export function member(s: ScalarT, x: bigint): boolean {
  if ((x & ~s.tnum.mask) !== s.tnum.value) return false;
  if (x < s.umin || x > s.umax) return false;
  const sv = x >= 0x8000000000000000n ? x - 0x10000000000000000n : x;
  if (sv < s.smin || sv > s.smax) return false;
  const u32 = Number(x & 0xffffffffn);
  if (u32 < s.u32min || u32 > s.u32max) return false;
  const s32 = u32 | 0;
  return s32 >= s.s32min && s32 <= s.s32max;
}

/**
 * Up to k distinct concrete members of s (fewer when s is small or members are hard to hit), always
 * including the extreme ones that exist.
 */
export function members(s: ScalarT, r: Rng, k: number): bigint[] {
  const out: bigint[] = [];
  const seen = new Set<bigint>();
  const add = (x: bigint): void => {
    x &= M64;
    if (!seen.has(x) && member(s, x)) {
      seen.add(x);
      out.push(x);
    }
  };
  const t = s.tnum;
  add(s.umin); add(s.umax); add(s.smin); add(s.smax);
  add(t.value); add(t.value | t.mask);
  add((s.umin & 0xffffffff00000000n) | BigInt(s.u32min));
  add((s.umax & 0xffffffff00000000n) | BigInt(s.u32max));
  add((s.smin & 0xffffffff00000000n) | BigInt(s.s32min >>> 0));
  add((s.smax & 0xffffffff00000000n) | BigInt(s.s32max >>> 0));
  const span = s.umax - s.umin + 1n;
  for (let tries = 0; out.length < k && tries < k * 12; tries++) {
    let x: bigint;
    switch (tries % 4) {
      case 0: x = t.value | (r.u64() & t.mask); break;
      case 1: x = s.umin + (r.u64() % span); break;
      case 2: x = ((s.umin + (r.u64() % span)) & t.mask) | t.value; break;
      default: x = (s.umin + BigInt(r.int(64))) & M64; x = (x & t.mask) | t.value; break;
    }
    add(x);
  }
  return out.length > k ? out.slice(0, k) : out;
}

export interface Sampled {
  readonly s: ScalarT;
  readonly xs: readonly bigint[];
}

/** n abstract values with up to k members each (values without members are dropped). */
export function bank(r: Rng, n: number, k: number): Sampled[] {
  const out: Sampled[] = [];
  while (out.length < n) {
    const s = absGen(r);
    const xs = members(s, r, k);
    if (xs.length > 0) out.push({ s, xs });
  }
  return out;
}

/** Short description for failure messages. */
export function desc(s: ScalarT): string {
  return `${Scalar.toString(s)} [tnum=(0x${s.tnum.value.toString(16)}; 0x${s.tnum.mask.toString(16)}) u=[${s.umin},${s.umax}] s=[${s.smin},${s.smax}] u32=[${s.u32min},${s.u32max}] s32=[${s.s32min},${s.s32max}]]`;
}
