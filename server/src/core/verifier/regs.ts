// Register read/write checks (the kernel's check_reg_arg) and id-linked updates.

import { Reject, type Env } from './env';
import { curFrame, Reg, stackKinds, type VState } from './state';

/** Reads register `r` of the current frame; reading a never-written register is refused. */
export function readReg(env: Env, r: number): Reg {
  if (r > 10) throw new Reject('bpf/bad-insn', `R${r} is invalid`, `Register r${r} does not exist; BPF has r0..r10.`);
  const reg = curFrame(env.cur).regs[r]!;
  if (env.cur.frames.length === 1) markRead(env.cur, r);
  if (reg.kind === 'not_init') {
    throw new Reject('bpf/uninit-reg', `R${r} !read_ok`, `r${r} is read here but no path to this instruction has written it (registers r1..r5 are also cleared by every call).`, { reg: r });
  }
  return reg;
}

export function checkWritable(r: number): void {
  if (r > 10) throw new Reject('bpf/bad-insn', `R${r} is invalid`, `Register r${r} does not exist; BPF has r0..r10.`);
  if (r === 10) throw new Reject('bpf/bad-insn', 'frame pointer is read only', 'r10 (the frame pointer) cannot be written.');
}

export function setReg(env: Env, r: number, v: Reg, slot: number): void {
  const s = env.cur;
  curFrame(s).regs[r] = v;
  if (s.frames.length === 1) {
    s.written |= 1 << r;
    if (r === 0) s.r0Def = slot;
  }
}

/**
 * Dynamic liveness of frame-0 registers (the kernel's mark_reg_read): a read not preceded by a write
 * since the last checkpoint marks the checkpoint chain up to the one whose segment wrote the register.
 */
export function markRead(s: VState, r: number): void {
  const bit = 1 << r;
  if (s.written & bit) return;
  for (let p = s.parent; p; p = p.parent) {
    if (p.read & bit) return;
    p.read |= bit;
    if (p.segWritten & bit) return;
  }
}

/** Stack-slot liveness of frame 0, as markRead for registers (kernel: spilled_ptr.live). */
export function markSlotRead(s: VState, spi: number): void {
  const hi = spi >= 32;
  const bit = 1 << (spi & 31);
  if ((hi ? s.wHi : s.wLo) & bit) return;
  for (let p = s.parent; p; p = p.parent) {
    if ((hi ? p.readHi : p.readLo) & bit) return;
    if (hi) p.readHi |= bit;
    else p.readLo |= bit;
    if ((hi ? p.segWHi : p.segWLo) & bit) return;
  }
}

export function markSlotWritten(s: VState, spi: number): void {
  if (spi >= 32) s.wHi |= 1 << (spi - 32);
  else s.wLo |= 1 << spi;
}

/** Frame-0 registers written outside setReg (call clobbers, returns). */
export function markWritten(s: VState, mask: number): void {
  s.written |= mask;
}

/** Applies `fn` to every register and spilled register, in every frame, for which `pred` holds. */
export function forEachReg(s: VState, pred: (r: Reg) => boolean, fn: (r: Reg) => Reg): void {
  for (const f of s.frames) {
    for (let i = 0; i < f.regs.length; i++) {
      const r = f.regs[i]!;
      if (pred(r)) f.regs[i] = fn(r);
    }
    let owned = !f.shared;
    for (let i = 0; i < f.spill.length; i++) {
      const r = f.spill[i];
      if (r && pred(r)) {
        if (!owned) {
          f.stype = stackKinds(f.stype);
          f.spill = f.spill.slice();
          f.shared = false;
          owned = true;
        }
        f.spill[i] = fn(r);
      }
    }
  }
}

/** Marks every copy of a pointer/scalar with `id` (and every register) — used by null checks and range proofs. */
export function updateById(s: VState, id: number, fn: (r: Reg) => Reg): void {
  if (id === 0) return;
  forEachReg(s, (r) => r.id === id, fn);
}

export { Reg };
