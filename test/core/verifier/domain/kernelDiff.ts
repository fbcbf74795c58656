// Differential testing of the scalar domain against the running kernel's verifier: random straight-line
// programs over two unknown scalars (r6, r7) are loaded with a level-2 verifier log (kernelScalar.c),
// and every register state the kernel prints is compared with the domain's Scalar.toString for the same
// instruction sequence. Ids and precision marks are not part of the domain and are stripped.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { AluOp, JmpOp } from '../../../../server/src/core/isa/opcodes';
import { Scalar } from '../../../../server/src/core/verifier/domain/scalar';
import type { Scalar as ScalarT } from '../../../../server/src/core/verifier/domain/scalar';
import { Rng } from './gen';

const SRC = join(__dirname, 'kernelScalar.c');
const BUILD = join(__dirname, '..', '..', '..', '.build');

export function kernelScalarBinary(): string {
  const src = readFileSync(SRC);
  const bin = join(BUILD, `kernelScalar-${createHash('sha256').update(src).digest('hex').slice(0, 12)}`);
  if (!existsSync(bin)) {
    mkdirSync(BUILD, { recursive: true });
    const tmp = `${bin}.tmp${process.pid}`;
    execFileSync('gcc', ['-O2', '-o', tmp, SRC], { stdio: 'pipe' });
    renameSync(tmp, bin);
  }
  return bin;
}

interface Insn { code: number; dst: number; src: number; off: number; imm: number; text: string }

function enc(i: Insn): string {
  const b = Buffer.alloc(8);
  b.writeUInt8(i.code, 0);
  b.writeUInt8((i.src << 4) | i.dst, 1);
  b.writeInt16LE(i.off, 2);
  b.writeInt32LE(i.imm | 0, 4);
  return b.toString('hex');
}

export interface Expect {
  /** instruction index -> register -> expected string (fall-through / after the instruction) */
  after: Map<number, Map<number, string>>;
  /** jump index -> register -> expected string on the taken edge */
  taken: Map<number, Map<number, string>>;
}

export interface Case {
  insns: Insn[]; expect: Expect; listing: string;
  /** A jump whose edge the domain found empty although is_branch_taken could not decide it. */
  refuted?: { insn: number; edge: 'taken' | 'fall' };
}

const IMMS = [0, 1, -1, 2, 7, 8, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, -0x80000000, -2, -0x100, 0x10000,
  0x12345678, 0x40, 0x3f, 0x1f, 0x20];

const ALU_OPS = [AluOp.ADD, AluOp.SUB, AluOp.MUL, AluOp.DIV, AluOp.MOD, AluOp.OR, AluOp.AND, AluOp.XOR, AluOp.LSH,
  AluOp.RSH, AluOp.ARSH];
const JMP_OPS = [JmpOp.JEQ, JmpOp.JNE, JmpOp.JGT, JmpOp.JGE, JmpOp.JLT, JmpOp.JLE, JmpOp.JSGT, JmpOp.JSGE, JmpOp.JSLT,
  JmpOp.JSLE, JmpOp.JSET];

/** One instruction on r6/r7 after the two unknown-producing calls. */
export type Step =
  | { k: 'alu'; op: number; is64: boolean; dst: 6 | 7; reg?: boolean; imm?: number; signed?: boolean }
  | { k: 'neg'; is64: boolean; dst: 6 | 7 }
  | { k: 'end'; form: 'le' | 'be' | 'bswap'; bits: 16 | 32 | 64; dst: 6 | 7 }
  | { k: 'movsx'; is64: boolean; bits: 8 | 16 | 32; dst: 6 | 7 }
  | { k: 'jmp'; op: number; is32: boolean; dst: 6 | 7; reg?: boolean; imm?: number }
  /** Spill the register to r10-8 as 8 bytes and fill it back with a narrow (sign-extending) load. */
  | { k: 'fill'; size: 1 | 2 | 4; signed: boolean; dst: 6 | 7 };

