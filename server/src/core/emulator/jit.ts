// Tier 2: the JIT. Turns one program image into a JavaScript function whose registers are local
// variables (l0/h0 .. l10/h10) and whose basic blocks are `case` labels of a `switch (pc)` inside a
// loop, so straight-line code runs without dispatch. The generated text is assembled only from the
// templates in semantics.ts and from integers read out of decoded instruction fields (opcode, registers,
// offsets, immediates, slot numbers) — never from strings found in the input object.
//
// Invariants shared with the interpreter (a differential test holds both to them): the same memory
// checks (every access goes through Memory), the same helper hooks, the same step count at exit and
// at a fault (blocks add their length on entry; a fault subtracts the instructions of its block that
// did not run, AFTER[slot]).

import { Cls, JmpOp, LdImm64Src, Mode } from '../isa/opcodes';
import { atomic, mulhi, sdiv64, smod64, udiv64, umod64 } from './arith';
import type { Image } from './image';
import { bad, callxBad } from './interp';
import { EmuFault } from './memory';
import type { ExecFn, Machine } from './machine';
import { aluStmt, atomicStmt, jmpCond, ldxStmt, stStmt, type Operands } from './semantics';

interface Compiled {
  fn: (m: Machine, img: Image, LD: Int32Array, entry: number, AFTER: Int32Array) => void;
  after: Int32Array;
}

const lit = (v: number) => `(${v | 0})`;

function operands(img: Image, pc: number): Operands {
  const d = img.dst[pc];
  const s = img.src[pc];
  const cls = img.code[pc] & 7;
  // LDX and STX always take a register source; ALU and JMP say so with the X bit.
  const x = cls === Cls.LDX || cls === Cls.STX || (cls !== Cls.ST && (img.code[pc] & 8) !== 0);
  const imm = img.imm[pc];
  return {
    dl: `l${d}`, dh: `h${d}`,
    sl: x ? `l${s}` : lit(imm), sh: x ? `h${s}` : lit(imm >> 31),
  };
}

/** Slots that begin a basic block. */
function leaders(img: Image): boolean[] {
  const L = new Array<boolean>(img.n + 1).fill(false);
  L[0] = true;
  L[img.n] = true;
  for (const f of img.program.funcs) if (f.start >= 0 && f.start < img.n) L[f.start] = true;
  for (const e of img.lddw) {
    if (e.src === LdImm64Src.FUNC) {
      const t = e.slot + 1 + e.lo;
      if (t >= 0 && t < img.n) L[t] = true;
    }
  }
  for (let pc = 0; pc < img.n; pc++) {
    const c = img.code[pc];
    const cls = c & 7;
    if (c === 0x18) { pc++; continue; }
    if (cls !== Cls.JMP && cls !== Cls.JMP32) continue;
    const op = c & 0xf0;
    L[pc + 1] = true;
    if (op === JmpOp.EXIT || (op === JmpOp.CALL && (c & 8) !== 0)) continue;
    if (op === JmpOp.CALL && img.src[pc] !== 1) continue;
    const rel = (cls === Cls.JMP32 && op === JmpOp.JA) || op === JmpOp.CALL ? img.imm[pc] : img.off[pc];
    const t = pc + 1 + rel;
    if (t >= 0 && t <= img.n) L[t] = true;
  }
  return L;
}

const FLUSH = 'R[2]=l1;R[3]=h1;R[4]=l2;R[5]=h2;R[6]=l3;R[7]=h3;R[8]=l4;R[9]=h4;R[10]=l5;R[11]=h5;';
const EXIT = `if(depth===0){R[0]=l0;R[1]=h0;m.leave();m.steps=S;return;}
depth--;m.leave();t=saved.length-10;l6=saved[t];h6=saved[t+1];l7=saved[t+2];h7=saved[t+3];l8=saved[t+4];h8=saved[t+5];l9=saved[t+6];h9=saved[t+7];l10=saved[t+8];h10=saved[t+9];saved.length=t;pc=rets.pop();continue L;`;
const CALL_LOCAL = (target: string, ret: number, slot: number) =>
  `if(rets===null){rets=[];saved=[];}rets.push(${ret});saved.push(l6,h6,l7,h7,l8,h8,l9,h9,l10,h10);m.enter(${slot});l10=R[20];h10=R[21];depth++;pc=${target};continue L;`;
const CALL_HELPER = (id: string, slot: number) =>
  `${FLUSH}m.steps=S;t=m.helper(m,${id},${slot});S=m.steps;P=m.pollAt;l0=R[0];h0=R[1];if(t!==0){${EXIT}}`;

