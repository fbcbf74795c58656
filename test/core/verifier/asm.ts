// A tiny BPF assembler for verifier unit tests: instructions as calls, jump targets as labels.

import type { Insn } from '../../../server/src/core/isa/insn';
import { AluOp, Cls, JmpOp, LdImm64Src, Mode, Size, Src } from '../../../server/src/core/isa/opcodes';
import type { LoadedObject, MapDef, Program } from '../../../server/src/core/program';
import { MapType, ProgType } from '../../../server/src/core/program';

type Item = Insn | { label: string } | { insn: Insn; target: string; field: 'off' | 'imm' };

const SZ: Record<number, number> = { 1: Size.B, 2: Size.H, 4: Size.W, 8: Size.DW };
const ALU: Record<string, number> = {
  add: AluOp.ADD, sub: AluOp.SUB, mul: AluOp.MUL, div: AluOp.DIV, or: AluOp.OR, and: AluOp.AND, lsh: AluOp.LSH,
  rsh: AluOp.RSH, neg: AluOp.NEG, mod: AluOp.MOD, xor: AluOp.XOR, mov: AluOp.MOV, arsh: AluOp.ARSH,
};
const JMP: Record<string, number> = {
  jeq: JmpOp.JEQ, jgt: JmpOp.JGT, jge: JmpOp.JGE, jset: JmpOp.JSET, jne: JmpOp.JNE, jsgt: JmpOp.JSGT, jsge: JmpOp.JSGE,
  jlt: JmpOp.JLT, jle: JmpOp.JLE, jslt: JmpOp.JSLT, jsle: JmpOp.JSLE,
};

export type Operand = number | { r: number };
export const r = (n: number) => ({ r: n });

function ins(code: number, dst = 0, src = 0, off = 0, imm = 0): Insn {
  return { code, dst, src, off, imm };
}

