// One description of every instruction's effect, shared by both tiers.
//
// Each entry produces a JavaScript statement over 64-bit registers held as two int32 words
// (lo, hi). The interpreter instantiates them once, over `R[D]`/`R[D+1]`, into a fixed dispatch
// function; the JIT instantiates them per instruction over local variables. The code text comes only
// from these templates and from numbers taken out of decoded instruction fields, never from strings
// in the input. Invariant: every assignment to a register word yields an int32 (`|0`-normalised), so
// `===` compares words exactly and signed comparisons can use `<` on the hi word.
//
// Semantics follow RFC 9669 (BPF ISA): division by zero gives 0, modulo by zero leaves the dividend;
// signed overflow (INT_MIN / -1) wraps; shift counts are masked to the operand width; ALU32 results
// are zero-extended into the upper half.

import { AluOp, AtomicOp, Cls, JmpOp, Mode, Size, Src } from '../isa/opcodes';

/** Register operands: assignable lo/hi expressions for dst, readable ones for src (or imm). */
export interface Operands {
  readonly dl: string;
  readonly dh: string;
  readonly sl: string;
  readonly sh: string;
}

/** Statement for an ALU or ALU64 instruction, or undefined when the encoding is invalid. */
export function aluStmt(code: number, off: number, imm: number, o: Operands): string | undefined {
  const cls = code & 7;
  const op = code & 0xf0;
  const x = (code & 0x08) === Src.X;
  const { dl, dh, sl, sh } = o;
  if (cls === Cls.ALU64) {
    switch (op) {
      case AluOp.ADD: return `t=(${dl}>>>0)+(${sl}>>>0);${dh}=(${dh}+${sh}+(t>4294967295?1:0))|0;${dl}=t|0;`;
      case AluOp.SUB: return `t=(${dl}>>>0)-(${sl}>>>0);${dh}=(${dh}-${sh}-(t<0?1:0))|0;${dl}=t|0;`;
      case AluOp.MUL: return `t=${dl};u=${dh};${dh}=(mulhi(t,${sl})+Math.imul(t,${sh})+Math.imul(u,${sl}))|0;${dl}=Math.imul(t,${sl});`;
      case AluOp.DIV:
        if (off === 1) return `sdiv64(${dl},${dh},${sl},${sh},V);${dl}=V[0];${dh}=V[1];`;
        if (off !== 0) return undefined;
        return `if((${dh}|${sh})===0){t=${sl}>>>0;${dl}=t===0?0:(((${dl}>>>0)/t)>>>0)|0;}else{udiv64(${dl},${dh},${sl},${sh},V);${dl}=V[0];${dh}=V[1];}`;
      case AluOp.MOD:
        if (off === 1) return `smod64(${dl},${dh},${sl},${sh},V);${dl}=V[0];${dh}=V[1];`;
        if (off !== 0) return undefined;
        return `if((${dh}|${sh})===0){t=${sl}>>>0;if(t!==0)${dl}=((${dl}>>>0)%t)|0;}else{umod64(${dl},${dh},${sl},${sh},V);${dl}=V[0];${dh}=V[1];}`;
      case AluOp.OR: return `${dl}=${dl}|${sl};${dh}=${dh}|${sh};`;
      case AluOp.AND: return `${dl}=${dl}&${sl};${dh}=${dh}&${sh};`;
      case AluOp.XOR: return `${dl}=${dl}^${sl};${dh}=${dh}^${sh};`;
      case AluOp.LSH: return `t=${sl}&63;if(t>=32){${dh}=${dl}<<(t-32);${dl}=0;}else if(t>0){${dh}=(${dh}<<t)|(${dl}>>>(32-t));${dl}=${dl}<<t;}`;
      case AluOp.RSH: return `t=${sl}&63;if(t>=32){${dl}=(${dh}>>>(t-32))|0;${dh}=0;}else if(t>0){${dl}=(${dl}>>>t)|(${dh}<<(32-t));${dh}=(${dh}>>>t)|0;}`;
      case AluOp.ARSH: return `t=${sl}&63;if(t>=32){${dl}=${dh}>>(t-32);${dh}=${dh}>>31;}else if(t>0){${dl}=(${dl}>>>t)|(${dh}<<(32-t));${dh}=${dh}>>t;}`;
      case AluOp.NEG: return x ? undefined : `t=${dl};${dl}=(-t)|0;${dh}=(~${dh}+(t===0?1:0))|0;`;
      case AluOp.MOV:
        if (!x && off !== 0) return undefined;
        switch (off) {
          case 0: return `${dl}=${sl};${dh}=${sh};`;
          case 8: return `${dl}=(${sl}<<24)>>24;${dh}=${dl}>>31;`;
          case 16: return `${dl}=(${sl}<<16)>>16;${dh}=${dl}>>31;`;
          case 32: return `${dl}=${sl};${dh}=${dl}>>31;`;
          default: return undefined;
        }
      case AluOp.END:
        // ALU64|END is the v4 unconditional byte swap.
        if (x) return undefined;
        return bswap(imm, dl, dh);
      default: return undefined;
    }
  }
  if (cls !== Cls.ALU) return undefined;
  const z = `${dh}=0;`;
  switch (op) {
    case AluOp.ADD: return `${dl}=(${dl}+${sl})|0;${z}`;
    case AluOp.SUB: return `${dl}=(${dl}-${sl})|0;${z}`;
    case AluOp.MUL: return `${dl}=Math.imul(${dl},${sl});${z}`;
    case AluOp.DIV:
      if (off === 1) return `t=${sl}|0;${dl}=t===0?0:(t===-1?(-${dl})|0:((${dl}|0)/t)|0);${z}`;
      if (off !== 0) return undefined;
      return `t=${sl}>>>0;${dl}=t===0?0:(((${dl}>>>0)/t)>>>0)|0;${z}`;
    case AluOp.MOD:
      if (off === 1) return `t=${sl}|0;if(t!==0)${dl}=t===-1?0:((${dl}|0)%t)|0;${z}`;
      if (off !== 0) return undefined;
      return `t=${sl}>>>0;if(t!==0)${dl}=((${dl}>>>0)%t)|0;${z}`;
    case AluOp.OR: return `${dl}=${dl}|${sl};${z}`;
    case AluOp.AND: return `${dl}=${dl}&${sl};${z}`;
    case AluOp.XOR: return `${dl}=${dl}^${sl};${z}`;
    case AluOp.LSH: return `${dl}=${dl}<<(${sl}&31);${z}`;
    case AluOp.RSH: return `${dl}=(${dl}>>>(${sl}&31))|0;${z}`;
    case AluOp.ARSH: return `${dl}=${dl}>>(${sl}&31);${z}`;
    case AluOp.NEG: return x ? undefined : `${dl}=(-${dl})|0;${z}`;
    case AluOp.MOV:
      if (!x && off !== 0) return undefined;
      switch (off) {
        case 0: return `${dl}=${sl};${z}`;
        case 8: return `${dl}=(${sl}<<24)>>24;${z}`;
        case 16: return `${dl}=(${sl}<<16)>>16;${z}`;
        default: return undefined;
      }
    case AluOp.END:
      if (!x) {
        // to little-endian on a little-endian machine: truncate to the width.
        switch (imm) {
          case 16: return `${dl}=${dl}&65535;${z}`;
          case 32: return z;
          case 64: return '';
          default: return undefined;
        }
      }
      return bswap(imm, dl, dh);
    default: return undefined;
  }
}

