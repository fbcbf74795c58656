// State pruning (kernel/bpf/verifier.c @6.12: is_state_visited, states_equal, regsafe, stacksafe,
// check_ids). A checkpointed state `old` whose exploration finished without error makes any later
// state `cur` at the same instruction safe when old ⊇ cur: every register and stack byte of cur is
// described by old, ids map consistently. Dead registers (static liveness) are ignored.

import type { Env } from './env';
import { sc } from './sc';
import type { Scalar } from './domain/scalar';
import { Reg, SB, sameBtf, STACK_SIZE, type Checkpoint, type Frame, type VState } from './state';

/** old id ↔ cur id must be a bijection (pairs kept in a small reused array: states hold few ids). */
class IdMap {
  private readonly pairs: number[] = [];
  /** Entries in use (pairs * 2); the array is never shrunk, only overwritten. */
  private n = 0;
  reset(): this {
    this.n = 0;
    return this;
  }
  check(o: number, c: number): boolean {
    if (o === 0) return true;
    const p = this.pairs;
    const n = this.n;
    for (let i = 0; i < n; i += 2) {
      if (p[i] === o) return p[i + 1] === c;
      if (p[i + 1] === c) return false;
    }
    p[n] = o;
    p[n + 1] = c;
    this.n = n + 2;
    return true;
  }
}

/** sc.same with the 32-bit (number) bounds compared before the bigint fields: same answer, earlier exit. */
function sameScalar(a: Scalar, b: Scalar): boolean {
  return a === b || (a.u32min === b.u32min && a.u32max === b.u32max && a.s32min === b.s32min && a.s32max === b.s32max &&
    a.umin === b.umin && a.umax === b.umax && a.smin === b.smin && a.smax === b.smax &&
    a.tnum.value === b.tnum.value && a.tnum.mask === b.tnum.mask);
}
const IDS = new IdMap();

/** regsafe: every value `cur` may hold is one `old` was verified with. */
function regSafe(o: Reg, c: Reg, ids: IdMap, exact: boolean): boolean {
  if (o.kind === 'not_init') return !exact || c.kind === 'not_init';
  if (o.kind !== c.kind) return false;
  if (o.kind === 'scalar') {
    if (exact) return sameScalar(o.val, c.val) && ids.check(o.id, c.id);
    if (!sc.subsumes(o.val, c.val)) return false;
    // a linked old scalar must be linked the same way in cur (check_scalar_ids)
    if (o.id !== 0) return c.id !== 0 && ids.check(o.id, c.id);
    return true;
  }
  if (o.off !== c.off || o.map !== c.map || o.frame !== c.frame || o.memSize !== c.memSize || o.sub !== c.sub) return false;
  if (o.kind === 'pkt' || o.kind === 'pkt_meta') {
    if (o.range < 0 || c.range < 0 ? o.range !== c.range : o.range > c.range) return false;
  }
  if (exact ? !sameScalar(o.val, c.val) : !sc.subsumes(o.val, c.val)) return false;
  // BTF pointers: the same pointee type and the same flags (regsafe compares reg->type, btf, btf_id)
  if ((o.btf !== undefined || c.btf !== undefined) && !sameBtf(o.btf, c.btf)) return false;
  // dynptr slices: slices of corresponding dynptrs (the ids map with the stack's dynptr slots)
  if ((o.kind === 'mem' || o.kind === 'mem_or_null') && (o.dynptr !== undefined || c.dynptr !== undefined)) {
    if (o.dynptr === undefined || c.dynptr === undefined || !ids.check(o.dynptr + 0x10000000, c.dynptr + 0x10000000)) return false;
  }
  // pointer id 0 is a real group (all packet pointers derived from data by constants)
  if (!ids.check(o.id + 0x20000000, c.id + 0x20000000)) return false;
  if ((o.refId !== 0 || c.refId !== 0) && !ids.check(o.refId + 0x40000000, c.refId + 0x40000000)) return false;
  return true;
}

/** Demanded stack slots of the top frame (undefined: all); `readLo/readHi`: slots read at all (dynamic liveness). */
type SlotMask = { lo: number; hi: number; readLo?: number; readHi?: number } | undefined;

function slotRead(m: SlotMask, spi: number): boolean {
  if (!m || m.readLo === undefined) return true;
  return spi < 32 ? (m.readLo & (1 << spi)) !== 0 : (m.readHi! & (1 << (spi - 32))) !== 0;
}

function slotDemanded(m: SlotMask, spi: number): boolean {
  if (!m) return true;
  return spi < 32 ? (m.lo & (1 << spi)) !== 0 : (m.hi & (1 << (spi - 32))) !== 0;
}