function randomStep(r: Rng): Step {
  const dst = r.int(2) === 0 ? 6 : 7;
  const kind = r.int(20);
  const is64 = r.int(2) === 0;
  if (kind < 10) {
    const op = r.pick(ALU_OPS);
    const signed = (op === AluOp.DIV || op === AluOp.MOD) && r.int(3) === 0;
    let imm = r.pick(IMMS);
    if (op === AluOp.LSH || op === AluOp.RSH || op === AluOp.ARSH) imm = r.int(is64 ? 64 : 32);
    if ((op === AluOp.DIV || op === AluOp.MOD) && imm === 0) imm = 3;
    return { k: 'alu', op, is64, dst, reg: r.int(3) === 0, imm, signed };
  }
  if (kind < 11) return { k: 'neg', is64, dst };
  if (kind < 12) {
    const form = r.pick(['le', 'be', 'bswap'] as const);
    return { k: 'end', form, bits: r.pick([16, 32, 64] as const), dst };
  }
  if (kind === 19 && r.int(2) === 0) return { k: 'fill', size: r.pick([1, 2, 4] as const), signed: r.int(2) === 0, dst };
  if (kind < 13) return { k: 'movsx', is64, bits: is64 ? r.pick([8, 16, 32] as const) : r.pick([8, 16] as const), dst };
  return { k: 'jmp', op: r.pick(JMP_OPS), is32: r.int(3) === 0, dst, reg: r.int(3) === 0, imm: r.pick(IMMS) };
}

/** A random program and the domain's expectations for it. */
export function genCase(r: Rng, steps: number): Case {
  const list: Step[] = [];
  for (let k = 0; k < steps; k++) list.push(randomStep(r));
  return buildCase(list);
}

