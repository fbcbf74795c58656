// Map state for emulated runs: the contents of every map of a LoadedObject, with the kernel's
// return codes for update/delete/push/pop. Values are byte buffers that keep their identity for the
// life of the element, so a pointer a program got from a lookup keeps addressing the same bytes.
// Semantics and errnos follow kernel/bpf/arraymap.c, hashtab.c, lpm_trie.c, queue_stack_maps.c and
// devmap.c/cpumap.c/xskmap.c (Linux 6.12).

import { MapType, type LoadedObject, type MapDef } from '../program';

export const Errno = { EPERM: 1, ENOENT: 2, EACCES: 13, E2BIG: 7, EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28, ERANGE: 34, EOPNOTSUPP: 95, EAFNOSUPPORT: 97, ENOTSUPP: 524, EFAULT: 14 } as const;
/** Update flags (include/uapi/linux/bpf.h). */
export const UpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2, F_LOCK: 4 } as const;

export interface MapEntry {
  readonly key: Uint8Array;
  /** One buffer, or one per CPU for per-CPU maps. */
  readonly values: Uint8Array[];
  /** Hash-like maps: the entry's key in `entries` (keyHex(key)), kept so that a hit needs no hex. */
  readonly hex?: string;
}

export interface EmuMap {
  readonly def: MapDef;
  readonly percpu: boolean;
  /** Array-like maps: index → entry (all present). Hash-like: hex key → entry, in LRU order. */
  readonly entries: Map<string, MapEntry>;
  /** Queue/stack contents, oldest first. */
  readonly queue: Uint8Array[];
  /** prog_array: slot → program name (set by the caller through setProg). */
  readonly progs: Map<number, string>;
  /** Plain and per-CPU arrays: the entries by index (the same objects as in `entries`). */
  readonly index?: MapEntry[];
  /**
   * Hash-like maps: the same entries by a numeric hash of their key bytes (an entry, or an array of
   * entries whose keys collide), so that a lookup hashes the key without building its hex string.
   * Kept in step with `entries` by every MapState method that adds or removes an element.
   */
  readonly byHash?: Map<number, MapEntry | MapEntry[]>;
}

/** FNV-1a over len bytes of buf from off, folded to a small integer (a Smi key for Map). */
export function keyHash(buf: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < len; i++) h = Math.imul(h ^ buf[off + i], 0x01000193);
  return h & 0x3fffffff;
}

function sameKey(k: Uint8Array, buf: Uint8Array, off: number, len: number): boolean {
  if (k.length !== len) return false;
  for (let i = 0; i < len; i++) if (k[i] !== buf[off + i]) return false;
  return true;
}

/** The entry of a hash-like map whose key is buf[off, off+len), through byHash. */
export function hashGet(m: EmuMap, buf: Uint8Array, off: number, len: number): MapEntry | undefined {
  const b = m.byHash!.get(keyHash(buf, off, len));
  if (b === undefined) return undefined;
  if (!Array.isArray(b)) return sameKey(b.key, buf, off, len) ? b : undefined;
  for (const e of b) if (sameKey(e.key, buf, off, len)) return e;
  return undefined;
}

function hashAdd(m: EmuMap, e: MapEntry): void {
  const idx = m.byHash!;
  const h = keyHash(e.key, 0, e.key.length);
  const b = idx.get(h);
  if (b === undefined) idx.set(h, e);
  else if (Array.isArray(b)) b.push(e);
  else idx.set(h, [b, e]);
}

function hashRemove(m: EmuMap, e: MapEntry): void {
  const idx = m.byHash!;
  const h = keyHash(e.key, 0, e.key.length);
  const b = idx.get(h);
  if (b === e) idx.delete(h);
  else if (Array.isArray(b)) {
    const rest = b.filter((x) => x !== e);
    if (rest.length === 0) idx.delete(h);
    else idx.set(h, rest.length === 1 ? rest[0] : rest);
  }
}

export const MapKind = {
  isArray(t: number): boolean {
    return t === MapType.ARRAY || t === MapType.PERCPU_ARRAY || t === MapType.PROG_ARRAY || t === MapType.PERF_EVENT_ARRAY
      || t === MapType.DEVMAP || t === MapType.CPUMAP || t === MapType.XSKMAP || t === MapType.CGROUP_ARRAY || t === MapType.ARRAY_OF_MAPS;
  },
  isHash(t: number): boolean {
    return t === MapType.HASH || t === MapType.PERCPU_HASH || t === MapType.LRU_HASH || t === MapType.LRU_PERCPU_HASH
      || t === MapType.DEVMAP_HASH || t === MapType.HASH_OF_MAPS;
  },
  isPercpu(t: number): boolean {
    return t === MapType.PERCPU_ARRAY || t === MapType.PERCPU_HASH || t === MapType.LRU_PERCPU_HASH;
  },
  isLru(t: number): boolean {
    return t === MapType.LRU_HASH || t === MapType.LRU_PERCPU_HASH;
  },
};

