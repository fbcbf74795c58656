// The BPF stack: 512 bytes per frame, byte kinds INVALID/MISC/ZERO/SPILL and spilled registers
// per 8-byte slot (kernel/bpf/verifier.c @6.12: check_stack_write_fixed_off,
// check_stack_read_fixed_off, check_stack_write_var_off, check_stack_access_within_bounds).

import { Reject, type Env } from './env';
import { sc } from './sc';
import { ownStack, Reg, SB, STACK_SIZE, type Frame } from './state';
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