function stackSafe(env: Env, o: Frame, c: Frame, ids: IdMap, exact: boolean, mask: SlotMask): boolean {
  // Bytes below the deepest one either frame touched are INVALID in both (every stack write
  // goes through stack.ts, which records the depth): start at the first slot that may differ.
  const first = (STACK_SIZE - (o.depth > c.depth ? o.depth : c.depth)) >> 3;
  if (env.dynptr && !dynptrsSafe(o, c, ids, first)) return false;
  if (o.stype === c.stype && o.spill === c.spill && !exact) return spillsSafe(o, c, ids, exact, mask, first);
  const ost = o.stype;
  const cst = c.stype;
  for (let spi = first; spi < 64; spi++) {
    // a slot the old continuation never read (stacksafe with !REG_LIVE_READ)
    if (!exact && !slotRead(mask, spi)) continue;
    const b0 = spi << 3;
    // Fast path: identical byte kinds pass every byte test below, except an old undemanded scalar
    // spill against a cur pointer spill, so slots holding spill bytes take the byte loop.
    let same = true;
    let spill = false;
    for (let b = b0; b < b0 + 8; b++) {
      const t = ost[b]!;
      if (t !== cst[b]) {
        same = false;
        break;
      }
      if (t === SB.SPILL) spill = true;
    }
    if (same && (exact || !spill)) continue;
    if (exact) return false;
    // Identical kinds holding a spill: the byte tests fail only for an old undemanded scalar
    // spill (against a cur pointer spill), so other identical slots pass without them.
    if (same) {
      const os = o.spill[spi];
      if (!os || os.kind !== 'scalar' || slotDemanded(mask, spi)) continue;
    }
    if (!stackSlotSafe(env, o, c, mask, b0)) return false;
  }
  return spillsSafe(o, c, ids, exact, mask, first);
}

/**
 * STACK_DYNPTR slots (stacksafe @6.12 compares their first_slot flag and dynptr type): a dynptr
 * slot of either state must be the same slot of a corresponding dynptr (ids mapped) in the other.
 * Unlike the kernel this also holds for slots the continuation never read (conservative: fewer
 * prunes, never a wrong one). Afterwards the byte loop sees identical STACK_DYNPTR bytes and passes
 * them; without this pass it would let an old dynptr slot cover a cur spilled pointer.
 */
function dynptrsSafe(o: Frame, c: Frame, ids: IdMap, first: number): boolean {
  const ost = o.stype;
  const cst = c.stype;
  for (let spi = first; spi < 64; spi++) {
    const od = ost[spi << 3] === SB.DYNPTR;
    if (od !== (cst[spi << 3] === SB.DYNPTR)) return false;
    if (!od) continue;
    const os = o.spill[spi]!;
    const cs = c.spill[spi]!;
    if (os.off !== cs.off || !ids.check(os.id + 0x10000000, cs.id + 0x10000000)) return false;
  }
  return true;
}

/** The byte tests of stacksafe (not exact) for the 8 bytes of one slot, from byte b0. */
function stackSlotSafe(env: Env, o: Frame, c: Frame, mask: SlotMask, b0: number): boolean {
  for (let b = b0; b < b0 + 8; b++) {
    const ot = o.stype[b]!;
    const ct = c.stype[b]!;
    if (ot === SB.INVALID) continue;
    if (ot === SB.MISC && env.privileged) continue;
    if (ot === SB.MISC) {
      if (ct === SB.INVALID) return false;
      if (ct === SB.SPILL && c.spill[b >> 3] && c.spill[b >> 3]!.kind !== 'scalar') return false;
      continue;
    }
    if (ot === SB.ZERO) {
      if (ct === SB.ZERO) continue;
      if (ct === SB.SPILL) {
        const sp = c.spill[b >> 3];
        if (sp && sp.kind === 'scalar' && sc.isZero(sp.val)) continue;
      }
      return false;
    }
    // old SPILL: cur must hold the same spill layout — unless the old spill is an undemanded scalar,
    // which reads back as some scalar whose value no later check depends on.
    const os = o.spill[b >> 3];
    if (os && os.kind === 'scalar' && !slotDemanded(mask, b >> 3)) {
      const cs = c.spill[b >> 3];
      if (ct === SB.SPILL && cs && cs.kind !== 'scalar') return false;
      if (ct === SB.INVALID && !env.privileged) return false;
      continue;
    }
    if (ct !== SB.SPILL) return false;
  }
  return true;
}

function spillsSafe(o: Frame, c: Frame, ids: IdMap, exact: boolean, mask: SlotMask, first: number): boolean {
  for (let i = first; i < 64; i++) {
    const os = o.spill[i];
    if (!os) continue;
    if (!exact && !slotRead(mask, i)) continue;
    if (o.stype[i * 8] !== SB.SPILL) continue;
    const cs = c.spill[i];
    if (!exact && os.kind === 'scalar' && !slotDemanded(mask, i)) {
      if (cs && cs.kind !== 'scalar' && c.stype[i * 8] === SB.SPILL) return false;
      continue;
    }
    if (!cs) return false;
    if (!regSafe(os, cs, ids, exact)) return false;
  }
  return true;
}

