// The BPF stack: 512 bytes per frame, byte kinds INVALID/MISC/ZERO/SPILL and spilled registers
// per 8-byte slot (kernel/bpf/verifier.c @6.12: check_stack_write_fixed_off,
// check_stack_read_fixed_off, check_stack_write_var_off, check_stack_access_within_bounds).

import { Reject, type Env } from './env';
import { sc } from './sc';
import { dynptrSlot, ownStack, Reg, SB, STACK_SIZE, type Frame } from './state';
import { markSlotRead, markSlotWritten } from './regs';

/** helperRead/helperWrite: helper memory arguments as 6.14+ kernels word them (read from / write to). */
export type Access = 'read' | 'write' | 'helper' | 'helperRead' | 'helperWrite';

const EXTRA: Record<Access, string> = { read: ' read from', write: ' write to', helper: ' indirect access to', helperRead: ' read from', helperWrite: ' write to' };

/** Bounds of a stack access [lo, hi) relative to fp; throws the kernel's error when outside. */
export function stackBounds(regno: number, ptr: Reg, off: number, size: number, t: Access): [number, number] {
  const base = ptr.off + off;
  if (sc.isConst(ptr.val)) {
    const lo = Number(BigInt.asIntN(64, sc.constValue(ptr.val))) + base;
    if (lo < -STACK_SIZE || lo + size > 0 || (size <= 0 && !t.startsWith('helper'))) {
      throw new Reject('bpf/stack-bounds', `invalid${EXTRA[t]} stack R${regno} off=${lo} size=${size}`,
        `The access touches stack bytes ${lo}..${lo + size - 1} relative to r10; the frame is r10-512..r10-1.`, { off: lo, size });
    }
    return [lo, lo + size];
  }
  const smin = ptr.val.smin;
  const smax = ptr.val.smax;
  if (smin < -(1n << 29n) || smax > 1n << 29n) {
    throw new Reject('bpf/stack-bounds', `invalid unbounded variable-offset${EXTRA[t]} stack R${regno}`, 'The stack offset is not bounded; bound the index before using it.');
  }
  const lo = Number(smin) + base;
  const hi = Number(smax) + base + size;
  if (lo < -STACK_SIZE || hi > 0) {
    throw new Reject('bpf/stack-bounds', `invalid variable-offset${EXTRA[t]} stack R${regno} var_off=${sc.tnumStr(ptr.val)} off=${base} size=${size}`,
      `The access may touch stack bytes ${lo}..${hi - 1} relative to r10; the frame is r10-512..r10-1.`, { off: lo, size });
  }
  return [lo, hi];
}

/** Marks the frame-0 slots in [lo, hi) as read (only frame 0 has dynamic stack liveness). */
function readRange(env: Env, f: Frame, lo: number, hi: number): void {
  if (f !== env.cur.frames[0]) return;
  for (let spi = (STACK_SIZE + lo) >> 3; spi <= (STACK_SIZE + hi - 1) >> 3; spi++) markSlotRead(env.cur, spi);
}

function touch(env: Env, f: Frame, lo: number): void {
  if (-lo > f.depth) {
    f.depth = -lo;
    const d = env.subDepth.get(f.subStart) ?? 0;
    if (-lo > d) env.subDepth.set(f.subStart, -lo);
  }
}

/** Spilled-register kinds the kernel keeps in full on the stack (is_spillable_regtype). */
function spillable(r: Reg): boolean {
  return r.kind !== 'not_init';
}

/** A write of `size` bytes at constant offset `lo`; `value` is the stored register (or an ST immediate). */
export function stackWriteFixed(env: Env, f: Frame, lo: number, size: number, value: Reg | undefined, imm: number | undefined): void {
  ownStack(f);
  touch(env, f, lo);
  if (env.dynptr) destroyDynptrs(env, f, lo, lo + size);
  if (size === 8 && f === env.cur.frames[0]) markSlotWritten(env.cur, (STACK_SIZE + lo) >> 3);
  const i0 = STACK_SIZE + lo;
  const spi = i0 >> 3;
  const slotStart = spi << 3;
  const aligned = (i0 & 7) === 0;
  if (value && aligned && value.kind === 'scalar' && env.privileged) {
    saveSpill(f, spi, value, size);
    return;
  }
  if (!value && imm !== undefined && aligned && env.privileged) {
    saveSpill(f, spi, Reg.konst(BigInt(imm)), size);
    return;
  }
  if (value && Reg.isPtr(value) && spillable(value)) {
    if (size !== 8) throw new Reject('bpf/mem-access', 'invalid size of register spill', 'A pointer must be stored to the stack with an 8-byte store.');
    saveSpill(f, spi, value, size);
    return;
  }
  // Plain data: destroys a spilled register in the slot.
  if (f.spill[spi]) {
    f.spill[spi] = undefined;
    for (let b = slotStart; b < slotStart + 8; b++) if (f.stype[b] === SB.SPILL) f.stype[b] = SB.MISC;
  }
  const zero = value ? value.kind === 'scalar' && sc.isZero(value.val) : imm === 0;
  const t = zero ? SB.ZERO : SB.MISC;
  for (let b = i0; b < i0 + size; b++) f.stype[b] = t;
}

