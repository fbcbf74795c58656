// Property: unary transfer functions (neg, movsx, truncation, sign extension, zero extension, byte
// swaps), sync, join and subsumes are sound; the constant fast paths agree with the general paths.
// >= 1,000,000 concrete samples per operation, seeded.

import { describe, expect, it } from 'vitest';
import { AluOp } from '../../../../server/src/core/isa/opcodes';
import { Scalar } from '../../../../server/src/core/verifier/domain/scalar';
import type { Scalar as ScalarT } from '../../../../server/src/core/verifier/domain/scalar';
import { aluConfig } from '../../../../server/src/core/verifier/domain/alu';
import { concreteEndian } from '../../../../server/src/core/verifier/domain/convert';
import {
  boundOffset, boundOffsetRef, deduce32, deduce32Ref, deduceMixed, deduceMixedRef, freeze, load, newW, sync, syncSlow,
} from '../../../../server/src/core/verifier/domain/bounds';
import type { W } from '../../../../server/src/core/verifier/domain/bounds';
import { Rng, bank, desc, member } from './gen';

const SAMPLES = 1_000_000;
const M64 = 0xffffffffffffffffn;
const r0 = new Rng(0x5eed0003);
const BANK = bank(r0, 3000, 24);

function sext(x: bigint, bits: number): bigint {
  return BigInt.asUintN(64, BigInt.asIntN(bits, x));
}

function unary(name: string, abs: (s: ScalarT) => ScalarT, conc: (x: bigint) => bigint): void {
  it(`${name}: ${SAMPLES} samples land in the abstract result`, () => {
    let n = 0;
    while (n < SAMPLES) {
      for (const a of BANK) {
        const res = abs(a.s);
        for (const x of a.xs) {
          n++;
          const z = conc(x);
          if (!member(res, z)) expect.fail(`${name}(${x}) = ${z} not in ${desc(res)}\n a=${desc(a.s)}`);
        }
      }
    }
    expect(n).toBeGreaterThanOrEqual(SAMPLES);
  });
}

describe('unary soundness (property, seeded)', () => {
  unary('neg64', (s) => Scalar.neg(s, true), (x) => (0n - x) & M64);
  unary('neg32', (s) => Scalar.neg(s, false), (x) => (0n - x) & 0xffffffffn);
  for (const bits of [8, 16, 32] as const) {
    unary(`movsx64 s${bits}`, (s) => Scalar.movsx(s, bits, true), (x) => sext(x, bits));
  }
  for (const bits of [8, 16] as const) {
    unary(`movsx32 s${bits}`, (s) => Scalar.movsx(s, bits, false), (x) => sext(x, bits) & 0xffffffffn);
  }
  for (const size of [1, 2, 4]) {
    unary(`truncate ${size}`, (s) => Scalar.truncate(s, size), (x) => x & ((1n << BigInt(8 * size)) - 1n));
    unary(`sext ${size}`, (s) => Scalar.sext(s, size), (x) => sext(x, 8 * size));
  }
  unary('zext32', (s) => Scalar.zext32(s), (x) => x & 0xffffffffn);
  for (const bits of [16, 32, 64] as const) {
    unary(`be${bits}`, (s) => Scalar.endianPrecise(s, 'be', bits), (x) => concreteEndian(x, 'be', bits));
    unary(`le${bits}`, (s) => Scalar.endianPrecise(s, 'le', bits), (x) => concreteEndian(x, 'le', bits));
    unary(`endian(kernel) be${bits}`, (s) => Scalar.endian(s, 'be', bits), (x) => concreteEndian(x, 'be', bits));
  }
  unary('sync', (s) => Scalar.sync(s), (x) => x);
  unary('fromTnum(tnum)', (s) => Scalar.fromTnum(s.tnum), (x) => x);

  it(`join: ${SAMPLES} members of either side are members of the join`, () => {
    const r = new Rng(0x3001);
    let n = 0;
    while (n < SAMPLES) {
      const a = BANK[r.int(BANK.length)]!;
      const b = BANK[r.int(BANK.length)]!;
      const j = Scalar.join(a.s, b.s);
      for (const x of a.xs) { n++; if (!member(j, x)) expect.fail(`${x} of ${desc(a.s)} not in join ${desc(j)}`); }
      for (const x of b.xs) { n++; if (!member(j, x)) expect.fail(`${x} of ${desc(b.s)} not in join ${desc(j)}`); }
    }
  });

  it(`subsumes: when old subsumes cur, ${SAMPLES} members of cur are members of old`, () => {
    const r = new Rng(0x3002);
    let n = 0;
    let held = 0;
    while (n < SAMPLES) {
      const a = BANK[r.int(BANK.length)]!;
      const b = BANK[r.int(BANK.length)]!;
      // old: a hull around cur (usually subsumes), or an unrelated value (usually does not).
      const old = r.int(4) === 0 ? b.s : Scalar.join(a.s, b.s);
      if (!Scalar.subsumes(old, a.s)) { n += 1; continue; }
      held++;
      for (const x of a.xs) { n++; if (!member(old, x)) expect.fail(`${x} of ${desc(a.s)} not in subsuming ${desc(old)}`); }
    }
    expect(held).toBeGreaterThan(1000);
  });

  it('fromLoad: every loadable value is a member', () => {
    const r = new Rng(0x3003);
    let n = 0;
    while (n < SAMPLES) {
      const size = [1, 2, 4, 8][r.int(4)]!;
      const signed = size < 8 && r.int(2) === 0;
      const s = Scalar.fromLoad(size, signed);
      for (let i = 0; i < 64; i++) {
        const raw = r.u64() >> BigInt(r.int(64));
        const v = signed ? sext(raw, size * 8) : raw & (size === 8 ? M64 : (1n << BigInt(size * 8)) - 1n);
        n++;
        if (!member(s, v)) expect.fail(`load${size}${signed ? 's' : ''} ${v} not in ${desc(s)}`);
      }
    }
  });
});

