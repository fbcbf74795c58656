// Encoding checks from RFC 9669 ("BPF Instruction Set Architecture"): which opcodes exist and
// which fields each one must leave zero. The kernel's verifier refuses the same encodings
// ("unknown opcode", "BPF_ALU uses reserved fields", ...) in check_alu_op/do_check; a decoder
// that accepted them would let the emulator run programs the kernel never loads.

import type { DecodeError, DecodeResult, Insn } from './insn';
import { decodeRaw } from './insn';
import { AluOp, AtomicOp, Cls, JmpOp, LdImm64Src, Mode, Size, Src } from './opcodes';

/** Returns why the instruction is malformed, or undefined when its encoding is valid. */
export function encodingProblem(insn: Insn): string | undefined {
  const { code, dst, src, off, imm } = insn;
  if (dst > 10) return `invalid destination register r${dst}`;
  if (src > 10) return `invalid source register r${src}`;
  switch (code & 0x07) {
    case Cls.ALU:
    case Cls.ALU64:
      return aluProblem(insn);
    case Cls.JMP:
    case Cls.JMP32:
      return jmpProblem(insn);
    case Cls.LD:
      if (code === (Cls.LD | Mode.IMM | Size.DW)) {
        if (off !== 0) return 'lddw uses the reserved offset field';
        if (src > LdImm64Src.MAP_IDX_VALUE) return `lddw has unknown source kind ${src}`;
        return undefined;
      }
      if ((code & 0xe0) === Mode.ABS || (code & 0xe0) === Mode.IND) {
        // Legacy packet access (socket filters). DW is not a valid size for it.
        if ((code & 0x18) === Size.DW) return 'legacy packet load cannot be 8 bytes';
        if (dst !== 0 || off !== 0) return 'legacy packet load uses reserved fields';
        if ((code & 0xe0) === Mode.ABS && src !== 0) return 'legacy packet load uses reserved fields';
        return undefined;
      }
      return `unknown opcode 0x${hex2(code)}`;
    case Cls.LDX: {
      const mode = code & 0xe0;
      if (mode !== Mode.MEM && mode !== Mode.MEMSX) return `unknown opcode 0x${hex2(code)}`;
      if (mode === Mode.MEMSX && (code & 0x18) === Size.DW) return 'sign-extending load cannot be 8 bytes';
      if (imm !== 0) return 'load uses the reserved immediate field';
      return undefined;
    }
    case Cls.ST:
      if ((code & 0xe0) !== Mode.MEM) return `unknown opcode 0x${hex2(code)}`;
      if (src !== 0) return 'store of an immediate uses the reserved source register';
      return undefined;
    default: {
      // Cls.STX
      const mode = code & 0xe0;
      if (mode === Mode.MEM) return imm !== 0 ? 'store uses the reserved immediate field' : undefined;
      if (mode !== Mode.ATOMIC) return `unknown opcode 0x${hex2(code)}`;
      const size = code & 0x18;
      if (size !== Size.W && size !== Size.DW) return 'atomic operation must be 4 or 8 bytes';
      return ATOMIC_OPS.has(imm) ? undefined : `unknown atomic operation 0x${(imm >>> 0).toString(16)}`;
    }
  }
}

const ATOMIC_OPS = new Set<number>([
  AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR,
  AtomicOp.ADD | AtomicOp.FETCH, AtomicOp.OR | AtomicOp.FETCH, AtomicOp.AND | AtomicOp.FETCH, AtomicOp.XOR | AtomicOp.FETCH,
  AtomicOp.XCHG, AtomicOp.CMPXCHG,
]);

function aluProblem({ code, src, off, imm }: Insn): string | undefined {
  const op = code & 0xf0;
  const isX = (code & Src.X) !== 0;
  const is64 = (code & 0x07) === Cls.ALU64;
  if (op === 0xe0 || op === 0xf0) return `unknown opcode 0x${hex2(code)}`;
  if (op === AluOp.NEG) {
    if (isX) return `unknown opcode 0x${hex2(code)}`;
    return src !== 0 || off !== 0 || imm !== 0 ? 'neg uses reserved fields' : undefined;
  }
  if (op === AluOp.END) {
    // ALU|END|K = to little-endian, ALU|END|X = to big-endian, ALU64|END|K = bswap (v4).
    if (is64 && isX) return `unknown opcode 0x${hex2(code)}`;
    if (src !== 0 || off !== 0) return 'byte swap uses reserved fields';
    return imm === 16 || imm === 32 || imm === 64 ? undefined : `byte swap width ${imm} is not 16, 32 or 64`;
  }
  if (isX && imm !== 0) return 'ALU instruction uses the reserved immediate field';
  if (!isX && src !== 0) return 'ALU instruction uses the reserved source register';
  if (op === AluOp.DIV || op === AluOp.MOD) {
    return off === 0 || off === 1 ? undefined : 'division offset must be 0 (unsigned) or 1 (signed)';
  }
  if (op === AluOp.MOV && isX) {
    // movsx (v4): off is the source width to sign-extend from.
    const ok = off === 0 || off === 8 || off === 16 || (is64 && off === 32);
    return ok ? undefined : `mov offset ${off} is not a sign-extension width`;
  }
  return off !== 0 ? 'ALU instruction uses the reserved offset field' : undefined;
}

