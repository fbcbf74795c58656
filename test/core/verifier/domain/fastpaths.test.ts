// Exactness of the domain's quick exits and number paths: each optimised operation must give exactly the
// result of its straightforward form (written out here from the definitions), on random pairs, on pairs
// where one side subsumes the other (the common case in the verifier's joins and pruning), and on
// states that reg_bounds_sync would still change (not a fixed point) or that describe no value.

import { describe, expect, it } from 'vitest';
import { JmpOp } from '../../../../server/src/core/isa/opcodes';
import { Scalar } from '../../../../server/src/core/verifier/domain/scalar';
import type { Scalar as ScalarT } from '../../../../server/src/core/verifier/domain/scalar';
import { freeze, load, newW, sync } from '../../../../server/src/core/verifier/domain/bounds';
import { coerceToSize, concreteEndian } from '../../../../server/src/core/verifier/domain/convert';
import { bswapBig, tnumIn, tnumUnion } from '../../../../server/src/core/verifier/domain/tnum';
import { Rng, absGen, desc, edgeVal } from './gen';
import { constScalar } from '../../../../server/src/core/verifier/domain/alu';

const M64 = 0xffffffffffffffffn;
const PAIRS = 400_000;

function refSubsumes(old: ScalarT, cur: ScalarT): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
    old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min &&
    old.s32max >= cur.s32max && tnumIn(old.tnum, cur.tnum);
}

function refJoin(a: ScalarT, b: ScalarT): ScalarT {
  if (Scalar.equals(a, b)) return a;
  const w = newW();
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

/** Shapes the verifier produces on packet parsers: constants, loads, small offsets, masks, unknowns. */
function verifierShape(r: Rng): ScalarT {
  switch (r.int(10)) {
    case 0: return Scalar.const(BigInt(r.int(2000)));
    case 1: return Scalar.fromLoad(r.pick([1, 2, 4, 8]), r.int(4) === 0);
    case 2: return Scalar.fromU64Range(BigInt(r.int(64)), BigInt(64 + r.int(1500)));
    case 3: return Scalar.fromTnum({ value: BigInt(r.int(16)) << 2n, mask: BigInt((1 << r.int(12)) - 1) << 6n });
    case 4: return Scalar.unknown();
    case 5: return Scalar.const(edgeVal(r));
    case 6: {
      // a state reg_bounds_sync would still narrow, or one describing no value
      const w = load(newW(), absGen(r));
      w.umax = (w.umin + BigInt(r.int(5)) - 2n) & M64;
      if (r.int(2) === 0) w.s32min = Math.max(w.s32min, -5);
      return freeze(w);
    }
    case 7: {
      const br = Scalar.branch(r.pick([JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JSLT, JmpOp.JSET]), absGen(r), Scalar.const(edgeVal(r)), r.int(2) === 0);
      const d = br.kernelDead?.ifTrue ?? br.kernelDead?.ifFalse;
      if (d) return d[0];
      return (br.ifTrue ?? br.ifFalse ?? [absGen(r)])[0]!;
    }
    default: return absGen(r);
  }
}

describe('quick exits agree with the straightforward forms (seeded)', () => {
  it(`join and subsumes: ${PAIRS} pairs (random, subsuming, equal-but-distinct objects)`, () => {
    const r = new Rng(0x5eed0fa5);
    const pool: ScalarT[] = [];
    for (let i = 0; i < 4000; i++) pool.push(verifierShape(r));
    let subsuming = 0;
    for (let i = 0; i < PAIRS; i++) {
      let a = r.pick(pool);
      let b = r.pick(pool);
      switch (r.int(4)) {
        case 0: b = refJoin(a, b); break; // b subsumes a (when a is a sync fixed point)
        case 1: a = refJoin(a, b); break;
        case 2: b = { ...a, tnum: { ...a.tnum } }; break;
        default: break;
      }
      const s1 = Scalar.subsumes(a, b);
      if (s1 !== refSubsumes(a, b)) expect.fail(`subsumes(${desc(a)}, ${desc(b)}) = ${s1}`);
      if (Scalar.subsumes(b, a) !== refSubsumes(b, a)) expect.fail(`subsumes(${desc(b)}, ${desc(a)})`);
      if (s1) subsuming++;
      const j = Scalar.join(a, b);
      const e = refJoin(a, b);
      if (!Scalar.equals(j, e)) expect.fail(`join(${desc(a)}, ${desc(b)}) = ${desc(j)}, expected ${desc(e)}`);
    }
    expect(subsuming).toBeGreaterThan(PAIRS / 10);
  });

  it('truncate: the unknown-load quick exit gives coerceToSize exactly', () => {
    const r = new Rng(0x5eed0fa6);
    let quick = 0;
    for (let i = 0; i < 200_000; i++) {
      let s = verifierShape(r);
      if (r.int(2) === 0) {
        // unknown tnum with some bounds kept (the shapes a load after arithmetic leaves)
        const w = load(newW(), s);
        w.t = { value: 0n, mask: M64 };
        if (r.int(3) === 0) { w.u32min = 0; w.u32max = 0xffffffff; w.s32min = -0x80000000; w.s32max = 0x7fffffff; }
        s = freeze(w);
      }
      for (const size of [1, 2, 4]) {
        const w = load(newW(), s);
        coerceToSize(w, size);
        const e = freeze(w);
        const got = Scalar.truncate(s, size);
        if (got === Scalar.fromLoad(size, false)) quick++;
        if (!Scalar.equals(got, e)) expect.fail(`truncate(${desc(s)}, ${size}) = ${desc(got)}, expected ${desc(e)}`);
      }
    }
    expect(quick).toBeGreaterThan(10_000);
  });

  it('bswapBig 16/32 in numbers = the byte loop; constScalar masks and interns as before', () => {
    const r = new Rng(0x5eed0fa7);
    for (let i = 0; i < 300_000; i++) {
      const x = r.int(3) === 0 ? r.u64() : edgeVal(r);
      for (const bits of [16, 32, 64] as const) {
        const got = bswapBig(x, bits);
        const e = concreteEndian(x, 'be', bits); // the byte-by-byte loop
        if (got !== e) expect.fail(`bswap${bits}(${x}) = ${got}, expected ${e}`);
      }
      const arg = r.int(2) === 0 ? -x : x; // negative arguments are taken as two's complement
      const c = constScalar(arg);
      const v = arg & M64;
      if (c.tnum.mask !== 0n || c.tnum.value !== v || c.umin !== v || c.umax !== v) expect.fail(`const ${arg}`);
    }
    expect(constScalar(-1n)).toBe(constScalar(M64));
    expect(constScalar(M64 - 4095n)).toBe(constScalar(-4096n));
    expect(Scalar.equals(constScalar(1n << 64n), Scalar.zero)).toBe(true);
  });
});
