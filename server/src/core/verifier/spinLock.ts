// bpf_spin_lock / bpf_spin_unlock (Linux 6.12). Which map values hold a lock is read from BTF the
// way the kernel reads it (kernel/bpf/btf.c btf_parse_fields, btf_parse_struct_metas;
// kernel/bpf/syscall.c map_check_btf); the verifier's rules (kernel/bpf/verifier.c
// process_spin_lock, check_map_access, do_check, check_func_call, states_equal) are applied by
// calls.ts, memory.ts, explore.ts and prune.ts through the functions here. One lock may be held
// at a time; the state remembers which (VState.lock, the kernel's active_lock).

import type { Btf, BtfType } from '../btf';
import { MapType, type LoadedObject, type MapDef } from '../program';
import { mapOf, Reject, type Env } from './env';
import { sc } from './sc';
import { BPF_F_RDONLY_PROG } from '../loader/maps';
import type { Reg } from './state';

/** BPF_F_WRONLY_PROG (include/uapi/linux/bpf.h @6.12). */
const BPF_F_WRONLY_PROG = 1 << 8;
/** sizeof / __alignof__(struct bpf_spin_lock) (include/uapi/linux/bpf.h @6.12: one __u32). */
const LOCK_SIZE = 4;
/** MAX_RESOLVE_DEPTH (include/linux/btf.h @6.12): array and nested-struct depth limit. */
const MAX_RESOLVE_DEPTH = 32;

/**
 * Map types that may hold a bpf_spin_lock (kernel/bpf/syscall.c map_check_btf @6.12); any other
 * (LRU and per-CPU maps among them) fails map creation with -EOPNOTSUPP.
 */
const LOCK_MAP_TYPES: ReadonlySet<number> = new Set([
  MapType.HASH, MapType.ARRAY, MapType.CGROUP_STORAGE, MapType.SK_STORAGE, MapType.INODE_STORAGE,
  MapType.TASK_STORAGE, MapType.CGRP_STORAGE,
]);

/** Where a map value's lock is, as the kernel sees the map. */
export type MapLock =
  | { readonly kind: 'nobtf' } // the map was created without BTF: bpf_spin_lock needs BTF
  | { readonly kind: 'none' } // BTF, but no (valid) struct bpf_spin_lock field
  | { readonly kind: 'lock'; readonly off: number };

/** A field-search failure: btf_parse_fields returns an error (the record is unusable). */
const FAIL = -1;

/**
 * The offset of the one struct bpf_spin_lock field of type `t` (a struct or a DATASEC), undefined
 * when there is none, FAIL on an error (btf_find_field @6.12, searching for spin locks only):
 * members at a bit offset that is not a byte multiple (-EINVAL), a second lock (-E2BIG), a lock in
 * an array of more than one element (btf_repeat_fields: -EINVAL). A member is a lock when its type,
 * after arrays only (no typedefs or qualifiers), is named bpf_spin_lock (btf_get_field_type); it
 * counts only when it is a 4-byte struct at a 4-byte-aligned offset (btf_find_field_one,
 * btf_find_struct), though it is "seen" either way. Nested structs are searched (a struct in an
 * array of n > 1 elements holding a lock: -EINVAL).
 */
function findLock(btf: Btf, t: BtfType): number | undefined {
  const seen = { lock: false };
  let found: number | undefined;
  const one = (typeId: number, off: number, expectedSize: number, level: number): number => {
    let vt = btf.typeById(typeId);
    let nelems = 1;
    for (let i = 0; vt && vt.kind === 'array'; i++) {
      if (i >= MAX_RESOLVE_DEPTH) return FAIL;
      nelems *= vt.nelems;
      vt = btf.typeById(vt.type);
    }
    if (!vt || nelems === 0) return 0;
    if (vt.name === 'bpf_spin_lock') {
      if (seen.lock) return FAIL;
      seen.lock = true;
      if (expectedSize && expectedSize !== LOCK_SIZE * nelems) return 0;
      if (off % LOCK_SIZE !== 0) return 0;
      if (vt.kind !== 'struct' || vt.size !== LOCK_SIZE) return 0;
      if (nelems > 1) return FAIL;
      found = off;
      return 1;
    }
    if (vt.kind !== 'struct') return 0;
    if (expectedSize && expectedSize !== vt.size * nelems) return 0;
    if (level + 1 >= MAX_RESOLVE_DEPTH) return FAIL;
    const n = members(vt, off, level + 1);
    if (n === FAIL) return FAIL;
    if (n > 0 && nelems > 1) return FAIL;
    return n;
  };
  const members = (st: BtfType, base: number, level: number): number => {
    if (st.kind !== 'struct') return FAIL;
    let n = 0;
    for (const m of st.members) {
      if (m.bitOffset % 8 !== 0) return FAIL;
      const r = one(m.type, base + m.bitOffset / 8, 0, level);
      if (r === FAIL) return FAIL;
      n += r;
    }
    return n;
  };
  let r: number;
  if (t.kind === 'struct') r = members(t, 0, 0);
  else if (t.kind === 'datasec') {
    r = 0;
    for (const v of t.vars) {
      const vv = btf.typeById(v.type);
      if (!vv || vv.kind !== 'var') return FAIL;
      const x = one(vv.type, v.offset, v.size, 0);
      if (x === FAIL) return FAIL;
      r += x;
    }
  } else return FAIL;
  return r === FAIL ? FAIL : found;
}

