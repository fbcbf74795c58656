// Tier 1: the interpreter. One dispatch loop over the image's typed arrays, its `switch` cases built
// once (at module load) from the shared templates in semantics.ts, instantiated over the register file
// `R` (R[2i] = lo word of ri, R[2i+1] = hi word). Nothing in the generated text depends on a program.

import { Cls, JmpOp, Mode } from '../isa/opcodes';
import { atomic, mulhi, sdiv64, smod64, udiv64, umod64 } from './arith';
import type { Image } from './image';
import { EmuFault } from './memory';
import type { ExecFn, Machine } from './machine';
import { aluStmt, jmpCond, ldxStmt, stStmt, type Operands } from './semantics';

const REG_X: Operands = { dl: 'R[D]', dh: 'R[D+1]', sl: 'R[S]', sh: 'R[S+1]' };
const REG_K: Operands = { dl: 'R[D]', dh: 'R[D+1]', sl: 'imm', sh: '(imm>>31)' };

function variants(code: number, o: Operands): string | undefined {
  // ALU statements whose meaning depends on off (sdiv/smod/movsx) or imm (byte swaps).
  const offs = [0, 1, 8, 16, 32];
  const imms = [16, 32, 64];
  const op = code & 0xf0;
  if (op === 0xd0) {
    const parts = imms.map((i) => [i, aluStmt(code, 0, i, o)] as const).filter((p) => p[1] !== undefined);
    if (parts.length === 0) return undefined;
    return `switch(imm){${parts.map(([i, s]) => `case ${i}:${s}break;`).join('')}default:bad(m,img,pc);}`;
  }
  const parts = offs.map((f) => [f, aluStmt(code, f, 0, o)] as const).filter((p) => p[1] !== undefined);
  if (parts.length === 0) return undefined;
  if (parts.length === 1 && parts[0][0] === 0) return `if(off!==0)bad(m,img,pc);${parts[0][1]}`;
  return `switch(off){${parts.map(([f, s]) => `case ${f}:${s}break;`).join('')}default:bad(m,img,pc);}`;
}

const EXIT = `if(depth===0){m.onExit();m.leave();m.steps=steps;return;}
depth--;m.leave();pc=rets.pop();t=saved.length-8;R[12]=saved[t];R[13]=saved[t+1];R[14]=saved[t+2];R[15]=saved[t+3];R[16]=saved[t+4];R[17]=saved[t+5];R[18]=saved[t+6];R[19]=saved[t+7];saved.length=t;break;`;

