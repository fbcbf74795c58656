// The verifier's one door into the scalar domain (domain/scalar.ts). Everything else in the
// verifier calls these names, so a change in the domain's API is absorbed here.

import { Scalar } from './domain/scalar';
import { AluOp, JmpOp } from '../isa/opcodes';
import type { Scalar as ScalarT } from './domain/scalar';

export type AluName = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'or' | 'and' | 'xor' | 'lsh' | 'rsh' | 'arsh';
export type CmpName = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';

export interface BranchOutcome {
  /** true/false when the comparison's result is known, undefined when both edges are possible. */
  readonly taken: boolean | undefined;
  readonly ifTrue: readonly [ScalarT, ScalarT] | undefined;
  readonly ifFalse: readonly [ScalarT, ScalarT] | undefined;
}

const U64 = (1n << 64n) - 1n;

const ALU_CODE: Record<AluName, number> = {
  add: AluOp.ADD, sub: AluOp.SUB, mul: AluOp.MUL, div: AluOp.DIV, mod: AluOp.MOD, or: AluOp.OR, and: AluOp.AND,
  xor: AluOp.XOR, lsh: AluOp.LSH, rsh: AluOp.RSH, arsh: AluOp.ARSH,
};
const JMP_CODE: Record<CmpName, number> = {
  jeq: JmpOp.JEQ, jne: JmpOp.JNE, jgt: JmpOp.JGT, jge: JmpOp.JGE, jlt: JmpOp.JLT, jle: JmpOp.JLE,
  jsgt: JmpOp.JSGT, jsge: JmpOp.JSGE, jslt: JmpOp.JSLT, jsle: JmpOp.JSLE, jset: JmpOp.JSET,
};

export const sc = {
  k(v: bigint): ScalarT {
    return Scalar.const(BigInt.asUintN(64, v));
  },
  unknown(): ScalarT {
    return Scalar.unknown();
  },
  /** Value of an unsigned load of `size` bytes (or sign-extended when `signed`). */
  load(size: number, signed = false): ScalarT {
    return Scalar.fromLoad(size, signed);
  },
  alu(op: AluName, a: ScalarT, b: ScalarT, is64: boolean, signed = false): ScalarT {
    return Scalar.alu(ALU_CODE[op], a, b, is64, signed);
  },
  neg(a: ScalarT, is64: boolean): ScalarT {
    return Scalar.neg(a, is64);
  },
  /** BPF_END: to little/big endian (ALU) or unconditional bswap (ALU64), `bits` 16/32/64. */
  endian(a: ScalarT, bits: number, kind: 'le' | 'be' | 'bswap'): ScalarT {
    return Scalar.endian(a, kind, bits as 16 | 32 | 64);
  },
  movsx(a: ScalarT, bits: number, is64: boolean): ScalarT {
    return Scalar.movsx(a, bits as 8 | 16 | 32, is64);
  },
  zext32(a: ScalarT): ScalarT {
    return Scalar.zext32(a);
  },
  branch(op: CmpName, a: ScalarT, b: ScalarT, is32: boolean): BranchOutcome {
    const r = Scalar.branch(JMP_CODE[op], a, b, is32);
    return { taken: r.taken === 1 ? true : r.taken === 0 ? false : undefined, ifTrue: r.ifTrue ?? undefined, ifFalse: r.ifFalse ?? undefined };
  },
  join(a: ScalarT, b: ScalarT): ScalarT {
    return Scalar.join(a, b);
  },
  /** old ⊇ cur: every concrete value of `cur` is a value of `old` (range_within + tnum_in). */
  subsumes(old: ScalarT, cur: ScalarT): boolean {
    return Scalar.subsumes(old, cur);
  },
  /** coerce_reg_to_size / coerce_reg_to_size_sx. */
  truncate(a: ScalarT, size: number, signed: boolean): ScalarT {
    return signed ? Scalar.sext(a, size) : Scalar.truncate(a, size);
  },
  isConst(a: ScalarT): boolean {
    return Scalar.isConst(a);
  },
  constValue(a: ScalarT): bigint {
    return Scalar.constValue(a) ?? 0n;
  },
  str(a: ScalarT): string {
    return Scalar.toString(a);
  },
  same(a: ScalarT, b: ScalarT): boolean {
    return a === b || (a.tnum.value === b.tnum.value && a.tnum.mask === b.tnum.mask && a.umin === b.umin && a.umax === b.umax &&
      a.smin === b.smin && a.smax === b.smax && a.u32min === b.u32min && a.u32max === b.u32max && a.s32min === b.s32min && a.s32max === b.s32max);
  },
  /** Known-zero test used for null checks. */
  isZero(a: ScalarT): boolean {
    return a.tnum.mask === 0n && a.tnum.value === 0n;
  },
  /** tnum_is_aligned(var + c, size). */
  aligned(a: ScalarT, c: number, size: number): boolean {
    const m = BigInt(size - 1);
    const v = BigInt.asUintN(64, a.tnum.value + BigInt(c));
    // adding a constant to a tnum: unknown bits can carry only upward, so low bits stay determined
    // only if the mask's low bits are clear.
    return ((v | a.tnum.mask) & m) === 0n;
  },
  /** Kernel tnum_strn format "(0x..; 0x..)". */
  tnumStr(a: ScalarT): string {
    return `(0x${a.tnum.value.toString(16)}; 0x${a.tnum.mask.toString(16)})`;
  },
  U64,
};