function bswap(imm: number, dl: string, dh: string): string | undefined {
  switch (imm) {
    case 16: return `${dl}=((${dl}&255)<<8)|((${dl}>>>8)&255);${dh}=0;`;
    case 32: return `t=${dl};${dl}=(t<<24)|((t&65280)<<8)|((t>>>8)&65280)|(t>>>24);${dh}=0;`;
    case 64: return `t=${dl};u=${dh};${dl}=(u<<24)|((u&65280)<<8)|((u>>>8)&65280)|(u>>>24);${dh}=(t<<24)|((t&65280)<<8)|((t>>>8)&65280)|(t>>>24);`;
    default: return undefined;
  }
}

/** Condition expression for a conditional jump (JMP or JMP32 class), or undefined when invalid. */
export function jmpCond(code: number, o: Operands): string | undefined {
  const cls = code & 7;
  const op = code & 0xf0;
  const { dl, dh, sl, sh } = o;
  if (cls === Cls.JMP32) {
    switch (op) {
      case JmpOp.JEQ: return `${dl}===${sl}`;
      case JmpOp.JNE: return `${dl}!==${sl}`;
      case JmpOp.JGT: return `(${dl}>>>0)>(${sl}>>>0)`;
      case JmpOp.JGE: return `(${dl}>>>0)>=(${sl}>>>0)`;
      case JmpOp.JLT: return `(${dl}>>>0)<(${sl}>>>0)`;
      case JmpOp.JLE: return `(${dl}>>>0)<=(${sl}>>>0)`;
      case JmpOp.JSGT: return `(${dl}|0)>(${sl}|0)`;
      case JmpOp.JSGE: return `(${dl}|0)>=(${sl}|0)`;
      case JmpOp.JSLT: return `(${dl}|0)<(${sl}|0)`;
      case JmpOp.JSLE: return `(${dl}|0)<=(${sl}|0)`;
      case JmpOp.JSET: return `(${dl}&${sl})!==0`;
      default: return undefined;
    }
  }
  const ult = (a: string, b: string, al: string, bl: string, strict: boolean) =>
    `((${a}>>>0)<(${b}>>>0)||(${a}===${b}&&(${al}>>>0)${strict ? '<' : '<='}(${bl}>>>0)))`;
  const slt = (a: string, b: string, al: string, bl: string, strict: boolean) =>
    `(${a}<${b}||(${a}===${b}&&(${al}>>>0)${strict ? '<' : '<='}(${bl}>>>0)))`;
  switch (op) {
    case JmpOp.JEQ: return `(${dl}===${sl}&&${dh}===${sh})`;
    case JmpOp.JNE: return `(${dl}!==${sl}||${dh}!==${sh})`;
    case JmpOp.JGT: return ult(sh, dh, sl, dl, true);
    case JmpOp.JGE: return ult(sh, dh, sl, dl, false);
    case JmpOp.JLT: return ult(dh, sh, dl, sl, true);
    case JmpOp.JLE: return ult(dh, sh, dl, sl, false);
    case JmpOp.JSGT: return slt(sh, dh, sl, dl, true);
    case JmpOp.JSGE: return slt(sh, dh, sl, dl, false);
    case JmpOp.JSLT: return slt(dh, sh, dl, sl, true);
    case JmpOp.JSLE: return slt(dh, sh, dl, sl, false);
    case JmpOp.JSET: return `((${dl}&${sl})!==0||(${dh}&${sh})!==0)`;
    default: return undefined;
  }
}

