// Global (non-static) functions, verified as the kernel does (kernel/bpf/verifier.c @6.12:
// check_func_call, btf_check_subprog_call, btf_check_func_arg_match, do_check_subprogs,
// do_check_common; kernel/bpf/btf.c btf_prepare_func_args):
//  - a call to a global function does not enter it: the caller's arguments are checked against
//    the BTF prototype (FuncInfo.params, derived by the loader), R1-R5 are clobbered, R0 becomes
//    an unknown scalar, and the function is marked called;
//  - after the entry program, every called global function is verified once, on its own, from
//    its prototype (scalar args unknown, ctx, PTR_TO_MEM | PTR_MAYBE_NULL of the pointee size);
//    functions those call are verified in further passes; processed instructions accumulate;
//  - at a global function's exit R0 must be a scalar;
//  - Linux 6.13+ ("bpf: track changes_pkt_data property for global functions"): a call to a
//    global function that may call a packet-moving helper (directly or through its callees)
//    invalidates the caller's packet pointers. 6.12 and older do not (they accept stale pointers).

import { Cls, JmpOp } from '../isa/opcodes';
import type { FuncInfo } from '../program';
import { newId, Reject, type Env } from './env';
import { xdpHelper } from './helpers';
import { markWritten } from './regs';
import { newFrame, Reg, type VState } from './state';

interface GlobalState {
  /** Global functions by start slot (the entry excluded). */
  readonly byStart: Map<number, FuncInfo>;
  readonly called: Set<number>;
  readonly verified: Set<number>;
  /** The global function being verified on its own, if any. */
  current: FuncInfo | undefined;
  readonly changesPkt: Map<number, boolean>;
}

const STATE = new WeakMap<Env, GlobalState>();

function state(env: Env): GlobalState {
  let g = STATE.get(env);
  if (!g) {
    const byStart = new Map<number, FuncInfo>();
    env.prog.funcs.forEach((f, i) => {
      if (i > 0 && f.global) byStart.set(f.start, f);
    });
    g = { byStart, called: new Set(), verified: new Set(), current: undefined, changesPkt: new Map() };
    STATE.set(env, g);
  }
  return g;
}

/** The global function starting at `target`, if the call goes to one. */
export function globalFuncAt(env: Env, target: number): FuncInfo | undefined {
  return state(env).byStart.get(target);
}

/** Records that a global function was called (do_check_subprogs verifies it later). */
export function markGlobalCalled(env: Env, f: FuncInfo): void {
  state(env).called.add(f.start);
}

/**
 * Whether the function at `start` may change packet data: it contains a call to a helper the
 * kernel marks as changing packet data, or calls (bpf-to-bpf) a function that may. The kernel
 * decides this from the code (check_cfg), not from reachability.
 */
export function funcChangesPkt(env: Env, start: number): boolean {
  const g = state(env);
  const starts = env.prog.funcs.map((f) => f.start).sort((a, b) => a - b);
  const visit = (s: number, seen: Set<number>): boolean => {
    const known = g.changesPkt.get(s);
    if (known !== undefined) return known;
    if (seen.has(s)) return false;
    seen.add(s);
    const end = starts.find((x) => x > s) ?? env.insns.length;
    let res = false;
    for (let pc = s; pc < end && !res; pc++) {
      const i = env.insns[pc]!;
      if (i.tail || (i.code & 0x07) !== Cls.JMP || (i.code & 0xf0) !== JmpOp.CALL) continue;
      if (i.src === 0) res = xdpHelper(i.imm)?.changesPkt === true;
      else if (i.src === 1) res = visit(pc + i.imm + 1, seen);
    }
    seen.delete(s);
    g.changesPkt.set(s, res);
    return res;
  };
  return visit(start, new Set());
}

/** Inside the separate verification of a global function: its R0 at exit must be a scalar. */
export function globalSubExit(env: Env): boolean {
  const f = state(env).current;
  if (!f) return false;
  const r0 = env.cur.frames[0]!.regs[0]!;
  if (r0.kind === 'not_init') throw new Reject('bpf/exit-r0', 'R0 !read_ok', `Global function ${f.name}() returns without setting a return value on this path.`);
  if (r0.kind !== 'scalar') {
    throw new Reject('bpf/exit-r0', `At subprogram exit the register R0 is not a scalar value (${r0.kind})`, `Global function ${f.name}() must return a number; global functions may only return scalars.`);
  }
  return true;
}

/** The entry state of a global function verified on its own (do_check_common for a subprog). */
function entryState(env: Env, f: FuncInfo): VState {
  const regs: Reg[] = new Array(11).fill(Reg.notInit);
  (f.params ?? []).forEach((p, i) => {
    if (p.kind === 'scalar') regs[i + 1] = Reg.unknown;
    else if (p.kind === 'ctx') regs[i + 1] = Reg.ptr('ctx');
    else regs[i + 1] = Reg.ptr(p.nullable ? 'mem_or_null' : 'mem', { id: newId(env), memSize: p.size });
  });
  regs[10] = Reg.ptr('fp', { frame: 0 });
  const s: VState = { frames: [newFrame(-1, f.start, regs)], refs: [], lock: undefined, pc: f.start, path: undefined, r0Def: -1, parent: undefined, changesPkt: false, written: 0, wLo: 0, wHi: 0 };
  markWritten(s, 0x7fe);
  return s;
}

/**
 * do_check_subprogs: verifies every called global function once, in function order, repeating
 * while new ones were called. `run` explores from a start state (explore with the shared collectors).
 */
export function verifyGlobalFuncs(env: Env, run: (start: VState) => void): void {
  const g = state(env);
  for (;;) {
    let fresh = 0;
    for (const f of env.prog.funcs) {
      if (!g.byStart.has(f.start) || !g.called.has(f.start) || g.verified.has(f.start)) continue;
      g.current = f;
      const start = entryState(env, f);
      env.cur = start;
      try {
        run(start);
      } finally {
        g.current = undefined;
      }
      g.verified.add(f.start);
      fresh++;
    }
    if (fresh === 0) return;
  }
}