/** Encodes steps as a program and runs the domain over it, recording what the kernel should print. */
export function buildCase(steps: readonly Step[]): Case {
  const body: Insn[] = [];
  const regs: ScalarT[] = [];
  regs[6] = Scalar.unknown();
  regs[7] = Scalar.unknown();
  const after = new Map<number, Map<number, string>>();
  const taken = new Map<number, Map<number, string>>();
  const pre: Insn[] = [
    { code: 0x85, dst: 0, src: 0, off: 0, imm: 7, text: 'call prandom' },
    { code: 0xbf, dst: 6, src: 0, off: 0, imm: 0, text: 'r6 = r0' },
    { code: 0x85, dst: 0, src: 0, off: 0, imm: 7, text: 'call prandom' },
    { code: 0xbf, dst: 7, src: 0, off: 0, imm: 0, text: 'r7 = r0' },
  ];
  const jumps: number[] = [];
  // r6 and r7 share a kernel scalar id after a movsx that cannot sign-extend; the kernel then refines
  // both on a branch (sync_linked_regs), which is interpreter business: stop at a jump while linked.
  let linked = false;
  let refuted: Case['refuted'];
  for (const st of steps) {
    const idx = pre.length + body.length;
    const dst = st.dst;
    const other = dst === 6 ? 7 : 6;
    const note = (reg: number, v: ScalarT): void => {
      let m = after.get(idx);
      if (!m) after.set(idx, (m = new Map()));
      m.set(reg, Scalar.toString(v));
    };
    if (st.k === 'alu') {
      const { op, is64 } = st;
      const useReg = st.reg ?? false;
      const imm = st.imm ?? 0;
      const signed = st.signed ?? false;
      const src = useReg ? regs[other]! : Scalar.const(BigInt(imm));
      if ((op === AluOp.AND || op === AluOp.OR) && Scalar.isConst(src)) {
        // maybe_fork_scalars: the kernel continues with dst = -1 and explores dst = 0 later.
        const fork = Scalar.forkNegOneZero(regs[dst]!);
        if (fork) regs[dst] = fork.minusOne;
      }
      // r += K / r -= K (64 and, in 6.18, 32-bit) keep the id with a constant offset.
      if (!((op === AluOp.ADD || op === AluOp.SUB) && (!useReg || Scalar.isConst(src)))) linked = false;
      regs[dst] = Scalar.alu(op, regs[dst]!, src, is64, signed);
      body.push({ code: (is64 ? 0x07 : 0x04) | op | (useReg ? 0x08 : 0), dst, src: useReg ? other : 0, off: signed ? 1 : 0,
        imm: useReg ? 0 : imm, text: `${is64 ? 'r' : 'w'}${dst} op${op.toString(16)}${signed ? 's' : ''}= ${useReg ? 'r' + other : imm}` });
      note(dst, regs[dst]!);
    } else if (st.k === 'neg') {
      regs[dst] = Scalar.neg(regs[dst]!, st.is64);
      linked = false;
      body.push({ code: (st.is64 ? 0x07 : 0x04) | AluOp.NEG, dst, src: 0, off: 0, imm: 0, text: `${st.is64 ? 'r' : 'w'}${dst} = -${dst}` });
      note(dst, regs[dst]!);
    } else if (st.k === 'end') {
      const code = st.form === 'bswap' ? 0xd7 : st.form === 'le' ? 0xd4 : 0xdc;
      regs[dst] = Scalar.endian(regs[dst]!, st.form, st.bits);
      linked = false;
      body.push({ code, dst, src: 0, off: 0, imm: st.bits, text: `${st.form}${st.bits} r${dst}` });
      note(dst, regs[dst]!);
    } else if (st.k === 'fill') {
      body.push({ code: 0x7b, dst: 10, src: dst, off: -8, imm: 0, text: `*(u64 *)(r10 - 8) = r${dst}` });
      const sz = st.size === 1 ? 0x10 : st.size === 2 ? 0x08 : 0x00;
      // (a narrow fill may keep the spilled register's id, so a link to the other register survives)
      regs[dst] = st.signed ? Scalar.sext(regs[dst]!, st.size) : Scalar.truncate(regs[dst]!, st.size);
      const fillIdx = pre.length + body.length;
      body.push({ code: (st.signed ? 0x81 : 0x61) | sz, dst, src: 10, off: -8, imm: 0,
        text: `r${dst} = *(${st.signed ? 's' : 'u'}${st.size * 8} *)(r10 - 8)` });
      const m = new Map<number, string>();
      m.set(dst, Scalar.toString(regs[dst]!));
      after.set(fillIdx, m);
    } else if (st.k === 'movsx') {
      linked = regs[other]!.umax < 1n << BigInt(st.bits - 1);
      regs[dst] = Scalar.movsx(regs[other]!, st.bits, st.is64);
      body.push({ code: (st.is64 ? 0x07 : 0x04) | AluOp.MOV | 0x08, dst, src: other, off: st.bits, imm: 0,
        text: `${st.is64 ? 'r' : 'w'}${dst} = (s${st.bits})${other}` });
      note(dst, regs[dst]!);
    } else {
      // conditional jump to the exit block, fall through continues
      if (linked) break;
      const useReg = st.reg ?? false;
      const imm = st.imm ?? 0;
      const src = useReg ? regs[other]! : Scalar.const(BigInt(imm));
      const br = Scalar.branch(st.op, regs[dst]!, src, st.is32);
      body.push({ code: (st.is32 ? 0x06 : 0x05) | st.op | (useReg ? 0x08 : 0), dst, src: useReg ? other : 0, off: 0,
        imm: useReg ? 0 : imm, text: `if ${st.is32 ? 'w' : 'r'}${dst} op${st.op.toString(16)} ${useReg ? 'r' + other : imm}` });
      jumps.push(body.length - 1);
      if (br.ifTrue && br.taken === -1) {
        const m = new Map<number, string>();
        m.set(dst, Scalar.toString(br.ifTrue[0]));
        if (useReg) m.set(other, Scalar.toString(br.ifTrue[1]));
        taken.set(idx, m);
      }
      if (br.taken === -1 && (!br.ifTrue || !br.ifFalse)) {
        refuted = { insn: idx, edge: br.ifTrue ? 'fall' : 'taken' };
        // The kernel explores the edge anyway; compare its state with Scalar.branch's kernelDead.
        const dead = br.ifTrue ? br.kernelDead?.ifFalse : br.kernelDead?.ifTrue;
        if (dead) {
          const m = new Map<number, string>();
          m.set(dst, Scalar.toString(dead[0]));
          if (useReg) m.set(other, Scalar.toString(dead[1]));
          (br.ifTrue ? after : taken).set(idx, m);
        }
      }
      if (br.taken === 1 || !br.ifFalse) break; // the fall-through is not explored (or is dead for us)
      regs[dst] = br.ifFalse[0];
      if (useReg) regs[other] = br.ifFalse[1];
      if (br.taken === -1) {
        const m = new Map<number, string>();
        m.set(dst, Scalar.toString(regs[dst]!));
        if (useReg) m.set(other, Scalar.toString(regs[other]!));
        after.set(idx, m);
      }
    }
  }
  const exitIdx = pre.length + body.length;
  for (const j of jumps) body[j]!.off = exitIdx - (pre.length + j + 1);
  const post: Insn[] = [
    { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0, text: 'r0 = 0' },
    { code: 0x95, dst: 0, src: 0, off: 0, imm: 0, text: 'exit' },
  ];
  const insns = [...pre, ...body, ...post];
  return { insns, expect: { after, taken }, listing: insns.map((i, n) => `${n}: ${i.text}`).join('\n'), ...(refuted ? { refuted } : {}) };
}

