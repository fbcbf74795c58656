// The special fields of a map value as the kernel finds them in BTF (Linux 6.12: kernel/bpf/btf.c
// btf_parse_fields, btf_parse_struct_metas; kernel/bpf/syscall.c map_check_btf): a
// struct bpf_spin_lock, a struct bpf_timer and a struct bpf_wq, at most one of each. Programs may
// not load or store them (check_map_access); spinLock.ts uses the lock's offset. Kptrs, graph
// roots and nodes and bpf_refcount are not searched (xdp-lens refuses or does not model the
// helpers and kfuncs that use them; a load of a kptr field reads as a plain scalar here).

import type { Btf, BtfType } from '../btf';
import { MapType, type LoadedObject, type MapDef } from '../program';
import { BPF_F_RDONLY_PROG } from '../loader/maps';

/** BPF_F_WRONLY_PROG (include/uapi/linux/bpf.h @6.12). */
const BPF_F_WRONLY_PROG = 1 << 8;
/** MAX_RESOLVE_DEPTH (include/linux/btf.h @6.12): array and nested-struct depth limit. */
const MAX_RESOLVE_DEPTH = 32;

/** The field kinds searched, by the struct name the kernel matches (btf_get_field_type @6.12). */
export type FieldKind = 'bpf_spin_lock' | 'bpf_timer' | 'bpf_wq';

/**
 * Size and alignment (btf_field_type_size / btf_field_type_align, include/linux/bpf.h @6.12:
 * sizeof and __alignof__ of the uapi structs), and the map types that may hold each field
 * (map_check_btf @6.12; any other type fails map creation with -EOPNOTSUPP).
 */
const FIELD: Record<FieldKind, { size: number; align: number; mapTypes: ReadonlySet<number> }> = {
  bpf_spin_lock: {
    size: 4, align: 4,
    mapTypes: new Set([MapType.HASH, MapType.ARRAY, MapType.CGROUP_STORAGE, MapType.SK_STORAGE, MapType.INODE_STORAGE, MapType.TASK_STORAGE, MapType.CGRP_STORAGE]),
  },
  bpf_timer: { size: 16, align: 8, mapTypes: new Set([MapType.HASH, MapType.LRU_HASH, MapType.ARRAY]) },
  bpf_wq: { size: 16, align: 8, mapTypes: new Set([MapType.HASH, MapType.LRU_HASH, MapType.ARRAY]) },
};
const ALL_KINDS: ReadonlySet<FieldKind> = new Set(['bpf_spin_lock', 'bpf_timer', 'bpf_wq']);
const LOCK_ONLY: ReadonlySet<FieldKind> = new Set(['bpf_spin_lock']);

export interface SpecialField {
  readonly kind: FieldKind;
  readonly off: number;
  readonly size: number;
}

/** A map value's fields, as the kernel sees the map. */
export type MapRecord =
  | { readonly kind: 'nobtf' } // created without BTF: no record, and bpf_spin_lock refuses the map
  | { readonly kind: 'btf'; readonly fields: readonly SpecialField[] }; // BTF (fields may be empty)

/** btf_parse_fields returned an error: the map keeps its BTF but has no record. */
const FAIL = 'fail';

/**
 * The fields of the given kinds in type `t` (a struct or a DATASEC), in offset order, or FAIL
 * (btf_find_field and btf_parse_fields @6.12). Rules: a member at a bit offset that is not a byte
 * multiple fails (-EINVAL); a member's type, after arrays only (no typedefs or qualifiers), is a
 * field when its name is the kind's; a second field of one kind fails (-E2BIG); the field counts
 * only at an offset aligned to the kind and as a struct of the kind's size (else it is ignored,
 * though "seen"), and fails in an array of more than one element (btf_repeat_fields: -EINVAL);
 * other structs are searched (fields inside a struct repeated in an array fail the same way);
 * overlapping fields (-EEXIST) and fields past `valueSize` (-EFAULT) fail.
 */
