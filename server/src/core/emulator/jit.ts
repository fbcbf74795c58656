// Tier 2: the JIT. Turns one program image into a JavaScript function whose registers are local
// variables (l0/h0 .. l10/h10) and whose basic blocks are `case` labels of a `switch (pc)` inside a
// loop, so straight-line code runs without dispatch. The generated text is assembled only from the
// templates in semantics.ts and from integers read out of decoded instruction fields (opcode, registers,
// offsets, immediates, slot numbers) — never from strings found in the input object.
//
// Invariants shared with the interpreter (differential tests hold both to them): the same memory
// checks (every access goes through Memory), the same helper hooks, the same step count at exit and
// at a fault (blocks add their length on entry; a fault subtracts the instructions of its block that
// did not run, AFTER[slot]), and the same polls: a block whose steps would reach the poll point
// (`pollAt`: the step limit, or the next cancellation check) does not run; the dispatcher runs it
// instead through its exact variant, which counts and polls before every instruction as the
// interpreter does, so a step-limit or cancellation fault names the same slot after the same
// instructions (stores, register writes, helper calls) in both tiers.

import { Cls, JmpOp, LdImm64Src, Mode } from '../isa/opcodes';
import { atomic, mulhi, sdiv64, smod64, udiv64, umod64 } from './arith';
import type { Image } from './image';
import { bad, callxBad } from './interp';
import { BIAS, EmuFault, REGION_TAG, RegionFlag } from './memory';
import type { ExecFn, Machine } from './machine';
import { aluStmt, atomicStmt, jmpCond, ldxStmt, sizeBytes, stStmt, type Operands } from './semantics';

const EMPTY = new DataView(new ArrayBuffer(0));

type RegionFn = (R: Int32Array, m: Machine, mem: Machine['mem'], V: Int32Array, LD: Int32Array, img: Image, X: Int32Array, pc: number) => number;