const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function keyHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX_BYTE[b[i]];
  return s;
}

function indexKey(i: number): Uint8Array {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, i, true);
  return k;
}

export class MapState {
  readonly maps: EmuMap[];
  constructor(readonly defs: readonly MapDef[], readonly nrCpus = 4) {
    this.maps = defs.map((def) => {
      const percpu = MapKind.isPercpu(def.type);
      const m: EmuMap = { def, percpu, entries: new Map(), queue: [], progs: new Map() };
      const index: MapEntry[] = [];
      if (MapKind.isArray(def.type) && def.type !== MapType.PROG_ARRAY && def.type !== MapType.PERF_EVENT_ARRAY
        && def.type !== MapType.DEVMAP && def.type !== MapType.CPUMAP && def.type !== MapType.XSKMAP
        && def.type !== MapType.ARRAY_OF_MAPS && def.type !== MapType.CGROUP_ARRAY) {
        // Plain and per-CPU arrays exist in full from creation (zero-filled); map-holding arrays start empty.
        const n = Math.min(def.maxEntries, 1 << 20);
        for (let i = 0; i < n; i++) {
          const values = Array.from({ length: percpu ? nrCpus : 1 }, () => new Uint8Array(def.valueSize));
          if (i === 0 && def.initial) values[0].set(def.initial.subarray(0, def.valueSize));
          const e = { key: indexKey(i), values };
          m.entries.set(keyHex(e.key), e);
          index.push(e);
        }
        return { ...m, index };
      }
      return MapKind.isHash(def.type) ? { ...m, byHash: new Map() } : m;
    });
  }

  /** A deep copy (fresh maps for a second run that must not see the first one's writes). */
  clone(): MapState {
    const c = new MapState([], this.nrCpus);
    (c as { maps: EmuMap[] }).maps = this.maps.map((m) => {
      const entries = new Map([...m.entries].map(([k, e]) => [k, { key: e.key.slice(), values: e.values.map((v) => v.slice()), ...(e.hex !== undefined ? { hex: e.hex } : {}) }]));
      const c: EmuMap = {
        def: m.def, percpu: m.percpu, entries, queue: m.queue.map((v) => v.slice()), progs: new Map(m.progs),
        ...(m.index ? { index: [...entries.values()] } : {}),
        ...(m.byHash ? { byHash: new Map() } : {}),
      };
      if (c.byHash) for (const e of entries.values()) hashAdd(c, e);
      return c;
    });
    (c as { defs: readonly MapDef[] }).defs = this.defs;
    return c;
  }

  byName(name: string): EmuMap | undefined {
    return this.maps.find((m) => m.def.name === name);
  }

