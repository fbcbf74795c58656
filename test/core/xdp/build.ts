// Hand-built verifier results for the XDP analysis unit tests: programs as instruction lists with
// per-slot C lines, and the VerifyResult the verifier would leave (states, calls, exits), so the
// analyses are tested without waiting for the verifier.
import { helperId } from '../../../server/src/core/isa/helpers';
import type { Insn } from '../../../server/src/core/isa/insn';
import type { LoadedObject, MapDef, Program, SourceLoc } from '../../../server/src/core/program';
import type { Scalar } from '../../../server/src/core/verifier/domain/scalar';
import type { ExitSite, HelperCallSite, InsnState, RegKind, RegView, VerifyResult } from '../../../server/src/core/verifier/result';

const U64 = (1n << 64n) - 1n;

export function konst(v: number): Scalar {
  const b = BigInt.asUintN(64, BigInt(v));
  const s = BigInt.asIntN(64, b);
  const lo = Number(b & 0xffffffffn);
  return { tnum: { value: b, mask: 0n }, umin: b, umax: b, smin: s, smax: s, u32min: lo, u32max: lo, s32min: lo | 0, s32max: lo | 0 };
}

/** A scalar in [lo, hi] (both ≥ 0 and < 2^31, or both negative 32-bit values sign-extended). */
export function range(lo: number, hi: number): Scalar {
  if (lo < 0) {
    return { tnum: { value: 0n, mask: U64 }, umin: 0n, umax: U64, smin: BigInt(lo), smax: BigInt(hi), u32min: 0, u32max: 0xffffffff, s32min: lo, s32max: hi };
  }
  let mask = 0n;
  while (mask < BigInt(hi)) mask = (mask << 1n) | 1n;
  return { tnum: { value: 0n, mask }, umin: BigInt(lo), umax: BigInt(hi), smin: BigInt(lo), smax: BigInt(hi), u32min: lo, u32max: hi, s32min: lo, s32max: hi };
}

export function unknown(): Scalar {
  return { tnum: { value: 0n, mask: U64 }, umin: 0n, umax: U64, smin: -(1n << 63n), smax: (1n << 63n) - 1n, u32min: 0, u32max: 0xffffffff, s32min: -0x80000000, s32max: 0x7fffffff };
}

export const reg = (value: Scalar, kind: RegKind = 'scalar', extra: Partial<RegView> = {}): RegView => ({ kind, value, off: 0, ...extra });
const NOT_INIT = reg(konst(0), 'not_init');

export const I = {
  mov(dst: number, imm: number): Insn { return { code: 0xb7, dst, src: 0, off: 0, imm }; },
  call(id: number): Insn { return { code: 0x85, dst: 0, src: 0, off: 0, imm: id }; },
  helper(name: string): Insn { return I.call(helperId(name)!); },
  kfunc(): Insn { return { code: 0x85, dst: 0, src: 2, off: 0, imm: 1 }; },
  exit(): Insn { return { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }; },
  ja(off: number): Insn { return { code: 0x05, dst: 0, src: 0, off, imm: 0 }; },
  jeq(dst: number, imm: number, off: number): Insn { return { code: 0x15, dst, src: 0, off, imm }; },
  ldxw(dst: number, src: number, off: number): Insn { return { code: 0x61, dst, src, off, imm: 0 }; },
  stw(dst: number, off: number, imm: number): Insn { return { code: 0x62, dst, src: 0, off, imm }; },
  ldMap(dst: number, index: number): Insn[] { return [{ code: 0x18, dst, src: 5, off: 0, imm: index, imm64: BigInt(index) }, { code: 0, dst: 0, src: 0, off: 0, imm: 0, tail: true }]; },
};

export interface Built {
  program: Program;
  obj: LoadedObject;
  vr: VerifyResult;
}

export interface Spec {
  insns: Insn[];
  /** C text per slot (same text = same line). */
  lines?: Array<string | undefined>;
  /** R0..R5 per slot (entry state); slots absent here are unreachable unless `reach` says otherwise. */
  regs?: Record<number, Partial<Record<number, RegView>>>;
  /** Slots considered reachable (default: all). */
  reach?: number[];
  calls?: Array<Partial<HelperCallSite> & { slot: number }>;
  exits?: ExitSite[];
  maps?: MapDef[];
  frags?: boolean;
  kfuncs?: Array<{ slot: number; name: string }>;
  verdict?: VerifyResult['verdict'];
  name?: string;
}

export function build(spec: Spec): Built {
  const lineNo = new Map<string, number>();
  const lines: Array<SourceLoc | undefined> = (spec.lines ?? []).map((t) => {
    if (t === undefined) return undefined;
    if (!lineNo.has(t)) lineNo.set(t, lineNo.size + 10);
    const col = (/\S/.exec(t)?.index ?? 0) + 1;
    return { file: 'prog.c', line: lineNo.get(t)!, column: col, text: t };
  });
  while (lines.length < spec.insns.length) lines.push(undefined);
  const program: Program = {
    name: spec.name ?? 'prog', section: spec.frags ? 'xdp.frags' : 'xdp', progType: 6, frags: !!spec.frags, attach: 'none',
    insns: spec.insns, lines, funcs: [{ start: 0, name: spec.name ?? 'prog' }], kfuncs: spec.kfuncs ?? [], sectionOffset: 0,
  };
  const reach = new Set(spec.reach ?? spec.insns.map((_, i) => i).filter((i) => !spec.insns[i].tail));
  const states: Array<InsnState | undefined> = spec.insns.map((_, i) => {
    if (!reach.has(i)) return undefined;
    const r = spec.regs?.[i] ?? {};
    const regs = Array.from({ length: 11 }, (_, k) => r[k] ?? (k === 1 && i === 0 ? reg(konst(0), 'ctx') : k === 10 ? reg(konst(0), 'fp') : NOT_INIT));
    return { regs, visits: 1 };
  });
  const calls: HelperCallSite[] = (spec.calls ?? []).map((c) => ({
    slot: c.slot, args: c.args ?? [], ...(c.helperId !== undefined ? { helperId: c.helperId } : spec.insns[c.slot].src === 0 ? { helperId: spec.insns[c.slot].imm } : {}),
    ...(c.kfunc ? { kfunc: c.kfunc } : {}), ...(c.ret ? { ret: c.ret } : {}),
  }));
  const vr: VerifyResult = {
    verdict: spec.verdict ?? 'accept', findings: [], stats: { processedInsns: 1, peakStates: 1, totalStates: 1, verifyMs: 0 },
    states, calls, exits: spec.exits ?? [],
  };
  return { program, obj: { programs: [program], maps: spec.maps ?? [], warnings: [] }, vr };
}

export function devmap(index: number, name = 'tx_port', type = 14): MapDef {
  return { index, name, type, keySize: 4, valueSize: 4, maxEntries: 64, flags: 0, pinning: 0, origin: 'btf' };
}
