// Hand-picked kernel cases for the exact unit tests (exact.test.ts). Each is a short program over two
// unknown scalars r6, r7 (see kernelDiff.ts: insns 0-3 are the two bpf_get_prandom_u32 calls, so step i
// is instruction i + 4). The expected strings in exact.test.ts were recorded from the running kernel's
// verifier log (Linux 6.18, log level 2) with record-exact (KDIFF_RECORD=1).

import { AluOp as A, JmpOp as J } from '../../../../server/src/core/isa/opcodes';
import type { Step } from './kernelDiff';

const and6 = (imm: number): Step => ({ k: 'alu', op: A.AND, is64: true, dst: 6, imm });
const and7 = (imm: number): Step => ({ k: 'alu', op: A.AND, is64: true, dst: 7, imm });

export const EXACT_CASES: Record<string, Step[]> = {
  'tnum_mul: (0;0xff) * 3': [and6(0xff), { k: 'alu', op: A.MUL, is64: true, dst: 6, imm: 3 }],
  'tnum_mul: (0;0xf) * (0;0x6) register': [and6(0xf), and7(6), { k: 'alu', op: A.MUL, is64: true, dst: 6, reg: true }],
  'mul: signed corners [-128,127] * -3': [and6(0xff), { k: 'alu', op: A.SUB, is64: true, dst: 6, imm: 128 },
    { k: 'alu', op: A.MUL, is64: true, dst: 6, imm: -3 }],
  'mul32: u16 * 0x8000 (tnum and u32 overflow check)': [and6(0xffff), { k: 'alu', op: A.MUL, is64: false, dst: 6, imm: 0x8000 }],
  '32-bit wrap: w6 = (0..255) + -1 zero-extends': [and6(0xff), { k: 'alu', op: A.ADD, is64: false, dst: 6, imm: -1 }],
  '32-bit wrap: w6 = (0..255) - 256': [and6(0xff), { k: 'alu', op: A.SUB, is64: false, dst: 6, imm: 256 }],
  '64-bit add wrapping for all values keeps unsigned bounds': [and6(0xff), { k: 'alu', op: A.ADD, is64: true, dst: 6, imm: -256 }],
  'signed/unsigned crossing: [0,255] - 128, then s> 0': [and6(0xff), { k: 'alu', op: A.SUB, is64: true, dst: 6, imm: 128 },
    { k: 'jmp', op: J.JSGT, is32: false, dst: 6, imm: 0 }],
  'crossing: unknown s< 0 then u> 10': [{ k: 'jmp', op: J.JSLT, is32: false, dst: 6, imm: 0 },
    { k: 'jmp', op: J.JGT, is32: false, dst: 6, imm: 10 }],
  'crossing 32: w6 > 0x7fffffff': [{ k: 'jmp', op: J.JGT, is32: true, dst: 6, imm: 0x7fffffff }],
  'ARSH 64: (u8 << 56) s>> 56': [and6(0xff), { k: 'alu', op: A.LSH, is64: true, dst: 6, imm: 56 },
    { k: 'alu', op: A.ARSH, is64: true, dst: 6, imm: 56 }],
  'ARSH 32: (u8 << 24) s>> 24': [and6(0xff), { k: 'alu', op: A.LSH, is64: false, dst: 6, imm: 24 },
    { k: 'alu', op: A.ARSH, is64: false, dst: 6, imm: 24 }],
  'ARSH of unknown by 63 gives [-1, 0]': [{ k: 'alu', op: A.ARSH, is64: true, dst: 6, imm: 63 }],
  'LSH 32 of s32 range then sign-extension idiom': [and6(0xff), { k: 'alu', op: A.SUB, is64: true, dst: 6, imm: 100 },
    { k: 'alu', op: A.LSH, is64: true, dst: 6, imm: 32 }, { k: 'alu', op: A.ARSH, is64: true, dst: 6, imm: 32 }],
  'RSH of a register amount is unknown': [and7(7), { k: 'alu', op: A.RSH, is64: true, dst: 6, reg: true }],
  'be16 of (0;0xff00) is (0;0xff)': [and6(0xff00), { k: 'end', form: 'be', bits: 16, dst: 6 }],
  'bswap32 of unknown keeps 32 bits': [{ k: 'end', form: 'bswap', bits: 32, dst: 6 }],
  'le16 of unknown truncates': [{ k: 'end', form: 'le', bits: 16, dst: 6 }],
  'bswap64 of (0;0xff)': [and6(0xff), { k: 'end', form: 'bswap', bits: 64, dst: 6 }],
  'movsx64 s8 of [0,255]': [and7(0xff), { k: 'movsx', is64: true, bits: 8, dst: 6 }],
  'movsx64 s8 of [0x80,0xff] is negative': [and7(0x7f), { k: 'alu', op: A.OR, is64: true, dst: 7, imm: 0x80 },
    { k: 'movsx', is64: true, bits: 8, dst: 6 }],
  'movsx32 s16 of unknown': [{ k: 'movsx', is64: false, bits: 16, dst: 6 }],
  'movsx64 s32 of [0,100]': [and7(0x7f), { k: 'jmp', op: J.JGT, is32: false, dst: 7, imm: 100 },
    { k: 'movsx', is64: true, bits: 32, dst: 6 }],
  'JSET single bit on (0;0xff): both edges': [and6(0xff), { k: 'jmp', op: J.JSET, is32: false, dst: 6, imm: 4 }],
  'JSET two bits: only the false edge learns': [and6(0xff), { k: 'jmp', op: J.JSET, is32: false, dst: 6, imm: 6 }],
  'JSET 32 on unknown': [{ k: 'jmp', op: J.JSET, is32: true, dst: 6, imm: 0x80000000 }],
  'JNE 0 on (0;0xf)': [and6(0xf), { k: 'jmp', op: J.JNE, is32: false, dst: 6, imm: 0 }],
  'JNE at the top edge': [and6(0xf), { k: 'jmp', op: J.JNE, is32: false, dst: 6, imm: 15 }],
  'JNE in the middle learns nothing': [and6(0xf), { k: 'jmp', op: J.JNE, is32: false, dst: 6, imm: 7 }],
  'JEQ 32 against a constant keeps the upper word unknown': [{ k: 'jmp', op: J.JEQ, is32: true, dst: 6, imm: 5 }],
  'JEQ register with register': [and6(0xff), and7(0xf0), { k: 'jmp', op: J.JEQ, is32: false, dst: 6, reg: true }],
  'JLT register: both operands refined': [and6(0xff), and7(0xf), { k: 'jmp', op: J.JLT, is32: false, dst: 7, reg: true }],
  'single value: (0;0x8000) >= 255': [and6(0x8000), { k: 'jmp', op: J.JLT, is32: true, dst: 6, imm: 255 }],
  'div and mod are not tracked (64 and 32)': [and6(0xff), { k: 'alu', op: A.DIV, is64: true, dst: 6, imm: 3 },
    and7(0xff), { k: 'alu', op: A.MOD, is64: false, dst: 7, imm: 10 }],
  'neg of [0,255]': [and6(0xff), { k: 'neg', is64: true, dst: 6 }],
  'neg32 of [1,255]': [and6(0xff), { k: 'jmp', op: J.JEQ, is32: false, dst: 6, imm: 0 }, { k: 'neg', is64: false, dst: 6 }],
  'fork of [-1,0] before AND': [{ k: 'alu', op: A.ARSH, is64: true, dst: 6, imm: 63 }, and6(5)],
  'xor of two ranges': [and6(0xf0), and7(0x0f), { k: 'alu', op: A.XOR, is64: true, dst: 6, reg: true }],
  'or with a constant sets bits': [and6(0xf0), { k: 'alu', op: A.OR, is64: false, dst: 6, imm: 0x101 }],
};
