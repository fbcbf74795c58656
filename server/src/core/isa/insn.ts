// A decoded eBPF instruction. Programs are arrays indexed by *slot* (8-byte unit), as
// llvm-objdump and the kernel's verifier log number them; the second slot of an
// LD_IMM64 (lddw) holds a `tail` entry so jump arithmetic stays slot-based.

import { Cls, INSN_SIZE, Mode, Size } from './opcodes';

export interface Insn {
  /** The opcode byte. */
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  /** Signed 16-bit offset. */
  readonly off: number;
  /** Signed 32-bit immediate. */
  readonly imm: number;
  /** For LD_IMM64 only: the full 64-bit immediate (low word from this slot, high from the next). */
  readonly imm64?: bigint;
  /** True for the second slot of an LD_IMM64: not an instruction of its own. */
  readonly tail?: boolean;
}

export interface DecodeError {
  readonly stage: 'isa';
  /** Byte offset of the offending instruction within the decoded buffer. */
  readonly offset: number;
  readonly slot: number;
  readonly message: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly insns: Insn[] }
  | { readonly ok: false; readonly error: DecodeError };

export function insnClass(code: number): number {
  return code & 0x07;
}

export function isLdImm64(code: number): boolean {
  return code === (Cls.LD | Mode.IMM | Size.DW);
}

/** Decodes raw little-endian instruction bytes into slot-indexed instructions (no semantic checks). */
export function decodeRaw(bytes: Uint8Array, byteOffset = 0, byteLength = bytes.length - byteOffset): DecodeResult {
  if (byteLength % INSN_SIZE !== 0) {
    return { ok: false, error: { stage: 'isa', offset: byteOffset + byteLength - (byteLength % INSN_SIZE), slot: Math.floor(byteLength / INSN_SIZE), message: `instruction bytes (${byteLength}) are not a multiple of 8` } };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, byteLength);
  const n = byteLength / INSN_SIZE;
  const insns: Insn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * INSN_SIZE;
    const code = view.getUint8(o);
    const regs = view.getUint8(o + 1);
    const dst = regs & 0x0f;
    const src = regs >> 4;
    const off = view.getInt16(o + 2, true);
    const imm = view.getInt32(o + 4, true);
    if (isLdImm64(code)) {
      if (i + 1 >= n) {
        return { ok: false, error: { stage: 'isa', offset: byteOffset + o, slot: i, message: 'lddw at the last slot has no second half' } };
      }
      const hiCode = view.getUint8(o + 8);
      const hiImm = view.getInt32(o + 12, true);
      const imm64 = (BigInt(hiImm >>> 0) << 32n) | BigInt(imm >>> 0);
      insns[i] = { code, dst, src, off, imm, imm64 };
      insns[i + 1] = { code: hiCode, dst: view.getUint8(o + 9) & 0x0f, src: view.getUint8(o + 9) >> 4, off: view.getInt16(o + 10, true), imm: hiImm, tail: true };
      i++;
      continue;
    }
    insns[i] = { code, dst, src, off, imm };
  }
  return { ok: true, insns };
}
