// verify(): runs the verifier pipeline on one program — static CFG checks (cfg.ts), path
// exploration with pruning (explore.ts) over the transfer modules (alu, memory, branch, calls) —
// and packages the verdict, findings, per-slot states, call sites and exits (result.ts).

import type { LoadedObject, Program } from '../program';
import type { Finding } from '../diagnostics/finding';
import { Range } from '../diagnostics/finding';
import type { ExitSite, HelperCallSite, InsnState, RegView, VerifyResult } from './result';
import { buildCfg } from './cfg';
import { Cancelled, kernelVersion, Reject, type Env, type VerifyOptions } from './env';
import { explore, pathList, type Collected } from './explore';
import { newFrame, Reg, type VState } from './state';
import { stateStr } from './log';
import { checkStackDepth } from './stackDepth';
import { verifyGlobalFuncs } from './globalFuncs';
import { checkKfuncCalls } from './calls';

export type { VerifyOptions } from './env';
export { XDP_HELPERS, XDP_KFUNCS, xdpHelper, xdpKfunc } from './helpers';

function view(r: Reg): RegView {
  const v: { -readonly [K in keyof RegView]: RegView[K] } = { kind: r.kind, value: r.val, off: r.off };
  if (r.kind === 'pkt' || r.kind === 'pkt_meta') v.range = r.range;
  if (r.map >= 0) v.mapIndex = r.map;
  if (r.id) v.id = r.id;
  if (r.btf) {
    if (r.btf.name) v.btfType = r.btf.name;
    if (r.btf.trust) v.trust = r.btf.trust;
  }
  return v;
}

function sourceRange(prog: Program, slot: number): { range: Finding['range']; file?: string } {
  for (let s = Math.min(slot, prog.lines.length - 1); s >= 0; s--) {
    const l = prog.lines[s];
    if (l) return { range: Range.line(l.line, Math.max(1, l.text.length + 1)), file: l.file };
  }
  return { range: Range.line(1) };
}

