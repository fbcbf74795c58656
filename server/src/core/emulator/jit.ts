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

/** Per-block compile state: registers cached in locals, and those written since the last sync. */
interface Block {
  readonly used: Set<number>;
  readonly dirty: Set<number>;
}

/** Writes the dirty cached registers back to R (before anything that leaves the block or calls out). */
function writeBack(b: Block): string {
  let out = '';
  for (const r of b.dirty) out += `R[${2 * r}]=l${r};R[${2 * r + 1}]=h${r};`;
  b.dirty.clear();
  return out;
}

/** Registers an instruction reads or writes through its operands (calls work on R directly). */
function regsOf(img: Image, pc: number): { reads: number[]; writes: number[] } {
  const c = img.code[pc];
  const cls = c & 7;
  const d = img.dst[pc], s = img.src[pc];
  const x = (c & 8) !== 0;
  if (c === 0x18) return { reads: [], writes: [d] };
  if (cls === Cls.ALU || cls === Cls.ALU64) return { reads: x ? [d, s] : [d], writes: [d] };
  if (cls === Cls.LDX) return { reads: [s], writes: [d] };
  if (cls === Cls.ST) return { reads: [d], writes: [] };
  if (cls === Cls.STX) {
    if ((c & 0xe0) === Mode.ATOMIC) {
      const imm = img.imm[pc];
      if (imm === 0xf1) return { reads: [d, s, 0], writes: [0] };
      return { reads: [d, s], writes: (imm & 1) !== 0 ? [s] : [] };
    }
    return { reads: [d, s], writes: [] };
  }
  if (cls === Cls.JMP || cls === Cls.JMP32) {
    const op = c & 0xf0;
    if (op === JmpOp.CALL) return { reads: x ? [d, 0] : [0], writes: [0] };
    if (op === JmpOp.EXIT || op === JmpOp.JA || op === JmpOp.JCOND) return { reads: [], writes: [] };
    return { reads: x ? [d, s] : [d], writes: [] };
  }
  return { reads: [], writes: [] };
}

const EXIT_R = `if(depth===0){m.leave();m.steps=S;return;}
depth--;m.leave();t=saved.length-10;for(u=0;u<10;u++)R[12+u]=saved[t+u];saved.length=t;pc=rets.pop();continue L;`;
const CALL_LOCAL = (target: string, ret: number, slot: number) =>
  `if(rets===null){rets=[];saved=[];}rets.push(${ret});for(u=12;u<22;u++)saved.push(R[u]);m.enter(${slot});depth++;pc=${target};continue L;`;