/** Strips what the domain does not model: ids (id=N, id=N+K) and precision marks. */
export function normalize(v: string): string {
  return v.replace(/^P/, '').replace(/id=\d+([+-]\d+)?,?/g, '').replace(/,\)$/, ')');
}

/** Parses "R6=scalar(...) R7=5 ..." into register -> value. */
export function parseRegs(s: string): Map<number, string> {
  const out = new Map<number, string>();
  const re = /R(\d+)(?:_\w+)?=/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) {
    let i = re.lastIndex;
    let depth = 0;
    const start = i;
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === ' ' && depth === 0) break;
    }
    out.set(Number(m[1]), normalize(s.slice(start, i)));
    re.lastIndex = i;
  }
  return out;
}

export interface KernelLog { ok: boolean; errno: number; after: Map<number, Map<number, string>>; from: Map<number, Map<number, string>>; raw: string }

export function parseLog(raw: string, header: string): KernelLog {
  const [, rc, errno] = /=== (-?\d+) (\d+)/.exec(header)!;
  const after = new Map<number, Map<number, string>>();
  const from = new Map<number, Map<number, string>>();
  for (const line of raw.split('\n')) {
    let m = /^(\d+): \([0-9a-f]{2}\) .*?;\s(.*)$/.exec(line);
    if (m) {
      const i = Number(m[1]);
      if (!after.has(i)) after.set(i, parseRegs(m[2]!));
      continue;
    }
    m = /^from (\d+) to (\d+): (.*)$/.exec(line);
    if (m) {
      const i = Number(m[1]);
      if (!from.has(i)) from.set(i, parseRegs(m[3]!));
    }
  }
  return { ok: rc === '0', errno: Number(errno), after, from, raw };
}

/** Runs all cases through the kernel in one process; returns one parsed log per case. */
export function runKernel(cases: Case[]): KernelLog[] {
  const input = cases.map((c) => c.insns.map(enc).join(' ')).join('\n') + '\n';
  const out = execFileSync(kernelScalarBinary(), [], { input, maxBuffer: 1 << 30 }).toString();
  const parts = out.split(/^(?==== )/m).filter((p) => p.startsWith('==='));
  return parts.map((p) => {
    const nl = p.indexOf('\n');
    return parseLog(p.slice(nl + 1), p.slice(0, nl));
  });
}

export interface Mismatch { case: number; insn: number; reg: number; edge: 'after' | 'taken'; ours: string; kernel: string }

export function compare(cases: Case[], logs: KernelLog[]): { mismatches: Mismatch[]; compared: number; failedLoads: number[] } {
  const mismatches: Mismatch[] = [];
  const failedLoads: number[] = [];
  let compared = 0;
  cases.forEach((c, n) => {
    const log = logs[n]!;
    if (!log.ok) { failedLoads.push(n); return; }
    for (const [edge, exp, got] of [['after', c.expect.after, log.after], ['taken', c.expect.taken, log.from]] as const) {
      for (const [insn, regs] of exp) {
        const k = got.get(insn);
        if (!k) continue; // not printed (e.g. unchanged register not scratched)
        for (const [reg, ours] of regs) {
          const kern = k.get(reg);
          if (kern === undefined) continue;
          compared++;
          if (kern !== ours) mismatches.push({ case: n, insn, reg, edge, ours, kernel: kern });
        }
      }
    }
  });
  return { mismatches, compared, failedLoads };
}
