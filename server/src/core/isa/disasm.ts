// Disassembler printing LLVM's BPF assembly syntax, the syntax the kernel's verifier log uses:
//   r1 = *(u32 *)(r6 + 4)    if r3 > r2 goto +21    call 44    r1 = 0 ll
//
// Two dialects:
// - 'llvm14' reproduces `llvm-objdump -d --no-show-raw-insn` of LLVM 14 (Debian 12's default)
//   instruction by instruction, including what that version cannot decode (`<unknown>` for the
//   ISA v4 additions, JSET, stores of immediates) and what it decodes loosely (movsx printed as
//   mov, sdiv as div, callx naming the register in `imm`). Tests compare it byte for byte.
// - 'modern' is what users read: every instruction named (v4 included), the way newer LLVM
//   and the kernel print it, with decimal numbers.

import type { Insn } from './insn';
import { AluOp, AtomicOp, Cls, JmpOp, LdImm64Src, Mode, Size, Src } from './opcodes';
import { helperName } from './helpers';

export type Dialect = 'llvm14' | 'modern';

export interface FormatOptions {
  readonly dialect: Dialect;
  /** For jump annotations `<sym+0x..>`: name and byte offset of the function symbol covering a byte offset. */
  readonly symbolize?: (byteOffset: number) => { name: string; offset: number } | undefined;
  /** Byte offset of slot 0 within its section (objdump annotations are section-relative). */
  readonly baseOffset?: number;
  /** Append `// bpf_map_lookup_elem` style comments to helper calls (modern dialect only). */
  readonly helperComments?: boolean;
  /** Names for resolved map references (lddw src = MAP_IDX / MAP_IDX_VALUE), modern dialect. */
  readonly mapName?: (index: number) => string | undefined;
}

const ALU_SYM: Record<number, string> = {
  [AluOp.ADD]: '+=', [AluOp.SUB]: '-=', [AluOp.MUL]: '*=', [AluOp.DIV]: '/=', [AluOp.OR]: '|=',
  [AluOp.AND]: '&=', [AluOp.LSH]: '<<=', [AluOp.RSH]: '>>=', [AluOp.MOD]: '%=', [AluOp.XOR]: '^=',
  [AluOp.ARSH]: 's>>=',
};

const JMP_SYM: Record<number, string> = {
  [JmpOp.JEQ]: '==', [JmpOp.JGT]: '>', [JmpOp.JGE]: '>=', [JmpOp.JSET]: '&', [JmpOp.JNE]: '!=',
  [JmpOp.JSGT]: 's>', [JmpOp.JSGE]: 's>=', [JmpOp.JLT]: '<', [JmpOp.JLE]: '<=', [JmpOp.JSLT]: 's<',
  [JmpOp.JSLE]: 's<=',
};

const SIZE_NAME: Record<number, string> = { [Size.B]: 'u8', [Size.H]: 'u16', [Size.W]: 'u32', [Size.DW]: 'u64' };
const SSIZE_NAME: Record<number, string> = { [Size.B]: 's8', [Size.H]: 's16', [Size.W]: 's32' };

const UNKNOWN = '<unknown>';