export const A = {
  label: (label: string): Item => ({ label }),
  alu64(op: string, dst: number, s: Operand, off = 0): Item {
    return typeof s === 'number' ? ins(Cls.ALU64 | ALU[op]! | Src.K, dst, 0, off, s) : ins(Cls.ALU64 | ALU[op]! | Src.X, dst, s.r, off, 0);
  },
  alu32(op: string, dst: number, s: Operand, off = 0): Item {
    return typeof s === 'number' ? ins(Cls.ALU | ALU[op]! | Src.K, dst, 0, off, s) : ins(Cls.ALU | ALU[op]! | Src.X, dst, s.r, off, 0);
  },
  mov: (dst: number, s: Operand): Item => A.alu64('mov', dst, s),
  mov32: (dst: number, s: Operand): Item => A.alu32('mov', dst, s),
  add: (dst: number, s: Operand): Item => A.alu64('add', dst, s),
  neg: (dst: number): Item => ins(Cls.ALU64 | AluOp.NEG, dst),
  end: (dst: number, bits: number, be: boolean): Item => ins(Cls.ALU | AluOp.END | (be ? 0x08 : 0), dst, 0, 0, bits),
  ldx: (size: number, dst: number, src: number, off: number): Item => ins(Cls.LDX | Mode.MEM | SZ[size]!, dst, src, off),
  ldxsx: (size: number, dst: number, src: number, off: number): Item => ins(Cls.LDX | Mode.MEMSX | SZ[size]!, dst, src, off),
  stx: (size: number, dst: number, off: number, src: number): Item => ins(Cls.STX | Mode.MEM | SZ[size]!, dst, src, off),
  st: (size: number, dst: number, off: number, imm: number): Item => ins(Cls.ST | Mode.MEM | SZ[size]!, dst, 0, off, imm),
  atomic: (size: number, dst: number, off: number, src: number, op: number): Item => ins(Cls.STX | Mode.ATOMIC | SZ[size]!, dst, src, off, op),
  jmp(op: string, dst: number, s: Operand, target: string): Item {
    const insn = typeof s === 'number' ? ins(Cls.JMP | JMP[op]! | Src.K, dst, 0, 0, s) : ins(Cls.JMP | JMP[op]! | Src.X, dst, s.r, 0, 0);
    return { insn, target, field: 'off' };
  },
  jmp32(op: string, dst: number, s: Operand, target: string): Item {
    const insn = typeof s === 'number' ? ins(Cls.JMP32 | JMP[op]! | Src.K, dst, 0, 0, s) : ins(Cls.JMP32 | JMP[op]! | Src.X, dst, s.r, 0, 0);
    return { insn, target, field: 'off' };
  },
  ja: (target: string): Item => ({ insn: ins(Cls.JMP | JmpOp.JA), target, field: 'off' }),
  call: (helper: number): Item => ins(Cls.JMP | JmpOp.CALL, 0, 0, 0, helper),
  callLocal: (target: string): Item => ({ insn: ins(Cls.JMP | JmpOp.CALL, 0, 1, 0, 0), target, field: 'imm' }),
  kfunc: (): Item => ins(Cls.JMP | JmpOp.CALL, 0, 2, 0, 0),
  exit: (): Item => ins(Cls.JMP | JmpOp.EXIT),
  /** lddw: two slots. */
  lddw(dst: number, v: bigint, src = 0, tailImm?: number): Item[] {
    const lo = Number(BigInt.asIntN(32, v));
    const hi = tailImm ?? Number(BigInt.asIntN(32, v >> 32n));
    return [{ code: Cls.LD | Mode.IMM | Size.DW, dst, src, off: 0, imm: lo, imm64: BigInt.asUintN(64, v) }, { code: 0, dst: 0, src: 0, off: 0, imm: hi, tail: true }];
  },
  ldMap: (dst: number, map: number): Item[] => A.lddw(dst, BigInt(map), LdImm64Src.MAP_IDX, 0),
  ldMapValue: (dst: number, map: number, off: number): Item[] => A.lddw(dst, BigInt(map), LdImm64Src.MAP_IDX_VALUE, off),
  ldFunc(dst: number, target: string): Item[] {
    const [a, b] = A.lddw(dst, 0n, LdImm64Src.FUNC);
    return [{ insn: a as Insn, target, field: 'imm' }, b!];
  },
};

/** Assembles items (nested arrays allowed) into slot-indexed instructions with resolved labels. */
export type Items = Item | Items[];
export function asm(...items: Items[]): Insn[] {
  const flat = items.flat(Infinity as 1) as Item[];
  const labels = new Map<string, number>();
  let slot = 0;
  for (const it of flat) {
    if ('label' in it) labels.set(it.label, slot);
    else slot++;
  }
  const out: Insn[] = [];
  for (const it of flat) {
    if ('label' in it) continue;
    if ('target' in it) {
      const t = labels.get(it.target);
      if (t === undefined) throw new Error(`asm: unknown label ${it.target}`);
      const rel = t - out.length - 1;
      out.push({ ...it.insn, [it.field]: rel });
    } else out.push(it);
  }
  return out;
}

export function mapDef(index: number, over: Partial<MapDef> = {}): MapDef {
  return { index, name: `m${index}`, type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16, flags: 0, pinning: 0, origin: 'btf', ...over };
}

export function program(insns: Insn[], over: Partial<Program> = {}): Program {
  const funcs = over.funcs ?? [{ start: 0, name: 'prog' }];
  return { name: 'prog', section: 'xdp', progType: ProgType.XDP, frags: false, attach: 'none', insns, lines: [], funcs, kfuncs: [], sectionOffset: 0, ...over };
}

export function object(prog: Program, maps: MapDef[] = []): LoadedObject {
  // licensed GPL, as fixture.h declares it: the kernel lets only GPL-compatible programs call kfuncs
  return { programs: [prog], maps, warnings: [], license: 'GPL' };
}

/** Packet prologue: r2 = data, r3 = data_end (from r1 = ctx). */
export const PKT = [A.ldx(4, 2, 1, 0), A.ldx(4, 3, 1, 4)];
