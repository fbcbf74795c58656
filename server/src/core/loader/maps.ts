// Map definitions from a BPF object, in libbpf's order (tools/lib/bpf/libbpf.c, Linux 6.12,
// bpf_object__init_maps): BTF-defined maps from `.maps`, then one single-entry array per
// global-data section (.data*, .rodata*, .bss* in section order), then `.kconfig`. Legacy
// `maps`-section definitions (struct bpf_map_def; libbpf >= 1.0 refuses them, older loaders
// and iproute2 accept them) come first, as pre-1.0 libbpf ordered them.
//
// BTF map definitions follow libbpf's parse_btf_map_def: every field is a pointer member; for
// integer fields (type, max_entries, map_flags, key_size, value_size, pinning) the value is
// the element count of the pointed-to array (`__uint(name, val)` = `int (*name)[val]`); key
// and value are pointers to the real types (`__type(key, T)` = `T *key`); `values` is a
// zero-length array of pointers to the inner map's definition struct.

import type { Btf, BtfDatasec } from '../btf';
import type { ElfFile, ElfSection } from '../elf/elf';
import { ShFlag, ShType, Shn, SymType } from '../elf/elf';
import type { KconfigVar, MapDef } from '../program';
import { MapType } from '../program';
import { Result } from '../result';

/** BPF_F_RDONLY_PROG and BPF_F_MMAPABLE (include/uapi/linux/bpf.h, 6.12). */
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_MMAPABLE = 1 << 10;

/** Largest global-data section modelled (64 MiB); .bss sizes come from the header alone. */
export const MAX_DATA_SECTION = 64 << 20;

export type DataKind = 'data' | 'rodata' | 'bss';

/** libbpf's classification of a non-executable section as global data (bpf_object__elf_collect). */
export function dataKind(s: ElfSection): DataKind | undefined {
  if (s.flags & ShFlag.EXECINSTR) return undefined;
  const n = s.name;
  if (s.type === ShType.PROGBITS) {
    if (n === '.data' || n.startsWith('.data.')) return 'data';
    if (n === '.rodata' || n.startsWith('.rodata.')) return 'rodata';
  } else if (s.type === ShType.NOBITS && (n === '.bss' || n.startsWith('.bss.'))) {
    return 'bss';
  }
  return undefined;
}

export interface MapTable {
  readonly maps: MapDef[];
  /** Map index for a definition at (section index, byte offset) in `.maps` or `maps`. */
  defAt(sectionIndex: number, offset: number): number | undefined;
  /** Map index of the global-data map backing a section. */
  dataMap(sectionIndex: number): number | undefined;
  readonly kconfigMap?: number;
  /** `.kconfig` externs by name (the same records as the map's `kconfigVars`). */
  readonly kconfig: ReadonlyMap<string, KconfigVar>;
  /** Indices of sections that hold map definitions (`.maps`, `maps`). */
  readonly defSections: ReadonlySet<number>;
  /** Arena globals: the `.addr_space.1` section and the object's BPF_MAP_TYPE_ARENA map. */
  readonly arenaSection?: number;
  readonly arenaMap?: number;
}

/** libbpf's ARENA_SEC (tools/lib/bpf/libbpf.c, 6.12): globals placed in the arena. */
export const ARENA_SECTION = '.addr_space.1';