export function verify(program: Program, obj: LoadedObject, opts: VerifyOptions = {}): VerifyResult {
  const t0 = performance.now();
  const insns = program.insns;
  const allMaps = obj.maps.slice();
  const innerOf = new Map<number, number>();
  obj.maps.forEach((m, i) => {
    if (m.inner) {
      innerOf.set(i, allMaps.length);
      allMaps.push({ ...m.inner, index: allMaps.length });
    }
  });
  const env: Env = {
    prog: program,
    obj,
    maps: allMaps,
    innerOf,
    devBound: opts.devBound ?? false,
    subDepth: new Map(),
    insns,
    immRegs: new Array(insns.length).fill(undefined),
    kver: kernelVersion(opts.kernel),
    privileged: opts.privileged ?? true,
    insnLimit: opts.insnLimit ?? 1_000_000,
    log: opts.log ? [] : undefined,
    cancel: opts.cancel,
    kfuncAt: new Map(program.kfuncs.map((k) => [k.slot, k.name])),
    // dynptr kfuncs, or the helpers bpf_dynptr_read (201) / bpf_dynptr_write (202)
    dynptr: program.kfuncs.some((k) => k.name.startsWith('bpf_dynptr_')) || insns.some((i) => i.code === 0x85 && i.src === 0 && (i.imm === 201 || i.imm === 202)),
    subStarts: [],
    nextId: 0,
    processed: 0,
    cur: undefined as unknown as VState,
  };
  const out: Collected = {
    regs: new Array(insns.length).fill(undefined),
    visits: new Uint32Array(insns.length),
    calls: new Map(),
    exits: new Map(),
    totalStates: 0,
    peakStates: 0,
  };
  const findings: Finding[] = [];
  let verdict: VerifyResult['verdict'] = 'accept';
  try {
    const regs: Reg[] = new Array(11).fill(Reg.notInit);
    regs[1] = Reg.ptr('ctx');
    regs[10] = Reg.ptr('fp', { frame: 0 });
    const start: VState = { frames: [newFrame(-1, 0, regs)], refs: [], lock: undefined, pc: 0, path: undefined, r0Def: -1, parent: undefined, changesPkt: false, written: 0x7fe, wLo: 0, wHi: 0 };
    env.cur = start;
    // bpf_check @6.12: add_subprog_and_kfunc (every kfunc call) runs before check_cfg
    checkKfuncCalls(env);
    const cfg = buildCfg(insns);
    explore(env, cfg, start, out);
    verifyGlobalFuncs(env, (sub) => explore(env, cfg, sub, out));
    checkStackDepth(env, cfg.subStarts);
  } catch (e) {
    if (e instanceof Reject) {
      verdict = 'reject';
      const slot = env.cur?.pc ?? 0;
      // an unreleased reference is best shown where it was acquired
      const { range, file } = sourceRange(program, slot);
      if (env.log) {
        if (env.cur) env.log.push(`${slot}: ${stateStr(env, env.cur)}`);
        env.log.push(e.kmsg);
        const more = e.data.moreLines;
        if (Array.isArray(more)) for (const l of more) env.log.push(String(l));
        env.log.push(`processed ${env.processed} insns (limit ${env.insnLimit}) max_states_per_insn 0 total_states ${out.totalStates} peak_states ${out.peakStates} mark_read 0`);
      }
      findings.push({
        code: e.code,
        severity: 'error',
        message: e.kmsg,
        ...(file ? { file } : {}),
        range,
        insn: slot,
        data: { ...e.data, explanation: e.explanation, path: pathList(env.cur?.path), kernelMessage: e.kmsg },
      });
    } else if (e instanceof Cancelled) {
      verdict = 'error';
      findings.push({ code: 'analysis/timeout', severity: 'info', message: 'verification cancelled', range: Range.line(1) });
    } else {
      verdict = 'error';
      findings.push({ code: 'analysis/failed', severity: 'error', message: `verifier crashed: ${(e as Error).message}`, range: Range.line(1), data: { stack: (e as Error).stack } });
    }
  }
  if (verdict === 'accept' && env.log) {
    env.log.push(`processed ${env.processed} insns (limit ${env.insnLimit}) max_states_per_insn 0 total_states ${out.totalStates} peak_states ${out.peakStates} mark_read 0`);
  }
  const deadView = view(Reg.notInit);
  const live = out.live;
  const states: Array<InsnState | undefined> = out.regs.map((r, i) =>
    r ? { regs: r.slice(0, 11).map((x, k) => (live && k < 10 && (live[i]! & (1 << k)) === 0 ? deadView : view(x))), visits: out.visits[i]! } : undefined);
  const calls: HelperCallSite[] = [...out.calls.entries()].sort((a, b) => a[0] - b[0]).map(([slot, c]) => ({
    slot,
    ...(c.helperId !== undefined ? { helperId: c.helperId } : {}),
    ...(c.kfunc !== undefined ? { kfunc: c.kfunc } : {}),
    args: c.args.map(view),
    ...(c.ret ? { ret: view(c.ret) } : {}),
  }));
  const exits: ExitSite[] = [...out.exits.entries()].sort((a, b) => a[0] - b[0]).map(([slot, e]) => ({ slot, r0: e.r0, r0Defs: [...e.defs].sort((a, b) => a - b) }));
  return {
    verdict,
    findings,
    stats: { processedInsns: env.processed, peakStates: out.peakStates, totalStates: out.totalStates, verifyMs: performance.now() - t0 },
    states,
    calls,
    exits,
    ...(env.log ? { log: env.log } : {}),
  };
}

/** Slots whose line_info points at `line` (1-based) of `file` (any file when omitted). */
export function slotsForLine(program: Program, line: number, file?: string): number[] {
  const out: number[] = [];
  program.lines.forEach((l, slot) => {
    if (l && l.line === line && (file === undefined || l.file === file)) out.push(slot);
  });
  return out;
}

/** The joined states of every slot on a source line (the hover/analysis query by line). */
export function statesForLine(program: Program, result: VerifyResult, line: number, file?: string): Array<{ slot: number; state: InsnState }> {
  return slotsForLine(program, line, file).flatMap((slot) => {
    const state = result.states[slot];
    return state ? [{ slot, state }] : [];
  });
}
