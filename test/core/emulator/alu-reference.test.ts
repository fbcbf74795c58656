// Every ALU/ALU64 operation on both tiers against an independent BigInt model of RFC 9669's
// semantics, on edge values (0, ±1, INT_MIN/MAX of both widths, shift counts at and past the width).
// The tiers share their templates, so agreement between them proves little; this model does not.
import { describe, expect, it } from 'vitest';
import type { Insn } from '../../../server/src/core/isa/insn';
import { bareProgram, runBare } from '../../../server/src/core/emulator/bare';

const M64 = (1n << 64n) - 1n;
const u64 = (v: bigint) => BigInt.asUintN(64, v);
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const u32 = (v: bigint) => BigInt.asUintN(32, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);

function bswap(v: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r = (r << 8n) | ((v >> BigInt(8 * i)) & 0xffn);
  return r;
}

/** Reference result of `dst op= src` (src already sign-extended for immediates). */
function model(op: string, wide: boolean, a: bigint, b: bigint, off: number): bigint {
  const w = wide ? 64 : 32;
  const U = wide ? u64 : u32;
  const S = wide ? s64 : s32;
  const mask = BigInt(w - 1);
  const A = U(a), B = U(b);
  let r: bigint;
  switch (op) {
    case 'add': r = A + B; break;
    case 'sub': r = A - B; break;
    case 'mul': r = A * B; break;
    case 'div': r = off ? (S(B) === 0n ? 0n : S(A) / S(B)) : (B === 0n ? 0n : A / B); break;
    case 'mod': r = off ? (S(B) === 0n ? S(A) : S(A) % S(B)) : (B === 0n ? A : A % B); break;
    case 'or': r = A | B; break;
    case 'and': r = A & B; break;
    case 'xor': r = A ^ B; break;
    case 'lsh': r = A << (B & mask); break;
    case 'rsh': r = A >> (B & mask); break;
    case 'arsh': r = S(A) >> (B & mask); break;
    case 'mov': r = off === 0 ? B : BigInt.asIntN(off, B); break;
    default: throw new Error(op);
  }
  return wide ? u64(r) : u32(r);
}

const OPS: [string, number][] = [['add', 0x00], ['sub', 0x10], ['mul', 0x20], ['div', 0x30], ['or', 0x40], ['and', 0x50],
  ['lsh', 0x60], ['rsh', 0x70], ['mod', 0x90], ['xor', 0xa0], ['mov', 0xb0], ['arsh', 0xc0]];
const VALUES = [0n, 1n, 2n, 3n, 31n, 32n, 33n, 63n, 64n, 65n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, M64, M64 - 1n, 0x123456789abcdef0n, 0xfedcba9876543210n, 0xffffffff80000000n];

function lddw(dst: number, v: bigint): Insn[] {
  return [
    { code: 0x18, dst, src: 0, off: 0, imm: Number(v & 0xffffffffn) | 0, imm64: v },
    { code: 0, dst: 0, src: 0, off: 0, imm: Number(v >> 32n) | 0, tail: true },
  ];
}

function exec(insns: Insn[], tier: 'interp' | 'jit'): bigint {
  const r = runBare(bareProgram([...insns, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }]), new Uint8Array(0), { tier });
  if (r.r0 === undefined) throw new Error(r.fault?.message);
  return r.r0;
}

describe('ALU semantics against a BigInt model', () => {
  for (const tier of ['interp', 'jit'] as const) {
    it(`${tier}: register operands, all ops, both widths, signed variants`, () => {
      const bad: string[] = [];
      for (const [op, code] of OPS) {
        for (const wide of [true, false]) {
          const offs = op === 'div' || op === 'mod' ? [0, 1] : op === 'mov' ? (wide ? [0, 8, 16, 32] : [0, 8, 16]) : [0];
          for (const off of offs) {
            for (const a of VALUES) {
              for (const b of VALUES) {
                const prog = [...lddw(0, a), ...lddw(1, b), { code: (wide ? 0x07 : 0x04) | code | 0x08, dst: 0, src: 1, off, imm: 0 }];
                const got = exec(prog, tier);
                const want = model(op, wide, a, b, off);
                if (got !== want) bad.push(`${op}${wide ? 64 : 32} off=${off} ${a.toString(16)}, ${b.toString(16)}: got ${got.toString(16)} want ${want.toString(16)}`);
              }
            }
          }
        }
      }
      expect(bad.slice(0, 10)).toEqual([]);
    });

    it(`${tier}: immediates are sign-extended to 64 bits`, () => {
      for (const imm of [-1, -0x80000000, 0x7fffffff, 5, -5]) {
        for (const a of VALUES) {
          for (const [op, code] of OPS) {
            if (op === 'mov') continue;
            const got = exec([...lddw(0, a), { code: 0x07 | code, dst: 0, src: 0, off: 0, imm }], tier);
            expect(got, `${op}64 ${a.toString(16)} imm ${imm}`).toBe(model(op, true, a, u64(BigInt(imm)), 0));
          }
        }
      }
    });

    it(`${tier}: neg, byte swaps and conditional jumps`, () => {
      for (const a of VALUES) {
        expect(exec([...lddw(0, a), { code: 0x87, dst: 0, src: 0, off: 0, imm: 0 }], tier)).toBe(u64(-a));
        expect(exec([...lddw(0, a), { code: 0x84, dst: 0, src: 0, off: 0, imm: 0 }], tier)).toBe(u32(-a));
        for (const bits of [16, 32, 64]) {
          const lowMask = (1n << BigInt(bits)) - 1n;
          expect(exec([...lddw(0, a), { code: 0xd7, dst: 0, src: 0, off: 0, imm: bits }], tier)).toBe(bswap(a & lowMask, bits / 8));
          expect(exec([...lddw(0, a), { code: 0xdc, dst: 0, src: 0, off: 0, imm: bits }], tier)).toBe(bswap(a & lowMask, bits / 8));
          expect(exec([...lddw(0, a), { code: 0xd4, dst: 0, src: 0, off: 0, imm: bits }], tier)).toBe(a & lowMask);
        }
        for (const b of VALUES) {
          const conds: [number, (x: bigint, y: bigint) => boolean][] = [
            [0x10, (x, y) => x === y], [0x20, (x, y) => x > y], [0x30, (x, y) => x >= y], [0x40, (x, y) => (x & y) !== 0n],
            [0x50, (x, y) => x !== y], [0x60, (x, y) => s64(x) > s64(y)], [0x70, (x, y) => s64(x) >= s64(y)],
            [0xa0, (x, y) => x < y], [0xb0, (x, y) => x <= y], [0xc0, (x, y) => s64(x) < s64(y)], [0xd0, (x, y) => s64(x) <= s64(y)],
          ];
          for (const [op, f] of conds) {
            for (const j32 of [false, true]) {
              const x = j32 ? u32(a) : a, y = j32 ? u32(b) : b;
              const want = j32 && (op === 0x60 || op === 0x70 || op === 0xc0 || op === 0xd0) ? f(u64(s32(x)), u64(s32(y))) : f(x, y);
              const prog: Insn[] = [...lddw(1, a), ...lddw(2, b), { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
                { code: (j32 ? 0x06 : 0x05) | op | 0x08, dst: 1, src: 2, off: 1, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
                { code: 0xb7, dst: 0, src: 0, off: 0, imm: 1 }];
              expect(exec(prog, tier), `jmp${j32 ? 32 : ''} 0x${op.toString(16)} ${a.toString(16)} ${b.toString(16)}`).toBe(want ? 1n : 0n);
            }
          }
        }
      }
    });
  }
});