function saveSpill(f: Frame, spi: number, value: Reg, size: number): void {
  const s = spi << 3;
  f.spill[spi] = value;
  for (let b = s; b < s + 8; b++) {
    if (b < s + size) f.stype[b] = SB.SPILL;
    else if (f.stype[b] === SB.SPILL) f.stype[b] = SB.MISC;
  }
}

/** A write at a variable offset: every byte it may touch becomes MISC (ZERO stays when storing zero). */
export function stackWriteVar(env: Env, f: Frame, lo: number, hi: number, value: Reg | undefined, imm: number | undefined): void {
  ownStack(f);
  touch(env, f, lo);
  if (env.dynptr) destroyDynptrs(env, f, lo, hi);
  const zero = value ? value.kind === 'scalar' && sc.isZero(value.val) : imm === 0;
  for (let b = STACK_SIZE + lo; b < STACK_SIZE + hi; b++) {
    const spi = b >> 3;
    if (f.spill[spi]) {
      f.spill[spi] = undefined;
      for (let c = spi << 3; c < (spi << 3) + 8; c++) if (f.stype[c] === SB.SPILL) f.stype[c] = SB.MISC;
    }
    const t = f.stype[b]!;
    if (t === SB.INVALID && !env.privileged) {
      throw new Reject('bpf/uninit-stack', `uninit stack in range of var-offset write prohibited for !root; insn ${env.cur.pc}, off: ${b - STACK_SIZE}`, 'A variable-offset write may touch uninitialised stack.');
    }
    if (!(zero && t === SB.ZERO)) f.stype[b] = SB.MISC;
  }
}

/** A read of `size` bytes at constant offset `lo`; returns the loaded register (before narrowing). */
export function stackReadFixed(env: Env, f: Frame, lo: number, size: number): Reg {
  touch(env, f, lo);
  readRange(env, f, lo, lo + size);
  if (env.dynptr) {
    // check_stack_read_fixed_off @6.12: STACK_DYNPTR bytes are neither data nor a spill
    const b = dynptrByte(f, lo, lo + size);
    if (b !== undefined) throw dynptrAccess(`invalid read from stack off ${lo}+${b - lo} size ${size}`);
  }
  const i0 = STACK_SIZE + lo;
  const spi = i0 >> 3;
  const slotStart = spi << 3;
  const sp = f.spill[spi];
  if (sp && f.stype[slotStart] === SB.SPILL) {
    let spillSize = 0;
    while (spillSize < 8 && f.stype[slotStart + spillSize] === SB.SPILL) spillSize++;
    if (size === 8 && spillSize === 8) return sp;
    if (sp.kind !== 'scalar') throw new Reject('bpf/mem-access', 'invalid size of register fill', 'A spilled pointer must be loaded back with an 8-byte load.');
    if (size <= spillSize && i0 === slotStart) {
      // narrow fill of a spilled scalar: the caller truncates to `size` (and keeps the id if it fits).
      return sp;
    }
    let spill = 0;
    let zero = 0;
    for (let b = i0; b < i0 + size; b++) {
      const t = f.stype[b]!;
      if (t === SB.SPILL) spill++;
      else if (t === SB.ZERO) zero++;
      else if (t === SB.INVALID && !env.privileged) throw uninit(lo, b - i0, size);
    }
    if ((spill === size && sc.isZero(sp.val)) || zero === size) return Reg.konst(0);
    return Reg.unknown;
  }
  let zero = 0;
  for (let b = i0; b < i0 + size; b++) {
    const t = f.stype[b]!;
    if (t === SB.ZERO) zero++;
    else if (t === SB.INVALID && !env.privileged) throw uninit(lo, b - i0, size);
  }
  return zero === size ? Reg.konst(0) : Reg.unknown;
}

