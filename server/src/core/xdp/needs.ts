// What a program needs from the driver and kernel, inferred from its instructions and the
// verifier's states: actions, redirect targets, helpers, kfuncs, maps, metadata, frags, context
// fields and writes. Each need names where in the program it arises.

import { helperName } from '../isa/helpers';
import { Cls, LdImm64Src, Mode } from '../isa/opcodes';
import { insnClass, isLdImm64 } from '../isa/insn';
import { MapType, type LoadedObject, type Program } from '../program';
import type { VerifyResult } from '../verifier/result';
import { successors } from './cfg';
import { ADJUST_META } from './resize';

export type Need =
  | { readonly kind: 'helper'; readonly name: string; readonly slot: number }
  | { readonly kind: 'kfunc'; readonly name: string; readonly slot: number }
  | { readonly kind: 'map'; readonly type: number; readonly typeName: string; readonly mapName: string; readonly slot: number }
  | { readonly kind: 'redirect-target'; readonly target: string; readonly slot: number; readonly mapName?: string; readonly hairpin?: boolean }
  | { readonly kind: 'meta'; readonly slot: number; readonly via: 'adjust_meta' | 'read' }
  | { readonly kind: 'ctx-read'; readonly field: string; readonly slot: number }
  | { readonly kind: 'ctx-write'; readonly field: string; readonly slot: number }
  | { readonly kind: 'loop'; readonly slot: number };

/** struct xdp_md field by offset (include/uapi/linux/bpf.h @6.12, all __u32). */
export const XDP_MD_FIELDS: Readonly<Record<number, string>> = {
  0: 'data', 4: 'data_end', 8: 'data_meta', 12: 'ingress_ifindex', 16: 'rx_queue_index', 20: 'egress_ifindex',
};

const MAP_TYPE_NAMES: Readonly<Record<number, string>> = Object.fromEntries(
  Object.entries(MapType).map(([k, v]) => [v, k.toLowerCase()]),
);

export function mapTypeName(type: number): string {
  return MAP_TYPE_NAMES[type] ?? `type${type}`;
}

const REDIRECT_MAP = 'bpf_redirect_map';

/** Slots some jump lands on (a straight-line scan must stop there). */
function jumpTargets(program: Program): Set<number> {
  const t = new Set<number>();
  program.insns.forEach((_, s) => {
    const succ = successors(program, s);
    if (succ.length === 2 || (succ.length === 1 && succ[0] !== s + 1 && succ[0] !== s + 2)) for (const n of succ) t.add(n);
  });
  return t;
}

/**
 * Whether R1 at the bpf_redirect call at `slot` is ctx->ingress_ifindex (a hairpin: the packet goes
 * back out of the device it came in on), found by scanning back through straight-line code to the
 * instruction that set R1 and following register moves.
 */
function ifindexFromIngress(program: Program, vr: VerifyResult, slot: number): boolean {
  const targets = jumpTargets(program);
  let reg = 1;
  for (let s = slot - 1; s >= 0; s--) {
    const i = program.insns[s];
    if (!i || i.tail) continue;
    const cls = insnClass(i.code);
    if (cls === Cls.JMP || cls === Cls.JMP32) return false;
    if ((cls === Cls.ALU64 || cls === Cls.ALU) && i.dst === reg) {
      if (i.code === 0xbf) { reg = i.src; if (targets.has(s)) return false; continue; }
      return false;
    }
    if (cls === Cls.LDX && i.dst === reg) {
      const base = vr.states[s]?.regs[i.src];
      return base?.kind === 'ctx' && base.off + i.off === 12;
    }
    if ((cls === Cls.LD) && i.dst === reg) return false;
    if (targets.has(s)) return false;
  }
  return false;
}

export function inferNeeds(program: Program, obj: LoadedObject, vr: VerifyResult): Need[] {
  const needs: Need[] = [];
  const reached = (s: number) => vr.states[s] !== undefined;
  for (const c of vr.calls) {
    if (!reached(c.slot)) continue;
    if (c.helperId !== undefined) {
      const name = helperName(c.helperId) ?? `helper#${c.helperId}`;
      needs.push({ kind: 'helper', name, slot: c.slot });
      if (name === REDIRECT_MAP) {
        const idx = c.args[0]?.mapIndex;
        const m = idx !== undefined ? obj.maps[idx] : undefined;
        if (m) needs.push({ kind: 'redirect-target', target: mapTypeName(m.type), slot: c.slot, mapName: m.name });
      } else if (name === 'bpf_redirect') {
        needs.push({ kind: 'redirect-target', target: 'ifindex', slot: c.slot, ...(ifindexFromIngress(program, vr, c.slot) ? { hairpin: true } : {}) });
      }
      if (c.helperId === ADJUST_META) needs.push({ kind: 'meta', slot: c.slot, via: 'adjust_meta' });
    } else if (c.kfunc) needs.push({ kind: 'kfunc', name: c.kfunc, slot: c.slot });
  }
  // kfunc calls the verifier did not list (e.g. it refused the program before reaching them).
  for (const k of program.kfuncs) if (!needs.some((n) => n.kind === 'kfunc' && n.slot === k.slot)) needs.push({ kind: 'kfunc', name: k.name, slot: k.slot });
  const seenMaps = new Set<number>();
  program.insns.forEach((insn, slot) => {
    if (!insn || insn.tail) return;
    if (isLdImm64(insn.code) && (insn.src === LdImm64Src.MAP_IDX || insn.src === LdImm64Src.MAP_IDX_VALUE)) {
      const m = obj.maps[insn.imm];
      if (m && !seenMaps.has(m.index) && m.origin !== 'data' && m.origin !== 'rodata' && m.origin !== 'bss' && m.origin !== 'kconfig') {
        seenMaps.add(m.index);
        needs.push({ kind: 'map', type: m.type, typeName: mapTypeName(m.type), mapName: m.name, slot });
      }
      return;
    }
    const st = vr.states[slot];
    if (!st) return;
    const cls = insnClass(insn.code);
    const mode = insn.code & 0xe0;
    if (cls === Cls.LDX && mode === Mode.MEM) {
      const r = st.regs[insn.src];
      if (r?.kind === 'ctx') {
        const field = XDP_MD_FIELDS[r.off + insn.off] ?? `offset ${r.off + insn.off}`;
        needs.push({ kind: 'ctx-read', field, slot });
        if (field === 'data_meta') needs.push({ kind: 'meta', slot, via: 'read' });
      }
    } else if ((cls === Cls.STX || cls === Cls.ST) && (mode === Mode.MEM || mode === Mode.ATOMIC)) {
      const r = st.regs[insn.dst];
      if (r?.kind === 'ctx') needs.push({ kind: 'ctx-write', field: XDP_MD_FIELDS[r.off + insn.off] ?? `offset ${r.off + insn.off}`, slot });
    }
    // A back-edge: bounded loops need the 5.3 verifier.
    for (const n of successors(program, slot)) if (n <= slot && reached(n)) needs.push({ kind: 'loop', slot });
  });
  return needs;
}
