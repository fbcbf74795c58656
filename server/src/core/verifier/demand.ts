// Which scalar values matter: a static stand-in for the kernel's precision tracking
// (kernel/bpf/verifier.c @6.12: mark_chain_precision / backtrack_insn). A scalar is *demanded* at
// an instruction when some path from there uses its value for a safety decision: a branch, a
// pointer offset, a helper argument, a stack slot read back into such a use, or the program's R0 at
// exit (kept exact for the return-code analysis). Pruning may ignore the ranges of undemanded
// scalars, exactly as the kernel ignores imprecise ones; everything else is compared in full.
//
// Soundness: demand is computed backwards over every CFG path (may-analysis, like liveness), with
// conservative rules where types are unknown statically: an addition of two registers demands
// both when either may be a pointer, and a read through any pointer that may alias the stack
// (other than r10 itself) makes every stack slot demanded for the whole program.

import type { Insn } from '../isa/insn';
import { AluOp, Cls, JmpOp, LdImm64Src, Mode } from '../isa/opcodes';
import { isLdImm64 } from '../isa/insn';
import { predecessors, successors } from './cfg';
import { xdpHelper } from './helpers';

export interface Demand {
  /** Demanded registers (bit r) at entry of each slot. */
  readonly regs: Uint16Array;
  /** Demanded 8-byte stack slots of the current frame at entry of each slot (bit = spi, 64 bits as two words). */
  readonly slotsLo: Uint32Array;
  readonly slotsHi: Uint32Array;
  /** Every stack slot is demanded everywhere (a possibly aliasing read was found). */
  readonly stackAll: boolean;
}

const ALL_ARGS = 0x3e;

/** Forward may-point-to-stack / may-be-pointer masks (per slot, at entry). */
function pointerMasks(insns: readonly Insn[], subStarts: readonly number[]): { fp: Uint16Array; ptr: Uint16Array } {
  const n = insns.length;
  const fp = new Uint16Array(n);
  const ptr = new Uint16Array(n);
  const seen = new Uint8Array(n);
  const work: number[] = [];
  const push = (pc: number, f: number, p: number) => {
    if (pc >= n) return;
    const nf = fp[pc]! | f;
    const np = ptr[pc]! | p;
    if (seen[pc] && nf === fp[pc] && np === ptr[pc]) return;
    seen[pc] = 1;
    fp[pc] = nf;
    ptr[pc] = np;
    work.push(pc);
  };
  for (const s of subStarts) {
    if (s === 0) push(0, 1 << 10, (1 << 10) | (1 << 1));
    else push(s, (1 << 10) | ALL_ARGS, (1 << 10) | ALL_ARGS);
  }
  while (work.length) {
    const pc = work.pop()!;
    const i = insns[pc]!;
    let f = fp[pc]!;
    let p = ptr[pc]!;
    const b = (r: number) => 1 << r;
    const cls = i.code & 0x07;
    const x = (i.code & 0x08) !== 0;
    if (cls === Cls.ALU64 || cls === Cls.ALU) {
      const op = i.code & 0xf0;
      if (cls === Cls.ALU || (op !== AluOp.MOV && op !== AluOp.ADD && op !== AluOp.SUB)) {
        f &= ~b(i.dst);
        p &= ~b(i.dst);
      } else if (op === AluOp.MOV) {
        const sf = x && i.off === 0 ? f & b(i.src) : 0;
        const sp = x && i.off === 0 ? p & b(i.src) : 0;
        f = (f & ~b(i.dst)) | (sf ? b(i.dst) : 0);
        p = (p & ~b(i.dst)) | (sp ? b(i.dst) : 0);
      } else if (x) {
        if (f & b(i.src)) f |= b(i.dst);
        if (p & b(i.src)) p |= b(i.dst);
      }
    } else if (cls === Cls.LDX) {
      const size = [4, 2, 1, 8][(i.code >> 3) & 3]!;
      const mayPtr = size === 8 || (size === 4 && (p & b(i.src)) !== 0);
      const mayFp = size === 8 && (f & b(i.src)) !== 0;
      f = (f & ~b(i.dst)) | (mayFp ? b(i.dst) : 0);
      p = (p & ~b(i.dst)) | (mayPtr ? b(i.dst) : 0);
    } else if (cls === Cls.LD && isLdImm64(i.code)) {
      f &= ~b(i.dst);
      p = i.src === LdImm64Src.IMM ? p & ~b(i.dst) : p | b(i.dst);
    } else if (cls === Cls.STX && (i.code & 0xe0) === Mode.ATOMIC) {
      f &= ~(b(i.src) | b(0));
      p &= ~(b(i.src) | b(0));
    } else if ((cls === Cls.JMP || cls === Cls.JMP32) && (i.code & 0xf0) === JmpOp.CALL) {
      f &= ~0x3f;
      p = (p & ~0x3f) | b(0);
    }
    for (const t of successors(insns, pc)) push(t, f, p);
  }
  return { fp, ptr };
}