/** A read at a variable offset: all bytes in range must be initialised (unless privileged). */
export function stackReadVar(env: Env, f: Frame, regno: number, ptr: Reg, lo: number, hi: number, size: number): Reg {
  touch(env, f, lo);
  readRange(env, f, lo, hi);
  if (env.dynptr) {
    // check_stack_range_initialized (ACCESS_DIRECT) @6.12
    const b = dynptrByte(f, lo, hi);
    if (b !== undefined) throw dynptrAccess(`invalid read from stack R${regno} var_off ${sc.tnumStr(ptr.val)}+${b - lo} size ${size}`);
  }
  let allZero = true;
  for (let b = STACK_SIZE + lo; b < STACK_SIZE + hi; b++) {
    const t = f.stype[b]!;
    if (t !== SB.ZERO) allZero = false;
    if (t === SB.INVALID && !env.privileged) {
      throw new Reject('bpf/uninit-stack', `invalid read from stack R${regno} var_off ${sc.tnumStr(ptr.val)}+${ptr.off} size ${size}`, 'The variable-offset read may touch stack bytes that were never written.');
    }
  }
  return allZero ? Reg.konst(0) : Reg.unknown;
}

function uninit(off: number, i: number, size: number): Reject {
  return new Reject('bpf/uninit-stack', `invalid read from stack off ${off}+${i} size ${size}`,
    `Stack byte r10${off + i} is read before anything was written to it.`, { off, size });
}

/**
 * Helper memory arguments on the stack (check_stack_range_initialized): for reads every byte must be
 * initialised unless the loader is privileged; for writes the bytes become MISC.
 */
export function stackHelperAccess(env: Env, f: Frame, regno: number, lo: number, hi: number, write: boolean, uninitOk: boolean): void {
  touch(env, f, lo);
  if (!write || !uninitOk) readRange(env, f, lo, hi);
  if (env.dynptr) {
    // check_stack_range_initialized @6.12: raw-mode (uninit) helper memory may not overlap a dynptr;
    // other helper accesses find STACK_DYNPTR neither data nor a spill.
    const b = dynptrByte(f, lo, hi);
    if (b !== undefined) {
      throw dynptrAccess(write && uninitOk ? `potential write to dynptr at off=${b} disallowed` : `invalid${env.kver >= 614 ? '' : ' indirect'} read from stack R${regno} off ${lo}+${b - lo} size ${hi - lo}`);
    }
  }
  if (write) ownStack(f);
  for (let b = STACK_SIZE + lo; b < STACK_SIZE + hi; b++) {
    const spi = b >> 3;
    const t = f.stype[b]!;
    if (!write || !uninitOk) {
      if (t === SB.INVALID && !env.privileged && !uninitOk) {
        throw new Reject('bpf/uninit-stack', `invalid indirect read from stack R${regno} off ${lo}+${b - STACK_SIZE - lo} size ${hi - lo}`,
          'The helper reads stack bytes that were never written.', { off: lo, size: hi - lo });
      }
      if (t === SB.SPILL && f.spill[spi] && Reg.isPtr(f.spill[spi]!) && !env.privileged) {
        throw new Reject('bpf/ptr-leak', `R${regno} leaks addr into helper function`, 'A spilled pointer would be passed to the helper as data.');
      }
    }
    if (write) {
      if (f.spill[spi]) {
        f.spill[spi] = undefined;
        for (let c = spi << 3; c < (spi << 3) + 8; c++) if (f.stype[c] === SB.SPILL) f.stype[c] = SB.MISC;
      }
      f.stype[b] = SB.MISC;
    }
  }
}

// ---- dynptrs on the stack (kernel/bpf/verifier.c @6.12: stack_slot_obj_get_spi,
// mark_stack_slots_dynptr, destroy_if_dynptr_stack_slot, is_dynptr_reg_valid_init, mark_dynptr_read).
// A dynptr takes two 8-byte slots, all 16 bytes STACK_DYNPTR, a dynptrSlot marker in each slot's
// spill entry. Only programs that call dynptr kfuncs (env.dynptr) ever have such slots.

const DYNPTR_SIZE = 16;

function dynptrAccess(kmsg: string): Reject {
  return new Reject('bpf/mem-access', kmsg, 'These stack bytes hold a struct bpf_dynptr: the program may only pass it to dynptr kfuncs and helpers, not read or copy its bytes.');
}

/** Offset (fp-relative) of the first STACK_DYNPTR byte in [lo, hi), or undefined. */
function dynptrByte(f: Frame, lo: number, hi: number): number | undefined {
  const st = f.stype;
  for (let b = STACK_SIZE + lo; b < STACK_SIZE + hi; b++) if (st[b] === SB.DYNPTR) return b - STACK_SIZE;
  return undefined;
}

