// eBPF instruction encoding constants (RFC 9669, "BPF Instruction Set Architecture").
// Facts from the RFC and include/uapi/linux/bpf.h; the names follow the kernel's.

export const Cls = { LD: 0, LDX: 1, ST: 2, STX: 3, ALU: 4, JMP: 5, JMP32: 6, ALU64: 7 } as const;
export const Src = { K: 0x00, X: 0x08 } as const;
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export const Mode = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, MEMSX: 0x80, ATOMIC: 0xc0 } as const;

export const AluOp = {
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70,
  NEG: 0x80, MOD: 0x90, XOR: 0xa0, MOV: 0xb0, ARSH: 0xc0, END: 0xd0,
} as const;

export const JmpOp = {
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40, JNE: 0x50, JSGT: 0x60, JSGE: 0x70,
  CALL: 0x80, EXIT: 0x90, JLT: 0xa0, JLE: 0xb0, JSLT: 0xc0, JSLE: 0xd0, JCOND: 0xe0,
} as const;

/** Atomic operations live in `imm` of STX|ATOMIC; FETCH may be or-ed into the arithmetic ones. */
export const AtomicOp = {
  ADD: 0x00, OR: 0x40, AND: 0x50, XOR: 0xa0, FETCH: 0x01, XCHG: 0xe1, CMPXCHG: 0xf1,
} as const;

/** `src` values of a CALL instruction (include/uapi/linux/bpf.h). */
export const CallSrc = { HELPER: 0, PSEUDO_CALL: 1, KFUNC_CALL: 2 } as const;

/** `src` values of an LD_IMM64 (lddw) instruction (include/uapi/linux/bpf.h, BPF_PSEUDO_*). */
export const LdImm64Src = {
  IMM: 0, MAP_FD: 1, MAP_VALUE: 2, BTF_ID: 3, FUNC: 4, MAP_IDX: 5, MAP_IDX_VALUE: 6,
} as const;

export const INSN_SIZE = 8;
export const MAX_BPF_REG = 11; // r0..r10
export const FRAME_POINTER = 10;