export function computeDemand(insns: readonly Insn[], subStarts: readonly number[]): Demand {
  const n = insns.length;
  const { fp, ptr } = pointerMasks(insns, subStarts);
  const regs = new Uint16Array(n);
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  let stackAll = false;
  const preds = predecessors(insns);
  const work: number[] = [];
  const inWork = new Uint8Array(n);
  for (let pc = 0; pc < n; pc++) if (!insns[pc]!.tail) { work.push(pc); inWork[pc] = 1; }
  const b = (r: number) => 1 << r;
  while (work.length) {
    const pc = work.pop()!;
    inWork[pc] = 0;
    const i = insns[pc]!;
    let d = 0;
    let sl = 0;
    let sh = 0;
    for (const t of successors(insns, pc)) {
      if (t >= n) continue;
      d |= regs[t]!;
      sl |= lo[t]!;
      sh |= hi[t]!;
    }
    const cls = i.code & 0x07;
    const x = (i.code & 0x08) !== 0;
    const slotBit = (off: number): [number, number] => {
      const spi = (512 + off) >> 3;
      if (off >= 0 || off < -512) return [0, 0];
      return spi < 32 ? [1 << spi, 0] : [0, 1 << (spi - 32)];
    };
    switch (cls) {
      case Cls.ALU:
      case Cls.ALU64: {
        const op = i.code & 0xf0;
        const dstD = (d & b(i.dst)) !== 0;
        if (op === AluOp.MOV) {
          d &= ~b(i.dst);
          if (dstD && x) d |= b(i.src);
        } else if (x) {
          const pointerish = ((ptr[pc]! | fp[pc]!) & (b(i.dst) | b(i.src))) !== 0 && cls === Cls.ALU64 && (op === AluOp.ADD || op === AluOp.SUB);
          if (dstD || pointerish) d |= b(i.dst) | b(i.src);
        } else if ((op === AluOp.ADD || op === AluOp.SUB) && cls === Cls.ALU64 && ((ptr[pc]! | fp[pc]!) & b(i.dst)) !== 0) {
          // pointer += constant: nothing scalar to demand
        }
        break;
      }
      case Cls.LDX: {
        const dstD = (d & b(i.dst)) !== 0;
        d &= ~b(i.dst);
        if (dstD) {
          if (i.src === 10) {
            const [l, h] = slotBit(i.off);
            sl |= l;
            sh |= h;
          } else if ((fp[pc]! & b(i.src)) !== 0) stackAll = true;
        }
        break;
      }
      case Cls.ST:
        if (i.dst === 10 && ((i.code >> 3) & 3) === 3) {
          const [l, h] = slotBit(i.off);
          sl &= ~l;
          sh &= ~h;
        }
        break;
      case Cls.STX:
        if ((i.code & 0xe0) === Mode.ATOMIC) {
          d |= b(i.src) | b(i.dst);
          if (i.imm === 0xf1) d |= b(0);
          break;
        }
        if (i.dst === 10) {
          const [l, h] = slotBit(i.off);
          if ((sl & l) || (sh & h)) d |= b(i.src);
          if (((i.code >> 3) & 3) === 3) {
            sl &= ~l;
            sh &= ~h;
          }
        } else if ((fp[pc]! & b(i.dst)) !== 0) {
          // a store through a stack pointer may land in any demanded slot
          if (sl || sh) d |= b(i.src);
        }
        break;
      case Cls.LD:
        if (isLdImm64(i.code)) d &= ~b(i.dst);
        else d |= 0x3ff;
        break;
      case Cls.JMP:
      case Cls.JMP32: {
        const op = i.code & 0xf0;
        if (op === JmpOp.EXIT) {
          d = b(0);
          sl = 0;
          sh = 0;
        } else if (op === JmpOp.CALL) {
          d &= ~0x3f;
          let uses = ALL_ARGS;
          if (i.src === 0) {
            const p = xdpHelper(i.imm);
            if (p) {
              uses = 0;
              for (let a = 0; a < p.args.length; a++) uses |= b(a + 1);
            }
            if (i.imm === 1) stackAll = true; // constant array keys change the lookup's result type (6.14+)
          }
          d |= uses;
        } else if (op !== JmpOp.JA && op !== JmpOp.JCOND) {
          d |= b(i.dst) | (x ? b(i.src) : 0);
        }
        break;
      }
    }
    d &= 0x3ff;
    // The slot words are compared unsigned, as the arrays store them: bit 31 (slot 31, or the
    // slot at fp-8) makes the int negative, and a signed compare would never settle in a loop.
    sl >>>= 0;
    sh >>>= 0;
    if (d !== regs[pc] || sl !== lo[pc] || sh !== hi[pc]) {
      regs[pc] = d;
      lo[pc] = sl;
      hi[pc] = sh;
      for (const p of preds[pc]!) if (!inWork[p]) { inWork[p] = 1; work.push(p); }
    }
  }
  return { regs, slotsLo: lo, slotsHi: hi, stackAll };
}