function insnCode(img: Image, pc: number): string {
  const c = img.code[pc];
  const cls = c & 7;
  const off = img.off[pc];
  const imm = img.imm[pc];
  const o = operands(img, pc);
  const badCall = `bad(m,img,${pc});`;
  if (c === 0) return badCall;
  if (cls === Cls.ALU || cls === Cls.ALU64) return aluStmt(c, off, imm, o) ?? badCall;
  if (c === 0x18) {
    const e = img.lddw.find((x) => x.slot === pc);
    if (!e) return badCall;
    if (e.src === LdImm64Src.IMM) return `${o.dl}=${lit(e.lo)};${o.dh}=${lit(e.hi)};`;
    if (e.src === 3 || e.src > 6) return badCall;
    return `${o.dl}=LD[${2 * pc}];${o.dh}=LD[${2 * pc + 1}];`;
  }
  if (cls === Cls.LDX) return ldxStmt(c, o, off, pc) ?? badCall;
  if (cls === Cls.ST) return (c & 0xe0) === Mode.MEM ? stStmt(c, o, off, pc) : badCall;
  if (cls === Cls.STX) {
    if ((c & 0xe0) === Mode.MEM) return stStmt(c, o, off, pc);
    if ((c & 0xe0) === Mode.ATOMIC) return atomicStmt(c, imm, o, off, pc, 'l0', 'h0') ?? badCall;
    return badCall;
  }
  if (cls === Cls.JMP || cls === Cls.JMP32) {
    const op = c & 0xf0;
    const x = (c & 8) !== 0;
    if (op === JmpOp.JA) {
      if (x) return badCall;
      return `pc=${pc + 1 + (cls === Cls.JMP ? off : imm)};continue L;`;
    }
    if (cls === Cls.JMP && op === JmpOp.EXIT && !x) return EXIT;
    if (cls === Cls.JMP && op === JmpOp.CALL) {
      if (x) {
        const d = img.dst[pc];
        return `if(h${d}===${0xfe000000 | 0}){${CALL_LOCAL(`l${d}`, pc + 1, pc)}}if(h${d}!==0)callxBad(m,${pc},l${d},h${d});${CALL_HELPER(`l${d}`, pc)}`;
      }
      switch (img.src[pc]) {
        case 0: return CALL_HELPER(String(imm), pc);
        case 1: return CALL_LOCAL(String(pc + 1 + imm), pc + 1, pc);
        case 2: return `${FLUSH}m.steps=S;m.kfunc(m,img.kfuncs.get(${pc}),${pc});S=m.steps;P=m.pollAt;l0=R[0];h0=R[1];`;
        default: return badCall;
      }
    }
    if (cls === Cls.JMP && op === JmpOp.JCOND && !x) return `if(m.mayGotoTaken()){pc=${pc + 1 + off};continue L;}`;
    const cond = jmpCond(c, o);
    if (cond === undefined) return badCall;
    return `if(${cond}){pc=${pc + 1 + off};continue L;}`;
  }
  return badCall;
}

export function compile(img: Image): Compiled {
  const L = leaders(img);
  const n = img.n;
  const after = new Int32Array(n + 1);
  const parts: string[] = [];
  let pc = 0;
  while (pc < n) {
    // One block: [pc, end).
    let end = pc + 1;
    while (end < n && !L[end]) end++;
    const slots: number[] = [];
    for (let s = pc; s < end; s++) {
      if (img.program.insns[s]?.tail) continue;
      slots.push(s);
    }
    slots.forEach((s, i) => { after[s] = slots.length - 1 - i; });
    parts.push(`case ${pc}:S+=${slots.length};if(S>=P)P=m.poll(S,${pc});`);
    for (const s of slots) parts.push(insnCode(img, s));
    pc = end;
  }
  const src = `
const R=m.regs,V=m.V,mem=m.mem;
let l0=0,h0=0,l1=R[2],h1=R[3],l2=R[4],h2=R[5],l3=R[6],h3=R[7],l4=R[8],h4=R[9],l5=R[10],h5=R[11],
l6=0,h6=0,l7=0,h7=0,l8=0,h8=0,l9=0,h9=0,l10=0,h10=0,t=0,u=0,depth=0,pc=entry,S=m.steps,P=m.pollAt;
let rets=null,saved=null;
m.enter(pc);l10=R[20];h10=R[21];
try{
L:for(;;){switch(pc){
${parts.join('\n')}
case ${n}:S+=1;bad(m,img,${n});
default:S+=1;bad(m,img,pc);
}}
}catch(e){if(e instanceof EmuFault){if(!e.accounted){e.accounted=true;m.steps=S-AFTER[e.slot];}if(e.where===undefined)e.where=img.program;}while(depth>0){depth--;m.leave();}m.leave();throw e;}`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('EmuFault', 'mulhi', 'udiv64', 'umod64', 'sdiv64', 'smod64', 'atomic', 'bad', 'callxBad',
    `return function jitted(m,img,LD,entry,AFTER){${src}};`);
  return { fn: factory(EmuFault, mulhi, udiv64, umod64, sdiv64, smod64, atomic, bad, callxBad), after };
}

export const jitExec: ExecFn = (m, img, ld, entry) => {
  let c = img.jit as Compiled | undefined;
  if (!c) {
    c = compile(img);
    img.jit = c;
  }
  c.fn(m, img, ld, entry, c.after);
};