function buildSource(traced: boolean): string {
  const cases: string[] = [];
  for (let code = 0; code < 256; code++) {
    const cls = code & 7;
    const o = (code & 8) !== 0 ? REG_X : REG_K;
    let body: string | undefined;
    if (cls === Cls.ALU || cls === Cls.ALU64) {
      const s = variants(code, o);
      if (s !== undefined) body = `${s}pc++;break;`;
    } else if (cls === Cls.LDX) {
      const s = ldxStmt(code, REG_X, 'off', 'pc');
      if (s !== undefined) body = `${s}pc++;break;`;
    } else if (cls === Cls.ST && (code & 0xe0) === Mode.MEM) {
      body = `${stStmt(code, REG_K, 'off', 'pc')}pc++;break;`;
    } else if (cls === Cls.STX && (code & 0xe0) === Mode.MEM) {
      body = `${stStmt(code, REG_X, 'off', 'pc')}pc++;break;`;
    } else if (cls === Cls.STX && (code & 0xe0) === Mode.ATOMIC && ((code & 0x18) === 0x00 || (code & 0x18) === 0x18)) {
      const size = (code & 0x18) === 0x18 ? 8 : 4;
      body = `atomic(mem,R[D+1],R[D],off,${size},pc,imm,R[S],R[S+1],R[0],R[1],V);if(imm===241){R[0]=V[0];R[1]=V[1];}else if((imm&1)!==0){R[S]=V[0];R[S+1]=V[1];}pc++;break;`;
    } else if (code === 0x18) {
      body = `if(S===3||S>6)bad(m,img,pc);R[D]=LD[2*pc];R[D+1]=LD[2*pc+1];pc+=2;break;`;
    } else if (cls === Cls.JMP || cls === Cls.JMP32) {
      const op = code & 0xf0;
      if (op === JmpOp.JA) {
        if ((code & 8) === 0) body = cls === Cls.JMP ? 'pc+=1+off;break;' : 'pc+=1+imm;break;';
      } else if (op === JmpOp.EXIT && cls === Cls.JMP && (code & 8) === 0) {
        body = EXIT;
      } else if (op === JmpOp.CALL && cls === Cls.JMP) {
        const helper = `m.steps=steps;t=m.helper(m,imm,pc);steps=m.steps;P=m.pollAt;if(t!==0){${EXIT}}pc++;break;`;
        const local = `if(rets===null){rets=[];saved=[];}rets.push(pc+1);saved.push(R[12],R[13],R[14],R[15],R[16],R[17],R[18],R[19]);m.enter(pc);depth++;pc=pc+1+imm;break;`;
        if ((code & 8) === 0) {
          body = `if(S===0){${helper}}else if(S===1){${local}}else if(S===2){m.steps=steps;m.kfunc(m,img.kfuncs.get(pc),pc);steps=m.steps;P=m.pollAt;pc++;break;}else{bad(m,img,pc);}`;
        } else {
          // callx: the target is in dst — a function pointer (from lddw src=FUNC) or a helper id.
          body = `if(R[D+1]===${0xfe000000 | 0}){if(rets===null){rets=[];saved=[];}rets.push(pc+1);saved.push(R[12],R[13],R[14],R[15],R[16],R[17],R[18],R[19]);u=R[D];m.enter(pc);depth++;pc=u;break;}
if(R[D+1]!==0)callxBad(m,pc,R[D],R[D+1]);
m.steps=steps;t=m.helper(m,R[D],pc);steps=m.steps;P=m.pollAt;if(t!==0){${EXIT}}pc++;break;`;
        }
      } else if (op === JmpOp.JCOND && cls === Cls.JMP && (code & 8) === 0) {
        body = `if(m.mayGotoTaken())pc+=1+off;else pc++;break;`;
      } else {
        const c = jmpCond(code, o);
        if (c !== undefined) body = `if(${c})pc+=1+off;else pc++;break;`;
      }
    }
    if (body !== undefined) {
      // Each case reads only the fields it uses (src, off, imm), so the dispatch loop loads two.
      const S_ = /\bS\b/.test(body) ? 'S=SS[pc];' : '';
      const off_ = /\boff\b/.test(body) ? 'off=OF[pc];' : '';
      const imm_ = /\bimm\b/.test(body) ? 'imm=IM[pc];' : '';
      const D_ = /\bD\b/.test(body) ? 'D=DS[pc]<<1;' : '';
      cases.push(`case ${code}:{${D_}${S_}${off_}${imm_}${body}}`);
    }
  }
  return `
const R=m.regs,V=m.V,mem=m.mem,C=img.code,DS=img.dst,SS=img.src,OF=img.off,IM=img.imm;
let pc=entry,steps=m.steps,P=m.pollAt,D=0,S=0,off=0,imm=0,t=0,u=0,depth=0;
let rets=null,saved=null;
m.enter(pc);
try{
for(;;){
if(++steps>=P)P=m.poll(steps,pc);
${traced ? 'm.onStep(pc);' : ''}
switch(C[pc]){
${cases.join('\n')}
default:bad(m,img,pc);
}
}
}catch(e){if(e instanceof EmuFault){if(!e.accounted){e.accounted=true;m.steps=steps;}if(e.where===undefined)e.where=img.program;}while(depth>0){depth--;m.leave();}m.leave();throw e;}`;
}

export function bad(m: Machine, img: Image, pc: number): never {
  void m;
  const why = img.invalid.get(pc);
  if (pc >= img.n) throw new EmuFault('invalid-insn', pc, `execution ran past the last instruction (slot ${pc})`);
  // Only a forged callx target (a FUNC-tagged value that no lddw produced) gets here.
  if (pc < 0) throw new EmuFault('invalid-insn', pc, `execution left the program (slot ${pc})`);
  if (why) throw new EmuFault('invalid-insn', pc, `invalid instruction: ${why}`);
  const c = img.code[pc];
  if (c === 0x18) throw new EmuFault('invalid-insn', pc, `lddw with src=${img.src[pc]} (${img.src[pc] === 3 ? 'kernel symbol' : 'unknown kind'}) is not supported`);
  throw new EmuFault('invalid-insn', pc, `invalid instruction: opcode 0x${c.toString(16).padStart(2, '0')} off ${img.off[pc]} imm ${img.imm[pc]}`);
}

export function callxBad(_m: Machine, pc: number, lo: number, hi: number): never {
  throw new EmuFault('call', pc, `callx target 0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')} is neither a function pointer nor a helper id`);
}

function build(traced: boolean): ExecFn {
  // `S` is the raw src register number (the call kinds need it); register operands index R with it
  // doubled, so `R[S]`/`R[S+1]` are rewritten.
  const src = buildSource(traced).replace(/R\[S\]/g, 'R[S<<1]').replace(/R\[S\+1\]/g, 'R[(S<<1)+1]');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('EmuFault', 'mulhi', 'udiv64', 'umod64', 'sdiv64', 'smod64', 'atomic', 'bad', 'callxBad',
    `return function interp(m,img,LD,entry){${src}};`);
  return factory(EmuFault, mulhi, udiv64, umod64, sdiv64, smod64, atomic, bad, callxBad) as ExecFn;
}

export const interpret: ExecFn = build(false);
/** The same interpreter calling m.onStep before every instruction (per-instruction traces). */
export const interpretTraced: ExecFn = build(true);
