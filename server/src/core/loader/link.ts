// bpf-to-bpf linking, as libbpf's bpf_object__reloc_code does it (tools/lib/bpf/libbpf.c,
// Linux 6.12): the entry function is copied first; walking its call sites in instruction order,
// each callee not yet in the program is appended at the end and walked the same way before the
// walk resumes (depth-first, pre-order), and every call's imm becomes the distance from the call
// to the callee's copy minus one. Each program gets its own copies, so the same .text function
// may sit at different slots in different programs.
//
// Difference from libbpf, on purpose: libbpf insists that callees live in .text; calls into a
// function of the caller's own section are linked the same way here (the brief asks for it;
// clang emits them for static functions placed in a program section).
//
// The walk uses an explicit stack, so adversarial call chains cannot overflow the JS stack.

import type { Insn } from '../isa/insn';
import type { FuncInfo, KfuncRef, SourceLoc } from '../program';
import { Result } from '../result';
import type { Func, SectionCode } from './code';
import { funcAt, setRelativeImm } from './code';

export interface Linked {
  readonly insns: Insn[];
  readonly lines: (SourceLoc | undefined)[];
  readonly funcs: FuncInfo[];
  readonly kfuncs: KfuncRef[];
}

interface Frame {
  readonly f: Func;
  readonly code: SectionCode;
  /** Slot of f's first instruction in the program. */
  readonly pos: number;
  /** Next index into code.callSites, and the end of f's call sites. */
  k: number;
  readonly kEnd: number;
}

function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function linkProgram(entry: Func, code: ReadonlyMap<number, SectionCode>): Result<Linked> {
  const insns: Insn[] = [];
  const lines: (SourceLoc | undefined)[] = [];
  const funcs: FuncInfo[] = [];
  const kfuncs: KfuncRef[] = [];
  const placed = new Map<Func, number>();
  const stack: Frame[] = [];

  const place = (f: Func, c: SectionCode): void => {
    const pos = insns.length;
    placed.set(f, pos);
    for (let s = f.start; s < f.end; s++) {
      insns.push(c.insns[s]!);
      lines.push(c.lines[s]);
    }
    funcs.push({ start: pos, name: f.name, global: f.global, ...(f.btfTypeId !== undefined ? { btfTypeId: f.btfTypeId } : {}) });
    for (const [slot, name] of c.kfuncs) if (slot >= f.start && slot < f.end) kfuncs.push({ slot: pos + slot - f.start, name });
    stack.push({ f, code: c, pos, k: lowerBound(c.callSites, f.start), kEnd: lowerBound(c.callSites, f.end) });
  };

  place(entry, code.get(entry.section)!);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.k >= top.kEnd) {
      stack.pop();
      continue;
    }
    const site = top.code.callSites[top.k]!;
    const target = top.code.callTargets.get(site)!;
    const tcode = code.get(target.section);
    const callee = tcode ? funcAt(tcode, target.slot) : undefined;
    if (!tcode || !callee) {
      return Result.err('programs', `section ${top.code.section.name}`, site * 8, `call at instruction ${site} of '${top.f.name}' targets instruction ${target.slot} of section ${target.section}, which is not inside any function`);
    }
    let calleePos = placed.get(callee);
    if (calleePos === undefined) {
      place(callee, tcode);
      continue; // revisit this call site once the callee has been walked
    }
    calleePos += target.slot - callee.start;
    const callPos = top.pos + site - top.f.start;
    setRelativeImm(insns, callPos, calleePos - callPos - 1);
    top.k++;
  }
  kfuncs.sort((a, b) => a.slot - b.slot);
  return Result.ok({ insns, lines, funcs, kfuncs });
}