  /** Lookup as bpf_map_lookup_elem sees it (per-CPU maps: the value of `cpu`). */
  lookup(m: EmuMap, key: Uint8Array, cpu: number): Uint8Array | undefined {
    const t = m.def.type;
    if (t === MapType.LPM_TRIE) return this.lpmLookup(m, key);
    if (m.index !== undefined && key.length === 4) {
      // Plain and per-CPU arrays: index directly (all elements exist from creation).
      const i = key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24);
      const e = i >= 0 && i < m.index.length ? m.index[i] : undefined;
      return e ? e.values[m.percpu ? cpu % e.values.length : 0] : undefined;
    }
    let e: MapEntry | undefined;
    if (m.byHash !== undefined) {
      e = hashGet(m, key, 0, key.length);
      if (!e) return undefined;
      if (MapKind.isLru(t)) {
        // Mark as recently used: move to the end of the insertion order.
        const k = e.hex ?? keyHex(e.key);
        m.entries.delete(k);
        m.entries.set(k, e);
      }
    } else {
      e = m.entries.get(keyHex(key));
      if (!e) return undefined;
    }
    return e.values[m.percpu ? cpu % e.values.length : 0];
  }

  /**
   * lookup() with the key read in place from buf[off, off+len) (len = the map's key size): arrays and
   * hash-like maps copy nothing; other kinds get a copy of the key.
   */
  lookupAt(m: EmuMap, buf: Uint8Array, off: number, len: number, cpu: number): Uint8Array | undefined {
    if (m.index !== undefined && len === 4) {
      const i = buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24);
      const e = i >= 0 && i < m.index.length ? m.index[i] : undefined;
      return e ? e.values[m.percpu ? cpu % e.values.length : 0] : undefined;
    }
    if (m.byHash !== undefined && m.def.type !== MapType.LPM_TRIE) {
      const e = hashGet(m, buf, off, len);
      if (!e) return undefined;
      if (MapKind.isLru(m.def.type)) {
        const k = e.hex ?? keyHex(e.key);
        m.entries.delete(k);
        m.entries.set(k, e);
      }
      return e.values[m.percpu ? cpu % e.values.length : 0];
    }
    return this.lookup(m, buf.slice(off, off + len), cpu);
  }

  update(m: EmuMap, key: Uint8Array, value: Uint8Array, flags: number, cpu: number): number {
    const t = m.def.type;
    const f = flags & ~UpdateFlag.F_LOCK;
    if (f > UpdateFlag.EXIST) return -Errno.EINVAL;
    if (t === MapType.LPM_TRIE) return this.lpmUpdate(m, key, value, f);
    const k = keyHex(key);
    const e = m.entries.get(k);
    if (MapKind.isArray(t)) {
      const idx = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
      if (idx >= m.def.maxEntries) return -Errno.E2BIG;
      if (f === UpdateFlag.NOEXIST) return -Errno.EEXIST;
      if (e) {
        // From BPF, a per-CPU update writes the current CPU's copy only.
        e.values[m.percpu ? cpu % e.values.length : 0].set(value.subarray(0, m.def.valueSize));
      } else {
        const values = Array.from({ length: m.percpu ? this.nrCpus : 1 }, () => new Uint8Array(m.def.valueSize));
        values[m.percpu ? cpu % values.length : 0].set(value.subarray(0, m.def.valueSize));
        m.entries.set(k, { key: key.slice(), values });
      }
      return 0;
    }
    if (!MapKind.isHash(t)) return -Errno.EINVAL;
    if (e) {
      if (f === UpdateFlag.NOEXIST) return -Errno.EEXIST;
      e.values[m.percpu ? cpu % e.values.length : 0].set(value.subarray(0, m.def.valueSize));
      if (MapKind.isLru(t)) { m.entries.delete(k); m.entries.set(k, e); }
      return 0;
    }
    if (f === UpdateFlag.EXIST) return -Errno.ENOENT;
    if (m.entries.size >= m.def.maxEntries) {
      if (!MapKind.isLru(t)) return -Errno.E2BIG;
      // LRU: evict the least recently used element.
      const oldest = m.entries.keys().next().value as string;
      const old = m.entries.get(oldest);
      m.entries.delete(oldest);
      if (old && m.byHash) hashRemove(m, old);
    }
    const values = Array.from({ length: m.percpu ? this.nrCpus : 1 }, () => new Uint8Array(m.def.valueSize));
    values[m.percpu ? cpu % values.length : 0].set(value.subarray(0, m.def.valueSize));
    const ne: MapEntry = { key: key.slice(), values, hex: k };
    m.entries.set(k, ne);
    if (m.byHash) hashAdd(m, ne);
    return 0;
  }

  delete(m: EmuMap, key: Uint8Array): number {
    const t = m.def.type;
    if (MapKind.isArray(t) && t !== MapType.DEVMAP && t !== MapType.CPUMAP && t !== MapType.XSKMAP && t !== MapType.PROG_ARRAY) return -Errno.EINVAL;
    if (t === MapType.LPM_TRIE) {
      const k = this.lpmExactKey(key);
      return k !== undefined && m.entries.delete(k) ? 0 : -Errno.ENOENT;
    }
    const k = keyHex(key);
    const e = m.entries.get(k);
    if (!e) return -Errno.ENOENT;
    m.entries.delete(k);
    if (m.byHash) hashRemove(m, e);
    return 0;
  }

  push(m: EmuMap, value: Uint8Array, flags: number): number {
    if (flags & ~UpdateFlag.EXIST) return -Errno.EINVAL;
    if (m.queue.length >= m.def.maxEntries) {
      if (flags !== UpdateFlag.EXIST) return -Errno.E2BIG;
      // BPF_EXIST: make room by dropping the oldest (queue) or bottom (stack) element.
      m.queue.shift();
    }
    m.queue.push(value.slice(0, m.def.valueSize));
    return 0;
  }

  /** pop/peek: queue takes the oldest, stack the newest. */
  pop(m: EmuMap, remove: boolean): Uint8Array | undefined {
    if (m.queue.length === 0) return undefined;
    const stack = m.def.type === MapType.STACK;
    const v = stack ? m.queue[m.queue.length - 1] : m.queue[0];
    if (remove) { if (stack) m.queue.pop(); else m.queue.shift(); }
    return v;
  }

  private lpmExactKey(key: Uint8Array): string | undefined {
    const plen = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
    const canon = lpmCanon(key, plen);
    return canon ? keyHex(canon) : undefined;
  }

  private lpmUpdate(m: EmuMap, key: Uint8Array, value: Uint8Array, f: number): number {
    const plen = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
    if (plen > (m.def.keySize - 4) * 8) return -Errno.EINVAL;
    const canon = lpmCanon(key, plen)!;
    const k = keyHex(canon);
    const e = m.entries.get(k);
    if (e) {
      if (f === UpdateFlag.NOEXIST) return -Errno.EEXIST;
      e.values[0].set(value.subarray(0, m.def.valueSize));
      return 0;
    }
    if (f === UpdateFlag.EXIST) return -Errno.ENOENT;
    if (m.entries.size >= m.def.maxEntries) return -Errno.ENOSPC;
    const v = new Uint8Array(m.def.valueSize);
    v.set(value.subarray(0, m.def.valueSize));
    m.entries.set(k, { key: canon, values: [v] });
    return 0;
  }

  private lpmLookup(m: EmuMap, key: Uint8Array): Uint8Array | undefined {
    const dv = new DataView(key.buffer, key.byteOffset, key.length);
    const qlen = Math.min(dv.getUint32(0, true), (m.def.keySize - 4) * 8);
    let best: MapEntry | undefined;
    let bestLen = -1;
    for (const e of m.entries.values()) {
      const plen = new DataView(e.key.buffer, e.key.byteOffset, 4).getUint32(0, true);
      if (plen > qlen || plen <= bestLen) continue;
      if (prefixEqual(e.key, key, plen)) { best = e; bestLen = plen; }
    }
    return best?.values[0];
  }

  /** Sets a prog_array slot to a program of the object (by name); undefined clears it. */
  setProg(map: EmuMap, index: number, program: string | undefined): void {
    if (program === undefined) map.progs.delete(index);
    else map.progs.set(index, program);
  }
}