/** A working state with bounds taken from unrelated abstract values (often inconsistent or empty). */
function mixedW(r: Rng): W {
  const pick = () => BANK[r.int(BANK.length)]!.s;
  const w = load(newW(), pick());
  const b = pick(), c = pick(), d = pick();
  if (r.int(2) === 0) { w.umin = b.umin; w.umax = b.umax; }
  if (r.int(2) === 0) { w.smin = c.smin; w.smax = c.smax; }
  if (r.int(2) === 0) { w.u32min = d.u32min; w.u32max = d.u32max; }
  if (r.int(2) === 0) { w.s32min = b.s32min; w.s32max = c.s32max; }
  if (r.int(3) === 0) w.t = d.tnum;
  return w;
}

describe('fast paths agree with the general paths', () => {
  it('optimised deduce32 / deduceMixed / boundOffset = their reference forms (300,000 states, many inconsistent)', () => {
    const r = new Rng(0x4004);
    for (let i = 0; i < 300000; i++) {
      const w = mixedW(r);
      const a = load(newW(), freeze(w));
      const b = load(newW(), freeze(w));
      const k = i % 3;
      if (k === 0) { deduce32(a); deduce32Ref(b); } else if (k === 1) { deduceMixed(a); deduceMixedRef(b); } else { boundOffset(a); boundOffsetRef(b); }
      if (!Scalar.equals(freeze(a), freeze(b))) expect.fail(`${['deduce32', 'mixed', 'boundOffset'][k]}: opt ${desc(freeze(a))}\nref ${desc(freeze(b))}\nin ${desc(freeze(w))}`);
    }
  });

  it('constant ALU fast path = general path (all ops, both widths)', () => {
    const r = new Rng(0x4001);
    const consts = BANK.filter((b) => Scalar.isConst(b.s) || Scalar.isConst32(b.s));
    expect(consts.length).toBeGreaterThan(100);
    const ops = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.AND, AluOp.OR, AluOp.XOR, AluOp.LSH, AluOp.RSH, AluOp.ARSH];
    for (let i = 0; i < 20000; i++) {
      const a = consts[r.int(consts.length)]!.s;
      const op = ops[r.int(ops.length)]!;
      const is64 = r.int(2) === 0;
      const b = op >= AluOp.LSH && op <= AluOp.RSH || op === AluOp.ARSH
        ? Scalar.const(BigInt(r.int(is64 ? 64 : 32))) : consts[r.int(consts.length)]!.s;
      const fast = Scalar.alu(op, a, b, is64);
      aluConfig.constFastPath = false;
      const slow = Scalar.alu(op, a, b, is64);
      aluConfig.constFastPath = true;
      if (!Scalar.equals(fast, slow)) expect.fail(`op ${op} ${is64}: fast ${desc(fast)} slow ${desc(slow)}\n a=${desc(a)} b=${desc(b)}`);
    }
  });

  it('sync fast path for constant tnums = full reg_bounds_sync', () => {
    const r = new Rng(0x4002);
    for (let i = 0; i < 20000; i++) {
      const b = BANK[r.int(BANK.length)]!;
      const x = b.xs[r.int(b.xs.length)]!;
      // a constant tnum with the (looser) bounds of b
      const w = load(newW(), b.s);
      w.t = { value: x, mask: 0n };
      const w2 = load(newW(), freeze(w));
      sync(w);
      syncSlow(w2);
      expect(Scalar.equals(freeze(w), freeze(w2))).toBe(true);
    }
  });

  it('sync fast path for tnums below 2^32 = full reg_bounds_sync (200,000 states, some empty)', () => {
    const r = new Rng(0x4003);
    let small = 0;
    for (let i = 0; i < 200000; i++) {
      const a = BANK[r.int(BANK.length)]!.s;
      const b = BANK[r.int(BANK.length)]!.s;
      const lowMask = r.int(3) === 0 ? 0xffffffffn : r.int(2) === 0 ? 0x7fffffffn : (1n << BigInt(r.int(33))) - 1n;
      // tnum of a cut below 2^31, ranges of b (often loose, sometimes disjoint from the tnum)
      const w = load(newW(), r.int(3) === 0 ? a : b);
      w.t = { value: a.tnum.value & lowMask, mask: a.tnum.mask & lowMask };
      if (r.int(2) === 0) { w.umin = BigInt(r.int(300)); w.u32min = r.int(300); }
      if (r.int(2) === 0) { const x = BigInt(r.int(1 << 20)); w.umax = x; w.smax = x; }
      if (w.t.mask !== 0n) small++;
      const w2 = load(newW(), freeze(w));
      sync(w);
      syncSlow(w2);
      if (!Scalar.equals(freeze(w), freeze(w2))) expect.fail(`fast ${desc(freeze(w))}\nslow ${desc(freeze(w2))}`);
    }
    expect(small).toBeGreaterThan(100000);
  });
});