const objBtfCache = new WeakMap<LoadedObject, boolean>();

/**
 * Whether the kernel accepts the object's .BTF (only the spin-lock part of it is modelled): when it
 * loads BTF, btf_parse_struct_metas (kernel/bpf/btf.c @6.12) parses every struct with a member whose
 * type is the struct named bpf_spin_lock, and an error or an empty record (the only lock ignored,
 * e.g. misaligned in a packed struct: "The record cannot be unset", -EFAULT) fails the whole load.
 * libbpf then loads the object without BTF ("BTF is optional, ignoring"): no map has BTF.
 */
function objectBtfLoads(obj: LoadedObject): boolean {
  const cached = objBtfCache.get(obj);
  if (cached !== undefined) return cached;
  let ok = true;
  const btf = obj.btf;
  const lockType = btf?.byName('bpf_spin_lock', 'struct');
  if (btf && lockType) {
    for (const t of btf.types) {
      if (t.kind !== 'struct' || !t.members.some((m) => m.type === lockType.id)) continue;
      const off = findLock(btf, t);
      if (off === undefined || off === FAIL || off + LOCK_SIZE > t.size) {
        ok = false;
        break;
      }
    }
  }
  objBtfCache.set(obj, ok);
  return ok;
}

const mapLockCache = new WeakMap<MapDef, MapLock>();

/**
 * The lock of map `m`'s value (map_check_btf @6.12): no BTF for maps without a value type id or in
 * an object whose BTF the kernel refuses; a record with a lock in a map type that may not hold one,
 * or in a BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG map, fails map creation, and libbpf creates the map
 * again without BTF (bpf_object__create_map: "Retrying without BTF"). A value type whose search
 * fails (btf_parse_fields error) leaves the map with BTF but no record.
 */
export function mapLock(obj: LoadedObject, m: MapDef): MapLock {
  const cached = mapLockCache.get(m);
  if (cached) return cached;
  let res: MapLock;
  const btf = obj.btf;
  const vt = m.valueTypeId !== undefined ? btf?.typeById(m.valueTypeId) : undefined;
  if (!btf || !vt || !objectBtfLoads(obj)) res = { kind: 'nobtf' };
  else {
    const off = findLock(btf, vt);
    if (off === undefined || off === FAIL || off + LOCK_SIZE > m.valueSize) res = { kind: 'none' };
    else if (!LOCK_MAP_TYPES.has(m.type) || (m.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !== 0) res = { kind: 'nobtf' };
    else res = { kind: 'lock', off };
  }
  mapLockCache.set(m, res);
  return res;
}

/** The map's name as the kernel prints it (BPF_OBJ_NAME_LEN: 15 characters and a NUL). */
function kernelMapName(m: MapDef): string {
  return m.name.slice(0, 15);
}

/**
 * check_map_access's special-field rule (kernel/bpf/verifier.c @6.12): a load, store, atomic or
 * helper access to a map value that may touch any byte of the lock is refused. `off` is the
 * constant offset (instruction offset plus the pointer's fixed offset); the variable part spans
 * [smin, umax], as the kernel compares them. Called after the bounds check.
 */
export function checkLockOverlap(env: Env, ptr: Reg, off: number, size: number): void {
  const lock = mapLock(env.obj, mapOf(env, ptr.map));
  if (lock.kind !== 'lock') return;
  const lo = ptr.val.smin + BigInt(off);
  const hi = ptr.val.umax + BigInt(off) + BigInt(size);
  if (lo < BigInt(lock.off + LOCK_SIZE) && BigInt(lock.off) < hi) {
    throw new Reject('bpf/mem-access', 'bpf_spin_lock cannot be accessed directly by load/store',
      `Bytes ${lock.off}..${lock.off + LOCK_SIZE - 1} of ${mapOf(env, ptr.map).name}'s value are its struct bpf_spin_lock; only bpf_spin_lock() and bpf_spin_unlock() may touch them.`, { lockOff: lock.off });
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
      `The kernel finds the lock through the map's BTF, and ${m.name} is created without it: ${m.valueTypeId === undefined ? 'it is not a BTF-defined map with a value type' : !LOCK_MAP_TYPES.has(m.type) ? `map type ${m.type} cannot hold a bpf_spin_lock (only hash, array and local-storage maps can), so libbpf retries without BTF` : 'the kernel refuses the object\'s BTF or this map\'s BTF (a struct with two bpf_spin_lock members, or one not 4-byte aligned), so libbpf loads without it'}.`, { map: m.name });
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
