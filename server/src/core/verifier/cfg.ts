// Static control-flow facts computed before exploration (kernel/bpf/verifier.c @6.12:
// check_subprogs, check_cfg, mark_prune_point): jump targets in range, every instruction reachable,
// the program ends in exit/ja, prune points, and static register liveness for state pruning.

import type { Insn } from '../isa/insn';
import { Cls, JmpOp, LdImm64Src, Mode } from '../isa/opcodes';
import { isLdImm64 } from '../isa/insn';
import { Reject } from './env';
import { xdpHelper } from './helpers';

export interface Cfg {
  /** Instructions at which states are checkpointed and compared. */
  readonly prune: Uint8Array;
  /** Loop heads (targets of back-edges) and may_goto: checkpoints are always taken there. */
  readonly force: Uint8Array;
  /** Live-in register bitmask (r0..r9) per slot. */
  readonly live: Uint16Array;
  /** Subprogram start slots, sorted, entry (0) first. */
  readonly subStarts: readonly number[];
}

function isCall(i: Insn): boolean {
  return (i.code & 0x07) === Cls.JMP && (i.code & 0xf0) === JmpOp.CALL;
}

/** Successor slots of `pc` inside its function (calls fall through; exit has none). */
export function successors(insns: readonly Insn[], pc: number): number[] {
  const i = insns[pc]!;
  const cls = i.code & 0x07;
  if (isLdImm64(i.code)) return [pc + 2];
  if (cls !== Cls.JMP && cls !== Cls.JMP32) return [pc + 1];
  const op = i.code & 0xf0;
  if (op === JmpOp.EXIT) return [];
  if (op === JmpOp.CALL) return [pc + 1];
  if (op === JmpOp.JA) return [pc + 1 + (cls === Cls.JMP32 ? i.imm : i.off)];
  return [pc + 1, pc + 1 + i.off];
}

export function buildCfg(insns: readonly Insn[]): Cfg {
  const n = insns.length;
  if (n === 0) throw new Reject('bpf/bad-insn', 'empty program', 'The program has no instructions.');
  const subs = new Set<number>([0]);
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    if (i.tail) continue;
    if (isCall(i) && i.src === 1) {
      const t = pc + i.imm + 1;
      if (t < 0 || t >= n) throw new Reject('bpf/bad-insn', `jump out of range from insn ${pc} to ${t}`, 'The call target is outside the program.');
      subs.add(t);
    }
    if (isLdImm64(i.code) && i.src === LdImm64Src.FUNC) {
      const t = pc + i.imm + 1;
      if (t < 0 || t >= n) throw new Reject('bpf/bad-insn', `jump out of range from insn ${pc} to ${t}`, 'The callback target is outside the program.');
      subs.add(t);
    }
  }
  const subStarts = [...subs].sort((a, b) => a - b);
  const subEnd = (pc: number) => {
    let end = n;
    for (const s of subStarts) if (s > pc) { end = s; break; }
    return end;
  };
  const subStartOf = (pc: number) => {
    let st = 0;
    for (const s of subStarts) if (s <= pc) st = s;
    return st;
  };
  const prune = new Uint8Array(n);
  for (const s of subStarts) prune[s] = 1;
  // Jump ranges and the last-instruction rule per subprogram.
  for (const s of subStarts) {
    const e = subEnd(s);
    const last = insns[e - 1]!;
    const lastInsn = last.tail ? insns[e - 2]! : last;
    const lcls = lastInsn.code & 0x07;
    const lop = lastInsn.code & 0xf0;
    if (last.tail || (lcls !== Cls.JMP && lcls !== Cls.JMP32) || (lop !== JmpOp.EXIT && lop !== JmpOp.JA)) {
      throw new Reject('bpf/bad-insn', 'last insn is not an exit or jmp', 'Every function must end with an exit or an unconditional jump.');
    }
  }
  for (let pc = 0; pc < n; pc++) {
    const i = insns[pc]!;
    if (i.tail) continue;
    const cls = i.code & 0x07;
    if (cls === Cls.JMP || cls === Cls.JMP32) {
      const op = i.code & 0xf0;
      if (op === JmpOp.CALL || op === JmpOp.EXIT) {
        if (op === JmpOp.CALL && pc + 1 < n) prune[pc + 1] = 1;
        continue;
      }
      const st = subStartOf(pc);
      const en = subEnd(pc);
      for (const t of successors(insns, pc)) {
        if (t < st || t >= en) throw new Reject('bpf/bad-insn', `jump out of range from insn ${pc} to ${t}`, 'The jump leaves its function.');
        if (insns[t]!.tail) throw new Reject('bpf/bad-insn', `jump into the middle of ldimm64 insn ${t - 1}`, 'The jump lands inside a 16-byte lddw instruction.');
        prune[t] = 1;
      }
      if (op !== JmpOp.JA) prune[pc + 1] = 1;
      if (op === JmpOp.JCOND) prune[pc] = 1;
    }
    if (cls === Cls.LD && !isLdImm64(i.code) && (i.code & 0xe0) !== Mode.ABS && (i.code & 0xe0) !== Mode.IND) {
      throw new Reject('bpf/bad-insn', `unknown opcode ${i.code.toString(16).padStart(2, '0')}`, 'Unknown instruction.');
    }
  }
  // Reachability (check_cfg): every instruction must be reachable from its function's start.
  const seen = new Uint8Array(n);
  for (const s of subStarts) {
    const work = [s];
    seen[s] = 1;
    while (work.length) {
      const pc = work.pop()!;
      for (const t of successors(insns, pc)) {
        if (t >= n) throw new Reject('bpf/bad-insn', `jump out of range from insn ${pc} to ${t}`, 'Control falls off the end of the program.');
        if (!seen[t]) {
          seen[t] = 1;
          work.push(t);
        }
      }
    }
  }
  for (let pc = 0; pc < n; pc++) {
    if (!insns[pc]!.tail && !seen[pc]) {
      // A jump to itself makes everything after it dead: the kernel reports the dead code, but the
      // cause is the endless loop.
      const selfLoop = insns.some((i, k) => seen[k] && !i.tail && (i.code & 0x07) === Cls.JMP && (i.code & 0xf0) === JmpOp.JA && i.off === -1);
      throw new Reject(selfLoop ? 'bpf/loop' : 'bpf/bad-insn', `unreachable insn ${pc}`,
        selfLoop ? 'A jump to itself loops forever, leaving the following instructions unreachable.' : 'This instruction can never execute; the kernel refuses dead code.');
    }
  }
  const force = new Uint8Array(n);
  // Back-edges by iterative DFS (gray = on the DFS stack), as check_cfg marks loop heads.
  const color = new Uint8Array(n);
  for (const s of subStarts) {
    if (color[s]) continue;
    const stack: Array<[number, number]> = [[s, 0]];
    color[s] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const succ = successors(insns, top[0]);
      if (top[1] < succ.length) {
        const t = succ[top[1]++]!;
        if (t >= n) continue;
        if (color[t] === 1) {
          force[t] = 1;
          prune[t] = 1;
        } else if (color[t] === 0) {
          color[t] = 1;
          stack.push([t, 0]);
        }
      } else {
        color[top[0]] = 2;
        stack.pop();
      }
    }
  }
  for (let pc = 0; pc < n; pc++) if (!insns[pc]!.tail && insns[pc]!.code === (Cls.JMP | JmpOp.JCOND)) force[pc] = 1;
  return { prune, force, live: liveness(insns), subStarts };
}