interface Compiled {
  /** Runs the program from a slot in a new frame (the generated dispatcher). */
  readonly run: (m: Machine, img: Image, LD: Int32Array, entry: number, c: Compiled) => void;
  /** Runs from a slot to the end of its block one counted, polled instruction at a time (the block's
   *  exact variant, compiled on first use); returns as a region function does. */
  readonly exact: RegionFn;
  /** Instructions of a slot's block that come after it (a fault subtracts them from the step count). */
  readonly after: Int32Array;
  readonly blockLen: Int32Array;
  /** Call linkage passed from a region function to the dispatcher. */
  readonly x: Int32Array;
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

/** Region-function return codes: >= 0 continue at that slot; EXIT_CODE leaves the frame; CALL_CODE is a
 *  bpf-to-bpf call with the return slot, the call's slot and the target slot in X[0], X[1], X[2]. */
const EXIT_CODE = -1;
const CALL_CODE = -2;
/** A block whose steps would reach the poll point returns POLL_BASE - its slot before running any of
 *  its instructions: the dispatcher takes the block's steps back and runs its exact variant, which
 *  polls at the instruction that reaches the poll point (a poll call site in every block would have
 *  no type feedback until its first poll, and V8 deoptimises the whole region each time one is first
 *  reached; the exact variants live in functions of their own, so the regions stay as they were). */
const POLL_BASE = -16;
const EXIT_R = `m.steps=S;return ${EXIT_CODE};`;
const CALL_LOCAL = (target: string, ret: number, slot: number) => `X[0]=${ret};X[1]=${slot};X[2]=${target};m.steps=S;return ${CALL_CODE};`;

// Memory accesses inline. A region function's call to Memory.ld1..st8 is not inlined by V8 (the
// region uses up the inlining budget), so the JIT writes the same fast path as those methods into the
// region: an in-bounds access to a plain region (for loads: any but the context; for stores: a
// writable one, while no store hook is set) reads or writes the region's bytes here (its DataView,
// little-endian, for 2 to 8 bytes);
// everything else — other regions, the context, faults — takes the Memory method as before. Region
// prologue: B, DV, ST, EN, FL are Memory's tables (arrays that only grow in place), NS says no store hook.
const fastAddr = (h: string, l: string, off: number, size: number, store: boolean): string =>
  `${store ? 'NS&&' : ''}(${h}&${REGION_TAG})===${REGION_TAG}&&(t=${h}&16777215)<B.length&&(u=(${l}>>>0)-${BIAS}+(${off}))>=ST[t]&&u+${size}<=EN[t]&&` +
  (store ? `FL[t]===${RegionFlag.WRITABLE}` : `(FL[t]&${RegionFlag.CTX})===0`);
/** LDX|MEM with the fast path inline, or undefined for what ldxStmt handles alone (MEMSX). */
function ldxInline(code: number, o: Operands, off: number, slot: number): string | undefined {
  if ((code & 0xe0) !== Mode.MEM) return undefined;
  const size = sizeBytes(code);
  const slow = ldxStmt(code, o, off, slot);
  let fast: string;
  switch (size) {
    case 1: fast = `${o.dl}=B[t][u];${o.dh}=0;`; break;
    case 2: fast = `${o.dl}=DV[t].getUint16(u,true);${o.dh}=0;`; break;
    case 4: fast = `${o.dl}=DV[t].getInt32(u,true);${o.dh}=0;`; break;
    default: fast = `d=DV[t];${o.dl}=d.getInt32(u,true);${o.dh}=d.getInt32(u+4,true);`;
  }
  return `if(${fastAddr(o.sh, o.sl, off, size, false)}){${fast}}else{${slow}}`;
}

/** ST/STX|MEM with the fast path inline. */
function stInline(code: number, o: Operands, off: number, slot: number): string {
  const size = sizeBytes(code);
  let fast: string;
  switch (size) {
    case 1: fast = `B[t][u]=${o.sl};`; break;
    case 2: fast = `DV[t].setInt16(u,${o.sl},true);`; break;
    case 4: fast = `DV[t].setInt32(u,${o.sl},true);`; break;
    default: fast = `d=DV[t];d.setInt32(u,${o.sl},true);d.setInt32(u+4,${o.sh},true);`;
  }
  return `if(${fastAddr(o.dh, o.dl, off, size, true)}){${fast}}else{${stStmt(code, o, off, slot)}}`;
}

/** Where a block-ending jump to `target` goes: a jump inside the region, or a return to the dispatcher. */
type JumpTo = (target: number) => string;

function insnCode(img: Image, pc: number, b: Block, jump: JumpTo): string {
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
  if (cls === Cls.LDX) { const t = ldxInline(c, o, off, pc) ?? ldxStmt(c, o, off, pc); return t === undefined ? bad() : mark(t); }
  if (cls === Cls.ST) return (c & 0xe0) === Mode.MEM ? stInline(c, o, off, pc) : bad();
  if (cls === Cls.STX) {
    if ((c & 0xe0) === Mode.MEM) return stInline(c, o, off, pc);
    if ((c & 0xe0) === Mode.ATOMIC) { const t = atomicStmt(c, imm, o, off, pc, 'l0', 'h0'); return t === undefined ? bad() : mark(t); }
    return bad();
  }
  if (cls === Cls.JMP || cls === Cls.JMP32) {
    const op = c & 0xf0;
    const x = (c & 8) !== 0;
    if (op === JmpOp.JA) {
      if (x) return bad();
      return `${writeBack(b)}${jump(pc + 1 + (cls === Cls.JMP ? off : imm))}`;
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
    if (cls === Cls.JMP && op === JmpOp.JCOND && !x) return `${writeBack(b)}if(m.mayGotoTaken()){${jump(pc + 1 + off)}}`;
    const cond = jmpCond(c, o);
    if (cond === undefined) return bad();
    return `${writeBack(b)}if(${cond}){${jump(pc + 1 + off)}}`;
  }
  return bad();
}

/**
 * Instructions per region function. The program is cut into regions of consecutive basic blocks, each
 * its own JavaScript function (a `switch (pc)` loop over its blocks; jumps inside the region stay in it,
 * others return the target slot to the dispatcher). Small functions keep V8's optimising compile
 * cheap (one huge function exceeds TurboFan's bytecode-size limit and is never optimised) and confine
 * the deoptimisation that a first run of a new path causes to the region that contains it.
 */
export const REGION_INSNS = 96;

export function compile(img: Image): Compiled {
  const L = leaders(img);
  const n = img.n;
  const after = new Int32Array(n + 1);
  /** Instructions of the block starting at a slot (its step count). */
  const blockLen = new Int32Array(n + 1);
  // Blocks [start, end) in slot order, then regions of consecutive blocks.
  const blocks: Array<{ start: number; end: number; region: number }> = [];
  let region = 0, size = 0;
  for (let pc = 0; pc < n;) {
    let end = pc + 1;
    while (end < n && !L[end]) end++;
    if (size > 0 && size + (end - pc) > REGION_INSNS) { region++; size = 0; }
    blocks.push({ start: pc, end, region });
    size += end - pc;
    pc = end;
  }
  const regionOf = new Map<number, number>();
  /** The end of the block that contains a slot (where an exact variant starting there stops). */
  const endOf = new Int32Array(n);
  for (const bl of blocks) {
    regionOf.set(bl.start, bl.region);
    endOf.fill(bl.end, bl.start, bl.end);
  }
  const texts: string[][] = [];
  blocks.forEach((bl, i) => {
    const { start: pc, end } = bl;
    const jump: JumpTo = (target) => (regionOf.get(target) === bl.region ? `pc=${target};continue L;` : `m.steps=S;return ${target};`);
    // One block: its registers live in block-scoped locals, loaded from R on entry and written back
    // before every exit, so no value is carried in a local across block boundaries.
    const slots: number[] = [];
    for (let s = pc; s < end; s++) {
      if (img.program.insns[s]?.tail) continue;
      slots.push(s);
    }
    slots.forEach((s, k) => { after[s] = slots.length - 1 - k; });
    blockLen[pc] = slots.length;
    const used = new Set<number>();
    for (const s of slots) {
      const r = regsOf(img, s);
      for (const x of [...r.reads, ...r.writes]) if (x >= 0 && x <= 10) used.add(x);
    }
    const b: Block = { used, dirty: new Set() };
    const decl = [...used].sort((x, y) => x - y).map((r) => `l${r}=R[${2 * r}],h${r}=R[${2 * r + 1}]`).join(',');
    const body = slots.map((s) => insnCode(img, s, b, jump)).join('\n');
    // Falling off the block: into the next case when the next block is in this region.
    const next = blocks[i + 1];
    const fall = next !== undefined && next.region === bl.region ? '' : `m.steps=S;return ${end};`;
    (texts[bl.region] ??= []).push(`case ${pc}:{S+=${slots.length};if(S>=P){m.steps=S;return ${POLL_BASE - pc};}${decl ? `let ${decl};` : ''}\n${body}\n${writeBack(b)}${fall}}`);
  });
  const fns: RegionFn[] = texts.map((cases, k) => {
    // The step count lives in the local S while the region runs; it is stored to m.steps before every
    // return and helper call, and by the catch for a fault raised here (a fault already accounted for
    // by a nested run keeps its count).
    const src = `let t=0,u=0,S=m.steps,P=m.pollAt,d=EMPTY;const B=mem.bufs,DV=mem.views,ST=mem.start,EN=mem.end,FL=mem.flags,NS=mem.onStore===undefined;\ntry{\nL:for(;;){switch(pc){\n${cases.join('\n')}\ndefault:m.steps=S;return pc;\n}}\n}catch(e){if(!(e instanceof EmuFault&&e.accounted))m.steps=S;throw e;}`;
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const factory = new Function('EmuFault', 'mulhi', 'udiv64', 'umod64', 'sdiv64', 'smod64', 'atomic', 'bad', 'callxBad', 'EMPTY',
      `return function region${k}(R,m,mem,V,LD,img,X,pc){${src}};`);
    return factory(EmuFault, mulhi, udiv64, umod64, sdiv64, smod64, atomic, bad, callxBad, EMPTY) as RegionFn;
  });
  // The dispatcher: a `switch` from each block's first slot to a direct call of its region function
  // (call sites with one known target each, rather than one site calling every region), plus the frame
  // handling for exits and bpf-to-bpf calls.
  const routes = texts.map((_, k) => {
    const starts = blocks.filter((bl) => bl.region === k).map((bl) => `case ${bl.start}:`).join('');
    return `${starts}pc=f${k}(R,m,mem,V,LD,img,X,pc);break;`;
  });
  const src = `
const R=m.regs,V=m.V,mem=m.mem,X=c.x,BLEN=c.blockLen;
let pc=entry,depth=0,rets=null,saved=null,t=0,u=0;
m.enter(pc);
try{
for(;;){
switch(pc){
${routes.join('\n')}
default:
if(pc>=0&&pc<${n})pc=c.exact(R,m,mem,V,LD,img,X,pc);
else{if(++m.steps>=m.pollAt)m.poll(m.steps,pc);bad(m,img,pc);}
}
if(pc<0){
if(pc<=${POLL_BASE}){pc=${POLL_BASE}-pc;m.steps-=BLEN[pc];pc=c.exact(R,m,mem,V,LD,img,X,pc);}
if(pc===${EXIT_CODE}){
if(depth===0){m.leave();return;}
depth--;m.leave();t=saved.length-10;for(u=0;u<10;u++)R[12+u]=saved[t+u];saved.length=t;pc=rets.pop();
}else if(pc===${CALL_CODE}){
if(rets===null){rets=[];saved=[];}
rets.push(X[0]);for(u=12;u<22;u++)saved.push(R[u]);m.enter(X[1]);depth++;pc=X[2];
}
}
}
}catch(e){if(e instanceof EmuFault){if(!e.accounted){e.accounted=true;m.steps-=c.after[e.slot]|0;}if(e.where===undefined)e.where=img.program;}while(depth>0){depth--;m.leave();}m.leave();throw e;}`;
  const names = fns.map((_, k) => `f${k}`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('EmuFault', 'bad', ...names, `return function dispatch(m,img,LD,entry,c){${src}};`);
  const run = factory(EmuFault, bad, ...fns) as Compiled['run'];
  const exactFns: Array<RegionFn | undefined> = new Array<RegionFn | undefined>(n);
  const exact: RegionFn = (R, m, mem, V, LD, img2, X, pc) => (exactFns[pc] ??= compileExact(img2, pc, endOf[pc]))(R, m, mem, V, LD, img2, X, pc);
  return { run, exact, after, blockLen, x: new Int32Array(3) };
}

/**
 * The exact variant of the code from `start` to `end` (the end of its block): before each instruction
 * it counts one step and polls when the count reaches `pollAt`, as the interpreter's loop does, and it
 * writes registers back to R after each instruction, so a poll that throws leaves the machine as the
 * interpreter would. Its step count is exact at every instruction, so a fault raised here is marked
 * accounted (the dispatcher subtracts nothing). An lddw tail as `start` (reached only through a forged
 * callx target) is run as the invalid instruction it is.
 */
function compileExact(img: Image, start: number, end: number): RegionFn {
  const slots: number[] = [start];
  if (!img.program.insns[start]?.tail) {
    for (let s = start + 1; s < end; s++) if (!img.program.insns[s]?.tail) slots.push(s);
  }
  const used = new Set<number>();
  for (const s of slots) {
    const r = regsOf(img, s);
    for (const x of [...r.reads, ...r.writes]) if (x >= 0 && x <= 10) used.add(x);
  }
  const b: Block = { used, dirty: new Set() };
  const jump: JumpTo = (target) => `m.steps=S;return ${target};`;
  const decl = [...used].sort((x, y) => x - y).map((r) => `l${r}=R[${2 * r}],h${r}=R[${2 * r + 1}]`).join(',');
  const body = slots.map((s) => `if(++S>=P){m.steps=S;P=m.poll(S,${s});}\n${insnCode(img, s, b, jump)}${writeBack(b)}`).join('\n');
  const src = `let t=0,u=0,S=m.steps,P=m.pollAt,d=EMPTY;const B=mem.bufs,DV=mem.views,ST=mem.start,EN=mem.end,FL=mem.flags,NS=mem.onStore===undefined;${decl ? `let ${decl};` : ''}
try{
${body}
m.steps=S;return ${end};
}catch(e){if(e instanceof EmuFault){if(!e.accounted){e.accounted=true;m.steps=S;}}else m.steps=S;throw e;}`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const factory = new Function('EmuFault', 'mulhi', 'udiv64', 'umod64', 'sdiv64', 'smod64', 'atomic', 'bad', 'callxBad', 'EMPTY',
    `return function exact${start}(R,m,mem,V,LD,img,X,pc){${src}};`);
  return factory(EmuFault, mulhi, udiv64, umod64, sdiv64, smod64, atomic, bad, callxBad, EMPTY) as RegionFn;
}

export const jitExec: ExecFn = (m, img, ld, entry) => {
  let c = img.jit as Compiled | undefined;
  if (!c) {
    c = compile(img);
    img.jit = c;
  }
  c.run(m, img, ld, entry, c);
};