function lpmCanon(key: Uint8Array, plen: number): Uint8Array | undefined {
  const c = key.slice();
  for (let bit = plen; bit < (c.length - 4) * 8; bit++) c[4 + (bit >> 3)] &= ~(0x80 >> (bit & 7));
  return c;
}

function prefixEqual(a: Uint8Array, b: Uint8Array, plen: number): boolean {
  for (let bit = 0; bit < plen; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((a[4 + (bit >> 3)] & m) !== (b[4 + (bit >> 3)] & m)) return false;
  }
  return true;
}

/** `kconfig`: the `.kconfig` map's value (kconfig.ts: kconfigImage); zeros without it. */
export function createMaps(obj: LoadedObject, opts: { nrCpus?: number; kconfig?: Uint8Array } = {}): MapState {
  const kc = opts.kconfig;
  const defs = kc ? obj.maps.map((d) => (d.origin === 'kconfig' ? { ...d, initial: kc } : d)) : obj.maps;
  return new MapState(defs, opts.nrCpus ?? 4);
}

export interface MapChange {
  readonly map: string;
  /** Key in hex (array maps: the 4-byte little-endian index); for queues, "queue". */
  readonly key: string;
  readonly cpu?: number;
  readonly before?: string;
  readonly after?: string;
}

/** Entry → a copy of its value bytes (hex is made only for entries that changed); queues → hex list. */
export type MapSnapshot = Map<string, Uint8Array | string>;

function sameValue(a: Uint8Array | string | undefined, b: Uint8Array | string | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || typeof a === 'string' || typeof b === 'string') return false;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function valueHex(v: Uint8Array | string | undefined): string | undefined {
  return v === undefined || typeof v === 'string' ? v : keyHex(v);
}

export function snapshot(s: MapState): MapSnapshot {
  const out: MapSnapshot = new Map();
  for (const m of s.maps) {
    for (const [k, e] of m.entries) e.values.forEach((v, cpu) => out.set(`${m.def.index}|${k}|${cpu}`, v.slice()));
    out.set(`${m.def.index}|queue|0`, m.queue.map(keyHex).join(','));
  }
  return out;
}

export function diffSnapshots(s: MapState, before: MapSnapshot, after: MapSnapshot): MapChange[] {
  const changes: MapChange[] = [];
  const keys = new Set([...before.keys(), ...after.keys()]);
  for (const k of keys) {
    const bv = before.get(k), av = after.get(k);
    if (sameValue(av, bv)) continue;
    const b = valueHex(bv), a = valueHex(av);
    const [idx, key, cpu] = k.split('|');
    const m = s.maps[Number(idx)] ?? s.maps.find((x) => x.def.index === Number(idx));
    const percpu = m?.percpu ?? false;
    changes.push({ map: m?.def.name ?? idx, key, ...(percpu ? { cpu: Number(cpu) } : {}), ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  }
  return changes;
}