/**
 * destroy_if_dynptr_stack_slot for every slot [lo, hi) touches: a write to either slot of an
 * (unreferenced) dynptr destroys it: both slots become STACK_INVALID. Its slices stay valid: the
 * kernel invalidates only registers of type exactly PTR_TO_MEM (| PTR_MAYBE_NULL), and slices of an
 * XDP dynptr are PTR_TO_MEM | DYNPTR_TYPE_XDP (| MEM_RDONLY) (fixture dynptr.c:slice_after_dynptr_overwrite_ok).
 */
export function destroyDynptrs(env: Env, f: Frame, lo: number, hi: number): void {
  for (let spi = (STACK_SIZE + lo) >> 3; spi <= (STACK_SIZE + hi - 1) >> 3; spi++) {
    if (f.stype[spi << 3] !== SB.DYNPTR) continue;
    const m = f.spill[spi]!;
    const first = m.off === 1 ? spi : spi - 1;
    ownStack(f);
    f.stype.fill(SB.INVALID, first << 3, (first << 3) + DYNPTR_SIZE);
    f.spill[first] = undefined;
    f.spill[first + 1] = undefined;
    if (f === env.cur.frames[0]) {
      markSlotWritten(env.cur, first);
      markSlotWritten(env.cur, first + 1);
    }
  }
}

/** stack_slot_obj_get_spi: the fp-relative offset of the dynptr `r` points to. */
function dynptrOff(regno: number, r: Reg): number {
  if (r.kind !== 'fp') {
    throw new Reject('bpf/helper-arg', `arg#${regno - 1} expected pointer to stack or const struct bpf_dynptr`, `Argument ${regno} must point to a struct bpf_dynptr on the stack.`, { reg: regno, got: r.kind });
  }
  if (!sc.isConst(r.val)) throw new Reject('bpf/helper-arg', 'dynptr has to be at a constant offset', 'A struct bpf_dynptr must sit at a constant stack offset.', { reg: regno });
  const off = Number(BigInt.asIntN(64, sc.constValue(r.val))) + r.off;
  if (off % 8 !== 0 || off > -DYNPTR_SIZE) {
    throw new Reject('bpf/helper-arg', `cannot pass in dynptr at an offset=${off}`, 'A struct bpf_dynptr takes 16 bytes of stack at an 8-byte aligned offset.', { reg: regno, off });
  }
  return off;
}

/**
 * process_dynptr_func with MEM_UNINIT (bpf_dynptr_from_xdp's ptr__uninit, bpf_dynptr_clone's
 * clone__uninit): 16 writable stack bytes (an unreferenced dynptr there is destroyed); afterwards
 * they are the dynptr `id`.
 */
export function initDynptr(env: Env, regno: number, r: Reg, id: number): void {
  const off = dynptrOff(regno, r);
  const f = env.cur.frames[r.frame]!;
  // check_mem_access: two BPF_DW writes (they destroy dynptrs they overlap)
  for (let i = 0; i < DYNPTR_SIZE; i += 8) {
    const [lo] = stackBounds(regno, r, i, 8, 'write');
    stackWriteFixed(env, f, lo, 8, Reg.unknown, undefined);
  }
  const first = (STACK_SIZE + off) >> 3;
  ownStack(f);
  f.stype.fill(SB.DYNPTR, first << 3, (first << 3) + DYNPTR_SIZE);
  f.spill[first] = dynptrSlot(id, true);
  f.spill[first + 1] = dynptrSlot(id, false);
}

/**
 * process_dynptr_func for an initialised dynptr (is_dynptr_reg_valid_init, mark_dynptr_read):
 * returns the dynptr's id.
 */
export function useDynptr(env: Env, regno: number, r: Reg): number {
  const off = dynptrOff(regno, r);
  const f = env.cur.frames[r.frame]!;
  const first = (STACK_SIZE + off) >> 3;
  const m = off >= -STACK_SIZE ? f.spill[first] : undefined;
  let ok = m !== undefined && m.off === 1;
  if (ok) for (let b = first << 3; b < (first << 3) + DYNPTR_SIZE; b++) if (f.stype[b] !== SB.DYNPTR) ok = false;
  if (!ok) {
    throw new Reject('bpf/helper-arg', `Expected an initialized dynptr as arg #${regno - 1}`, `Argument ${regno} must point to a dynptr initialised by bpf_dynptr_from_xdp (on every path to this call, and not overwritten since).`, { reg: regno });
  }
  readRange(env, f, off, off + DYNPTR_SIZE);
  return m!.id;
}