function insnCode(img: Image, pc: number, b: Block): string {
  const c = img.code[pc];
  const cls = c & 7;
  const off = img.off[pc];
  const imm = img.imm[pc];
  const o = operands(img, pc);
  const bad = () => `${writeBack(b)}bad(m,img,${pc});`;
  const mark = (code: string) => {
    for (const r of regsOf(img, pc).writes) b.dirty.add(r);
    return code;
  };
  if (c === 0) return bad();
  if (cls === Cls.ALU || cls === Cls.ALU64) { const t = aluStmt(c, off, imm, o); return t === undefined ? bad() : mark(t); }
  if (c === 0x18) {
    const e = img.lddw.find((x) => x.slot === pc);
    if (!e) return bad();
    if (e.src === LdImm64Src.IMM) return mark(`${o.dl}=${lit(e.lo)};${o.dh}=${lit(e.hi)};`);
    if (e.src === 3 || e.src > 6) return bad();
    return mark(`${o.dl}=LD[${2 * pc}];${o.dh}=LD[${2 * pc + 1}];`);
  }
  if (cls === Cls.LDX) { const t = ldxStmt(c, o, off, pc); return t === undefined ? bad() : mark(t); }
  if (cls === Cls.ST) return (c & 0xe0) === Mode.MEM ? stStmt(c, o, off, pc) : bad();
  if (cls === Cls.STX) {
    if ((c & 0xe0) === Mode.MEM) return stStmt(c, o, off, pc);
    if ((c & 0xe0) === Mode.ATOMIC) { const t = atomicStmt(c, imm, o, off, pc, 'l0', 'h0'); return t === undefined ? bad() : mark(t); }
    return bad();
  }
  if (cls === Cls.JMP || cls === Cls.JMP32) {
    const op = c & 0xf0;
    const x = (c & 8) !== 0;
    if (op === JmpOp.JA) {
      if (x) return bad();
      return `${writeBack(b)}pc=${pc + 1 + (cls === Cls.JMP ? off : imm)};continue L;`;
    }
    if (cls === Cls.JMP && op === JmpOp.EXIT && !x) return `${writeBack(b)}${EXIT_R}`;
    if (cls === Cls.JMP && op === JmpOp.CALL) {
      const reload = b.used.has(0) ? 'l0=R[0];h0=R[1];' : '';
      const helper = (id: string) => `m.steps=S;t=m.helper(m,${id},${pc});S=m.steps;P=m.pollAt;if(t!==0){${EXIT_R}}${reload}`;
      if (x) {
        const d = img.dst[pc];
        const wb = writeBack(b);
        return `${wb}if(h${d}===${0xfe000000 | 0}){${CALL_LOCAL(`l${d}`, pc + 1, pc)}}if(h${d}!==0)callxBad(m,${pc},l${d},h${d});${helper(`l${d}`)}`;
      }
      switch (img.src[pc]) {
        case 0: return `${writeBack(b)}${helper(String(imm))}`;
        case 1: return `${writeBack(b)}${CALL_LOCAL(String(pc + 1 + imm), pc + 1, pc)}`;
        case 2: return `${writeBack(b)}m.steps=S;m.kfunc(m,img.kfuncs.get(${pc}),${pc});S=m.steps;P=m.pollAt;${reload}`;
        default: return bad();
      }
    }
    if (cls === Cls.JMP && op === JmpOp.JCOND && !x) return `${writeBack(b)}if(m.mayGotoTaken()){pc=${pc + 1 + off};continue L;}`;
    const cond = jmpCond(c, o);
    if (cond === undefined) return bad();
    return `${writeBack(b)}if(${cond}){pc=${pc + 1 + off};continue L;}`;
  }
  return bad();
}

export function compile(img: Image): Compiled {
  const L = leaders(img);
  const n = img.n;
  const after = new Int32Array(n + 1);
  const parts: string[] = [];
  let pc = 0;
  while (pc < n) {
    // One block: [pc, end). Its registers live in block-scoped locals, loaded from R on entry and
    // written back before every exit, so no value is carried in a local across block boundaries
    // (which keeps V8's optimising compile of large programs cheap).
    let end = pc + 1;
    while (end < n && !L[end]) end++;
    const slots: number[] = [];
    for (let s = pc; s < end; s++) {
      if (img.program.insns[s]?.tail) continue;
      slots.push(s);
    }
    slots.forEach((s, i) => { after[s] = slots.length - 1 - i; });
    const used = new Set<number>();
    for (const s of slots) {
      const r = regsOf(img, s);
      for (const x of [...r.reads, ...r.writes]) if (x >= 0 && x <= 10) used.add(x);
    }
    const b: Block = { used, dirty: new Set() };
    const decl = [...used].sort((x, y) => x - y).map((r) => `l${r}=R[${2 * r}],h${r}=R[${2 * r + 1}]`).join(',');
    const body = slots.map((s) => insnCode(img, s, b)).join('\n');
    parts.push(`case ${pc}:{S+=${slots.length};if(S>=P)P=m.poll(S,${pc});${decl ? `let ${decl};` : ''}\n${body}\n${writeBack(b)}}`);
    pc = end;
  }
  const src = `
const R=m.regs,V=m.V,mem=m.mem;
let t=0,u=0,depth=0,pc=entry,S=m.steps,P=m.pollAt;
let rets=null,saved=null;
m.enter(pc);
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
