// Combined stack size of bpf-to-bpf call chains (kernel/bpf/verifier.c @6.12:
// check_max_stack_depth_subprog): along every static call chain from the entry, the sum of each
// function's stack use rounded up to 32 bytes must not exceed 512.

import { Cls, JmpOp } from '../isa/opcodes';
import { Reject, type Env } from './env';

const MAX_BPF_STACK = 512;

/** round_up_stack_depth with the JIT requested (x86-64): multiples of 16. */
function roundUp(d: number): number {
  return Math.ceil(d / 16) * 16;
}

export function checkStackDepth(env: Env, subStarts: readonly number[]): void {
  const n = env.insns.length;
  const endOf = (s: number) => subStarts.find((x) => x > s) ?? n;
  const callees = new Map<number, number[]>();
  for (const s of subStarts) {
    const list: number[] = [];
    for (let pc = s; pc < endOf(s); pc++) {
      const i = env.insns[pc]!;
      if (!i.tail && (i.code & 0x07) === Cls.JMP && (i.code & 0xf0) === JmpOp.CALL && i.src === 1) list.push(pc + i.imm + 1);
    }
    callees.set(s, list);
  }
  const walk = (s: number, depth: number, frames: number, seen: Set<number>): void => {
    const d = depth + roundUp(env.subDepth.get(s) ?? 0);
    if (d > MAX_BPF_STACK) {
      throw new Reject('bpf/call-depth', `combined stack size of ${frames} calls is ${d}. Too large`,
        `The stack frames along this chain of calls add up to ${d} bytes; the kernel allows 512 in total. Move large buffers into a per-CPU array map.`);
    }
    for (const c of callees.get(s) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      walk(c, d, frames + 1, seen);
      seen.delete(c);
    }
  };
  walk(0, 0, 1, new Set([0]));
}