export function collectMaps(elf: ElfFile, btf: Btf | undefined, warnings: string[]): Result<MapTable> {
  const maps: MapDef[] = [];
  const defs = new Map<string, number>();
  const data = new Map<number, number>();
  const defSections = new Set<number>();
  const key = (sec: number, off: number): string => `${sec}:${off}`;

  // Legacy `maps` section: struct bpf_map_def { u32 type, key_size, value_size, max_entries, map_flags; }
  const legacy = elf.sectionByName('maps');
  if (legacy && legacy.type === ShType.PROGBITS) {
    defSections.add(legacy.index);
    const where = 'section maps';
    const syms = elf.symbols
      .filter((s) => s.shndx === legacy.index && s.type !== SymType.SECTION && s.name !== '')
      .sort((a, b) => a.value - b.value);
    if (syms.length === 0 && legacy.size > 0) return Result.err('maps', where, 0, 'legacy maps section has no map symbols');
    const fallback = syms.length > 0 ? Math.floor(legacy.size / syms.length) : 0;
    const view = new DataView(legacy.data.buffer, legacy.data.byteOffset, legacy.data.length);
    for (const s of syms) {
      const size = s.size > 0 ? s.size : fallback;
      if (size < 16 || s.value + size > legacy.size) {
        return Result.err('maps', where, s.value, `legacy map '${s.name}': definition of ${size} bytes at ${s.value} does not fit a struct bpf_map_def in the ${legacy.size}-byte section`);
      }
      const u32 = (i: number): number => (i * 4 + 4 <= size ? view.getUint32(s.value + i * 4, true) : 0);
      const idx = maps.length;
      maps.push({ index: idx, name: s.name, type: u32(0), keySize: u32(1), valueSize: u32(2), maxEntries: u32(3), flags: u32(4), pinning: 0, origin: 'legacy' });
      defs.set(key(legacy.index, s.value), idx);
    }
    if (syms.length > 0) warnings.push(Result.format({ stage: 'maps', where: 'file', offset: legacy.offset, message: `${syms.length} legacy map definition(s) in section 'maps'; libbpf >= 1.0 refuses this section, use BTF-defined maps in '.maps'` }));
  }

  // BTF-defined maps.
  const btfMaps = elf.sectionByName('.maps');
  if (btfMaps) {
    defSections.add(btfMaps.index);
    const where = 'section .maps';
    if (!btf) return Result.err('maps', where, 0, "section '.maps' needs BTF, but the object has no .BTF section (compile with -g)");
    const sec = btf.byName('.maps', 'datasec') as BtfDatasec | undefined;
    if (!sec && btfMaps.size > 0) return Result.err('maps', where, 0, "BTF has no DATASEC '.maps' describing the map definitions");
    const symOffset = new Map<string, number>();
    for (const s of elf.symbols) if (s.shndx === btfMaps.index && s.name) symOffset.set(s.name, s.value);
    for (const vi of sec?.vars ?? []) {
      const v = btf.typeById(vi.type);
      if (!v || v.kind !== 'var') return Result.err('maps', where, vi.offset, `DATASEC '.maps' entry [${vi.type}] is not a variable`);
      if (!v.name) return Result.err('maps', where, vi.offset, 'map with an empty name');
      // libbpf fixes up DATASEC offsets from the ELF symbols (clang leaves them 0 in objects).
      const offset = symOffset.get(v.name) ?? vi.offset;
      if (offset > btfMaps.size) return Result.err('maps', where, offset, `map '${v.name}': definition at ${offset} lies past the end of the section`);
      const def = parseBtfMapDef(btf, v.name, v.type, false);
      if (!def.ok) return Result.err('maps', where, offset, def.error);
      const idx = maps.length;
      maps.push({ index: idx, name: v.name, ...def.value, origin: 'btf' });
      defs.set(key(btfMaps.index, offset), idx);
    }
  }

  // Global data: one array map per non-empty .data*/.rodata*/.bss* section.
  for (const s of elf.sections) {
    const kind = dataKind(s);
    if (!kind || s.size === 0) continue;
    // .bss has no file bytes, so its size is unchecked by the ELF reader; refuse absurd ones
    // rather than allocate them (real programs keep global data far below this).
    if (s.size > MAX_DATA_SECTION) return Result.err('maps', `section ${s.name}`, 0, `global data section ${s.name} is ${s.size} bytes, more than the ${MAX_DATA_SECTION} this tool models`);
    const ds = btf?.byName(s.name, 'datasec') as BtfDatasec | undefined;
    let mmapable = false;
    for (const vi of ds?.vars ?? []) {
      const v = btf!.typeById(vi.type);
      if (v && v.kind === 'var' && v.linkage !== 0) mmapable = true;
    }
    const idx = maps.length;
    maps.push({
      index: idx,
      name: s.name,
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: s.size,
      maxEntries: 1,
      flags: (kind === 'rodata' ? BPF_F_RDONLY_PROG : 0) | (mmapable ? BPF_F_MMAPABLE : 0),
      pinning: 0,
      ...(ds ? { valueTypeId: ds.id } : {}),
      origin: kind,
      initial: kind === 'bss' ? new Uint8Array(s.size) : s.data.slice(),
      ...(kind === 'rodata' ? { readonly: true } : {}),
    });
    data.set(s.index, idx);
  }

  // .kconfig externs: laid out as libbpf does (bpf_object__collect_externs): sorted by
  // alignment descending, then size ascending, then name; each at the next aligned offset.
  const kconfig = new Map<string, KconfigVar>();
  let kconfigMap: number | undefined;
  const kcSec = btf?.byName('.kconfig', 'datasec') as BtfDatasec | undefined;
  if (btf && kcSec) {
    const externs = new Map(elf.symbols.filter((s) => s.shndx === Shn.UNDEF && s.name).map((s) => [s.name, s] as const));
    const items: { name: string; size: number; align: number; type: number }[] = [];
    for (const vi of kcSec.vars) {
      const v = btf.typeById(vi.type);
      if (!v || v.kind !== 'var') return Result.err('maps', 'section .BTF', 0, `DATASEC '.kconfig' entry [${vi.type}] is not a variable`);
      if (!externs.has(v.name)) continue;
      const size = btf.sizeOf(v.type);
      const align = alignOf(btf, v.type, 0);
      if (!size || !align || size > 4096) return Result.err('maps', 'section .BTF', 0, `kconfig extern '${v.name}': has no size or alignment libbpf can use (kconfig values are at most a few bytes)`);
      items.push({ name: v.name, size, align, type: v.type });
    }
    items.sort((a, b) => b.align - a.align || a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let off = 0;
    const vars: KconfigVar[] = [];
    for (const it of items) {
      const at = Math.ceil(off / it.align) * it.align;
      const kv: KconfigVar = { name: it.name, offset: at, size: it.size, ...kcfgType(btf, it.type), weak: externs.get(it.name)!.bind === STB_WEAK };
      kconfig.set(it.name, kv);
      vars.push(kv);
      off = at + it.size;
    }
    if (items.length > 0) {
      kconfigMap = maps.length;
      maps.push({
        index: kconfigMap, name: '.kconfig', type: MapType.ARRAY, keySize: 4, valueSize: off, maxEntries: 1,
        flags: BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, pinning: 0, valueTypeId: kcSec.id, origin: 'kconfig',
        // libbpf fills the values from the running kernel's config at load time; zero here (the
        // emulator's kconfigImage fills them from a config the user gives).
        initial: new Uint8Array(off), readonly: true, kconfigVars: vars,
      });
    }
  }

  const arenaSec = elf.sectionByName(ARENA_SECTION);
  const arenaMap = maps.findIndex((m) => m.type === MapType.ARENA);
  return Result.ok({
    maps,
    ...(arenaSec ? { arenaSection: arenaSec.index } : {}),
    ...(arenaMap >= 0 ? { arenaMap } : {}),
    defAt: (sec, off) => defs.get(key(sec, off)),
    dataMap: (sec) => data.get(sec),
    ...(kconfigMap !== undefined ? { kconfigMap } : {}),
    kconfig,
    defSections,
  });
}

type BtfMapFields = Omit<MapDef, 'index' | 'name' | 'origin'>;
type DefResult = { ok: true; value: BtfMapFields } | { ok: false; error: string };

const MAP_IN_MAP = new Set<number>([MapType.ARRAY_OF_MAPS, MapType.HASH_OF_MAPS]);

function parseBtfMapDef(btf: Btf, name: string, typeId: number, inner: boolean): DefResult {
  const fail = (error: string): DefResult => ({ ok: false, error: `map '${name}': ${error}` });
  const def = btf.resolve(typeId);
  if (!def || def.kind !== 'struct') return fail(`definition is ${def?.kind ?? 'an invalid type'}, expected a struct`);
  let type = 0;
  let keySize = 0;
  let valueSize = 0;
  let maxEntries = 0;
  let flags = 0;
  let pinning = 0;
  let keyTypeId: number | undefined;
  let valueTypeId: number | undefined;
  let innerDef: MapDef | undefined;
  const intField = (member: string, t: number): number | string => {
    const p = btf.resolve(t);
    if (!p || p.kind !== 'ptr') return `attribute '${member}': expected a pointer, got ${p?.kind ?? 'an invalid type'}`;
    const arr = btf.typeById(p.type);
    if (!arr || arr.kind !== 'array') return `attribute '${member}': expected a pointer to an array, got a pointer to ${arr?.kind ?? 'an invalid type'}`;
    return arr.nelems;
  };
  const sizeField = (member: string, current: number, sz: number): string | undefined =>
    current && current !== sz ? `conflicting ${member} size ${current} != ${sz}` : undefined;
  for (let i = 0; i < def.members.length; i++) {
    const m = def.members[i]!;
    switch (m.name) {
      case 'type': case 'max_entries': case 'map_flags': case 'numa_node': case 'key_size': case 'value_size': case 'pinning': {
        const v = intField(m.name, m.type);
        if (typeof v === 'string') return fail(v);
        if (m.name === 'type') type = v;
        else if (m.name === 'max_entries') maxEntries = v;
        else if (m.name === 'map_flags') flags = v;
        else if (m.name === 'key_size') {
          const e = sizeField('key', keySize, v);
          if (e) return fail(e);
          keySize = v;
        } else if (m.name === 'value_size') {
          const e = sizeField('value', valueSize, v);
          if (e) return fail(e);
          valueSize = v;
        } else if (m.name === 'pinning') {
          if (inner) return fail("inner map definition can't be pinned");
          if (v !== 0 && v !== 1) return fail(`invalid pinning value ${v}`);
          pinning = v;
        }
        break;
      }
      case 'key': case 'value': {
        const p = btf.typeById(m.type);
        if (!p || p.kind !== 'ptr') return fail(`${m.name} spec is not a pointer: ${p?.kind ?? 'invalid type'}`);
        const sz = btf.sizeOf(p.type);
        if (sz === undefined) return fail(`can't determine ${m.name} size for type [${p.type}]`);
        if (m.name === 'key') {
          const e = sizeField('key', keySize, sz);
          if (e) return fail(e);
          keySize = sz;
          keyTypeId = p.type;
        } else {
          const e = sizeField('value', valueSize, sz);
          if (e) return fail(e);
          valueSize = sz;
          valueTypeId = p.type;
        }
        break;
      }
      case 'values': {
        if (inner) return fail('multi-level inner maps are not supported');
        if (i !== def.members.length - 1) return fail("'values' member should be last");
        const isProgArray = type === MapType.PROG_ARRAY;
        if (!MAP_IN_MAP.has(type) && !isProgArray) return fail('should be map-in-map or prog-array to have values');
        if (valueSize && valueSize !== 4) return fail(`conflicting value size ${valueSize} != 4`);
        valueSize = 4;
        const arr = btf.typeById(m.type);
        if (!arr || arr.kind !== 'array' || arr.nelems !== 0) return fail("'values' spec is not a zero-sized array");
        const ptr = btf.resolve(arr.type);
        if (!ptr || ptr.kind !== 'ptr') return fail(`'values' element is ${ptr?.kind ?? 'invalid'}, expected a pointer`);
        const target = btf.resolve(ptr.type);
        if (isProgArray) {
          if (!target || target.kind !== 'func_proto') return fail(`prog-array value def is ${target?.kind ?? 'invalid'}, expected func_proto`);
          break;
        }
        if (!target || target.kind !== 'struct') return fail(`map-in-map inner def is ${target?.kind ?? 'invalid'}, expected struct`);
        const innerName = `${name}.inner`;
        const r = parseBtfMapDef(btf, innerName, target.id, true);
        if (!r.ok) return r;
        innerDef = { index: -1, name: innerName, ...r.value, origin: 'btf' };
        break;
      }
      case 'map_extra':
        break;
      default:
        return fail(`unknown field '${m.name}'`);
    }
  }
  if (type === MapType.UNSPEC) return fail("map type isn't specified");
  return {
    ok: true,
    value: {
      type, keySize, valueSize, maxEntries, flags, pinning,
      ...(keyTypeId !== undefined ? { keyTypeId } : {}),
      ...(valueTypeId !== undefined ? { valueTypeId } : {}),
      ...(innerDef ? { inner: innerDef } : {}),
    },
  };
}

/** Alignment as libbpf's btf__align_of computes it (pointer size 8), for kconfig layout. */
/** STB_WEAK: a __weak extern. */
const STB_WEAK = 2;
/** BTF_INT_SIGNED and BTF_INT_BOOL (include/uapi/linux/btf.h @6.12). */
const INT_SIGNED = 1;
const INT_BOOL = 4;

/** libbpf's find_kcfg_type (tools/lib/bpf/libbpf.c @6.12) over our BTF. */
function kcfgType(btf: Btf, id: number): Pick<KconfigVar, 'kind' | 'signed'> {
  const t = btf.resolve(id);
  if (t?.kind === 'int') {
    if (t.encoding & INT_BOOL) return { kind: t.size === 1 ? 'bool' : 'unsupported', signed: false };
    const signed = (t.encoding & INT_SIGNED) !== 0;
    if (t.size === 1) return { kind: 'char', signed };
    return { kind: [2, 4, 8].includes(t.size) ? 'int' : 'unsupported', signed };
  }
  if (t?.kind === 'enum') return { kind: t.name === 'libbpf_tristate' ? 'tristate' : 'unsupported', signed: false };
  if (t?.kind === 'array') {
    const e = btf.resolve(t.type);
    if (e?.kind === 'int' && e.size === 1 && (e.encoding & INT_BOOL) === 0 && t.nelems > 0) return { kind: 'chars', signed: false };
  }
  return { kind: 'unsupported', signed: false };
}

function alignOf(btf: Btf, id: number, depth: number): number {
  if (depth > 32) return 0;
  const t = btf.resolve(id);
  if (!t) return 0;
  switch (t.kind) {
    case 'int': case 'enum': case 'enum64': case 'float':
      return Math.min(8, t.size);
    case 'ptr':
      return 8;
    case 'array':
      return alignOf(btf, t.type, depth + 1);
    case 'struct': case 'union': {
      let a = 1;
      for (const m of t.members) a = Math.max(a, alignOf(btf, m.type, depth + 1));
      return a;
    }
    default:
      return 0;
  }
}
