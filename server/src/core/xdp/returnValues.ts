// The set of XDP verdicts a program can return: for each reachable exit of the main function,
// R0 as the verifier left it, intersected with what the instructions that last wrote R0 can
// produce. Both are over-approximations of the run-time values, so their intersection is too.
// bpf_redirect_map() and bpf_redirect() get the kernel's documented results when the verifier
// only knows "some integer": XDP_REDIRECT, or on failure the low two bits of `flags`
// (redirect_map, since 5.3) / XDP_ABORTED when flags are non-zero (bpf_redirect); see
// ../shared/reference/README.md and net/core/filter.c bpf_xdp_redirect @6.12.

import { helperId } from '../isa/helpers';
import { isLdImm64 } from '../isa/insn';
import type { Program } from '../program';
import type { ExitSite, HelperCallSite, VerifyResult } from '../verifier/result';
import { scalarValues32, ValueSet } from './valueSet';

export const XDP_ABORTED = 0;
export const XDP_REDIRECT = 4;
export const ACTION_NAMES = ['XDP_ABORTED', 'XDP_DROP', 'XDP_PASS', 'XDP_TX', 'XDP_REDIRECT'] as const;

const REDIRECT = helperId('bpf_redirect')!;
const REDIRECT_MAP = helperId('bpf_redirect_map')!;

/** Where R0's value at an exit comes from: one defining instruction and what it can produce. */
export interface ReturnSource {
  readonly exit: number;
  readonly def: number | undefined;
  readonly values: ValueSet;
}

/** Values a redirect helper call can return, from its flags argument. */
export function redirectHelperValues(call: HelperCallSite): ValueSet | undefined {
  if (call.helperId === REDIRECT_MAP) {
    const flags = call.args[2]?.value;
    const low = flags ? scalarValues32(flags) : ValueSet.range(0, 3);
    const lowBits = low.values ? low.values.map((v) => v & 3) : [0, 1, 2, 3];
    return ValueSet.of([XDP_REDIRECT, ...lowBits]);
  }
  if (call.helperId === REDIRECT) {
    const flags = call.args[1]?.value;
    const f = flags ? scalarValues32(flags) : undefined;
    const zeroOnly = f?.values?.length === 1 && f.values[0] === 0;
    return ValueSet.of(zeroOnly ? [XDP_REDIRECT] : [XDP_REDIRECT, XDP_ABORTED]);
  }
  return undefined;
}

function nextSlot(program: Program, slot: number): number {
  return slot + (isLdImm64(program.insns[slot]?.code ?? 0) ? 2 : 1);
}

/** What one R0-defining instruction can leave in R0. */
function defValues(program: Program, vr: VerifyResult, def: number): ValueSet | undefined {
  // `r0 = imm` (64-bit: sign-extended; 32-bit: zero-extended) and `r0 = imm64` are exact, which the
  // joined state after them may not be when paths merge right behind the move.
  const insn = program.insns[def];
  if (insn && insn.dst === 0 && (insn.code === 0xb7 || insn.code === 0xb4)) return ValueSet.of([insn.imm >>> 0]);
  if (insn && insn.dst === 0 && isLdImm64(insn.code) && insn.src === 0 && insn.imm64 !== undefined) return ValueSet.of([Number(insn.imm64 & 0xffffffffn)]);
  const call = vr.calls.find((c) => c.slot === def);
  if (call) {
    const red = redirectHelperValues(call);
    if (red) return call.ret?.kind === 'scalar' ? ValueSet.intersect(red, scalarValues32(call.ret.value)) : red;
    if (call.ret?.kind === 'scalar') return scalarValues32(call.ret.value);
  }
  const after = vr.states[nextSlot(program, def)]?.regs[0];
  return after?.kind === 'scalar' ? scalarValues32(after.value) : undefined;
}

export function exitSources(program: Program, vr: VerifyResult, exit: ExitSite): ReturnSource[] {
  const atExit = scalarValues32(exit.r0);
  if (exit.r0Defs.length === 0) return [{ exit: exit.slot, def: undefined, values: atExit }];
  return exit.r0Defs.map((def) => {
    const dv = defValues(program, vr, def);
    return { exit: exit.slot, def, values: dv ? ValueSet.intersect(atExit, dv) : atExit };
  });
}

/** Every (exit, def) pair with its values, over the reachable exits of the main function. */
export function returnSources(program: Program, vr: VerifyResult): ReturnSource[] {
  return vr.exits.flatMap((e) => exitSources(program, vr, e));
}

export function returnValueSet(sources: readonly ReturnSource[]): ValueSet {
  return sources.reduce((acc, s) => ValueSet.union(acc, s.values), ValueSet.of([]));
}