/** Formats the instruction at `slot` (an lddw tail formats as the empty string). */
export function formatInsn(insns: readonly Insn[], slot: number, opts: FormatOptions): string {
  const insn = insns[slot]!;
  if (insn.tail) return '';
  const llvm14 = opts.dialect === 'llvm14';
  // LLVM's register class holds r0..r11; an operand beyond it fails to decode.
  if (llvm14 && usesBadRegister(insn)) return UNKNOWN;
  switch (insn.code & 0x07) {
    case Cls.ALU:
    case Cls.ALU64:
      return formatAlu(insn, llvm14);
    case Cls.JMP:
    case Cls.JMP32:
      return formatJmp(insn, slot, opts);
    case Cls.LD:
      return formatLd(insns, slot, opts);
    case Cls.LDX: {
      const mode = insn.code & 0xe0;
      const size = insn.code & 0x18;
      if (mode === Mode.MEMSX) {
        const name = SSIZE_NAME[size];
        return llvm14 || name === undefined ? UNKNOWN : `r${insn.dst} = *(${name} *)(r${insn.src} ${offset(insn.off)})`;
      }
      if (mode !== Mode.MEM) return UNKNOWN;
      return `r${insn.dst} = *(${SIZE_NAME[size]} *)(r${insn.src} ${offset(insn.off)})`;
    }
    case Cls.ST: {
      if (llvm14 || (insn.code & 0xe0) !== Mode.MEM) return UNKNOWN;
      return `*(${SIZE_NAME[insn.code & 0x18]} *)(r${insn.dst} ${offset(insn.off)}) = ${insn.imm}`;
    }
    default:
      return formatStx(insn, llvm14);
  }
}

/** Whether an operand LLVM decodes names a register beyond r11. */
function usesBadRegister(insn: Insn): boolean {
  const cls = insn.code & 0x07;
  const isX = (insn.code & Src.X) !== 0;
  if (cls === Cls.ALU || cls === Cls.ALU64) return insn.dst > 11 || (isX && insn.src > 11);
  if (cls === Cls.JMP || cls === Cls.JMP32) {
    const op = insn.code & 0xf0;
    if (op === JmpOp.JA || op === JmpOp.CALL || op === JmpOp.EXIT || op === JmpOp.JCOND) return false;
    return insn.dst > 11 || (isX && insn.src > 11);
  }
  if (cls === Cls.LD) return insn.code === (Cls.LD | Mode.IMM | Size.DW) ? insn.dst > 11 : (insn.code & 0xe0) === Mode.IND && insn.src > 11;
  if (cls === Cls.ST) return insn.dst > 11;
  return insn.dst > 11 || insn.src > 11;
}

function offset(off: number): string {
  return off < 0 ? `- ${-off}` : `+ ${off}`;
}

function formatAlu(insn: Insn, llvm14: boolean): string {
  const is64 = (insn.code & 0x07) === Cls.ALU64;
  const r = is64 ? 'r' : 'w';
  const op = insn.code & 0xf0;
  const isX = (insn.code & Src.X) !== 0;
  const dst = `${r}${insn.dst}`;
  const srcOperand = isX ? `${r}${insn.src}` : `${insn.imm}`;
  switch (op) {
    case AluOp.NEG:
      return isX ? UNKNOWN : `${dst} = -${dst}`;
    case AluOp.END: {
      if (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) return UNKNOWN;
      if (is64) {
        // ALU64|END|K is bswap (v4).
        if (llvm14 || isX) return UNKNOWN;
        return `r${insn.dst} = bswap${insn.imm} r${insn.dst}`;
      }
      return `r${insn.dst} = ${isX ? 'be' : 'le'}${insn.imm} r${insn.dst}`;
    }
    case AluOp.MOV:
      if (isX && insn.off !== 0 && !llvm14) return `${dst} = (s${insn.off})${r}${insn.src}`;
      return `${dst} = ${srcOperand}`;
    case AluOp.DIV:
    case AluOp.MOD: {
      const signed = insn.off === 1;
      if (llvm14) {
        // LLVM 14 decodes no modulo at all and prints signed division as unsigned.
        if (op === AluOp.MOD) return UNKNOWN;
        return `${dst} ${ALU_SYM[op]} ${srcOperand}`;
      }
      return `${dst} ${signed ? 's' : ''}${ALU_SYM[op]} ${srcOperand}`;
    }
    case 0xe0:
    case 0xf0:
      return UNKNOWN;
    default:
      return `${dst} ${ALU_SYM[op]} ${srcOperand}`;
  }
}