function findFields(btf: Btf, t: BtfType, kinds: ReadonlySet<FieldKind>, valueSize: number): SpecialField[] | typeof FAIL {
  const seen = new Set<FieldKind>();
  const out: SpecialField[] = [];
  const one = (typeId: number, off: number, expectedSize: number, level: number): number | typeof FAIL => {
    let vt = btf.typeById(typeId);
    let nelems = 1;
    for (let i = 0; vt && vt.kind === 'array'; i++) {
      if (i >= MAX_RESOLVE_DEPTH) return FAIL;
      nelems *= vt.nelems;
      vt = btf.typeById(vt.type);
    }
    if (!vt || nelems === 0) return 0;
    const kind = kinds.has(vt.name as FieldKind) ? (vt.name as FieldKind) : undefined;
    if (kind) {
      const f = FIELD[kind];
      if (seen.has(kind)) return FAIL;
      seen.add(kind);
      if (expectedSize && expectedSize !== f.size * nelems) return 0;
      if (off % f.align !== 0) return 0;
      if (vt.kind !== 'struct' || vt.size !== f.size) return 0;
      if (nelems > 1) return FAIL;
      out.push({ kind, off, size: f.size });
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
  const members = (st: BtfType, base: number, level: number): number | typeof FAIL => {
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
  if (t.kind === 'struct') {
    if (members(t, 0, 0) === FAIL) return FAIL;
  } else if (t.kind === 'datasec') {
    for (const v of t.vars) {
      const vv = btf.typeById(v.type);
      if (!vv || vv.kind !== 'var') return FAIL;
      if (one(vv.type, v.offset, v.size, 0) === FAIL) return FAIL;
    }
  } else return FAIL;
  let next = 0;
  for (const f of out) {
    if (f.off + f.size > valueSize || f.off < next) return FAIL;
    next = f.off + f.size;
  }
  return out;
}

const objBtfCache = new WeakMap<LoadedObject, boolean>();

/**
 * Whether the kernel accepts the object's .BTF (only the spin-lock part of that is modelled): when
 * it loads BTF, btf_parse_struct_metas (kernel/bpf/btf.c @6.12) parses every struct with a member
 * whose type is the struct named bpf_spin_lock (among others: list and rbtree heads and nodes,
 * bpf_refcount), and an error or an empty record (the only lock ignored, e.g. misaligned in a
 * packed struct: "The record cannot be unset", -EFAULT) fails the whole load. libbpf then loads the
 * object without BTF ("BTF is optional, ignoring"): no map has BTF.
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
      const fields = findFields(btf, t, LOCK_ONLY, t.size);
      if (fields === FAIL || fields.length === 0) {
        ok = false;
        break;
      }
    }
  }
  objBtfCache.set(obj, ok);
  return ok;
}

const recordCache = new WeakMap<MapDef, MapRecord>();

/**
 * Map `m`'s record (map_check_btf @6.12). No BTF for a map without a value type id or in an object
 * whose BTF the kernel refuses. A record holding a field the map type may not hold, or any record
 * in a BPF_F_RDONLY_PROG / BPF_F_WRONLY_PROG map (.rodata), fails map creation, and libbpf creates
 * the map again without BTF (bpf_object__create_map: "Retrying without BTF"). A value type whose
 * search fails keeps its BTF but has no fields.
 */
export function mapRecord(obj: LoadedObject, m: MapDef): MapRecord {
  const cached = recordCache.get(m);
  if (cached) return cached;
  let res: MapRecord;
  const btf = obj.btf;
  const vt = m.valueTypeId !== undefined ? btf?.typeById(m.valueTypeId) : undefined;
  if (!btf || !vt || !objectBtfLoads(obj)) res = { kind: 'nobtf' };
  else {
    const found = findFields(btf, vt, ALL_KINDS, m.valueSize);
    const fields = found === FAIL ? [] : found;
    const refused = fields.length > 0 && ((m.flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !== 0 || fields.some((f) => !FIELD[f.kind].mapTypes.has(m.type)));
    res = refused ? { kind: 'nobtf' } : { kind: 'btf', fields };
  }
  recordCache.set(m, res);
  return res;
}