function jmpProblem({ code, dst, src, off, imm }: Insn): string | undefined {
  const op = code & 0xf0;
  const isX = (code & Src.X) !== 0;
  const is32 = (code & 0x07) === Cls.JMP32;
  if (op === 0xf0) return `unknown opcode 0x${hex2(code)}`;
  if (op === JmpOp.JA) {
    if (isX) return `unknown opcode 0x${hex2(code)}`;
    if (dst !== 0 || src !== 0) return 'jump uses reserved fields';
    // JMP|JA jumps by off; JMP32|JA (gotol) jumps by imm.
    return (is32 ? off : imm) !== 0 ? 'jump uses reserved fields' : undefined;
  }
  if (op === JmpOp.CALL) {
    if (is32) return `unknown opcode 0x${hex2(code)}`;
    if (isX) {
      // callx (v4): target address in dst; everything else reserved.
      return src !== 0 || off !== 0 || imm !== 0 ? 'callx uses reserved fields' : undefined;
    }
    if (dst !== 0 || off !== 0) return 'call uses reserved fields';
    return src <= 2 ? undefined : `call has unknown source kind ${src}`;
  }
  if (op === JmpOp.EXIT) {
    if (is32 || isX) return `unknown opcode 0x${hex2(code)}`;
    return dst !== 0 || src !== 0 || off !== 0 || imm !== 0 ? 'exit uses reserved fields' : undefined;
  }
  if (op === JmpOp.JCOND) {
    // may_goto (BPF_JMP|BPF_JCOND, src = BPF_MAY_GOTO = 0).
    if (is32 || isX) return `unknown opcode 0x${hex2(code)}`;
    return dst !== 0 || src !== 0 || imm !== 0 ? 'may_goto uses reserved fields' : undefined;
  }
  if (isX && imm !== 0) return 'conditional jump uses the reserved immediate field';
  if (!isX && src !== 0) return 'conditional jump uses the reserved source register';
  return undefined;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/**
 * Decodes and checks every instruction: encodings (above), the second half of each lddw, and
 * that jumps land on an instruction inside the buffer (not past the end, not into an lddw tail).
 */
export function decodeStrict(bytes: Uint8Array, byteOffset = 0, byteLength = bytes.length - byteOffset): DecodeResult {
  const raw = decodeRaw(bytes, byteOffset, byteLength);
  if (!raw.ok) return raw;
  const insns = raw.insns;
  const fail = (slot: number, message: string): DecodeResult => ({
    ok: false,
    error: { stage: 'isa', offset: byteOffset + slot * 8, slot, message } satisfies DecodeError,
  });
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i]!;
    if (insn.tail) {
      if (insn.code !== 0 || insn.dst !== 0 || insn.src !== 0 || insn.off !== 0) {
        return fail(i, 'second half of lddw uses reserved fields');
      }
      continue;
    }
    const problem = encodingProblem(insn);
    if (problem !== undefined) return fail(i, problem);
    const target = jumpTarget(insn, i);
    if (target !== undefined && (target < 0 || target >= insns.length || insns[target]!.tail)) {
      return fail(i, `jump out of range from insn ${i} to ${target}`);
    }
  }
  return raw;
}

/** Slot a jump or bpf-to-bpf call goes to; undefined for other instructions. */
export function jumpTarget(insn: Insn, slot: number): number | undefined {
  const cls = insn.code & 0x07;
  if (cls !== Cls.JMP && cls !== Cls.JMP32) return undefined;
  const op = insn.code & 0xf0;
  if (op === JmpOp.EXIT) return undefined;
  if (op === JmpOp.CALL) return insn.src === 1 && (insn.code & Src.X) === 0 ? slot + 1 + insn.imm : undefined;
  if (op === JmpOp.JA && cls === Cls.JMP32) return slot + 1 + insn.imm;
  return slot + 1 + insn.off;
}
