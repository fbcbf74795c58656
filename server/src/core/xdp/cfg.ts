// Control flow over a program's slots, per function, and the heaviest path through it: used to
// add up bpf_xdp_adjust_head/meta pushes and adjust_tail growth along every path. A push inside
// a loop makes the sum unbounded (null). bpf-to-bpf calls add the callee's heaviest path.

import { Cls, CallSrc, JmpOp } from '../isa/opcodes';
import { insnClass, isLdImm64 } from '../isa/insn';
import type { Program } from '../program';

export function isHelperCall(program: Program, slot: number): boolean {
  const i = program.insns[slot];
  return !!i && !i.tail && i.code === (Cls.JMP | JmpOp.CALL) && i.src === CallSrc.HELPER;
}

export function isPseudoCall(program: Program, slot: number): boolean {
  const i = program.insns[slot];
  return !!i && !i.tail && i.code === (Cls.JMP | JmpOp.CALL) && i.src === CallSrc.PSEUDO_CALL;
}

/** Successor slots inside the same function (calls fall through; exit has none). */
export function successors(program: Program, slot: number): number[] {
  const i = program.insns[slot];
  if (!i || i.tail) return [];
  const cls = insnClass(i.code);
  if (isLdImm64(i.code)) return [slot + 2];
  if (cls !== Cls.JMP && cls !== Cls.JMP32) return [slot + 1];
  const op = i.code & 0xf0;
  if (op === JmpOp.EXIT) return [];
  if (op === JmpOp.CALL) return [slot + 1];
  if (op === JmpOp.JA) return [slot + 1 + (cls === Cls.JMP32 ? i.imm : i.off)];
  return [slot + 1, slot + 1 + i.off];
}

/** [start, end) slot ranges of the program's functions, entry first. */
export function functionRanges(program: Program): Array<{ start: number; end: number; name: string }> {
  const starts = (program.funcs.length ? program.funcs : [{ start: 0, name: program.name }])
    .map((f) => ({ start: f.start, name: f.name }))
    .sort((a, b) => a.start - b.start);
  return starts.map((f, k) => ({ ...f, end: k + 1 < starts.length ? starts[k + 1].start : program.insns.length }));
}

export interface PathSum {
  /** Heaviest total along any path from the function entry; null when unbounded. */
  readonly total: number | null;
  /** Per weighted slot: the heaviest total reaching it (before its own weight); null when unbounded. */
  readonly before: ReadonlyMap<number, number | null>;
  /** Weighted slots inside a cycle. */
  readonly inLoop: ReadonlySet<number>;
}

/**
 * Heaviest path of `weight` (bytes; null = unbounded) through the function starting at `start`.
 * Only slots for which `reachable` holds are walked.
 */
export function heaviestPath(
  program: Program,
  weight: (slot: number) => number | null,
  reachable: (slot: number) => boolean,
): PathSum {
  const funcs = functionRanges(program);
  const memo = new Map<number, PathSum>();
  const funcAt = (slot: number) => funcs.find((f) => slot >= f.start && slot < f.end);

  const solve = (start: number, depth: number): PathSum => {
    const cached = memo.get(start);
    if (cached) return cached;
    const fn = funcAt(start) ?? { start, end: program.insns.length };
    const w = (slot: number): number | null => {
      let own = weight(slot);
      if (isPseudoCall(program, slot) && depth < 16) {
        const callee = solve(slot + 1 + program.insns[slot].imm, depth + 1);
        own = own === null || callee.total === null ? null : own + callee.total;
      }
      return own;
    };
    // Nodes: reachable slots of this function, discovered from its entry.
    const nodes: number[] = [];
    const seen = new Set<number>();
    const stack = [start];
    while (stack.length) {
      const s = stack.pop()!;
      if (seen.has(s) || s < fn.start || s >= fn.end || !reachable(s)) continue;
      seen.add(s);
      nodes.push(s);
      for (const n of successors(program, s)) stack.push(n);
    }
    const succ = (s: number) => successors(program, s).filter((n) => seen.has(n));
    // Tarjan's SCCs (iterative).
    const index = new Map<number, number>();
    const low = new Map<number, number>();
    const onStack = new Set<number>();
    const sccStack: number[] = [];
    const comp = new Map<number, number>();
    const comps: number[][] = [];
    let counter = 0;
    for (const root of nodes) {
      if (index.has(root)) continue;
      const work: Array<[number, number]> = [[root, 0]];
      index.set(root, counter); low.set(root, counter); counter++;
      sccStack.push(root); onStack.add(root);
      while (work.length) {
        const top = work[work.length - 1];
        const [v, i] = top;
        const ss = succ(v);
        if (i < ss.length) {
          top[1]++;
          const n = ss[i];
          if (!index.has(n)) {
            index.set(n, counter); low.set(n, counter); counter++;
            sccStack.push(n); onStack.add(n);
            work.push([n, 0]);
          } else if (onStack.has(n)) low.set(v, Math.min(low.get(v)!, index.get(n)!));
        } else {
          work.pop();
          if (work.length) {
            const p = work[work.length - 1][0];
            low.set(p, Math.min(low.get(p)!, low.get(v)!));
          }
          if (low.get(v) === index.get(v)) {
            const c: number[] = [];
            let x: number;
            do { x = sccStack.pop()!; onStack.delete(x); comp.set(x, comps.length); c.push(x); } while (x !== v);
            comps.push(c);
          }
        }
      }
    }
    const inLoop = new Set<number>();
    const compWeight: Array<number | null> = comps.map((c) => {
      const cyclic = c.length > 1 || succ(c[0]).includes(c[0]);
      let sum: number | null = 0;
      for (const s of c) {
        const ws = w(s);
        if (ws === null) sum = null;
        else if (ws > 0 && cyclic) { inLoop.add(s); sum = null; }
        else if (sum !== null) sum += ws;
      }
      return sum;
    });
    // Tarjan emits components in reverse topological order: walk them backwards.
    const distIn = new Map<number, number | null>();
    const add = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);
    const maxOf = (a: number | null | undefined, b: number | null) => (a === undefined ? b : a === null || b === null ? null : Math.max(a, b));
    if (comp.has(start)) distIn.set(comp.get(start)!, 0);
    let total: number | null = 0;
    const before = new Map<number, number | null>();
    for (let k = comps.length - 1; k >= 0; k--) {
      const d = distIn.get(k);
      if (d === undefined) continue;
      for (const s of comps[k]) {
        const ws = w(s);
        if (ws === null || ws > 0) before.set(s, d);
      }
      const out = add(d, compWeight[k]);
      total = maxOf(total, out) ?? null;
      for (const s of comps[k]) for (const n of succ(s)) {
        const kn = comp.get(n)!;
        if (kn !== k) distIn.set(kn, maxOf(distIn.get(kn), out) ?? null);
      }
    }
    const r: PathSum = { total, before, inLoop };
    memo.set(start, r);
    return r;
  };
  return solve(functionRanges(program)[0]?.start ?? 0, 0);
}