/**
 * A quick test that `statesEqual(cp.state, cur)` (not exact, single frame) must fail: a pointer
 * register or spilled pointer the comparison looks at has another kind, offset or a packet range
 * `cur` does not prove. These are the tests regSafe makes first, and most comparisons that fail on
 * a parsing program fail there (headers at other offsets); made here over a per-checkpoint list of
 * the pointer registers, they cost a few loads instead of a full comparison. Only for finished
 * checkpoints (their read mask no longer changes) of one frame; false means "compare fully".
 */
export function pointersDiffer(cp: Checkpoint, cur: VState, live: number): boolean {
  if (cp.branches > 0 || cp.state.frames.length !== 1) return false;
  if (cur.frames.length !== 1) return true;
  const of = cp.state.frames[0]!;
  let list = cp.ptrRegs;
  if (list === undefined) list = cp.ptrRegs = pointerList(cp, of, live);
  const cf = cur.frames[0]!;
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    const o = r < 10 ? of.regs[r]! : of.spill[r - 10]!;
    const c = r < 10 ? cf.regs[r]! : cf.spill[r - 10];
    if (c === undefined) return true;
    if (o.kind !== c.kind || o.off !== c.off) return true;
    if ((o.kind === 'pkt' || o.kind === 'pkt_meta') && (o.range < 0 || c.range < 0 ? o.range !== c.range : o.range > c.range)) return true;
  }
  return false;
}

/**
 * What pointersDiffer tests for a finished checkpoint: registers 0-9 (as themselves) and spilled
 * stack slots (10 + slot) that hold pointers in the checkpoint and that statesEqual compares with
 * regSafe — the registers of `live & read`, the spill slots the continuation read (spillsSafe).
 */
function pointerList(cp: Checkpoint, of: Frame, live: number): number[] {
  const list: number[] = [];
  for (let m = live & cp.read & 0x3ff; m !== 0; m &= m - 1) {
    const r = 31 - Math.clz32(m & -m);
    if (Reg.isPtr(of.regs[r]!)) list.push(r);
  }
  for (let w = 0; w < 2; w++) {
    for (let m = w === 0 ? cp.readLo : cp.readHi; m !== 0; m &= m - 1) {
      const spi = w * 32 + 31 - Math.clz32(m & -m);
      const os = of.spill[spi];
      if (os && of.stype[spi * 8] === SB.SPILL && Reg.isPtr(os)) list.push(10 + spi);
    }
  }
  return list;
}

/** states_equal(old, cur): with `exact`, the states must be identical (loop detection). */
export function statesEqual(env: Env, old: VState, cur: VState, live: number, exact: boolean, demandRegs = 0x3ff, slots?: SlotMask): boolean {
  if (old.frames.length !== cur.frames.length) return false;
  if (old.refs.length !== cur.refs.length) return false;
  const ids = IDS.reset();
  // states_equal @6.12: the same lock held (active_lock.ptr: the map), its ids both zero or both
  // not and mapped like the registers' pointer ids (check_ids), or no lock in either
  const ol = old.lock;
  const cl = cur.lock;
  if (ol || cl) {
    if (!ol || !cl || ol.map !== cl.map || (ol.id === 0) !== (cl.id === 0)) return false;
    if (ol.id !== 0 && !ids.check(ol.id + 0x20000000, cl.id + 0x20000000)) return false;
  }
  for (let fi = old.frames.length - 1; fi >= 0; fi--) {
    const of = old.frames[fi]!;
    const cf = cur.frames[fi]!;
    if (of.callsite !== cf.callsite || of.subStart !== cf.subStart) return false;
    const top = fi === old.frames.length - 1;
    for (let r = 0; r < 10; r++) {
      if (top && (live & (1 << r)) === 0) continue;
      const o = of.regs[r]!;
      if (top && !exact && o.kind === 'scalar' && (demandRegs & (1 << r)) === 0) {
        // an imprecise scalar: any scalar will do (regsafe with !precise)
        if (cf.regs[r]!.kind !== 'scalar') return false;
        continue;
      }
      if (!regSafe(o, cf.regs[r]!, ids, exact)) return false;
    }
    if (!stackSafe(env, of, cf, ids, exact, top ? slots : undefined)) return false;
  }
  for (let i = 0; i < old.refs.length; i++) {
    if (!ids.check(old.refs[i]!.id + 0x40000000, cur.refs[i]!.id + 0x40000000)) return false;
  }
  return true;
}