function useDef(i: Insn): [number, number] {
  const cls = i.code & 0x07;
  const b = (r: number) => 1 << r;
  const x = (i.code & 0x08) !== 0;
  switch (cls) {
    case Cls.ALU:
    case Cls.ALU64: {
      const op = i.code & 0xf0;
      if (op === 0xb0) return [x ? b(i.src) : 0, b(i.dst)];
      return [b(i.dst) | (x ? b(i.src) : 0), b(i.dst)];
    }
    case Cls.LDX:
      return [b(i.src), b(i.dst)];
    case Cls.ST:
      return [b(i.dst), 0];
    case Cls.STX:
      if ((i.code & 0xe0) === Mode.ATOMIC) return [b(i.dst) | b(i.src) | b(0), (i.imm & 1) ? b(i.src) | b(0) : 0];
      return [b(i.dst) | b(i.src), 0];
    case Cls.LD:
      if (isLdImm64(i.code)) return [0, b(i.dst)];
      return [0x3ff, 0x3f];
    case Cls.JMP:
    case Cls.JMP32: {
      const op = i.code & 0xf0;
      if (op === JmpOp.EXIT) return [b(0), 0];
      if (op === JmpOp.CALL) {
        let uses = 0x3e; // r1..r5
        if (i.src === 0) {
          const p = xdpHelper(i.imm);
          if (p) {
            uses = 0;
            for (let a = 0; a < p.args.length; a++) uses |= b(a + 1);
          }
        }
        return [uses, 0x3f];
      }
      if (op === JmpOp.JA) return [0, 0];
      return [b(i.dst) | (x ? b(i.src) : 0), 0];
    }
  }
  return [0x3ff, 0];
}

/** Per slot, the slots that may execute just before it (lddw tails have none and are no one's). */
export function predecessors(insns: readonly Insn[]): number[][] {
  const n = insns.length;
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let pc = 0; pc < n; pc++) {
    if (insns[pc]!.tail) continue;
    for (const t of successors(insns, pc)) if (t < n) preds[t]!.push(pc);
  }
  return preds;
}

/** Backward may-liveness over the whole program (calls treated as using r1..r5; exit uses r0). */
function liveness(insns: readonly Insn[]): Uint16Array {
  const n = insns.length;
  const live = new Uint16Array(n);
  const ud = insns.map((i) => (i.tail ? ([0, 0] as [number, number]) : useDef(i)));
  const preds = predecessors(insns);
  const work: number[] = [];
  const inWork = new Uint8Array(n);
  for (let pc = n - 1; pc >= 0; pc--) if (!insns[pc]!.tail) { work.push(pc); inWork[pc] = 1; }
  while (work.length) {
    const pc = work.pop()!;
    inWork[pc] = 0;
    let out = 0;
    for (const t of successors(insns, pc)) if (t < n) out |= live[t]!;
    const [u, d] = ud[pc]!;
    const nl = (u | (out & ~d)) & 0x3ff;
    if (nl !== live[pc]) {
      live[pc] = nl;
      for (const p of preds[pc]!) if (!inWork[p]) { inWork[p] = 1; work.push(p); }
    }
  }
  return live;
}