function formatLd(insns: readonly Insn[], slot: number, opts: FormatOptions): string {
  const insn = insns[slot]!;
  const llvm14 = opts.dialect === 'llvm14';
  if (insn.code === (Cls.LD | Mode.IMM | Size.DW)) {
    const value = BigInt.asIntN(64, insn.imm64 ?? 0n);
    if (insn.src === 0) return `r${insn.dst} = ${value} ll`;
    // LLVM 14 prints relocated pseudo loads as `ld_pseudo dst, src, imm`.
    if (llvm14) return `ld_pseudo\tr${insn.dst}, ${insn.src}, ${insn.imm}`;
    const name = opts.mapName?.(insn.imm) ?? `#${insn.imm}`;
    if (insn.src === LdImm64Src.MAP_IDX || insn.src === LdImm64Src.MAP_FD) return `r${insn.dst} = map[${name}] ll`;
    if (insn.src === LdImm64Src.MAP_IDX_VALUE || insn.src === LdImm64Src.MAP_VALUE) {
      const off = insns[slot + 1]?.imm ?? 0;
      return `r${insn.dst} = map[${name}] + ${off} ll`;
    }
    return `r${insn.dst} = ${value} ll  // pseudo ${insn.src}`;
  }
  const mode = insn.code & 0xe0;
  const sizeBits = insn.code & 0x18;
  if (sizeBits === Size.DW) return UNKNOWN;
  const size = SIZE_NAME[sizeBits];
  if (mode === Mode.ABS) return `r0 = *(${size} *)skb[${insn.imm}]`;
  if (mode === Mode.IND) return llvm14 ? `r0 = *(${size} *)skb[r${insn.src}]` : `r0 = *(${size} *)skb[r${insn.src} + ${insn.imm}]`;
  return UNKNOWN;
}

function formatStx(insn: Insn, llvm14: boolean): string {
  const size = insn.code & 0x18;
  const mode = insn.code & 0xe0;
  const mem = `(${SIZE_NAME[size]} *)(r${insn.dst} ${offset(insn.off)})`;
  if (mode === Mode.MEM) return `*${mem} = r${insn.src}`;
  if (mode !== Mode.ATOMIC || (size !== Size.W && size !== Size.DW)) return UNKNOWN;
  return llvm14 ? formatAtomicLlvm14(insn, mem, size === Size.DW) : formatAtomic(insn, mem, size === Size.DW);
}

const ATOMIC_PLAIN: Record<number, string> = { [AtomicOp.ADD]: '+=', [AtomicOp.OR]: '|=', [AtomicOp.AND]: '&=', [AtomicOp.XOR]: '^=' };
const ATOMIC_FETCH: Record<number, string> = {
  [AtomicOp.ADD | AtomicOp.FETCH]: 'add', [AtomicOp.OR | AtomicOp.FETCH]: 'or',
  [AtomicOp.AND | AtomicOp.FETCH]: 'and', [AtomicOp.XOR | AtomicOp.FETCH]: 'xor',
};

function formatAtomic(insn: Insn, mem: string, is64: boolean): string {
  const r = is64 ? 'r' : 'w';
  const { imm, src, dst, off } = insn;
  const plain = ATOMIC_PLAIN[imm];
  if (plain !== undefined) return `lock *${mem} ${plain} ${r}${src}`;
  const fetch = ATOMIC_FETCH[imm];
  if (fetch !== undefined) return `${r}${src} = atomic_fetch_${fetch}(${mem}, ${r}${src})`;
  if (imm === AtomicOp.XCHG) return is64 ? `r${src} = xchg_64(r${dst} ${offset(off)}, r${src})` : `w${src} = xchg32_32(r${dst} ${offset(off)}, w${src})`;
  if (imm === AtomicOp.CMPXCHG) return is64 ? `r0 = cmpxchg_64(r${dst} ${offset(off)}, r0, r${src})` : `w0 = cmpxchg32_32(r${dst} ${offset(off)}, w0, w${src})`;
  return UNKNOWN;
}

