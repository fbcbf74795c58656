// bpf_spin_lock / bpf_spin_unlock (Linux 6.12). Which map values hold a lock is read from BTF the
// way the kernel reads it (mapFields.ts); the verifier's rules (kernel/bpf/verifier.c
// process_spin_lock, check_map_access, do_check, check_func_call, states_equal) are applied by
// calls.ts, memory.ts, explore.ts and prune.ts through the functions here. One lock may be held
// at a time; the state remembers which (VState.lock, the kernel's active_lock).

import type { LoadedObject, MapDef } from '../program';
import { mapOf, Reject, type Env } from './env';
import { sc } from './sc';
import { mapRecord } from './mapFields';
import type { Reg } from './state';

/** Where a map value's lock is, as the kernel sees the map. */
export type MapLock =
  | { readonly kind: 'nobtf' } // the map was created without BTF: bpf_spin_lock needs BTF
  | { readonly kind: 'none' } // BTF, but no (valid) struct bpf_spin_lock field
  | { readonly kind: 'lock'; readonly off: number };

/** The lock of map `m`'s value (the record's spin_lock_off, mapFields.ts). */
export function mapLock(obj: LoadedObject, m: MapDef): MapLock {
  const rec = mapRecord(obj, m);
  if (rec.kind === 'nobtf') return rec;
  const f = rec.fields.find((x) => x.kind === 'bpf_spin_lock');
  return f ? { kind: 'lock', off: f.off } : { kind: 'none' };
}

/** The map's name as the kernel prints it (BPF_OBJ_NAME_LEN: 15 characters and a NUL). */
function kernelMapName(m: MapDef): string {
  return m.name.slice(0, 15);
}

/**
 * check_map_access's special-field rule (kernel/bpf/verifier.c @6.12): a load, store, atomic or
 * helper access to a map value that may touch any byte of a bpf_spin_lock, bpf_timer or bpf_wq
 * field is refused (the first such field in offset order is named). `off` is the constant offset
 * (instruction offset plus the pointer's fixed offset); the variable part spans [smin, umax], as
 * the kernel compares them. Called after the bounds check.
 */
export function checkSpecialFields(env: Env, ptr: Reg, off: number, size: number): void {
  const m = mapOf(env, ptr.map);
  const rec = mapRecord(env.obj, m);
  if (rec.kind !== 'btf' || rec.fields.length === 0) return;
  const lo = ptr.val.smin + BigInt(off);
  const hi = ptr.val.umax + BigInt(off) + BigInt(size);
  for (const f of rec.fields) {
    if (lo < BigInt(f.off + f.size) && BigInt(f.off) < hi) {
      throw new Reject('bpf/mem-access', `${f.kind} cannot be accessed directly by load/store`,
        `Bytes ${f.off}..${f.off + f.size - 1} of ${m.name}'s value are its struct ${f.kind}; only the ${f.kind === 'bpf_spin_lock' ? 'bpf_spin_lock() and bpf_spin_unlock()' : f.kind === 'bpf_timer' ? 'bpf_timer_*()' : 'bpf_wq_*()'} functions may touch them.`, { fieldOff: f.off, field: f.kind });
    }
  }
}

/**
 * process_spin_lock (kernel/bpf/verifier.c @6.12) for a map value pointer in `regno` (the caller
 * checked the type): a constant variable offset, a map with BTF and a lock, the pointer exactly at
 * the lock; then lock (none held: the call rules refuse a second spin_lock call before this) or
 * unlock (the held lock must be this map's, through a pointer with the same id). Map values of a
 * map with a lock keep their lookup's id after the NULL check, so two lookups are two locks; global
 * data (a direct value pointer) has id 0.
 */