export function sizeBytes(code: number): number {
  switch (code & 0x18) {
    case Size.B: return 1;
    case Size.H: return 2;
    case Size.W: return 4;
    default: return 8;
  }
}

/** Statement for LDX (MEM or MEMSX); `addrH/addrL` is the base register, `off` the displacement. */
export function ldxStmt(code: number, o: Operands, off: number | string, slot: number | string): string | undefined {
  const mode = code & 0xe0;
  const size = sizeBytes(code);
  // 1-, 2- and 4-byte loads return the word (Memory.ld1/2/4); 8-byte loads go through V.
  const word = size === 4 ? `mem.ld4(${o.sh},${o.sl},${off},${slot},V)` : `mem.ld${size}(${o.sh},${o.sl},${off},${slot})`;
  if (mode === Mode.MEM) {
    if (size === 8) return `mem.load(${o.sh},${o.sl},${off},8,${slot},V);${o.dl}=V[0];${o.dh}=V[1];`;
    return size === 4 ? `${o.dl}=${word};${o.dh}=V[1];` : `${o.dl}=${word};${o.dh}=0;`;
  }
  if (mode === Mode.MEMSX) {
    switch (size) {
      case 1: return `${o.dl}=(${word}<<24)>>24;${o.dh}=${o.dl}>>31;`;
      case 2: return `${o.dl}=(${word}<<16)>>16;${o.dh}=${o.dl}>>31;`;
      case 4: return `${o.dl}=${word};${o.dh}=${o.dl}>>31;`;
      default: return undefined;
    }
  }
  return undefined;
}

/** ST (immediate source) and STX (register source) to [dst+off]. */
export function stStmt(code: number, o: Operands, off: number | string, slot: number | string): string {
  const size = sizeBytes(code);
  // Memory.st1/st2/st4/st8: the high word matters only to 8-byte stores.
  return size === 8
    ? `mem.st8(${o.dh},${o.dl},${off},${slot},${o.sl},${o.sh});`
    : `mem.st${size}(${o.dh},${o.dl},${off},${slot},${o.sl});`;
}

/** STX|ATOMIC: `r0l/r0h` name register 0 (CMPXCHG compares with and returns into it). */
export function atomicStmt(code: number, imm: number, o: Operands, off: number, slot: number, r0l: string, r0h: string): string | undefined {
  const size = sizeBytes(code);
  if (size !== 4 && size !== 8) return undefined;
  const base = imm & ~AtomicOp.FETCH;
  const fetch = (imm & AtomicOp.FETCH) !== 0;
  if (imm === AtomicOp.CMPXCHG) {
    return `atomic(mem,${o.dh},${o.dl},${off},${size},${slot},${imm},${o.sl},${o.sh},${r0l},${r0h},V);${r0l}=V[0];${r0h}=V[1];`;
  }
  if (imm === AtomicOp.XCHG || [AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR].includes(base as 0)) {
    const call = `atomic(mem,${o.dh},${o.dl},${off},${size},${slot},${imm},${o.sl},${o.sh},0,0,V);`;
    return fetch ? `${call}${o.sl}=V[0];${o.sh}=V[1];` : call;
  }
  return undefined;
}