// LLVM 14 decodes without the alu32 feature. Its atomic add (the old XADD) matches only the
// operation bits imm[7:4] == 0 and ignores imm[3:0]; for 8-byte atomics the exact fetch,
// or/and/xor, xchg and cmpxchg encodings win first. 4-byte atomics other than add are unknown.
function formatAtomicLlvm14(insn: Insn, mem: string, is64: boolean): string {
  const { imm, src } = insn;
  if (is64 && imm !== AtomicOp.ADD && (ATOMIC_PLAIN[imm] !== undefined || ATOMIC_FETCH[imm] !== undefined || imm === AtomicOp.XCHG || imm === AtomicOp.CMPXCHG)) {
    return formatAtomic(insn, mem, true);
  }
  return (imm & ~0x0f) === 0 ? `lock *${mem} += r${src}` : UNKNOWN;
}

function formatJmp(insn: Insn, slot: number, opts: FormatOptions): string {
  const llvm14 = opts.dialect === 'llvm14';
  const is32 = (insn.code & 0x07) === Cls.JMP32;
  const op = insn.code & 0xf0;
  const isX = (insn.code & Src.X) !== 0;
  const r = is32 ? 'w' : 'r';
  const label = (delta: number): string => {
    const rel = `${delta >= 0 ? '+' : ''}${delta}`;
    const target = (opts.baseOffset ?? 0) + (slot + 1 + delta) * 8;
    const sym = opts.symbolize?.(target);
    if (!sym) return rel;
    return sym.offset === 0 ? `${rel} <${sym.name}>` : `${rel} <${sym.name}+0x${sym.offset.toString(16)}>`;
  };
  switch (op) {
    case JmpOp.JA:
      if (isX) return UNKNOWN;
      if (is32) return llvm14 ? UNKNOWN : `gotol ${label(insn.imm)}`;
      return `goto ${label(insn.off)}`;
    case JmpOp.CALL: {
      if (is32) return UNKNOWN;
      if (isX) {
        // LLVM 14 reads callx's register from imm and refuses numbers beyond its r0..r11.
        if (llvm14) return insn.imm >= 0 && insn.imm <= 11 ? `callx r${insn.imm}` : UNKNOWN;
        return `callx r${insn.dst}`;
      }
      const base = `call ${insn.imm}`;
      if (!opts.helperComments || llvm14 || insn.src !== 0) return base;
      const name = helperName(insn.imm);
      return name ? `${base}  // ${name}` : base;
    }
    case JmpOp.EXIT:
      if (is32 || isX || (llvm14 && insn.imm !== 0)) return UNKNOWN;
      return 'exit';
    case JmpOp.JCOND:
      return llvm14 || is32 ? UNKNOWN : `may_goto ${label(insn.off)}`;
    case 0xf0:
      return UNKNOWN;
    default: {
      if (op === JmpOp.JSET && llvm14) return UNKNOWN;
      const rhs = isX ? `${r}${insn.src}` : `${insn.imm}`;
      return `if ${r}${insn.dst} ${JMP_SYM[op]} ${rhs} goto ${label(insn.off)}`;
    }
  }
}

export interface ListingLine {
  readonly slot: number;
  readonly text: string;
}

/** Formats every instruction of a slot-indexed array (lddw tails skipped), numbered by slot. */
export function disassemble(insns: readonly Insn[], opts: FormatOptions): ListingLine[] {
  const out: ListingLine[] = [];
  for (let slot = 0; slot < insns.length; slot++) {
    if (insns[slot]!.tail) continue;
    out.push({ slot, text: formatInsn(insns, slot, opts) });
  }
  return out;
}

/** One objdump instruction line: slot right-aligned in 8 columns, a colon, a tab, the text. */
export function objdumpLine(slot: number, text: string): string {
  return `${String(slot).padStart(8, ' ')}:\t${text}`;
}