export function processSpinLock(env: Env, regno: number, r: Reg, isLock: boolean): void {
  const name = isLock ? 'bpf_spin_lock' : 'bpf_spin_unlock';
  if (!sc.isConst(r.val)) {
    throw new Reject('bpf/helper-arg', `R${regno} doesn't have constant offset. bpf_spin_lock has to be at the constant offset`,
      `The pointer passed to ${name} has a variable offset; pass &value->lock itself.`, { reg: regno });
  }
  const m = mapOf(env, r.map);
  const lock = mapLock(env.obj, m);
  if (lock.kind === 'nobtf') {
    throw new Reject('bpf/helper-arg', `map '${kernelMapName(m)}' has to have BTF in order to use bpf_spin_lock`,
      `The kernel finds the lock through the map's BTF, and ${m.name} is created without it: ${m.valueTypeId === undefined ? 'it is not a BTF-defined map with a value type' : 'the kernel refuses this map with its BTF (LRU and per-CPU maps cannot hold a bpf_spin_lock, only hash, array and local-storage maps can; nor can read-only maps) or refuses the object\'s BTF (a struct with two bpf_spin_lock members, or one not 4-byte aligned), and libbpf goes on without BTF'}.`, { map: m.name });
  }
  if (lock.kind === 'none') {
    throw new Reject('bpf/helper-arg', `map '${kernelMapName(m)}' has no valid bpf_spin_lock`,
      `The value type of ${m.name} has no struct bpf_spin_lock member (exactly one, 4-byte aligned).`, { map: m.name });
  }
  const at = BigInt.asIntN(64, sc.constValue(r.val)) + BigInt(r.off);
  if (at !== BigInt(lock.off)) {
    throw new Reject('bpf/helper-arg', `off ${at} doesn't point to 'struct bpf_spin_lock' that is at ${lock.off}`,
      `${name} must get a pointer to the lock itself (offset ${lock.off} of ${m.name}'s value), not offset ${at}.`, { off: Number(at), lockOff: lock.off });
  }
  const s = env.cur;
  if (isLock) {
    if (s.lock) throw new Reject('bpf/other', 'Locking two bpf_spin_locks are not allowed', 'Only one bpf_spin_lock may be held at a time.');
    s.lock = { map: r.map, id: r.id, insn: s.pc };
    return;
  }
  if (!s.lock) {
    throw new Reject('bpf/helper-arg', 'bpf_spin_unlock without taking a lock',
      'No bpf_spin_lock is held on this path, so there is nothing to unlock.');
  }
  if (s.lock.map !== r.map || s.lock.id !== r.id) {
    throw new Reject('bpf/helper-arg', 'bpf_spin_unlock of different lock',
      `The lock held on this path is ${s.lock.map !== r.map ? `in map ${mapOf(env, s.lock.map).name}` : 'in another element of this map (another lookup)'}; unlock the lock that was taken.`);
  }
  s.lock = undefined;
}

/**
 * do_check (kernel/bpf/verifier.c @6.12): while a lock is held, a helper call other than
 * bpf_spin_unlock and any kfunc call (XDP may call no bpf_list / bpf_rbtree kfunc) are refused;
 * static bpf-to-bpf calls are allowed, global ones are refused by check_func_call (globalCallLocked).
 */
export function checkCallLocked(env: Env, helperId: number | undefined): void {
  if (!env.cur.lock) return;
  if (helperId === 94 /* spin_unlock */) return;
  throw new Reject('bpf/other', 'function calls are not allowed while holding a lock',
    `The bpf_spin_lock taken at insn ${env.cur.lock.insn} is still held here. No helper or kfunc may be called between bpf_spin_lock() and bpf_spin_unlock() (except bpf_spin_unlock itself); static functions may be. Move the call out of the locked region.`, { lockInsn: env.cur.lock.insn });
}

/** check_func_call @6.12: a global function cannot be called with a lock held. */
export function globalCallLocked(env: Env, func: string): void {
  if (!env.cur.lock) return;
  throw new Reject('bpf/other', 'global function calls are not allowed while holding a lock,',
    `${func}() is a global function, which the kernel verifies on its own and cannot call with a lock held (the bpf_spin_lock taken at insn ${env.cur.lock.insn}); make it static (static __noinline) or call it outside the locked region.`, { func, lockInsn: env.cur.lock.insn });
}

/**
 * do_check's BPF_EXIT rule (@6.12: "bpf_spin_unlock is missing"; the running 6.18 kernel says
 * "BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region", from the
 * check_resource_leak refactor after 6.12 — 6.13 is assumed here): the main program (or a global
 * function, verified on its own) must not exit with the lock held; a static function may.
 */
export function checkExitLocked(env: Env): void {
  if (!env.cur.lock) return;
  throw new Reject('bpf/ref-leak', env.kver >= 613 ? 'BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region' : 'bpf_spin_unlock is missing',
    `The program can return while holding the bpf_spin_lock taken at insn ${env.cur.lock.insn} on this path; call bpf_spin_unlock() on every path before returning.`, { lockInsn: env.cur.lock.insn });
}
